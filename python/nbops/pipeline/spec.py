"""The pipeline file (``pipeline.yaml``): named steps, their parameters and their data.

.. code-block:: yaml

    name: diabetes
    steps:
      prepare:
        notebook: 01_prepare.ipynb      # a notebook, relative to this file
        parameters: {test_size: 0.25}
      train:
        step: train@3f2a9c1b            # or an exported step: name or name@version
      evaluate:
        notebook: 03_evaluate.ipynb
        after: [train]                  # an order the data does not show
        files: [metrics.py, sql/]       # a small code package the notebook needs beside it
        resources: {GPU: 1}             # only workers that have it run the step (Dask)

A step's ``inputs`` (snapshots it loads) and ``outputs`` (snapshots it writes with
``role="output"``) are read from its notebook or manifest; ``inputs:``/``outputs:`` override them.

``notify:`` lists who hears how a run of it ended (see :mod:`nbops.notifications`).

``retries:`` (default 1) and ``retry_delay:`` (seconds, default 60) at the top are a scheduler's
retries of each task (``nbops schedule --to airflow``).

A step executes in a private folder holding its notebook and its ``files:`` (paths relative to this
file, kept at their place relative to the notebook; inside the project, at most 20 MB in all), so
that it runs the same on this machine and on a worker that shares nothing with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..config import find_project, unknown_keys
from ..exceptions import InputError
from ..notifications import Target, project_targets, read_targets
from ..steps.export import declared_data, read_notebook
from ..steps.files import collect_files
from ..steps.target import resolve_target

STEP_KEYS = {"notebook", "step", "parameters", "after", "inputs", "outputs", "files", "resources"}
# the blocks of the production loop: keys, and the required ones first
PROMOTE_KEYS = ("model", "step", "gates", "alias", "eval", "target")
MONITOR_KEYS = ("reference", "current", "threshold", "columns")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
TOP_KEYS = ("name", "steps", "retries", "retry_delay", "promote", "monitor", "notify")


@dataclass
class StepSpec:
    """One step of a pipeline: what runs, with which parameters, reading and writing what."""

    name: str
    target: str
    parameters: dict[str, object] = field(default_factory=dict)
    after: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    resources: dict[str, float] = field(default_factory=dict)
    listed_inputs: bool = False  # `inputs:` was written in the file (not read from the notebook)


@dataclass
class PipelineSpec:
    """A parsed pipeline file."""

    name: str
    path: Path
    project: Path
    steps: dict[str, StepSpec]
    retries: int = 1  # a scheduler's retries of each task
    retry_delay: float = 60.0  # seconds between them
    promote: dict | None = None  # after a retraining: promote this step's model past gates
    monitor: dict | None = None  # what `nbops monitor` watches before retraining
    notify: list[Target] = field(default_factory=list)  # its and the project's `notify:`


def _fail(path: Path, problem: str, hint: str = "See `nbops pipeline --help`.") -> InputError:
    return InputError(f"{path}: {problem}", hint)


def _names(value: object, path: Path, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, f"{where} must be a name or a list of names, not {value!r}.")
    return list(value)


def _step(name: str, data: object, path: Path) -> StepSpec:
    if not NAME.match(name):
        raise _fail(path, f"step name {name!r} is not valid.", "Use letters, digits, - and _.")
    if not isinstance(data, dict):
        raise _fail(path, f"step {name!r} must be a mapping with `notebook:` or `step:`.")
    unknown = sorted(set(data) - STEP_KEYS)
    if unknown:
        raise _fail(
            path, f"step {name!r} has unknown keys {unknown}.", f"Known: {sorted(STEP_KEYS)}."
        )
    if ("notebook" in data) == ("step" in data):
        raise _fail(path, f"step {name!r} needs exactly one of `notebook:` or `step:`.")
    parameters = data.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise _fail(path, f"the parameters of step {name!r} must be a mapping.")
    target = str(data.get("step") or (path.parent / str(data["notebook"])).resolve())
    spec = StepSpec(name, target, dict(parameters), _names(data.get("after"), path, "after"))
    declared_in, declared_out = _declared(target, path.parent, name, path)
    spec.inputs = _names(data["inputs"], path, "inputs") if "inputs" in data else declared_in
    spec.listed_inputs = "inputs" in data
    spec.outputs = _names(data["outputs"], path, "outputs") if "outputs" in data else declared_out
    beside = Path(target).parent if target.endswith(".ipynb") else _source_folder(target, path)
    spec.files = _files(_names(data.get("files"), path, "files"), beside, name, path)
    spec.resources = _resources(data.get("resources"), name, path)
    return spec


def _declared(target: str, folder: Path, name: str, path: Path) -> tuple[list[str], list[str]]:
    """Snapshot names the step's notebook (or its manifest) loads and writes."""
    if target.endswith(".ipynb"):
        if not Path(target).is_file():
            raise _fail(path, f"step {name!r}: no notebook at {target}.")
        return declared_data(read_notebook(Path(target)))
    resolved = resolve_target(target, cwd=folder)
    from ..steps.versions import Manifest

    manifest = Manifest.read(resolved.notebook.parent)
    return list(manifest.inputs), list(manifest.outputs)


def _source_folder(target: str, path: Path) -> Path:
    """The folder of an exported step's source notebook: where it reads files from."""
    return resolve_target(target, cwd=path.parent).cwd


def _files(entries: list[str], beside: Path, name: str, path: Path) -> dict[str, bytes]:
    """The content of a step's ``files:``, by path relative to its notebook's folder."""
    project = find_project(path.parent)
    return collect_files(entries, path.parent, beside, project, f"{path}: step {name!r}")


def _resources(value: object, name: str, path: Path) -> dict[str, float]:
    """``resources:``: what a worker must have to run the step, e.g. ``{GPU: 1}``."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool) and v > 0
        for k, v in value.items()
    ):
        raise _fail(
            path,
            f"the resources of step {name!r} must map names to positive numbers, not {value!r}.",
            "Write e.g. resources: {GPU: 1}.",
        )
    return {k: float(v) for k, v in value.items()}


def read_pipeline(path: str | Path) -> PipelineSpec:
    """Read and check a pipeline file; :class:`InputError` names the file and the problem.

    Parameters
    ----------
    path:
        The ``pipeline.yaml`` file.
    """
    path = Path(path).resolve()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise InputError(f"Cannot read the pipeline {path}: {err}.", "Give a YAML file.") from err
    if not isinstance(data, dict) or not isinstance(data.get("steps"), dict) or not data["steps"]:
        raise _fail(path, "no `steps:` mapping of step names to steps.")
    unknown, guess = unknown_keys(data, TOP_KEYS)
    if unknown:
        raise _fail(path, f"unknown keys {unknown}.", f"{guess}Known: {', '.join(TOP_KEYS)}.")
    name = str(data.get("name") or path.stem)
    if not NAME.match(name):
        raise _fail(
            path,
            f"the pipeline name {name!r} is not valid.",
            "Use letters, digits, - and _, starting with a letter (set `name:` in the file).",
        )
    steps = {str(n): _step(str(n), d, path) for n, d in data["steps"].items()}
    retries, delay = data.get("retries", 1), data.get("retry_delay", 60)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise _fail(path, f"`retries:` must be a whole number from 0, not {retries!r}.")
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise _fail(path, f"`retry_delay:` must be seconds from 0, not {delay!r}.")
    project = find_project(path.parent)
    promote = _block(data, "promote", PROMOTE_KEYS, 2, path)
    if promote and promote["step"] not in steps:
        raise _fail(path, f"`promote: step:` names {promote['step']!r}, which is not a step.")
    monitor = _block(data, "monitor", MONITOR_KEYS, 2, path)
    notify = [*read_targets(data.get("notify"), str(path)), *project_targets(project)]
    return PipelineSpec(name, path, project, steps, retries, float(delay), promote, monitor, notify)


def _block(data: dict, key: str, keys: tuple[str, ...], required: int, path: Path) -> dict | None:
    """A ``promote:`` or ``monitor:`` mapping, its keys checked (its values by who uses it)."""
    block = data.get(key)
    if block is None:
        return None
    if not isinstance(block, dict):
        raise _fail(path, f"`{key}:` must be a mapping with {', '.join(keys[:required])}.")
    unknown = sorted(set(block) - set(keys))
    missing = [k for k in keys[:required] if not block.get(k)]
    if unknown or missing:
        raise _fail(
            path,
            f"`{key}:` has unknown keys {unknown} or lacks {missing}.",
            f"Its keys: {', '.join(keys)} ({', '.join(keys[:required])} required).",
        )
    return dict(block)


def apply_overrides(spec: PipelineSpec, overrides: list[tuple[str, str]]) -> None:
    """Apply ``-p STEP.NAME VALUE`` overrides; :class:`InputError` for an unknown step."""
    for key, value in overrides:
        step, dot, name = key.partition(".")
        if not dot or not name:
            raise InputError(
                f"The parameter {key!r} names no step.",
                "Write -p STEP.NAME VALUE, e.g. -p train.alpha 0.5.",
            )
        if step not in spec.steps:
            raise InputError(
                f"-p {key}: the pipeline has no step {step!r}.",
                f"Its steps: {', '.join(spec.steps)}.",
            )
        spec.steps[step].parameters[name] = value
