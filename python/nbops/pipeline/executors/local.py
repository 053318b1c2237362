"""The ``local`` executor: a pool of worker processes on this machine, one task each at a time.

Each worker is a spawned Python process that keeps running between tasks (imports are paid once)
and ignores Ctrl-C, so that the coordinator decides: on Ctrl-C it terminates the workers, whose
kernels then exit on their own (ipykernel stops when its parent process is gone). A worker that
dies mid-task is replaced and its task's future fails with :class:`WorkerLostError`.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import wait

from ...exceptions import NbopsError, WorkerLostError
from ..task import RunResult, Task, execute_task
from .base import Executor, register


def _serve(connection) -> None:
    """A worker's loop: receive a task, execute it, send back the result or the error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send((True, execute_task(task)))
        except Exception as err:  # noqa: BLE001 - reported to the coordinator, which fails the run
            connection.send((False, f"{type(err).__name__}: {err}"))


class _Worker:
    """One worker process and the pipe to it."""

    def __init__(self, context) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def run(self, task: Task) -> RunResult:
        self.connection.send(task)
        ready = wait([self.connection, self.process.sentinel])
        if self.connection in ready:
            try:
                ok, value = self.connection.recv()
            except (EOFError, OSError):
                ok, value = None, None
            if ok:
                return value
            if ok is False:
                raise NbopsError(f"Task {task.key!r} failed in its worker: {value}")
        self.process.join(1)
        raise WorkerLostError(
            f"The worker process running {task.key!r} died (exit code {self.process.exitcode}).",
            "A process killed for lack of memory is a common cause.",
        )

    def stop(self, kill: bool) -> None:
        if kill:
            self.process.terminate()
        self.connection.close()
        self.process.join(2 if kill else 30)
        if self.process.is_alive():
            self.process.kill()


@register("local")
class LocalExecutor(Executor):
    """Worker processes on this machine (default: as many as CPUs)."""

    def start(self) -> None:
        """Start the worker processes."""
        count = self.workers or os.cpu_count() or 1
        self._context = multiprocessing.get_context("spawn")
        self._workers = [_Worker(self._context) for _ in range(count)]
        self._idle: queue.Queue[_Worker] = queue.Queue()
        for worker in self._workers:
            self._idle.put(worker)
        self._threads = ThreadPoolExecutor(count, thread_name_prefix="nbops-local")

    def submit(self, task: Task) -> Future:
        """Run ``task`` on the next idle worker."""
        return self._threads.submit(self._run, task)

    def _run(self, task: Task) -> RunResult:
        worker = self._idle.get()
        try:
            return worker.run(task)
        except WorkerLostError:
            self._workers.remove(worker)
            worker = _Worker(self._context)
            self._workers.append(worker)
            raise
        finally:
            self._idle.put(worker)

    def _shutdown(self, kill: bool) -> None:
        """Stop the workers (terminate them at once with ``kill``)."""
        for worker in list(self._workers):
            worker.stop(kill)
        self._threads.shutdown(wait=not kill, cancel_futures=True)
