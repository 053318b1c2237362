"""Headless jobs: ``POST /nbops/api/jobs`` (``CreateJob``), ``GET /nbops/api/jobs``
(``ListJobsResponse``), ``GET``/``DELETE /nbops/api/jobs/<id>`` (``DescribeJob``; cancel)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...execution.options import RunOptions
from ..models import CreateJob
from ..paths import exported_step
from .base import NbopsHandler
from .run import check_run_id

JOB_ID = r"(?P<job_id>[^/]+)"


class JobsHandler(NbopsHandler):
    """Start a job; list the jobs of this server, newest first."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        jobs = self.extensionapp.jobs.list()
        self.finish({"jobs": await self.blocking(lambda: [j.describe() for j in jobs])})

    @web.authenticated
    @authorized("execute")
    async def post(self) -> None:
        body = CreateJob.parse(self.request.body)
        options = RunOptions.from_values(vars(body))
        notebook = self.existing_notebook(body.notebook)
        target = str(notebook)
        if body.step:
            target = await self.blocking(exported_step, self.root_dir, notebook, body.step)
        job = await self.blocking(
            lambda: self.extensionapp.jobs.create(
                target, body.parameters or {}, notebook.parent, body.kernel, options
            )
        )
        self.set_status(201)
        self.finish(job.describe())


class JobHandler(NbopsHandler):
    """One job's status (cells done / total); cancel it."""

    @web.authenticated
    @authorized("read")
    async def get(self, job_id: str) -> None:
        job = self.extensionapp.jobs.get(check_run_id(job_id))
        self.finish(await self.blocking(job.describe))

    @web.authenticated
    @authorized("execute")
    async def delete(self, job_id: str) -> None:
        job = await self.blocking(self.extensionapp.jobs.cancel, check_run_id(job_id))
        self.finish(job.describe())
