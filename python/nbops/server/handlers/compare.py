"""``GET /nbops/api/compare?ids=A,B[,C...][&by=step|time]``: what differs between runs
(``DescribeComparison``), the metric histories charted by step or by time."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...data.registry import catalog_for
from ...exceptions import InputError
from ...reports.compare import compare_runs
from ...store import open_store
from ...store.history import DEFAULT_MAX_POINTS
from .base import NbopsHandler
from .run import MAX_POINTS, check_run_id


class CompareHandler(NbopsHandler):
    """Params, metrics (with history), environment, data and code differences of 2-10 runs."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        raw = self.query("ids", "")
        ids = [check_run_id(i) for i in raw.split(",")] if raw else []
        by = self.query("by", "step")
        if by not in ("step", "time"):
            raise InputError(f"The query argument by={by!r} is not valid.", "Give step or time.")
        max_points = self.query_int("max_points", DEFAULT_MAX_POINTS, 2, MAX_POINTS)
        settings, _ = self.notebook_settings()
        store = open_store(settings)
        catalog = catalog_for(settings)
        found = await self.blocking(compare_runs, store, ids, by, max_points, catalog)
        self.finish(found)
