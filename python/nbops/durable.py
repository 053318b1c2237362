"""Files that survive a crash: written beside their place, flushed to disk, renamed, and the
folder's entry flushed too; leftovers of writers that died are removed.

A rename alone is atomic for readers but not durable: after a power loss the new name may point
at an empty file, or the old one may be back. ``fsync`` of the file before the rename and of the
folder after it closes both gaps.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

PARTIAL = ".partial"
STALE_PARTIAL_S = 3600  # a partial file this old belongs to a writer that died


def partial_name(path: Path) -> Path:
    """A name to write ``path`` under before renaming it: unique per process and thread."""
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}{PARTIAL}")


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's content and entry to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(source: Path, target: Path) -> None:
    """Rename ``source`` (a finished file) to ``target``, both flushed to disk.

    Parameters
    ----------
    source:
        The written file, in ``target``'s folder (a rename across file systems is a copy).
    target:
        Its place; an existing file there is replaced whole.
    """
    fsync_path(source)
    os.replace(source, target)
    fsync_path(target.parent)


def write_durably(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader, or a restart after a crash, never finds half
    of it; nothing is left beside it if writing fails.

    Parameters
    ----------
    path:
        The file to write (its folder must exist).
    text:
        Its content, written as UTF-8.
    """
    partial = partial_name(path)
    try:
        partial.write_text(text, encoding="utf-8")
        replace_durably(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def remove_stale_partials(folder: Path, age_s: float = STALE_PARTIAL_S) -> list[Path]:
    """Remove the ``.partial`` files in ``folder`` older than ``age_s`` seconds (their writers
    died: a live writer renames or removes its file within seconds); return them.

    Parameters
    ----------
    folder:
        The folder to clean (not its subfolders).
    age_s:
        How old a partial file must be to count as left behind.
    """
    removed = []
    cutoff = time.time() - age_s
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        try:
            if entry.name.endswith(PARTIAL) and entry.is_file() and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # gone meanwhile, or not ours to remove
            continue
    return removed
