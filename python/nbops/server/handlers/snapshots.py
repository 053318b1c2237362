"""``GET /nbops/api/snapshots`` (``ListSnapshotsResponse``) and ``/snapshots/<id>``
(``DescribeSnapshot``: schema and profile)."""

from __future__ import annotations

import re
from dataclasses import asdict

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...data.catalog import catalog_for
from ...exceptions import InputError
from .base import NbopsHandler
from .run import check_run_id

SNAPSHOT_ID = r"(?P<snapshot_id>[^/]+)"
_ID = re.compile(r"^[0-9a-f]{8,32}$")


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
        if not _ID.match(snapshot_id):
            raise InputError(f"{snapshot_id!r} is not a snapshot id.", "Give 8 to 32 hex digits.")
        settings, _ = self.notebook_settings()
        catalog = catalog_for(settings)
        entry = await self.blocking(catalog.resolve, snapshot_id)
        meta = await self.blocking(catalog.meta, entry.id)
        uses = [asdict(e) for e in await self.blocking(catalog.entries, entry.name)]
        uses = [u for u in uses if u["id"] == entry.id]
        self.finish(
            {**asdict(entry), "schema": meta["schema"], "profile": meta["profile"], "uses": uses}
        )
