"""``GET /nbops/api/lineage?of=REF`` (``DescribeLineage``): snapshots, runs and model versions
around a run, a snapshot or a model version, as nodes and edges (and Mermaid text)."""

from __future__ import annotations

import re

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...data.lineage import MAX_DEPTH, lineage
from ...data.registry import catalog_for
from ...exceptions import InputError
from ...store import open_store
from .base import NbopsHandler

_REFERENCE = re.compile(r"^[^\x00-\x1f]{1,300}$")


class LineageHandler(NbopsHandler):
    """The lineage graph around ``?of=`` (a run id or prefix, ``NAME@VERSION``, ``MODEL/VERSION``)
    within ``?depth=`` hops (default 2)."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        reference = self.query("of", "") or ""
        if not _REFERENCE.match(reference):
            raise InputError(
                f"?of={reference[:80]!r} names no run, snapshot or model version.",
                "Give a run id (or its first 8 characters), NAME@VERSION or MODEL/VERSION.",
            )
        depth = self.query_int("depth", 2, 1, MAX_DEPTH)
        settings, _ = self.notebook_settings()
        found = await self.blocking(
            lineage, open_store(settings), catalog_for(settings), reference, depth
        )
        self.finish({**found.to_dict(), "mermaid": found.render("mermaid")})
