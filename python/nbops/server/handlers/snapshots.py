"""``GET /nbops/api/snapshots`` (``ListSnapshotsResponse``), ``/snapshots/<id>``
(``DescribeSnapshot``: schema, profile, version) and ``/snapshots/<id>/diff``
(``DescribeDataDiff``: what changed against another snapshot, by default the previous version)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...data.catalog import Catalog, Entry
from ...data.diff import data_diff
from ...data.registry import catalog_for
from ...exceptions import InputError
from .base import NbopsHandler
from .run import check_run_id

SNAPSHOT_ID = r"(?P<snapshot_id>[^/]+)"
_ID = re.compile(r"^[0-9a-f]{8,32}$")
_COLUMN = re.compile(r"^[^\x00]{1,200}$")
MAX_KEY_COLUMNS = 16


def _check_id(snapshot_id: str) -> str:
    if not _ID.match(snapshot_id):
        raise InputError(f"{snapshot_id!r} is not a snapshot id.", "Give 8 to 32 hex digits.")
    return snapshot_id


def version_of(catalog: Catalog, entry: Entry) -> tuple[int | None, str | None]:
    """The version number of ``entry`` under its name (``None`` if no write of that name has
    its content), and the id of the version before it (``None`` for the first)."""
    ids = [v.id for v in catalog.versions(entry.name)]
    if entry.id not in ids:
        return None, None
    number = len(ids) - ids[::-1].index(entry.id)  # the latest version with this content
    return number, ids[number - 2] if number > 1 else None


class SnapshotsHandler(NbopsHandler):
    """The snapshots of the notebook's project, newest first; ``?run_id=`` those of one run."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        settings, _ = self.notebook_settings()
        run_id = self.query("run_id", None)
        if run_id is not None:
            check_run_id(run_id)
        name = self.query("name", None)
        entries = await self.blocking(catalog_for(settings).entries, name)
        if run_id:
            entries = [e for e in entries if e.run_id == run_id]
        limit = self.query_int("limit", 200, 1, 5000)
        self.finish({"snapshots": [asdict(e) for e in reversed(entries)][:limit]})


class SnapshotHandler(NbopsHandler):
    """One snapshot: its catalog entries, schema and profile."""

    @web.authenticated
    @authorized("read")
    async def get(self, snapshot_id: str) -> None:
        settings, _ = self.notebook_settings()
        catalog = catalog_for(settings)
        entry = await self.blocking(catalog.resolve, _check_id(snapshot_id))
        meta = await self.blocking(catalog.meta, entry.id)
        uses = [asdict(e) for e in await self.blocking(catalog.entries, entry.name)]
        uses = [u for u in uses if u["id"] == entry.id]
        version, previous = await self.blocking(version_of, catalog, entry)
        self.finish(
            {
                **asdict(entry),
                "schema": meta["schema"],
                "profile": meta["profile"],
                "uses": uses,
                "version": version,
                "previous": previous,
            }
        )


class SnapshotDiffHandler(NbopsHandler):
    """What changed from ``?against=`` (``NAME@VERSION``, an id or prefix; default: the previous
    version of the same name) to this snapshot, rows matched by ``?key=`` (columns, comma
    separated) or by position."""

    @web.authenticated
    @authorized("read")
    async def get(self, snapshot_id: str) -> None:
        settings, _ = self.notebook_settings()
        catalog = catalog_for(settings)
        entry = await self.blocking(catalog.resolve, _check_id(snapshot_id))
        key = [k.strip() for k in (self.query("key", "") or "").split(",") if k.strip()]
        if len(key) > MAX_KEY_COLUMNS or not all(_COLUMN.match(k) for k in key):
            raise InputError(
                f"The key {self.query('key')[:80]!r} is not a list of column names.",
                f"Give up to {MAX_KEY_COLUMNS} column names, separated by commas.",
            )
        against = self.query("against", None)
        if against is None:
            _, against = await self.blocking(version_of, catalog, entry)
            if against is None:
                raise InputError(
                    f"Snapshot {entry.id[:12]} is the first version of {entry.name!r}: "
                    "there is no previous version to diff with.",
                    "Give ?against= another snapshot (NAME@VERSION or an id).",
                )
        found = await self.blocking(data_diff, catalog, against, entry.id, key)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({**found.to_dict(), "lines": found.lines()}, allow_nan=False))
