"""Reproductions started from JupyterLab: ``nbops reproduce`` in a worker process.

A reproduction is checked before it starts (the run exists and FINISHED, the options are valid:
a 400 or 404 records nothing), then runs on the same path as the command; the lab polls its
state. The worker process keeps the kernels' resources out of the server's. What is
REST-specific (ids, the ``DescribeReproduction`` JSON) lives here.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

from ..config import Settings
from ..exceptions import InputError, NotFoundError
from ..execution.environments import check_option
from ..reproduction.reproduce import reproduce
from ..reproduction.verdict import check_tolerance
from ..store import open_store

MAX_KEPT = 100


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
    """Starts and describes reproductions, one at a time (each runs a kernel)."""

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
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
        future = self._pool.submit(reproduce, run_id, rtol, atol, env, settings.project, _quiet)
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
        """Drop queued reproductions (the server is stopping); a running one ends with it."""
        self._pool.shutdown(wait=False, cancel_futures=True)
