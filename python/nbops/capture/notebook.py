"""Which notebook the current process runs, as far as it can tell."""

from __future__ import annotations

import os
from pathlib import Path

NOTEBOOK_VARIABLES = ("NBOPS_NOTEBOOK", "JPY_SESSION_NAME")


def current_notebook(hint: str | None = None) -> Path | None:
    """Return the path of the running notebook, or ``None`` outside a notebook.

    Parameters
    ----------
    hint:
        A path known to the caller (IPython's ``__session__``); environment variables win over it.

    ``NBOPS_NOTEBOOK`` is set by nbops for headless runs; ``JPY_SESSION_NAME`` is set by
    jupyter_server for kernels it starts (absolute, or relative to the server root, in which case
    the kernel's working directory is the notebook's folder).
    """
    for value in [*(os.environ.get(v) for v in NOTEBOOK_VARIABLES), hint]:
        if value and value.endswith(".ipynb"):
            path = Path(value)
            return path if path.is_absolute() else Path.cwd() / path.name
    return None
