"""A whole-run timeout (``--run-timeout``): the kernel of a headless run is stopped at the deadline.

papermill's ``execution_timeout`` bounds each cell; nothing bounds a run of many cells. The
:class:`RunDeadline` gives nbclient a kernel-manager class that remembers the kernel it starts,
and a timer kills that kernel's process when the run's time is up: papermill then fails with a
dead kernel, and the run ends FAILED saying which deadline passed. It works wherever the task
runs (this process, a local worker, a Dask worker thread), since it needs no signal handler.
"""

from __future__ import annotations

import threading

RECHECK_S = 0.5  # if the deadline passes while the kernel is still starting


class RunDeadline:
    """Stop the kernel of one execution after ``seconds``; :attr:`expired` says if it did.

    Parameters
    ----------
    seconds:
        How long the whole run may take, kernel start-up included.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._managers: list = []
        self._timer: threading.Timer | None = None

    def kernel_manager_class(self) -> type:
        """An ``AsyncKernelManager`` (nbclient's default) that registers itself here."""
        from jupyter_client.manager import AsyncKernelManager

        deadline = self

        class WatchedKernelManager(AsyncKernelManager):
            def __init__(self, **kwargs) -> None:
                super().__init__(**kwargs)
                deadline._managers.append(self)

        return WatchedKernelManager

    def __enter__(self) -> RunDeadline:
        self._arm(self.seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _arm(self, seconds: float) -> None:
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        """Kill the kernel's process (papermill then stops); retry while it is starting."""
        self.expired = True
        processes = [getattr(m.provisioner, "process", None) for m in self._managers]
        running = [p for p in processes if p is not None and p.poll() is None]
        for process in running:
            process.kill()
        if not running:
            self._arm(RECHECK_S)
