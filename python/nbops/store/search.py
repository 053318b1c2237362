"""Searching the runs of an MLflow tracking server (or any store MLflow reads) with its API.

:class:`~nbops.store.mlflow.MlflowStore` answers reads of an embedded store from its tables
(:mod:`nbops.store.reader`); every other store is read here, through ``MlflowClient``'s search
with MLflow's filter syntax. Each function takes the client; none imports MLflow at import time.
"""

from __future__ import annotations

import time

from ..exceptions import InputError
from .base import RunSummary, check_status, check_term

MAX_EXPERIMENTS_PER_SEARCH = 100  # what MLflow's search_runs takes in one call
NEWEST = "attributes.start_time DESC"
FILTER_EXAMPLE = "metrics.rmse < 3 and params.alpha = '0.5'"
NAMES_KEPT_S = 60.0  # how long an experiment's name is used without asking MLflow again


def filter_string(status: str | None = None, tags: dict[str, str] | None = None) -> str:
    """MLflow's filter for runs with ``status`` and every one of ``tags`` (checked terms)."""
    clauses = [f"attributes.status = '{check_status(status)}'"] if status else []
    clauses += [f"tags.`{check_term(k)}` = '{check_term(v)}'" for k, v in (tags or {}).items()]
    return " and ".join(clauses)


def order_by(sort: str, descending: bool = True) -> list[str]:
    """MLflow's ``order_by`` for a sort by ``start_time``, ``metrics.NAME`` or ``params.NAME``
    (ties: newest first); :class:`InputError` for any other sort."""
    direction = "DESC" if descending else "ASC"
    if sort == "start_time":
        return [f"attributes.start_time {direction}"]
    for kind in ("metrics", "params"):
        name = sort[len(kind) + 1 :] if sort.startswith(f"{kind}.") else ""
        if name:
            return [f"{kind}.`{check_term(name)}` {direction}", NEWEST]
    raise InputError(
        f"Cannot sort runs by {sort!r}.", "Use start_time, metrics.NAME or params.NAME."
    )


def search_page(
    client,
    experiment_ids: list[str],
    query: str,
    limit: int,
    order: list[str],
    page_token: str | None = None,
    where: str | None = None,
) -> tuple[list, str | None]:
    """One page of MLflow ``Run`` objects and the next page's token; a filter (``where``) or a
    page token MLflow refuses is the user's :class:`InputError`, naming it."""
    from mlflow.exceptions import MlflowException

    try:
        runs = client.search_runs(
            experiment_ids, query, max_results=limit, page_token=page_token, order_by=order
        )
    except MlflowException as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else err.error_code
        if where and err.error_code == "INVALID_PARAMETER_VALUE" and "token" not in reason:
            raise InputError(
                f"The filter {where!r} is not valid: {reason}",
                f"Use MLflow's search syntax, e.g. {FILTER_EXAMPLE}.",
            ) from err
        if page_token:
            raise InputError(
                f"The page token {page_token!r} is not valid.", "Start again."
            ) from err
        raise
    token = runs.token.decode() if isinstance(runs.token, bytes) else runs.token
    return list(runs), token or None


class ExperimentNames:
    """The names of experiments by id, each asked of MLflow at most once a minute: every
    ``get_run`` names its run's experiment (a worker asks three times per run, each a request
    to a server), and a renamed experiment shows its new name within ``NAMES_KEPT_S``."""

    def __init__(self, client) -> None:
        self.client = client
        self._known: dict[str, tuple[str, float]] = {}  # id: (name, when asked)

    def __call__(self, ids: list[str]) -> dict[str, str]:
        """The names of the experiments ``ids``."""
        now, names = time.monotonic(), {}
        for i in ids:
            name, asked = self._known.get(i, ("", -NAMES_KEPT_S))
            if now - asked >= NAMES_KEPT_S:
                name = self.client.get_experiment(i).name
                self._known[i] = (name, now)
            names[i] = name
        return names


def summary(run, names: dict[str, str]) -> RunSummary:
    """What nbops shows of an MLflow ``Run`` (``names``: experiment ids to names)."""
    info, data = run.info, run.data
    return RunSummary(
        run_id=info.run_id,
        name=info.run_name or "",
        experiment=names.get(info.experiment_id, info.experiment_id),
        status=info.status,
        start_time=info.start_time,
        end_time=info.end_time,
        params=dict(data.params),
        metrics=dict(data.metrics),
        tags=dict(data.tags),
        experiment_id=info.experiment_id,
    )


def run_ids_starting(client, prefix: str, limit: int) -> list[str]:
    """Up to ``limit`` ids of runs (deleted ones too) that start with ``prefix``, which the
    caller has checked is hexadecimal."""
    from mlflow.entities import ViewType

    experiments = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
    found: list[str] = []
    for start in range(0, len(experiments), MAX_EXPERIMENTS_PER_SEARCH):
        runs = client.search_runs(
            experiments[start : start + MAX_EXPERIMENTS_PER_SEARCH],
            filter_string=f"attributes.run_id LIKE '{prefix}%'",
            run_view_type=ViewType.ALL,
            max_results=limit,
        )
        found += [r.info.run_id for r in runs]
    return found[:limit]
