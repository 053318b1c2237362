"""Many runs opened at once are the runs MLflow's own ``create_run`` and ``log_batch`` make."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.exceptions import MlflowException

from nbops.store.opening import RunRequest, start_runs

TAGS = {"mlflow.user": "ada", "nbops.run_kind": "headless", "mlflow.parentRunId": "p" * 32}


def _as_mlflow_sees_it(store, run_id: str) -> dict:
    run = mlflow.MlflowClient(store.uri).get_run(run_id)
    info = run.info
    return {
        "status": info.status,
        "user": info.user_id,
        "lifecycle": info.lifecycle_stage,
        "name": info.run_name,
        "artifacts": info.artifact_uri.replace(run_id, "RUN"),
        "params": run.data.params,
        "tags": run.data.tags,
    }


def _compare_with_mlflow(store) -> None:
    requests = [RunRequest(f"a={i}", TAGS, {"a": str(i), "b": "x"}) for i in range(5)]
    ours = start_runs(store, "batch.ipynb", requests)
    assert len(set(ours)) == 5
    theirs = store.start_run("batch.ipynb", name="a=0", tags=TAGS)
    store.log_batch(theirs, params={"a": "0", "b": "x"})
    assert _as_mlflow_sees_it(store, ours[0]) == _as_mlflow_sees_it(store, theirs)
    assert [store.get_run(i).params["a"] for i in ours] == ["0", "1", "2", "3", "4"]
    assert [store.get_run(i).name for i in ours] == [f"a={i}" for i in range(5)]


def test_a_batch_on_the_embedded_store_is_what_mlflow_writes(jp_nbops_store):
    _compare_with_mlflow(jp_nbops_store)


def test_a_batch_through_a_tracking_server_is_what_mlflow_writes(jp_nbops_mlflow_server):
    from nbops.config import load_settings
    from nbops.store import open_store

    _compare_with_mlflow(open_store(load_settings()))


def test_a_batch_with_a_parameter_mlflow_refuses_writes_no_run(jp_nbops_store):
    good = RunRequest("good", TAGS, {"a": "1"})
    bad = RunRequest("bad", TAGS, {"a" * 300: "1"})  # over MLflow's limit for a name
    with pytest.raises(MlflowException, match="250"):
        start_runs(jp_nbops_store, "batch.ipynb", [good, bad])
    assert jp_nbops_store.list_runs("batch.ipynb") == []
