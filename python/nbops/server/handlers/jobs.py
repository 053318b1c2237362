"""Headless jobs: ``POST /nbops/api/jobs`` (``CreateJob``), ``GET /nbops/api/jobs``
(``ListJobsResponse``), ``GET``/``DELETE /nbops/api/jobs/<id>`` (``DescribeJob``; cancel)."""

from __future__ import annotations

from tornado import web

from ..models import CreateJob
from ..paths import resolve_in_root
from .base import NbopsHandler
from .run import check_run_id

JOB_ID = r"(?P<job_id>[^/]+)"


class JobsHandler(NbopsHandler):
    """Start a job; list the jobs of this server, newest first."""

    @web.authenticated
    async def get(self) -> None:
        self.finish({"jobs": [j.describe() for j in self.extensionapp.jobs.list()]})

    @web.authenticated
    async def post(self) -> None:
        body = CreateJob.parse(self.request.body)
        notebook = resolve_in_root(self.root_dir, body.notebook, "notebook")
        target = body.step or str(notebook)
        job = await self.blocking(
            lambda: self.extensionapp.jobs.create(
                target, body.parameters or {}, notebook.parent, body.kernel, body.run_timeout
            )
        )
        self.set_status(201)
        self.finish(job.describe())


class JobHandler(NbopsHandler):
    """One job's status (cells done / total); cancel it."""

    @web.authenticated
    async def get(self, job_id: str) -> None:
        self.finish(self.extensionapp.jobs.get(check_run_id(job_id)).describe())

    @web.authenticated
    async def delete(self, job_id: str) -> None:
        job = await self.blocking(self.extensionapp.jobs.cancel, check_run_id(job_id))
        self.finish(job.describe())
