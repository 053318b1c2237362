"""``/nbops/api/schedules``: the schedules nbops installed (Airflow DAG files in the configured
dags folder, lines in the crontab through the configured command), each with its next and last
runs (``GET``); install one for a pipeline file (``POST``, ``dry_run`` first: the lab shows the
crontab line before installing it); remove one (``DELETE /schedules/<to>/<id>``). The schedules
are Airflow's and cron's: they run without this server."""

from __future__ import annotations

import os
import re
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...exceptions import InputError
from ...pipeline.schedules import TARGETS, Crontab, Schedule, dags_folder, find_schedules
from ...pipeline.schedules import install as install_schedule
from ...pipeline.schedules import remove as remove_schedule
from ..models import CreateSchedule
from ..paths import pipeline_file
from .base import NbopsHandler

# any segment reaches the handler, which answers a malformed one 400 in JSON (a route pattern
# would leave it to tornado's HTML 404)
SCHEDULE_ID = r"(?P<to>[^/]+)/(?P<schedule_id>[^/]+)"
_ID = re.compile(r"[A-Za-z0-9_.-]{1,250}")


class _SchedulesBase(NbopsHandler):
    @property
    def folder(self) -> Path | None:
        return dags_folder(self.extensionapp.dags_folder)

    @property
    def crontab(self) -> Crontab | None:
        command = self.extensionapp.crontab_command
        return Crontab(command) if command else None

    def check_cron(self, to: str) -> None:
        """:class:`InputError` for cron when this server has no crontab command."""
        if to == "cron" and self.crontab is None:
            raise InputError(
                "This server does not manage crontab lines (c.NbopsApp.crontab_command is empty).",
                "Schedule with Airflow, or ask the server's operator.",
            )

    def shown(self, schedule: Schedule) -> dict:
        """A schedule with its pipeline also as a path under the root (``None`` outside it)."""
        root = os.path.realpath(self.root_dir)
        pipeline = os.path.realpath(schedule.pipeline)
        inside = pipeline.startswith(root.rstrip(os.sep) + os.sep)
        relative = Path(os.path.relpath(pipeline, root)).as_posix() if inside else None
        return {**schedule.to_dict(), "path": relative}


class SchedulesHandler(_SchedulesBase):
    """Every schedule, and installing one."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        found, problems = await self.blocking(find_schedules, self.folder, self.crontab)
        folder = self.folder
        self.finish(
            {
                "schedules": [self.shown(s) for s in found],
                "problems": problems,
                "dags_folder": str(folder) if folder else None,
                "cron": self.crontab is not None,
            }
        )

    @web.authenticated
    @authorized("execute")
    async def post(self) -> None:
        body = CreateSchedule.parse(self.request.body)
        if body.to not in TARGETS:
            raise InputError(f"Unknown schedule target {body.to!r}.", "Use airflow or cron.")
        self.check_cron(body.to)
        path = pipeline_file(self.root_dir, body.path)
        done = await self.blocking(
            install_schedule, path, body.cron, body.to, self.folder, self.crontab,
            bool(body.monitor), bool(body.dry_run),
        )  # fmt: skip
        self.set_status(200 if body.dry_run else 201)
        self.finish({**self.shown(done), "installed": not body.dry_run})


class ScheduleHandler(_SchedulesBase):
    """One schedule, by target and id: removing it removes its file or line."""

    @web.authenticated
    @authorized("execute")
    async def delete(self, to: str, schedule_id: str) -> None:
        if to not in TARGETS:
            raise InputError(f"Unknown schedule target {to[:40]!r}.", "Use airflow or cron.")
        if not _ID.fullmatch(schedule_id):
            raise InputError(
                f"{schedule_id[:80]!r} is not a schedule id.",
                "Give the id the Schedules section or `nbops schedules list` shows (nbops_NAME).",
            )
        self.check_cron(to)
        found = await self.blocking(remove_schedule, schedule_id, to, self.folder, self.crontab)
        self.finish({**self.shown(found), "removed": True})
