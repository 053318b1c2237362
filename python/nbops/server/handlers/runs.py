"""``GET /nbops/api/runs``: a page of a notebook's runs, sorted and filtered (``ListRunsQuery``).

A notebook's runs are every run that executed it, in any experiment: its interactive runs,
headless runs and jobs, sweep trials, pipeline steps and reproductions (the ``nbops.source``
tag). The parents of the page's runs that are not on it come with the page, so the sidebar can
nest a pipeline's step under its pipeline.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...exceptions import NotFoundError
from ...names import PARENT_TAG, SOURCE_TAG
from ...store import RunSummary, Store, open_store
from ...store.adoption import adopt_untagged_runs
from ..models import ListRunsQuery
from .base import NbopsHandler

DEFAULT_LIMIT = 50


class RunsHandler(NbopsHandler):
    """A page of the runs of one notebook (or of the root project): ``ListRunsResponse``."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        query = ListRunsQuery(
            limit=self.query_int("limit", DEFAULT_LIMIT, 1, self.extensionapp.max_limit),
            sort=self.query("sort", "start_time"),
            order=self.query("order", "desc"),
            status=self.query("status", None),
            page_token=self.query("page_token", None) or None,
            filter=self.query("filter", None) or None,
        )
        settings, notebook = self.notebook_settings()
        store = open_store(settings)
        tags = {SOURCE_TAG: notebook} if notebook else None

        def page() -> tuple[list[RunSummary], str | None, list[RunSummary]]:
            if notebook:  # runs recorded there before nbops tagged them are the notebook's too
                adopt_untagged_runs(store, notebook)
            runs, token = store.runs_page(
                None, query.limit, query.status, query.sort, query.order == "desc",
                query.page_token, tags, query.filter,
            )  # fmt: skip
            return runs, token, missing_parents(store, runs)

        runs, token, parents = await self.blocking(page)
        self.finish(
            {
                "tracking_uri": settings.display_uri,
                "experiment": notebook,
                "runs": [run.to_dict() for run in runs],
                "parents": [run.to_dict() for run in parents],
                "next_page_token": token,
            }
        )


def missing_parents(store: Store, runs: list[RunSummary]) -> list[RunSummary]:
    """The parent runs (a pipeline's, a sweep's) of ``runs`` that are not among them; a parent
    that no longer exists is left out (its children show at the top level)."""
    shown = {run.run_id for run in runs}
    wanted = sorted({run.tags[PARENT_TAG] for run in runs if run.tags.get(PARENT_TAG)} - shown)
    found = []
    for run_id in wanted:
        try:
            found.append(store.get_run(run_id))
        except NotFoundError:
            continue
    return found
