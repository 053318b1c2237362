"""Headless jobs: ``POST /nbops/api/jobs`` (``CreateJob``), ``GET /nbops/api/jobs``
(``ListJobsResponse``), ``GET``/``DELETE /nbops/api/jobs/<id>`` (``DescribeJob``; cancel)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...config import find_project
from ...exceptions import InputError
from ...pipeline.steps import STEPS_DIR, find_step
from ..models import CreateJob
from ..paths import resolve_in_root
from .base import NbopsHandler
from .run import check_run_id

JOB_ID = r"(?P<job_id>[^/]+)"
STEP_REFERENCE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*(@[0-9a-f]{4,64})?")


def exported_step(root: Path, notebook: Path, reference: str) -> str:
    """The folder of the exported step ``NAME[@VERSION]`` in the notebook's project's ``steps/``,
    which must lie inside the server's root; :class:`InputError` for anything else."""
    if not STEP_REFERENCE.fullmatch(reference):
        raise InputError(
            f"The step {reference!r} is not a step name.",
            "Give NAME or NAME@VERSION of a step exported from this notebook's project.",
        )
    project = find_project(notebook.parent, root)
    step = find_step(reference, project / STEPS_DIR, folders=False)
    relative = os.path.relpath(step.folder, os.path.realpath(root))
    return str(resolve_in_root(root, relative, "step"))


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
        notebook = resolve_in_root(self.root_dir, body.notebook, "notebook")
        target = str(notebook)
        if body.step:
            target = await self.blocking(exported_step, self.root_dir, notebook, body.step)
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
    @authorized("read")
    async def get(self, job_id: str) -> None:
        job = self.extensionapp.jobs.get(check_run_id(job_id))
        self.finish(await self.blocking(job.describe))

    @web.authenticated
    @authorized("execute")
    async def delete(self, job_id: str) -> None:
        job = await self.blocking(self.extensionapp.jobs.cancel, check_run_id(job_id))
        self.finish(job.describe())
