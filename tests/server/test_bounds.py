"""Bounded work per request: histories thinned server-side, compare's code diff bounded, bodies
capped, a job's progress counted once per change of its notebook."""

import json
import math

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from nbops.store.history import downsample


def test_downsampling_keeps_the_ends_and_every_buckets_extremes():
    points = [{"step": i, "value": math.sin(i / 50), "timestamp": i} for i in range(100_000)]
    points[54_321]["value"] = 99.0  # one spike
    thinned = downsample(points, 500)
    assert len(thinned) <= 500
    assert thinned[0] is points[0] and thinned[-1] is points[-1]
    assert [p["step"] for p in thinned] == sorted(p["step"] for p in thinned)
    assert max(p["value"] for p in thinned) == 99.0
    assert min(p["value"] for p in thinned) == min(p["value"] for p in points)
    assert downsample(points[:10], 500) == points[:10]


async def test_a_long_history_comes_back_thinned_to_max_points(
    jp_fetch, jp_root_dir, jp_nbops_write_notebook, monkeypatch
):
    from nbops.capture.session import Session

    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    notebook = jp_nbops_write_notebook(jp_root_dir / "long.ipynb")
    session = Session(notebook=notebook, capture_environment=False)
    run_id = session.start_run()
    for step in range(5000):
        session.log_metrics({"loss": 1 / (step + 1)}, step=step)
    session.end_run()
    session.close()

    async def history(**params):
        response = await jp_fetch(
            "nbops", "api", "runs", run_id, params={"notebook": "long.ipynb", **params}
        )
        return json.loads(response.body)["metric_history"]["loss"]

    assert 1000 < len(await history()) <= 2000  # the default bound
    few = await history(max_points="100")
    assert len(few) <= 100 and few[0]["step"] == 0 and few[-1]["step"] == 4999
    assert len(await history(max_points="100000")) == 5000
    for bad in ("1", "100001", "lots", "-5"):
        with pytest.raises(HTTPClientError) as err:
            await history(max_points=bad)
        assert (
            err.value.code == 400 and "max_points" in json.loads(err.value.response.body)["message"]
        )


def test_a_code_diff_of_huge_notebooks_says_so_instead_of_taking_minutes(monkeypatch):
    from nbops.reports import compare

    cells = {"a": [f"x = {i}" for i in range(3000)], "b": [f"x = {i}" for i in range(3001)]}
    monkeypatch.setattr(compare, "_cells", lambda store, run_id: cells[run_id])
    (change,) = compare.code_diff(None, "a", "b")
    assert change["kind"] == "too large" and "3000 and 3001 code cells" in change["diff"]


async def test_a_body_over_the_cap_is_413_with_a_message(jp_fetch):
    body = json.dumps({"notebook": "x.ipynb", "parameters": {"p": "x" * 1_200_000}})
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("nbops", "api", "jobs", method="POST", body=body)
    assert err.value.code == 413
    assert "takes at most 1,000,000" in json.loads(err.value.response.body)["message"]


def test_job_progress_is_read_once_per_change_and_ignores_outputs(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from nbops.server import jobs

    nb = nbformat.v4.new_notebook()
    fake = {"papermill": {"status": "completed"}}  # an output that looks like cell metadata
    output = nbformat.v4.new_output("display_data", {"application/json": fake})
    text = nbformat.v4.new_output("stream", text='"papermill": {"status": "completed"}')
    for i in range(4):
        cell = nbformat.v4.new_code_cell(f"x = {i}", outputs=[text])
        cell.metadata["papermill"] = {"duration": 0.1, "exception": False,
                                      "status": "completed" if i < 2 else "pending"}  # fmt: skip
        nb.cells.append(cell)
    executed = tmp_path / "executed.ipynb"
    nbformat.write(nb, executed)
    job = jobs.LabJob("a" * 32, SimpleNamespace(task=SimpleNamespace(executed=executed)), "t", 0, 4)
    assert job.cells_done() == 2  # the stream's text never counts
    reads = []
    real = type(executed).read_bytes
    monkeypatch.setattr(type(executed), "read_bytes", lambda self: reads.append(1) or real(self))
    assert job.cells_done() == 2 and reads == []  # unchanged: not read again
    nb.cells[2].metadata["papermill"]["status"] = "completed"
    nb.cells[3].outputs = [output]
    nbformat.write(nb, executed)
    assert job.cells_done() == 3 and len(reads) == 1
