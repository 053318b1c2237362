"""MLflow's SQLite schema as the embedded store uses it: one migration at a time, quietly, and
the indexes nbops adds for its reads (:mod:`nbops.store.reader`)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3

from .reader import sqlite_path

SCHEMA_LOCK_TIMEOUT_S = 300  # a migration of a large store can take minutes
# MLflow indexes neither a run's experiment, nor its start time, nor a metric's value; a page of
# runs sorted by any of them would read every run of the store (a notebook's runs across every
# experiment are read in start-time order).
INDEXES = (
    "CREATE INDEX IF NOT EXISTS nbops_runs_experiment_start"
    " ON runs (experiment_id, lifecycle_stage, start_time)",
    "CREATE INDEX IF NOT EXISTS nbops_runs_start ON runs (lifecycle_stage, start_time)",
    "CREATE INDEX IF NOT EXISTS nbops_latest_metrics_key_value"
    " ON latest_metrics (key, is_nan, value)",
)


def schema_lock(uri: str):
    """For SQLite, a file lock beside the database held while MLflow creates or migrates its
    schema: processes that open a new project together (a sweep, notebooks started at once)
    would otherwise race through the migrations and can leave the database unusable."""
    path = sqlite_path(uri)
    if path is None:
        return contextlib.nullcontext()
    from filelock import FileLock

    return FileLock(f"{path}.lock", timeout=SCHEMA_LOCK_TIMEOUT_S)


def add_indexes(uri: str) -> None:
    """Create nbops's read indexes in the database of a SQLite URI (idempotent; no-op for any
    other URI). Call it with the schema lock held, after MLflow's migrations."""
    path = sqlite_path(uri)
    if path is None:
        return
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection, connection:
        for statement in INDEXES:
            connection.execute(statement)


class quiet_migrations:
    """Silence the INFO lines of MLflow and alembic while a SQLite schema is created or migrated."""

    NAMES = ("alembic", "mlflow.store.db.utils")

    def __enter__(self) -> None:
        self._loggers = [logging.getLogger(name) for name in self.NAMES]
        self._levels = [logger.level for logger in self._loggers]
        for logger in self._loggers:
            logger.setLevel(logging.WARNING)

    def __exit__(self, *exc: object) -> None:
        for logger, level in zip(self._loggers, self._levels, strict=True):
            logger.setLevel(level)
