"""Step manifests (``step.yaml``) and finding steps by name, ``name@version`` or folder."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import yaml

from ..config import unknown_keys
from ..exceptions import InputError, NotFoundError
from .schema import Parameter

MANIFEST = "step.yaml"
NOTEBOOK = "step.ipynb"
LOCK = "requirements.txt"
STEPS_DIR = "steps"
FILES_DIR = "files"  # the step's code package: files its notebook needs beside it


@dataclass
class Manifest:
    """What ``step.yaml`` says about one exported step version."""

    name: str
    version: str
    source: str
    git_commit: str | None
    kernel: str
    parameters: list[Parameter] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    lock: str = LOCK
    exported_at: str = ""
    files: list[str] = field(default_factory=list)

    def to_yaml(self) -> str:
        """The manifest as YAML, parameters as a list of mappings."""
        data = asdict(self)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """Read ``folder/step.yaml``; :class:`InputError` naming the file if it is not valid."""
        path = folder / MANIFEST
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            _check_keys(data, path)
            data["parameters"] = [Parameter(**p) for p in data.get("parameters") or []]
            return cls(**data)
        except (OSError, yaml.YAMLError, TypeError, KeyError) as err:
            raise InputError(
                f"{path} is not a valid step manifest: {err}.", "Export the step again."
            ) from err


def _check_keys(data: object, path: Path) -> None:
    """Refuse a manifest that is not a mapping or has keys a manifest does not have, naming
    them and the closest known ones (a hand edit's typo is not ignored)."""
    if not isinstance(data, dict):
        raise TypeError("it is not a mapping of keys to values")
    known = [f.name for f in fields(Manifest)]
    unknown, guess = unknown_keys(data, known)
    if unknown:
        raise InputError(
            f"{path} has unknown keys {unknown}.",
            f"{guess}A step manifest has {', '.join(known)}; export the step again.",
        )


@dataclass
class Step:
    """One exported step version on disk."""

    folder: Path
    manifest: Manifest

    @property
    def notebook(self) -> Path:
        """The step's notebook."""
        return self.folder / NOTEBOOK

    def lock(self) -> str | None:
        """The step's ``requirements.txt`` (``None`` if it has none)."""
        path = self.folder / self.manifest.lock
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def files(self) -> dict[str, bytes]:
        """The files the step carries, by path relative to its notebook."""
        return {p: (self.folder / FILES_DIR / p).read_bytes() for p in self.manifest.files}


def list_steps(root: Path) -> list[Step]:
    """Every step version under ``root`` (a ``steps`` folder), by name then export time."""
    found = [Step(m.parent, Manifest.read(m.parent)) for m in sorted(root.glob(f"*/*/{MANIFEST}"))]
    return sorted(found, key=lambda s: (s.manifest.name, s.manifest.exported_at))


def find_step(target: str, root: Path, folders: bool = True) -> Step:
    """Resolve ``name``, ``name@version`` or a step folder to a step (the newest for ``name``).

    Parameters
    ----------
    target:
        What the user typed.
    root:
        The project's ``steps`` folder.
    folders:
        Whether ``target`` may be a step folder (not for a name from a request: a folder of the
        process's working directory would be taken).
    """
    folder = Path(target)
    if folders and (folder / MANIFEST).is_file():
        return Step(folder, Manifest.read(folder))
    name, _, version = target.partition("@")
    candidates = [s for s in list_steps(root) if s.manifest.name == name]
    if version:
        candidates = [s for s in candidates if s.manifest.version.startswith(version)]
    if not candidates:
        known = sorted({s.manifest.name for s in list_steps(root)})
        raise NotFoundError(
            f"No step {target!r} in {root}.",
            f"Known steps: {', '.join(known) or 'none'}. Export one with `nbops export NOTEBOOK`.",
        )
    return candidates[-1]
