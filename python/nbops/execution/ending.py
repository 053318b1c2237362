"""How a headless run ends: its executed notebook and report kept, or why it failed."""

from __future__ import annotations

import time
from pathlib import Path

from ..config import Settings
from ..durable import write_durably
from ..names import ERROR_FILE, ERROR_TAG, EXECUTED_FOLDER, REPORT_FILE
from ..store import Store
from .task import Failure, RunResult, Task

MAX_TAG_TEXT = 5000  # MLflow's limit on a tag value is larger; a one-line cause fits


def keep_error(
    store: Store,
    run_id: str,
    message: str,
    trace: str | None = None,
    params: dict[str, str] | None = None,
) -> None:
    """Record why run ``run_id`` of ``store`` failed: the ``nbops.error`` tag (``message``, one
    line) and, given a traceback ``trace``, the artifact ``error.txt``; with ``params``, the
    run's parameters too (a run ended before its worker recorded them)."""
    store.log_batch(run_id, params=params, tags={ERROR_TAG: message[:MAX_TAG_TEXT]})
    if trace:
        store.log_text(run_id, f"{message}\n\n{trace}", ERROR_FILE)


def end_if_running(
    store: Store,
    run_id: str,
    status: str,
    error: str,
    trace: str | None = None,
    params: dict[str, str] | None = None,
) -> bool:
    """End a run its worker could not end, saying why; whether it was still RUNNING.

    Parameters
    ----------
    store:
        Where the run is.
    run_id:
        The run.
    status:
        ``FAILED`` or ``KILLED``.
    error:
        Why, in one line (the ``nbops.error`` tag).
    trace:
        The traceback of the failure, kept as ``error.txt``.
    params:
        The run's parameters, as text, when its worker may not have recorded them.
    """
    if store.get_run(run_id).status != "RUNNING":
        return False
    keep_error(store, run_id, error, trace, params)
    store.end_run(run_id, status)
    return True


def finish(store: Store, task: Task, failure: Failure | None, folder: Path) -> RunResult:
    """End the run; keep the executed notebook, the error (if any) and the report.

    Parameters
    ----------
    store:
        Where the run is.
    task:
        The task that ran.
    failure:
        Why it failed, or ``None`` if every cell ran.
    folder:
        Where the executed notebook is, and where the report is written.
    """
    from ..reports.build import report_html
    from ..steps.export import read_notebook

    status = "FAILED" if failure else "FINISHED"
    if failure is not None:
        keep_error(store, task.run_id, failure.message, failure.traceback)
    executed = folder / Path(task.notebook).name
    report = folder / REPORT_FILE
    if executed.is_file():  # artifacts first: a run killed while saving is never FINISHED
        store.log_artifact(task.run_id, str(executed), EXECUTED_FOLDER)
        ending = {"status": status, "end_time": int(time.time() * 1000)}  # what the header shows
        html = report_html(
            store, task.run_id, notebook=read_notebook(executed), folder=folder, ending=ending
        )
        write_durably(report, html)
        store.log_artifact(task.run_id, str(report))
    store.end_run(task.run_id, status)
    if not task.output:  # the folder goes away: the artifacts are what stays
        executed = Path(f"runs:/{task.run_id}/{EXECUTED_FOLDER}/{executed.name}")
        report = Path(f"runs:/{task.run_id}/{REPORT_FILE}")
    return RunResult(
        task.run_id,
        store.get_run(task.run_id).status,
        executed,
        report,
        failure.message if failure else None,
        key=task.key,
        traceback=failure.traceback if failure else None,
    )


def written_snapshots(settings: Settings, run_id: str) -> dict[str, str]:
    """The snapshots ``run_id`` wrote (role ``output``): ids by name, the last one per name."""
    from ..data.snapshot import catalog_for

    return catalog_for(settings).outputs_of(run_id)
