"""The kernel door: IPython magics over the core (``%load_ext nbops``)."""

from __future__ import annotations

import atexit
import sys


def _end_run_at_exit() -> None:
    from ..capture.session import reset_session

    try:
        reset_session()
    except Exception as err:  # noqa: BLE001 - at exit there is no one left to raise to
        print(f"nbops: could not end the active run at exit: {err}", file=sys.stderr)


def load_ipython_extension(ipython) -> None:
    """Register the magics and end the active run when the kernel exits."""
    from .magics import NbopsMagics

    ipython.register_magics(NbopsMagics)
    atexit.unregister(_end_run_at_exit)
    atexit.register(_end_run_at_exit)


def unload_ipython_extension(ipython) -> None:
    """End the active run (the magics stay registered, as IPython cannot remove them)."""
    _end_run_at_exit()
