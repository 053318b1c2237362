"""Headless jobs started from JupyterLab, on the same coordinator and executor as ``nbops run``.

Each job opens its run at once (the run's id is the job's id) and is submitted to one
:class:`~nbops.execution.coordinator.Coordinator` per project, over a ``local`` executor of
``max_running`` worker processes: jobs get the retries and run bookkeeping of pipelines and
sweeps. Cancelling a job dequeues it or kills its worker process (its kernel exits with it); its
run ends KILLED. What is REST-specific (the ``DescribeJob`` JSON, progress read from the notebook
papermill saves after every cell) lives here, not in the core.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings, load_settings
from ..exceptions import NotFoundError
from ..execution.coordinator import Coordinator, Job
from ..execution.executors import get_executor
from ..execution.options import RunOptions
from ..execution.task import RunResult
from ..names import KIND_JOB, RUN_KIND_TAG, SOURCE_TAG
from ..steps.export import read_notebook
from ..steps.target import prepare

MAX_KEPT = 200
# papermill saves with nbformat (one space per level): a cell's metadata key sits four spaces
# deep; the same words in an output's data sit deeper, in an output's text they are escaped
COMPLETED_CELL = re.compile(rb'\n    "papermill": \{[^{}]*"status": "completed"[^{}]*\}')
CANCEL_WAIT_S = 30.0


@dataclass
class LabJob:
    """A job started from the lab: the coordinator's job, what the user asked for, and when."""

    id: str  # the id of the run it opened first
    job: Job
    target: str
    created: float
    cells_total: int
    _progress: tuple = field(default=(None, 0), repr=False)  # (file stamp, cells done)

    def describe(self) -> dict[str, object]:
        """The job as JSON (``DescribeJob``)."""
        outcome = self.job.outcome
        status = outcome.status if outcome else "RUNNING"
        run_id = self.job.run_id
        return {
            "id": self.id,
            "run_id": run_id,
            "target": self.target,
            "notebook": str(self.job.prepared.target.notebook),
            "parameters": self.job.prepared.values,
            "status": status,
            "cells_done": self.cells_total if status == "FINISHED" else self.cells_done(),
            "cells_total": self.cells_total,
            "error": outcome.error if outcome else None,
            "created": self.created,
            "report": f"runs/{run_id}/report" if status in ("FINISHED", "FAILED") else None,
        }

    def cells_done(self) -> int:
        """Code cells papermill has finished, read from the notebook it saves as it goes: counted
        once per change of the file (a job's notebook may be tens of megabytes, and the lab
        polls), without parsing it: papermill's flat ``"papermill": {... "status": ...}`` cell
        metadata is found in the bytes at its depth (see ``COMPLETED_CELL``)."""
        if self.job.task is None:
            return 0
        path = Path(self.job.task.executed)
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._progress[0]:
                done = len(COMPLETED_CELL.findall(path.read_bytes()))
                self._progress = (stamp, min(done, self.cells_total))
        except OSError:
            return 0
        return self._progress[1]


class JobManager:
    """Starts, lists and cancels background jobs.

    Parameters
    ----------
    max_running:
        How many jobs may run at once (per project); more wait in the executor's queue.
    executor:
        The executor jobs run on (``local``, ``dask`` or an installed one).
    address:
        That executor's cluster, if it takes one.
    """

    def __init__(
        self, max_running: int = 2, executor: str = "local", address: str | None = None
    ) -> None:
        self.max_running = max_running
        self.executor, self.address = executor, address
        self._jobs: dict[str, LabJob] = {}
        self._coordinators: dict[Path, Coordinator] = {}
        self._lock = threading.Lock()

    def create(
        self,
        target: str,
        parameters: dict[str, object],
        cwd: Path,
        kernel: str | None = None,
        options: RunOptions | None = None,
    ) -> LabJob:
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
        options:
            How it runs (timeouts, the environment check).
        """
        prepared = prepare(target, parameters, cwd=cwd, kernel=kernel)
        job = Job(Path(target).stem, prepared, tags={RUN_KIND_TAG: KIND_JOB}, options=options)
        return self._submit(job, target, load_settings(prepared.target.project))

    def execute(self, prepared, settings, *, experiment, name, tags, pins, python) -> RunResult:
        """Run ``prepared`` as a job and wait until it has ended (a reproduction's new run: see
        :class:`~nbops.reproduction.reproduce.Execute`); it is listed, and cancelled, as any job."""
        job = Job(
            prepared.target.notebook.stem,
            prepared,
            experiment=experiment,
            tags=tags,
            pins=pins,
            name=name,
            python=python,
        )
        self._submit(
            job, prepared.target.tags.get(SOURCE_TAG, prepared.target.notebook.name), settings
        )
        job.settled.wait()
        outcome = job.outcome
        executed = Path(job.task.executed) if job.task else prepared.target.notebook
        return RunResult(
            job.run_id, outcome.status, executed, outcome.report, outcome.error, outcome.outputs
        )

    def shares_files(self, settings: Settings) -> bool:
        """Whether the executor's workers see this machine's files (a rebuilt environment made
        here can run there)."""
        return self._coordinator(settings).executor.shares_files

    def _submit(self, job: Job, target: str, settings: Settings) -> LabJob:
        notebook = read_notebook(job.prepared.target.notebook)
        total = sum(1 for c in notebook.cells if c.cell_type == "code")
        job_id = self._coordinator(settings).submit(job)
        lab_job = LabJob(job_id, job, target, time.time(), total)
        with self._lock:
            self._jobs[job_id] = lab_job
            self._forget_old()
        return lab_job

    def _coordinator(self, settings: Settings) -> Coordinator:
        """The coordinator of ``settings``'s project, its executor started on first use."""
        with self._lock:
            if settings.project not in self._coordinators:
                executor = get_executor(self.executor, self.max_running, self.address).open()
                # outcomes stay on each Job (``describe`` reads them): no queue to drain
                self._coordinators[settings.project] = Coordinator(
                    executor, settings, echo=lambda line: None, on_outcome=lambda job: None
                )
            return self._coordinators[settings.project]

    def list(self) -> list[LabJob]:
        """Every kept job, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def get(self, job_id: str) -> LabJob:
        """One job; :class:`NotFoundError` if there is none with that id."""
        with self._lock:
            lab_job = self._jobs.get(job_id)
        if lab_job is None:
            raise NotFoundError(f"No job {job_id!r}.", "List the jobs: GET /nbops/api/jobs.")
        return lab_job

    def cancel(self, job_id: str) -> LabJob:
        """Stop a job, wait (a few seconds at most) until its run has ended KILLED, and drop it
        from the list (its run stays in the store); return it as it ended."""
        lab_job = self.get(job_id)
        job = lab_job.job
        if job.outcome is None:
            self._coordinators[job.prepared.target.project].cancel(job)
            job.settled.wait(CANCEL_WAIT_S)
        with self._lock:
            self._jobs.pop(job_id, None)
        return lab_job

    def close(self) -> None:
        """Cancel every running job (the server is stopping): their runs end KILLED."""
        for coordinator in list(self._coordinators.values()):
            coordinator.abort()

    def _forget_old(self) -> None:
        ended = [j for j in self._jobs.values() if j.job.outcome is not None]
        for lab_job in sorted(ended, key=lambda j: j.created)[: max(0, len(self._jobs) - MAX_KEPT)]:
            del self._jobs[lab_job.id]
