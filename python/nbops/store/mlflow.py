"""The default store: any MLflow tracking URI, the embedded SQLite store included.

MLflow is imported on first use, never at import time, so ``%load_ext nbops`` stays fast.
"""

from __future__ import annotations

import os
import time
from functools import cached_property
from pathlib import Path

from ..config import environment_variables
from ..exceptions import AccessError, InputError, NotFoundError, StoreUnavailableError
from ..names import RUN_ID_VARIABLE, is_snapshot_experiment
from .access import GuardedClient, access_error
from .artifact_clients import check_artifact_client
from .base import SAFE_TERM, Metric, RunSummary, Store, check_status
from .health import wait_until_answering
from .model_registry import ModelRegistry
from .reader import SqliteReader, sqlite_path, token_offset
from .schema import add_indexes, quiet_migrations, schema_lock
from .search import (
    NEWEST,
    ExperimentNames,
    filter_string,
    order_by,
    run_ids_starting,
    search_page,
    summary,
)

RECONNECT_S = 60.0  # how long a server that answered before may take to answer again
MAX_PARAMS_PER_BATCH = 100
MAX_METRICS_PER_BATCH = 1000
MAX_HISTORY_KEYS = 50
NOT_FOUND_CODES = ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")  # MlflowException codes


class MlflowStore(Store):
    """A store backed by an MLflow tracking server or database.

    Parameters
    ----------
    uri:
        Any MLflow tracking URI (``sqlite:///...``, ``http(s)://...``, ``databricks``, ...).
    artifact_root:
        Artifact location given to experiments nbops creates; ``None`` keeps MLflow's default.
    hint:
        Appended to errors about this store: how the user can change the URI.
    """

    def __init__(self, uri: str, artifact_root: str | None = None, hint: str = "") -> None:
        super().__init__(uri, artifact_root)
        self.hint = hint
        self._reader: SqliteReader | None = None

    @property
    def reader(self) -> SqliteReader | None:
        """The MLflow-free reader of an embedded (SQLite) store whose database exists."""
        path = sqlite_path(self.uri)
        if self._reader is None and path is not None:
            self._reader = SqliteReader.open(path)
        return self._reader

    def _no_database(self) -> bool:
        """Whether this is a SQLite store whose database was never created (so has no runs)."""
        path = sqlite_path(self.uri)
        return path is not None and not path.exists() and "client" not in self.__dict__

    def _unavailable(self, err: BaseException | str) -> StoreUnavailableError | AccessError:
        """The error to raise for ``err``: a refusal (401, 403) as itself, anything else as
        the store being unavailable."""
        refused = access_error(self.uri, err) if isinstance(err, BaseException) else None
        if refused is not None:
            return refused
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return StoreUnavailableError(self.uri, reason, self.hint)

    @cached_property
    def client(self):
        """The ``MlflowClient`` of this store, created (and for SQLite, migrated) on first use."""
        self._probe()
        self._prepare_sqlite_folder()
        if self.display_uri != self.uri:
            # MLflow prints "View run ... at: <tracking URI>/#/..." as runs end, credentials
            # included: a URI that holds them is never printed
            os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] = "true"
        from mlflow.tracking import MlflowClient

        try:
            with schema_lock(self.uri), quiet_migrations():
                client = GuardedClient(MlflowClient(tracking_uri=self.uri), self.uri)
                client.search_experiments(max_results=1)
                add_indexes(self.uri)
        except Exception as err:
            raise self._unavailable(err) from err
        return client

    @cached_property
    def _names(self) -> ExperimentNames:
        return ExperimentNames(self.client)

    def _probe(self) -> None:
        """Fail within seconds, not minutes of MLflow's retries, when a server does not answer.

        In a worker or the kernel of a headless run (``patient``), a server that answered before
        gets ``RECONNECT_S`` to answer again: it may be restarting. Elsewhere values stay queued.
        """
        if not self.uri.startswith(("http://", "https://")):
            return
        patient = self.patient or bool(os.environ.get(RUN_ID_VARIABLE))
        err = wait_until_answering(self.uri, RECONNECT_S if patient else 0.0)
        if err is not None:
            raise self._unavailable(getattr(err, "reason", err)) from err

    def _prepare_sqlite_folder(self) -> None:
        if self.uri.startswith("sqlite:///"):
            folder = Path(self.uri[len("sqlite:///") :]).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise self._unavailable(err) from err

    def warm_up(self) -> None:
        """Create the MLflow client now (importing MLflow, opening the database)."""
        self.client  # noqa: B018 - the property creates it

    def check(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the store answers."""
        if "client" not in self.__dict__ and self.reader is not None:
            return
        if "client" in self.__dict__:
            try:
                self.client.search_experiments(max_results=1)
            except Exception as err:
                del self.__dict__["client"]
                raise self._unavailable(err) from err
        else:
            self.client  # noqa: B018 - creating the client checks the store

    def experiment_id(self, name: str, create: bool = False) -> str | None:
        """Return the id of experiment ``name`` (created if ``create``), or ``None`` if absent.
        With ``create`` (a run is about to open in it), its artifact location must be reachable
        from here (:func:`~nbops.store.artifact_clients.check_artifact_client`)."""
        if not create and self._no_database():
            return None
        if not create and self.reader is not None:
            return next(iter(self.reader.experiments(name)), None)
        experiment = self.client.get_experiment_by_name(name)
        if experiment is not None and experiment.lifecycle_stage == "deleted" and create:
            number = experiment.experiment_id
            raise InputError(
                f"The experiment {name!r} (id {number}) was deleted in {self.display_uri}.",
                f"Restore it: mlflow experiments restore --experiment-id {number}.",
            )
        if experiment is None and create:
            experiment = self._create_experiment(name)
        if experiment is not None and create:
            check_artifact_client(experiment.artifact_location or "")
        return experiment.experiment_id if experiment is not None else None

    def _create_experiment(self, name: str):
        from mlflow.exceptions import MlflowException

        location = None
        if self.artifact_root:
            location = Path(self.artifact_root).resolve().as_uri()
        try:
            return self.client.get_experiment(self.client.create_experiment(name, location))
        except MlflowException as err:  # another process created it meanwhile: use that one
            if err.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
            return self.client.get_experiment_by_name(name)

    def start_run(
        self, experiment: str, name: str | None = None, tags: dict[str, str] | None = None
    ) -> str:
        """Start a run in ``experiment`` (created if needed) and return its id."""
        experiment_id = self.experiment_id(experiment, create=True)
        run = self.client.create_run(experiment_id, tags=tags or {}, run_name=name)
        return run.info.run_id

    def log_batch(
        self,
        run_id: str,
        params: dict[str, object] | None = None,
        metrics: list[Metric] | None = None,
        tags: dict[str, str] | None = None,
    ) -> None:
        """Record params, metrics and tags of a run in as few MLflow calls as its limits allow."""
        from mlflow.entities import Metric as MlflowMetric
        from mlflow.entities import Param, RunTag

        self._probe()
        now = int(time.time() * 1000)
        param_items = [Param(k, str(v)) for k, v in (params or {}).items()]
        metric_items = [
            MlflowMetric(m.key, float(m.value), m.timestamp or now, m.step) for m in metrics or []
        ]
        tag_items = [RunTag(k, str(v)) for k, v in (tags or {}).items()]
        while param_items or metric_items or tag_items:
            self.client.log_batch(
                run_id,
                params=param_items[:MAX_PARAMS_PER_BATCH],
                metrics=metric_items[:MAX_METRICS_PER_BATCH],
                tags=tag_items[:MAX_PARAMS_PER_BATCH],
            )
            param_items = param_items[MAX_PARAMS_PER_BATCH:]
            metric_items = metric_items[MAX_METRICS_PER_BATCH:]
            tag_items = tag_items[MAX_PARAMS_PER_BATCH:]

    def end_run(self, run_id: str, status: str = "FINISHED") -> None:
        """Mark a run as ended with ``status``."""
        check_status(status)
        terminate(self.client, run_id, status)

    def log_artifact(self, run_id: str, local_path: str, artifact_path: str | None = None) -> None:
        """Copy a local file into the run's artifacts, under the folder ``artifact_path``."""
        self.client.log_artifact(run_id, local_path, artifact_path)

    def load_text(self, run_id: str, artifact_file: str) -> str:
        """Return the text of one of the run's artifacts; NotFoundError if absent."""
        local = self.reader.local_artifact(run_id, artifact_file) if self.reader else None
        if local is not None:  # an embedded store's artifact: read without MLflow
            try:
                return local.read_text(encoding="utf-8")
            except FileNotFoundError as err:
                raise _no_artifact(run_id, artifact_file) from err
            except OSError as err:
                raise self._unavailable(f"reading {local}: {err}") from err
        import tempfile

        from mlflow.exceptions import MlflowException

        self._run(run_id)  # an unknown run is NotFoundError
        try:  # through this store's client: MLflow's global tracking URI may point elsewhere
            with (
                tempfile.TemporaryDirectory() as tmp,
                environment_variables({"MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false"}),
            ):
                local = self.client.download_artifacts(run_id, artifact_file, tmp)
                return Path(local).read_text(encoding="utf-8")
        except (MlflowException, OSError) as err:
            if not self._has_artifact(run_id, artifact_file):
                raise _no_artifact(run_id, artifact_file) from err
            raise self._unavailable(f"reading {artifact_file!r} of run {run_id}: {err}") from err

    def _has_artifact(self, run_id: str, artifact_file: str) -> bool:
        """Whether the run lists ``artifact_file``; a failing listing is an outage, raised."""
        folder = artifact_file.rpartition("/")[0] or None
        try:
            return artifact_file in self.list_artifacts(run_id, folder)
        except Exception as err:
            raise self._unavailable(err) from err

    def list_artifacts(self, run_id: str, folder: str | None = None) -> list[str]:
        """The artifact paths directly under ``folder`` (the top when ``None``)."""
        local = self.reader.list_artifacts(run_id, folder) if self.reader else None
        if local is not None:
            return local
        return [a.path for a in self.client.list_artifacts(run_id, folder)]

    def datasets(self, run_id: str) -> list[dict[str, str]]:
        """The MLflow dataset inputs of the run, with their ``mlflow.data.context`` as role."""
        if self.reader is not None:
            self.get_run(run_id)  # an unknown run is NotFoundError
            return self.reader.datasets(run_id)
        inputs = self._run(run_id).inputs
        found = []
        for item in inputs.dataset_inputs if inputs else []:
            role = next((t.value for t in item.tags if t.key == "mlflow.data.context"), "")
            found.append({"name": item.dataset.name, "digest": item.dataset.digest, "role": role})
        return found

    def log_dataset(
        self,
        run_id: str,
        name: str,
        digest: str,
        source: str,
        role: str,
        schema: str = "",
        profile: str = "",
    ) -> None:
        """Record a dataset input of the run, with our digest and ``role`` as its context."""
        from mlflow.entities import Dataset, DatasetInput, InputTag

        dataset = Dataset(
            name=name,
            digest=digest,
            source_type="local",
            source=source,
            schema=schema or None,
            profile=profile or None,
        )
        tags = [InputTag("mlflow.data.context", role)]
        self.client.log_inputs(run_id, datasets=[DatasetInput(dataset, tags)])

    def log_model(self, run_id: str, model: object, name: str, **options: object) -> str:
        """Log ``model`` in the run with its MLflow flavor and return the model's URI.

        ``options``: ``flavor`` (an ``mlflow.<flavor>`` module name; guessed for scikit-learn),
        ``input_example`` (the signature is inferred from it), ``registered_model_name``.
        """
        from .models import log_model

        _point_mlflow_at(self.uri)
        return log_model(self.client, run_id, model, name, **options)

    def model_versions(self, run_ids: list[str]) -> list[dict]:
        """The model versions registered from ``run_ids``, newest first: model, version, run,
        aliases held, and the promotion's decision, gates, champion and evaluation data."""
        from .models import describe_versions

        run_ids = [r for r in run_ids if SAFE_TERM.match(r)]
        found = self.reader.model_versions(run_ids) if self.reader and run_ids else None
        return found if found is not None else describe_versions(self.client, run_ids)

    @cached_property
    def registry(self) -> ModelRegistry:
        """The model registry of this store (what promotion needs of it)."""
        return ModelRegistry(self)

    def point_mlflow_here(self) -> None:
        """Point MLflow's own API (registry, ``mlflow.pyfunc``, evaluation) at this store."""
        _point_mlflow_at(self.uri)

    def activate(self, run_id: str) -> None:
        """Make ``run_id`` MLflow's active run in this process (``mlflow.*`` calls log into it)."""
        import mlflow

        self.client  # noqa: B018 - the store must answer before MLflow is pointed at it
        active = mlflow.active_run()
        if active is not None and active.info.run_id != run_id:
            mlflow.end_run()  # MLflow still points at that run's store
        _point_mlflow_at(self.uri)
        if active is None or active.info.run_id != run_id:
            mlflow.start_run(run_id=run_id)

    def deactivate(self, run_id: str, status: str = "FINISHED") -> None:
        """End ``run_id`` with ``status``; it stops being MLflow's active run."""
        import mlflow

        check_status(status)
        active = mlflow.active_run()
        if active is not None and active.info.run_id == run_id:
            mlflow.end_run(status)
        else:
            self.end_run(run_id, status)

    def _run(self, run_id: str):
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_run(run_id)
        except MlflowException as err:
            if err.error_code in NOT_FOUND_CODES:
                raise NotFoundError(
                    f"No run with id {run_id!r} in {self.display_uri}.",
                    "Check the id with `nbops runs`.",
                ) from err
            raise self._unavailable(err) from err

    def get_run(self, run_id: str) -> RunSummary:
        """Return one run; :class:`NotFoundError` if there is none."""
        if self.reader is not None:
            found = self.reader.run(run_id)
            if found is None:
                raise NotFoundError(
                    f"No run with id {run_id!r} in {self.display_uri}.",
                    "Check the id with `nbops runs`.",
                )
            return found
        run = self._run(run_id)
        return summary(run, self._names([run.info.experiment_id]))

    def list_runs(
        self,
        experiment: str | None = None,
        limit: int = 50,
        status: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> list[RunSummary]:
        """Return the newest runs of ``experiment`` (every experiment if ``None``), newest first,
        only those with ``status`` and with every one of ``tags`` if given."""
        if self._no_database():
            return []
        if self.reader is not None:
            experiments = self.reader.experiments(experiment)
            if status:
                check_status(status)
            return (
                self.reader.page(
                    experiments, limit, status=status, tags=tags, every=experiment is None
                )
                if experiments
                else []
            )
        ids = self._experiment_ids(experiment)
        if not ids:
            return []
        runs = self.client.search_runs(
            ids, filter_string(status, tags), max_results=limit, order_by=[NEWEST]
        )
        names = self._names(ids)
        return [summary(run, names) for run in runs]

    def metric_history(self, run_id: str) -> dict[str, list[dict[str, float]]]:
        """Every value of each metric of a run (at most 50 metrics, oldest value first)."""
        if self.reader is not None:
            keys = sorted(self.get_run(run_id).metrics)[:MAX_HISTORY_KEYS]
            return self.reader.metric_history(run_id, keys)
        keys = sorted(self._run(run_id).data.metrics)[:MAX_HISTORY_KEYS]
        return {
            key: [
                {"step": m.step, "value": m.value, "timestamp": m.timestamp}
                for m in self.client.get_metric_history(run_id, key)
            ]
            for key in keys
        }

    def runs_page(
        self,
        experiment: str | None,
        limit: int,
        status: str | None = None,
        sort: str = "start_time",
        descending: bool = True,
        page_token: str | None = None,
        tags: dict[str, str] | None = None,
        where: str | None = None,
    ) -> tuple[list[RunSummary], str | None]:
        """One page of runs sorted by ``start_time``, ``metrics.NAME`` or ``params.NAME`` (with
        every one of ``tags`` and matching ``where``, MLflow's filter syntax, if given), and the
        next token. The embedded store reads its tables directly unless MLflow's own search is
        needed (a filter, a sort by parameter)."""
        order = order_by(sort, descending)
        if self._no_database():
            token_offset(page_token)
            return [], None
        if self.reader is not None and not where and not sort.startswith("params."):
            metric = None if sort == "start_time" else sort[len("metrics.") :]
            return self.reader.runs_page(
                experiment, limit, status, metric, descending, page_token, tags
            )
        ids = self._experiment_ids(experiment)
        if not ids:
            return [], None
        query = " and ".join(q for q in (filter_string(status, tags), where) if q)
        runs, token = search_page(self.client, ids, query, limit, order, page_token, where)
        names = self._names(ids)
        return [summary(run, names) for run in runs], token

    def run_ids_starting(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` ids of runs (deleted ones too) that start with hexadecimal ``prefix``."""
        if self.reader is not None:
            return self.reader.run_ids_starting(prefix, limit)
        if self._no_database():
            return []
        return run_ids_starting(self.client, prefix, limit)

    def _experiment_ids(self, experiment: str | None) -> list[str]:
        """The id of ``experiment`` (none if it does not exist), or of every experiment."""
        if experiment is None:  # every experiment but the record of snapshots
            found = self.client.search_experiments(max_results=1000)
            return [e.experiment_id for e in found if not is_snapshot_experiment(e.name)]
        found = self.experiment_id(experiment)
        return [found] if found else []


def terminate(client, run_id: str, status: str = "FINISHED") -> None:
    """``client.set_terminated`` without MLflow printing the run's URL to standard output (it does
    for a server), which would be noise in every notebook that snapshots or loads data."""
    with environment_variables({"MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}):
        client.set_terminated(run_id, status=status)


def _point_mlflow_at(uri: str) -> None:
    """Point MLflow's own API at ``uri`` without leaving ``MLFLOW_TRACKING_URI`` behind.

    ``mlflow.set_tracking_uri`` also exports the variable; nbops reads it as a user's setting, so
    the user's value (or its absence) is put back.
    """
    import mlflow

    before = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(uri)
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before


def _no_artifact(run_id: str, artifact_file: str) -> NotFoundError:
    return NotFoundError(
        f"Run {run_id} has no artifact {artifact_file!r}.",
        "Was it recorded by nbops with environment capture on?",
    )
