"""An executor that finishes every task at once, for timing and testing the coordinator alone.

No kernel runs and nothing is written to the store by a "worker": a real worker records its run's
end from its own process, on its own time. What is left is nbops's bookkeeping: opening each run,
making its task, settling its outcome. The runs stay RUNNING.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

from nbops.exceptions import WorkerLostError
from nbops.execution.executors.base import Executor, register
from nbops.execution.task import RunResult


@register("simulated")
class SimulatedExecutor(Executor):
    """Ends every task at once, FINISHED, without a kernel."""

    def start(self) -> None:
        pass

    def _shutdown(self, kill: bool) -> None:
        pass

    def submit(self, task) -> Future:
        self.submitted = getattr(self, "submitted", 0) + 1
        future: Future = Future()
        future.set_result(RunResult(task.run_id, "FINISHED", Path(task.notebook), Path()))
        return future


@register("lost")
class LostExecutor(SimulatedExecutor):
    """Every task's worker dies before the task starts: its run is never touched by a worker."""

    def submit(self, task) -> Future:
        future: Future = Future()
        future.set_exception(WorkerLostError(f"the worker of {task.key!r} died"))
        return future
