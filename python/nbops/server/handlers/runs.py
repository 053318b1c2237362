"""``GET /nbops/api/runs?notebook=PATH&limit=N``: the newest runs of a notebook."""

from __future__ import annotations

from tornado import web

from ...store import open_store
from .base import NbopsHandler

DEFAULT_LIMIT = 50


class RunsHandler(NbopsHandler):
    """List runs, newest first: of one notebook's experiment, or of the root project's store."""

    @web.authenticated
    async def get(self) -> None:
        limit = self.query_int("limit", DEFAULT_LIMIT, 1, self.extensionapp.max_limit)
        settings, experiment = self.notebook_settings()
        store = open_store(settings)
        runs = await self.blocking(store.list_runs, experiment, limit)
        self.finish(
            {
                "tracking_uri": settings.tracking_uri,
                "experiment": experiment,
                "runs": [run.to_dict() for run in runs],
            }
        )
