"""Run a step or a notebook headless with papermill, inside an MLflow run, and report on it."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..capture.session import RUN_ID_VARIABLE, Session
from ..config import environment_variables, experiment_name, find_project, load_settings
from ..exceptions import InputError
from ..reports.build import EXECUTED_FOLDER
from ..reports.exporter import render_report
from .export import read_notebook
from .schema import Parameter, infer_schema, parse_parameters
from .steps import STEPS_DIR, find_step
from .tags import PARAMETERS, has_tag

REPORT_FILE = "report.html"


@dataclass
class Target:
    """What to execute: a notebook, its parameter schema, and the step it belongs to, if any."""

    notebook: Path
    schema: list[Parameter]
    project: Path
    experiment: str
    cwd: Path
    kernel: str
    tags: dict[str, str]


@dataclass
class RunResult:
    """How a headless run ended and where its outputs are."""

    run_id: str
    status: str
    notebook: Path
    report: Path
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the run FINISHED."""
        return self.status == "FINISHED"


def resolve_target(target: str | Path, cwd: Path | None = None) -> Target:
    """Resolve a notebook path, a step folder, ``name`` or ``name@version`` to what runs.

    Parameters
    ----------
    target:
        What the user named.
    cwd:
        Where names are looked up (``<project>/steps``); default: the working directory.
    """
    path = Path(target)
    if path.suffix == ".ipynb":
        source = path.resolve()
        nb = read_notebook(source)
        project = find_project(source.parent)
        schema = infer_schema(source) if any(has_tag(c, PARAMETERS) for c in nb.cells) else []
        kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
        experiment = experiment_name(source, project)
        tags = {"nbops.source": experiment}
        return Target(source, schema, project, experiment, source.parent, kernel, tags)
    project = find_project(path if path.is_dir() else cwd)
    step = find_step(str(target), project / STEPS_DIR)
    manifest = step.manifest
    source = project / manifest.source
    tags = {
        "nbops.step": manifest.name,
        "nbops.step_version": manifest.version,
        "nbops.source": manifest.source,
        **({"nbops.git.commit": manifest.git_commit} if manifest.git_commit else {}),
    }
    cwd = source.parent if source.parent.is_dir() else step.folder
    return Target(
        step.notebook, manifest.parameters, project, manifest.source, cwd, manifest.kernel, tags
    )


def read_parameter_file(path: str | Path) -> dict[str, object]:
    """Read ``-f params.yaml``: a mapping of parameter names to typed values."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise InputError(
            f"Cannot read parameters from {path}: {err}.", "Give a YAML mapping."
        ) from err
    if not isinstance(data, dict):
        raise InputError(f"{path} holds no mapping of parameters.", "Write NAME: VALUE lines.")
    return data


def _execute(target: Target, output: Path, values: dict, kernel: str | None, timeout, progress):
    """Run papermill; return the failure message, or ``None`` if every cell ran."""
    import papermill

    try:
        papermill.execute_notebook(
            str(target.notebook),
            str(output),
            parameters=values,
            kernel_name=kernel or target.kernel,
            cwd=str(target.cwd),
            progress_bar=progress,
            execution_timeout=timeout,
        )
    except papermill.PapermillExecutionError as err:
        return f"Cell {err.exec_count} raised {err.ename}: {err.evalue}"
    except Exception as err:  # noqa: BLE001 - a dead kernel or a timeout fails the run
        return f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err) else ''}"
    return None


def run(
    target: str | Path,
    parameters: dict[str, object] | None = None,
    parameter_file: str | Path | None = None,
    kernel: str | None = None,
    timeout: float | None = None,
    output: str | Path | None = None,
    progress: bool | None = None,
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
        The kernel to use (default: the notebook's).
    timeout:
        Seconds each cell may run (papermill's ``execution_timeout``).
    output:
        Folder for the executed notebook and the report (default: ``<project>/.nbops/runs/<id>``).
    progress:
        Show a progress bar (default: when standard error is a terminal).

    Parameters are checked before any kernel starts; an :class:`InputError` records no run.
    """
    resolved = resolve_target(target)
    given = {
        **(read_parameter_file(parameter_file) if parameter_file else {}),
        **(parameters or {}),
    }
    values = parse_parameters(resolved.schema, given)
    settings = load_settings(resolved.project)
    session = Session(notebook=resolved.notebook, settings=settings, experiment=resolved.experiment)
    tags = {**resolved.tags, "nbops.run_kind": "headless"}
    run_id = session.start_run(tags=tags)
    effective = {**{p.name: p.default for p in resolved.schema}, **values}
    session.log_params(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in effective.items()}
    )
    session.flush()
    folder = Path(output) if output else settings.project / ".nbops" / "runs" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / resolved.notebook.name
    env = {
        RUN_ID_VARIABLE: run_id,
        "NBOPS_NOTEBOOK": str(resolved.project / resolved.experiment),
        "NBOPS_TRACKING_URI": settings.tracking_uri,
    }
    with environment_variables(env):
        error = _execute(
            resolved,
            executed,
            values,
            kernel,
            timeout,
            sys.stderr.isatty() if progress is None else progress,
        )
    status = "FAILED" if error else "FINISHED"
    session.end_run(status)
    return _finish(session.store, settings.tracking_uri, run_id, executed, folder, error)


def _finish(store, tracking_uri: str, run_id: str, executed: Path, folder: Path, error):
    """Keep the executed notebook and the report as run artifacts; write the report file."""
    report = folder / REPORT_FILE
    summary = store.get_run(run_id)
    if executed.is_file():
        store.log_artifact(run_id, str(executed), EXECUTED_FOLDER)
        nb = read_notebook(executed)
        html = render_report(nb, summary, tracking_uri, store.datasets(run_id), folder=folder)
        report.write_text(html, encoding="utf-8")
        store.log_artifact(run_id, str(report))
    return RunResult(run_id, summary.status, executed, report, error)
