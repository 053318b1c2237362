"""A headless run, in one file: prepare, open the run, build the task, execute it, finish.

Every headless execution (``nbops run``, each step of a pipeline, each point of a sweep, a job
started from JupyterLab) takes this path::

    prepared = prepare(target, parameters)        # target.py: resolved and checked; nothing started
    run_id = open_run(prepared, settings)          # the MLflow run, its parameters and environment
    task = make_task(prepared, settings, run_id)   # picklable: runs here, in a worker, on Dask
    result = execute_task(task)                    # papermill into that run, then finish():
                                                   # end it, keep the notebook, error and report

:func:`run` does the four steps in this process. The coordinator (:mod:`.coordinator`) does the
same for many runs at once, on an executor. A run whose worker could not end it (the worker died,
Ctrl-C, a cancelled job) is ended by :func:`end_if_running`, the one place that does so.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
import tempfile
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from filelock import FileLock

from ..capture.environment import capture_code
from ..capture.lifecycle import end_orphaned_runs, owner_tags
from ..config import Settings, load_settings
from ..exceptions import InputError
from ..names import (
    KERNEL_LOG_FILE,
    KIND_HEADLESS,
    NOTEBOOK_VARIABLE,
    OPENING_VARIABLE,
    PINS_VARIABLE,
    RUN_ID_VARIABLE,
    RUN_KIND_TAG,
    SOURCE_NAME_TAG,
    SOURCE_TYPE_TAG,
    TRACKING_URI_VARIABLE,
)
from ..notifications import Notice, project_targets, report_hint, send
from ..steps.export import runnable_text
from ..steps.kernels import installed_kernels, task_kernel_manager
from ..steps.target import Prepared, prepare
from ..store import open_store
from ..store.opening import RunRequest, chooses_run_ids, start_runs
from .deadline import RunDeadline
from .ending import end_if_running, finish, keep_error, written_snapshots
from .environments import precheck
from .options import RunOptions
from .task import Failure, RunResult, Task
from .worker import check_environment, claim, record_where

__all__ = [
    "RunResult",
    "end_if_running",
    "execute_task",
    "keep_error",
    "make_task",
    "open_run",
    "run",
    "written_snapshots",
]


# -- 2. open the run -----------------------------------------------------------------------------


def open_run(
    prepared: Prepared,
    settings: Settings,
    experiment: str | None = None,
    name: str | None = None,
    tags: dict[str, str] | None = None,
    run_id: str | None = None,
) -> str:
    """Create the MLflow run a headless execution logs into; record its parameters.

    The environment is recorded by the worker that executes the run (:func:`execute_task`).

    Parameters
    ----------
    prepared:
        What runs.
    settings:
        The project's settings (its store).
    experiment:
        The experiment (default: the notebook's).
    name:
        The run's name.
    tags:
        Extra tags (``mlflow.parentRunId`` makes it a child run).
    run_id:
        Its id, chosen by the caller (only where :func:`~nbops.store.opening.chooses_run_ids`).
    """
    return open_runs([(prepared, name, tags or {})], settings, experiment, [run_id])[0]


def open_runs(
    items: list[tuple[Prepared, str | None, dict[str, str]]],
    settings: Settings,
    experiment: str | None = None,
    run_ids: list[str | None] | None = None,
    params: bool = True,
    experiment_id: str | None = None,
) -> list[str]:
    """:func:`open_run` for many runs of one experiment at once (``(prepared, name, tags)``
    each; the experiment defaults to the first one's notebook's): one transaction on a
    database store, concurrent requests to a server. Returns their ids in order.

    Without ``params``, the runs are opened with their tags only: their workers record the
    parameters (a task carries them) with their first write, which saves a server one request
    per run. ``experiment_id``: the experiment's, when the caller knows it."""
    owner = owner_tags()
    requests = []
    for (prepared, name, tags), run_id in zip(items, run_ids or [None] * len(items), strict=True):
        target = prepared.target
        all_tags = {
            **owner,
            SOURCE_NAME_TAG: str(target.project / target.experiment),
            SOURCE_TYPE_TAG: "NOTEBOOK",
            **target.tags,
            RUN_KIND_TAG: KIND_HEADLESS,
            **tags,
        }
        requests.append(RunRequest(name, all_tags, param_text(prepared) if params else {}, run_id))
    experiment = experiment or items[0][0].target.experiment
    return start_runs(open_store(settings), experiment, requests, experiment_id)


def param_text(prepared: Prepared) -> dict[str, str]:
    """The run's parameters as MLflow records them: every effective value, as text (JSON for
    anything but a string)."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in prepared.effective.items()}


# -- 3. the task ---------------------------------------------------------------------------------


def make_task(
    prepared: Prepared,
    settings: Settings,
    run_id: str,
    options: RunOptions | None = None,
    key: str = "",
    pins: dict[str, str] | None = None,
    output: str | Path | None = None,
    progress: bool = False,
    private: bool = False,
    files: dict[str, bytes] | None = None,
    code: dict | None = None,
    resources: dict[str, float] | None = None,
    python: str | None = None,
) -> Task:
    """What a worker needs to execute ``prepared`` in the run ``run_id``.

    Parameters
    ----------
    prepared:
        What runs, with its checked parameter values.
    settings:
        The project's settings (its store).
    run_id:
        The open run the kernel adopts.
    options:
        How it runs (timeouts, the environment check).
    key:
        The task's name in progress lines (default: the notebook's stem).
    pins:
        Snapshot ids by name that the notebook must read (a pipeline's upstream outputs).
    output:
        Folder for the executed notebook and the report (default: ``<project>/.nbops/runs/<id>``,
        or none with ``private``: they are kept as the run's artifacts only).
    progress:
        Show papermill's progress bar.
    private:
        Execute in a private temporary folder holding the notebook and ``files``.
    files:
        The step's declared files, by path relative to the folder it executes in.
    code:
        :func:`~nbops.capture.environment.capture_code` of the notebook (default: now).
    resources:
        What a worker must have to run it (Dask resources, e.g. ``{"GPU": 1}``).
    python:
        The interpreter the kernel runs instead of its spec's (a rebuilt environment's).
    """
    target = prepared.target
    if output is None and not private:
        output = settings.project / ".nbops" / "runs" / run_id
    return Task(
        key=key or target.notebook.stem,
        notebook=str(target.notebook),
        content=runnable_text(target.notebook),
        kernel=target.kernel,
        values=prepared.values,
        run_id=run_id,
        settings=settings,
        source=str(target.project / target.experiment),
        pins=pins or {},
        options=options or RunOptions(),
        output=str(output) if output else None,
        progress=progress,
        cwd=None if private else str(target.cwd),
        files=files or {},
        code=code if code is not None else capture_code(target.project, target.notebook),
        resources=resources or {},
        lock=target.lock,
        python=python,
        params=param_text(prepared),
    )


# -- 4. execute and finish -----------------------------------------------------------------------


def execute_task(task: Task, opening: Callable[[], object] | None = None) -> RunResult:
    """Run ``task`` with papermill, end its run FINISHED or FAILED, keep notebook and report.

    The worker materializes the notebook (and files) the task carries and starts the kernel with
    the run's variables; meanwhile it records where the run runs (its environment, host and pid)
    and checks the environment (with ``strict_env`` the first cell waits for the check); its own
    process environment and working folder are left alone, so one worker runs tasks in parallel.

    Parameters
    ----------
    task:
        What to run; its run must be open. Interrupted (Ctrl-C), the run ends KILLED.
    opening:
        Opens the task's run (``nbops run``, whose store lets it choose the id). It is called
        while the kernel starts, then the run records where it runs; the kernel's first nbops
        call waits for the run (a lock its ``NBOPS_RUN_OPENING`` names), and with
        ``strict_env`` the first cell waits for the environment check.
    """
    store = open_store(task.settings)
    store.patient = True
    if opening is None:
        claim(store, task)
    opened: Future | None = None
    try:
        with _workspace(task) as (notebook, cwd, output), ThreadPoolExecutor(1) as side:

            def before_cells() -> None:
                if opened is not None:
                    opened.result()
                    claim(store, task)
                record_where(store, task, notebook)
                check_environment(store, task)

            gate, lock = None, None
            if opening is not None:  # the lock goes with the task's private folder
                gate = FileLock(notebook.parent.parent / "opening.lock", thread_local=False)
                gate.acquire()
                lock = gate.lock_file
                opened = side.submit(_released_after, gate, opening)
            ready = side.submit(before_cells)  # while the kernel starts
            importlib.import_module("papermill")  # here first: the two threads import apart
            side.submit(importlib.import_module, "nbops.reports.build")  # while cells run
            failure = _papermill(task, notebook, cwd, output, ready, lock)
            ready.result()
            _keep_kernel_log(store, task, notebook.parent.parent / KERNEL_LOG_FILE)
            result = finish(store, task, failure, output)
    except Exception as err:  # outside the notebook: the run fails with this traceback
        if opening is not None and (opened is None or opened.exception() is not None):
            raise  # no run was opened
        trace = traceback.format_exc()
        error = f"{type(err).__name__}: {err}"
        end_if_running(store, task.run_id, "FAILED", error, trace, task.params)
        raise
    except BaseException:
        if opening is None or (opened is not None and opened.exception() is None):
            end_if_running(store, task.run_id, "KILLED", "interrupted", params=task.params)
        raise
    result.outputs = written_snapshots(task.settings, task.run_id)
    return result


def _keep_kernel_log(store, task: Task, path: Path) -> None:
    """Keep the kernel process's own output with the run, if it wrote any."""
    if path.is_file() and path.stat().st_size:
        store.log_artifact(task.run_id, str(path))


def _released_after(gate: FileLock, opening: Callable[[], object]) -> None:
    try:
        opening()
    finally:
        gate.release()


@contextlib.contextmanager
def _workspace(task: Task):
    """The notebook file, the kernel's working folder and the output folder of one execution.

    The notebook is written from the task's content; without ``cwd``, into a private folder with
    the task's files, removed afterwards (as is the output folder when the task names none).
    """
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nbops-task-")))
        folder = scratch / "work"
        folder.mkdir()
        for relative, data in task.files.items():
            path = (folder / relative).resolve()
            if not path.is_relative_to(folder.resolve()):
                raise InputError(f"The task's file {relative!r} is outside its folder.", "")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        notebook = folder / Path(task.notebook).name
        notebook.write_text(task.content, encoding="utf-8")
        output = Path(task.output) if task.output else scratch / "output"
        output.mkdir(parents=True, exist_ok=True)
        yield notebook, Path(task.cwd) if task.cwd else folder, output


def _papermill(
    task: Task,
    notebook: Path,
    cwd: Path,
    output: Path,
    ready: Future | None = None,
    gate: str | None = None,
) -> Failure | None:
    """Run papermill; return why it failed, or ``None`` if every cell ran. The kernel's nbops
    waits for the lock file ``gate``; with ``strict_env`` the first cell waits for ``ready``
    (``None`` is returned if it failed: the caller raises its error)."""
    import papermill

    from ..reports.header import strip_ansi

    env = {
        RUN_ID_VARIABLE: task.run_id,
        NOTEBOOK_VARIABLE: task.source,
        TRACKING_URI_VARIABLE: task.settings.tracking_uri,
        PINS_VARIABLE: json.dumps(task.pins),
        **({OPENING_VARIABLE: gate} if gate else {}),
    }
    options = task.options
    deadline = RunDeadline(options.run_timeout) if options.run_timeout else None
    base = deadline.kernel_manager_class() if deadline else None
    scratch = notebook.parent.parent
    log = (scratch / KERNEL_LOG_FILE).open("wb")
    manager = task_kernel_manager(env, cwd, base, task.python, scratch / "kernel", log)
    try:
        with deadline or contextlib.nullcontext(), log:
            papermill.execute_notebook(
                str(notebook),
                str(output / notebook.name),
                parameters=task.values,
                kernel_name=task.kernel,
                language=installed_kernels().get(task.kernel) or None,  # a notebook may name none
                progress_bar=task.progress,
                execution_timeout=options.timeout,
                kernel_manager_class=manager,
                **({"on_cell_start": _waiting_for(ready)} if ready and options.strict_env else {}),
            )
    except _NotReady:
        return None
    except papermill.PapermillExecutionError as err:
        message = f"Cell {err.exec_count} raised {err.ename}: {err.evalue}"
        return Failure(message, strip_ansi("\n".join(err.traceback)))
    except Exception as err:  # noqa: BLE001 - a dead kernel or a timeout fails the run
        if deadline is not None and deadline.expired:
            message = (
                f"The run took longer than its --run-timeout of {options.run_timeout:g} s; "
                "its kernel was stopped."
            )
            return Failure(message, traceback.format_exc())
        text = str(err).strip()
        message = f"{type(err).__name__}: {text.splitlines()[0] if text else ''}"
        return Failure(message, traceback.format_exc())
    return None


class _NotReady(Exception):
    """What the run records before its notebook failed: its cells are not run."""


def _waiting_for(ready: Future):
    """nbclient's ``on_cell_start`` hook: wait until ``ready`` is done; stop if it failed."""

    def hook(**_: object) -> None:
        if ready.exception() is not None:
            raise _NotReady

    return hook


# -- the whole path, in this process -------------------------------------------------------------


def run(
    target: str | Path,
    parameters: dict[str, object] | None = None,
    parameter_file: str | Path | None = None,
    kernel: str | None = None,
    options: RunOptions | None = None,
    output: str | Path | None = None,
    progress: bool | None = None,
    echo=None,
) -> RunResult:
    """Execute a step or notebook headless inside a new MLflow run; write its report.

    Parameters
    ----------
    target:
        A notebook path, a step folder, a step ``name`` or ``name@version``.
    parameters:
        Values by name (strings are parsed to the schema's types).
    parameter_file:
        A YAML file of values; ``parameters`` win over it.
    kernel:
        The kernel to use (default: the notebook's or the step's, else Python's).
    options:
        How it runs: the cell and run timeouts (the run's includes its kernel's start-up; then
        it ends FAILED), and ``strict_env``, refusing a step whose lock the kernel's packages
        do not match.
    output:
        Folder for the executed notebook and the report (default: ``<project>/.nbops/runs/<id>``).
    progress:
        Show a progress bar (default: when standard error is a terminal).
    echo:
        Called with each line of the environment check (default: standard error).

    Parameters and, with ``strict_env``, the environment are checked before any kernel starts;
    an :class:`InputError` records no run.
    """
    options = options or RunOptions()
    prepared = prepare(target, parameters, parameter_file, kernel=kernel)
    precheck(prepared, options.strict_env, echo)
    settings = load_settings(prepared.target.project)
    targets = project_targets(settings.project)  # a malformed `notify:` stops it here
    end_orphaned_runs(open_store(settings), prepared.target.experiment)
    direct = not chooses_run_ids(settings.tracking_uri)  # a server chooses its runs' ids
    run_id = open_run(prepared, settings) if direct else uuid.uuid4().hex
    show = sys.stderr.isatty() if progress is None else progress
    task = make_task(prepared, settings, run_id, options, output=output, progress=show)
    opening = None if direct else (lambda: open_run(prepared, settings, run_id=run_id))
    result = execute_task(task, opening)
    if targets:
        send(run_notice(prepared.target.experiment, result), targets)
    return result


def run_notice(notebook: str, result: RunResult) -> Notice:
    """``failure`` or ``success`` of one headless run: the notebook, the run, its error and
    how to open its report."""
    failed = not result.ok
    error = f": {result.error.splitlines()[0]}" if result.error else ""
    body = [f"{notebook}: run {result.run_id} {result.status}{error}."]
    body.append(report_hint(result.run_id, result.report))
    title = f"nbops: {notebook} {'failed' if failed else 'finished'}"
    return Notice("failure" if failed else "success", title, "\n".join(body))
