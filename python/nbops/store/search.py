"""Searching the runs of an MLflow tracking server (or any store MLflow reads) with its API.

:class:`~nbops.store.mlflow.MlflowStore` answers reads of an embedded store from its tables
(:mod:`nbops.store.reader`); every other store is read here, through ``MlflowClient``'s search
with MLflow's filter syntax. Each function takes the client; none imports MLflow at import time.
"""

from __future__ import annotations

from .base import RunSummary, check_status, check_term

MAX_EXPERIMENTS_PER_SEARCH = 100  # what MLflow's search_runs takes in one call


def filter_string(status: str | None = None, tags: dict[str, str] | None = None) -> str:
    """MLflow's filter for runs with ``status`` and every one of ``tags`` (checked terms)."""
    clauses = [f"attributes.status = '{check_status(status)}'"] if status else []
    clauses += [f"tags.`{check_term(k)}` = '{check_term(v)}'" for k, v in (tags or {}).items()]
    return " and ".join(clauses)


def experiment_names(client, ids: list[str]) -> dict[str, str]:
    """The names of the experiments ``ids``."""
    return {i: client.get_experiment(i).name for i in ids}


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
