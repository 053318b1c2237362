"""The snapshots of a tracking server: what every machine that reaches the server sees.

- **Where each writer writes.** On a team's server (MLflow's ``basic-auth`` app and the like) a
  user may write only where they are allowed, by default in experiments they created. So each
  writer keeps records and content in an experiment of their own: ``nbops-snapshots/<user>`` for
  a user the server authenticates by name (``MLFLOW_TRACKING_USERNAME`` or the URI's), else
  ``nbops-snapshots`` (a server without users; every record written before this layout).
  Readers read every one of them: finding, loading, verifying and pinning a snapshot need only READ.
- **Content** goes to the artifact store through MLflow's artifact repository API
  (``mlflow-artifacts:/`` when the server proxies artifacts; S3 and the other stores MLflow supports
  work the same way): ``<location>/snapshots/<id>/data.parquet``, then ``meta.json``, written once
  under the fingerprint, where ``<location>`` is the artifact location of the writer's
  experiment. A snapshot whose ``meta.json`` is absent is not there (an upload that broke off is
  written again by the next writer of the same content). Content someone else already wrote is
  not written again: a second writer records a write of it in their own experiment.
- **The record** of writes and reads is one finished MLflow run per entry, with the entry as
  tags: the server orders and keeps concurrent writers from any machine, and search finds a
  name's versions across the writers' experiments.
- **A local cache** (``NBOPS_CACHE_DIR``, default ``~/.cache/nbops/snapshots``) keeps downloaded
  files under a size limit (:mod:`nbops.data.cache`); every read verifies the fingerprint, and a
  corrupt or removed copy is fetched again.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from functools import cached_property
from pathlib import Path

from ..config import environment_variables
from ..credentials import tracking_user
from ..durable import partial_name, remove_stale_partials
from ..exceptions import NbopsError, NotFoundError, StoreUnavailableError
from ..names import SNAPSHOT_EXPERIMENT, is_snapshot_experiment
from ..store.access import access_error
from ..store.records import Records
from .cache import cache_folder, cache_limit, mark_used, trim
from .catalog import Catalog, Entry, check_snapshot_id

PREFIX = "nbops.snapshot."
FIELDS = ("id", "name", "role", "run_id", "created", "rows", "columns", "action")
EXPERIMENTS_KEPT_S = 10.0
log = logging.getLogger(__name__)
CONTENT = "snapshots"


class ServerCatalog(Catalog):
    """Snapshots kept by a tracking server and its artifact store.

    Parameters
    ----------
    store:
        The :class:`~nbops.store.mlflow.MlflowStore` of the server.
    cache:
        The local download cache (default: :func:`~nbops.data.cache.cache_folder`).
    limit:
        How many bytes the cache may hold (default: :func:`~nbops.data.cache.cache_limit`).
    """

    def __init__(self, store, cache: Path | None = None, limit: int | None = None) -> None:
        self.store = store
        self.records = Records(store)
        self.cache = cache or cache_folder()
        self.limit = cache_limit() if limit is None else limit
        self.location = f"{store.display_uri} (experiments {SNAPSHOT_EXPERIMENT}*)"
        self._content: dict[str, str] = {}  # snapshot id -> the artifact location holding it
        self._writers: dict[str, set[str]] = {}  # snapshot id -> experiments that wrote it
        self._listed: tuple[float, dict[str, str]] | None = None  # when, what _experiments found

    def _unavailable(self, doing: str, err: BaseException) -> NbopsError:
        refused = access_error(self.store.uri, err)
        if refused is not None:
            return refused
        return StoreUnavailableError(self.store.uri, f"{doing}: {err}", self.store.hint)

    @cached_property
    def own_experiment(self) -> str:
        """The name of the experiment this writer records in (see the module's docstring)."""
        user = tracking_user(self.store.uri)
        return f"{SNAPSHOT_EXPERIMENT}/{user}" if user else SNAPSHOT_EXPERIMENT

    @cached_property
    def _own(self) -> tuple[str, str]:
        """The id and artifact location of this writer's experiment (created on first write)."""
        found = self.records.experiment(self.own_experiment)
        self._listed = None  # list again: this one may be new
        return found.id, found.location

    def _experiments(self) -> dict[str, str]:
        """The artifact locations of every snapshot experiment by id, this writer's first
        (listed again after ``EXPERIMENTS_KEPT_S``: on a team's server every request costs)."""
        if self._listed is not None and time.monotonic() - self._listed[0] < EXPERIMENTS_KEPT_S:
            return self._listed[1]
        found = {
            experiment.id: experiment.location
            for experiment in self.records.experiments(SNAPSHOT_EXPERIMENT)
            if is_snapshot_experiment(experiment.name)
        }
        own = "_own" in self.__dict__ and self._own[0]
        ordered = dict(sorted(found.items(), key=lambda item: item[0] != own))
        self._listed = (time.monotonic(), ordered)
        return ordered

    def _repository(self, location: str):
        return self.records.repository(f"{location}/{CONTENT}")

    # -- the record ------------------------------------------------------------------------------

    def append(self, entry: Entry) -> None:
        """One finished run in the snapshots experiment, the entry as its tags."""
        tags = {PREFIX + f: str(getattr(entry, f) or "") for f in FIELDS}
        tags[PREFIX + "ns"] = str(time.time_ns())
        try:
            self.records.append(self._own[0], tags, f"{entry.name} {entry.action}")
        except Exception as err:
            raise self._unavailable(f"recording snapshot {entry.name!r}", err) from err

    def entries(self, name: str | None = None) -> list[Entry]:
        """Every record (of ``name``), oldest first."""
        if name is not None and ("'" in name or "\\" in name):
            return []  # no snapshot name holds these (see values.check_key)
        return self._search(f"tags.`{PREFIX}name` = '{name}'" if name is not None else "")

    def outputs_of(self, run_id: str) -> dict[str, str]:
        """The outputs ``run_id`` wrote, found by a search on the server."""
        query = (
            f"tags.`{PREFIX}run_id` = '{run_id}' and tags.`{PREFIX}role` = 'output' "
            f"and tags.`{PREFIX}action` = 'write'"
        )
        return {e.name: e.id for e in self._search(query)} if run_id.isalnum() else {}

    def records_of(self, run_id: str) -> list[Entry]:
        """The records of ``run_id``, found by a search on the server."""
        return self._search(f"tags.`{PREFIX}run_id` = '{run_id}'") if run_id.isalnum() else []

    def _by_id(self, prefix: str) -> list[Entry]:
        if len(prefix) < 8 or not prefix.isalnum():
            return []
        return self._search(f"tags.`{PREFIX}id` LIKE '{prefix}%'")

    def _search(self, query: str) -> list[Entry]:
        return [entry for entry, _ in self._search_runs(query)]

    def _search_runs(
        self, query: str, experiments: dict[str, str] | None = None
    ) -> list[tuple[Entry, str]]:
        """The records ``query`` finds in every snapshot experiment (``experiments``, if the
        caller listed them), oldest first, each with the id of the experiment that holds it."""
        try:
            experiments = list(self._experiments() if experiments is None else experiments)
            records = self.records.search(experiments, query)
        except Exception as err:
            raise self._unavailable("reading the snapshot records", err) from err
        records.sort(key=lambda record: _order(record.tags))
        found = ((_entry(record.tags), record.experiment_id) for record in records)
        kept = [(entry, experiment) for entry, experiment in found if entry]
        for entry, experiment in kept:  # where its content may be, for _content_location
            if entry.action == "write":
                self._writers.setdefault(entry.id, set()).add(experiment)
        return kept

    # -- the content -----------------------------------------------------------------------------

    def has(self, snapshot_id: str) -> bool:
        """Whether the server holds the snapshot's meta (written after its data), in this
        writer's experiment or in the experiment of any writer of the same content."""
        return self._content_location(snapshot_id) is not None

    def _content_location(self, snapshot_id: str) -> str | None:
        """The artifact location that holds the whole snapshot, ``None`` if none does."""
        if snapshot_id in self._content:
            return self._content[snapshot_id]
        query = f"tags.`{PREFIX}id` = '{check_snapshot_id(snapshot_id)}'"
        try:
            locations = self._experiments()
        except Exception as err:
            raise self._unavailable(f"looking for snapshot {snapshot_id}", err) from err
        if snapshot_id not in self._writers:  # no write of it seen by an earlier search here
            self._search_runs(query, locations)
        writers = self._writers.get(snapshot_id, set())
        candidates = [loc for key, loc in locations.items() if key in writers]
        if "_own" in self.__dict__ and self._own[1] not in candidates:
            candidates.insert(0, self._own[1])
        for location in candidates:
            try:
                listed = self._repository(location).list_artifacts(snapshot_id)
            except Exception as err:
                raise self._unavailable(f"looking for snapshot {snapshot_id}", err) from err
            if f"{snapshot_id}/meta.json" in {a.path for a in listed}:
                self._content[snapshot_id] = location
                return location
        return None

    def _located(self, snapshot_id: str) -> str:
        location = self._content_location(snapshot_id)
        if location is None:
            raise NotFoundError(
                f"Snapshot {snapshot_id} has records but no content in {self.location}: no "
                "writer's experiment holds its meta.json.",
                "Write the frame again with nbops.snapshot(...) to store it.",
            )
        return location

    def put_data(self, snapshot_id: str, data: Path) -> None:
        """Upload the Parquet file; keep it in the local cache."""
        self._upload(snapshot_id, data, "data.parquet", "parquet")

    def put_meta(self, snapshot_id: str, meta: dict) -> None:
        """Upload the meta (the mark of a complete snapshot); keep it in the local cache."""
        import json

        partial = partial_name(self._cached(snapshot_id, "json"))
        partial.write_text(json.dumps(meta))
        self._upload(snapshot_id, partial, "meta.json", "json")

    def _upload(self, snapshot_id: str, local: Path, remote: str, suffix: str) -> None:
        with tempfile.TemporaryDirectory(dir=self.scratch()) as tmp:
            named = Path(tmp) / remote
            local.replace(named)
            try:
                self._repository(self._own[1]).log_artifact(str(named), snapshot_id)
            except Exception as err:
                raise self._unavailable(f"uploading snapshot {snapshot_id}", err) from err
            named.replace(self._cached(snapshot_id, suffix))
        if remote == "meta.json":
            self._content[snapshot_id] = self._own[1]
        self._added(self._cached(snapshot_id, suffix))

    def _added(self, path: Path) -> None:
        """``path`` is new in the cache: mark it used, then keep the cache under its limit."""
        mark_used(path)
        trim(self.cache, self.limit)

    def _cached(self, snapshot_id: str, suffix: str) -> Path:
        return self.cache / f"{check_snapshot_id(snapshot_id)}.{suffix}"

    def local_copy(self, snapshot_id: str) -> Path:
        """The cached Parquet file, downloaded first if need be."""
        return self._fetch(snapshot_id, "data.parquet", "parquet")

    def _fetch(self, snapshot_id: str, remote: str, suffix: str) -> Path:
        path = self._cached(snapshot_id, suffix)
        if mark_used(path):
            return path
        with (
            tempfile.TemporaryDirectory(dir=self.scratch()) as tmp,
            environment_variables({"MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false"}),
        ):
            location = self._located(snapshot_id)
            try:
                repository = self._repository(location)
                local = repository.download_artifacts(f"{snapshot_id}/{remote}", tmp)
            except Exception as err:
                raise self._unavailable(f"downloading snapshot {snapshot_id}", err) from err
            partial = partial_name(path)
            shutil.move(local, partial)
            partial.replace(path)
        self._added(path)
        return path

    def evict(self, snapshot_id: str) -> bool:
        """Drop the cached copy; the next read downloads it again."""
        self._cached(snapshot_id, "parquet").unlink(missing_ok=True)
        return True

    def meta(self, snapshot_id: str) -> dict:
        """The meta, from the cache or the server."""
        import json

        return json.loads(self._fetch(snapshot_id, "meta.json", "json").read_text())

    def uri(self, snapshot_id: str) -> str:
        """The data's URI in the server's artifact store."""
        return f"{self._located(snapshot_id)}/{CONTENT}/{snapshot_id}/data.parquet"

    def scratch(self) -> Path:
        """The cache folder: a written file is renamed into it after the upload. Partial files
        that writers which died left there are removed first."""
        self.cache.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(self.cache)
        return self.cache


def _order(tags: dict[str, str]) -> int:
    value = tags.get(PREFIX + "ns") or "0"
    return int(value) if value.isdigit() else 0


def _entry(tags: dict[str, str]) -> Entry | None:
    """The entry a record's tags hold; ``None`` for a record that is not one (a shared server's
    content is not trusted: an id that is not a fingerprint never reaches a file path)."""
    values = {f: tags.get(PREFIX + f, "") for f in FIELDS}
    try:
        check_snapshot_id(values["id"])
        counts = int(values["rows"] or 0), int(values["columns"] or 0)
    except ValueError:
        log.warning("nbops: a snapshot record with id %.40r is not valid; skipped.", values["id"])
        return None
    return Entry(
        id=values["id"],
        name=values["name"],
        role=values["role"],
        run_id=values["run_id"] or None,
        created=values["created"],
        rows=counts[0],
        columns=counts[1],
        action=values["action"] or "write",
    )
