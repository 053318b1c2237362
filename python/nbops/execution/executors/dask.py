"""The ``dask`` executor: tasks on a dask.distributed cluster, existing or started here.

``--address tcp://HOST:8786`` connects to a running scheduler; without it a ``LocalCluster`` of
one-thread worker processes starts and is closed at the end. Workers of an existing cluster may be
other machines: they need nbops installed and the tracking server (``NBOPS_TRACKING_URI``), no
shared folder; tasks carry the notebook and its files, and ``resources`` place them. A task whose
worker dies fails with :class:`WorkerLostError`; started here, the scheduler gives up on it at
once so that nbops's own retry applies.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from concurrent.futures import Future

from ...exceptions import ExecutorError, TaskError, WorkerLostError
from ..run import execute_task
from ..task import Task
from .base import Executor, register

CONNECT_TIMEOUT_S = 5


@register("dask")
class DaskExecutor(Executor):
    """A dask.distributed cluster: ``address`` of its scheduler, or a local one."""

    uses_address = True

    @property
    def shares_files(self) -> bool:
        """Only a cluster started here shares this machine's files."""
        return not self.address

    @property
    def capacity(self) -> int:
        """The threads of the cluster's workers (at least one)."""
        client = getattr(self, "_client", None)
        if client is None:
            return super().capacity
        return max(1, sum(client.nthreads().values()))

    def start(self) -> None:
        """Connect to the scheduler, or start a local cluster."""
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as err:
            raise ExecutorError(
                "The dask executor needs dask.distributed, which is not installed.",
                "Install it: pip install 'nbops[dask]'.",
            ) from err
        self._cluster, self._remote = None, {}
        if self.address:
            try:
                self._client = Client(self.address, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError) as err:
                raise ExecutorError(
                    f"No Dask scheduler answers at {self.address}: {err}.",
                    "Check the address (tcp://HOST:8786) and that `dask scheduler` runs there.",
                ) from err
            return
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        self._client = Client(self._cluster)

    def submit(self, task: Task) -> Future:
        """Submit ``task`` to the cluster."""
        result: Future = Future()
        key = f"nbops-{task.key}-{uuid.uuid4().hex[:8]}"
        remote = self._client.submit(
            execute_task, task, key=key, pure=False, resources=task.resources or None
        )
        self._remote[task.run_id] = remote  # the remote future lives until its result is copied
        remote.add_done_callback(lambda done: self._done(done, result, task))
        return result

    def cancel(self, future: Future, task: Task) -> None:
        """Cancel the task on the cluster (a task already running there may finish)."""
        remote = self._remote.get(task.run_id)
        if remote is not None:
            self._client.cancel([remote])

    def _done(self, remote, result: Future, task: Task) -> None:
        self._remote.pop(task.run_id, None)
        _transfer(remote, result, task)

    def _shutdown(self, kill: bool) -> None:
        """Disconnect (cancelling queued tasks with ``kill``); close a cluster started here.

        Tasks already running on an existing cluster finish there; their runs were ended KILLED.
        """
        if kill and self._remote:
            self._client.cancel(list(self._remote.values()))
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _transfer(remote, result: Future, task: Task) -> None:
    """Copy a Dask future's outcome into ``result``, naming a lost worker as such."""
    from distributed import KilledWorker

    if remote.status == "finished":
        result.set_result(remote.result())
        return
    if remote.status == "cancelled":
        result.set_exception(WorkerLostError(f"The task {task.key!r} was cancelled."))
        return
    error = remote.exception()
    if isinstance(error, WorkerLostError):  # raised by the worker that found the task's run taken
        result.set_exception(error)
    elif isinstance(error, KilledWorker):
        result.set_exception(
            WorkerLostError(f"The Dask worker running {task.key!r} died.", "See the worker's log.")
        )
    else:
        trace = "".join(traceback.format_exception(type(error), error, remote.traceback()))
        result.set_exception(TaskError(f"Task {task.key!r} failed on its worker: {error}", trace))
