"""The environment a run ran in: Python, OS, hardware, packages, conda, git and the notebook.

Captured in-process with ``importlib.metadata`` (no ``pip freeze`` subprocess), stored as the
run's ``environment.json`` artifact with summary tags, and compared with :func:`environment_diff`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import names
from ..config import capture_settings
from .git import git_state

COMPARED_FIELDS = (
    "python",
    "implementation",
    "os",
    "machine",
    "cpu_count",
    "memory_bytes",
    "gpus",
    "conda_env",
    "git_commit",
    "git_branch",
    "git_dirty",
    "code_hash",
)


def installed_packages() -> dict[str, str]:
    """Map each installed distribution's normalized name to its version."""
    packages = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            packages[name.lower().replace("_", "-")] = dist.version
    return dict(sorted(packages.items()))


def memory_bytes() -> int | None:
    """Total physical memory, or ``None`` where it cannot be read."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def gpus() -> list[str]:
    """Names of the NVIDIA GPUs ``nvidia-smi`` reports; empty without it."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        done = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def code_hash(notebook: Path) -> str | None:
    """Hash of the notebook's code cells' sources: two runs of the same code share it."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return None
    digest = hashlib.sha256()
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            digest.update(("".join(source) if isinstance(source, list) else source).encode())
            digest.update(b"\0")
    return digest.hexdigest()[:32]


def capture_machine() -> dict[str, object]:
    """Describe where this process runs: Python, OS, hardware, conda and the installed packages."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "os": platform.platform(),
        "machine": platform.machine(),
        "host": socket.gethostname(),
        "cpu_count": os.cpu_count(),
        "memory_bytes": memory_bytes(),
        "gpus": gpus(),
        "conda_env": os.environ.get("CONDA_DEFAULT_ENV"),
        "packages": installed_packages(),
    }


_machine: tuple[tuple, dict] | None = None


def machine_once() -> dict[str, object]:
    """:func:`capture_machine`, captured again only when a folder on ``sys.path`` changed (a
    package was installed or removed): a worker that runs many tasks reads its packages once."""
    global _machine
    stamp = tuple(_mtime(p) for p in sys.path)
    if _machine is None or _machine[0] != stamp:
        _machine = (stamp, capture_machine())
    return dict(_machine[1])


def _mtime(path: str) -> int:
    try:
        return os.stat(path or ".").st_mtime_ns
    except OSError:
        return 0


def capture_code(folder: Path, notebook: Path | None = None) -> dict[str, object]:
    """Describe the code a run runs: the project's git state and the notebook's code hash.

    Parameters
    ----------
    folder:
        The project folder (for git, and its ``[capture]`` settings: whether and up to which
        size the uncommitted diff is kept).
    notebook:
        The running notebook, if known (for its code hash).
    """
    capture = capture_settings(folder)
    git = git_state(folder, diff=capture.git_diff)
    diff = git["diff"] if git else ""
    diff_bytes = len(diff.encode())
    if diff_bytes > capture.git_diff_max_bytes:
        diff = ""  # a partial patch cannot be applied: its size is recorded instead
    return {
        "git_commit": git and git["commit"],
        "git_branch": git and git["branch"],
        "git_remote": git and git["remote"],
        "git_dirty": git and git["dirty"],
        "git_untracked": git["untracked"] if git else [],
        "git_diff": diff,
        "git_diff_bytes": diff_bytes,
        "notebook": str(notebook) if notebook else None,
        "code_hash": code_hash(notebook) if notebook else None,
    }


def capture_environment(folder: Path, notebook: Path | None = None) -> dict[str, object]:
    """Describe the running environment: :func:`capture_machine` and :func:`capture_code`
    (``folder`` and ``notebook`` as for the latter)."""
    return {**capture_machine(), **capture_code(folder, notebook)}


def summary_tags(env: dict[str, object]) -> dict[str, str]:
    """The tags that summarize an environment in run lists (``nbops.env.*``)."""
    tags = {
        names.ENV_PYTHON_TAG: env["python"],
        names.ENV_OS_TAG: env["os"],
        names.ENV_PACKAGES_TAG: str(len(env["packages"])),
        names.ENV_GPUS_TAG: str(len(env["gpus"])),
    }
    optional = {
        names.ENV_CONDA_TAG: env["conda_env"],
        names.GIT_COMMIT_TAG: env["git_commit"],
        names.SOURCE_GIT_COMMIT_TAG: env["git_commit"],
        names.GIT_BRANCH_TAG: env["git_branch"],
        names.GIT_REMOTE_TAG: env["git_remote"],
        names.GIT_DIRTY_TAG: env["git_dirty"],
        names.CODE_HASH_TAG: env["code_hash"],
    }
    tags.update({k: v for k, v in optional.items() if v is not None})
    return {k: str(v) for k, v in tags.items()}


@dataclass
class EnvironmentDiff:
    """What differs between the environments of two runs."""

    run_a: str
    run_b: str
    added: dict[str, str] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)
    other: dict[str, tuple[object, object]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.other)

    def lines(self) -> list[str]:
        """One line per difference, ``+`` added, ``-`` removed, ``~`` changed."""
        if not self:
            return [f"No differences between the environments of {self.run_a} and {self.run_b}."]
        out = [f"+ {name} {version}" for name, version in self.added.items()]
        out += [f"- {name} {version}" for name, version in self.removed.items()]
        out += [f"~ {name} {a} -> {b}" for name, (a, b) in self.changed.items()]
        out += [f"~ {key}: {a} -> {b}" for key, (a, b) in self.other.items()]
        return out

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/plain": "\n".join(self.lines())}


def environment_diff_of(store, run_a: str, run_b: str) -> EnvironmentDiff:
    """The differences between the recorded environments of two runs of ``store``.

    Parameters
    ----------
    store:
        Where the runs are (a :class:`~nbops.store.Store`).
    run_a, run_b:
        Run ids; the differences are those of ``run_b`` relative to ``run_a``.
    """
    env_a, env_b = (json.loads(store.load_text(r, names.ENVIRONMENT_FILE)) for r in (run_a, run_b))
    return diff_environments(run_a, env_a, run_b, env_b)


def diff_environments(run_a: str, env_a: dict, run_b: str, env_b: dict) -> EnvironmentDiff:
    """Compare two captured environments (``run_b`` relative to ``run_a``)."""
    pa, pb = env_a.get("packages", {}), env_b.get("packages", {})
    return EnvironmentDiff(
        run_a=run_a,
        run_b=run_b,
        added={k: pb[k] for k in pb.keys() - pa.keys()},
        removed={k: pa[k] for k in pa.keys() - pb.keys()},
        changed={k: (pa[k], pb[k]) for k in sorted(pa.keys() & pb.keys()) if pa[k] != pb[k]},
        other={
            k: (env_a.get(k), env_b.get(k)) for k in COMPARED_FIELDS if env_a.get(k) != env_b.get(k)
        },
    )
