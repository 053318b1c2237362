"""Installed schedules: a crontab line installed (after confirmation) through a configurable
crontab command, run as cron runs it, listed with its next and last runs, removed; DAG files in a
dags folder; every refusal leaves the crontab and the folder as they were."""

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from nbops.cli import main

THEIRS = "MAILTO=ops@example.com\n15 1 * * * /usr/bin/backup --all\n"


def invoke(*args, stdin=None):
    return CliRunner().invoke(main, list(args), input=stdin, env={"COLUMNS": "200"})


@pytest.fixture
def crontab(jp_nbops_crontab) -> tuple[str, Path]:
    """The temporary crontab, holding the user's own lines."""
    jp_nbops_crontab[1].write_text(THEIRS)
    return jp_nbops_crontab


def test_a_cron_schedule_is_installed_run_listed_with_its_runs_and_removed(
    jp_nbops_pipeline, jp_nbops_store, crontab
):
    command, path = crontab
    base = ["schedule", str(jp_nbops_pipeline), "--to", "cron", "--install", "--crontab", command]
    declined = invoke(*base, "--cron", "@daily", stdin="n\n")
    assert declined.exit_code == 1 and "Install this line in your crontab?" in declined.output
    assert path.read_text() == THEIRS  # asked first: nothing installed
    first = invoke(*base, "--cron", "@daily", stdin="y\n")
    assert first.exit_code == 0, first.output
    again = invoke(*base, "--cron", "30 2 * * *", "--yes")  # replaces, never adds a second
    assert again.exit_code == 0 and "Installed the schedule nbops_iris" in again.output
    lines = path.read_text().splitlines()
    assert "\n".join(lines[:2]) + "\n" == THEIRS and len(lines) == 4
    assert lines[2] == f"# nbops schedule: nbops_iris {jp_nbops_pipeline}"
    assert lines[3].startswith("30 2 * * * cd ")
    assert "--tag nbops.schedule=cron/nbops_iris" in lines[3]

    shell_line = lines[3][len("30 2 * * * ") :]  # what cron hands to sh
    done = subprocess.run(["/bin/sh", "-c", shell_line], check=False, capture_output=True)
    log = (jp_nbops_pipeline.parent / ".nbops" / "logs" / "iris.log").read_text()
    assert done.returncode == 0, log

    listed = invoke("schedules", "list", "--crontab", command, "--json")
    assert listed.exit_code == 0, listed.output
    (schedule,) = json.loads(listed.output)
    assert (schedule["id"], schedule["target"], schedule["cron"], schedule["pipeline"]) == (
        "nbops_iris", "cron", "30 2 * * *", str(jp_nbops_pipeline)
    )  # fmt: skip
    times = [datetime.fromisoformat(t) for t in schedule["next_runs"]]
    assert len(times) == 3 and times == sorted(times) and times[0] > datetime.now().astimezone()
    assert all((t.hour, t.minute) == (2, 30) for t in times)
    (last,) = schedule["last_runs"]
    parent = jp_nbops_store.get_run(last["run_id"])
    assert last["status"] == parent.status == "FINISHED" and f"{parent.run_id}: FINISHED" in log
    assert parent.tags["nbops.schedule"] == "cron/nbops_iris"
    assert sorted(s["name"] for s in last["steps"]) == ["evaluate", "prepare", "summary", "train"]
    assert {s["status"] for s in last["steps"]} == {"FINISHED"} and all(
        jp_nbops_store.get_run(s["run_id"]).tags["mlflow.parentRunId"] == parent.run_id
        for s in last["steps"]
    )
    table = invoke("schedules", "list", "--crontab", command)
    assert "nbops_iris" in table.output and f"FINISHED {parent.run_id[:8]}" in table.output

    removed = invoke("schedules", "remove", "nbops_iris", "--to", "cron", "--crontab", command)
    assert removed.exit_code == 0, removed.output
    assert path.read_text() == THEIRS  # the user's own lines kept, exactly
    twice = invoke("schedules", "remove", "nbops_iris", "--to", "cron", "--crontab", command)
    assert twice.exit_code == 1 and "No cron schedule 'nbops_iris' installed by nbops" in (
        twice.output
    )


def test_an_airflow_schedule_goes_into_the_dags_folder_and_leaves_other_files_alone(
    jp_nbops_pipeline, crontab, tmp_path
):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "nbops_iris.py").write_text("# the team's own DAG\n")
    (dags / "theirs.py").write_text('"""Another DAG."""\nDAG_ID = "nbops_iris"\n')
    base = ["schedule", str(jp_nbops_pipeline), "--to", "airflow", "--install",
            "--dags-folder", str(dags)]  # fmt: skip
    refused = invoke(*base, "--cron", "0 3 * * *")
    assert refused.exit_code == 2 and "was not written by nbops" in refused.output
    assert (dags / "nbops_iris.py").read_text() == "# the team's own DAG\n"

    (dags / "nbops_iris.py").unlink()
    installed = invoke(*base, "--cron", "0 3 * * *")
    assert installed.exit_code == 0, installed.output
    written = (dags / "nbops_iris.py").read_text()
    compile(written, "nbops_iris.py", "exec")
    assert "SCHEDULE = '0 3 * * *'" in written
    listed = invoke("schedules", "list", "--dags-folder", str(dags), "--no-cron", "--json")
    (schedule,) = json.loads(listed.output)  # theirs.py is not nbops's: not listed
    assert (schedule["id"], schedule["target"], schedule["where"]) == (
        "nbops_iris", "airflow", str(dags / "nbops_iris.py")
    )  # fmt: skip
    times = [datetime.fromisoformat(t) for t in schedule["next_runs"]]
    assert [(t.hour, t.minute, t.utcoffset().total_seconds()) for t in times] == [(3, 0, 0)] * 3
    assert schedule["last_runs"] == [] and schedule["error"] == ""

    removed = invoke("schedules", "remove", "nbops_iris", "--to", "airflow",
                     "--dags-folder", str(dags))  # fmt: skip
    assert removed.exit_code == 0, removed.output
    assert sorted(p.name for p in dags.iterdir()) == ["theirs.py"]


def test_bad_schedules_are_refused_and_nothing_changes(jp_nbops_pipeline, crontab, tmp_path):
    command, path = crontab
    bad_cron = invoke("schedule", str(jp_nbops_pipeline), "--to", "cron", "--install", "--yes",
                      "--crontab", command, "--cron", "0 25 * * *")  # fmt: skip
    assert bad_cron.exit_code == 2 and "'0 25 * * *' is not valid" in bad_cron.output
    no_folder = invoke("schedule", str(jp_nbops_pipeline), "--to", "airflow", "--install",
                       "--cron", "@daily")  # fmt: skip
    assert no_folder.exit_code == 2 and "No Airflow dags folder is configured" in no_folder.output
    missing = invoke("schedule", str(jp_nbops_pipeline), "--to", "cron", "--install", "--yes",
                     "--crontab", "/nonexistent/crontab", "--cron", "@daily")  # fmt: skip
    assert missing.exit_code == 1 and "No '/nonexistent/crontab' command" in missing.output
    mixed = invoke("schedule", str(jp_nbops_pipeline), "--to", "airflow", "--install", "--cron",
                   "@daily", "--executor", "dask", "--dags-folder", str(tmp_path))  # fmt: skip
    assert mixed.exit_code == 2 and "--install does not go with" in mixed.output
    assert list(tmp_path.glob("*.py")) == []
    refusing = invoke("schedules", "list", "--crontab", "false")
    assert refusing.exit_code == 0 and "`false` could not read the crontab (exit 1)" in (
        refusing.output
    )
    assert path.read_text() == THEIRS and "Traceback" not in missing.output + refusing.output
    path.write_text(THEIRS + "# nbops schedule: 'unbalanced\n@daily true\n")
    listed = invoke("schedules", "list", "--crontab", command, "--json")
    assert json.loads(listed.output) == []  # a broken marker is not nbops's line: left alone


def test_a_pipeline_in_a_folder_with_quotes_and_spaces_is_listed_and_removed_exactly(
    jp_nbops_write_tagged, crontab, tmp_path
):
    command, path = crontab
    project = tmp_path / "it's a $(b) `c`"
    project.mkdir()
    (project / "nbops.toml").write_text("")
    jp_nbops_write_tagged(project / "first.ipynb", [("x = 1", [])])
    pipeline = project / "pipeline.yaml"
    pipeline.write_text("name: odd-name\nsteps:\n  first:\n    notebook: first.ipynb\n")
    done = invoke("schedule", str(pipeline), "--to", "cron", "--install", "--yes",
                  "--crontab", command, "--cron", "@hourly")  # fmt: skip
    assert done.exit_code == 0, done.output
    listed = invoke("schedules", "list", "--crontab", command, "--json")
    (schedule,) = json.loads(listed.output)
    assert (schedule["id"], schedule["pipeline"]) == ("nbops_odd-name", str(pipeline))
    removed = invoke("schedules", "remove", "nbops_odd-name", "--to", "cron",
                     "--crontab", command)  # fmt: skip
    assert removed.exit_code == 0 and path.read_text() == THEIRS
