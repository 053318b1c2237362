"""Keep every path a request names inside the server's root."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..config import find_project
from ..exceptions import InputError, NotFoundError
from ..steps.versions import STEPS_DIR, find_step

# a step as a request names it: NAME or NAME@VERSION (a prefix of the version's hex digits)
STEP_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(@[0-9a-f]{4,64})?")


def resolve_in_root(root: str | Path, api_path: str, what: str = "path") -> Path:
    """Turn an API path (relative to the server root, ``/`` separated) into a path inside the root.

    Parameters
    ----------
    root:
        The server's root folder.
    api_path:
        The path as the frontend sends it.
    what:
        What the path names, for the error message (e.g. ``"notebook"``).

    Raises :class:`InputError` for an absolute path or one that leaves the root (through ``..`` or a
    symlink); a sibling folder whose name starts with the root's name counts as outside.
    """
    root_real = os.path.realpath(root)
    if api_path and (
        os.path.isabs(api_path)
        or "\x00" in api_path
        or any(part in ("", ".", "..") for part in api_path.split("/"))
    ):
        raise InputError(
            f"The {what} {api_path!r} must be a path relative to the server root, without "
            "empty, '.' or '..' parts.",
            "Use the path shown in JupyterLab's file browser, e.g. 'folder/analysis.ipynb'.",
        )
    _check_lengths(root_real, api_path, what)
    candidate = os.path.realpath(os.path.join(root_real, api_path))
    if candidate != root_real and not candidate.startswith(root_real.rstrip(os.sep) + os.sep):
        raise InputError(
            f"The {what} {api_path!r} is outside the server root.",
            "Only files under the folder JupyterLab was started in can be used.",
        )
    return Path(candidate)


def pipeline_file(root: str | Path, api_path: str) -> Path:
    """The pipeline file (``.yaml``/``.yml``) a request names, inside the root: :class:`InputError`
    for another kind of path, :class:`NotFoundError` when there is no such file."""
    if not api_path.endswith((".yaml", ".yml")):
        raise InputError(
            f"{api_path[:80]!r} is not a pipeline file.",
            "Give the path of a pipeline.yaml relative to the server's root.",
        )
    path = resolve_in_root(root, api_path, "pipeline")
    if not path.is_file():
        raise NotFoundError(f"No pipeline file {api_path!r}.", "Check the path.")
    return path


def _check_lengths(root: str, api_path: str, what: str) -> None:
    """:class:`NotFoundError` if a part of the path, or all of it, is longer than the file system
    allows: no such file can exist (asking the file system would fail with ``ENAMETOOLONG``)."""
    name_max, path_max = os.pathconf(root, "PC_NAME_MAX"), os.pathconf(root, "PC_PATH_MAX")
    longest = max((len(part.encode()) for part in api_path.split("/")), default=0)
    total = len(os.path.join(root, api_path).encode())
    if longest > name_max or total >= path_max:
        shown = api_path if len(api_path) <= 60 else f"{api_path[:60]}..."
        raise NotFoundError(
            f"No {what} {shown!r}: it is too long for the file system ({longest} bytes in one "
            f"name, {total} in all; at most {name_max} and {path_max - 1}).",
            "Use the path shown in JupyterLab's file browser.",
        )


def exported_step(root: Path, notebook: Path, reference: str) -> str:
    """The folder of the exported step ``NAME[@VERSION]`` in the notebook's project's ``steps/``,
    which must lie inside the server's root; :class:`InputError` for anything else (a path is
    never taken: it could name a notebook outside the root)."""
    if not isinstance(reference, str) or not STEP_REFERENCE.fullmatch(reference):
        raise InputError(
            f"The step {reference!r} is not a step name.",
            "Give NAME or NAME@VERSION of a step exported from this notebook's project.",
        )
    project = find_project(notebook.parent, root)
    step = find_step(reference, project / STEPS_DIR, folders=False)
    relative = os.path.relpath(step.folder, os.path.realpath(root))
    return str(resolve_in_root(root, relative, "step"))
