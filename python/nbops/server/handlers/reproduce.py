"""``POST /nbops/api/runs/<id>/reproduce`` (``CreateReproduction``) and
``GET /nbops/api/reproductions/<id>`` (``DescribeReproduction``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..models import CreateReproduction
from .base import NbopsHandler
from .run import check_run_id

REPRODUCTION_ID = r"(?P<reproduction_id>[^/]+)"


class ReproduceHandler(NbopsHandler):
    """Start reproducing a run; 202 with the reproduction to poll."""

    @web.authenticated
    @authorized("execute")
    async def post(self, run_id: str) -> None:
        body = CreateReproduction.parse(self.request.body)
        settings, _ = self.notebook_settings()
        item = await self.blocking(
            self.extensionapp.reproductions.start, settings, check_run_id(run_id), body
        )
        self.set_status(202)
        self.finish(item.describe())


class ReproductionHandler(NbopsHandler):
    """A reproduction's state: RUNNING, then DONE with the verdict (or ERROR)."""

    @web.authenticated
    @authorized("read")
    async def get(self, reproduction_id: str) -> None:
        self.finish(self.extensionapp.reproductions.get(check_run_id(reproduction_id)).describe())
