"""The kernel door: IPython magics over the core (``%load_ext nbops``)."""

from __future__ import annotations

import threading

warm_up_thread: threading.Thread | None = None


def _warm_up(notebook_hint: str | None) -> None:
    """Open the store (importing MLflow) off the main thread and end runs of killed kernels."""
    from ..capture.session import current_session
    from ..exceptions import NbopsError

    try:
        session = current_session(notebook_hint)
        if session.notebook is not None:
            killed = session.mark_killed_runs()
            if killed:
                print(f"nbops: marked {len(killed)} run(s) of killed kernels as KILLED.")
    except NbopsError:
        pass  # %nbops status and the first logging call report an unusable store


def load_ipython_extension(ipython) -> None:
    """Register the magics and warm up in the background (the session ends its run at exit)."""
    from .magics import NbopsMagics

    ipython.register_magics(NbopsMagics)
    global warm_up_thread
    hint = ipython.user_ns.get("__session__")
    warm_up_thread = threading.Thread(
        target=_warm_up, args=(hint,), name="nbops-warm-up", daemon=True
    )
    warm_up_thread.start()


def unload_ipython_extension(ipython) -> None:
    """End the active run (the magics stay registered, as IPython cannot remove them)."""
    from ..capture.session import reset_session

    reset_session()
