"""Notebooks that use nbops, executed by real kernels; the store is read back with MlflowClient."""

import json
import os
import signal

import mlflow
import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

TRACKED = [
    "%load_ext nbops\nimport nbops",
    "%%track\nalpha = 0.3\nmodel_name = 'ridge'\nrmse = 1.5\n_hidden = 7\nobj = object()",
    "for step in range(3):\n    nbops.log_metric('loss', 1 / (step + 1), step=step)",
    "%nbops end",
]


@pytest.fixture
def run_notebook(jp_nbops_project, jp_nbops_write_notebook, monkeypatch):
    """Write a notebook into the project and execute it with a real kernel started in its folder."""

    def run(name: str, sources: list[str]) -> nbformat.NotebookNode:
        path = jp_nbops_write_notebook(jp_nbops_project / name, sources)
        monkeypatch.setenv("JPY_SESSION_NAME", str(path))  # as jupyter_server tells its kernels
        nb = nbformat.read(path, as_version=4)
        NotebookClient(
            nb, timeout=120, resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        return nb

    return run


@pytest.fixture
def client(jp_nbops_store):
    return mlflow.MlflowClient(jp_nbops_store.uri)


def only_run(client, experiment):
    exp = client.get_experiment_by_name(experiment)
    (run,) = client.search_runs([exp.experiment_id])
    return run


def test_mlflow_is_never_imported_in_two_threads_at_once(run_notebook):
    """The warm-up waits for the cell that loaded nbops, and the next cell waits for it."""
    nb = run_notebook(
        "imports.ipynb",
        [
            "%load_ext nbops\nimport threading\n"
            "assert 'nbops-warm-up' not in {t.name for t in threading.enumerate()}\n"
            "import mlflow.pyfunc",
            "import nbops.magics\nassert not nbops.magics.warm_up_thread.is_alive()",
        ],
    )
    assert all(o.output_type != "error" for cell in nb.cells for o in cell.outputs)


def test_tracked_notebook_makes_a_complete_run(run_notebook, client):
    nb = run_notebook("train.ipynb", TRACKED)
    run = only_run(client, "train.ipynb")
    assert run.info.status == "FINISHED"
    assert run.data.params == {"model_name": "ridge"}
    assert {k: v for k, v in run.data.metrics.items() if k != "cell_duration_s"} == {
        "alpha": 0.3,
        "rmse": 1.5,
        "loss": 1 / 3,
    }
    loss = client.get_metric_history(run.info.run_id, "loss")
    assert sorted((m.step, m.value) for m in loss) == [(0, 1.0), (1, 0.5), (2, 1 / 3)]
    assert run.data.metrics["cell_duration_s"] >= 0
    paths = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"environment.json", "notebook", "cells"} <= paths
    env = json.loads(mlflow.artifacts.load_text(f"{run.info.artifact_uri}/environment.json"))
    assert env["packages"]["ipykernel"]
    assert run.data.tags["nbops.notebook"] == "train.ipynb"
    outputs = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Logged model_name, alpha, rmse" in outputs
    assert f"Ended run {run.info.run_name} ({run.info.run_id}): FINISHED" in outputs


def test_track_with_named_variables(run_notebook, client):
    run_notebook(
        "named.ipynb",
        ["%load_ext nbops", "%%track --params a --metrics score\na, b, score = 1, 2, 0.9"],
    )
    run = only_run(client, "named.ipynb")
    assert run.data.params == {"a": "1"}
    assert set(run.data.metrics) == {"score", "cell_duration_s"}


def test_run_left_open_ends_finished_when_the_kernel_shuts_down(run_notebook, client):
    run_notebook("open.ipynb", ["import nbops", "nbops.log_metric('x', 2.0)"])
    run = only_run(client, "open.ipynb")
    assert run.info.status == "FINISHED"
    assert run.data.metrics == {"x": 2.0}


def test_track_naming_a_missing_variable_is_a_clear_error(run_notebook):
    with pytest.raises(Exception, match="no such variable") as err:
        run_notebook("bad.ipynb", ["%load_ext nbops", "%%track --metrics nope\nx = 1"])
    assert "nope" in str(err.value)


def execute(kc, code: str) -> None:
    reply = kc.execute_interactive(code, timeout=120)
    assert reply["content"]["status"] == "ok", reply["content"]


def test_killed_kernel_leaves_a_run_the_next_load_marks_killed(
    jp_nbops_project, jp_nbops_write_notebook, client, monkeypatch
):
    notebook = jp_nbops_write_notebook(jp_nbops_project / "doomed.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    km, kc = start_new_kernel(cwd=str(jp_nbops_project))
    try:
        execute(
            kc, "import nbops\nnbops.start_run('doomed')\nnbops.log_metric('x', 1)\nnbops.flush()"
        )
    finally:
        kc.stop_channels()
        os.kill(km.provisioner.process.pid, signal.SIGKILL)  # no atexit, no end_run
        km.provisioner.process.wait(timeout=30)
        km.cleanup_resources()
    run = only_run(client, "doomed.ipynb")
    assert run.info.status == "RUNNING"

    km, kc = start_new_kernel(cwd=str(jp_nbops_project))
    try:
        execute(kc, "%load_ext nbops")
        execute(kc, "import nbops.magics\nassert not nbops.magics.warm_up_thread.is_alive()")
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
    run = client.get_run(run.info.run_id)
    assert run.info.status == "KILLED"
    assert run.data.metrics == {"x": 1.0}


def test_kernel_restart_ends_the_run_finished_with_everything_logged(
    jp_nbops_project, jp_nbops_write_notebook, client, monkeypatch
):
    notebook = jp_nbops_write_notebook(jp_nbops_project / "restarted.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    km, kc = start_new_kernel(cwd=str(jp_nbops_project))
    try:
        # 500 values still queued (not flushed) when the restart comes
        execute(kc, "import nbops\nfor i in range(500):\n    nbops.log_metric('x', i, step=i)")
        km.restart_kernel()
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
    run = only_run(client, "restarted.ipynb")
    assert run.info.status == "FINISHED"
    assert len(client.get_metric_history(run.info.run_id, "x")) == 500
