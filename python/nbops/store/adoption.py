"""Runs recorded in a notebook's experiment before nbops tagged them (an older nbops, or plain
MLflow in that notebook) adopted as the notebook's runs, once.

A notebook's runs are found by the tag ``nbops.source`` (its path), which also finds a pipeline's
step runs of it in other experiments. Runs without the tag would not show: the first time the
runs of a notebook are listed, every run of its experiment that lacks the tag gets it, and the
experiment is marked so that it is not looked at again. Idempotent; under the store's lock for the
embedded store (one SQL statement, whatever the number of runs), through MLflow's client for a
server (skipped, with a log line, for a user who may not write there).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading

from ..exceptions import AccessError
from ..names import SOURCE_TAG
from .reader import sqlite_path
from .schema import schema_lock

ADOPTED_TAG = "nbops.source_adopted"  # on an experiment: its older runs were given nbops.source
PAGE = 1000
log = logging.getLogger(__name__)
_done: set[tuple[str, str]] = set()
_done_lock = threading.Lock()


def adopt_untagged_runs(store, experiment: str) -> int:
    """Give the runs of ``experiment`` (a notebook's) that lack ``nbops.source`` that tag, once
    per experiment; return how many were tagged.

    Parameters
    ----------
    store:
        An :class:`~nbops.store.mlflow.MlflowStore`.
    experiment:
        The notebook's experiment name (its path in the project).
    """
    key = (store.uri, experiment)
    with _done_lock:
        if key in _done:
            return 0
    path = sqlite_path(store.uri)
    if path is not None:
        count = _adopt_in_database(store.uri, path, experiment) if path.exists() else 0
    else:
        count = _adopt_through_client(store, experiment)
    with _done_lock:
        _done.add(key)
    return count


def _adopt_in_database(uri: str, path, experiment: str) -> int:
    with (
        schema_lock(uri),
        contextlib.closing(sqlite3.connect(path, timeout=30)) as connection,
        connection,
    ):
        row = connection.execute(
            "SELECT experiment_id FROM experiments WHERE name = ? AND lifecycle_stage = 'active'",
            (experiment,),
        ).fetchone()
        if (
            row is None
            or connection.execute(
                "SELECT 1 FROM experiment_tags WHERE experiment_id = ? AND key = ?",
                (row[0], ADOPTED_TAG),
            ).fetchone()
        ):
            return 0
        cursor = connection.execute(
            "INSERT INTO tags (key, value, run_uuid) SELECT ?, ?, r.run_uuid FROM runs r"
            " WHERE r.experiment_id = ? AND NOT EXISTS (SELECT 1 FROM tags t"
            " WHERE t.run_uuid = r.run_uuid AND t.key = ?)",
            (SOURCE_TAG, experiment, row[0], SOURCE_TAG),
        )
        connection.execute(
            "INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, '1', ?)",
            (ADOPTED_TAG, row[0]),
        )
        return cursor.rowcount


def _adopt_through_client(store, experiment: str) -> int:
    client = store.client
    found = client.get_experiment_by_name(experiment)
    if found is None or found.tags.get(ADOPTED_TAG):
        return 0
    count, token = 0, None
    try:
        while True:
            page = client.search_runs([found.experiment_id], "", max_results=PAGE, page_token=token)
            for run in page:
                if SOURCE_TAG not in run.data.tags:
                    client.set_tag(run.info.run_id, SOURCE_TAG, experiment)
                    count += 1
            token = page.token
            if not token:
                break
        client.set_experiment_tag(found.experiment_id, ADOPTED_TAG, "1")
    except AccessError as err:
        log.info("nbops: older runs of %s not adopted: %s", experiment, err)
    return count
