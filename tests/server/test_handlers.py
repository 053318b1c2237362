import inspect
import json
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from nbops.server.app import NbopsApp


async def get_json(jp_fetch, *parts, **params):
    response = await jp_fetch("nbops", "api", *parts, params=params)
    return json.loads(response.body)


async def fail(jp_fetch, *parts, **params):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("nbops", "api", *parts, params=params)
    return err.value.code, json.loads(err.value.response.body)


async def test_runs_of_a_notebook(jp_fetch, jp_nbops_notebook_with_runs):
    _, (first, second) = jp_nbops_notebook_with_runs
    body = await get_json(jp_fetch, "runs", notebook="analysis/train.ipynb", limit="10")
    assert body["experiment"] == "analysis/train.ipynb"
    assert [run["run_id"] for run in body["runs"]] == [second, first]
    tuned = body["runs"][0]
    assert tuned["status"] == "FINISHED"
    assert tuned["params"] == {"alpha": "0.5"}
    assert tuned["metrics"] == {"rmse": 2.25}
    assert tuned["end_time"] >= tuned["start_time"] > 0
    assert tuned["duration_ms"] == tuned["end_time"] - tuned["start_time"]


async def test_a_notebooks_runs_in_other_experiments_come_with_their_parents(
    jp_fetch, jp_root_dir, jp_nbops_notebook_with_runs
):
    """A pipeline's step run of the notebook lives in the pipeline's experiment: it is listed,
    and its pipeline parent (which ran no one notebook) comes along to nest it under."""
    from nbops.config import load_settings
    from nbops.names import PARENT_TAG, RUN_KIND_TAG, SOURCE_TAG
    from nbops.store import open_store

    notebook, (first, second) = jp_nbops_notebook_with_runs
    store = open_store(load_settings(notebook.parent, jp_root_dir))
    parent = store.start_run("pipeline.yaml", "pipeline daily", {RUN_KIND_TAG: "pipeline"})
    step = store.start_run(
        "pipeline.yaml", "train", {PARENT_TAG: parent, SOURCE_TAG: "analysis/train.ipynb"}
    )
    other = store.start_run(
        "pipeline.yaml", "evaluate", {PARENT_TAG: parent, SOURCE_TAG: "x.ipynb"}
    )
    for run_id in (step, other, parent):
        store.end_run(run_id)

    body = await get_json(jp_fetch, "runs", notebook="analysis/train.ipynb")
    assert [run["run_id"] for run in body["runs"]] == [step, second, first]
    assert body["runs"][0]["experiment"] == "pipeline.yaml"
    assert [run["run_id"] for run in body["parents"]] == [parent]
    assert body["parents"][0]["tags"][RUN_KIND_TAG] == "pipeline"
    # a page that holds the parent itself does not repeat it
    root = await get_json(jp_fetch, "runs", limit="100")
    assert {parent, step, other} <= {run["run_id"] for run in root["runs"]}
    assert root["parents"] == []


async def test_limit_cuts_the_list(jp_fetch, jp_nbops_notebook_with_runs):
    _, (_, second) = jp_nbops_notebook_with_runs
    body = await get_json(jp_fetch, "runs", notebook="analysis/train.ipynb", limit="1")
    assert [run["run_id"] for run in body["runs"]] == [second]


async def test_notebook_without_runs_has_an_empty_list(jp_fetch, jp_root_dir):
    body = await get_json(jp_fetch, "runs", notebook="fresh.ipynb")
    assert body["runs"] == []
    assert not (jp_root_dir / ".nbops" / "artifacts").exists()


async def test_config_describes_the_store(jp_fetch, jp_root_dir, jp_nbops_notebook_with_runs):
    body = await get_json(jp_fetch, "config", notebook="analysis/train.ipynb")
    assert body["tracking_uri"] == f"sqlite:///{jp_root_dir / '.nbops' / 'mlflow.db'}"
    assert body["uri_source"] == "embedded"
    assert body["experiment"] == "analysis/train.ipynb"
    assert body["version"]


@pytest.mark.parametrize("limit", ["-1", "abc", "0", "100000", "1.5"])
async def test_bad_limit_is_400(jp_fetch, jp_nbops_notebook_with_runs, limit):
    code, body = await fail(jp_fetch, "runs", notebook="analysis/train.ipynb", limit=limit)
    assert code == 400
    assert f"limit={limit!r}" in body["message"] and "whole number" in body["message"]


@pytest.mark.parametrize(
    "notebook",
    ["../outside.ipynb", "/etc/passwd.ipynb", "analysis/../../x.ipynb", "{root}2/x.ipynb"],
)
async def test_path_outside_root_is_400_and_touches_nothing(jp_fetch, jp_root_dir, notebook):
    notebook = notebook.format(root=f"../{jp_root_dir.name}")
    before = sorted(p.name for p in jp_root_dir.parent.iterdir())
    for endpoint in ("runs", "config"):
        code, body = await fail(jp_fetch, endpoint, notebook=notebook)
        assert code == 400
        assert "server root" in body["message"]
    assert sorted(p.name for p in jp_root_dir.parent.iterdir()) == before
    assert not (jp_root_dir.parent / ".nbops").exists()


async def test_symlink_leaving_the_root_is_400(jp_fetch, jp_root_dir, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (jp_root_dir / "link").symlink_to(outside, target_is_directory=True)
    code, _ = await fail(jp_fetch, "runs", notebook="link/x.ipynb")
    assert code == 400
    assert not (outside / ".nbops").exists()


async def test_not_a_notebook_is_400(jp_fetch):
    code, body = await fail(jp_fetch, "runs", notebook="data.csv")
    assert code == 400 and ".ipynb" in body["message"]


async def test_project_marker_below_the_root_wins(jp_fetch, jp_root_dir):
    (jp_root_dir / "sub").mkdir()
    (jp_root_dir / "sub" / "pyproject.toml").write_text("[tool.nbops]\n")
    body = await get_json(jp_fetch, "config", notebook="sub/nb/x.ipynb")
    assert body["project"] == str(jp_root_dir / "sub")
    assert body["experiment"] == "nb/x.ipynb"


async def test_unreachable_store_is_500_naming_uri(jp_fetch, jp_nbops_unreachable_uri):
    code, body = await fail(jp_fetch, "runs", notebook="x.ipynb")
    assert code == 500
    assert jp_nbops_unreachable_uri in body["message"]
    assert "NBOPS_TRACKING_URI" in body["message"]


@pytest.mark.parametrize("endpoint", ["runs", "config"])
async def test_unauthenticated_request_is_refused(jp_fetch, endpoint):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("nbops", "api", endpoint, headers={"Authorization": ""})
    assert err.value.code == 403


def test_every_handler_method_is_authenticated():
    app = NbopsApp()
    app.initialize_handlers()
    assert app.handlers
    for _, handler in app.handlers:
        for verb in ("get", "post", "put", "patch", "delete"):
            method = handler.__dict__.get(verb)
            if method is not None:
                source = inspect.getsource(method)
                assert "@web.authenticated" in source, f"{handler.__name__}.{verb}"


async def test_one_run_with_artifacts_and_data(jp_fetch, jp_nbops_notebook_with_runs):
    _, (_, second) = jp_nbops_notebook_with_runs
    body = await get_json(jp_fetch, "runs", second, notebook="analysis/train.ipynb")
    assert body["run_id"] == second and body["params"] == {"alpha": "0.5"}
    assert "environment.json" in body["artifacts"] and body["datasets"] == []


@pytest.mark.parametrize(("run_id", "code"), [("0" * 32, 404), ("not-a-run", 400)])
async def test_unknown_or_malformed_run(jp_fetch, jp_nbops_notebook_with_runs, run_id, code):
    status, body = await fail(jp_fetch, "runs", run_id, notebook="analysis/train.ipynb")
    assert status == code and run_id in body["message"]


async def test_report_is_served_sandboxed(jp_fetch, jp_nbops_notebook_with_runs):
    _, (_, second) = jp_nbops_notebook_with_runs
    response = await jp_fetch(
        "nbops", "api", "runs", second, "report", params={"notebook": "analysis/train.ipynb"}
    )
    html = response.body.decode()
    assert "Run report" in html and second in html and "<script" not in html
    assert "sandbox" in response.headers["Content-Security-Policy"]


async def test_the_labs_report_says_what_changed_since_the_previous_run(
    jp_fetch, jp_nbops_notebook_with_runs
):
    from bs4 import BeautifulSoup

    _, (first, second) = jp_nbops_notebook_with_runs
    notebook = "analysis/train.ipynb"

    async def block(run_id, **params):
        response = await jp_fetch(
            "nbops", "api", "runs", run_id, "report", params={"notebook": notebook, **params}
        )
        page = BeautifulSoup(response.body.decode(), "html.parser")
        title = page.select_one("section.nbops-card h2.nbops-changes")
        items = [li.get_text() for li in page.select("ul.nbops-changes-summary li")]
        return title and title.get_text(), items

    title, items = await block(second)
    assert title == f"Changes since run {first[:8]}"
    assert "parameters: alpha 0.1 -> 0.5" in items
    assert await block(second, against="none") == (None, [])
    assert (await block(first))[0] is None  # nothing before the first run
    assert (await block(first, against=second))[0] == f"Changes since run {second[:8]}"
    status, body = await fail(jp_fetch, "runs", second, "report", notebook=notebook, against="x")
    assert status == 400 and "'x' is not a run id" in body["message"]


async def test_one_run_requires_authentication(jp_fetch, jp_nbops_notebook_with_runs):
    _, (_, second) = jp_nbops_notebook_with_runs
    for parts in (("runs", second), ("runs", second, "report")):
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch("nbops", "api", *parts, headers={"Authorization": ""})
        assert err.value.code == 403


async def test_a_store_outage_is_500_with_its_cause_not_404(
    jp_fetch,
    jp_root_dir,
    monkeypatch,
    jp_nbops_mlflow_server,
    jp_nbops_write_notebook,
    jp_nbops_record_run,
):
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # fail at once, not in minutes
    notebook = jp_nbops_write_notebook(jp_root_dir / "nb.ipynb")
    ids = [jp_nbops_record_run(notebook, n, {"a": 1}, {"m": 1.0}) for n in ("x", "y")]
    jp_nbops_mlflow_server.stop()
    for parts, params in [(("runs", ids[0]), {}), (("compare",), {"ids": ",".join(ids)})]:
        code, body = await fail(jp_fetch, *parts, notebook="nb.ipynb", **params)
        assert code == 500, body
        assert jp_nbops_mlflow_server.uri in body["message"] and "not usable" in body["message"]


async def test_an_unreadable_artifact_is_500_not_no_differences(
    jp_fetch, jp_nbops_notebook_with_runs
):
    import mlflow

    from nbops.config import load_settings
    from nbops.store import open_store

    notebook, (first, second) = jp_nbops_notebook_with_runs
    store = open_store(load_settings(notebook.parent))
    artifacts = Path(mlflow.MlflowClient(store.uri).get_run(second).info.artifact_uri[7:])
    environment = artifacts / "environment.json"
    environment.unlink()
    environment.symlink_to(environment)  # listed, but reading it fails (a storage error)
    query = {"notebook": "analysis/train.ipynb"}
    code, body = await fail(jp_fetch, "compare", ids=f"{first},{second}", **query)
    assert code == 500 and "environment.json" in body["message"]
    code, body = await fail(jp_fetch, "runs", second, **query)
    assert code == 500 and "Too many levels of symbolic links" in body["message"]
    assert (await get_json(jp_fetch, "runs", first, **query))["environment"]  # others still work


@pytest.mark.parametrize(
    "notebook", ["a" * 300 + ".ipynb", "\u1e70\u033a" * 60 + ".ipynb", "d/" * 2100 + "x.ipynb"]
)
async def test_path_too_long_for_the_file_system_is_404(jp_fetch, jp_root_dir, notebook):
    """No file can have such a path: it is not found (and the file system is not asked)."""
    code, body = await fail(jp_fetch, "runs", notebook=notebook)
    assert code == 404 and "too long for the file system" in body["message"]
    assert len(body["message"]) < 400  # the path is shortened, not echoed whole
