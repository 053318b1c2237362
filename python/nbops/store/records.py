"""Tagged records on a tracking server: what :mod:`nbops.data.server_catalog` needs of MLflow.

A record is one finished run whose tags are its fields, in an experiment of the writer's own;
records are found by a tag search across experiments found by name, and content sits in an
experiment's artifact location. Every call to MLflow's client and artifact repositories for them
is here, behind the Store: the catalog sees ids, names, locations and tag dictionaries.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from .artifact_clients import check_artifact_client
from .mlflow import terminate

PAGE = 1000


@dataclass(frozen=True)
class Experiment:
    """An experiment that holds records: its id, name and artifact location (no trailing /)."""

    id: str
    name: str
    location: str


@dataclass(frozen=True)
class Record:
    """A record found by a search: its tags and the id of the experiment holding it."""

    tags: dict[str, str]
    experiment_id: str


class Records:
    """Records kept as runs of one tracking store.

    Parameters
    ----------
    store:
        The :class:`~nbops.store.mlflow.MlflowStore` of the server.
    """

    def __init__(self, store) -> None:
        self.store = store
        self._repositories: dict[str, object] = {}

    def experiment(self, name: str) -> Experiment:
        """The experiment ``name``, created first if no one has (a race with another machine
        creating it too is fine: both then use the one the server kept)."""
        from mlflow.exceptions import MlflowException

        client = self.store.client
        found = client.get_experiment_by_name(name)
        if found is None:
            with contextlib.suppress(MlflowException):  # another machine created it first
                client.create_experiment(name)
            found = client.get_experiment_by_name(name)
        return _experiment(found)

    def experiments(self, prefix: str) -> list[Experiment]:
        """Every experiment whose name starts with ``prefix`` (a name the server holds is not
        trusted: callers check it further)."""
        found, token = [], None
        while True:
            page = self.store.client.search_experiments(
                filter_string=f"name LIKE '{prefix}%'", max_results=PAGE, page_token=token
            )
            found.extend(_experiment(experiment) for experiment in page)
            token = page.token
            if not token:
                return found

    def append(self, experiment_id: str, tags: dict[str, str], name: str) -> None:
        """One finished run in ``experiment_id`` with ``tags``."""
        client = self.store.client
        run = client.create_run(experiment_id, tags=tags, run_name=name)
        terminate(client, run.info.run_id)

    def search(self, experiment_ids: list[str], query: str) -> list[Record]:
        """The records ``query`` (MLflow's search syntax) finds in ``experiment_ids``."""
        found, token = [], None
        while experiment_ids:
            page = self.store.client.search_runs(
                experiment_ids, query, max_results=PAGE, page_token=token
            )
            found.extend(Record(dict(run.data.tags), run.info.experiment_id) for run in page)
            token = page.token
            if not token:
                break
        return found

    def repository(self, location: str):
        """MLflow's artifact repository at ``location`` (kept: one per location), after checking
        that this machine has the client its scheme needs (e.g. boto3 for ``s3://``)."""
        from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

        if location not in self._repositories:
            check_artifact_client(location)
            self._repositories[location] = get_artifact_repository(
                location, tracking_uri=self.store.uri
            )
        return self._repositories[location]


def _experiment(found) -> Experiment:
    return Experiment(found.experiment_id, found.name, found.artifact_location.rstrip("/"))
