"""Schedules: an Airflow DAG file that Airflow itself loads, a crontab line, cron validation."""

import json
import os
import shlex
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.config import load_settings
from nbops.data.snapshot import catalog_for


def invoke(*args):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


@pytest.mark.parametrize(
    "expression",
    ["", "* * *", "61 * * * *", "0 3 * * * *", "@sometimes", "0 25 * * *", "a b c d e"],
)
def test_invalid_cron_is_refused_and_nothing_written(expression, jp_nbops_pipeline, tmp_path):
    out = tmp_path / "dags" / "iris.py"
    result = invoke("schedule", str(jp_nbops_pipeline), "--cron", expression, "--to", "airflow",
                    "-o", str(out))  # fmt: skip
    assert result.exit_code == 2
    assert f"The cron expression {expression!r} is not valid" in result.output
    assert "minute hour day-of-month month day-of-week" in result.output
    assert not out.exists()


def test_crontab_line_quotes_paths(jp_nbops_pipeline):
    result = invoke("schedule", str(jp_nbops_pipeline), "--cron", "30 2 * * 1-5", "--to", "cron")
    assert result.exit_code == 0, result.output
    line = result.output.splitlines()[0]
    assert line.startswith("30 2 * * 1-5 cd ")
    command = shlex.split(line[len("30 2 * * 1-5 ") :])
    assert command[:2] == ["cd", str(jp_nbops_pipeline.parent)]
    assert command[3:6] == ["mkdir", "-p", str(jp_nbops_pipeline.parent / ".nbops" / "logs")]
    assert command[8:11] == ["pipeline", "run", str(jp_nbops_pipeline)]
    assert command[7].endswith("nbops")


def test_airflow_dag_file(jp_nbops_pipeline, tmp_path):
    out = tmp_path / "dags" / "iris.py"
    result = invoke("schedule", str(jp_nbops_pipeline), "--cron", "0 3 * * *", "--to", "airflow",
                    "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    compile(text, str(out), "exec")  # valid Python
    assert "SCHEDULE = '0 3 * * *'" in text and "DAG_ID = 'nbops_iris'" in text
    assert "shell=True" not in text and "BashOperator" not in text


@pytest.mark.airflow
def test_airflow_loads_the_dag(jp_nbops_pipeline, tmp_path):
    python = os.environ.get("NBOPS_AIRFLOW_PYTHON")
    if not python:
        pytest.skip("set NBOPS_AIRFLOW_PYTHON to a Python with apache-airflow (make airflow-test)")
    dags = tmp_path / "dags"
    invoke("schedule", str(jp_nbops_pipeline), "--cron", "15 4 * * *", "--to", "airflow",
           "-o", str(dags / "iris.py"))  # fmt: skip
    check = textwrap.dedent(
        f"""
        import json
        from airflow.models.dagbag import DagBag
        bag = DagBag(dag_folder={str(dags)!r})
        dag = bag.dags.get("nbops_iris")
        print(json.dumps({{
            "errors": {{k: str(v) for k, v in bag.import_errors.items()}},
            "tasks": sorted(dag.task_ids) if dag else None,
            "edges": sorted([t.task_id, d] for t in dag.tasks for d in t.downstream_task_ids)
                if dag else None,
            "schedule": str(dag.schedule) if dag else None,
        }}))
        """
    )
    env = {"AIRFLOW_HOME": str(tmp_path / "airflow"), "PATH": os.environ["PATH"]}
    done = subprocess.run([python, "-c", check], capture_output=True, text=True, env=env,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    import json

    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["errors"] == {}
    steps = ["evaluate", "prepare", "summary", "train"]
    assert found["tasks"] == sorted([*steps, "nbops_close", "nbops_open"])
    closing = [[step, "nbops_close"] for step in steps]
    edges = [["nbops_open", "prepare"], ["prepare", "summary"], ["prepare", "train"],
             ["train", "evaluate"], *closing]  # fmt: skip
    assert found["edges"] == sorted(edges)
    assert found["schedule"] == "15 4 * * *"


FIRST = (
    "import pandas as pd, nbops\n"
    'nbops.snapshot(pd.DataFrame({"x": range(rows)}), "xs", role="output")\n'
    'nbops.set_tags({"run_date": str(globals().get("run_date"))})'
)
MIDDLE = (
    "import pathlib, pandas as pd, nbops\n"
    'xs = nbops.load_snapshot("xs")\n'
    "if fail == 'always' or (fail == 'once' and not pathlib.Path(marker).exists()):\n"
    "    pathlib.Path(marker).touch()\n"
    '    raise RuntimeError("failed on purpose")\n'
    'nbops.snapshot(xs.assign(y=xs.x * 2), "ys", role="output")'
)
LAST = 'import nbops\nnbops.log_metric("total", float(nbops.load_snapshot("ys")["y"].sum()))'


def write_flow(project, write, name: str, retries: str, middle: str, run_date: bool = False):
    """Three steps: first writes "xs", middle reads it and writes "ys", last reads "ys"; with
    ``run_date``, first declares the parameter that receives the logical date."""
    parameters = "rows = 5" + ("\nrun_date: str = None" if run_date else "")
    write(project / "first.ipynb", [(parameters, ["parameters"]), (FIRST, [])])
    write(project / "middle.ipynb", [('fail = ""\nmarker = ""', ["parameters"]), (MIDDLE, [])])
    write(project / "last.ipynb", [(LAST, [])])
    path = project / "pipeline.yaml"
    path.write_text(
        f"name: {name}\n{retries}\nsteps:\n  first:\n    notebook: first.ipynb\n"
        f"  middle:\n    notebook: middle.ipynb\n    parameters: {middle}\n"
        "  last:\n    notebook: last.ipynb\n"
    )
    return path


@pytest.mark.airflow
def test_airflow_executes_the_dag_with_the_records_of_a_pipeline_run(
    jp_nbops_airflow, jp_nbops_project, jp_nbops_write_tagged, jp_nbops_store, tmp_path
):
    middle = f"{{fail: once, marker: '{tmp_path / 'failed-once'}'}}"
    retries = "retries: 1\nretry_delay: 1"
    path = write_flow(jp_nbops_project, jp_nbops_write_tagged, "flow", retries, middle)
    dags = tmp_path / "dags"
    result = invoke("schedule", str(path), "--cron", "@daily", "--to", "airflow",
                    "-o", str(dags / "flow.py"))  # fmt: skip
    assert result.exit_code == 0, result.output
    log = jp_nbops_airflow(dags, tmp_path / "airflow", "nbops_flow")
    assert "state=success" in log, log[-4000:]

    runs = jp_nbops_store.list_runs(limit=100)
    (parent,) = [r for r in runs if r.tags.get("nbops.run_kind") == "pipeline"]
    airflow_run = parent.tags["nbops.airflow.run_id"]
    assert parent.status == "FINISHED" and airflow_run.startswith("manual__")
    kids = [r for r in runs if r.tags.get("mlflow.parentRunId") == parent.run_id]
    by_step = {}
    for kid in sorted(kids, key=lambda r: r.start_time):
        by_step.setdefault(kid.tags["nbops.pipeline_step"], []).append(kid)
    assert [r.status for r in by_step["middle"]] == ["FAILED", "FINISHED"]  # failed once, retried
    assert [r.status for r in by_step["first"] + by_step["last"]] == ["FINISHED", "FINISHED"]
    assert all(k.tags["nbops.airflow.run_id"] == airflow_run for k in kids)
    assert by_step["first"][0].tags["run_date"] == "None"  # it declares no run_date
    summary = json.loads(jp_nbops_store.load_text(parent.run_id, "pipeline.json"))["steps"]
    catalog = catalog_for(load_settings(jp_nbops_project))
    wrote = {name: catalog.outputs_of(steps[-1].run_id) for name, steps in by_step.items()}
    assert summary["middle"]["inputs"] == {"xs": wrote["first"]["xs"]}  # exactly what first wrote
    assert {d["name"]: d["digest"] for d in jp_nbops_store.datasets(by_step["last"][0].run_id)
            if d["role"] == "input"} == {"ys": wrote["middle"]["ys"]}  # fmt: skip

    again = jp_nbops_airflow(dags, tmp_path / "airflow", "nbops_flow")
    assert "state=success" in again and again.count("cached    ") == 3, again[-4000:]
    runs = jp_nbops_store.list_runs(limit=100)
    parents = [r for r in runs if r.tags.get("nbops.run_kind") == "pipeline"]
    assert len(parents) == 2 and all(p.status == "FINISHED" for p in parents)
    assert len(runs) == len(kids) + 2  # the second DAG run ran no step: all cached
    assert not [r for r in runs if r.status == "RUNNING"]


@pytest.mark.airflow
def test_airflow_a_failing_middle_step_fails_the_dag_run(
    jp_nbops_airflow,
    jp_nbops_project,
    jp_nbops_write_tagged,
    jp_nbops_store,
    jp_nbops_receiver,
    tmp_path,
):
    middle = f"{{fail: always, marker: '{tmp_path / 'm'}'}}"
    path = write_flow(
        jp_nbops_project, jp_nbops_write_tagged, "broken", "retries: 0", middle, run_date=True
    )
    hook = f"json://127.0.0.1:{jp_nbops_receiver.port}/${{HOOK_PATH}}"
    path.write_text(path.read_text() + f"notify:\n  - {{on: [failure], url: '{hook}'}}\n")
    dags = tmp_path / "dags"
    invoke("schedule", str(path), "--cron", "@daily", "--to", "airflow", "-o", str(dags / "b.py"))
    log = jp_nbops_airflow(dags, tmp_path / "airflow", "nbops_broken", HOOK_PATH="from-airflow")
    assert "state=failed" in log, log[-4000:]
    # the close task told the person, the hook's path read from the worker's environment
    [(where, message)] = jp_nbops_receiver.received
    assert where == "/from-airflow" and message["title"] == "nbops: pipeline broken failed"
    assert "middle: FAILED" in message["message"] and "last: SKIPPED" in message["message"]
    assert "from-airflow" not in (dags / "b.py").read_text()
    runs = jp_nbops_store.list_runs(limit=100)
    (parent,) = [r for r in runs if r.tags.get("nbops.run_kind") == "pipeline"]
    assert parent.status == "FAILED"
    steps = {r.tags["nbops.pipeline_step"]: r.status for r in runs
             if r.tags.get("mlflow.parentRunId") == parent.run_id}  # fmt: skip
    assert steps == {"first": "FINISHED", "middle": "FAILED"}  # last never ran
    (first,) = [r for r in runs if r.tags.get("nbops.pipeline_step") == "first"]
    assert first.tags["run_date"] == parent.tags["nbops.airflow.logical_date"]  # it declares it
    summary = json.loads(jp_nbops_store.load_text(parent.run_id, "pipeline.json"))["steps"]
    assert summary["last"]["status"] == "SKIPPED" and summary["middle"]["status"] == "FAILED"
    assert not [r for r in runs if r.status == "RUNNING"]


def test_whole_pipeline_mode_with_remote_workers_and_the_embedded_store_is_refused(
    jp_nbops_pipeline, tmp_path
):
    out = tmp_path / "dags" / "iris.py"
    result = invoke("schedule", str(jp_nbops_pipeline), "--cron", "@daily", "--to", "airflow",
                    "--executor", "dask", "--address", "tcp://127.0.0.1:9",
                    "-o", str(out))  # fmt: skip
    assert result.exit_code == 2 and "a file on this machine" in result.output
    assert not out.exists()


def test_whole_pipeline_mode_dag_runs_nbops_pipeline_run_on_the_cluster(
    jp_nbops_pipeline, jp_nbops_mlflow_server, tmp_path
):
    out = tmp_path / "dags" / "iris.py"
    result = invoke("schedule", str(jp_nbops_pipeline), "--cron", "@daily", "--to", "airflow",
                    "--executor", "dask", "--address", "tcp://sched:8786",
                    "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    compile(text, str(out), "exec")
    assert "EXECUTOR = ['--executor', 'dask', '--address', 'tcp://sched:8786']" in text
    host = jp_nbops_mlflow_server.uri.split("://", 1)[1]
    assert host not in text  # the workers take the store from their side, never from the file
    assert '"pipeline", "run", PIPELINE' in text and "nbops.airflow.run_id=" in text


MONITORED_TRAIN = (
    "import nbops\n"
    "from sklearn.datasets import load_diabetes\n"
    "from sklearn.linear_model import Ridge\n"
    "X, y = load_diabetes(return_X_y=True, as_frame=True)\n"
    "model = Ridge().fit(X, y)\n"
    "nbops.log_metric('rmse', float(((model.predict(X) - y) ** 2).mean() ** 0.5))\n"
    "nbops.log_model(model, 'model', input_example=X.head(3))"
)
MONITORED = """\
name: watched
steps:
  train:
    notebook: train.ipynb
promote:
  model: diabetes
  step: train
  gates: ["rmse < 100"]
monitor:
  reference: features
  current: today.csv
  threshold: 0.2
"""


def monitored_project(project, write) -> Path:
    """A reference snapshot, drifted current data as a CSV file, and a training pipeline with
    promote: and monitor: blocks."""
    from sklearn.datasets import load_diabetes

    from nbops.capture.session import Session
    from nbops.data.snapshot import take_snapshot

    X, _ = load_diabetes(return_X_y=True, as_frame=True)
    session = Session(notebook=project / "prepare.ipynb", capture_environment=False)
    session.start_run("reference")
    take_snapshot(session, X, "features", role="output")
    session.end_run()
    session.close()
    X.assign(bmi=X.bmi + 0.05).to_csv(project / "today.csv", index=False)
    write(project / "train.ipynb", [(MONITORED_TRAIN, [])])
    (project / "pipeline.yaml").write_text(MONITORED)
    return project / "pipeline.yaml"


def test_the_monitor_crontab_line_and_a_missing_block(jp_nbops_project, jp_nbops_write_tagged):
    path = monitored_project(jp_nbops_project, jp_nbops_write_tagged)
    line = invoke("schedule", str(path), "--cron", "@daily", "--to", "cron", "--monitor")
    assert line.exit_code == 0, line.output
    command = shlex.split(line.output.split("&&")[-1].split(">>")[0])
    assert command[1:] == [
        "monitor", "--reference", "features", "--current", "today.csv", "--threshold", "0.2",
        "--retrain", str(path),
    ]  # fmt: skip
    path.write_text(MONITORED.split("monitor:")[0])
    missing = invoke("schedule", str(path), "--cron", "@daily", "--to", "cron", "--monitor")
    assert missing.exit_code == 2 and "no `monitor:` block" in missing.output


@pytest.mark.airflow
def test_airflow_runs_the_monitor_which_retrains_and_promotes(
    jp_nbops_airflow, jp_nbops_project, jp_nbops_write_tagged, jp_nbops_store, tmp_path
):
    path = monitored_project(jp_nbops_project, jp_nbops_write_tagged)
    dags = tmp_path / "dags"
    result = invoke("schedule", str(path), "--cron", "@daily", "--to", "airflow", "--monitor",
                    "-o", str(dags / "monitor.py"))  # fmt: skip
    assert result.exit_code == 0, result.output
    log = jp_nbops_airflow(dags, tmp_path / "airflow", "nbops_monitor_watched")
    [monitor] = jp_nbops_store.list_runs("monitor/features", 5)
    assert monitor.tags["nbops.monitor.verdict"] == "drift", log[-3000:]
    assert monitor.tags["nbops.monitor.promotion"] == "diabetes v1 promoted"
    pipeline = jp_nbops_store.get_run(monitor.tags["nbops.monitor.retrain_run"])
    assert pipeline.status == "FINISHED"
    assert "state=success" in log, log[-4000:]  # drift is a result, not a failed task
