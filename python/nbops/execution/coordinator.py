"""The coordinator of many headless runs: opens each run, submits it, settles how it ended.

Pipelines, sweeps and the lab's jobs hand it :class:`Job` objects. For each it takes the path of
:mod:`nbops.execution.run` (open the run, make the task) and submits the task to an executor; when
the task's future is done it settles the job: a worker that died is retried (once by default), a
failure outside the notebook keeps its traceback on the run, a cancelled job ends KILLED. It owns
every run it opened until the run ends, so that nothing it started is left RUNNING.

Outcomes are handed over as they settle: to ``on_outcome`` when given (the lab's jobs), else to
a queue that :meth:`Coordinator.next_outcomes` reads (pipelines and sweeps).
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, field
from pathlib import Path

from ..capture.environment import capture_code
from ..config import Settings
from ..exceptions import TaskError, WorkerLostError
from ..steps.target import Prepared
from ..store import open_store
from ..store.opening import chooses_run_ids
from .ending import end_if_running
from .executors import Executor
from .options import RunOptions
from .run import make_task, open_runs, param_text
from .task import RunResult, Task

ABORT_WAIT_S = 10.0


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
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        """Whether downstream steps may use it."""
        return self.status in ("FINISHED", "CACHED")


@dataclass
class Job:
    """One run to make: what runs, where it is logged, the snapshots it reads, how it went."""

    key: str
    prepared: Prepared
    experiment: str | None = None  # default: the notebook's
    tags: dict[str, str] = field(default_factory=dict)
    pins: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    options: RunOptions | None = None  # this job's, over the coordinator's
    private: bool = False  # execute in a private folder with ``files`` (a pipeline's step)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    resources: dict[str, float] = field(default_factory=dict)  # what the worker must have
    python: str | None = None  # the kernel's interpreter (a rebuilt environment), if not its own
    attempts: int = 0
    run_id: str = ""
    task: Task | None = field(default=None, repr=False)
    started: float = 0.0
    cancelled: bool = False
    outcome: Outcome | None = None
    settled: threading.Event = field(default_factory=threading.Event, repr=False)
    future: Future | None = field(default=None, repr=False)


class Coordinator:
    """Submits jobs to an executor and settles their futures into outcomes.

    Parameters
    ----------
    executor:
        A started executor.
    settings:
        The project (its store).
    echo:
        Where progress lines go.
    options:
        How each run executes (a job's own options win over these where set).
    retries:
        How many times a job whose worker died is run again.
    on_outcome:
        Called with each settled job (its ``outcome`` set); by default outcomes are queued for
        :meth:`next_outcomes`.
    quiet:
        Echo only retries and runs that did not finish (a sweep of thousands keeps a summary).
    """

    def __init__(
        self,
        executor: Executor,
        settings: Settings,
        echo: Callable[[str], None] = print,
        options: RunOptions | None = None,
        retries: int = 1,
        on_outcome: Callable[[Job], None] | None = None,
        quiet: bool = False,
    ) -> None:
        self.executor, self.settings, self.echo = executor, settings, echo
        self.options = options or RunOptions()
        self.quiet, self.retries = quiet, retries
        self.store = open_store(settings)
        self._on_outcome = on_outcome
        self._outcomes: queue.Queue[Outcome] = queue.Queue()
        self._changed = threading.Condition()
        self._in_flight: dict[int, Job] = {}  # submitted and not settled, by id()
        self._aborting = False
        self._code_states: dict[Path, dict] = {}  # captured once per notebook, for every run
        # a database store writes a batch of runs with their parameters in one transaction; a
        # server's runs are opened with their tags, their workers record the parameters
        self._params_at_opening = chooses_run_ids(settings.tracking_uri)
        self._experiment_ids: dict[str, str] = {}  # by name, asked once per coordinator

    @property
    def busy(self) -> bool:
        """Whether a job is running or an outcome waits to be read."""
        with self._changed:
            return bool(self._in_flight) or not self._outcomes.empty()

    @property
    def in_flight(self) -> int:
        """How many submitted jobs have not settled."""
        with self._changed:
            return len(self._in_flight)

    def submit(self, job: Job) -> str:
        """Open the job's run and queue its task; return the run's id."""
        return self.submit_many([job])[0]

    def submit_many(self, jobs: list[Job]) -> list[str]:
        """Open the runs of ``jobs`` together (one batch per experiment), then queue their
        tasks; return the runs' ids. Runs opened for jobs not queued (the executor refused one)
        are ended FAILED. On a server, each run is one request: its worker records its
        parameters."""
        by_experiment: dict[str, list[Job]] = {}
        for job in jobs:
            experiment = job.experiment or job.prepared.target.experiment
            by_experiment.setdefault(experiment, []).append(job)
        for experiment, group in by_experiment.items():
            for job, run_id in zip(group, self._open(experiment, group), strict=True):
                job.run_id = run_id
        for i, job in enumerate(jobs):
            try:
                self._dispatch(job)
            except BaseException as err:
                for left in jobs[i + 1 :]:
                    self._end(left, "FAILED", f"not started: the executor refused a task: {err}")
                raise
        return [job.run_id for job in jobs]

    def _open(self, experiment: str, jobs: list[Job]) -> list[str]:
        """Open the runs of ``jobs`` in ``experiment``, whose id is asked once."""
        if experiment not in self._experiment_ids:
            self._experiment_ids[experiment] = self.store.experiment_id(experiment, create=True)
        return open_runs(
            [(job.prepared, job.name, job.tags) for job in jobs],
            self.settings,
            experiment,
            params=self._params_at_opening,
            experiment_id=self._experiment_ids[experiment],
        )

    def _dispatch(self, job: Job) -> None:
        """Make the task of a job whose run is open and hand it to the executor."""
        job.attempts += 1
        job.started = time.monotonic()
        job.task = make_task(
            job.prepared,
            self.settings,
            job.run_id,
            job.options.over(self.options) if job.options else self.options,
            key=job.key,
            pins=job.pins,
            private=job.private or not self.executor.shares_files,
            output=self._output(job.run_id),
            files={**job.prepared.target.files, **job.files},
            code=self._code(job.prepared.target.notebook),
            resources=job.resources,
            python=job.python,
        )
        with self._changed:
            self._in_flight[id(job)] = job
        try:
            job.future = self.executor.submit(job.task)
        except BaseException as err:
            with self._changed:
                self._in_flight.pop(id(job), None)
            self._end(job, "FAILED", f"the executor refused the task: {err}")
            raise
        again = f", attempt {job.attempts}" if job.attempts > 1 else ""
        if not self.quiet:
            self.echo(f"started   {job.key} (run {job.run_id[:8]}{again})")
        job.future.add_done_callback(lambda future: self._settle(job, future))

    def _output(self, run_id: str) -> Path | None:
        """Where the executed notebook and report go on this machine: beside the project when
        the workers share its files, else nowhere (they are the run's artifacts)."""
        if not self.executor.shares_files:
            return None
        return self.settings.project / ".nbops" / "runs" / run_id

    def _code(self, notebook: Path) -> dict:
        """The git state and code hash of ``notebook``, captured on its first run (git is asked
        once), then recorded by each run's worker with the worker's own environment."""
        if notebook not in self._code_states:
            self._code_states[notebook] = capture_code(self.settings.project, notebook)
        return self._code_states[notebook]

    def next_outcomes(self) -> list[Outcome]:
        """Wait until at least one job settles; return every outcome settled by then."""
        outcomes = [self._outcomes.get()]
        while True:
            try:
                outcomes.append(self._outcomes.get_nowait())
            except queue.Empty:
                return outcomes

    def cancel(self, job: Job) -> None:
        """Stop a job: dequeue its task or kill its worker; its run ends KILLED when it settles."""
        job.cancelled = True
        if job.future is not None and not job.future.done():
            self.executor.cancel(job.future, job.task)

    def abort(self, wait_s: float = ABORT_WAIT_S) -> None:
        """Ctrl-C or shutdown: kill the workers, then make sure every run still open ends KILLED.

        Parameters
        ----------
        wait_s:
            How long the jobs may take to settle on their own (their workers were killed).
        """
        self._aborting = True
        self.executor.close(kill=True)
        deadline = time.monotonic() + wait_s
        with self._changed:
            while self._in_flight and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            unsettled = list(self._in_flight.values())
        for job in unsettled:
            self._end(job, "KILLED", "interrupted")

    # -- settling ----------------------------------------------------------------------------

    def _settle(self, job: Job, future: Future) -> None:
        """Turn a done future into the job's outcome (or a retry), then hand the outcome over."""
        try:
            outcome = self._outcome(job, future)
        except Exception as err:  # noqa: BLE001 - a job must settle, or its waiter hangs
            # e.g. the store stopped answering: the outcome says so, the run may stay open
            error = f"nbops could not record how {job.key!r} ended: {err}"
            outcome = self._failed(job, "FAILED", error, traceback.format_exc())
        if outcome is None:  # resubmitted
            return
        job.outcome = outcome
        mark = "done     " if outcome.ok else f"{outcome.status:<9}"
        detail = f": {outcome.error}" if outcome.error else ""
        try:
            if not (self.quiet and outcome.ok):
                self.echo(f"{mark} {job.key} in {outcome.seconds:.1f} s{detail}")
        finally:  # whatever echo does, the job settles: a waiter must not hang
            with self._changed:
                self._in_flight.pop(id(job), None)
                if self._on_outcome is None:
                    self._outcomes.put(outcome)
                self._changed.notify_all()
            job.settled.set()
        if self._on_outcome is not None:
            self._on_outcome(job)

    def _outcome(self, job: Job, future: Future) -> Outcome | None:
        try:
            result: RunResult = future.result()
        except (CancelledError, Exception) as err:  # noqa: BLE001 - each ends the run, said why
            return self._lost(job, err)
        return Outcome(
            job.key,
            result.status,
            result.run_id,
            result.error,
            result.outputs,
            result.report,
            job.attempts,
            time.monotonic() - job.started,
            result.traceback,
        )

    def _lost(self, job: Job, err: BaseException) -> Outcome | None:
        """The task did not return: cancelled, interrupted, its worker died, or it raised."""
        if job.cancelled or self._aborting or isinstance(err, CancelledError):
            why = "cancelled" if job.cancelled else "interrupted"
            self._end(job, "KILLED", why)
            return self._failed(job, "KILLED", why)
        if isinstance(err, TaskError):
            trace = err.traceback  # the worker's
        else:  # a lost worker left no traceback of use; anything else is a bug, shown whole
            trace = None if isinstance(err, WorkerLostError) else _format(err)
        self._end(job, "FAILED", str(err), trace)
        if isinstance(err, WorkerLostError) and job.attempts <= self.retries:
            self.echo(f"retrying  {job.key}: {err.message}")
            self.submit(job)
            return None
        return self._failed(job, "FAILED", str(err), trace)

    def _failed(self, job: Job, status: str, error: str, trace: str | None = None) -> Outcome:
        seconds = time.monotonic() - job.started
        return Outcome(
            job.key,
            status,
            job.run_id,
            error,
            attempts=job.attempts,
            seconds=seconds,
            traceback=trace,
        )

    def _end(self, job: Job, status: str, error: str, trace: str | None = None) -> None:
        """End the job's run if its worker did not; its parameters are recorded with why (the
        worker may not have come to record them)."""
        params = None if self._params_at_opening else param_text(job.prepared)
        end_if_running(self.store, job.run_id, status, error, trace, params)


def _format(err: BaseException) -> str:
    """The traceback of ``err``, as text."""
    return "".join(traceback.format_exception(type(err), err, err.__traceback__))
