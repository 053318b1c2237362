"""Headless runs through real kernels with papermill, read back from the MLflow store."""

import subprocess
import sys
import time
from pathlib import Path

import mlflow
import nbformat
import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.execution.run import run
from nbops.steps.export import export

TRICKY = 'it\'s "quoted"\nsecond line \\ backslash"; import os; os._exit(3) #'


@pytest.fixture
def client(jp_nbops_store):
    return mlflow.MlflowClient(jp_nbops_store.uri)


def invoke(*args):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


def all_runs(client):
    ids = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(ids) if ids else []


def test_step_runs_headless_with_cli_parameters(jp_nbops_tagged_notebook, client, jp_nbops_store):
    step = export(jp_nbops_tagged_notebook).manifest
    result = invoke("run", "train", "-p", "dataset", TRICKY, "-p", "epochs", "4")
    assert result.exit_code == 0, result.output
    (recorded,) = all_runs(client)
    run_id = recorded.info.run_id
    assert f"Run {run_id}: FINISHED" in result.output
    assert recorded.info.status == "FINISHED"
    tags = recorded.data.tags
    assert (tags["nbops.step"], tags["nbops.step_version"]) == ("train", step.version)
    assert tags["nbops.source"] == "train.ipynb" and tags["nbops.run_kind"] == "headless"
    assert tags["mlflow.source.name"] == str(jp_nbops_tagged_notebook)  # Source in MLflow's UI
    assert tags["mlflow.source.type"] == "NOTEBOOK" and tags["mlflow.user"]
    assert recorded.data.params["epochs"] == "4" and recorded.data.params["alpha"] == "0.5"
    assert recorded.data.metrics == {"score": 2.0}  # logged by the notebook into the same run
    assert jp_nbops_store.load_text(run_id, "dataset.txt") == TRICKY  # the exact string arrived
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"executed", "report.html", "environment.json"} <= artifacts
    experiment = client.get_experiment(recorded.info.experiment_id)
    assert experiment.name == "train.ipynb"  # shows with the source notebook's runs


def test_notebook_target_and_parameter_file(jp_nbops_tagged_notebook, client, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("dataset: wine\nlayers: [2, 1]\nalpha: 2\n")
    result = run(jp_nbops_tagged_notebook, {"epochs": "1"}, parameter_file=params, progress=False)
    assert result.ok and result.report.is_file() and result.notebook.is_file()
    recorded = client.get_run(result.run_id)
    assert recorded.data.params["layers"] == "[2, 1]"
    assert recorded.data.metrics == {"score": 2.0}
    assert "nbops.step" not in recorded.data.tags


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-p", "dataset", "x", "-p", "alpah", "1"], "Unknown parameter 'alpah'"),
        (["-p", "dataset", "x", "-p", "epochs", "many"], "'epochs' expects int"),
        ([], "Missing required parameter(s): dataset"),
    ],
)
def test_bad_parameters_exit_2_before_any_kernel_or_run(
    jp_nbops_tagged_notebook, client, args, message
):
    export(jp_nbops_tagged_notebook)
    result = invoke("run", "train", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "alpha (float)" in result.output
    assert all_runs(client) == []


def test_unknown_step_exits_1_naming_known_steps(jp_nbops_tagged_notebook):
    export(jp_nbops_tagged_notebook)
    result = invoke("run", "trian")
    assert result.exit_code == 1 and "Known steps: train" in result.output


def test_notebook_without_parameters_refuses_p(jp_nbops_notebook_factory):
    jp_nbops_notebook_factory("plain.ipynb", [("x = 1", [])])
    result = invoke("run", "plain.ipynb", "-p", "x", "2")
    assert result.exit_code == 2 and "no parameters cell" in result.output


def failed_run(client, result, cause: str):
    assert result.exit_code == 1, result.output
    assert "FAILED" in result.output and cause in result.output
    (recorded,) = all_runs(client)
    assert recorded.info.status == "FAILED"  # never left RUNNING
    return recorded


def test_failing_cell(jp_nbops_notebook_factory, client):
    jp_nbops_notebook_factory("fail.ipynb", [("x = 1", []), ("raise ValueError('boom')", [])])
    recorded = failed_run(client, invoke("run", "fail.ipynb"), "ValueError: boom")
    executed = client.list_artifacts(recorded.info.run_id, "executed")
    assert [a.path for a in executed] == ["executed/fail.ipynb"]
    uri = recorded.info.artifact_uri
    nb = nbformat.reads(mlflow.artifacts.load_text(f"{uri}/executed/fail.ipynb"), as_version=4)
    assert any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in nb.cells)
    report = mlflow.artifacts.load_text(f"{uri}/report.html")
    assert "ValueError: boom" in report
    assert report.index("nbops-error") < report.index("jp-Cell ")  # the failure comes first


def test_failure_keeps_its_traceback(jp_nbops_notebook_factory, client):
    jp_nbops_notebook_factory(
        "deep.ipynb", [("def load():\n    return {}['missing']", []), ("value = load()", [])]
    )
    quiet = invoke("run", "deep.ipynb")
    assert "--verbose" in quiet.output and "Traceback" not in quiet.output
    recorded = failed_run(client, quiet, "KeyError")
    error = mlflow.artifacts.load_text(f"{recorded.info.artifact_uri}/error.txt")
    assert error.startswith("Cell 2 raised KeyError: 'missing'")
    assert "in load()" in error and "return {}['missing']" in error  # the frame, not one line
    assert "\x1b[" not in error
    assert recorded.data.tags["nbops.error"] == "Cell 2 raised KeyError: 'missing'"
    verbose = invoke("run", "deep.ipynb", "--verbose")
    assert verbose.exit_code == 1 and "in load()" in verbose.output


def test_timeout(jp_nbops_notebook_factory, client):
    jp_nbops_notebook_factory("slow.ipynb", [("import time\ntime.sleep(60)", [])])
    failed_run(client, invoke("run", "slow.ipynb", "--timeout", "2"), "timed out")


def test_dying_kernel(jp_nbops_notebook_factory, client):
    jp_nbops_notebook_factory("die.ipynb", [("import os\nos._exit(1)", [])])
    failed_run(client, invoke("run", "die.ipynb"), "DeadKernelError")


def test_notebook_written_for_interactive_use_logs_into_the_headless_run(
    jp_nbops_notebook_factory, client
):
    jp_nbops_notebook_factory(
        "interactive.ipynb",
        [
            ("alpha = 0.5", ["parameters"]),
            (
                "import nbops\nnbops.start_run(f'alpha={alpha}')\nnbops.log_metrics({'m': alpha})",
                [],
            ),
            ("nbops.end_run()\nnbops.log_metrics({'after_end': 1})", []),
        ],
    )
    result = invoke("run", "interactive.ipynb", "-p", "alpha", "0.25")
    assert result.exit_code == 0, result.output
    (recorded,) = all_runs(client)  # one run, not one per start_run
    assert recorded.info.run_name == "alpha=0.25"
    assert recorded.data.metrics == {"m": 0.25, "after_end": 1.0}
    assert recorded.info.status == "FINISHED"


def test_end_magic_in_a_headless_run_says_who_ends_it(jp_nbops_notebook_factory, client):
    jp_nbops_notebook_factory(
        "ends.ipynb",
        [("%load_ext nbops\nimport nbops\nnbops.log_metrics({'m': 1})", []), ("%nbops end", [])],
    )
    result = run("ends.ipynb", progress=False)
    assert result.ok
    nb = nbformat.read(result.notebook, as_version=4)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert f"Everything is written to run {result.run_id}" in text
    assert client.get_run(result.run_id).info.status == "FINISHED"


SLOW = [("import time", [])] + [("time.sleep(1)", [])] * 12  # each cell well under --timeout


def test_run_timeout_ends_the_whole_run_failed(jp_nbops_notebook_factory, client):
    jp_nbops_notebook_factory("long.ipynb", SLOW)
    result = invoke("run", "long.ipynb", "--timeout", "30", "--run-timeout", "4")
    recorded = failed_run(client, result, "took longer than its --run-timeout of 4 s")
    assert "--run-timeout of 4 s" in recorded.data.tags["nbops.error"]
    done = [c for c in nbformat.reads(
        mlflow.artifacts.load_text(f"{recorded.info.artifact_uri}/executed/long.ipynb"),
        as_version=4,
    ).cells if c.get("execution_count")]  # fmt: skip
    assert 1 <= len(done) < len(SLOW)  # stopped partway, the cells it ran are kept


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_bad_run_timeout_exits_2_recording_nothing(jp_nbops_notebook_factory, client, value):
    jp_nbops_notebook_factory("long.ipynb", SLOW)
    result = invoke("run", "long.ipynb", "--run-timeout", value)
    assert result.exit_code == 2 and "--run-timeout" in result.output
    assert all_runs(client) == []


def test_killed_while_saving_is_never_finished_and_the_next_run_marks_it(
    jp_nbops_notebook_factory, jp_nbops_project, client
):
    big_output = "print('x' * 200 + '\\n', end='') for _ in range(60_000)"
    jp_nbops_notebook_factory("big.ipynb", [(f"[{big_output}]\nNone", [])])
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "nbops"), "run", "big.ipynb"],
        cwd=jp_nbops_project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        executed = wait_for_artifact(jp_nbops_project, "executed/big.ipynb", process)
        process.kill()  # SIGKILL while the report is being written
    finally:
        process.wait(30)
    (recorded,) = all_runs(client)
    assert not (executed.parent.parent / "report.html").exists()
    assert recorded.info.status == "RUNNING"  # not FINISHED: its report never came
    result = invoke("run", "big.ipynb")  # the next check
    assert result.exit_code == 0, result.output
    ghost = client.get_run(recorded.info.run_id)
    assert ghost.info.status == "KILLED"
    assert "died before ending it" in ghost.data.tags["nbops.error"]


def wait_for_artifact(project, name, process, timeout=120):
    """The path of the first run artifact called ``name`` once it exists (polling the store)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "nbops run ended before it saved its artifacts"
        found = list((project / ".nbops" / "artifacts").glob(f"**/artifacts/{name}"))
        if found:
            return found[0]
        time.sleep(0.01)
    raise AssertionError(f"no artifact {name} within {timeout} s")


def test_the_first_cell_logs_into_the_run_opened_while_its_kernel_started(
    jp_nbops_notebook_factory, client
):
    """`nbops run` opens the run while the kernel starts; the kernel's first nbops call waits
    for it (the run's opening lock), so even a first cell that logs lands in the run."""
    notebook = jp_nbops_notebook_factory(
        "first.ipynb", [("import nbops\nnbops.log_metric('first', 1.5)", [])]
    )
    result = run(notebook, progress=False)
    assert result.ok, result.error
    recorded = client.get_run(result.run_id)
    assert recorded.data.metrics["first"] == 1.5
    assert recorded.info.status == "FINISHED"
    assert recorded.data.tags["nbops.worker.pid"]  # where it ran, recorded meanwhile


def test_a_deleted_experiment_is_refused_with_how_to_restore_it(jp_nbops_notebook_factory, client):
    notebook = jp_nbops_notebook_factory("gone.ipynb", [("x = 1", [])])
    assert run(notebook, progress=False).ok
    experiment = client.get_experiment_by_name("gone.ipynb").experiment_id
    client.delete_experiment(experiment)
    result = invoke("run", str(notebook))
    assert result.exit_code == 2, result.output
    assert "was deleted" in result.output and "mlflow experiments restore" in result.output
    runs = client.search_runs([experiment], run_view_type=mlflow.entities.ViewType.ALL)
    assert len(runs) == 1  # the first run only: nothing was opened


def test_the_kernel_process_talks_over_unix_sockets_and_its_own_output_stays_with_the_run(
    jp_nbops_notebook_factory, jp_nbops_project, client
):
    """No ipykernel warning about TCP in nbops's output: the kernel listens on Unix sockets in
    the task's private folder, and what its process writes itself is the run's ``kernel.log``."""
    cells = [
        ("import os, sys\nos.write(2, b'low-level note\\n')", []),
        ("import json\nfrom pathlib import Path\n"
         "info = json.loads(Path(sys.argv[sys.argv.index('-f') + 1]).read_text())\n"
         "print(info['transport'], info['shell_port'])", []),
    ]  # fmt: skip
    jp_nbops_notebook_factory("quiet.ipynb", cells)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nbops"), "run", "quiet.ipynb"],
        cwd=jp_nbops_project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "TCP" not in done.stderr and "IPKernelApp" not in done.stderr
    assert "low-level note" not in done.stderr + done.stdout
    (recorded,) = all_runs(client)
    run_id = recorded.info.run_id

    def artifact(path):
        uri = client.tracking_uri
        return Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path,
                                                        tracking_uri=uri))  # fmt: skip

    assert "low-level note" in artifact("kernel.log").read_text()
    executed = artifact("executed/quiet.ipynb")
    transport = nbformat.read(executed, as_version=4).cells[1].outputs[0]["text"].split()
    assert transport == ["ipc", "1"]
