"""What a worker does around a task's notebook: claim its run, record where and in what
environment it runs, and check that environment against the step's lock."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from ..capture.environment import machine_once
from ..capture.lifecycle import record_environment
from ..exceptions import InputError, WorkerLostError
from ..names import ENV_CHECK_FILE, ENV_CHECK_TAG, WORKER_HOST_TAG, WORKER_PID_TAG
from ..store import Store
from .ending import end_if_running
from .environments import check_lock

if TYPE_CHECKING:
    from .task import Task


def claim(store: Store, task: Task) -> None:
    """Take the run for this worker (its host and pid, recorded before any cell can run), or
    refuse a run another worker already took: a scheduler (Dask's) runs a task again when its
    worker was lost. That attempt's run ends FAILED saying so, and the coordinator opens a new
    run for the next attempt, so that no run holds two attempts' records."""
    run = store.get_run(task.run_id)
    if run.status == "RUNNING" and not run.tags.get(WORKER_PID_TAG):
        # now, not with the environment: a cell may kill its worker before a slow server (one
        # that authenticates each request) has recorded that, and the retry would take the run
        store.log_batch(task.run_id, tags=_where())
        return
    where = f"{run.tags.get(WORKER_HOST_TAG)}, pid {run.tags.get(WORKER_PID_TAG)}"
    lost = f"its worker ({where}) was lost while running it"
    end_if_running(store, task.run_id, "FAILED", lost, params=task.params)
    raise WorkerLostError(
        f"The worker running {task.key!r} ({where}) was lost; its scheduler started it again.",
        "nbops runs it again as a new run.",
    )


def record_where(store: Store, task: Task, notebook: Path) -> None:
    """Record this worker's environment (with the code the task carries; its host and pid are
    the claim's) and the run's parameters (already there when the run was opened with them:
    the same values)."""
    environment = {**machine_once(), **task.code}
    tags = record_environment(store, task.run_id, None, notebook, environment)
    store.log_batch(task.run_id, params=task.params, tags=tags)


def _where() -> dict[str, str]:
    return {WORKER_HOST_TAG: socket.gethostname(), WORKER_PID_TAG: str(os.getpid())}


def check_environment(store: Store, task: Task) -> None:
    """Compare the step's lock with the packages of the kernel about to run it; record the
    check on the run (tag and ``environment-check.json``). With ``strict_env``, a difference
    is an :class:`InputError` (the run then ends FAILED, its notebook not run)."""
    check = check_lock(task.lock, task.kernel, task.python)
    if check is None:
        store.log_batch(task.run_id, tags={ENV_CHECK_TAG: "no lock"})
        return
    store.log_batch(task.run_id, tags={ENV_CHECK_TAG: check.summary})
    store.log_text(task.run_id, json.dumps(check.to_dict(), indent=1), ENV_CHECK_FILE)
    if check and task.options.strict_env:
        raise InputError(
            f"The environment of kernel {task.kernel!r} does not match the lock of "
            f"{task.key!r}: {'; '.join(check.lines()[:10])}.",
            "Install the locked versions (pip install -r requirements.txt in the step's folder), "
            "or run without --strict-env.",
        )
