"""One headless execution, as a worker sees it: papermill into a run that is already open.

The coordinator (``nbops run``, a pipeline, a sweep) opens the MLflow run and records the
parameters; :func:`execute_task` runs the notebook with papermill so that the kernel adopts that
run, ends it, and keeps the executed notebook and the report as its artifacts. A :class:`Task`
pickles, so it runs the same in this process, in a local worker process or on a Dask worker.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..capture.session import RUN_ID_VARIABLE
from ..config import Settings, environment_variables
from ..reports.build import EXECUTED_FOLDER

REPORT_FILE = "report.html"
# os.environ is per process: one task at a time sets it for the kernel it starts
_ENVIRON_LOCK = threading.Lock()


@dataclass
class Task:
    """Everything a worker needs to execute one notebook in the open run ``run_id``."""

    key: str
    notebook: str
    cwd: str
    kernel: str
    values: dict[str, object]
    run_id: str
    settings: Settings
    source: str
    pins: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    output: str = ""
    progress: bool = False


@dataclass
class RunResult:
    """How a headless run ended and where its outputs are."""

    run_id: str
    status: str
    notebook: Path
    report: Path
    error: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    key: str = ""

    @property
    def ok(self) -> bool:
        """Whether the run FINISHED."""
        return self.status == "FINISHED"


def execute_task(task: Task) -> RunResult:
    """Run ``task`` with papermill, end its run FINISHED or FAILED, write and keep the report.

    Parameters
    ----------
    task:
        What to run; its run must be open. Interrupted (Ctrl-C), the run ends KILLED.
    """
    from ..store import open_store

    store = open_store(task.settings)
    folder = Path(task.output)
    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / Path(task.notebook).name
    env = {
        RUN_ID_VARIABLE: task.run_id,
        "NBOPS_NOTEBOOK": task.source,
        "NBOPS_TRACKING_URI": task.settings.tracking_uri,
        "NBOPS_SNAPSHOT_PINS": json.dumps(task.pins),
    }
    try:
        with _ENVIRON_LOCK, environment_variables(env):
            error = _papermill(task, executed)
    except BaseException:
        store.end_run(task.run_id, "KILLED")
        raise
    store.end_run(task.run_id, "FAILED" if error else "FINISHED")
    result = _finish(store, task, executed, folder, error)
    result.outputs = written_snapshots(task.settings, task.run_id)
    return result


def _papermill(task: Task, output: Path) -> str | None:
    """Run papermill; return the failure message, or ``None`` if every cell ran."""
    import papermill

    try:
        papermill.execute_notebook(
            task.notebook,
            str(output),
            parameters=task.values,
            kernel_name=task.kernel,
            cwd=task.cwd,
            progress_bar=task.progress,
            execution_timeout=task.timeout,
        )
    except papermill.PapermillExecutionError as err:
        return f"Cell {err.exec_count} raised {err.ename}: {err.evalue}"
    except Exception as err:  # noqa: BLE001 - a dead kernel or a timeout fails the run
        return f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err) else ''}"
    return None


def _finish(store, task: Task, executed: Path, folder: Path, error: str | None) -> RunResult:
    """Keep the executed notebook and the report as run artifacts; write the report file."""
    from ..reports.exporter import render_report
    from .export import read_notebook

    report = folder / REPORT_FILE
    summary = store.get_run(task.run_id)
    if executed.is_file():
        store.log_artifact(task.run_id, str(executed), EXECUTED_FOLDER)
        nb = read_notebook(executed)
        datasets = store.datasets(task.run_id)
        html = render_report(nb, summary, task.settings.tracking_uri, datasets, folder=folder)
        report.write_text(html, encoding="utf-8")
        store.log_artifact(task.run_id, str(report))
    return RunResult(task.run_id, summary.status, executed, report, error, key=task.key)


def written_snapshots(settings: Settings, run_id: str) -> dict[str, str]:
    """The snapshots ``run_id`` wrote (role ``output``): ids by name, the last one per name."""
    from ..data.snapshot import catalog_for

    entries = catalog_for(settings).entries()
    return {e.name: e.id for e in entries if e.run_id == run_id and e.role == "output"}
