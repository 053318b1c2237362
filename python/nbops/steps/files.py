"""The small code package a step carries: files beside its notebook, by path relative to it.

A step that imports a helper module or reads a configuration file declares it (``files:`` in
pipeline.yaml, ``nbops export --file``); the task carries the content to a worker on any machine,
which writes it into the private folder the notebook executes in. Data belongs in snapshots.
"""

from __future__ import annotations

from pathlib import Path

from ..exceptions import InputError

MAX_FILES_BYTES = 20 * 2**20


def collect_files(entries: list[str], base: Path, beside: Path, project: Path, where: str):
    """Read files and folders by their path relative to the notebook's folder.

    Parameters
    ----------
    entries:
        Paths relative to ``base``: files, or folders (taken whole, without ``__pycache__``).
    base:
        What the entries are relative to (the pipeline file's folder, the working directory).
    beside:
        The notebook's folder: every file must be in it or below.
    project:
        The project folder: nothing outside it is carried.
    where:
        What declared them, for messages (e.g. ``pipeline.yaml: step 'train'``).
    """
    beside, project = beside.resolve(), project.resolve()
    found: dict[str, bytes] = {}
    for entry in entries:
        path = (base / entry).resolve()
        if not path.is_relative_to(project):
            raise InputError(
                f"{where}: the file {entry!r} is outside the project {project}.",
                "A step carries files of its project only; copy what it needs into the project.",
            )
        if not path.is_relative_to(beside):
            raise InputError(
                f"{where}: the file {entry!r} is not in the folder of its notebook ({beside}) "
                "or below, where it would keep its path relative to the notebook.",
                "Move it beside the notebook, or into a folder below it.",
            )
        if not path.exists():
            raise InputError(f"{where}: no file or folder {entry!r} ({path}).", "Check the path.")
        for file in [path] if path.is_file() else sorted(path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                found[file.relative_to(beside).as_posix()] = file.read_bytes()
    size = sum(len(data) for data in found.values())
    if size > MAX_FILES_BYTES:
        raise InputError(
            f"{where}: its files hold {size / 2**20:.1f} MB, more than the "
            f"{MAX_FILES_BYTES // 2**20} MB a task carries.",
            "Files are for code and small configuration; keep data in snapshots.",
        )
    return found
