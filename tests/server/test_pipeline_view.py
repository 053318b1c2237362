"""``GET``/``POST /nbops/api/pipeline``: a pipeline file, its last run step by step, and running
it from the lab (real kernels, the server's local executor)."""

from __future__ import annotations

import asyncio
import json

from test_api import fail, get_json, send

FIRST = (
    'import nbops, pandas as pd\nnbops.snapshot(pd.DataFrame({"x": [1, 2]}), "xs", role="output")'
)
SECOND = (
    'import nbops\nxs = nbops.load_snapshot("xs")\n'
    'if fail:\n    raise ValueError("second failed on purpose")'
)
PIPELINE = (
    "name: flow\nsteps:\n  first:\n    notebook: first.ipynb\n"
    "  second:\n    notebook: second.ipynb\n"
)


async def until_ended(jp_fetch, path: str, timeout: float = 180) -> dict:
    """Ask for the pipeline until its last run ended and this server no longer runs it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        state = await get_json(jp_fetch, "pipeline", path=path)
        last = state["last_run"]
        if last and last["status"] != "RUNNING" and not state["running_here"]:
            return state
        assert asyncio.get_running_loop().time() < deadline, state
        await asyncio.sleep(0.5)


async def test_a_pipeline_is_described_run_and_followed(
    jp_fetch, jp_root_dir, monkeypatch, jp_nbops_write_tagged
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    (jp_root_dir / "nbops.toml").write_text("")
    flow = jp_root_dir / "flow"
    jp_nbops_write_tagged(flow / "first.ipynb", [(FIRST, [])])
    jp_nbops_write_tagged(flow / "second.ipynb", [("fail = False", ["parameters"]), (SECOND, [])])
    (flow / "pipeline.yaml").write_text(PIPELINE)

    fresh = await get_json(jp_fetch, "pipeline", path="flow/pipeline.yaml")
    assert fresh["name"] == "flow" and fresh["last_run"] is None
    assert [(s["name"], s["target"], s["upstream"], s["last"]) for s in fresh["steps"]] == [
        ("first", "first.ipynb", [], None),
        ("second", "second.ipynb", ["first"], None),
    ]
    assert fresh["steps"][1]["inputs"] == ["xs"] and "first -->|xs| second" in fresh["mermaid"]

    assert fresh["executor"] == "local" and {"local", "dask"} <= set(fresh["executors"])

    body = {"path": "flow/pipeline.yaml", "parameters": {"second.fail": "true"}}
    code, message = await fail(jp_fetch, "pipeline", method="POST",
                               body=json.dumps({**body, "executor": "nope"}))  # fmt: skip
    assert code == 400 and "Unknown executor 'nope'" in message and "local" in message
    again = await get_json(jp_fetch, "pipeline", path="flow/pipeline.yaml")
    assert again["last_run"] is None and not again["running_here"]  # nothing started
    body["executor"] = "local"
    code, started = await send(jp_fetch, "POST", "pipeline", body=body)
    assert code == 202 and started["started"]
    code, message = await fail(jp_fetch, "pipeline", method="POST", body=json.dumps(body))
    assert code == 409 and "already running from this server" in message
    ended = await until_ended(jp_fetch, "flow/pipeline.yaml")
    assert ended["last_run"]["status"] == "FAILED"
    first, second = (s["last"] for s in ended["steps"])
    assert first["status"] == "FINISHED" and first["outputs"]["xs"]
    assert second["status"] == "FAILED" and "second failed on purpose" in second["error"]

    code, _ = await send(jp_fetch, "POST", "pipeline", body={"path": "flow/pipeline.yaml"})
    assert code == 202
    again = await until_ended(jp_fetch, "flow/pipeline.yaml")
    assert [s["last"]["status"] for s in again["steps"]] == ["CACHED", "FINISHED"]

    (flow / "broken.yaml").write_text(PIPELINE + "colour: red\n")
    for params, status, words in [
        ({"path": "flow/first.ipynb"}, 400, "is not a pipeline file"),
        ({"path": "../pipeline.yaml"}, 400, "must be a path relative to the server root"),
        ({"path": "flow/broken.yaml"}, 400, "unknown keys ['colour']"),
        ({"path": "flow/none.yaml"}, 404, "No pipeline file"),
    ]:
        code, message = await fail(jp_fetch, "pipeline", **params)
        assert (code, words in message) == (status, True), (params, message)
    code, message = await fail(
        jp_fetch,
        "pipeline",
        method="POST",
        body=json.dumps({"path": "flow/pipeline.yaml", "parameters": {"third.x": "1"}}),
    )
    assert code == 400 and "has no step 'third'" in message
