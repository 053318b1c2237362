"""Reading runs straight from the tables of MLflow's SQLite store, without importing MLflow.

The embedded store is MLflow's own SQLite schema. Commands and requests that only read (a list of
runs, one page sorted by a metric, one run, a metric's history) query those tables with the
standard library's ``sqlite3``: no MLflow import (~1.4 s), no SQLAlchemy session, and a
metric-sorted page is one indexed query instead of MLflow's join over every run. The order is
MLflow's own: NaN then missing values last, then ``start_time`` descending, then the run id; page
tokens are MLflow's (base64 JSON with an offset). Writes always go through MLflow.

A database whose tables lack a column this module reads (a schema from a far older or newer
MLflow) is not read here: :meth:`SqliteReader.open` answers ``None`` and the caller uses MLflow.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from ..exceptions import InputError, NotFoundError
from ..names import SNAPSHOT_EXPERIMENT
from .base import RunSummary

# The columns read here, by table; checked once per database.
COLUMNS = {
    "experiments": {"experiment_id", "name", "lifecycle_stage"},
    "runs": {
        "run_uuid",
        "name",
        "status",
        "start_time",
        "end_time",
        "lifecycle_stage",
        "experiment_id",
        "artifact_uri",
    },
    "latest_metrics": {"key", "value", "is_nan", "run_uuid"},
    "metrics": {"key", "value", "is_nan", "run_uuid", "step", "timestamp"},
    "params": {"key", "value", "run_uuid"},
    "tags": {"key", "value", "run_uuid"},
}
MAX_PAGE_OFFSET = 10_000_000
REGISTRY_TABLES = {"model_versions", "model_version_tags", "registered_model_aliases"}
RUN_COLUMNS = "r.run_uuid, r.name, r.experiment_id, r.status, r.start_time, r.end_time"


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` tracking URI (``None`` for any other URI)."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///") :].split("?", 1)[0])


def offset_token(offset: int) -> str:
    """MLflow's page token for the page starting at ``offset``."""
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def token_offset(token: str | None) -> int:
    """The offset a page token (MLflow's format) stands for; :class:`InputError` if malformed."""
    if not token:
        return 0
    try:
        offset = json.loads(base64.b64decode(token, validate=True))["offset"]
    except (ValueError, TypeError, KeyError) as err:
        raise InputError(f"The page token {token!r} is not valid.", "Start again.") from err
    if not isinstance(offset, int) or not 0 <= offset <= MAX_PAGE_OFFSET:
        raise InputError(f"The page token {token!r} is not valid.", "Start again.")
    return offset


class SqliteReader:
    """Read-only queries on the MLflow SQLite database at ``path``.

    Use :meth:`open`, which answers ``None`` for a database this module does not read.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def open(cls, path: Path) -> SqliteReader | None:
        """A reader of ``path`` if it is an MLflow database with the columns read here."""
        if not path.is_file():
            return None
        reader = cls(path)
        try:
            with reader._connect() as connection:
                for table, columns in COLUMNS.items():
                    found = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
                    if not columns <= found:
                        return None
        except sqlite3.Error:
            return None
        return reader

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=30)
        connection.row_factory = sqlite3.Row
        try:
            yield connection
        finally:
            connection.close()

    # -- experiments -----------------------------------------------------------------------------

    def experiments(self, name: str | None = None) -> dict[str, str]:
        """Ids and names of the active experiment ``name``, or of every active one but the
        record of snapshots."""
        query = "SELECT experiment_id, name FROM experiments WHERE lifecycle_stage = 'active'"
        if name is not None:
            query, args = query + " AND name = ?", (name,)
        else:
            query, args = query + " AND name != ?", (SNAPSHOT_EXPERIMENT,)
        with self._connect() as connection:
            rows = connection.execute(query + " ORDER BY experiment_id", args).fetchall()
        return {str(row["experiment_id"]): row["name"] for row in rows}

    # -- runs ------------------------------------------------------------------------------------

    def page(
        self,
        experiments: dict[str, str],
        limit: int,
        offset: int = 0,
        status: str | None = None,
        tags: dict[str, str] | None = None,
        metric: str | None = None,
        descending: bool = True,
        every: bool = False,
    ) -> list[RunSummary]:
        """Active runs of ``experiments`` (ids to names) in MLflow's order for a sort by
        ``metric`` (``None``: by start time), from ``offset``, at most ``limit``. ``every``: the
        experiments are every active one but the snapshots' (a condition SQLite can read in
        start-time order, where a list of ids makes it sort every run).

        A metric sort reads three parts in turn, each in index order so that a page stops early:
        the runs with a value (by the value), those whose value is NaN, those without one.
        """
        filters = _filters(None if every else experiments, status, tags)
        direction = "DESC" if descending else "ASC"
        if metric is None:  # SQLite puts NULLs last when descending, as MLflow always does
            nulls = "" if descending else "(r.start_time IS NULL), "
            parts = [("runs r", [], f"{nulls}r.start_time {direction}, r.run_uuid")]
        else:
            valued = "latest_metrics m CROSS JOIN runs r ON r.run_uuid = m.run_uuid"
            order = f"m.value {direction}, r.start_time DESC, r.run_uuid"
            missing = (
                "NOT EXISTS (SELECT 1 FROM latest_metrics m"
                " WHERE m.run_uuid = r.run_uuid AND m.key = ?)",
                [metric],
            )
            parts = [
                (valued, [("m.key = ? AND m.is_nan = 0", [metric])], order),
                (valued, [("m.key = ? AND m.is_nan = 1", [metric])], order),
                ("runs r", [missing], "r.start_time DESC, r.run_uuid"),
            ]
        rows: list[sqlite3.Row] = []
        with self._connect() as connection:
            for source, extra, order in parts:
                if len(rows) == limit:
                    break
                where, args = _where([*filters, *extra])
                select = f"SELECT {RUN_COLUMNS} FROM {source} WHERE {where}"
                found = connection.execute(
                    f"{select} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*args, limit - len(rows), offset],
                ).fetchall()
                if found or not offset:
                    rows, offset = rows + found, 0
                else:  # the page starts after this whole part
                    count = f"SELECT COUNT(*) FROM {source} WHERE {where}"
                    offset -= connection.execute(count, args).fetchone()[0]
            return self._summaries(connection, rows, experiments)

    def runs_page(
        self,
        experiment: str | None,
        limit: int,
        status: str | None = None,
        metric: str | None = None,
        descending: bool = True,
        token: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> tuple[list[RunSummary], str | None]:
        """One page of the runs of ``experiment`` (every one if ``None``) with every one of
        ``tags``, sorted by ``metric`` or start time, and the next page's token (``None`` on the
        last page)."""
        offset = token_offset(token)
        experiments = self.experiments(experiment)
        if not experiments:
            return [], None
        runs = self.page(
            experiments,
            limit + 1,
            offset,
            status=status,
            tags=tags,
            metric=metric,
            descending=descending,
            every=experiment is None,
        )
        more = len(runs) > limit
        return runs[:limit], offset_token(offset + limit) if more else None

    def run(self, run_id: str) -> RunSummary | None:
        """One run (deleted ones too, as MLflow's ``get_run``), ``None`` if there is none."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT r.run_uuid, r.name, r.experiment_id, r.status, r.start_time, r.end_time,"
                " e.name AS experiment FROM runs r JOIN experiments e"
                " ON e.experiment_id = r.experiment_id WHERE r.run_uuid = ?",
                (run_id,),
            ).fetchall()
            if not rows:
                return None
            names = {str(rows[0]["experiment_id"]): rows[0]["experiment"]}
            return self._summaries(connection, rows, names)[0]

    def run_ids_starting(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` run ids that start with ``prefix`` (deleted runs too)."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT run_uuid FROM runs WHERE run_uuid >= ? AND run_uuid < ? LIMIT ?",
                (prefix, prefix + "g", limit),  # ids are lowercase hexadecimal: g follows f
            ).fetchall()
        return [row["run_uuid"] for row in rows]

    def artifact_uri(self, run_id: str) -> str | None:
        """Where the run's artifacts are, ``None`` if there is no such run."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT artifact_uri FROM runs WHERE run_uuid = ?", (run_id,)
            ).fetchone()
        return row["artifact_uri"] if row else None

    def local_artifact(self, run_id: str, artifact_file: str) -> Path | None:
        """The file of one of the run's artifacts when they are kept in a local folder
        (``None`` for a remote artifact store); :class:`NotFoundError` for an unknown run."""
        root = self.artifact_uri(run_id)
        if root is None:
            raise NotFoundError(
                f"No run with id {run_id!r} in {self.path}.", "Check the id with `nbops runs`."
            )
        if root.startswith("file://"):
            return Path(url2pathname(urlparse(root).path)) / artifact_file
        return Path(root) / artifact_file if "://" not in root else None

    def list_artifacts(self, run_id: str, folder: str | None = None) -> list[str] | None:
        """The artifact paths directly under ``folder`` of a run whose artifacts are in a local
        folder, as MLflow lists them; ``None`` for a remote artifact store."""
        root = self.local_artifact(run_id, folder or "")
        if root is None:
            return None
        prefix = f"{folder.strip('/')}/" if folder else ""
        return sorted(prefix + child.name for child in root.iterdir()) if root.is_dir() else []

    def datasets(self, run_id: str) -> list[dict[str, str]]:
        """The dataset inputs of a run: ``name``, ``digest`` and ``role`` (its context tag)."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT d.name, d.digest, COALESCE(t.value, '') AS role FROM inputs i"
                " JOIN datasets d ON d.dataset_uuid = i.source_id"
                " LEFT JOIN input_tags t ON t.input_uuid = i.input_uuid"
                " AND t.name = 'mlflow.data.context'"
                " WHERE i.destination_type = 'RUN' AND i.destination_id = ?"
                " AND i.source_type = 'DATASET' ORDER BY i.rowid",
                (run_id,),
            ).fetchall()
        return [dict(row) for row in rows]

    def model_versions(self, run_ids: list[str]) -> list[dict] | None:
        """The registered versions of the models ``run_ids`` logged, as
        :func:`~nbops.store.models.describe_versions` gives them; ``None`` without a registry."""
        from .models import RegisteredVersion, shape_versions

        marks = ",".join("?" * len(run_ids))
        with self._connect() as connection:
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
            if not tables >= REGISTRY_TABLES:
                return None
            found = connection.execute(
                "SELECT name, version, run_id, creation_time FROM model_versions"
                f" WHERE run_id IN ({marks}) AND current_stage != 'Deleted_Internal'",
                run_ids,
            ).fetchall()
            versions = []
            for row in found:
                tags = connection.execute(
                    "SELECT key, value FROM model_version_tags WHERE name = ? AND version = ?",
                    (row["name"], row["version"]),
                ).fetchall()
                versions.append(
                    RegisteredVersion(
                        row["name"], str(row["version"]), row["run_id"], dict(tags),
                        row["creation_time"],
                    )
                )  # fmt: skip
            aliases = {
                name: dict(
                    connection.execute(
                        "SELECT alias, version FROM registered_model_aliases WHERE name = ?",
                        (name,),
                    ).fetchall()
                )
                for name in {v.name for v in versions}
            }
            runs = dict(
                ((r["name"], str(r["version"])), r["run_id"])
                for r in connection.execute("SELECT name, version, run_id FROM model_versions")
            )
        return shape_versions(versions, aliases, lambda name, version: runs.get((name, version)))

    def metric_history(self, run_id: str, keys: list[str]) -> dict[str, list[dict[str, float]]]:
        """Every value of each of ``keys``, oldest first."""
        history: dict[str, list[dict[str, float]]] = {key: [] for key in keys}
        if not keys:
            return history
        marks = ",".join("?" * len(keys))
        with self._connect() as connection:
            for row in connection.execute(
                "SELECT key, value, is_nan, step, timestamp FROM metrics"
                f" WHERE run_uuid = ? AND key IN ({marks}) ORDER BY timestamp, step",
                (run_id, *keys),
            ):
                value = math.nan if row["is_nan"] else row["value"]
                history[row["key"]].append(
                    {"step": row["step"], "value": value, "timestamp": row["timestamp"]}
                )
        return history

    def _summaries(
        self, connection: sqlite3.Connection, rows: list[sqlite3.Row], experiments: dict[str, str]
    ) -> list[RunSummary]:
        ids = [row["run_uuid"] for row in rows]
        marks = ",".join("?" * len(ids))
        values: dict[str, dict[str, dict]] = {
            i: {"params": {}, "metrics": {}, "tags": {}} for i in ids
        }
        for table in ("params", "tags"):
            for row in connection.execute(
                f"SELECT run_uuid, key, value FROM {table} WHERE run_uuid IN ({marks})", ids
            ):
                values[row[0]][table][row[1]] = row[2]
        for row in connection.execute(
            f"SELECT run_uuid, key, value, is_nan FROM latest_metrics WHERE run_uuid IN ({marks})",
            ids,
        ):
            values[row[0]]["metrics"][row[1]] = math.nan if row[3] else row[2]
        return [
            RunSummary(
                run_id=row["run_uuid"],
                name=row["name"] or "",
                experiment=experiments.get(str(row["experiment_id"]), str(row["experiment_id"])),
                status=row["status"],
                start_time=row["start_time"],
                end_time=row["end_time"],
                experiment_id=str(row["experiment_id"]),
                **values[row["run_uuid"]],
            )
            for row in rows
        ]


def _filters(
    experiments: dict[str, str] | None, status: str | None, tags: dict[str, str] | None
) -> list[tuple[str, list[object]]]:
    """The conditions on a run ``r``: its experiment (``None``: any active one but the
    snapshots'), active, its status, each of its tags."""
    if experiments is None:
        where = (
            "r.experiment_id NOT IN (SELECT experiment_id FROM experiments"
            " WHERE lifecycle_stage != 'active' OR name = ?)",
            [SNAPSHOT_EXPERIMENT],
        )
    else:
        marks = ",".join("?" * len(experiments))
        where = (f"r.experiment_id IN ({marks})", [int(i) for i in experiments])
    found: list[tuple[str, list[object]]] = [where, ("r.lifecycle_stage = 'active'", [])]
    if status:
        found.append(("r.status = ?", [status]))
    for key, value in (tags or {}).items():
        found.append(
            (
                "EXISTS (SELECT 1 FROM tags t WHERE t.run_uuid = r.run_uuid"
                " AND t.key = ? AND t.value = ?)",
                [key, value],
            )
        )
    return found


def _where(conditions: list[tuple[str, list[object]]]) -> tuple[str, list[object]]:
    """Conditions joined by AND, and their parameters in order."""
    return " AND ".join(c for c, _ in conditions), [a for _, args in conditions for a in args]
