"""What a headless run executes: the target resolved, its parameters checked, nothing started.

``prepare`` is the first step of every headless run (see :mod:`nbops.execution.run`): a notebook
path, a step folder, ``name`` or ``name@version`` becomes a :class:`Prepared`, or an
:class:`~nbops.exceptions.InputError` before anything is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..config import experiment_name, find_project
from ..exceptions import InputError
from ..names import GIT_COMMIT_TAG, PARAMETERS, SOURCE_TAG, STEP_TAG, STEP_VERSION_TAG
from .export import read_notebook
from .kernels import choose_kernel
from .schema import Parameter, infer_schema, parse_parameters
from .tags import has_tag
from .versions import STEPS_DIR, find_step


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
    files: dict[str, bytes] = field(default_factory=dict, repr=False)  # an exported step's
    lock: str | None = field(default=None, repr=False)  # an exported step's requirements.txt


def resolve_target(
    target: str | Path, cwd: Path | None = None, kernel: str | None = None
) -> Target:
    """Resolve a notebook path, a step folder, ``name`` or ``name@version`` to what runs.

    Parameters
    ----------
    target:
        What the user named.
    cwd:
        Where names are looked up (``<project>/steps``); default: the working directory.
    kernel:
        The kernel to run it with (default: the notebook's or the step's, else Python's).
    """
    path = Path(target)
    if path.suffix == ".ipynb":
        source = path.resolve()
        nb = read_notebook(source)
        project = find_project(source.parent)
        chosen = choose_kernel(nb.metadata, str(target), kernel)
        tagged = any(has_tag(c, PARAMETERS) for c in nb.cells)
        schema = infer_schema(source, chosen) if tagged else []
        experiment = experiment_name(source, project)
        tags = {SOURCE_TAG: experiment}
        return Target(source, schema, project, experiment, source.parent, chosen, tags)
    project = find_project(path if path.is_dir() else cwd)
    step = find_step(str(target), project / STEPS_DIR)
    manifest = step.manifest
    source = project / manifest.source
    tags = {
        STEP_TAG: manifest.name,
        STEP_VERSION_TAG: manifest.version,
        SOURCE_TAG: manifest.source,
        **({GIT_COMMIT_TAG: manifest.git_commit} if manifest.git_commit else {}),
    }
    cwd = source.parent if source.parent.is_dir() else step.folder
    chosen = choose_kernel({"kernelspec": {"name": manifest.kernel}}, str(target), kernel)
    return Target(
        step.notebook,
        manifest.parameters,
        project,
        manifest.source,
        cwd,
        chosen,
        tags,
        step.files(),
        step.lock(),
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
    kernel: str | None = None,
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
    kernel:
        The kernel to run it with (default: the notebook's or the step's, else Python's).
    """
    resolved = resolve_target(target, cwd=cwd, kernel=kernel)
    given = {
        **(read_parameter_file(parameter_file) if parameter_file else {}),
        **(parameters or {}),
    }
    return Prepared(resolved, parse_parameters(resolved.schema, given))
