"""``/nbops/api/schedules``: what the lab's Schedule and Schedules section use. A crontab line
shown, then installed in a temporary crontab through the configured command, and removed; an
Airflow DAG written into the configured dags folder and executed by Airflow itself, its run
listed with its step's report; every bad request a 400 or 404 with nothing changed."""

from __future__ import annotations

import json

import pytest
from test_api import fail, get_json, send

FIRST = 'import nbops\nnbops.log_metric("rows", 3.0)'
PIPELINE = "name: flow\nsteps:\n  first:\n    notebook: first.ipynb\n"


def store_tags(root, run_id: str) -> dict:
    from nbops.config import load_settings
    from nbops.store import open_store

    return open_store(load_settings(root)).get_run(run_id).tags


@pytest.fixture
def flow(jp_root_dir, monkeypatch, jp_nbops_write_tagged):
    """A one-step pipeline under the server's root."""
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    (jp_root_dir / "nbops.toml").write_text("")
    jp_nbops_write_tagged(jp_root_dir / "flow" / "first.ipynb", [(FIRST, [])])
    (jp_root_dir / "flow" / "pipeline.yaml").write_text(PIPELINE)
    return "flow/pipeline.yaml"


async def test_schedules_are_shown_installed_listed_and_removed(
    jp_fetch, flow, jp_nbops_crontab, tmp_path
):
    _, crontab = jp_nbops_crontab
    dags = tmp_path / "dags"
    empty = await get_json(jp_fetch, "schedules")
    assert empty == {"schedules": [], "problems": [], "dags_folder": str(dags), "cron": True}

    body = {"path": flow, "cron": "0 4 * * 1", "to": "cron"}
    code, shown = await send(jp_fetch, "POST", "schedules", body={**body, "dry_run": True})
    assert code == 200 and not shown["installed"] and not crontab.exists()  # asked first
    assert shown["line"].startswith("0 4 * * 1 cd ") and "pipeline run" in shown["line"]
    code, installed = await send(jp_fetch, "POST", "schedules", body=body)
    assert code == 201 and installed["installed"] and installed["path"] == flow
    assert crontab.read_text().splitlines()[1] == shown["line"]
    code, dag = await send(jp_fetch, "POST", "schedules", body={**body, "to": "airflow"})
    assert code == 201 and dag["where"] == str(dags / "nbops_flow.py")

    listed = (await get_json(jp_fetch, "schedules"))["schedules"]
    assert sorted((s["target"], s["id"], s["cron"], s["path"]) for s in listed) == [
        ("airflow", "nbops_flow", "0 4 * * 1", flow),
        ("cron", "nbops_flow", "0 4 * * 1", flow),
    ]
    assert all(len(s["next_runs"]) == 3 and s["last_runs"] == [] for s in listed)

    before = crontab.read_text()
    for bad, status, words in [
        ({**body, "cron": "0 25 * * *"}, 400, "is not valid"),
        ({**body, "path": "../pipeline.yaml"}, 400, "relative to the server root"),
        ({**body, "path": "flow/first.ipynb"}, 400, "is not a pipeline file"),
        ({**body, "path": "gone.yaml"}, 404, "No pipeline file"),
        ({**body, "to": "at"}, 400, "Unknown schedule target"),
        ({"path": flow, "to": "cron"}, 400, "missing a field"),
    ]:
        code, message = await fail(jp_fetch, "schedules", method="POST", body=json.dumps(bad))
        assert (code, words in message) == (status, True), message
    assert crontab.read_text() == before and sorted(p.name for p in dags.iterdir()) == [
        "nbops_flow.py"
    ]

    code, removed = await send(jp_fetch, "DELETE", "schedules", "cron", "nbops_flow")
    assert code == 200 and removed["removed"] and "nbops" not in crontab.read_text()
    code, message = await fail(jp_fetch, "schedules", "cron", "nbops_flow", method="DELETE")
    assert code == 404 and "No cron schedule 'nbops_flow'" in message
    code, message = await fail(jp_fetch, "schedules", "at", "nbops_flow", method="DELETE")
    assert code == 400 and "Unknown schedule target" in message
    code, message = await fail(jp_fetch, "schedules", "cron", "%C2%84", method="DELETE")
    assert code == 400 and "is not a schedule id" in message  # JSON, not tornado's HTML
    await send(jp_fetch, "DELETE", "schedules", "airflow", "nbops_flow")
    assert list(dags.iterdir()) == [] and (await get_json(jp_fetch, "schedules"))["schedules"] == []


@pytest.mark.airflow
async def test_a_dag_written_from_the_lab_runs_in_airflow_and_its_run_is_listed(
    jp_fetch, flow, jp_nbops_airflow, jp_root_dir, tmp_path
):
    body = {"path": flow, "cron": "@daily", "to": "airflow"}
    code, dag = await send(jp_fetch, "POST", "schedules", body=body)
    assert code == 201 and dag["where"] == str(tmp_path / "dags" / "nbops_flow.py")
    log = jp_nbops_airflow(tmp_path / "dags", tmp_path / "airflow", "nbops_flow")
    assert "state=success" in log, log[-4000:]

    await send(jp_fetch, "POST", "schedules", body={**body, "to": "cron"})
    listed = (await get_json(jp_fetch, "schedules"))["schedules"]
    schedule, cron = sorted(listed, key=lambda s: s["target"])
    assert cron["target"] == "cron" and cron["last_runs"] == []  # Airflow's run, not cron's
    (last,) = schedule["last_runs"]
    assert last["status"] == "FINISHED" and last["scheduler_run"].startswith("manual__")
    assert store_tags(jp_root_dir, last["run_id"])["nbops.schedule"] == "airflow/nbops_flow"
    (step,) = last["steps"]
    assert (step["name"], step["status"]) == ("first", "FINISHED")
    report = await jp_fetch("nbops", "api", "runs", step["run_id"], "report")
    assert report.code == 200 and b"rows" in report.body
