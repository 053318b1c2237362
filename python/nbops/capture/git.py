"""What git says about a notebook's folder: commit, branch, remote and uncommitted diff."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..credentials import public_uri

GIT_TIMEOUT_S = 5


def _git(folder: Path, *args: str) -> str | None:
    """Run ``git args`` in ``folder`` (arguments as a list, no shell); ``None`` on any failure."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed git subcommands, no user strings
            ["git", *args],  # noqa: S607 - git is looked up on PATH on purpose
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(folder: Path, diff: bool = True) -> dict[str, object] | None:
    """Return commit, branch, remote URL (without credentials), dirty flag and diff of the
    repository holding ``folder``.

    Parameters
    ----------
    folder:
        Any folder inside the working tree (``None`` outside a repository or without git).
    diff:
        Read the uncommitted ``git diff HEAD`` (else it is ``""``).
    """
    if shutil.which("git") is None or _git(folder, "rev-parse", "--is-inside-work-tree") is None:
        return None
    commit = (_git(folder, "rev-parse", "HEAD") or "").strip() or None
    branch = (_git(folder, "rev-parse", "--abbrev-ref", "HEAD") or "").strip() or None
    remote = public_uri((_git(folder, "config", "--get", "remote.origin.url") or "").strip())
    status = _git(folder, "status", "--porcelain") or ""
    patch = _git(folder, "diff", "HEAD") if commit and diff else None
    return {
        "commit": commit,
        "branch": branch,
        "remote": remote or None,
        "dirty": bool(status.strip()),
        "untracked": [line[3:] for line in status.splitlines() if line.startswith("??")],
        "diff": patch or "",
    }
