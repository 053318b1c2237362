"""``GET /nbops/api/models`` (the notebook's model versions and the monitor runs) and
``POST /nbops/api/runs/<id>/promote`` (``CreatePromotion``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...exceptions import ConfirmationNeeded
from ...loop.monitor import recent_monitors
from ...loop.promote import foreign_models, promote, versions_of
from ...names import SOURCE_TAG
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
    return {
        "versions": versions_of(store, _notebook_run_ids(store, experiment)),
        "monitors": recent_monitors(store),
    }


def _notebook_run_ids(store, experiment: str | None) -> list[str]:
    """The newest runs of a notebook: those in its experiment (MLflow's own runs of it too) and
    its runs in other experiments (a pipeline's steps, found by ``nbops.source``), as the
    report's Model registry section counts them."""
    if experiment is None:
        return [r.run_id for r in store.list_runs(None, RUNS_SEARCHED)]
    own = store.list_runs(experiment, RUNS_SEARCHED)
    steps = store.list_runs(None, RUNS_SEARCHED, tags={SOURCE_TAG: experiment})
    return list(dict.fromkeys(r.run_id for r in [*own, *steps]))


class PromoteHandler(NbopsHandler):
    """Promote a run's model past gates; the decision (promoted or refused) is the answer."""

    @web.authenticated
    @authorized("execute")
    async def post(self, run_id: str) -> None:
        body = CreatePromotion.parse(self.request.body)
        settings, _ = self.notebook_settings()
        run_id, gates, alias = check_run_id(run_id), body.gates or [], body.alias or "champion"
        if not body.confirm:
            foreign = await self.blocking(
                foreign_models, run_id, body.model, gates, body.eval, alias, settings.project
            )
            if foreign:
                raise ConfirmationNeeded(
                    "Promoting this run loads models that you did not register; loading a "
                    "model runs code its author chose.",
                    "Promote again with confirm: true if you trust them.",
                    foreign,
                )
        # loading and scoring models (unpickling) happens in a worker process of its own
        arguments = (run_id, body.model, gates, body.eval, body.target, alias)
        decision = await self.extensionapp.isolated.run(
            promote, *arguments, cwd=str(settings.project)
        )
        self.finish(decision.to_dict())
