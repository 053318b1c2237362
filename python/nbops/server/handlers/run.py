"""``GET /nbops/api/runs/<id>`` (one run) and ``GET /nbops/api/runs/<id>/report`` (its HTML)."""

from __future__ import annotations

import re

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...exceptions import InputError
from ...reports.charts import metrics_chart
from ...store import open_store
from ...store.history import DEFAULT_MAX_POINTS, downsample_all
from .base import NbopsHandler

RUN_ID = r"(?P<run_id>[^/]+)"
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_POINTS = 100_000  # the most history points one request may ask for, per metric


def check_run_id(run_id: str) -> str:
    """``run_id`` if it looks like one; :class:`InputError` otherwise."""
    if not _RUN_ID.match(run_id):
        raise InputError(f"{run_id!r} is not a run id.", "Run ids are 32 hexadecimal digits.")
    return run_id


class RunHandler(NbopsHandler):
    """Describe one run: params, metrics, tags, artifacts and the data it read and wrote."""

    @web.authenticated
    @authorized("read")
    async def get(self, run_id: str) -> None:
        store = open_store(self.run_settings())
        max_points = self.query_int("max_points", DEFAULT_MAX_POINTS, 2, MAX_POINTS)
        run, artifacts, datasets, history = await self.blocking(
            _describe, store, check_run_id(run_id), max_points
        )
        environment = await self.blocking(_environment, store, run_id)
        self.finish(
            {
                **run.to_dict(),
                "artifacts": artifacts,
                "datasets": datasets,
                "metric_history": history,
                "chart": run_chart(history),
                "environment": environment,
            }
        )

    def run_settings(self):
        """The store of ``?notebook=PATH`` (the root project's when absent)."""
        settings, _ = self.notebook_settings()
        return settings


class ReportHandler(RunHandler):
    """Serve a run's report as a sandboxed HTML page (no script may run in it)."""

    @web.authenticated
    @authorized("read")
    async def get(self, run_id: str) -> None:
        settings = self.run_settings()
        no_input = self.query_bool("no_input")
        against = self.query("against", "auto")
        if against not in ("auto", "none"):
            check_run_id(against)
        html = await self.blocking(_report_html, settings, check_run_id(run_id), no_input, against)
        self.set_header(
            "Content-Security-Policy",
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; sandbox",
        )
        # APIHandler.finish sets JSON's type unless told: the browser would show the source
        self.finish(html, set_content_type="text/html; charset=UTF-8")


def run_chart(history: dict[str, list[dict]]) -> dict:
    """The sidebar's chart of one run: a line per metric (``{title, spec}``)."""
    series = {name: [(p["step"], p["value"]) for p in points] for name, points in history.items()}
    return metrics_chart(series).to_dict()


def _describe(store, run_id: str, max_points: int = DEFAULT_MAX_POINTS):
    run = store.get_run(run_id)
    history = downsample_all(store.metric_history(run_id), max_points)
    return run, store.list_artifacts(run_id), store.datasets(run_id), history


def _environment(store, run_id: str) -> dict | None:
    """The run's environment summary (no package list: that is the compare view's)."""
    import json

    from ...exceptions import NotFoundError
    from ...names import ENVIRONMENT_FILE

    try:
        env = json.loads(store.load_text(run_id, ENVIRONMENT_FILE))
    except NotFoundError:  # a run made without environment capture; an outage is a 500
        return None
    packages = env.pop("packages", {}) or {}
    env.pop("git_diff", None)
    return {**env, "package_count": len(packages)}


def _report_html(settings, run_id: str, no_input: bool, against: str) -> str:
    from ...data.registry import catalog_for
    from ...reports.build import report_html

    return report_html(
        open_store(settings),
        run_id,
        no_input,
        against=None if against == "none" else against,
        catalog=catalog_for(settings),
    )
