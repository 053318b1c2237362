"""Production across machines: steps on Dask workers that share nothing with the lab but a
PostgreSQL-backed MLflow server with proxied artifacts (see bed.py)."""

from __future__ import annotations

import threading
import uuid
from types import SimpleNamespace

import mlflow
import nbformat
import pandas as pd
import psutil
import pytest

import nbops
from nbops.config import load_settings
from nbops.data.server_catalog import ServerCatalog
from nbops.data.snapshot import read_snapshot
from nbops.exceptions import InputError
from nbops.execution.options import Placement
from nbops.pipeline.orchestrate import run_pipeline
from nbops.server.jobs import JobManager
from nbops.server.reproductions import Reproductions
from nbops.store.mlflow import MlflowStore

from .bed import wait_until
from .conftest import WORKERS

pytestmark = pytest.mark.cluster

PRODUCE = (
    "import pandas as pd\nimport nbops\n"
    'frame = pd.DataFrame({"nonce": [nonce] * 100, "x": range(100)})\n'
    'nbops.snapshot(frame, "shared", role="output")'
)
CONSUME = (
    "import nbops\n"
    'frame = nbops.load_snapshot("shared")\n'
    'nbops.log_metric("rows", len(frame))\n'
    'nbops.set_tags({"nonce_seen": frame["nonce"][0]})'
)
FRAGILE = (
    "import os, pathlib, signal\n"
    "if not pathlib.Path(marker).exists():\n"
    "    pathlib.Path(marker).touch()\n"
    "    os.kill(os.getppid(), signal.SIGKILL)  # the worker running this kernel dies\n"
    "import nbops\n"
    'nbops.log_metric("survived", 1)'
)


def write_notebook(path, parameters: str, source: str):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(source),
    ]
    nbformat.write(nb, path)


def quiet(line):
    pass


def steps_of(client, parent: str) -> dict[str, list]:
    """The child runs of a pipeline run by step, oldest attempt first."""
    run = client.get_run(parent)
    found = client.search_runs(
        [run.info.experiment_id],
        f"tags.mlflow.parentRunId = '{parent}'",
        order_by=["attributes.start_time ASC"],
    )
    steps: dict[str, list] = {}
    for r in found:
        steps.setdefault(r.data.tags["nbops.pipeline_step"], []).append(r)
    return steps


def worker_of(bed, run) -> str:
    """The name of the bed's worker whose process executed ``run``."""
    pid = int(run.data.tags["nbops.worker.pid"])
    nannies = {name: process.pid for name, process in bed.dask.workers.items()}
    parent = psutil.Process(pid).ppid()  # the nanny started by `unshare ... exec dask worker`
    return next(name for name, nanny in nannies.items() if parent == nanny)


def no_running(client) -> bool:
    experiments = [e.experiment_id for e in client.search_experiments()]
    return not client.search_runs(experiments, "attributes.status = 'RUNNING'")


def test_a_snapshot_written_on_one_worker_is_read_on_another(on_bed):
    bed, nonce = on_bed, uuid.uuid4().hex
    write_notebook(bed.project / "produce.ipynb", 'nonce = ""', PRODUCE)
    write_notebook(bed.project / "consume.ipynb", "", CONSUME)
    path = bed.project / "cross.yaml"
    path.write_text(
        "name: cross\nsteps:\n"
        "  produce:\n    notebook: produce.ipynb\n    resources: {w1: 1}\n"
        "  consume:\n    notebook: consume.ipynb\n    after: [produce]\n"
        "    resources: {GPU: 1}\n"
    )
    expected = nbops.fingerprint(pd.DataFrame({"nonce": [nonce] * 100, "x": range(100)}))
    consumer_copy = bed.dask.cache("w2") / f"{expected}.parquet"
    assert not consumer_copy.exists()  # the consumer has no copy before
    result = run_pipeline(
        path,
        [("produce.nonce", nonce)],
        echo=quiet,
        placement=Placement(executor="dask", address=bed.dask.address),
    )
    assert result.ok, {k: (o.status, o.error) for k, o in result.outcomes.items()}
    client = mlflow.MlflowClient(bed.server.uri)
    runs = {name: attempts[-1] for name, attempts in steps_of(client, result.run_id).items()}
    assert worker_of(bed, runs["produce"]) == "w1" and worker_of(bed, runs["consume"]) == "w2"
    assert result.outcomes["produce"].outputs == {"shared": expected}
    (read,) = runs["consume"].inputs.dataset_inputs
    assert read.dataset.digest == expected and "mlflow-artifacts:/" in read.dataset.source
    assert runs["consume"].data.tags["nonce_seen"] == nonce
    assert consumer_copy.is_file()  # downloaded through the server by the consumer
    assert list(bed.artifacts.rglob(f"snapshots/{expected}/data.parquet"))  # kept by the server
    assert not (bed.project / ".nbops").exists()  # nothing written to the lab's folder
    for run in runs.values():
        names = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"report.html", "executed", "environment.json"} <= names
        assert run.data.tags["nbops.env.python"]  # recorded by the worker


def test_the_example_pipeline_end_to_end(on_bed):
    bed = on_bed
    result = run_pipeline(
        bed.project / "pipeline.yaml",
        echo=quiet,
        placement=Placement(executor="dask", address=bed.dask.address),
    )
    assert result.ok, {k: (o.status, o.error) for k, o in result.outcomes.items()}
    client = mlflow.MlflowClient(bed.server.uri)
    runs = {name: attempts[-1] for name, attempts in steps_of(client, result.run_id).items()}
    assert set(runs) == {"prepare", "train", "evaluate"}
    assert all(r.info.status == "FINISHED" for r in runs.values())
    assert client.get_run(result.run_id).info.status == "FINISHED"
    written = result.outcomes["prepare"].outputs
    assert set(written) == {"train", "test"}

    def read(run):
        return {d.dataset.name: d.dataset.digest for d in run.inputs.dataset_inputs
                if any(t.value == "input" for t in d.tags)}  # fmt: skip

    assert read(runs["train"])["train"] == written["train"]
    assert read(runs["evaluate"])["test"] == written["test"]
    assert runs["evaluate"].data.metrics["test_rmse"] > 0
    for run in runs.values():
        names = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"report.html", "executed"} <= names
    assert not (bed.project / ".nbops").exists()
    assert no_running(client)


def test_a_worker_killed_mid_step_is_retried_as_a_new_run(on_bed, tmp_path):
    bed = on_bed
    write_notebook(bed.project / "fragile.ipynb", 'marker = ""', FRAGILE)
    path = bed.project / "fragile.yaml"
    path.write_text("name: fragile\nsteps:\n  fragile:\n    notebook: fragile.ipynb\n")
    marker = tmp_path / "died-once"  # outside the hidden folders: both workers see it
    result = run_pipeline(
        path,
        [("fragile.marker", str(marker))],
        echo=quiet,
        placement=Placement(executor="dask", address=bed.dask.address),
    )
    bed.dask.wait_for_workers(2)  # the nanny restarted the killed worker
    assert marker.exists() and result.ok, result.outcomes["fragile"].error
    client = mlflow.MlflowClient(bed.server.uri)
    lost, retried = steps_of(client, result.run_id)["fragile"]
    assert lost.info.status == "FAILED" and "was lost" in lost.data.tags["nbops.error"]
    assert retried.info.status == "FINISHED" and retried.data.metrics["survived"] == 1
    assert lost.data.params["marker"] == retried.data.params["marker"] == str(marker)
    assert result.outcomes["fragile"].attempts == 2
    assert no_running(client)


WAITING = (
    "import pathlib, time\nimport pandas as pd\nimport nbops\n"
    "while not pathlib.Path(marker).exists():  # the test restarts the server meanwhile\n"
    "    time.sleep(0.1)\n"
    'frame = pd.DataFrame({"nonce": [nonce] * 1000, "x": range(1000)})\n'
    'nbops.snapshot(frame, "restarted", role="output")\n'
    'nbops.log_metric("rows", len(frame))'
)


def test_the_tracking_server_restarted_mid_pipeline(on_bed, tmp_path):
    bed, nonce = on_bed, uuid.uuid4().hex
    write_notebook(bed.project / "waiting.ipynb", 'marker = ""\nnonce = ""', WAITING)
    path = bed.project / "waiting.yaml"
    path.write_text("name: waiting\nsteps:\n  waiting:\n    notebook: waiting.ipynb\n")
    marker = tmp_path / "go"
    overrides = [("waiting.marker", str(marker)), ("waiting.nonce", nonce)]
    done = {}
    thread = threading.Thread(
        target=lambda: done.update(
            result=run_pipeline(
                path,
                overrides,
                echo=quiet,
                placement=Placement(executor="dask", address=bed.dask.address),
            )
        )
    )
    thread.start()
    client = mlflow.MlflowClient(bed.server.uri)

    def step_running():
        found = client.search_runs(
            [e.experiment_id for e in client.search_experiments()],
            "tags.`nbops.pipeline_step` = 'waiting' and attributes.status = 'RUNNING'",
        )
        return [r for r in found if "nbops.worker.pid" in r.data.tags]

    wait_until(step_running, 120, "the step running on a worker")
    bed.server.stop()
    marker.touch()  # the step writes its snapshot while the server is down
    bed.server.start()
    thread.join(300)
    assert not thread.is_alive()
    result = done["result"]
    outcome = result.outcomes["waiting"]
    assert outcome.status == "FINISHED", outcome.error  # the step rode out the restart
    assert result.ok and no_running(client)
    catalog = ServerCatalog(MlflowStore(bed.server.uri))
    expected = nbops.fingerprint(pd.DataFrame({"nonce": [nonce] * 1000, "x": range(1000)}))
    for entry in catalog.entries("restarted"):  # complete and verifiable, or absent
        assert entry.id == expected and catalog.has(entry.id)
        assert nbops.fingerprint(read_snapshot(catalog, entry.id)) == expected
    assert [e.id for e in catalog.versions("restarted")] == [expected]


def test_two_pipelines_writing_one_snapshot_name_keep_both_versions(on_bed):
    bed = on_bed
    write_notebook(bed.project / "produce.ipynb", 'nonce = ""', PRODUCE)
    path = bed.project / "produce.yaml"
    path.write_text("name: produce\nsteps:\n  produce:\n    notebook: produce.ipynb\n")
    nonces = [uuid.uuid4().hex, uuid.uuid4().hex]
    results = {}

    def run(nonce):
        results[nonce] = run_pipeline(
            path,
            [("produce.nonce", nonce)],
            echo=quiet,
            placement=Placement(executor="dask", address=bed.dask.address),
        )

    threads = [threading.Thread(target=run, args=(n,)) for n in nonces]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert all(results[n].ok for n in nonces)
    written = {results[n].outcomes["produce"].outputs["shared"] for n in nonces}
    catalog = ServerCatalog(MlflowStore(bed.server.uri))
    versions = [v.id for v in catalog.versions("shared")]
    assert set(versions[-2:]) == written and len(written) == 2  # both kept, one after the other
    writes = [e for e in catalog.entries("shared") if e.action == "write"]
    assert [e.id for e in writes][-2:] == versions[-2:]  # in the order the server recorded them
    for snapshot_id in written:
        assert nbops.fingerprint(read_snapshot(catalog, snapshot_id)) == snapshot_id


def test_lab_jobs_and_reproductions_run_on_the_executor_the_server_is_configured_with(on_bed):
    bed = on_bed
    write_notebook(bed.project / "labjob.ipynb", "n = 3", 'import nbops\nnbops.log_metric("x", n)')
    jobs = JobManager(max_running=2, executor="dask", address=bed.dask.address)
    reproductions = Reproductions(jobs)
    client = mlflow.MlflowClient(bed.server.uri)
    try:
        first = jobs.create("labjob.ipynb", {"n": 4}, bed.project)
        assert first.job.settled.wait(300)
        assert first.describe()["status"] == "FINISHED", first.describe()
        original = client.get_run(first.id)
        assert worker_of(bed, original) in WORKERS and original.data.metrics["x"] == 4

        settings = load_settings(bed.project)
        with pytest.raises(InputError, match="runs on machines that do not see it"):
            reproductions.start(settings, first.id, SimpleNamespace(rtol=0, atol=0, env="rebuild"))
        item = reproductions.start(
            settings, first.id, SimpleNamespace(rtol=0, atol=0, env="current")
        )
        result = item.future.result(timeout=300)
        assert result.verdict == "IDENTICAL", result.summary
        again = client.get_run(result.run_id)
        assert worker_of(bed, again) in WORKERS and again.data.metrics["x"] == 4
        assert again.data.tags["nbops.reproduces"] == first.id
        # one job system: the reproduction's run was a job of the same manager
        assert {j.id for j in jobs.list()} == {first.id, result.run_id}
    finally:
        reproductions.close()
        jobs.close()
    assert not (bed.project / ".nbops").exists()  # nothing written to the lab's folder
