"""The embedded store's MLflow-free read path answers exactly as MLflow's own search does."""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys

import pytest

from nbops.exceptions import InputError, NotFoundError
from nbops.store.mlflow import MlflowStore
from nbops.store.reader import SqliteReader, sqlite_path
from nbops.store.search import summary

HEAVY = ("mlflow", "pandas", "sqlalchemy", "jupyter_client", "nbclient", "papermill", "IPython")


@pytest.fixture
def populated(jp_nbops_store):
    """Two experiments; in the first, 40 runs with ties in start time and metric, NaN and missing
    metrics, three statuses, tags, params, and one deleted run."""
    store = jp_nbops_store
    client = store.client
    first = store.experiment_id("first.ipynb", create=True)
    second = store.experiment_id("second.ipynb", create=True)
    ids = []
    for i in range(40):
        run = client.create_run(
            first, start_time=1_000 + i % 9, run_name=f"r{i}", tags={"k": "v" if i % 2 else "w"}
        )
        run_id = run.info.run_id
        if i % 5 == 0:
            client.log_metric(run_id, "m", math.nan, timestamp=5)
        elif i % 6 != 0:
            client.log_metric(run_id, "m", float(i % 4), timestamp=5, step=0)
            client.log_metric(run_id, "m", float(i % 4) + 0.5, timestamp=6, step=1)
        client.log_param(run_id, "i", str(i))
        client.set_terminated(run_id, ["FINISHED", "FAILED", "KILLED"][i % 3], end_time=2_000)
        ids.append(run_id)
    client.delete_run(ids[7])
    other = client.create_run(second, run_name="elsewhere", tags={"k": "v"}).info.run_id
    client.log_metric(other, "m", 99.0)
    return store, {first: "first.ipynb", second: "second.ipynb"}


def _mlflow_order(store, experiment_ids, order_by, query=""):
    runs = store.client.search_runs(experiment_ids, query, max_results=1000, order_by=order_by)
    return [run.info.run_id for run in runs], {r.info.run_id: r for r in runs}


def _plain(summary) -> dict:
    """A run summary with NaN made comparable."""
    values = summary.to_dict()
    values["metrics"] = {k: "nan" if math.isnan(v) else v for k, v in values["metrics"].items()}
    return values


@pytest.mark.parametrize("sort", ["start_time", "metrics.m", "metrics.absent"])
@pytest.mark.parametrize("descending", [True, False])
def test_every_page_of_a_sorted_listing_is_mlflows_order(populated, sort, descending):
    store, experiments = populated
    direction = "DESC" if descending else "ASC"
    order = "attributes.start_time" if sort == "start_time" else f"metrics.`{sort[8:]}`"
    expected, by_id = _mlflow_order(store, list(experiments), [f"{order} {direction}"])
    assert store.reader is not None
    seen, token = [], None
    while True:
        page, token = store.runs_page(None, 7, sort=sort, descending=descending, page_token=token)
        seen += page
        if token is None:
            break
    assert [run.run_id for run in seen] == expected
    for run in seen:  # each summary holds what MLflow's run holds
        assert _plain(run) == _plain(summary(by_id[run.run_id], experiments))


def test_filters_by_experiment_status_and_tags_as_mlflow_does(populated):
    store, experiments = populated
    first = next(i for i, name in experiments.items() if name == "first.ipynb")
    query = "attributes.status = 'FAILED' and tags.`k` = 'v'"
    expected, _ = _mlflow_order(store, [first], ["attributes.start_time DESC"], query)
    found = store.list_runs("first.ipynb", 100, status="FAILED", tags={"k": "v"})
    assert [run.run_id for run in found] == expected
    assert len(expected) > 3
    page, token = store.runs_page("second.ipynb", 10, sort="metrics.m")
    assert [run.name for run in page] == ["elsewhere"] and token is None
    assert store.list_runs("no-such.ipynb") == []


@pytest.mark.parametrize("sort", ["start_time", "metrics.m"])
def test_a_tagged_page_across_experiments_is_mlflows(populated, sort):
    """What the sidebar asks for a notebook: its runs in every experiment (by their tag)."""
    store, experiments = populated
    order = "attributes.start_time" if sort == "start_time" else "metrics.`m`"
    expected, _ = _mlflow_order(store, list(experiments), [f"{order} DESC"], "tags.`k` = 'v'")
    seen, token = [], None
    while True:
        page, token = store.runs_page(None, 6, sort=sort, page_token=token, tags={"k": "v"})
        seen += page
        if token is None:
            break
    assert [run.run_id for run in seen] == expected
    assert {run.experiment for run in seen} == {"first.ipynb", "second.ipynb"}


def test_one_run_and_its_metric_history(populated):
    store, _ = populated
    # r1 logged m twice (1.0 then 1.5): a value MLflow and nbops both compare equal
    run_id = next(r.run_id for r in store.list_runs("first.ipynb", 100) if r.name == "r1")
    mlflow_run = store.client.get_run(run_id)
    assert store.get_run(run_id).metrics == mlflow_run.data.metrics
    history = store.metric_history(run_id)
    assert history["m"] == [
        {"step": m.step, "value": m.value, "timestamp": m.timestamp}
        for m in store.client.get_metric_history(run_id, "m")
    ]
    with pytest.raises(NotFoundError, match="No run with id"):
        store.get_run("0" * 32)


def test_a_malformed_page_token_is_refused(populated):
    store, _ = populated
    for token in ("not base64!", "eyJvZmZzZXQiOiAtMX0=", "bnVsbA=="):  # junk, offset -1, null
        with pytest.raises(InputError, match="page token"):
            store.runs_page("first.ipynb", 5, page_token=token)


def test_a_database_without_mlflows_tables_is_left_to_mlflow(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE runs (run_uuid TEXT)")
    assert SqliteReader.open(path) is None
    assert SqliteReader.open(tmp_path / "missing.db") is None


def test_a_project_without_a_database_lists_nothing_and_creates_nothing(jp_nbops_project):
    from nbops.config import load_settings

    settings = load_settings(jp_nbops_project)
    store = MlflowStore(settings.tracking_uri)
    assert store.list_runs() == [] and store.runs_page(None, 5) == ([], None)
    assert not sqlite_path(settings.tracking_uri).exists()


def test_the_read_commands_import_neither_mlflow_nor_pandas(
    jp_nbops_project, jp_nbops_record_run, jp_nbops_write_notebook
):
    notebook = jp_nbops_write_notebook(jp_nbops_project / "nb.ipynb")
    first = jp_nbops_record_run(notebook, "one", {"a": 1}, {"m": 1.0})
    second = jp_nbops_record_run(notebook, "two", {"a": 2}, {"m": 2.0})
    probe = (
        "import sys, json, contextlib, io\n"
        "from nbops.cli import main\n"
        "sys.argv = ['nbops', *sys.argv[1:]]\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    main()\n"
        "print(json.dumps({'out': out.getvalue(), 'modules': sorted(sys.modules)}))\n"
    )
    commands = {
        "runs": ["runs", "--notebook", "nb.ipynb"],
        "status": ["status"],
        "snapshots": ["snapshots"],
        "steps": ["steps"],
        "env diff": ["env", "diff", first, second],
    }
    outputs = {}
    for label, args in commands.items():
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            cwd=jp_nbops_project, capture_output=True, text=True, check=True,
        )  # fmt: skip
        answer = json.loads(done.stdout)
        top = {name.split(".")[0] for name in answer["modules"]}
        assert not top & set(HEAVY), f"nbops {label} imported {sorted(top & set(HEAVY))}"
        assert answer["out"].strip(), f"nbops {label} printed nothing"
        outputs[label] = answer["out"]
    assert "one" in outputs["runs"] and "two" in outputs["runs"]


def test_datasets_and_artifacts_of_a_run_are_mlflows(jp_nbops_store, tmp_path):
    store = jp_nbops_store
    run_id = store.start_run("data.ipynb", name="with data")
    store.log_dataset(run_id, "train", "d1", "file:///train.parquet", "input")
    store.log_dataset(run_id, "scores", "d2", "file:///scores.parquet", "output")
    store.log_text(run_id, "a", "top.txt")
    store.log_text(run_id, "b", "folder/inner.txt")
    client = store.client
    inputs = client.get_run(run_id).inputs.dataset_inputs
    expected = sorted(
        (i.dataset.name, i.dataset.digest, next(t.value for t in i.tags)) for i in inputs
    )
    assert sorted(tuple(d.values()) for d in store.datasets(run_id)) == expected
    for folder in (None, "folder", "missing"):
        assert store.list_artifacts(run_id, folder) == [
            a.path for a in client.list_artifacts(run_id, folder)
        ]
    with pytest.raises(NotFoundError):
        store.datasets("0" * 32)
