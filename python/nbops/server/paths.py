"""Keep every path a request names inside the server's root."""

from __future__ import annotations

import os
from pathlib import Path

from ..exceptions import InputError


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
    _check_lengths(root_real, api_path, what)
    if os.path.isabs(api_path) or "\x00" in api_path:
        raise InputError(
            f"The {what} {api_path!r} must be a path relative to the server root.",
            "Use the path shown in JupyterLab's file browser, e.g. 'folder/analysis.ipynb'.",
        )
    candidate = os.path.realpath(os.path.join(root_real, api_path))
    if candidate != root_real and not candidate.startswith(root_real.rstrip(os.sep) + os.sep):
        raise InputError(
            f"The {what} {api_path!r} is outside the server root.",
            "Only files under the folder JupyterLab was started in can be used.",
        )
    return Path(candidate)


def _check_lengths(root: str, api_path: str, what: str) -> None:
    """:class:`InputError` if a part of the path, or all of it, is longer than the file system
    allows (asking the file system would fail with ``ENAMETOOLONG``)."""
    name_max, path_max = os.pathconf(root, "PC_NAME_MAX"), os.pathconf(root, "PC_PATH_MAX")
    longest = max((len(part.encode()) for part in api_path.split("/")), default=0)
    total = len(os.path.join(root, api_path).encode())
    if longest > name_max or total >= path_max:
        shown = api_path if len(api_path) <= 60 else f"{api_path[:60]}..."
        raise InputError(
            f"The {what} {shown!r} is too long for the file system ({longest} bytes in one "
            f"name, {total} in all; at most {name_max} and {path_max - 1}).",
            "Use the path shown in JupyterLab's file browser.",
        )
