import mlflow
import pytest

from nbops.capture.session import Session
from nbops.exceptions import FlushError


def test_every_queued_value_is_written_by_end_run(jp_nbops_project):
    session = Session(capture_environment=False)
    run_id = session.start_run()
    for step in range(2000):
        session.log_metrics({"loss": step / 2000}, step=step)
    session.end_run()
    assert session.writer.pending() == 0
    history = mlflow.MlflowClient(session.settings.tracking_uri).get_metric_history(run_id, "loss")
    assert sorted(m.step for m in history) == list(range(2000))
    session.close()


def test_store_outage_keeps_values_warns_once_and_recovers(
    jp_nbops_project, jp_nbops_mlflow_server
):
    session = Session(notebook=None, capture_environment=False)
    run_id = session.start_run("through an outage")
    session.log_metrics({"loss": 1.0}, step=0)
    session.flush()

    jp_nbops_mlflow_server.stop()
    session.log_metrics({"loss": 0.5}, step=1)  # returns at once: the notebook keeps working
    with pytest.raises(FlushError, match="kept in memory") as err:
        session.writer.flush(retries=(0.1,))
    assert jp_nbops_mlflow_server.uri in str(err.value)
    assert session.writer.pending(run_id) == 1
    with pytest.warns(RuntimeWarning, match="written when the store answers"):
        session.log_metrics({"loss": 0.25}, step=2)
    session.log_metrics({"loss": 0.125}, step=3)  # no second warning for the same outage
    with pytest.raises(FlushError):
        session.end_run()
    assert session.run_id == run_id  # the run stays active: nothing is lost

    jp_nbops_mlflow_server.start()
    assert session.end_run() == run_id
    client = mlflow.MlflowClient(jp_nbops_mlflow_server.uri)
    steps = sorted((m.step, m.value) for m in client.get_metric_history(run_id, "loss"))
    assert steps == [(0, 1.0), (1, 0.5), (2, 0.25), (3, 0.125)]
    assert client.get_run(run_id).info.status == "FINISHED"
    session.close()
