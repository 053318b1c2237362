"""Work on content from a shared server (a model to unpickle and run) in a process of its own.

Each call gets a new process (``spawn``: nothing of the server's memory is inherited), which
ends with the call: whatever a model's code does, it does neither in the Jupyter server nor in
a process that serves the next request.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import threading

from ..exceptions import NbopsError


def _stop_on_sigterm(signum, frame) -> None:  # pragma: no cover - runs in the child
    raise SystemExit(f"stopped by signal {signum}")


def _call(connection, fn, args, kwargs) -> None:  # pragma: no cover - runs in the child
    # the server stopping terminates this process: unwind, so that what the work started (a
    # model's scoring server, in a session of its own) is stopped by its own cleanup
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        outcome = (True, fn(*args, **kwargs))
    except BaseException as err:  # noqa: BLE001 - every failure goes back to the server whole
        outcome = (False, err)
    connection.send(outcome)
    connection.close()


class Isolated:
    """Runs functions each in a fresh process; :meth:`close` stops those still running."""

    def __init__(self) -> None:
        self._running: set = set()
        self._lock = threading.Lock()

    async def run(self, fn, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` in a new process and return its result (its exception,
        whole, if it raised)."""
        loop = asyncio.get_running_loop()
        ok, value = await loop.run_in_executor(None, self._run, fn, args, kwargs)
        if not ok:
            raise value
        return value

    def _run(self, fn, args, kwargs):
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_call, args=(sender, fn, args, kwargs), daemon=True)
        with self._lock:
            self._running.add(process)
        try:
            process.start()
            sender.close()
            try:
                return receiver.recv()
            except EOFError:
                process.join()
                return False, NbopsError(
                    f"The process loading the model ended without an answer (exit code "
                    f"{process.exitcode}).",
                    "A model's code may have crashed it; see the Jupyter server's log.",
                )
        finally:
            receiver.close()
            process.join(timeout=5)
            with self._lock:
                self._running.discard(process)

    def close(self) -> None:
        """The server stops: end the processes still running."""
        with self._lock:
            running = list(self._running)
        for process in running:
            process.terminate()
