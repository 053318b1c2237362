"""The snapshots of a tracking server: what every machine that reaches the server sees.

- **Content** goes to the server's artifact store through MLflow's artifact repository API
  (``mlflow-artifacts:/`` when the server proxies artifacts; S3 and the other stores MLflow supports
  work the same way): ``<location>/snapshots/<id>/data.parquet``, then ``meta.json``, written once
  under the fingerprint. ``<location>`` is the artifact location of the experiment
  ``nbops-snapshots``. A snapshot whose ``meta.json`` is absent is not there (an upload that broke
  off is written again by the next writer of the same content).
- **The record** of writes and reads is one finished MLflow run per entry in that experiment, with
  the entry as tags: the server orders and keeps concurrent writers from any machine, and search
  finds a name's versions.
- **A local cache** (``NBOPS_CACHE_DIR``, default ``~/.cache/nbops/snapshots``) keeps downloaded
  files under a size limit (:mod:`nbops.data.cache`); every read verifies the fingerprint, and a
  corrupt or removed copy is fetched again.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
from functools import cached_property
from pathlib import Path

from ..config import environment_variables
from ..durable import partial_name, remove_stale_partials
from ..exceptions import StoreUnavailableError
from ..names import SNAPSHOT_EXPERIMENT
from ..store.mlflow import terminate
from .cache import cache_folder, cache_limit, mark_used, trim
from .catalog import Catalog, Entry, check_snapshot_id

PREFIX = "nbops.snapshot."
FIELDS = ("id", "name", "role", "run_id", "created", "rows", "columns", "action")
PAGE = 1000
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
        self.cache = cache or cache_folder()
        self.limit = cache_limit() if limit is None else limit
        self.location = f"{store.display_uri} (experiment {SNAPSHOT_EXPERIMENT})"

    def _unavailable(self, doing: str, err: BaseException) -> StoreUnavailableError:
        return StoreUnavailableError(self.store.uri, f"{doing}: {err}", self.store.hint)

    @cached_property
    def _experiment(self) -> tuple[str, str]:
        """The id and artifact location of the snapshots experiment (created on first use)."""
        from mlflow.exceptions import MlflowException

        client = self.store.client
        found = client.get_experiment_by_name(SNAPSHOT_EXPERIMENT)
        if found is None:
            with contextlib.suppress(MlflowException):  # another machine created it first
                client.create_experiment(SNAPSHOT_EXPERIMENT)
            found = client.get_experiment_by_name(SNAPSHOT_EXPERIMENT)
        return found.experiment_id, found.artifact_location.rstrip("/")

    @cached_property
    def _repository(self):
        from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

        location = f"{self._experiment[1]}/{CONTENT}"
        return get_artifact_repository(location, tracking_uri=self.store.uri)

    # -- the record ------------------------------------------------------------------------------

    def append(self, entry: Entry) -> None:
        """One finished run in the snapshots experiment, the entry as its tags."""
        tags = {PREFIX + f: str(getattr(entry, f) or "") for f in FIELDS}
        tags[PREFIX + "ns"] = str(time.time_ns())
        try:
            client = self.store.client
            run = client.create_run(
                self._experiment[0], tags=tags, run_name=f"{entry.name} {entry.action}"
            )
            terminate(client, run.info.run_id)
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
        runs, token = [], None
        try:
            while True:
                page = self.store.client.search_runs(
                    [self._experiment[0]], query, max_results=PAGE, page_token=token
                )
                runs.extend(page)
                token = page.token
                if not token:
                    break
        except Exception as err:
            raise self._unavailable("reading the snapshot records", err) from err
        runs.sort(key=lambda r: _order(r.data.tags))
        return [entry for entry in map(_entry, (r.data.tags for r in runs)) if entry]

    # -- the content -----------------------------------------------------------------------------

    def has(self, snapshot_id: str) -> bool:
        """Whether the server holds the snapshot's meta (written after its data)."""
        try:
            listed = self._repository.list_artifacts(snapshot_id)
        except Exception as err:
            raise self._unavailable(f"looking for snapshot {snapshot_id}", err) from err
        return f"{snapshot_id}/meta.json" in {a.path for a in listed}

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
                self._repository.log_artifact(str(named), snapshot_id)
            except Exception as err:
                raise self._unavailable(f"uploading snapshot {snapshot_id}", err) from err
            named.replace(self._cached(snapshot_id, suffix))
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
            try:
                local = self._repository.download_artifacts(f"{snapshot_id}/{remote}", tmp)
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
        return f"{self._experiment[1]}/{CONTENT}/{snapshot_id}/data.parquet"

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
