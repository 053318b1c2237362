"""nbops: notebook-first MLOps for JupyterLab.

This module holds the Jupyter hooks and the public API. Everything is imported lazily so that
``%load_ext nbops`` does not pay for MLflow, jupyter_server or pandas.
"""

from __future__ import annotations

import importlib

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "dev"

_API = (
    "active_run",
    "compare",
    "data_diff",
    "diff",
    "drift",
    "end_run",
    "environment_diff",
    "expect",
    "export",
    "fingerprint",
    "infer_expectations",
    "flush",
    "live",
    "load_snapshot",
    "log_artifact",
    "log_figure",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "log_text",
    "monitor",
    "promote",
    "reproduce",
    "run",
    "seed",
    "serve_check",
    "set_tags",
    "snapshot",
    "snapshots",
    "start_run",
    "status",
)

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(".api", __name__), name)
    raise AttributeError(f"module 'nbops' has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "nbops"}]


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    from .server.app import NbopsApp

    return [{"module": "nbops", "app": NbopsApp}]


def load_ipython_extension(ipython) -> None:
    """Register the nbops magics (``%load_ext nbops``)."""
    from .magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython) -> None:
    """End the active run when the extension is unloaded."""
    from .magics import unload_ipython_extension as unload

    unload(ipython)
