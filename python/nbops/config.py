"""Where a project's tracking store lives.

The embedded default is a SQLite MLflow store in ``<project>/.nbops/mlflow.db`` with artifacts in
``<project>/.nbops/artifacts``. ``<project>`` is the nearest folder at or above the starting folder
that holds ``nbops.toml``, ``pyproject.toml`` or ``.git``; without one, the folder Jupyter was
started in (``NBOPS_ROOT``, which the server extension sets for the kernels it starts) or else the
starting folder itself, so the sidebar and the notebook's kernel always agree on the store. A team
points nbops at a shared MLflow server with one setting, looked up in this order:
``NBOPS_TRACKING_URI``, ``MLFLOW_TRACKING_URI``, then ``tracking_uri`` in ``nbops.toml`` or in
``[tool.nbops]`` of ``pyproject.toml``.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .credentials import public_uri
from .exceptions import ConfigError

PROJECT_MARKERS = ("nbops.toml", "pyproject.toml", ".git")
STATE_DIR = ".nbops"
URI_VARIABLES = ("NBOPS_TRACKING_URI", "MLFLOW_TRACKING_URI")
ROOT_VARIABLE = "NBOPS_ROOT"
EMBEDDED = "embedded"


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one project.

    Attributes
    ----------
    project:
        The project folder.
    tracking_uri:
        The MLflow tracking URI runs go to.
    uri_source:
        Where ``tracking_uri`` came from: a variable's name, a file path, or ``"embedded"``.
    artifact_root:
        The artifact folder of the embedded store; ``None`` when a configured URI decides.
    """

    project: Path
    tracking_uri: str
    uri_source: str
    artifact_root: Path | None

    @property
    def embedded(self) -> bool:
        """Whether this is the embedded SQLite store of the project."""
        return self.uri_source == EMBEDDED

    @property
    def display_uri(self) -> str:
        """The tracking URI as it may be shown or recorded: without credentials."""
        return public_uri(self.tracking_uri)

    def fix_hint(self) -> str:
        """Tell the user how to change the tracking URI, given where it came from."""
        if self.embedded:
            return f"Check that {self.project / STATE_DIR} can be created and written."
        if self.uri_source in URI_VARIABLES:
            return (
                f"It comes from the environment variable {self.uri_source}: point it at a running "
                "MLflow server (e.g. http://host:5000) or unset it to use the embedded store."
            )
        return (
            f"It comes from 'tracking_uri' in {self.uri_source}: fix that value or remove it "
            "to use the embedded store."
        )


def find_project(start: Path | str | None = None, root: Path | str | None = None) -> Path:
    """Return the project folder for ``start`` (default: the working directory).

    Parameters
    ----------
    start:
        A folder or a file inside the project.
    root:
        The folder Jupyter serves (default: ``NBOPS_ROOT``); the project when no folder between
        ``start`` and the file system's root holds a marker and ``start`` is inside it.
    """
    here = Path(start or os.getcwd()).resolve()
    if here.is_file() or here.suffix == ".ipynb":
        here = here.parent
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    root = root or os.environ.get(ROOT_VARIABLE)
    if root and here.is_relative_to(Path(root).resolve()):
        return Path(root).resolve()
    return here


def read_file_settings(project: Path) -> tuple[dict, Path | None]:
    """Read nbops settings from ``nbops.toml`` or ``[tool.nbops]`` in ``pyproject.toml``.

    Parameters
    ----------
    project:
        The project folder.

    Returns the settings table and the file it came from (``None`` when there is none).
    """
    for name, table in (("nbops.toml", ()), ("pyproject.toml", ("tool", "nbops"))):
        path = project / name
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise ConfigError(
                f"Cannot read nbops settings from {path}: {err}.",
                "Fix the TOML syntax of that file.",
            ) from err
        for key in table:
            data = data.get(key, {})
        if data:
            _check_keys(data, path)
            return data, path
    return {}, None


SETTINGS_KEYS = ("tracking_uri", "experiment", "capture", "notify")


def unknown_keys(data: dict, known) -> tuple[list[str], str]:
    """The keys of ``data`` that are not ``known``, sorted, and a "Did you mean ...? " naming
    the closest known ones (empty when none is close): what a file's typo error says.

    Parameters
    ----------
    data:
        A mapping read from a file (settings, a pipeline, a manifest).
    known:
        The keys it may have.
    """
    known = list(known)
    unknown = sorted(str(key) for key in set(data) - set(known))
    close = [m for key in unknown for m in difflib.get_close_matches(key, known, 1)]
    return unknown, f"Did you mean {', '.join(close)}? " if close else ""


def _check_keys(data: dict, path: Path) -> None:
    """:class:`ConfigError` naming an unknown key and the closest known one (a typo would
    otherwise be ignored, and the setting meant not applied)."""
    unknown, guess = unknown_keys(data, SETTINGS_KEYS)
    if unknown:
        raise ConfigError(
            f"The nbops settings in {path} have unknown keys {unknown}.",
            f"{guess}Known: {', '.join(SETTINGS_KEYS)}.",
        )


def load_settings(start: Path | str | None = None, root: Path | str | None = None) -> Settings:
    """Resolve the project and tracking store for ``start`` (default: the working directory).

    Parameters
    ----------
    start:
        A folder or a notebook inside the project.
    root:
        The folder Jupyter serves; see :func:`find_project`.
    """
    project = find_project(start, root)
    for variable in URI_VARIABLES:
        if os.environ.get(variable):
            return Settings(project, os.environ[variable], variable, None)
    table, source = read_file_settings(project)
    uri = _text_setting(
        table, "tracking_uri", source, "an MLflow tracking URI such as http://host:5000"
    )
    if uri is not None:
        return Settings(project, uri, str(source), None)
    state = project / STATE_DIR
    return Settings(project, f"sqlite:///{state / 'mlflow.db'}", EMBEDDED, state / "artifacts")


@dataclass(frozen=True)
class CaptureSettings:
    """What a run records of its code, from ``[capture]`` in ``nbops.toml``
    (``[tool.nbops.capture]`` in ``pyproject.toml``).

    Attributes
    ----------
    git_diff:
        Upload the uncommitted ``git diff HEAD`` with each run (``git/diff.patch``).
    git_diff_max_bytes:
        A larger diff is not uploaded; the run records its size instead.
    """

    git_diff: bool = True
    git_diff_max_bytes: int = 1_000_000


def capture_settings(project: Path) -> CaptureSettings:
    """Read the ``[capture]`` table of the project's settings (defaults where absent).

    Parameters
    ----------
    project:
        The project folder.
    """
    table, source = read_file_settings(project)
    capture = table.get("capture", {})
    hint = "Write e.g. [capture] git_diff = false, git_diff_max_bytes = 200000."
    if not isinstance(capture, dict):
        raise ConfigError(f"'capture' in {source} must be a table, not {capture!r}.", hint)
    unknown = sorted(set(capture) - {"git_diff", "git_diff_max_bytes"})
    if unknown:
        raise ConfigError(f"[capture] in {source} has unknown keys {unknown}.", hint)
    enabled = capture.get("git_diff", True)
    limit = capture.get("git_diff_max_bytes", CaptureSettings.git_diff_max_bytes)
    if not isinstance(enabled, bool):
        raise ConfigError(f"[capture] git_diff in {source} must be true or false.", hint)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ConfigError(
            f"[capture] git_diff_max_bytes in {source} must be a whole number from 0.", hint
        )
    return CaptureSettings(enabled, limit)


def experiment_name(notebook: Path | str, project: Path) -> str:
    """Name the experiment of a notebook: its path relative to the project, with ``/`` separators.

    Parameters
    ----------
    notebook:
        The notebook's path.
    project:
        The project folder.
    """
    path = Path(notebook).resolve()
    try:
        return PurePosixPath(path.relative_to(project.resolve())).as_posix()
    except ValueError:
        return path.as_posix()


def _text_setting(table: dict, key: str, source: Path | None, what: str) -> str | None:
    """The stripped text of ``key`` in a settings table, ``None`` if absent; a
    :class:`ConfigError` for anything but a non-empty string."""
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(
            f"'{key}' in {source} must be a non-empty string, not {value!r}.",
            f"Set it to {what}, or remove it.",
        )
    return value.strip() if value is not None else None


def script_experiment(project: Path, script: str | None = None) -> str:
    """Name the experiment of runs started outside a notebook (a script, ``python -c``).

    ``experiment`` in the project's ``nbops.toml`` (``[tool.nbops]``) if set; else the path of a
    script inside the project, relative to it (as a notebook's); else the project folder's
    name. Never MLflow's ``Default``, which only admins may write to on a team's server.

    Parameters
    ----------
    project:
        The project folder.
    script:
        The script's path (default: ``sys.argv[0]``).
    """
    table, source = read_file_settings(project)
    what = "the MLflow experiment that runs outside notebooks go to"
    name = _text_setting(table, "experiment", source, what)
    if name is not None:
        return name
    script = sys.argv[0] if script is None else script
    path, root = Path(script).resolve(), project.resolve()
    if path.suffix == ".py" and path.is_file() and path.is_relative_to(root):
        inside = path.relative_to(root).parts
        if not any(part.startswith(".") or part == "site-packages" for part in inside):
            return experiment_name(path, project)  # the project's own script, not a tool's
    return root.name


@contextlib.contextmanager
def environment_variables(values: dict[str, str]):
    """Set environment variables for the duration of a block, then put back what was there.

    Parameters
    ----------
    values:
        Names and values to set (e.g. for a kernel that papermill starts in the block).
    """
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
