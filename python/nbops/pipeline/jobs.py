"""Headless jobs started from JupyterLab: ``nbops run`` in a background worker process.

Each job opens its run at once (its id is the job's id), then executes in its own
:class:`~nbops.pipeline.executors.local.WorkerProcess`, so that cancelling a job kills exactly
that process (its kernel exits with it) and ends the run KILLED. Progress (cells done / total)
is read from the notebook papermill saves after every cell.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..config import Settings, load_settings
from ..exceptions import NbopsError, NotFoundError
from ..store import open_store
from .executors.local import WorkerProcess
from .run import make_task, open_run, prepare
from .task import RunResult

MAX_KEPT = 200


@dataclass
class Job:
    """One background run and how far it got."""

    id: str
    target: str
    notebook: Path
    executed: Path
    parameters: dict[str, object]
    cells_total: int
    created: float
    status: str = "RUNNING"
    error: str | None = None
    settings: Settings | None = field(default=None, repr=False)
    _worker: WorkerProcess | None = field(default=None, repr=False)
    _future: Future | None = field(default=None, repr=False)

    @property
    def cells_done(self) -> int:
        """Code cells papermill has finished, read from the notebook it saves as it goes."""
        if self.status == "FINISHED":
            return self.cells_total
        try:
            nb = nbformat.read(self.executed, as_version=4)
        except (OSError, ValueError):
            return 0
        return sum(
            1
            for c in nb.cells
            if c.cell_type == "code"
            and c.metadata.get("papermill", {}).get("status") == "completed"
        )

    def to_dict(self) -> dict[str, object]:
        """The job as JSON (``DescribeJob``)."""
        done = self.status != "RUNNING"
        return {
            "id": self.id,
            "run_id": self.id,
            "target": self.target,
            "notebook": str(self.notebook),
            "parameters": self.parameters,
            "status": self.status,
            "cells_done": self.cells_done,
            "cells_total": self.cells_total,
            "error": self.error,
            "created": self.created,
            "report": f"runs/{self.id}/report" if done and self.status != "KILLED" else None,
        }


class JobManager:
    """Starts, lists and cancels background jobs (one worker process each).

    Parameters
    ----------
    max_running:
        How many jobs may run at once; more wait in a queue.
    """

    def __init__(self, max_running: int = 2) -> None:
        self._threads = ThreadPoolExecutor(max_running, thread_name_prefix="nbops-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def create(
        self,
        target: str,
        parameters: dict[str, object],
        cwd: Path,
        kernel: str | None = None,
    ) -> Job:
        """Check the parameters, open the run and queue it; :class:`InputError` records nothing.

        Parameters
        ----------
        target:
            A notebook path or a step ``name[@version]`` of the project at ``cwd``.
        parameters:
            Values by name, checked against the step's schema.
        cwd:
            The folder whose project step names are looked up in.
        kernel:
            The kernel (default: the notebook's).
        """
        prepared = prepare(target, parameters, cwd=cwd)
        settings = load_settings(prepared.target.project)
        run_id = open_run(prepared, settings, tags={"nbops.run_kind": "job"})
        task = make_task(prepared, settings, run_id, key=Path(target).stem, kernel=kernel)
        notebook = nbformat.read(prepared.target.notebook, as_version=4)
        job = Job(
            id=run_id,
            target=target,
            notebook=prepared.target.notebook,
            executed=Path(task.output) / prepared.target.notebook.name,
            parameters=prepared.values,
            cells_total=sum(1 for c in notebook.cells if c.cell_type == "code"),
            created=time.time(),
            settings=settings,
        )
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        job._future = self._threads.submit(self._execute, job, task)
        return job

    def _execute(self, job: Job, task) -> None:
        if job.status != "RUNNING":  # cancelled while queued
            return
        job._worker = WorkerProcess()
        try:
            result: RunResult = job._worker.run(task)
            job.status, job.error = result.status, result.error
        except NbopsError as err:
            if job.status == "RUNNING":
                job.status, job.error = "FAILED", str(err)
            _end_if_running(job.settings, job.id, job.status)
        finally:
            job._worker.stop(kill=False)

    def list(self) -> list[Job]:
        """Every kept job, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def get(self, job_id: str) -> Job:
        """One job; :class:`NotFoundError` if there is none with that id."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"No job {job_id!r}.", "List the jobs: GET /nbops/api/jobs.")
        return job

    def cancel(self, job_id: str) -> Job:
        """Stop a job: kill its worker and kernel; its run ends KILLED."""
        job = self.get(job_id)
        if job.status == "RUNNING":
            job.status, job.error = "KILLED", "cancelled"
            if job._worker is not None:
                job._worker.stop(kill=True)
            _end_if_running(job.settings, job.id, "KILLED")
        return job

    def close(self) -> None:
        """Cancel every running job (the server is stopping)."""
        for job in self.list():
            self.cancel(job.id)
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _forget_old(self) -> None:
        ended = [j for j in self._jobs.values() if j.status != "RUNNING"]
        for job in sorted(ended, key=lambda j: j.created)[: max(0, len(self._jobs) - MAX_KEPT)]:
            del self._jobs[job.id]


def _end_if_running(settings, run_id: str, status: str) -> None:
    store = open_store(settings)
    if store.get_run(run_id).status == "RUNNING":
        store.end_run(run_id, status)
