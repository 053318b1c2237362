"""``nbops monitor``: drift and expectations as a monitor run; drift retrains and promotes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.config import load_settings
from nbops.loop.monitor import DRIFTED_TAG, PROMOTION_TAG, RETRAIN_TAG, VERDICT_TAG
from nbops.names import MONITOR_FILE
from nbops.store import open_store

TRAIN = [
    ("alpha = 1.0", ["parameters"]),
    (
        "import nbops\n"
        "from sklearn.datasets import load_diabetes\n"
        "from sklearn.linear_model import Ridge\n"
        "X, y = load_diabetes(return_X_y=True, as_frame=True)\n"
        "model = Ridge(alpha=alpha).fit(X, y)\n"
        "nbops.log_metric('rmse', float(((model.predict(X) - y) ** 2).mean() ** 0.5))\n"
        "nbops.log_model(model, 'model', input_example=X.head(3))",
        [],
    ),
]
PIPELINE = """\
name: retrain
steps:
  train:
    notebook: train.ipynb
promote:
  model: diabetes
  step: train
  gates: ["rmse < 100"]
"""


def cli(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def production(jp_nbops_project, monkeypatch):
    """A reference snapshot of the diabetes features, and current data as files."""
    from sklearn.datasets import load_diabetes

    from nbops.capture.session import Session
    from nbops.data.snapshot import take_snapshot

    monkeypatch.chdir(jp_nbops_project)
    X, _ = load_diabetes(return_X_y=True, as_frame=True)
    session = Session(notebook=jp_nbops_project / "prepare.ipynb", capture_environment=False)
    session.start_run("reference")
    take_snapshot(session, X, "features", role="output")
    shifted = X.assign(bmi=X.bmi + 0.05, age=X.age * 3)
    take_snapshot(session, shifted, "shifted", role="output")
    session.end_run()
    session.close()
    X.sample(frac=1, random_state=0).to_parquet(jp_nbops_project / "today.parquet")
    shifted.to_csv(jp_nbops_project / "drifted.csv", index=False)
    return jp_nbops_project


def test_no_drift_on_a_parquet_file(production):
    result = cli("monitor", "--reference", "features", "--current", "today.parquet")
    assert result.exit_code == 0, result.output
    assert "NO DRIFT" in result.output
    store = open_store(load_settings())
    [run] = store.list_runs("monitor/features", 5)
    assert run.tags["nbops.run_kind"] == "monitor" and run.tags[VERDICT_TAG] == "no drift"
    assert run.params["current"] != run.params["reference"]  # the file, snapshotted
    report = json.loads(store.load_text(run.run_id, MONITOR_FILE))
    assert len(report["drift"]["columns"]) == 10


def test_drift_between_snapshots_names_the_columns(production):
    result = cli("monitor", "--reference", "features", "--current", "shifted")
    assert result.exit_code == 3, result.output
    assert "DRIFT" in result.output and "bmi (PSI" in result.output and "age (PSI" in result.output
    assert "sex" not in result.output.split("DRIFT", 1)[1].split("monitor run")[0]
    run = open_store(load_settings()).list_runs("monitor/features", 1)[0]
    assert run.tags[DRIFTED_TAG] == "age,bmi" and run.metrics["drift.psi.bmi"] > 0.2
    only = cli("monitor", "--reference", "features", "--current", "shifted", "--columns", "sex,s1")
    assert only.exit_code == 0, only.output


def test_saved_expectations_of_the_reference_are_checked(production):
    (production / "expectations").mkdir()
    (production / "expectations" / "features.expect").write_text("bmi: -0.1..0.1\n")
    result = cli(
        "monitor", "--reference", "features", "--current", "drifted.csv", "--threshold", "100"
    )
    assert result.exit_code == 3, result.output
    assert "expectation failed: bmi" in result.output


@pytest.mark.parametrize(
    "args, words",
    [
        (["--reference", "nothing", "--current", "today.parquet"], "No snapshot named"),
        (["--reference", "features", "--current", "missing.csv"], "does not exist"),
        (["--reference", "features", "--current", "nothing"], "No snapshot named"),
        (["--reference", "features", "--current", "shifted", "--columns", "zz"], "zz are not"),
        (["--reference", "features", "--current", "shifted", "--threshold", "0"], "threshold"),
        (["--reference", "features", "--current", "shifted", "--retrain", "no.yaml"], "no.yaml"),
    ],
)
def test_bad_input_exits_2_and_records_nothing(production, args, words):
    result = cli("monitor", *args)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert open_store(load_settings()).list_runs("monitor/features", 5) == []


def test_drift_retrains_and_promotes(production, jp_nbops_write_tagged):
    jp_nbops_write_tagged(production / "train.ipynb", TRAIN)
    (production / "pipeline.yaml").write_text(PIPELINE)
    calm = cli(
        "monitor",
        "--reference",
        "features",
        "--current",
        "today.parquet",
        "--retrain",
        "pipeline.yaml",
    )
    assert calm.exit_code == 0 and "retraining" not in calm.output

    result = cli(
        "monitor", "--reference", "features", "--current", "shifted", "--retrain", "pipeline.yaml"
    )

    assert result.exit_code == 3, result.output
    assert "promotion: diabetes v1 promoted" in result.output
    store = open_store(load_settings())
    monitor_run = store.list_runs("monitor/features", 1)[0]
    pipeline_run = store.get_run(monitor_run.tags[RETRAIN_TAG])
    assert pipeline_run.status == "FINISHED"
    assert pipeline_run.tags["nbops.triggered_by"] == monitor_run.run_id
    assert monitor_run.tags[PROMOTION_TAG] == "diabetes v1 promoted"
    champion = store.client.get_model_version_by_alias("diabetes", "champion")
    trained = store.list_runs("pipeline.yaml", 5, tags={"mlflow.parentRunId": pipeline_run.run_id})
    assert champion.run_id == trained[0].run_id


def test_drift_is_notified_and_the_exit_code_stays(production, jp_nbops_receiver):
    (production / "nbops.toml").write_text(
        f'[[notify]]\non = ["drift"]\nurl = "{jp_nbops_receiver.url()}"\n'
    )
    calm = cli("monitor", "--reference", "features", "--current", "today.parquet")
    assert calm.exit_code == 0 and jp_nbops_receiver.received == []  # no drift: nothing sent
    result = cli("monitor", "--reference", "features", "--current", "shifted")
    assert result.exit_code == 3, result.output
    [message] = jp_nbops_receiver.messages("warning")
    run = open_store(load_settings()).list_runs("monitor/features", 1)[0]
    assert message["title"] == "nbops: drift in features"
    assert (
        "Snapshot features: drift: age (PSI" in message["message"]
        and "bmi (PSI" in message["message"]
    )
    assert f"Monitor run {run.run_id}" in message["message"]
    assert "nbops runs (experiment monitor/features)" in message["message"]
    listed = cli("runs", "--wide")
    assert listed.exit_code == 0 and run.run_id[:8] in listed.output  # where it says to look
