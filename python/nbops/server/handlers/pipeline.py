"""``GET /nbops/api/pipeline?path=`` (``DescribePipeline``): a pipeline file's steps, its DAG and
how its last run went, step by step (the lab's pipeline view asks again while it runs), and the
executors installed; ``POST`` runs it on one of them (default: the server extension's)."""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...execution.executors import executor_names
from ...pipeline.state import pipeline_state
from ..models import CreatePipelineRun
from ..paths import pipeline_file
from .base import NbopsHandler


class PipelineHandler(NbopsHandler):
    """One pipeline file inside the server's root; a malformed file is a 400 naming the problem."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        path = self._pipeline(self.query("path", "") or "")
        state = await self.blocking(pipeline_state, path)
        pipelines = self.extensionapp.pipelines
        self.finish({**state, "running_here": pipelines.running(path),
                     "executor": pipelines.executor, "executors": executor_names()})  # fmt: skip

    @web.authenticated
    @authorized("execute")
    async def post(self) -> None:
        body = CreatePipelineRun.parse(self.request.body)
        path = self._pipeline(body.path)
        overrides = [(str(k), str(v)) for k, v in (body.parameters or {}).items()]
        await self.blocking(
            self.extensionapp.pipelines.start, path, overrides, bool(body.force), body.executor
        )
        self.set_status(202)
        self.finish({"path": body.path, "started": True})

    def _pipeline(self, raw: str) -> Path:
        return pipeline_file(self.root_dir, raw)
