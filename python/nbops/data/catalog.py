"""Where snapshots live: content-addressed Parquet files, their metadata and an append-only catalog.

``<root>/data/<id>.parquet`` holds each distinct content once; ``<root>/meta/<id>.json`` its schema
and profile; ``<root>/catalog.jsonl`` one line per snapshot taken or read (name, id, role, run).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock

from ..exceptions import NotFoundError

LOCK_TIMEOUT_S = 60


@dataclass
class Entry:
    """A catalog line: snapshot ``id`` (its fingerprint) under ``name``, taken or read by a run."""

    id: str
    name: str
    role: str
    run_id: str | None
    created: str
    rows: int
    columns: int


class Catalog:
    """The snapshots of one store.

    Parameters
    ----------
    root:
        The snapshots folder.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def data_path(self, snapshot_id: str) -> Path:
        """Where a snapshot's Parquet file lives."""
        return self.root / "data" / f"{snapshot_id}.parquet"

    def meta_path(self, snapshot_id: str) -> Path:
        """Where a snapshot's schema and profile live."""
        return self.root / "meta" / f"{snapshot_id}.json"

    def append(self, entry: Entry) -> None:
        """Record an entry: one line, appended under a file lock that every process takes."""
        self.root.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(entry)) + "\n"
        with self.lock(), open(self.root / "catalog.jsonl", "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def lock(self) -> FileLock:
        """The lock of this catalog, across threads and processes (``catalog.jsonl.lock``)."""
        return FileLock(self.root / "catalog.jsonl.lock", timeout=LOCK_TIMEOUT_S)

    def entries(self, name: str | None = None) -> list[Entry]:
        """Every entry (of ``name``), oldest first."""
        path = self.root / "catalog.jsonl"
        if not path.is_file():
            return []
        found = [Entry(**json.loads(line)) for line in path.read_text().splitlines() if line]
        return [e for e in found if name in (None, e.name)]

    def versions(self, name: str) -> list[Entry]:
        """The distinct contents written under ``name``, oldest first (version 1 first)."""
        seen, versions = set(), []
        for entry in self.entries(name):
            if entry.id not in seen:
                seen.add(entry.id)
                versions.append(entry)
        return versions

    def resolve(self, id_or_name: str, version: str | int = "latest") -> Entry:
        """Find a snapshot by name (``version`` "latest" or 1, 2, ...) or by id (or id prefix)."""
        versions = self.versions(id_or_name)
        if versions:
            if version == "latest":
                return versions[-1]
            try:
                return versions[int(version) - 1]
            except (ValueError, IndexError) as err:
                raise NotFoundError(
                    f"Snapshot {id_or_name!r} has no version {version!r}.",
                    f"It has versions 1 to {len(versions)}, or 'latest'.",
                ) from err
        matches = {
            e.id: e for e in self.entries() if len(id_or_name) >= 8 and e.id.startswith(id_or_name)
        }
        if len(matches) == 1:
            return next(iter(matches.values()))
        names = sorted({e.name for e in self.entries()})
        raise NotFoundError(
            f"No snapshot named or with id {id_or_name!r} in {self.root}.",
            f"Known snapshots: {', '.join(names) or 'none'}.",
        )
