"""This machine's cache of a tracking server's snapshots, kept under a size limit.

A machine that reads snapshots from a tracking server keeps every file it downloaded or uploaded in
``NBOPS_CACHE_DIR`` (default ``~/.cache/nbops/snapshots``), so that reading it again costs no
transfer. A worker that reads many datasets for weeks would fill its disk, so the cache is kept
under ``NBOPS_CACHE_LIMIT`` (default 10 GB): after each file it adds, the files used longest ago
are removed (every read marks its file used). A file used in the last minute is kept even over the
limit, as another process on this machine may be about to read it. A removed snapshot is simply
downloaded again, and verified, when it is next read.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import ConfigError
from ..names import CACHE_DIR_VARIABLE, CACHE_LIMIT_VARIABLE

DEFAULT_LIMIT = 10 * 1000**3
IN_USE_S = 60.0  # a file used this recently is never removed
UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}
UNITS.update({"kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4})


def cache_home() -> Path:
    """nbops's caches' folder: ``$XDG_CACHE_HOME/nbops``, else ``~/.cache/nbops``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nbops"


def cache_folder() -> Path:
    """Where downloaded snapshots are kept on this machine."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    return Path(configured) / "snapshots" if configured else cache_home() / "snapshots"


def parse_size(text: str, source: str) -> int:
    """A size such as ``20GB``, ``500 MB``, ``1.5GiB`` or ``0``, in bytes; ``source`` names where
    ``text`` came from in the error."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([A-Za-z]*)\s*", text)
    unit = match.group(2).lower() if match else None
    if unit not in UNITS:
        raise ConfigError(
            f"{source} is {text!r}, which is not a size.",
            "Give a number of bytes with a unit, e.g. 20GB, 500MB or 2GiB; 0 keeps only the files "
            "in use.",
        )
    return int(float(match.group(1)) * UNITS[unit])


def cache_limit() -> int:
    """How many bytes the cache may hold: ``NBOPS_CACHE_LIMIT``, else 10 GB."""
    text = os.environ.get(CACHE_LIMIT_VARIABLE, "").strip()
    return parse_size(text, CACHE_LIMIT_VARIABLE) if text else DEFAULT_LIMIT


def format_size(size: float) -> str:
    """``size`` bytes for people: ``1.2 GB``."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


@dataclass(frozen=True)
class CacheUsage:
    """What the cache holds: ``files`` files of ``size`` bytes in ``folder``, under ``limit``."""

    folder: Path
    files: int
    size: int
    limit: int


def _files(folder: Path) -> list[tuple[Path, os.stat_result]]:
    """The cached files with their stats; files being written (``.partial``) and folders (uploads
    and downloads under way) are not the cache's yet."""
    found = []
    with contextlib.suppress(FileNotFoundError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and not entry.name.endswith(".partial"):
                with contextlib.suppress(FileNotFoundError):  # another process removed it
                    found.append((Path(entry.path), entry.stat(follow_symlinks=False)))
    return found


def usage(folder: Path, limit: int) -> CacheUsage:
    """How many files and bytes ``folder`` holds."""
    files = _files(folder)
    return CacheUsage(folder, len(files), sum(stat.st_size for _, stat in files), limit)


def mark_used(path: Path) -> bool:
    """Record that ``path`` is being read, so that it is removed after the files used before it
    (and not in the next minute); whether it is there."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return path.is_file()


def trim(folder: Path, limit: int) -> list[Path]:
    """Remove the files used longest ago until ``folder`` holds at most ``limit`` bytes, keeping
    those used in the last minute; the removed files."""
    files = _files(folder)
    total = sum(stat.st_size for _, stat in files)
    removed: list[Path] = []
    recent = time.time() - IN_USE_S
    for path, stat in sorted(files, key=lambda file: file[1].st_mtime):
        if total <= limit or stat.st_mtime > recent:
            break
        path.unlink(missing_ok=True)
        total -= stat.st_size
        removed.append(path)
    return removed
