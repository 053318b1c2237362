"""``GET /nbops/api/runs``: a page of a notebook's runs, sorted and filtered (``ListRunsQuery``)."""

from __future__ import annotations

from tornado import web

from ...store import open_store
from ..models import ListRunsQuery
from .base import NbopsHandler

DEFAULT_LIMIT = 50


class RunsHandler(NbopsHandler):
    """A page of the runs of one notebook (or of the root project): ``ListRunsResponse``."""

    @web.authenticated
    async def get(self) -> None:
        query = ListRunsQuery(
            limit=self.query_int("limit", DEFAULT_LIMIT, 1, self.extensionapp.max_limit),
            sort=self.get_query_argument("sort", "start_time"),
            order=self.get_query_argument("order", "desc"),
            status=self.get_query_argument("status", None) or None,
            page_token=self.get_query_argument("page_token", None) or None,
        )
        settings, experiment = self.notebook_settings()
        store = open_store(settings)
        runs, token = await self.blocking(
            lambda: store.runs_page(
                experiment, query.limit, query.status, query.sort, query.order == "desc",
                query.page_token,
            )
        )  # fmt: skip
        self.finish(
            {
                "tracking_uri": settings.tracking_uri,
                "experiment": experiment,
                "runs": [run.to_dict() for run in runs],
                "next_page_token": token,
            }
        )
