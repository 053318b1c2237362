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


class _WarmUp:
    """Warm up between cells, never while one runs.

    Importing MLflow in two threads at once can hand one of them a partially initialised module
    (MLflow's modules import each other, and CPython's import locks break such a cycle by
    returning the half-made module). So the warm-up starts when the cell that loaded nbops ends,
    and the next cell waits for it before it runs.
    """

    def __init__(self, ipython) -> None:
        self.ipython = ipython
        self.hint = ipython.user_ns.get("__session__")

    def start(self, result=None) -> None:
        """Start the warm-up thread (once), after the cell that loaded the extension."""
        global warm_up_thread
        self.ipython.events.unregister("post_run_cell", self.start)
        warm_up_thread = threading.Thread(
            target=_warm_up, args=(self.hint,), name="nbops-warm-up", daemon=True
        )
        warm_up_thread.start()
        self.ipython.events.register("pre_run_cell", self.wait)

    def wait(self, info=None) -> None:
        """Let the next cell run once the warm-up has finished."""
        self.ipython.events.unregister("pre_run_cell", self.wait)
        if warm_up_thread is not None:
            warm_up_thread.join()


def load_ipython_extension(ipython) -> None:
    """Register the magics; warm up after this cell (the session ends its run at exit)."""
    from .magics import NbopsMagics

    ipython.register_magics(NbopsMagics)
    if warm_up_thread is None:
        ipython.events.register("post_run_cell", _WarmUp(ipython).start)


def unload_ipython_extension(ipython) -> None:
    """End the active run (the magics stay registered, as IPython cannot remove them)."""
    from ..capture.session import reset_session

    reset_session()
