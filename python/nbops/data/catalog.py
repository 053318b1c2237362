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
import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock

from ..durable import partial_name, remove_stale_partials, replace_durably
from ..exceptions import InputError, NotFoundError

LOCK_TIMEOUT_S = 60
WRITE, READ = "write", "read"
SNAPSHOT_ID = re.compile(r"[0-9a-f]{32}")
log = logging.getLogger(__name__)


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


def check_snapshot_id(value: object, where: str = "snapshot id") -> str:
    """Return ``value`` if it is a snapshot id (32 lowercase hexadecimal digits, a fingerprint);
    :class:`InputError` otherwise. Ids come from requests, pins and a shared server's records:
    one is joined into a file path only after this check.

    Parameters
    ----------
    value:
        The id.
    where:
        What it is, for the message.
    """
    if not isinstance(value, str) or not SNAPSHOT_ID.fullmatch(value):
        raise InputError(
            f"The {where} {str(value)[:80]!r} is not a snapshot id.",
            "A snapshot id is 32 hexadecimal digits (see `nbops snapshots`).",
        )
    return value


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
        if number is None and SNAPSHOT_ID.fullmatch(id_or_name):  # a whole id: no name search
            found = {e.id: e for e in self._by_id(id_or_name)}
            if len(found) == 1:
                return next(iter(found.values()))
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

    def find(self, reference: str) -> Entry:
        """The snapshot a user named: ``NAME``, ``NAME@VERSION``, an id or its first 8 or more
        characters; :class:`InputError` (naming the known snapshots) if there is none."""
        name, _, version = reference.partition("@")
        try:
            return self.resolve(name, version or "latest")
        except NotFoundError as err:
            raise InputError(err.message, err.hint) from err

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
        return self.root / "data" / f"{check_snapshot_id(snapshot_id)}.parquet"

    def meta_path(self, snapshot_id: str) -> Path:
        """Where a snapshot's schema and profile live."""
        return self.root / "meta" / f"{check_snapshot_id(snapshot_id)}.json"

    @property
    def record(self) -> Path:
        """The record of writes and reads, one JSON line each."""
        return self.root / "catalog.jsonl"

    @property
    def damaged(self) -> Path:
        """Where damaged lines of the record are moved (kept for a person to look at)."""
        return self.root / "catalog.jsonl.damaged"

    def append(self, entry: Entry) -> None:
        """Record an entry: one line, appended under a file lock that every process takes. A
        line torn by a crash is ended first, so that it stays one bad line, not two."""
        self.root.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(entry)) + "\n"
        with self.lock(), open(self.record, "a+b") as handle:
            if handle.tell() > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    line = "\n" + line
            handle.write(line.encode())
            handle.flush()
            os.fsync(handle.fileno())

    def lock(self) -> FileLock:
        """The lock of this catalog, across threads and processes (``catalog.jsonl.lock``)."""
        return FileLock(self.root / "catalog.jsonl.lock", timeout=LOCK_TIMEOUT_S)

    def entries(self, name: str | None = None) -> list[Entry]:
        """Every entry (of ``name``), oldest first. A line that is not a whole record (torn by a
        crash or a full disk) is skipped with a warning, and the file repaired."""
        if not self.record.is_file():
            return []
        found, bad = _parse_record(self.record.read_text(encoding="utf-8", errors="replace"))
        if bad:
            log.warning(
                "nbops: %d damaged line(s) in %s skipped (a write was cut off); they are moved "
                "to %s.",
                len(bad),
                self.record,
                self.damaged,
            )
            self._repair()
        return [e for e in found if name in (None, e.name)]

    def _repair(self) -> None:
        """Under the lock, keep the whole lines and move the damaged ones aside."""
        with self.lock():
            text = self.record.read_text(encoding="utf-8", errors="replace")
            _, bad = _parse_record(text)
            if not bad:
                return
            with open(self.damaged, "a", encoding="utf-8") as aside:
                aside.write("".join(line + "\n" for line in bad))
            bad_lines = set(bad)
            kept = [line for line in text.splitlines() if line and line not in bad_lines]
            partial = partial_name(self.record)
            try:
                partial.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
                replace_durably(partial, self.record)
            finally:
                partial.unlink(missing_ok=True)

    def has(self, snapshot_id: str) -> bool:
        """Whether both the data and the meta file exist."""
        return self.meta_path(snapshot_id).is_file() and self.data_path(snapshot_id).is_file()

    def put_data(self, snapshot_id: str, data: Path) -> None:
        """Move ``data`` into place: it appears whole or not at all, and stays after a crash."""
        target = self.data_path(snapshot_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_durably(data, target)

    def put_meta(self, snapshot_id: str, meta: dict) -> None:
        """Write the meta file atomically and durably."""
        path = self.meta_path(snapshot_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = partial_name(path)
        try:
            partial.write_text(json.dumps(meta))
            replace_durably(partial, path)
        finally:
            partial.unlink(missing_ok=True)

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
        """The data folder itself: the finished file is renamed into place. Partial files that
        writers which died left there are removed first."""
        folder = self.root / "data"
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(folder)
        return folder


def _parse_record(text: str) -> tuple[list[Entry], list[str]]:
    """The entries of a record's text, and its lines that are not whole entries."""
    found, bad, seen = [], [], set()
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if "action" not in data:  # written before reads were told apart: a known id is a read
                data["action"] = READ if (data["name"], data["id"]) in seen else WRITE
            entry = Entry(**data)
            check_snapshot_id(entry.id)
        except (ValueError, TypeError, KeyError):
            bad.append(line)
            continue
        seen.add((entry.name, entry.id))
        found.append(entry)
    return found, bad
