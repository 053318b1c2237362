"""Schedules: an Airflow DAG file that Airflow itself loads, a crontab line, cron validation."""

import os
import shlex
import subprocess
import textwrap

import pytest
from click.testing import CliRunner

from nbops.cli import main


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


def test_the_crontab_line_runs_the_whole_pipeline_with_its_parent_run(
    jp_nbops_pipeline, jp_nbops_store
):
    line = invoke("schedule", str(jp_nbops_pipeline), "--cron", "@daily", "--to", "cron").output
    shell_command = line.splitlines()[0][len("@daily ") :]  # what cron hands to /bin/sh
    done = subprocess.run(["/bin/sh", "-c", shell_command], capture_output=True, text=True)
    log = (jp_nbops_pipeline.parent / ".nbops" / "logs" / "iris.log").read_text()
    assert done.returncode == 0, log
    (parent,) = [
        r for r in jp_nbops_store.list_runs() if r.tags.get("nbops.run_kind") == "pipeline"
    ]
    assert parent.status == "FINISHED" and f"Pipeline run {parent.run_id}: FINISHED" in log
    steps = [
        r for r in jp_nbops_store.list_runs() if r.tags.get("mlflow.parentRunId") == parent.run_id
    ]
    assert sorted(r.tags["nbops.pipeline_step"] for r in steps) == [
        "evaluate", "prepare", "summary", "train"
    ]  # fmt: skip


def test_airflow_dag_file(jp_nbops_pipeline, tmp_path):
    out = tmp_path / "dags" / "iris.py"
    result = invoke("schedule", str(jp_nbops_pipeline), "--cron", "0 3 * * *", "--to", "airflow",
                    "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    compile(text, str(out), "exec")  # valid Python
    assert "schedule='0 3 * * *'" in text and "dag_id='nbops_iris'" in text
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
    assert found["tasks"] == ["evaluate", "prepare", "summary", "train"]
    assert found["edges"] == [["prepare", "summary"], ["prepare", "train"], ["train", "evaluate"]]
    assert found["schedule"] == "15 4 * * *"
