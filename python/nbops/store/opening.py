"""Opening many runs at once, for a coordinator that dispatches thousands of tasks.

MLflow opens a run with two calls (``create_run``, then ``log_batch`` for its parameters), each its
own transaction: ~25 ms on the embedded SQLite store, a round trip each on a server. Here:

- **A database store** (``sqlite:``, ``postgresql:``, ... in this process): every run of a batch
  is written with MLflow's own ORM models (``SqlRun``, ``SqlTag``, ``SqlParam``) in one
  transaction, filled as MLflow's ``create_run`` fills them, after MLflow's own validation of
  the parameters and tags. One commit for the batch instead of two per run.
- **A tracking server**: the runs are opened through its REST API, several requests at once;
  one request per run when the caller leaves the parameters to the run's worker (a
  coordinator's runs: :mod:`nbops.execution.coordinator`).
"""

from __future__ import annotations

import inspect
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

SERVER_REQUESTS_AT_ONCE = 16
DATABASE_SCHEMES = {"sqlite", "postgresql", "mysql", "mssql"}
#: MLflow's names that MLflow does not promise to keep, used here and nowhere else in nbops
#: (tests/store/test_mlflow_private_api.py checks each against the MLflow installed)
PRIVATE_API = (
    "mlflow.utils.name_utils:_generate_random_name",
    "mlflow.utils.validation:_validate_batch_log_data",
    "mlflow.store.tracking.sqlalchemy_store:SqlAlchemyStore._check_experiment_is_active",
    "mlflow.store.tracking.sqlalchemy_store:SqlAlchemyStore().ManagedSessionMaker",
    "mlflow.store.tracking.dbmodels.models:SqlRun",
    "mlflow.store.tracking.dbmodels.models:SqlTag",
    "mlflow.store.tracking.dbmodels.models:SqlParam",
    "mlflow.tracking.client:MlflowClient()._tracking_client.store",
)


@dataclass
class RunRequest:
    """One run to open: its name, tags and parameters (values as text)."""

    name: str | None
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    run_id: str | None = None  # chosen by the caller: only a database store allows it


def chooses_run_ids(uri: str) -> bool:
    """Whether runs of tracking ``uri`` can be opened with ids nbops chose (a database store,
    which nbops writes through MLflow's ORM); known without importing MLflow."""
    return uri.split(":", 1)[0].split("+", 1)[0] in DATABASE_SCHEMES


def start_runs(
    store, experiment: str, requests: list[RunRequest], experiment_id: str | None = None
) -> list[str]:
    """Open a RUNNING run for each request in ``experiment`` (created if needed; its id when
    the caller knows it) of ``store`` (an :class:`~nbops.store.mlflow.MlflowStore`); return
    their ids in order."""
    if not requests:
        return []
    experiment_id = experiment_id or store.experiment_id(experiment, create=True)
    database = _database_store(store)
    if database is not None:
        return _in_one_transaction(database, experiment_id, requests)
    if any(r.run_id for r in requests):
        raise ValueError(f"The tracking store {store.uri} chooses its runs' ids.")
    with ThreadPoolExecutor(min(SERVER_REQUESTS_AT_ONCE, len(requests))) as pool:
        return list(pool.map(lambda r: _one_by_one(store, experiment_id, r), requests))


def _one_by_one(store, experiment_id: str, request: RunRequest) -> str:
    """Two requests: the run with its tags, then its parameters."""
    run = store.client.create_run(experiment_id, tags=request.tags, run_name=request.name)
    if request.params:
        store.log_batch(run.info.run_id, params=request.params)
    return run.info.run_id


def _database_store(store):
    """MLflow's SQLAlchemy store behind ``store``'s client, ``None`` for any other."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    client = getattr(store, "client", None)
    backend = getattr(getattr(client, "_tracking_client", None), "store", None)
    return backend if isinstance(backend, SqlAlchemyStore) else None


def _in_one_transaction(database, experiment_id: str, requests: list[RunRequest]) -> list[str]:
    from mlflow.entities import LifecycleStage, Param, RunStatus, RunTag, SourceType
    from mlflow.store.tracking.dbmodels.models import SqlParam, SqlRun, SqlTag
    from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME, MLFLOW_USER
    from mlflow.utils.name_utils import _generate_random_name
    from mlflow.utils.uri import append_to_uri_path
    from mlflow.utils.validation import _validate_batch_log_data

    experiment = database.get_experiment(experiment_id)
    database._check_experiment_is_active(experiment)
    now = int(time.time() * 1000)
    run_ids, rows = [], []
    for request in requests:
        name = request.name or request.tags.get(MLFLOW_RUN_NAME) or _generate_random_name()
        tags = {**request.tags, MLFLOW_RUN_NAME: name}
        _, params, tag_list = _validate_batch_log_data(  # as MLflow checks (and truncates)
            [], [Param(k, v) for k, v in request.params.items()],
            [RunTag(k, v) for k, v in tags.items()],
        )  # fmt: skip
        run_id = request.run_id or uuid.uuid4().hex
        rows.append(
            SqlRun(
                name=name,
                artifact_uri=append_to_uri_path(experiment.artifact_location, run_id, "artifacts"),
                run_uuid=run_id,
                experiment_id=int(experiment_id),
                source_type=SourceType.to_string(SourceType.UNKNOWN),
                source_name="",
                entry_point_name="",
                user_id=tags.get(MLFLOW_USER, "unknown"),
                status=RunStatus.to_string(RunStatus.RUNNING),
                start_time=now,
                end_time=None,
                deleted_time=None,
                source_version="",
                lifecycle_stage=LifecycleStage.ACTIVE,
            )
        )
        rows += [SqlTag(key=t.key, value=t.value, run_uuid=run_id) for t in tag_list]
        rows += [SqlParam(key=p.key, value=p.value, run_uuid=run_id) for p in params]
        run_ids.append(run_id)
    with _write_session(database) as session:
        session.add_all(rows)
    return run_ids


def _write_session(database):
    """A session of MLflow's SQL store that may write: newer MLflow 3.x opens read-only
    sessions unless told ``read_only=False``; earlier releases take no argument (every session
    writes)."""
    maker = database.ManagedSessionMaker
    if "read_only" in inspect.signature(maker).parameters:
        return maker(read_only=False)
    return maker()
