import time

import mlflow
import pytest

from nbops.config import load_settings
from nbops.exceptions import InputError, NotFoundError, StoreUnavailableError
from nbops.store import Metric, open_store
from nbops.store.mlflow import MlflowStore


def test_runs_are_ordinary_mlflow_runs(jp_nbops_store, jp_nbops_project):
    run_id = jp_nbops_store.start_run("nb.ipynb", name="first", tags={"team": "a"})
    jp_nbops_store.log_batch(
        run_id, params={"alpha": 0.5}, metrics=[Metric("loss", 0.25, step=3)], tags={"k": "v"}
    )
    jp_nbops_store.end_run(run_id)

    client = mlflow.MlflowClient(tracking_uri=jp_nbops_store.uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"alpha": "0.5"}
    assert run.data.metrics == {"loss": 0.25}
    assert run.data.tags["team"] == "a"
    assert client.get_metric_history(run_id, "loss")[0].step == 3
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == "nb.ipynb"
    assert experiment.artifact_location == (jp_nbops_project / ".nbops" / "artifacts").as_uri()
    assert (jp_nbops_project / ".nbops" / "mlflow.db").is_file()


def test_list_runs_newest_first_with_limit(jp_nbops_store):
    ids = []
    for i in range(3):
        ids.append(jp_nbops_store.start_run("nb.ipynb", name=f"r{i}"))
        jp_nbops_store.end_run(ids[-1])
        time.sleep(0.002)
    other = jp_nbops_store.start_run("other.ipynb")
    runs = jp_nbops_store.list_runs("nb.ipynb", limit=2)
    assert [r.run_id for r in runs] == [ids[2], ids[1]]
    assert runs[0].duration_ms is not None and runs[0].duration_ms >= 0
    everything = jp_nbops_store.list_runs(None, limit=10)
    assert {r.run_id for r in everything} == {*ids, other}
    assert {r.experiment for r in everything} == {"nb.ipynb", "other.ipynb"}


def test_unknown_experiment_lists_nothing_and_creates_nothing(jp_nbops_store):
    assert jp_nbops_store.list_runs("never-run.ipynb") == []
    assert jp_nbops_store.experiment_id("never-run.ipynb") is None


def test_large_batches_are_split_within_mlflow_limits(jp_nbops_store):
    run_id = jp_nbops_store.start_run("nb.ipynb")
    jp_nbops_store.log_batch(
        run_id,
        params={f"p{i}": i for i in range(250)},
        metrics=[Metric("m", float(i), step=i) for i in range(2500)],
    )
    client = mlflow.MlflowClient(tracking_uri=jp_nbops_store.uri)
    assert len(client.get_run(run_id).data.params) == 250
    assert len(client.get_metric_history(run_id, "m")) == 2500


def test_unknown_run_is_not_found(jp_nbops_store):
    jp_nbops_store.check()
    with pytest.raises(NotFoundError, match="nbops runs"):
        jp_nbops_store.get_run("0" * 32)


def test_bad_status_is_refused(jp_nbops_store):
    run_id = jp_nbops_store.start_run("nb.ipynb")
    with pytest.raises(InputError, match="FINISHED"):
        jp_nbops_store.end_run(run_id, "DONE")
    assert jp_nbops_store.get_run(run_id).status == "RUNNING"


def test_unreachable_server_fails_fast_naming_uri_and_fix(tmp_path, jp_nbops_unreachable_uri):
    store = open_store(load_settings(tmp_path))
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError) as err:
        store.list_runs("nb.ipynb")
    assert time.monotonic() - started < 5
    assert jp_nbops_unreachable_uri in str(err.value)
    assert "NBOPS_TRACKING_URI" in str(err.value)


@pytest.mark.parametrize("uri", ["nosuchscheme://host/x", "sqlite:////proc/no/such/dir/x.db"])
def test_malformed_uri_names_uri(uri):
    store = MlflowStore(uri, hint="Fix it.")
    with pytest.raises(StoreUnavailableError) as err:
        store.check()
    assert uri in str(err.value) and "Fix it." in str(err.value)


def test_open_store_reuses_one_store_per_uri(jp_nbops_project):
    settings = load_settings(jp_nbops_project)
    assert open_store(settings) is open_store(load_settings(jp_nbops_project / "sub"))


def test_a_servers_experiment_names_are_asked_once_a_minute(jp_nbops_mlflow_server, monkeypatch):
    """Every ``get_run`` names its run's experiment: a server is asked for the name once, and a
    renamed experiment shows its new name once the name is older than ``NAMES_KEPT_S``."""
    from nbops.store import search

    store = MlflowStore(jp_nbops_mlflow_server.uri)
    run_id = store.start_run("named")
    experiment_id = store.experiment_id("named")
    asked = []
    real = store.client.get_experiment
    monkeypatch.setattr(store.client, "get_experiment", lambda i: asked.append(i) or real(i))
    assert [store.get_run(run_id).experiment for _ in range(3)] == ["named"] * 3
    assert asked == [experiment_id]
    store.client.rename_experiment(experiment_id, "renamed")
    assert store.get_run(run_id).experiment == "named"  # within the minute
    monkeypatch.setattr(search, "NAMES_KEPT_S", 0.0)
    assert store.get_run(run_id).experiment == "renamed"
    assert [r.experiment for r in store.list_runs("renamed")] == ["renamed"]
