"""The coordinator of many headless runs: opens each run, submits it, retries a lost worker once.

Pipelines and sweeps hand it jobs; it owns every run it opened until the run ends, so that a
worker that dies, a task that errors, or Ctrl-C never leaves a run RUNNING.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..exceptions import NbopsError, WorkerLostError
from ..store import open_store
from .executors import Executor
from .run import Prepared, make_task, open_run

ERROR_TAG = "nbops.error"
PARENT_TAG = "mlflow.parentRunId"  # MLflow shows the run nested under its parent


@dataclass
class Job:
    """One run to make: what runs, where it is logged, and the snapshots it reads."""

    key: str
    prepared: Prepared
    experiment: str
    tags: dict[str, str] = field(default_factory=dict)
    pins: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    attempts: int = 0
    run_id: str = ""
    started: float = 0.0


@dataclass
class Outcome:
    """How one job (or a step that did not need to run) ended."""

    key: str
    status: str  # FINISHED, FAILED, CACHED, SKIPPED or KILLED
    run_id: str | None = None
    error: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    report: Path | None = None
    attempts: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether downstream steps may use it."""
        return self.status in ("FINISHED", "CACHED")


class Coordinator:
    """Submits jobs to an executor and turns finished futures into outcomes.

    Parameters
    ----------
    executor:
        A started executor.
    settings:
        The project (its store).
    echo:
        Where progress lines go.
    retries:
        How many times a job whose worker died is run again.
    timeout:
        Seconds each cell may run.
    """

    def __init__(
        self,
        executor: Executor,
        settings: Settings,
        echo: Callable[[str], None],
        retries: int = 1,
        timeout: float | None = None,
    ) -> None:
        self.executor, self.settings, self.echo = executor, settings, echo
        self.retries, self.timeout = retries, timeout
        self.store = open_store(settings)
        self.running: dict[Future, Job] = {}
        self.open_runs: set[str] = set()

    def submit(self, job: Job) -> None:
        """Open the job's run and queue it."""
        job.attempts += 1
        job.run_id = open_run(job.prepared, self.settings, job.experiment, job.name, job.tags)
        self.open_runs.add(job.run_id)
        job.started = time.monotonic()
        task = make_task(
            job.prepared,
            self.settings,
            job.run_id,
            key=job.key,
            pins=job.pins,
            timeout=self.timeout,
        )
        self.running[self.executor.submit(task)] = job
        again = f", attempt {job.attempts}" if job.attempts > 1 else ""
        self.echo(f"started   {job.key} (run {job.run_id[:8]}{again})")

    def next_outcomes(self) -> list[Outcome]:
        """Wait until at least one job ends; return the outcomes (a retried job returns later)."""
        done, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
        outcomes = []
        for future in done:
            job = self.running.pop(future)
            outcome = self._outcome(job, future)
            if outcome is not None:
                outcomes.append(outcome)
                mark = "done     " if outcome.ok else "FAILED   "
                detail = f": {outcome.error}" if outcome.error else ""
                self.echo(f"{mark} {job.key} in {outcome.seconds:.1f} s{detail}")
        return outcomes

    def _outcome(self, job: Job, future: Future) -> Outcome | None:
        seconds = time.monotonic() - job.started
        try:
            result = future.result()
        except WorkerLostError as err:
            self._end(job.run_id, "FAILED", str(err))
            if job.attempts <= self.retries:
                self.echo(f"retrying  {job.key}: {err.message}")
                self.submit(job)
                return None
            return Outcome(
                job.key, "FAILED", job.run_id, str(err), attempts=job.attempts, seconds=seconds
            )
        except NbopsError as err:
            self._end(job.run_id, "FAILED", str(err))
            return Outcome(
                job.key, "FAILED", job.run_id, str(err), attempts=job.attempts, seconds=seconds
            )
        self.open_runs.discard(job.run_id)
        return Outcome(
            job.key,
            result.status,
            result.run_id,
            result.error,
            result.outputs,
            result.report,
            job.attempts,
            seconds,
        )

    def _end(self, run_id: str, status: str, error: str) -> None:
        """End a run its worker could not end (if it still is RUNNING), saying why."""
        self.open_runs.discard(run_id)
        if self.store.get_run(run_id).status == "RUNNING":
            self.store.log_batch(run_id, tags={ERROR_TAG: error[:5000]})
            self.store.end_run(run_id, status)

    def abort(self) -> None:
        """Ctrl-C: kill the workers, then end every run still open as KILLED."""
        self.executor.close(kill=True)
        for run_id in list(self.open_runs):
            self._end(run_id, "KILLED", "interrupted (Ctrl-C)")


def keep_text(store, run_id: str, name: str, text: str) -> None:
    """Keep ``text`` as the artifact ``name`` of ``run_id``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        store.log_artifact(run_id, str(path))
