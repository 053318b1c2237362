"""Every example notebook runs top to bottom, headless, through real kernels, in order."""

import shutil
from pathlib import Path

import mlflow
import pytest

from nbops.execution.options import Placement
from nbops.execution.run import run

EXAMPLES = Path(__file__).parent.parent / "examples"
ORDER = ["00_quickstart.ipynb", "01_prepare.ipynb", "02_train.ipynb", "03_evaluate.ipynb"]


@pytest.fixture
def examples(tmp_path, monkeypatch):
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns(".nbops", "steps", "*.expect"))
    monkeypatch.chdir(folder)
    return folder


def test_examples_run_in_order(examples):
    assert sorted(p.name for p in examples.glob("*.ipynb")) == ORDER
    results = {name: run(examples / name, progress=False) for name in ORDER}
    for name, result in results.items():
        assert result.ok, f"{name}: {result.error}"
        assert result.report.is_file()
    client = mlflow.MlflowClient(f"sqlite:///{examples / '.nbops' / 'mlflow.db'}")
    train = client.get_run(results["02_train.ipynb"].run_id)
    assert train.data.params["alpha"] == "1.0" and train.data.metrics["cv_rmse"] > 0
    assert client.search_model_versions("name='diabetes-ridge'")
    evaluate = client.get_run(results["03_evaluate.ipynb"].run_id)
    assert 0 < evaluate.data.metrics["test_r2"] < 1
    prepare = client.get_run(results["01_prepare.ipynb"].run_id)
    assert prepare.data.metrics["expect.diabetes.passed"] == 1.0
    assert {d.dataset.name for d in prepare.inputs.dataset_inputs} == {
        "diabetes_raw",
        "train",
        "test",
    }
    assert (examples / "expectations" / "diabetes.expect").is_file()


def test_example_pipeline_runs_then_is_cached(examples):
    from nbops.pipeline.dag import build_dag
    from nbops.pipeline.orchestrate import run_pipeline
    from nbops.pipeline.spec import read_pipeline

    dag = build_dag(read_pipeline(examples / "pipeline.yaml"))
    assert dag.upstream == {
        "prepare": set(),
        "train": {"prepare"},
        "evaluate": {"prepare", "train"},
    }
    first = run_pipeline(
        examples / "pipeline.yaml", echo=lambda line: None, placement=Placement(workers=2)
    )
    assert first.ok, {k: o.error for k, o in first.outcomes.items()}
    assert set(first.outcomes["prepare"].outputs) == {"train", "test"}
    again = run_pipeline(
        examples / "pipeline.yaml", echo=lambda line: None, placement=Placement(workers=2)
    )
    assert {o.status for o in again.outcomes.values()} == {"CACHED"}
