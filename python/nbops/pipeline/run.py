"""Run a step or a notebook headless with papermill, inside an MLflow run, and report on it."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..capture.session import owner_tags, record_environment
from ..config import Settings, experiment_name, find_project, load_settings
from ..exceptions import InputError
from ..store import open_store
from .export import read_notebook
from .schema import Parameter, infer_schema, parse_parameters
from .steps import STEPS_DIR, find_step
from .tags import PARAMETERS, has_tag
from .task import RunResult, Task, execute_task


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


@dataclass
class Prepared:
    """A resolved target with its checked parameter values: ready to run, nothing started yet."""

    target: Target
    values: dict[str, object]

    @property
    def effective(self) -> dict[str, object]:
        """Every parameter's value in this run: the defaults, overridden by the given values."""
        return {**{p.name: p.default for p in self.target.schema}, **self.values}


def prepare(
    target: str | Path,
    parameters: dict[str, object] | None = None,
    parameter_file: str | Path | None = None,
    cwd: Path | None = None,
) -> Prepared:
    """Resolve ``target`` and check ``parameters`` against its schema; start nothing.

    Parameters
    ----------
    target:
        A notebook path, a step folder, a step ``name`` or ``name@version``.
    parameters:
        Values by name (strings are parsed to the schema's types).
    parameter_file:
        A YAML file of values; ``parameters`` win over it.
    cwd:
        Where step names are looked up (default: the working directory).
    """
    resolved = resolve_target(target, cwd=cwd)
    given = {
        **(read_parameter_file(parameter_file) if parameter_file else {}),
        **(parameters or {}),
    }
    return Prepared(resolved, parse_parameters(resolved.schema, given))


def open_run(
    prepared: Prepared,
    settings: Settings,
    experiment: str | None = None,
    name: str | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    """Create the MLflow run a headless execution logs into; record its parameters and environment.

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
    """
    store = open_store(settings)
    target = prepared.target
    all_tags = {**owner_tags(), **target.tags, "nbops.run_kind": "headless", **(tags or {})}
    run_id = store.start_run(experiment or target.experiment, name=name, tags=all_tags)
    environment = record_environment(store, run_id, settings.project, target.notebook)
    params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in prepared.effective.items()}
    store.log_batch(run_id, params=params, tags=environment)
    return run_id


def make_task(
    prepared: Prepared,
    settings: Settings,
    run_id: str,
    key: str = "",
    pins: dict[str, str] | None = None,
    kernel: str | None = None,
    timeout: float | None = None,
    output: str | Path | None = None,
    progress: bool = False,
) -> Task:
    """What a worker needs to execute ``prepared`` in the run ``run_id`` (see :class:`Task`)."""
    target = prepared.target
    folder = Path(output) if output else settings.project / ".nbops" / "runs" / run_id
    return Task(
        key=key or target.notebook.stem,
        notebook=str(target.notebook),
        cwd=str(target.cwd),
        kernel=kernel or target.kernel,
        values=prepared.values,
        run_id=run_id,
        settings=settings,
        source=str(target.project / target.experiment),
        pins=pins or {},
        timeout=timeout,
        output=str(folder),
        progress=progress,
    )


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
    prepared = prepare(target, parameters, parameter_file)
    settings = load_settings(prepared.target.project)
    run_id = open_run(prepared, settings)
    show = sys.stderr.isatty() if progress is None else progress
    task = make_task(
        prepared, settings, run_id, kernel=kernel, timeout=timeout, output=output, progress=show
    )
    return execute_task(task)
