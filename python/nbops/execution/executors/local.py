"""The ``local`` executor: a pool of worker processes on this machine, one task each at a time.

Each worker is a Python process (``python -m`` this module, talking over a socket pair) that
keeps running between tasks, so imports are paid once. Workers ignore Ctrl-C: the coordinator
terminates them, and their kernels exit on their own (ipykernel stops when its parent is gone).
A worker that dies mid-task is replaced; its task's future fails with :class:`WorkerLostError`.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection

from ...exceptions import TaskError, WorkerLostError
from ..run import execute_task
from ..task import RunResult, Task
from .base import Executor, register


def serve(connection: Connection) -> None:
    """A worker's loop: receive a task, execute it, send back the result or the error with its
    traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):  # the coordinator is gone or closed the pipe
            return
        try:
            connection.send((True, execute_task(task)))
        except Exception as err:  # noqa: BLE001 - reported to the coordinator, which fails the run
            connection.send((False, (f"{type(err).__name__}: {err}", traceback.format_exc())))


class WorkerProcess:
    """One worker process (``python -m`` this module) and the socket to it; one task at a time."""

    def __init__(self) -> None:
        mine, theirs = socket.socketpair()
        command = [sys.executable, "-m", __name__, str(theirs.fileno())]
        # an argument list of this Python and this module: no shell, no user input
        self.process = subprocess.Popen(command, pass_fds=(theirs.fileno(),))  # noqa: S603
        theirs.close()
        self.connection = Connection(mine.detach())

    def run(self, task: Task) -> RunResult:
        """Execute ``task`` in the process; :class:`WorkerLostError` if the process died."""
        self.connection.send(task)
        try:
            ok, value = self.connection.recv()
        except (EOFError, OSError):
            self.process.wait()
            raise WorkerLostError(
                f"The worker process running {task.key!r} died "
                f"(exit code {self.process.returncode}).",
                "A process killed for lack of memory is a common cause.",
            ) from None
        if not ok:
            message, trace = value
            raise TaskError(f"Task {task.key!r} failed in its worker: {message}", trace)
        return value

    def stop(self, kill: bool) -> None:
        """End the process: when its task is done, or at once with ``kill``."""
        if kill:
            self.process.terminate()
        self.connection.close()
        try:
            self.process.wait(2 if kill else 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@register("local")
class LocalExecutor(Executor):
    """Worker processes on this machine (default: as many as CPUs)."""

    def start(self) -> None:
        """Get ready; worker processes start with the first tasks (a cached run starts none)."""
        count = self.workers or os.cpu_count() or 1
        self._workers: list[WorkerProcess] = []
        self._busy: dict[str, WorkerProcess] = {}  # by the run id of the task it runs
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._idle: queue.Queue[WorkerProcess | None] = queue.Queue()
        for _ in range(count):
            self._idle.put(None)
        self._threads = ThreadPoolExecutor(count, thread_name_prefix="nbops-local")

    def submit(self, task: Task) -> Future:
        """Run ``task`` on the next idle worker."""
        return self._threads.submit(self._run, task)

    def cancel(self, future: Future, task: Task) -> None:
        """Dequeue ``task``, or terminate the worker process running it (its kernel exits)."""
        if future.cancel():
            return
        with self._lock:
            self._cancelled.add(task.run_id)
            worker = self._busy.get(task.run_id)
        if worker is not None:
            worker.stop(kill=True)

    def _run(self, task: Task) -> RunResult:
        worker = self._idle.get()
        if worker is None:
            worker = WorkerProcess()
            self._workers.append(worker)
        with self._lock:
            self._busy[task.run_id] = worker
            cancelled = task.run_id in self._cancelled
        try:
            if cancelled:
                raise WorkerLostError(f"The task {task.key!r} was cancelled.")
            return worker.run(task)
        except WorkerLostError:
            if worker.process.poll() is not None:
                self._workers.remove(worker)
                worker = None  # a new one starts with the next task
            raise
        finally:
            with self._lock:
                self._busy.pop(task.run_id, None)
            self._idle.put(worker)

    def _shutdown(self, kill: bool) -> None:
        """Stop the workers (terminate them at once with ``kill``)."""
        for worker in list(self._workers):
            worker.stop(kill)
        self._threads.shutdown(wait=not kill, cancel_futures=True)


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
