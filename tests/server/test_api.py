"""Every REST route of the JupyterLab extension: pages, compare, snapshots, steps, jobs."""

import asyncio
import json
import time

import pandas as pd
import pytest
from tornado.httpclient import HTTPClientError

PARAMS = ("alpha = 0.5\nlabel = 'x'", ["parameters"])
LOGS = ("import nbops\nnbops.log_metric('score', alpha * 2)", [])


async def get_json(jp_fetch, *parts, **params):
    response = await jp_fetch("nbops", "api", *parts, params=params)
    return json.loads(response.body)


async def send(jp_fetch, method, *parts, body=None, raw=None):
    data = None if method == "DELETE" else raw if raw is not None else json.dumps(body or {})
    response = await jp_fetch("nbops", "api", *parts, method=method, body=data)
    return response.code, json.loads(response.body)


async def fail(jp_fetch, *parts, method="GET", body=None, **params):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("nbops", "api", *parts, method=method, body=body, params=params)
    return err.value.code, json.loads(err.value.response.body)["message"]


@pytest.fixture
def many_runs(jp_root_dir, monkeypatch, jp_nbops_write_notebook, jp_nbops_record_run):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    notebook = jp_nbops_write_notebook(jp_root_dir / "many.ipynb")
    ids = []
    for i, rmse in enumerate([3.0, 1.0, 4.0, 1.5, 9.0]):
        status = "FAILED" if i == 2 else "FINISHED"
        ids.append(jp_nbops_record_run(notebook, f"r{i}", {"i": i}, {"rmse": rmse}, status))
    return ids


async def test_runs_pages_sorting_and_status(jp_fetch, many_runs):
    first = await get_json(jp_fetch, "runs", notebook="many.ipynb", limit="2")
    assert [r["run_id"] for r in first["runs"]] == many_runs[::-1][:2]
    token = first["next_page_token"]
    second = await get_json(jp_fetch, "runs", notebook="many.ipynb", limit="2", page_token=token)
    assert [r["run_id"] for r in second["runs"]] == many_runs[::-1][2:4]
    last = await get_json(
        jp_fetch, "runs", notebook="many.ipynb", limit="2", page_token=second["next_page_token"]
    )
    assert [r["run_id"] for r in last["runs"]] == many_runs[:1] and last["next_page_token"] is None
    best = await get_json(jp_fetch, "runs", notebook="many.ipynb", sort="metrics.rmse", order="asc")
    assert [r["metrics"]["rmse"] for r in best["runs"]] == [1.0, 1.5, 3.0, 4.0, 9.0]
    failed = await get_json(jp_fetch, "runs", notebook="many.ipynb", status="FAILED")
    assert [r["run_id"] for r in failed["runs"]] == [many_runs[2]]


async def test_runs_filtered_in_mlflows_syntax_and_sorted_by_a_parameter(jp_fetch, many_runs):
    """What the Runs view asks: MLflow's own search, the notebook's runs only."""
    query = {"notebook": "many.ipynb", "sort": "metrics.rmse", "order": "asc"}
    good = await get_json(jp_fetch, "runs", filter="metrics.rmse < 4", **query)
    assert [r["metrics"]["rmse"] for r in good["runs"]] == [1.0, 1.5, 3.0]
    both = await get_json(
        jp_fetch, "runs", filter="metrics.rmse < 4 and params.i != '1'", limit="2", **query
    )
    assert [r["run_id"] for r in both["runs"]] == [many_runs[3], many_runs[0]]
    assert both["next_page_token"] is None
    by_param = await get_json(jp_fetch, "runs", notebook="many.ipynb", sort="params.i")
    assert [r["params"]["i"] for r in by_param["runs"]] == ["4", "3", "2", "1", "0"]
    other = await get_json(jp_fetch, "runs", notebook="other.ipynb", filter="metrics.rmse < 4")
    assert other["runs"] == []  # another notebook's filter never shows these


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"sort": "name"}, "sort='name' is not valid"),
        ({"order": "up"}, "order='up' is not valid"),
        ({"status": "DONE"}, "status='DONE' is not a run status"),
        ({"sort": "metrics.a'b"}, "Cannot search runs by the tag text"),
        ({"page_token": "garbage"}, "page token 'garbage' is not valid"),
        ({"sort": "params."}, "Cannot sort runs by 'params.'"),
        ({"filter": "rmse <"}, "The filter 'rmse <' is not valid"),
        ({"filter": "metrics.rmse < 'x'"}, "The filter \"metrics.rmse < 'x'\" is not valid"),
    ],
)
async def test_bad_runs_queries_are_400(jp_fetch, many_runs, query, message):
    code, text = await fail(jp_fetch, "runs", notebook="many.ipynb", **query)
    assert code == 400 and message in text


async def test_one_run_has_history_and_environment(jp_fetch, many_runs):
    body = await get_json(jp_fetch, "runs", many_runs[0], notebook="many.ipynb")
    assert body["metric_history"]["rmse"][0]["value"] == 3.0
    values = body["chart"]["spec"]["data"]["values"]  # the sidebar's chart of the run
    assert {"metric": "rmse", "step": 0, "value": 3.0} in values and body["chart"]["title"]
    assert body["environment"]["python"].startswith("3.")
    assert body["environment"]["package_count"] > 50


async def test_compare_runs(jp_fetch, many_runs):
    ids = ",".join(many_runs[:2])
    body = await get_json(jp_fetch, "compare", ids=ids, notebook="many.ipynb")
    params = {row["name"]: row for row in body["params"]}
    assert params["i"] == {"name": "i", "values": ["0", "1"], "differs": True}
    assert body["metrics"][0]["values"] == [3.0, 1.0]
    assert set(body["history"]) == set(many_runs[:2])
    assert body["environment"][0]["run_id"] == many_runs[1]
    assert [c["run_id"] for c in body["code"]] == [many_runs[1]]
    (summary,) = body["summary"]  # nbops diff's, against the first run
    assert summary["run_id"] == many_runs[1] and "parameters: i 0 -> 1" in summary["lines"]
    assert summary["lines"][-1] == "the metric change comes with the parameters"


async def test_compare_charts_are_vega_lite_for_jupyterlabs_renderer(jp_fetch, many_runs):
    ids = ",".join(many_runs[:3])
    body = await get_json(jp_fetch, "compare", ids=ids, notebook="many.ipynb")
    titles = [chart["title"] for chart in body["charts"]]
    assert titles == [
        "rmse by step",
        "rmse against each parameter",
        "rmse: parallel coordinates",
    ]
    history = body["charts"][0]["spec"]
    assert history["$schema"].endswith("vega-lite/v5.json")
    assert [point["value"] for point in history["data"]["values"]] == [3.0, 1.0, 4.0]
    assert history["encoding"]["x"]["title"] == "step"
    assert history["encoding"]["y"]["title"] == "rmse"
    legend = history["encoding"]["color"]["scale"]["domain"]
    assert legend == [f"r{i} ({run_id[:8]})" for i, run_id in enumerate(many_runs[:3])]
    (panel,) = body["charts"][1]["spec"]["hconcat"]  # the one parameter that varies: i
    assert panel["encoding"]["x"] == {
        "field": "x",
        "title": "i",
        "type": "quantitative",
        "scale": {"zero": False},
    }
    timed = await get_json(jp_fetch, "compare", ids=ids, notebook="many.ipynb", by="time")
    assert timed["charts"][0]["title"] == "rmse by time"
    assert timed["charts"][0]["spec"]["encoding"]["x"]["type"] == "temporal"
    code, message = await fail(jp_fetch, "compare", ids=ids, notebook="many.ipynb", by="epoch")
    assert code == 400 and "by='epoch'" in message
    assert [(row["x"], row["y"]) for row in panel["data"]["values"]] == [
        (0.0, 3.0), (1.0, 1.0), (2.0, 4.0)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("ids", "code"),
    [
        ("", 400),
        ("x", 400),
        ("a" * 32, 400),
        ("a" * 32 + ",b", 400),
        ("a" * 32 + "," + "b" * 32, 404),
    ],
)
async def test_bad_compare(jp_fetch, many_runs, ids, code):
    status, message = await fail(jp_fetch, "compare", ids=ids, notebook="many.ipynb")
    assert status == code and message


async def test_snapshots_list_and_profile(jp_fetch, jp_root_dir, monkeypatch):
    from nbops.capture.session import Session
    from nbops.data.snapshot import take_snapshot

    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    session = Session(notebook=jp_root_dir / "data.ipynb")
    snap = take_snapshot(session, pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]}), "tiny")
    session.end_run()
    listed = await get_json(jp_fetch, "snapshots", notebook="data.ipynb")
    assert [(s["name"], s["id"], s["rows"]) for s in listed["snapshots"]] == [("tiny", snap.id, 3)]
    one = await get_json(jp_fetch, "snapshots", snap.id[:12], notebook="data.ipynb")
    assert one["id"] == snap.id and one["profile"]["columns"]["b"]["nulls"] == 1
    assert await fail(jp_fetch, "snapshots", "zz", notebook="data.ipynb") == (
        400,
        "'zz' is not a snapshot id. Give 8 to 32 hex digits.",
    )
    code, _ = await fail(jp_fetch, "snapshots", "0" * 32, notebook="data.ipynb")
    assert code == 404


async def test_a_snapshot_diffed_with_its_previous_version(jp_fetch, jp_root_dir, monkeypatch):
    from nbops.capture.session import Session
    from nbops.data.snapshot import take_snapshot

    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    session = Session(notebook=jp_root_dir / "data.ipynb")
    frames = [
        pd.DataFrame({"id": [1, 2, 3], "v": [1.0, 2.0, 3.0]}),
        pd.DataFrame({"id": [1, 2, 4, 5], "v": [1.0, float("nan"), 4.0, 5.0]}),
    ]
    first, second = (take_snapshot(session, frame, "train") for frame in frames)
    session.end_run()
    described = await get_json(jp_fetch, "snapshots", second.id, notebook="data.ipynb")
    assert (described["version"], described["previous"]) == (2, first.id)
    one = await get_json(jp_fetch, "snapshots", first.id, notebook="data.ipynb")
    assert (one["version"], one["previous"]) == (1, None)
    found = await get_json(
        jp_fetch, "snapshots", second.id, "diff", notebook="data.ipynb", key="id"
    )
    assert (found["a"]["id"], found["b"]["id"], found["key"]) == (first.id, second.id, ["id"])
    assert (found["rows_added"], found["rows_removed"], found["rows_changed"]) == (2, 1, 1)
    (changed,) = [c for c in found["columns"] if c["changed"]]
    assert changed["column"] == "v" and changed["examples"][0] == {
        "key": {"id": 2},
        "a": 2.0,
        "b": None,  # NaN: JSON has none
    }
    assert found["lines"][0].startswith("train ")
    by_position = await get_json(
        jp_fetch, "snapshots", second.id[:12], "diff", notebook="data.ipynb", against="train@1"
    )
    assert by_position["key"] == [] and by_position["rows_added"] == 1
    for params, message in [
        ({}, "is the first version of 'train'"),  # the first version: nothing before it
        ({"key": "nope"}, "Key column 'nope' is not in snapshot"),
        ({"key": "id,\x00"}, "is not a list of column names"),
        ({"against": "train@9"}, "has no version 9"),
    ]:
        target = first.id if not params else second.id
        code, text = await fail(
            jp_fetch, "snapshots", target, "diff", notebook="data.ipynb", **params
        )
        assert code == 400 and message in text, (params, code, text)
    code, text = await fail(jp_fetch, "snapshots", "zz", "diff", notebook="data.ipynb")
    assert code == 400 and "is not a snapshot id" in text


async def test_lineage_of_a_run_and_its_400s(jp_fetch, jp_root_dir, monkeypatch):
    from nbops.capture.session import Session
    from nbops.data.snapshot import load, take_snapshot

    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    session = Session(notebook=jp_root_dir / "data.ipynb", capture_environment=False)
    writer = session.start_run("writer")
    take_snapshot(session, pd.DataFrame({"a": [1, 2]}), "raw", role="output")
    reader = session.start_run("reader")
    load(session, "raw")
    session.end_run()
    found = await get_json(jp_fetch, "lineage", notebook="data.ipynb", of=reader[:8])
    assert found["centre"] == f"run:{reader}"
    kinds = {n["key"]: n["kind"] for n in found["nodes"]}
    assert sorted(kinds.values()) == ["run", "run", "snapshot"]
    assert {(e["source"], e["relation"]) for e in found["edges"]} == {
        (f"run:{writer}", "wrote"),
        (next(k for k, v in kinds.items() if v == "snapshot"), "read"),
    }
    assert found["mermaid"].startswith("flowchart LR")
    for params, message in [
        ({"of": ""}, "names no run, snapshot or model version"),
        ({"of": "raw@3"}, "has no version 3"),
        ({"of": "m/1"}, "No version 1 of the registered model 'm'"),
        ({"of": reader, "depth": "0"}, "depth"),
    ]:
        code, text = await fail(jp_fetch, "lineage", notebook="data.ipynb", **params)
        assert code == 400 and message in text, (params, code, text)


async def test_export_list_and_parameters(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    jp_nbops_write_tagged(jp_root_dir / "train.ipynb", [PARAMS, LOGS])
    code, step = await send(jp_fetch, "POST", "steps", body={"notebook": "train.ipynb"})
    assert code == 201 and step["written"] and step["name"] == "train"
    code, again = await send(jp_fetch, "POST", "steps", body={"notebook": "train.ipynb"})
    assert code == 200 and not again["written"] and again["version"] == step["version"]
    listed = await get_json(jp_fetch, "steps", notebook="train.ipynb")
    assert [s["version"] for s in listed["steps"]] == [step["version"]]
    schema = await get_json(jp_fetch, "parameters", notebook="train.ipynb")
    assert [(p["name"], p["type"]) for p in schema["parameters"]] == [
        ("alpha", "float"),
        ("label", "str"),
    ]
    of_step = await get_json(jp_fetch, "parameters", notebook="train.ipynb", step="train")
    assert of_step["target"] == "train" and len(of_step["parameters"]) == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{", "body is not JSON"),
        ("[1]", "must be a JSON object"),
        ('{"name": "x"}', "missing a field"),
        ('{"notebook": "train.ipynb", "extra": 1}', "has no field(s) extra"),
        ('{"notebook": 3}', "CreateStep.notebook must be a str"),
        ('{"notebook": "../outside.ipynb"}', "outside"),
    ],
)
async def test_bad_export_bodies_are_400(jp_fetch, jp_root_dir, body, message):
    code, text = await fail(jp_fetch, "steps", method="POST", body=body)
    assert code == 400 and message in text
    assert not (jp_root_dir / "steps").exists()


async def wait_for(jp_fetch, job_id, statuses=("FINISHED", "FAILED", "KILLED"), timeout=120):
    for _ in range(timeout * 4):
        job = await get_json(jp_fetch, "jobs", job_id)
        if job["status"] in statuses:
            return job
        await asyncio.sleep(0.25)
    raise AssertionError(f"job {job_id} still {job['status']}")


async def wait_until(jp_fetch, job_id, condition, timeout=120):
    for _ in range(timeout * 4):
        job = await get_json(jp_fetch, "jobs", job_id)
        if condition(job):
            return job
        await asyncio.sleep(0.25)  # polling the condition, not standing in for it
    raise AssertionError(f"job {job_id} never met the condition: {job}")


async def test_a_job_whose_worker_dies_is_retried_like_a_pipeline_step(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged, tmp_path
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    marker = tmp_path / "died-once"
    die_once = (
        "import os, pathlib, signal\n"
        f"if not pathlib.Path({str(marker)!r}).exists():\n"
        f"    pathlib.Path({str(marker)!r}).touch()\n"
        "    os.kill(os.getppid(), signal.SIGKILL)  # the worker running this kernel dies"
    )
    jp_nbops_write_tagged(jp_root_dir / "fragile.ipynb", [PARAMS, (die_once, []), LOGS])
    _, job = await send(jp_fetch, "POST", "jobs", body={"notebook": "fragile.ipynb"})
    done = await wait_for(jp_fetch, job["id"])
    assert marker.exists() and done["status"] == "FINISHED"
    assert done["id"] == job["id"] and done["run_id"] != job["id"]  # the retry is a new run
    first = await get_json(jp_fetch, "runs", job["id"], notebook="fragile.ipynb")
    assert first["status"] == "FAILED" and "died" in first["tags"]["nbops.error"]
    second = await get_json(jp_fetch, "runs", done["run_id"], notebook="fragile.ipynb")
    assert second["status"] == "FINISHED" and second["metrics"]["score"] == 1.0
    assert done["report"] == f"runs/{done['run_id']}/report"


async def test_job_lifecycle(jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    jp_nbops_write_tagged(jp_root_dir / "train.ipynb", [PARAMS, LOGS])
    body = {"notebook": "train.ipynb", "parameters": {"alpha": "1.5"}}
    code, job = await send(jp_fetch, "POST", "jobs", body=body)
    assert code == 201 and job["status"] == "RUNNING" and job["cells_total"] == 2
    done = await wait_for(jp_fetch, job["id"])
    assert done["status"] == "FINISHED" and done["cells_done"] == 2
    assert done["report"] == f"runs/{job['id']}/report"
    run = await get_json(jp_fetch, "runs", job["id"], notebook="train.ipynb")
    assert run["metrics"]["score"] == 3.0 and run["params"]["alpha"] == "1.5"
    report = await jp_fetch(
        "nbops", "api", "runs", job["id"], "report", params={"notebook": "train.ipynb"}
    )
    assert report.code == 200
    assert report.headers["Content-Type"] == "text/html; charset=UTF-8"  # rendered, not source
    assert "sandbox" in report.headers["Content-Security-Policy"]
    listed = await get_json(jp_fetch, "jobs")
    assert [j["id"] for j in listed["jobs"]] == [job["id"]]


async def test_failing_job_names_the_cell(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    jp_nbops_write_tagged(jp_root_dir / "bad.ipynb", [PARAMS, ("raise ValueError('no data')", [])])
    _, job = await send(jp_fetch, "POST", "jobs", body={"notebook": "bad.ipynb"})
    done = await wait_for(jp_fetch, job["id"])
    assert done["status"] == "FAILED" and "raised ValueError: no data" in done["error"]
    assert done["report"]


async def test_cancel_job_ends_run_killed(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    jp_nbops_write_tagged(
        jp_root_dir / "slow.ipynb", [PARAMS, ("import time\ntime.sleep(120)", [])]
    )
    _, job = await send(jp_fetch, "POST", "jobs", body={"notebook": "slow.ipynb"})
    await wait_until(jp_fetch, job["id"], lambda j: j["cells_done"] >= 1)  # sleeping now
    code, cancelled = await send(jp_fetch, "DELETE", "jobs", job["id"])
    assert code == 200 and cancelled["status"] == "KILLED"
    run = await get_json(jp_fetch, "runs", job["id"], notebook="slow.ipynb")
    assert run["status"] == "KILLED"
    code, message = await fail(jp_fetch, "jobs", job["id"])  # gone from the list, as deleted
    assert code == 404 and job["id"] in message
    assert job["id"] not in [j["id"] for j in (await get_json(jp_fetch, "jobs"))["jobs"]]


async def test_a_job_over_its_run_timeout_fails_saying_so(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    slow = ("import time\nfor _ in range(60):\n    time.sleep(1)", [])
    jp_nbops_write_tagged(jp_root_dir / "slow.ipynb", [PARAMS, slow])
    body = {"notebook": "slow.ipynb", "run_timeout": 4}
    _, job = await send(jp_fetch, "POST", "jobs", body=body)
    done = await wait_for(jp_fetch, job["id"])
    assert done["status"] == "FAILED" and "--run-timeout of 4 s" in done["error"]
    run = await get_json(jp_fetch, "runs", job["id"], notebook="slow.ipynb")
    assert run["status"] == "FAILED"


async def test_bad_jobs(jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    jp_nbops_write_tagged(jp_root_dir / "train.ipynb", [PARAMS, LOGS])
    body = json.dumps({"notebook": "train.ipynb", "parameters": {"alpha": "lots"}})
    code, text = await fail(jp_fetch, "jobs", method="POST", body=body)
    assert code == 400 and "expects float" in text
    body = json.dumps({"notebook": "train.ipynb", "parameters": {"beta": "1"}})
    code, text = await fail(jp_fetch, "jobs", method="POST", body=body)
    assert code == 400 and "Unknown parameter 'beta'" in text
    for bad, message in [
        ({"notebook": None}, "CreateJob.notebook must not be null"),
        ({"notebook": 3}, "CreateJob.notebook must be a string, not 3"),
        ({"notebook": "train.ipynb", "parameters": []}, "must be an object"),
        ({"notebook": "train.ipynb", "run_timeout": -1}, "not a positive number of seconds"),
        ({"notebook": "train.ipynb", "run_timeout": "soon"}, "must be a number"),
        ({"notebook": "train.ipynb", "run_timeout": True}, "must be a number"),
        ({"notebook": "train.ipynb", "kernel": "nope"}, "No kernel named 'nope'"),
    ]:
        code, text = await fail(jp_fetch, "jobs", method="POST", body=json.dumps(bad))
        assert code == 400 and message in text, (bad, code, text)
    assert (await get_json(jp_fetch, "runs", notebook="train.ipynb"))["runs"] == []  # none opened
    assert (await fail(jp_fetch, "jobs", "f" * 32))[0] == 404
    assert (await fail(jp_fetch, "jobs", "nope"))[0] == 400


ROUTES = [
    ("GET", ("compare",)),
    ("GET", ("snapshots",)),
    ("GET", ("snapshots", "0" * 32)),
    ("GET", ("snapshots", "0" * 32, "diff")),
    ("GET", ("lineage",)),
    ("GET", ("pipeline",)),
    ("POST", ("pipeline",)),
    ("GET", ("steps",)),
    ("POST", ("steps",)),
    ("GET", ("parameters",)),
    ("GET", ("jobs",)),
    ("POST", ("jobs",)),
    ("GET", ("jobs", "0" * 32)),
    ("DELETE", ("jobs", "0" * 32)),
    ("POST", ("runs", "0" * 32, "reproduce")),
    ("GET", ("reproductions", "0" * 32)),
    ("POST", ("runs", "0" * 32, "promote")),
    ("GET", ("models",)),
    ("GET", ("schedules",)),
    ("POST", ("schedules",)),
    ("DELETE", ("schedules", "cron", "nbops_x")),
]


@pytest.mark.parametrize(("method", "parts"), ROUTES)
async def test_every_route_refuses_unauthenticated(jp_fetch, method, parts):
    body = "{}" if method == "POST" else None
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(
            "nbops", "api", *parts, method=method, body=body, headers={"Authorization": ""}
        )
    assert err.value.code == 403


def test_openapi_documents_every_route():
    """api/openapi.yaml is valid YAML and lists exactly the routes the server registers."""
    import re
    from pathlib import Path

    import yaml

    from nbops.server.app import NbopsApp

    spec = yaml.safe_load((Path(__file__).parents[2] / "api" / "openapi.yaml").read_text())
    app = NbopsApp()
    app.initialize_handlers()
    served = {
        re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern).removeprefix("/nbops/api")
        for pattern, _ in app.handlers
    }
    assert set(spec["paths"]) == served
    for path, handler in ((p, h) for p, h in app.handlers):
        documented = spec["paths"][
            re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path).removeprefix("/nbops/api")
        ]
        verbs = {v for v in ("get", "post", "delete") if v in handler.__dict__}
        assert set(documented) == verbs, path


async def wait_for_reproduction(jp_fetch, key, timeout=120):
    for _ in range(timeout * 4):
        item = await get_json(jp_fetch, "reproductions", key)
        if item["status"] != "RUNNING":
            return item
        await asyncio.sleep(0.25)  # polling the condition, not standing in for it
    raise AssertionError(f"reproduction {key} still running")


async def test_reproduce_a_run_from_the_sidebar(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    jp_nbops_write_tagged(jp_root_dir / "train.ipynb", [PARAMS, LOGS])
    _, job = await send(jp_fetch, "POST", "jobs", body={"notebook": "train.ipynb"})
    original = (await wait_for(jp_fetch, job["id"]))["run_id"]

    response = await jp_fetch(
        "nbops",
        "api",
        "runs",
        original,
        "reproduce",
        method="POST",
        body=json.dumps({"rtol": 0}),
        params={"notebook": "train.ipynb"},
    )
    code, started = response.code, json.loads(response.body)
    assert code == 202 and started["status"] == "RUNNING" and started["original"] == original
    done = await wait_for_reproduction(jp_fetch, started["id"])

    assert done["status"] == "DONE" and done["verdict"] == "IDENTICAL", done
    assert [(r["name"], r["status"]) for r in done["rows"]] == [("score", "equal")]
    run = await get_json(jp_fetch, "runs", done["run_id"], notebook="train.ipynb")
    assert run["tags"]["nbops.reproduces"] == original
    assert run["tags"]["nbops.reproduce.verdict"] == "IDENTICAL"
    # one job system: the reproduction's run was a job, listed as the first one is
    listed = {j["run_id"]: j for j in (await get_json(jp_fetch, "jobs"))["jobs"]}
    assert set(listed) == {original, done["run_id"]}
    assert listed[done["run_id"]]["status"] == "FINISHED"


async def test_bad_reproductions(jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    notebook = jp_nbops_write_tagged(jp_root_dir / "train.ipynb", [PARAMS, LOGS])
    from nbops.capture.session import Session

    session = Session(notebook=notebook)
    failed = session.start_run("failed")
    session.end_run("FAILED")
    session.close()
    for run_id, body, code, message in [
        (failed, {}, 400, "ended FAILED"),
        ("0" * 32, {}, 404, "0" * 32),
        ("nope", {}, 400, "is not a run id"),
        (failed, {"rtol": -1}, 400, "is not a tolerance"),
        (failed, {"atol": "x"}, 400, "must be a number"),
        (failed, {"env": "docker"}, 400, "--env 'docker' is not known"),
        (failed, {"seed": 1}, 400, "has no field(s) seed"),
        (failed, [], 400, "must be a JSON object"),
    ]:
        status, text = await fail(
            jp_fetch, "runs", run_id, "reproduce", method="POST", body=json.dumps(body)
        )
        assert status == code and message in text, (run_id, body, status, text)
    assert (await fail(jp_fetch, "reproductions", "f" * 32))[0] == 404
    assert (await fail(jp_fetch, "reproductions", "nope"))[0] == 400
    runs = (await get_json(jp_fetch, "runs", notebook="train.ipynb"))["runs"]
    assert [r["run_id"] for r in runs] == [failed]  # nothing ran


def logged_model_runs(notebook) -> list[str]:
    """Two finished runs of ``notebook`` that logged a ridge model and its rmse."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    from nbops.capture.session import Session

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    session = Session(notebook=notebook, capture_environment=False)
    ids = []
    for alpha in (10.0, 0.01):
        model = Ridge(alpha=alpha).fit(X, y)
        ids.append(session.start_run(f"alpha {alpha}"))
        session.log_metrics({"rmse": float(((model.predict(X) - y) ** 2).mean() ** 0.5)})
        session.log_model(model, "model", input_example=X.head(3))
        session.end_run()
    session.close()
    return ids


async def test_promote_from_the_sidebar_and_list_models(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_notebook
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    notebook = jp_nbops_write_notebook(jp_root_dir / "train.ipynb")
    worse, better = logged_model_runs(notebook)

    async def promote(run_id, body):
        response = await jp_fetch(
            "nbops", "api", "runs", run_id, "promote", method="POST",
            body=json.dumps(body), params={"notebook": "train.ipynb"},
        )  # fmt: skip
        return json.loads(response.body)

    first = await promote(worse, {"model": "diabetes"})
    assert first["decision"] == "promoted" and first["version"] == "1"
    refused = await promote(worse, {"model": "diabetes", "gates": ["rmse < champion"]})
    assert refused["decision"] == "refused" and refused["rows"][0]["passed"] is False
    promoted = await promote(better, {"model": "diabetes", "gates": ["rmse < champion*0.98"]})
    assert promoted["decision"] == "promoted" and promoted["version"] == "3"

    listed = await get_json(jp_fetch, "models", notebook="train.ipynb")
    by_version = {v["version"]: v for v in listed["versions"]}
    assert by_version["3"]["aliases"] == ["champion"] and by_version["3"]["run_id"] == better
    assert by_version["1"]["aliases"] == ["previous-champion"]
    assert by_version["2"]["decision"] == "refused" and by_version["2"]["aliases"] == []
    assert listed["monitors"] == []


async def test_the_production_section_lists_what_a_pipelines_steps_registered(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_notebook
):
    """A pipeline's step runs of a notebook live in the pipeline's experiment: the versions
    they registered are the notebook's, as its runs' reports say."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    from nbops.capture.session import Session

    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    notebook = jp_nbops_write_notebook(jp_root_dir / "train.ipynb")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    session = Session(notebook=notebook, experiment="pipeline.yaml", capture_environment=False)
    step = session.start_run("train", tags={"nbops.source": "train.ipynb"})
    session.log_model(Ridge().fit(X, y), "model", registered_model_name="diabetes-ridge")
    session.end_run()
    session.close()
    listed = await get_json(jp_fetch, "models", notebook="train.ipynb")
    assert [(v["model"], v["version"], v["run_id"]) for v in listed["versions"]] == [
        ("diabetes-ridge", "1", step)
    ]
    other = await get_json(jp_fetch, "models", notebook="other.ipynb")
    assert other["versions"] == []


async def test_bad_promotions_are_400(jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_notebook):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    notebook = jp_nbops_write_notebook(jp_root_dir / "train.ipynb")
    from nbops.capture.session import Session

    session = Session(notebook=notebook, capture_environment=False)
    no_model = session.start_run("no model")
    session.end_run()
    session.close()
    conflict, text = await fail(
        jp_fetch, "runs", no_model, "promote", method="POST", body=json.dumps({"model": "m"})
    )
    assert conflict == 409 and "logged no model" in text  # the run's state, not the request
    for run_id, body, message in [
        (no_model, {}, "missing a field"),
        (no_model, {"model": "m", "gates": "rmse < 1"}, "must be a list"),
        (no_model, {"model": "m", "gates": [3]}, "is not text"),
        (no_model, {"model": "m", "gates": ["rmse <"]}, "is malformed"),
        (no_model, {"model": "bad name!"}, "is not a model name"),
        (no_model, {"model": "m", "extra": 1}, "has no field(s) extra"),
        ("0" * 32, {"model": "m"}, "No run 0000"),
        ("nope", {"model": "m"}, "is not a run id"),
    ]:
        code, text = await fail(
            jp_fetch, "runs", run_id, "promote", method="POST", body=json.dumps(body)
        )
        assert code == 400 and message in text, (body, code, text)


@pytest.mark.parametrize(
    ("step", "code", "message"),
    [
        ("../outside", 400, "is not a step name"),
        ("/etc", 400, "is not a step name"),
        ("train@../../x", 400, "is not a step name"),
        ("train\n", 400, "is not a step name"),
        ("nosuch", 404, "No step 'nosuch'"),
        ("train@ffffffff", 404, "No step 'train@ffffffff'"),
    ],
)
async def test_a_jobs_step_is_an_exported_step_of_the_project_never_a_path(
    step, code, message, jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged, tmp_path
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    jp_nbops_write_tagged(jp_root_dir / "train.ipynb", [PARAMS, LOGS])
    outside = tmp_path / "outside"  # a step folder outside the root, named by a relative path
    jp_nbops_write_tagged(outside / "step.ipynb", [PARAMS, LOGS])
    (outside / "step.yaml").write_text("name: outside\n")
    _, exported = await send(jp_fetch, "POST", "steps", body={"notebook": "train.ipynb"})
    body = json.dumps({"notebook": "train.ipynb", "step": step})
    got, text = await fail(jp_fetch, "jobs", method="POST", body=body)
    assert got == code and message in text, (got, text)
    assert (await get_json(jp_fetch, "runs", notebook="train.ipynb"))["runs"] == []
    assert exported["name"] == "train"


async def test_a_job_runs_an_exported_step_by_name_and_version(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    jp_nbops_write_tagged(jp_root_dir / "train.ipynb", [PARAMS, LOGS])
    _, exported = await send(jp_fetch, "POST", "steps", body={"notebook": "train.ipynb"})
    reference = f"train@{exported['version'][:8]}"
    body = {"notebook": "train.ipynb", "step": reference, "parameters": {"alpha": "2"}}
    code, job = await send(jp_fetch, "POST", "jobs", body=body)
    assert code == 201
    done = await wait_for(jp_fetch, job["id"])
    assert done["status"] == "FINISHED", done
    run = await get_json(jp_fetch, "runs", job["id"], notebook="train.ipynb")
    assert run["tags"]["nbops.step"] == "train" and run["metrics"]["score"] == 4.0


def scoring_servers(since: float) -> list:
    """MLflow scoring servers (``mlflow models serve``) started on this machine since ``since``."""
    import psutil

    return [
        p
        for p in psutil.process_iter(["cmdline", "create_time"])
        if "serve" in (p.info["cmdline"] or [])
        and "models" in (p.info["cmdline"] or [])
        and p.info["create_time"] >= since
    ]


async def test_a_promotion_that_loads_anothers_model_asks_first_then_loads_it_elsewhere(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_notebook
):
    """A model is unpickled, its code run: one that the lab's user did not register is loaded
    only after a confirmation, and never in the Jupyter server's process."""
    import nbops.loop.serving

    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    notebook = jp_nbops_write_notebook(jp_root_dir / "train.ipynb")
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "bob")
    _, bobs = logged_model_runs(notebook)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "alice")  # the lab's user

    def loaded_here(*args, **kwargs):
        raise AssertionError("a model was loaded in the Jupyter server's process")

    monkeypatch.setattr(nbops.loop.serving, "serve_check", loaded_here)
    started = time.time()
    body = {"model": "diabetes", "gates": ["servable"]}
    code, text = await fail(jp_fetch, "runs", bobs, "promote", method="POST", body=json.dumps(body))
    assert code == 409 and "models that you did not register" in text
    with pytest.raises(HTTPClientError) as err:
        await send(jp_fetch, "POST", "runs", bobs, "promote", body=body)
    assert json.loads(err.value.response.body)["confirm"] == [
        f"the candidate run {bobs}'s model, registered by bob"
    ]
    assert (await get_json(jp_fetch, "models", notebook="train.ipynb"))["versions"] == []
    confirmed = json.dumps({**body, "confirm": True})  # a scoring server starts: seconds
    response = await jp_fetch(
        "nbops", "api", "runs", bobs, "promote", method="POST", body=confirmed,
        request_timeout=300,
    )  # fmt: skip
    decision = json.loads(response.body)
    assert decision["version"] == "1" and decision["rows"][0]["gate"] == "servable"
    assert decision["decision"] == "promoted", decision  # checked by a process of its own
    assert scoring_servers(started) == []  # and stopped by it
