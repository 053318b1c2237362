"""Sweeps (a grid of child runs under one parent) and Ctrl-C during a pipeline."""

import os
import signal
import subprocess
import sys
import time

import mlflow
import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.exceptions import InputError
from nbops.execution.options import Placement
from nbops.pipeline.sweep import parse_sweeps

STEP = [
    ("a = 1.0\nb = 0", ["parameters"]),
    ("import nbops\nnbops.log_metric('loss', (a - 2) ** 2 + b)", []),
]


def invoke(*args):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


def test_grid_sweep_table_sorted_and_logged(jp_nbops_notebook_factory, jp_nbops_store):
    notebook = jp_nbops_notebook_factory("step.ipynb", STEP)
    result = invoke("run", str(notebook), "--sweep", "a=0,2,5", "--sweep", "b=0,1",
                    "--metric", "loss", "--workers", "2")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if "FINISHED " in line]
    losses = [float(r[3]) for r in rows]
    assert losses == sorted(losses) == [0, 1, 4, 5, 9, 10]
    assert rows[0][:2] == ["2", "0"]  # the best combination first
    client = mlflow.MlflowClient(jp_nbops_store.uri)
    (parent,) = [r for r in jp_nbops_store.list_runs() if r.tags.get("nbops.run_kind") == "sweep"]
    experiment = client.get_run(parent.run_id).info.experiment_id
    kids = client.search_runs([experiment], f"tags.mlflow.parentRunId = '{parent.run_id}'")
    assert len(kids) == 6 and {k.info.status for k in kids} == {"FINISHED"}
    for kid in kids:  # the environment is captured once per sweep, and recorded by every run
        assert kid.data.tags["nbops.env.python"] and kid.data.tags["nbops.code_hash"]
        assert "environment.json" in {a.path for a in client.list_artifacts(kid.info.run_id)}
    assert parent.metrics["best_loss"] == 0
    assert parent.params == {"sweep.a": "0,2,5", "sweep.b": "0,1"}
    table = jp_nbops_store.load_text(parent.run_id, "sweep.csv").splitlines()
    assert table[0] == "a,b,status,loss,run_id" and table[1].startswith("2,0,FINISHED,0.0,")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["a"], "is not NAME=v1,v2"),
        (["a="], "is not NAME=v1,v2"),
        (["a=1", "a=2"], "names 'a' twice"),
    ],
)
def test_bad_sweeps(given, message):
    with pytest.raises(InputError, match=message):
        parse_sweeps(given)


def test_bad_sweep_value_records_nothing(jp_nbops_notebook_factory, jp_nbops_store):
    notebook = jp_nbops_notebook_factory("step.ipynb", STEP)
    result = invoke("run", str(notebook), "--sweep", "a=1,x")
    assert result.exit_code == 2 and "expects float, which 'x' is not" in result.output
    result = invoke("run", str(notebook), "--sweep", "c=1,2")
    assert result.exit_code == 2 and "Unknown parameter 'c'" in result.output
    result = invoke("run", str(notebook), "--metric", "loss")
    assert result.exit_code == 2 and "go with --sweep" in result.output
    assert jp_nbops_store.list_runs() == []


SLOW = [
    ("import nbops, time\nnbops.log_metric('started', 1)\ntime.sleep(120)", []),
]


def test_ctrl_c_stops_workers_and_leaves_no_running_run(
    jp_nbops_project, jp_nbops_notebook_factory, jp_nbops_store
):
    for name in ("slow_a", "slow_b"):
        jp_nbops_notebook_factory(f"{name}.ipynb", SLOW)
    path = jp_nbops_project / "pipeline.yaml"
    path.write_text(
        "steps:\n  a: {notebook: slow_a.ipynb}\n  b: {notebook: slow_b.ipynb}\n"
        "  c: {notebook: slow_a.ipynb, after: [a]}\n"
    )
    nbops = os.path.join(os.path.dirname(sys.executable), "nbops")
    # its own process group, as a terminal's Ctrl-C reaches every process of the foreground job
    process = subprocess.Popen(
        [nbops, "pipeline", "run", str(path), "--workers", "2"],
        cwd=jp_nbops_project, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs = jp_nbops_store.list_runs(status="RUNNING")
        if sum("started" in r.metrics for r in runs) == 2:
            break
        time.sleep(0.5)
    else:
        process.kill()
        pytest.fail(f"the steps did not start: {process.communicate()[0]}")
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "Interrupted: the runs it started were ended as KILLED." in output
    assert jp_nbops_store.list_runs(status="RUNNING") == []
    statuses = sorted(r.status for r in jp_nbops_store.list_runs())
    assert statuses == ["KILLED", "KILLED", "KILLED"]  # two steps and the parent; c never started
    time.sleep(3)  # orphaned kernels notice their parent is gone within a second or two
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert "nbops.execution.executors.local" not in ps


def test_failure_outside_the_notebook_keeps_the_workers_traceback(
    jp_nbops_notebook_factory, jp_nbops_project, jp_nbops_store
):
    notebook = jp_nbops_notebook_factory("step.ipynb", STEP)
    (jp_nbops_project / ".nbops").mkdir(exist_ok=True)
    (jp_nbops_project / ".nbops" / "runs").write_text("a file where the run folders go")
    result = invoke("run", str(notebook), "--sweep", "a=0,1", "--workers", "1")
    assert result.exit_code == 1, result.output
    assert "failed in its worker: NotADirectoryError" in result.output
    client = mlflow.MlflowClient(jp_nbops_store.uri)
    kids = [r for r in jp_nbops_store.list_runs() if r.tags.get("nbops.sweep_index")]
    assert len(kids) == 2 and {k.status for k in kids} == {"FAILED"}  # none left RUNNING
    error = mlflow.artifacts.load_text(
        f"{client.get_run(kids[0].run_id).info.artifact_uri}/error.txt"
    )
    assert "Traceback (most recent call last)" in error and "in execute_task" in error


def test_run_timeout_applies_to_each_run_of_a_sweep(jp_nbops_notebook_factory, jp_nbops_store):
    slow = [
        ("a = 1.0", ["parameters"]),
        ("import time\nfor _ in range(30):\n    time.sleep(1)", []),
    ]
    notebook = jp_nbops_notebook_factory("slow.ipynb", slow)
    result = invoke("run", str(notebook), "--sweep", "a=1,2", "--run-timeout", "5")
    assert result.exit_code == 1, result.output
    assert result.output.count("took longer than its --run-timeout of 5 s") == 2
    kids = [r for r in jp_nbops_store.list_runs() if r.tags.get("nbops.sweep_index")]
    assert len(kids) == 2 and {k.status for k in kids} == {"FAILED"}


def test_on_a_server_the_workers_record_each_runs_parameters(
    jp_nbops_mlflow_server, jp_nbops_notebook_factory
):
    """A server's runs are opened with their tags only (one request each): the parameters are
    on every run all the same, recorded by the worker that ran it."""
    from nbops.pipeline.sweep import run_sweep

    notebook = jp_nbops_notebook_factory("step.ipynb", STEP)
    result = run_sweep(
        str(notebook),
        {"a": ["0", "3"]},
        {"b": 1},
        metric="loss",
        echo=print,
        placement=Placement(workers=2),
    )
    assert result.ok
    client = mlflow.MlflowClient(jp_nbops_mlflow_server.uri)
    for row in result.rows:
        run = client.get_run(row.outcome.run_id)
        assert run.data.params == {"a": f"{float(row.values['a'])}", "b": "1"}
        assert run.data.metrics["loss"] == (float(row.values["a"]) - 2) ** 2 + 1
        assert run.data.tags["nbops.worker.pid"]


def test_on_a_server_runs_no_worker_reached_still_hold_their_parameters(
    jp_nbops_mlflow_server, jp_nbops_notebook_factory
):
    """Every worker dies before its task starts (retried once, as a new run): each run is ended
    FAILED by the coordinator, which records its parameters with the reason."""
    import simulated  # noqa: F401 - registers --executor lost

    from nbops.pipeline.sweep import run_sweep

    notebook = jp_nbops_notebook_factory("step.ipynb", STEP)
    result = run_sweep(
        str(notebook), {"a": ["0", "3"]}, echo=print, placement=Placement(executor="lost")
    )
    assert not result.ok and {row.outcome.status for row in result.rows} == {"FAILED"}
    client = mlflow.MlflowClient(jp_nbops_mlflow_server.uri)
    kids = client.search_runs(
        [client.get_run(result.run_id).info.experiment_id],
        f"tags.mlflow.parentRunId = '{result.run_id}'",
    )
    assert len(kids) == 4  # two combinations, each tried twice
    for kid in kids:
        assert kid.info.status == "FAILED" and "died" in kid.data.tags["nbops.error"]
        assert kid.data.params["b"] == "0" and kid.data.params["a"] in {"0.0", "3.0"}
        assert "nbops.worker.pid" not in kid.data.tags


def test_a_sweep_of_20000_tasks_completes_with_a_summary(jp_nbops_notebook_factory, jp_nbops_store):
    """200 countries x 100 settings through the real coordinator; the simulated executor
    (tests/pipeline/simulated.py) finishes each task at once without a kernel."""
    import simulated  # noqa: F401 - registers --executor simulated

    from nbops.pipeline.sweep import run_sweep

    notebook = jp_nbops_notebook_factory(
        "step.ipynb", [("country = 'c0'\nsetting = 0", ["parameters"])]
    )
    lines: list[str] = []
    sweeps = {"country": [f"c{i}" for i in range(200)], "setting": [str(i) for i in range(100)]}
    result = run_sweep(
        str(notebook), sweeps, echo=lines.append, placement=Placement(executor="simulated")
    )
    assert result.ok and len(result.rows) == 20_000
    assert len({row.outcome.run_id for row in result.rows}) == 20_000
    assert lines[-1] == "20,000 of 20,000 runs done, 0 not finished" and len(lines) <= 12
    children = jp_nbops_store.list_runs(
        "step.ipynb", 30_000, tags={"mlflow.parentRunId": result.run_id}
    )
    assert len(children) == 20_000
    some = {run.name: run.params for run in children[::4999]}
    for name, params in some.items():  # each child holds its own combination
        assert name == f"country={params['country']} setting={params['setting']}"
    table = jp_nbops_store.load_text(result.run_id, "sweep.csv").splitlines()
    assert len(table) == 20_001


def test_on_a_terminal_one_live_line_counts_the_runs(jp_nbops_notebook_factory, jp_nbops_store):
    """Starts and ends become the counts of one live line (rich); elsewhere each is a line."""
    import simulated  # noqa: F401 - registers --executor simulated

    notebook = jp_nbops_notebook_factory("step.ipynb", [("a = 0", ["parameters"])])
    args = ["run", str(notebook), "--sweep", "a=1,2,3", "--executor", "simulated"]
    live = CliRunner().invoke(main, args, env={"COLUMNS": "80", "TTY_COMPATIBLE": "1"})
    assert live.exit_code == 0, live.output
    assert "sweep: 0 running, 3 done" in live.output
    assert "started   " not in live.output and "done      " not in live.output
    logged = CliRunner().invoke(main, args, env={"COLUMNS": "80", "TTY_COMPATIBLE": "0"})
    assert logged.exit_code == 0, logged.output
    assert logged.output.count("started   ") == 3 and "running," not in logged.output
    colored = CliRunner().invoke(main, args, env={"COLUMNS": "80", "FORCE_COLOR": "1"})
    assert colored.exit_code == 0, colored.output  # a CI log in color: still one line each
    assert colored.output.count("started   ") == 3 and "running," not in colored.output
