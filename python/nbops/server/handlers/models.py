"""``GET /nbops/api/models`` (the notebook's model versions and the monitor runs) and
``POST /nbops/api/runs/<id>/promote`` (``CreatePromotion``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...loop.monitor import recent_monitors
from ...loop.promote import promote, versions_of
from ...store import open_store
from ..models import CreatePromotion
from .base import NbopsHandler
from .run import check_run_id

RUNS_SEARCHED = 200


class ModelsHandler(NbopsHandler):
    """The model versions registered from this notebook's runs; the newest monitor runs."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        settings, experiment = self.notebook_settings()
        store = open_store(settings)
        self.finish(await self.blocking(_describe, store, experiment))


def _describe(store, experiment: str | None) -> dict:
    runs = store.list_runs(experiment, RUNS_SEARCHED)
    return {
        "versions": versions_of(store, [r.run_id for r in runs]),
        "monitors": recent_monitors(store),
    }


class PromoteHandler(NbopsHandler):
    """Promote a run's model past gates; the decision (promoted or refused) is the answer."""

    @web.authenticated
    @authorized("execute")
    async def post(self, run_id: str) -> None:
        body = CreatePromotion.parse(self.request.body)
        settings, _ = self.notebook_settings()
        decision = await self.blocking(
            lambda: promote(
                check_run_id(run_id),
                body.model,
                body.gates or [],
                body.eval,
                body.target,
                body.alias or "champion",
                cwd=settings.project,
            )
        )
        self.finish(decision.to_dict())
