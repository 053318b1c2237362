"""Reproductions started from JupyterLab: ``nbops reproduce`` with the lab's job system.

A reproduction is checked before it starts (the run exists and FINISHED, the options are valid:
a 400 or 404 records nothing), then runs on the same path as the command, in a thread of the
server: its plan and verdict talk to the store, and its new run is a job of the
:class:`~nbops.server.jobs.JobManager` (on the executor the server extension is configured
with, counted against its ``max_jobs``, listed and cancelled as any job); the lab polls its
state. What is REST-specific (ids, the ``DescribeReproduction`` JSON) lives here.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ..config import Settings
from ..exceptions import InputError, NotFoundError
from ..execution.environments import check_option
from ..reproduction.reproduce import reproduce
from ..reproduction.verdict import check_tolerance
from ..store import open_store
from .jobs import JobManager

MAX_KEPT = 100
MAX_RUNNING = 4  # reproductions planned or judged at once (their kernels are jobs)


@dataclass
class LabReproduction:
    """One reproduction: what was asked, and its verdict once it is in."""

    id: str
    original: str
    created: float
    future: Future = field(repr=False)

    def describe(self) -> dict[str, object]:
        """The reproduction as JSON (``DescribeReproduction``)."""
        described: dict[str, object] = {
            "id": self.id,
            "original": self.original,
            "created": self.created,
            "status": "RUNNING",
            "run_id": None,
            "verdict": None,
            "summary": None,
            "error": None,
        }
        if not self.future.done():
            return described
        error = self.future.exception()
        if error is not None:
            return {**described, "status": "ERROR", "error": str(error)}
        result = self.future.result()
        return {**described, **result.to_dict(), "status": "DONE", "id": self.id}


def _quiet(line: str) -> None:
    """Lines a reproduction would print: the lab shows its verdict instead."""


class Reproductions:
    """Starts and describes reproductions; their new runs are jobs of ``jobs``.

    Parameters
    ----------
    jobs:
        The server's job system.
    """

    def __init__(self, jobs: JobManager) -> None:
        self.jobs = jobs
        self._pool = ThreadPoolExecutor(MAX_RUNNING, thread_name_prefix="nbops-reproduce")
        self._items: dict[str, LabReproduction] = {}
        self._lock = threading.Lock()

    def start(self, settings: Settings, run_id: str, body) -> LabReproduction:
        """Check the request, then queue ``nbops reproduce``; :class:`InputError` or
        :class:`NotFoundError` start nothing."""
        rtol = check_tolerance(body.rtol, "rtol")
        atol = check_tolerance(body.atol, "atol")
        env = check_option(body.env)
        run = open_store(settings).get_run(run_id)  # an unknown run is a 404
        if run.status != "FINISHED":
            raise InputError(
                f"Run {run_id} ended {run.status}; only a FINISHED run can be reproduced.", ""
            )
        if env == "rebuild" and not self.jobs.shares_files(settings):
            raise InputError(
                "A rebuilt environment is made on this server; the executor "
                f"{self.jobs.executor!r} runs on machines that do not see it.",
                "Reproduce in the current environment, or run nbops reproduce --env rebuild on a "
                "worker.",
            )
        future = self._pool.submit(
            reproduce, run_id, rtol, atol, env, settings.project, _quiet, self.jobs.execute
        )
        item = LabReproduction(uuid.uuid4().hex, run_id, time.time(), future)
        with self._lock:
            self._items[item.id] = item
            for old in sorted(self._items.values(), key=lambda i: i.created)[:-MAX_KEPT]:
                if old.future.done():
                    del self._items[old.id]
        return item

    def get(self, key: str) -> LabReproduction:
        """One reproduction; :class:`NotFoundError` if there is none with that id."""
        with self._lock:
            item = self._items.get(key)
        if item is None:
            raise NotFoundError(f"No reproduction {key!r}.", "Start one: POST runs/<id>/reproduce.")
        return item

    def close(self) -> None:
        """Drop queued reproductions (the server is stopping: the job system ends the runs of
        those under way KILLED)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
