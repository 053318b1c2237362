"""Runs recorded in a notebook's experiment without nbops's tags (an older nbops, plain MLflow)
are adopted as the notebook's runs once: on the embedded store and on a server."""

from __future__ import annotations

import mlflow
import pytest

from nbops.config import load_settings
from nbops.names import SOURCE_TAG
from nbops.store import adoption, open_store
from nbops.store.adoption import ADOPTED_TAG, adopt_untagged_runs


def plain_runs(uri: str, experiment: str, count: int) -> list[str]:
    """``count`` runs logged with MLflow alone, as a notebook did before nbops."""
    client = mlflow.MlflowClient(uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    ids = []
    for i in range(count):
        run = client.create_run(experiment_id, run_name=f"old {i}")
        client.log_metric(run.info.run_id, "rmse", 100.0 - i)
        client.set_terminated(run.info.run_id)
        ids.append(run.info.run_id)
    return ids


def notebook_runs(store, notebook: str) -> set[str]:
    runs, _ = store.runs_page(None, 1000, tags={SOURCE_TAG: notebook}, sort="metrics.rmse")
    return {r.run_id for r in runs}


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(adoption, "_done", set())  # as a new process


@pytest.mark.parametrize("where", ["embedded", "server"])
def test_older_runs_of_a_notebook_are_adopted_once(
    where, fresh, jp_nbops_project, request, monkeypatch
):
    if where == "server":
        request.getfixturevalue("jp_nbops_mlflow_server")
    store = open_store(load_settings(jp_nbops_project))
    store.warm_up()
    old = plain_runs(store.uri, "train.ipynb", 12)
    elsewhere = plain_runs(store.uri, "other.ipynb", 2)
    assert notebook_runs(store, "train.ipynb") == set()  # what the sidebar showed before
    assert adopt_untagged_runs(store, "train.ipynb") == 12
    assert notebook_runs(store, "train.ipynb") == set(old)
    assert notebook_runs(store, "other.ipynb") == set()  # other experiments untouched
    assert SOURCE_TAG not in store.get_run(elsewhere[0]).tags
    # once: this process remembers, a new one finds the experiment's mark
    assert adopt_untagged_runs(store, "train.ipynb") == 0
    monkeypatch.setattr(adoption, "_done", set())
    newer = plain_runs(store.uri, "train.ipynb", 1)
    assert adopt_untagged_runs(store, "train.ipynb") == 0
    assert newer[0] not in notebook_runs(store, "train.ipynb")
    tags = mlflow.MlflowClient(store.uri).get_experiment_by_name("train.ipynb").tags
    assert tags[ADOPTED_TAG] == "1"


def test_runs_nbops_tagged_keep_their_source(fresh, jp_nbops_project):
    store = open_store(load_settings(jp_nbops_project))
    store.warm_up()
    run_id = store.start_run("train.ipynb", tags={SOURCE_TAG: "steps/train.ipynb"})
    store.end_run(run_id)
    assert adopt_untagged_runs(store, "train.ipynb") == 0
    assert store.get_run(run_id).tags[SOURCE_TAG] == "steps/train.ipynb"


def test_a_notebook_without_an_experiment_adopts_nothing(fresh, jp_nbops_project):
    store = open_store(load_settings(jp_nbops_project))
    assert adopt_untagged_runs(store, "never-run.ipynb") == 0
