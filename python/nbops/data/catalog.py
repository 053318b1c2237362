"""Where snapshots live: content written once under its fingerprint, and the record of every write
and read.

Two places implement :class:`Catalog`:

- :class:`FolderCatalog`, the embedded store's: ``<root>/data/<id>.parquet`` holds each distinct
  content once, ``<root>/meta/<id>.json`` its schema and profile, and ``<root>/catalog.jsonl`` one
  line per snapshot written or read, appended under a file lock.
- :class:`~nbops.data.server_catalog.ServerCatalog`, a tracking server's: the same content in the
  server's artifact store, and the record in the server itself, so that every machine sees it.

Versions: every write under a name whose content differs from that name's previous write is a new
version, numbered from 1. Writing A, then B, then A again makes three versions; ``latest`` is the
last one (A). Reads never make versions.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock

from ..config import Settings
from ..exceptions import InputError, NotFoundError

LOCK_TIMEOUT_S = 60
WRITE, READ = "write", "read"


@dataclass
class Entry:
    """A record: snapshot ``id`` (its fingerprint) under ``name``, written or read by a run.

    Attributes
    ----------
    action:
        ``write`` (the run took the snapshot) or ``read`` (the run loaded it).
    """

    id: str
    name: str
    role: str
    run_id: str | None
    created: str
    rows: int
    columns: int
    action: str = WRITE


def partial_name(path: Path) -> Path:
    """A name to write ``path`` under before renaming it: unique per process and thread."""
    return path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.partial")


class Catalog(ABC):
    """The snapshots of one store: their content and the record of writes and reads."""

    #: where the content is, for messages
    location = ""

    # -- the record ------------------------------------------------------------------------------

    @abstractmethod
    def append(self, entry: Entry) -> None:
        """Record a write or a read; concurrent writers on any machine are all kept."""

    @abstractmethod
    def entries(self, name: str | None = None) -> list[Entry]:
        """Every record (of ``name``), oldest first."""

    def records_of(self, run_id: str) -> list[Entry]:
        """Every record of run ``run_id``: what it wrote and read, oldest first."""
        return [e for e in self.entries() if e.run_id == run_id]

    def outputs_of(self, run_id: str) -> dict[str, str]:
        """The snapshots ``run_id`` wrote with role ``output``: ids by name, the last per name."""
        return {
            e.name: e.id
            for e in self.entries()
            if e.run_id == run_id and e.role == "output" and e.action == WRITE
        }

    def versions(self, name: str) -> list[Entry]:
        """The versions of ``name``, version 1 first: each write whose content differs from the
        name's previous write."""
        versions: list[Entry] = []
        for entry in self.entries(name):
            if entry.action == WRITE and (not versions or versions[-1].id != entry.id):
                versions.append(entry)
        return versions

    def resolve(self, id_or_name: str, version: str | int = "latest") -> Entry:
        """Find a snapshot by name (``version`` "latest" or 1..N) or by id (or an id prefix).

        :class:`InputError` for a version that is not "latest" or a whole number from 1;
        :class:`NotFoundError` for an unknown name or id, or a version above the last.
        """
        number = _version_number(version)
        versions = self.versions(id_or_name)
        if versions:
            if number is None:
                return versions[-1]
            if number > len(versions):
                raise NotFoundError(
                    f"Snapshot {id_or_name!r} has no version {number}.",
                    f"It has versions 1 to {len(versions)}, or 'latest'.",
                )
            return versions[number - 1]
        matches = {e.id: e for e in self._by_id(id_or_name)}
        if len(matches) == 1 and number is None:
            return next(iter(matches.values()))
        names = sorted({e.name for e in self.entries()})
        raise NotFoundError(
            f"No snapshot named or with id {id_or_name!r} in {self.location}.",
            f"Known snapshots: {', '.join(names[:20]) or 'none'}.",
        )

    def _by_id(self, prefix: str) -> list[Entry]:
        """The entries whose id starts with ``prefix`` (at least 8 characters)."""
        if len(prefix) < 8:
            return []
        return [e for e in self.entries() if e.id.startswith(prefix)]

    # -- the content -----------------------------------------------------------------------------

    @abstractmethod
    def has(self, snapshot_id: str) -> bool:
        """Whether the snapshot's content is complete here (data, then meta, were written)."""

    @abstractmethod
    def put_data(self, snapshot_id: str, data: Path) -> None:
        """Keep a Parquet file (moved or uploaded) under ``snapshot_id``; then :meth:`put_meta`."""

    @abstractmethod
    def put_meta(self, snapshot_id: str, meta: dict) -> None:
        """Keep the snapshot's schema and profile, after its data: :meth:`has` is true from
        then on, so that no reader ever sees half a snapshot."""

    @abstractmethod
    def local_copy(self, snapshot_id: str) -> Path:
        """A Parquet file of the snapshot on this machine (downloaded if need be)."""

    def evict(self, snapshot_id: str) -> bool:
        """Forget a local copy found corrupt; whether a fresh one can be fetched."""
        return False

    @abstractmethod
    def meta(self, snapshot_id: str) -> dict:
        """The snapshot's ``schema`` and ``profile``."""

    @abstractmethod
    def uri(self, snapshot_id: str) -> str:
        """Where the snapshot's data is, as every reader sees it (the dataset input's source)."""

    def scratch(self) -> Path:
        """A folder on this machine to write a Parquet file in before :meth:`put`."""
        return Path(tempfile.gettempdir())


def _version_number(version: str | int) -> int | None:
    """``None`` for "latest", else the version as a whole number from 1."""
    if version == "latest":
        return None
    number = None
    if isinstance(version, int) and not isinstance(version, bool):
        number = version
    elif isinstance(version, str) and version.strip().isdigit():
        number = int(version)
    if number is None or number < 1:
        raise InputError(
            f"{version!r} is not a snapshot version.",
            "Give 'latest' or a version number from 1 (see `nbops snapshots --name NAME`).",
        )
    return number


class FolderCatalog(Catalog):
    """The embedded store's snapshots, in a folder of the project.

    Parameters
    ----------
    root:
        The snapshots folder.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)

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
        found, seen = [], set()
        for line in path.read_text().splitlines():
            if not line:
                continue
            data = json.loads(line)
            if "action" not in data:  # written before reads were told apart: a known id is a read
                data["action"] = READ if (data["name"], data["id"]) in seen else WRITE
            seen.add((data["name"], data["id"]))
            found.append(Entry(**data))
        return [e for e in found if name in (None, e.name)]

    def has(self, snapshot_id: str) -> bool:
        """Whether both the data and the meta file exist."""
        return self.meta_path(snapshot_id).is_file() and self.data_path(snapshot_id).is_file()

    def put_data(self, snapshot_id: str, data: Path) -> None:
        """Move ``data`` into place: it appears whole or not at all."""
        target = self.data_path(snapshot_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        data.replace(target)

    def put_meta(self, snapshot_id: str, meta: dict) -> None:
        """Write the meta file atomically."""
        path = self.meta_path(snapshot_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = partial_name(path)
        partial.write_text(json.dumps(meta))
        partial.replace(path)

    def local_copy(self, snapshot_id: str) -> Path:
        """The Parquet file in the folder."""
        return self.data_path(snapshot_id)

    def meta(self, snapshot_id: str) -> dict:
        """The meta file's content."""
        return json.loads(self.meta_path(snapshot_id).read_text())

    def uri(self, snapshot_id: str) -> str:
        """A ``file://`` URI: the embedded store is on this machine."""
        return self.data_path(snapshot_id).as_uri()

    def scratch(self) -> Path:
        """The data folder itself: the finished file is renamed into place."""
        folder = self.root / "data"
        folder.mkdir(parents=True, exist_ok=True)
        return folder


_server_catalogs: dict[str, Catalog] = {}
_catalogs_lock = threading.Lock()


def catalog_for(settings: Settings) -> Catalog:
    """The snapshot catalog of a project's settings.

    A SQLite store (the embedded one) keeps snapshots in the project folder; any other tracking
    URI (a server, a database shared by machines) keeps them in its artifact store, so that every
    machine that reaches the store reads what any other wrote.
    """
    if settings.tracking_uri.startswith("sqlite:"):
        root = settings.artifact_root or settings.project / ".nbops" / "artifacts"
        return FolderCatalog(Path(root) / "snapshots")
    from ..store import open_store
    from .server_catalog import ServerCatalog

    with _catalogs_lock:
        if settings.tracking_uri not in _server_catalogs:
            _server_catalogs[settings.tracking_uri] = ServerCatalog(open_store(settings))
        return _server_catalogs[settings.tracking_uri]
