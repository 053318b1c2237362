"""A real four-step pipeline through real kernels, on the local and the Dask executors."""

import json

import mlflow
import pytest
from click.testing import CliRunner
from sklearn.datasets import load_iris

import nbops
from nbops.cli import main
from nbops.execution.options import Placement
from nbops.pipeline.orchestrate import run_pipeline


def invoke(*args):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


def quiet(line):
    pass


@pytest.fixture
def client(jp_nbops_store):
    return mlflow.MlflowClient(jp_nbops_store.uri)


def children(client, parent):
    run = client.get_run(parent)
    found = client.search_runs([run.info.experiment_id], f"tags.mlflow.parentRunId = '{parent}'")
    return {r.data.tags["nbops.pipeline_step"]: r for r in found}


def read_ids(client, run):
    return {d.dataset.name: d.dataset.digest for d in run.inputs.dataset_inputs
            if any(t.value == "input" for t in d.tags)}  # fmt: skip


def expected_ids():
    frame = load_iris(as_frame=True).frame
    return {
        "features": nbops.fingerprint(frame.drop(columns="target")),
        "labels": nbops.fingerprint(frame[["target"]]),
    }


def check_lineage(client, store, result):
    """Every step ran in a child run that read exactly what its upstream step wrote."""
    assert result.ok, {k: (o.status, o.error) for k, o in result.outcomes.items()}
    runs = children(client, result.run_id)
    assert set(runs) == {"prepare", "train", "evaluate", "summary"}
    assert all(r.info.status == "FINISHED" for r in runs.values())
    prepared = result.outcomes["prepare"].outputs
    assert prepared == expected_ids()  # same data, same fingerprints, wherever it ran
    assert read_ids(client, runs["train"]) == prepared
    predictions = result.outcomes["train"].outputs["predictions"]
    assert read_ids(client, runs["evaluate"]) == {"predictions": predictions}
    assert runs["evaluate"].data.metrics["accuracy"] > 0.9
    summary = json.loads(store.load_text(result.run_id, "pipeline.json"))
    assert summary["steps"]["evaluate"]["inputs"] == {"predictions": predictions}
    assert summary["steps"]["train"]["upstream"] == ["prepare"]
    parent = client.get_run(result.run_id)
    assert parent.info.status == "FINISHED" and parent.data.tags["nbops.run_kind"] == "pipeline"
    return runs


def test_local_run_then_cache_hits_and_misses(jp_nbops_pipeline, client, jp_nbops_store):
    first = run_pipeline(jp_nbops_pipeline, echo=quiet, placement=Placement(workers=2))
    check_lineage(client, jp_nbops_store, first)

    lines = []
    again = run_pipeline(jp_nbops_pipeline, echo=lines.append, placement=Placement(workers=2))
    assert again.ok and {o.status for o in again.outcomes.values()} == {"CACHED"}
    assert any(
        line.startswith("cached    train: same code, parameters and inputs") for line in lines
    )
    assert again.outcomes["train"].run_id == first.outcomes["train"].run_id
    assert children(client, again.run_id) == {}  # nothing ran

    result = CliRunner().invoke(main, ["pipeline", "run", str(jp_nbops_pipeline), "-p",
                                       "train.C", "0.05", "--workers", "2"],
                                env={"COLUMNS": "80"})  # fmt: skip
    assert result.exit_code == 0, result.output
    table = [line for line in result.output.splitlines() if "CACHED" in line or "FINISHED" in line]
    assert len(table) == 5 and max(map(len, table)) <= 80, result.output  # title, one per step
    changed = children(client, client.search_runs(
        [client.get_run(first.run_id).info.experiment_id], "tags.`nbops.run_kind` = 'pipeline'",
        order_by=["attributes.start_time DESC"], max_results=1)[0].info.run_id)  # fmt: skip
    assert set(changed) == {"train", "evaluate"}  # prepare and summary came from the cache
    assert changed["train"].data.params["C"] == "0.05"
    assert "CACHED" in result.output and "FINISHED" in result.output
    first_train = first.outcomes["train"].run_id[:8]
    assert f"changed   train: parameters C 1.0 -> 0.05 against run {first_train}" in result.output
    predictions = first.outcomes["train"].outputs["predictions"][:8]
    assert f"changed   evaluate: input predictions {predictions} -> " in result.output

    forced = run_pipeline(jp_nbops_pipeline, force=True, echo=quiet, placement=Placement(workers=2))
    assert {o.status for o in forced.outcomes.values()} == {"FINISHED"}


def test_dask_local_cluster_same_outputs_and_lineage(jp_nbops_pipeline, client, jp_nbops_store):
    result = run_pipeline(
        jp_nbops_pipeline, echo=quiet, placement=Placement(executor="dask", workers=2)
    )
    check_lineage(client, jp_nbops_store, result)


def test_failing_middle_step_stops_its_descendants_only(jp_nbops_pipeline, client):
    result = invoke("pipeline", "run", str(jp_nbops_pipeline), "-p", "train.fail", "true")
    assert result.exit_code == 1, result.output
    assert "skipped   evaluate: upstream train did not finish" in result.output
    parent_id = result.output.split("Pipeline run ")[1].split(":")[0]
    runs = children(client, parent_id)
    assert runs["train"].info.status == "FAILED"
    assert runs["summary"].info.status == "FINISHED"  # an independent branch still ran
    assert "evaluate" not in runs
    assert client.get_run(parent_id).info.status == "FAILED"
    assert "train failed on purpose" in result.output


def test_worker_that_dies_is_retried_once(jp_nbops_pipeline, client, tmp_path):
    marker = tmp_path / "died-once"
    lines = []
    result = run_pipeline(
        jp_nbops_pipeline,
        [("train.die", "once"), ("train.marker", str(marker))],
        echo=lines.append,
        placement=Placement(workers=2),
    )
    assert marker.exists()  # the first attempt killed its worker
    assert result.ok and result.outcomes["train"].attempts == 2
    assert any(line.startswith("retrying  train: The worker process") for line in lines)
    experiment = client.get_run(result.run_id).info.experiment_id
    lost = client.search_runs([experiment], "tags.`nbops.pipeline_step` = 'train'")
    statuses = sorted(r.info.status for r in lost)
    assert statuses == ["FAILED", "FINISHED"]
    failed = next(r for r in lost if r.info.status == "FAILED")
    assert "died" in failed.data.tags["nbops.error"]


def test_dask_worker_that_always_dies_fails_after_one_retry(jp_nbops_pipeline, client):
    result = run_pipeline(
        jp_nbops_pipeline,
        [("train.die", "always")],
        echo=quiet,
        placement=Placement(executor="dask", workers=2),
    )
    train = result.outcomes["train"]
    assert (train.status, train.attempts) == ("FAILED", 2)
    assert "Dask worker running 'train' died" in train.error
    assert result.outcomes["evaluate"].status == "SKIPPED"
    assert result.outcomes["summary"].status == "FINISHED"
    assert not result.ok
    experiment = client.get_run(result.run_id).info.experiment_id
    assert not client.search_runs([experiment], "attributes.status = 'RUNNING'")


HELPER_STEP = [
    (
        "import json, os, pathlib\n"
        "import helpers\n"
        "import nbops\n"
        'nbops.log_metric("answer", helpers.ANSWER)\n'
        'limits = json.loads(pathlib.Path("conf/limits.json").read_text())\n'
        'nbops.log_metric("threshold", limits["t"])\n'
        'nbops.set_tags({"cwd": os.getcwd()})',
        [],
    ),
]


def test_a_step_runs_in_a_private_folder_with_its_files(
    jp_nbops_project, jp_nbops_notebook_factory, client
):
    jp_nbops_notebook_factory("uses.ipynb", HELPER_STEP)
    (jp_nbops_project / "helpers.py").write_text("ANSWER = 42\n")
    (jp_nbops_project / "conf").mkdir()
    (jp_nbops_project / "conf" / "limits.json").write_text('{"t": 0.5}')
    (jp_nbops_project / "unrelated.csv").write_text("not carried")
    path = jp_nbops_project / "pipeline.yaml"
    path.write_text(
        "name: files\nsteps:\n  uses:\n    notebook: uses.ipynb\n    files: [helpers.py, conf]\n"
    )
    result = run_pipeline(path, echo=quiet)
    assert result.ok, {k: (o.status, o.error) for k, o in result.outcomes.items()}
    run = children(client, result.run_id)["uses"]
    assert run.data.metrics == {"answer": 42.0, "threshold": 0.5}
    cwd = run.data.tags["cwd"]
    assert not cwd.startswith(str(jp_nbops_project))  # not the notebook's folder
    assert run.data.tags["nbops.worker.pid"] and run.data.tags["nbops.worker.host"]
    report = result.outcomes["uses"].report  # this machine: kept beside the project too
    assert report.is_file() and report.parent.parent == jp_nbops_project / ".nbops" / "runs"
    (jp_nbops_project / "helpers.py").write_text("ANSWER = 43\n")  # a file is part of the code
    again = run_pipeline(path, echo=quiet)
    assert again.outcomes["uses"].status == "FINISHED"  # not a cache hit
    assert client.get_run(again.outcomes["uses"].run_id).data.metrics["answer"] == 43.0


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("    files: [../outside.py]\n", "is outside the project"),
        ("    files: [missing.py]\n", "no file or folder 'missing.py'"),
        ("    resources: {GPU: -1}\n", "must map names to positive numbers"),
        ("    resources: [GPU]\n", "must map names to positive numbers"),
    ],
)
def test_bad_files_or_resources_are_refused_before_anything_runs(
    jp_nbops_project, jp_nbops_notebook_factory, jp_nbops_store, step, message
):
    jp_nbops_notebook_factory("uses.ipynb", HELPER_STEP)
    (jp_nbops_project.parent / "outside.py").write_text("SECRET = 1\n")
    path = jp_nbops_project / "pipeline.yaml"
    path.write_text("name: bad\nsteps:\n  uses:\n    notebook: uses.ipynb\n" + step)
    result = invoke("pipeline", "run", str(path))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert jp_nbops_store.list_runs() == []  # nothing recorded


def test_remote_workers_with_the_embedded_store_are_refused(jp_nbops_pipeline, jp_nbops_store):
    for command in (
        ["pipeline", "run", str(jp_nbops_pipeline)],
        ["run", "prepare.ipynb", "--sweep", "rows=10,20"],
    ):
        result = invoke(*command, "--executor", "dask", "--address", "tcp://127.0.0.1:9")
        assert result.exit_code == 2, result.output
        assert "Set NBOPS_TRACKING_URI to an MLflow server" in result.output.replace("\n", " ")
        assert "a file on this machine" in result.output.replace("\n", " ")
    assert jp_nbops_store.list_runs() == []  # nothing recorded, no scheduler contacted


def test_an_exported_step_carries_its_files(
    jp_nbops_project, jp_nbops_notebook_factory, client, monkeypatch
):
    monkeypatch.chdir(jp_nbops_project)
    jp_nbops_notebook_factory("uses.ipynb", HELPER_STEP)
    (jp_nbops_project / "helpers.py").write_text("ANSWER = 42\n")
    (jp_nbops_project / "conf").mkdir()
    (jp_nbops_project / "conf" / "limits.json").write_text('{"t": 0.5}')
    result = invoke("export", "uses.ipynb", "--file", "helpers.py", "--file", "conf")
    assert result.exit_code == 0, result.output
    (folder,) = (jp_nbops_project / "steps" / "uses").iterdir()
    assert (folder / "files" / "conf" / "limits.json").read_text() == '{"t": 0.5}'
    (jp_nbops_project / "helpers.py").write_text("ANSWER = 43\n")  # the step keeps its copy
    path = jp_nbops_project / "pipeline.yaml"
    path.write_text("name: exported\nsteps:\n  uses:\n    step: uses\n")
    outcome = run_pipeline(path, echo=quiet).outcomes["uses"]
    assert outcome.status == "FINISHED", outcome.error
    assert client.get_run(outcome.run_id).data.metrics["answer"] == 42.0
    again = invoke("export", "uses.ipynb", "--file", "helpers.py", "--file", "conf")
    assert "Exported uses@" in again.output  # new file content, new version
    (jp_nbops_project.parent / "outside.py").write_text("")
    refused = invoke("export", "uses.ipynb", "--file", "../outside.py")
    assert refused.exit_code == 2 and "is outside the project" in refused.output
