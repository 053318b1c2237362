"""A team's server: MLflow's basic-auth app on PostgreSQL, artifacts in a bucket of moto's S3
server (proxied by the server, or written by the clients themselves), and three users: alice and
bob, data scientists, and carol, a reviewer with READ (the server's default for everyone but an
experiment's creator). Bob's steps run on a Dask worker that shares nothing with the lab."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from click.testing import CliRunner
from tornado.httpclient import HTTPClientError

import nbops
from nbops.capture.session import current_session, reset_session
from nbops.cli import main
from nbops.config import load_settings
from nbops.data import registry as catalog_module
from nbops.data.registry import catalog_for
from nbops.data.snapshot import read_snapshot
from nbops.exceptions import AuthenticationError, PermissionDeniedError
from nbops.execution.options import Placement
from nbops.loop.promote import promote
from nbops.pipeline.orchestrate import run_pipeline

from .bed import (
    BIN,
    DaskCluster,
    MlflowServer,
    Postgres,
    S3Server,
    create_user,
    wait_until,
    write_auth_config,
)
from .test_cluster import FRAGILE, WAITING, no_running, steps_of, write_notebook

pytestmark = pytest.mark.cluster

EXAMPLES = Path(__file__).parents[2] / "examples"
PASSWORDS = {"alice": "alice-pw-12345", "bob": "bob-pw-67890", "carol": "carol-pw-24680"}


@dataclass
class Team:
    root: Path
    project: Path
    s3: S3Server
    proxied: MlflowServer  # artifacts proxied by the server into the bucket
    direct: MlflowServer  # artifacts written by clients straight to the bucket
    dask: DaskCluster  # one worker, w1, which runs as bob


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    root = tmp_path_factory.mktemp("team")
    project = root / "project"
    shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns(".nbops", "*.db"))
    postgres = Postgres().start()
    s3 = proxied = direct = dask = None
    try:
        s3 = S3Server(root / "s3.log").start()
        auth = write_auth_config(root)
        bucket = f"s3://{s3.bucket}"
        proxied = MlflowServer(
            postgres.uri, root / "unused", root / "proxied.log", auth=auth, env=s3.env,
            storage=["--artifacts-destination", f"{bucket}/proxied"],
        ).start()  # fmt: skip
        (root / "direct").mkdir()  # a store of its own: its experiments point into the bucket
        direct = MlflowServer(
            f"sqlite:///{root / 'direct' / 'mlflow.db'}", root / "unused", root / "direct.log",
            auth=write_auth_config(root / "direct"), env=s3.env,
            storage=["--default-artifact-root", f"{bucket}/direct", "--no-serve-artifacts"],
        ).start()  # fmt: skip
        for server in (proxied, direct):
            for name, password in PASSWORDS.items():
                create_user(server.uri, name, password)
        bob = credentials("bob") | {"NBOPS_TRACKING_URI": proxied.uri}
        dask = DaskCluster(root / "dask", [project], bob).start({"w1": {"w1": 1}})
        yield Team(root, project, s3, proxied, direct, dask)
    finally:
        for part in (dask, direct, proxied, s3):
            if part is not None:
                part.stop()
        postgres.stop()


def credentials(user: str, password: str | None = None) -> dict[str, str]:
    return {
        "MLFLOW_TRACKING_USERNAME": user,
        "MLFLOW_TRACKING_PASSWORD": password or PASSWORDS[user],
    }


@contextlib.contextmanager
def acting_as(user: str, server: MlflowServer, password: str | None = None, **extra: str):
    """This process is ``user`` of ``server`` for the block (a session of its own, whose runs
    outside notebooks go to the experiment ``<user>-notes``, theirs)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("nbops.capture.session.script_experiment", lambda *a, **k: f"{user}-notes")
        for key, value in {**credentials(user, password), **extra}.items():
            patch.setenv(key, value)
        patch.setenv("NBOPS_TRACKING_URI", server.uri)
        patch.setattr(catalog_module, "_server_catalogs", {})
        reset_session()
        try:
            yield
        finally:
            reset_session()


def quiet(line):
    pass


def pipeline(path: Path, name: str, steps: str) -> Path:
    path.write_text(f"name: {name}\nsteps:\n{steps}")
    return path


def child_runs(client, parent: str) -> dict[str, object]:
    run = client.get_run(parent)
    found = client.search_runs([run.info.experiment_id], f"tags.mlflow.parentRunId = '{parent}'")
    return {r.data.tags["nbops.pipeline_step"]: r for r in found}


@pytest.fixture(scope="module")
def work(team):
    """Alice prepares the data on her machine; bob trains and evaluates on his worker, reading
    alice's snapshots. Returns the runs, by step, and alice's outputs."""
    alice_file = pipeline(
        team.project / "alice.yaml", "prepare-alice",
        "  prepare:\n    notebook: 01_prepare.ipynb\n",
    )  # fmt: skip
    bob_file = pipeline(
        team.project / "bob.yaml", "train-bob",
        "  train:\n    notebook: 02_train.ipynb\n    inputs: [train]\n    resources: {w1: 1}\n"
        "  evaluate:\n    notebook: 03_evaluate.ipynb\n    inputs: [test]\n    after: [train]\n"
        "    resources: {w1: 1}\n",
    )  # fmt: skip
    cwd = os.getcwd()
    os.chdir(team.project)
    try:
        with acting_as("alice", team.proxied):
            first = run_pipeline(alice_file, echo=quiet)
        assert first.ok, {k: (o.status, o.error) for k, o in first.outcomes.items()}
        with acting_as("bob", team.proxied):
            second = run_pipeline(
                bob_file,
                echo=quiet,
                placement=Placement(executor="dask", address=team.dask.address),
            )
        assert second.ok, {k: (o.status, o.error) for k, o in second.outcomes.items()}
    finally:
        os.chdir(cwd)
    client = mlflow.MlflowClient(team.proxied.uri)
    with acting_as("carol", team.proxied):
        runs = child_runs(client, first.run_id) | child_runs(client, second.run_id)
    return runs, first.outcomes["prepare"].outputs


def test_bob_reads_alices_snapshots_on_his_worker_writing_only_his_own(team, work):
    runs, written = work
    assert set(written) == {"train", "test"}
    with acting_as("carol", team.proxied):
        read = {
            step: {d.dataset.name: d.dataset.digest for d in runs[step].inputs.dataset_inputs}
            for step in ("train", "evaluate")
        }
        catalog = catalog_for(load_settings(team.project))
        records = {
            step: catalog.records_of(runs[step].info.run_id) for step in ("prepare", "train")
        }
        experiments = {
            e.experiment_id: e.name
            for e in mlflow.MlflowClient(team.proxied.uri).search_experiments()
        }
    # bob's steps read exactly what alice's step wrote (by fingerprint)
    assert read["train"]["train"] == written["train"]
    assert read["evaluate"]["test"] == written["test"]
    assert runs["evaluate"].data.metrics["test_rmse"] > 0
    # each wrote records in an experiment of their own; bob wrote nothing of alice's
    assert {e.action for e in records["train"]} == {"read"}
    assert "nbops-snapshots/alice" in experiments.values()
    assert "nbops-snapshots/bob" in experiments.values()
    # the content lives once, in the bucket, under alice's experiment
    keys = team.s3.keys("proxied/")
    assert [k for k in keys if k.endswith(f"snapshots/{written['train']}/data.parquet")]
    assert [k for k in keys if k.endswith("report.html")]  # reports land in the bucket too
    assert (team.dask.cache("w1") / f"{written['train']}.parquet").is_file()


def test_no_password_is_written_anywhere(team, work):
    found = []
    secrets = [p.encode() for p in PASSWORDS.values()]
    for folder in (team.project, team.dask.folder):
        for path in folder.rglob("*"):
            if path.is_file() and path.stat().st_size < 50_000_000:
                data = path.read_bytes()
                found += [str(path) for s in secrets if s in data]
    keys = team.s3.keys()
    client = team.s3.client()
    for key in keys:
        data = client.get_object(Bucket=team.s3.bucket, Key=key)["Body"].read()
        found += [key for s in secrets if s in data]
    assert len(keys) > 10 and not found


async def test_a_reviewer_reads_every_run_and_report_through_the_lab(
    team, work, jp_fetch, jp_root_dir, monkeypatch
):
    runs, _ = work
    (jp_root_dir / "nbops.toml").write_text("# the team's project\n")
    shutil.copy(team.project / "02_train.ipynb", jp_root_dir)
    with acting_as("carol", team.proxied):
        models = await jp_fetch("nbops", "api", "models", params={"notebook": "02_train.ipynb"})
        versions = json.loads(models.body)["versions"]
        assert {v["run_id"] for v in versions} == {runs["train"].info.run_id}
        listed = CliRunner().invoke(main, ["runs", "--limit", "50"], env={"COLUMNS": "200"})
        assert listed.exit_code == 0, listed.output
        for run in runs.values():
            assert run.info.run_id[:8] in listed.output
        for step, run in runs.items():
            run_id = run.info.run_id
            answer = await jp_fetch("nbops", "api", "runs", run_id)
            assert answer.code == 200, step
            report = await jp_fetch("nbops", "api", "runs", run_id, "report")
            assert report.code == 200 and report.headers["Content-Type"].startswith("text/html")
            assert b"nbops-card" in report.body, step
    with (
        acting_as("carol", team.proxied, password="not-carols"),
        pytest.raises(HTTPClientError) as refused,
    ):
        await jp_fetch("nbops", "api", "runs")
    assert refused.value.code == 401
    message = json.loads(refused.value.response.body)["message"]
    assert message.startswith("Credentials rejected for user 'carol'")
    assert "not-carols" not in message


def test_bob_promotes_his_own_model_and_is_refused_alices_with_nothing_changed(team, work):
    runs, _ = work
    with acting_as("alice", team.proxied):
        nbops.start_run("alice's model")
        nbops.log_metric("rmse", 50.0)
        from sklearn.linear_model import LinearRegression

        nbops.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]), "alice-model")
        alice_run = nbops.end_run()
        decision = promote(alice_run, "alice-team-model", cwd=team.project)
        assert decision.promoted
    train = runs["train"].info.run_id
    with acting_as("bob", team.proxied):
        own = promote(train, "bob-team-model", cwd=team.project)
        assert own.promoted
        # alice's run into bob's model: the decision is on bob's version, not on her run
        theirs = promote(alice_run, "bob-team-model", cwd=team.project)
        assert theirs.promoted and "belongs to someone else" in " ".join(theirs.notes)
        client = mlflow.MlflowClient(team.proxied.uri)
        before = client.search_model_versions("name = 'alice-team-model'")
        with pytest.raises(PermissionDeniedError) as refused:
            promote(train, "alice-team-model", cwd=team.project)
        after = client.search_model_versions("name = 'alice-team-model'")
        holder = client.get_model_version_by_alias("alice-team-model", "champion")
    assert "User 'bob' may not" in str(refused.value)
    assert "alice-team-model" in str(refused.value)
    assert [v.version for v in after] == [v.version for v in before]
    assert holder.run_id == alice_run
    with acting_as("carol", team.proxied):
        bobs = mlflow.MlflowClient(team.proxied.uri).get_model_version_by_alias(
            "bob-team-model", "champion"
        )
    assert bobs.run_id == alice_run and bobs.tags["nbops.promotion.decision"] == "promoted"
    assert all(v.tags.get("nbops.promotion.decision") for v in after)


def test_wrong_credentials_fail_fast_with_the_message_and_no_traceback(team, tmp_path):
    env = {
        **os.environ,
        **credentials("alice", "not-her-password"),
        "NBOPS_TRACKING_URI": team.proxied.uri,
    }
    commands = {
        "status": ["status"],
        "run": ["run", "01_prepare.ipynb"],
        "pipeline run": ["pipeline", "run", "alice.yaml"],
    }
    for what, arguments in commands.items():
        started = time.monotonic()
        done = subprocess.run(
            [str(BIN / "nbops"), *arguments], cwd=team.project, env=env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        took = time.monotonic() - started
        assert done.returncode == 2, (what, done.stdout, done.stderr)
        assert "Credentials rejected for user 'alice'" in done.stdout + done.stderr, what
        assert "Traceback" not in done.stderr, what
        assert "not-her-password" not in done.stdout + done.stderr
        assert took < 30, (what, took)


def test_a_kernels_logging_call_is_refused_once_and_stops_queueing(team, monkeypatch):
    with acting_as("bob", team.proxied):
        nbops.start_run("bob's interactive run")
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "changed-meanwhile")
        nbops.log_metric("loss", 1.0)
        with pytest.raises(AuthenticationError, match="Credentials rejected for user 'bob'"):
            nbops.flush()
        with pytest.warns(RuntimeWarning, match="dropped, not queued") as caught:
            nbops.log_metric("loss", 0.5)
            nbops.log_metric("loss", 0.25)
        assert len(caught) == 1  # said once
        assert current_session().writer.pending() == 0  # nothing queued for retries
        with pytest.raises(AuthenticationError):  # the dropped values are reported at flush
            nbops.flush()
        nbops.flush()  # once: nothing new was dropped
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", PASSWORDS["bob"])


def test_a_script_logs_to_its_projects_experiment_and_a_refusal_names_the_fix(team, tmp_path):
    script = tmp_path / "train.py"
    script.write_text("import nbops\nnbops.log_metric('x', 1.0)\nnbops.end_run()\n")
    (tmp_path / "nbops.toml").write_text("")
    env = {**os.environ, **credentials("carol"), "NBOPS_TRACKING_URI": team.proxied.uri}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    with acting_as("carol", team.proxied):
        experiment = mlflow.MlflowClient(team.proxied.uri).get_experiment_by_name("train.py")
        assert experiment is not None  # named after the script, not "Default"
    (tmp_path / "nbops.toml").write_text('experiment = "Default"\n')
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "User 'carol' may not create a run in the experiment 'Default'" in done.stderr
    assert 'set experiment = "NAME"' in done.stderr


def test_artifacts_written_by_clients_need_the_s3_extra_and_land_in_the_bucket(team, tmp_path):
    blocker = tmp_path / "no_boto3"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('boto3', 'botocore'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Hide())\n"
    )
    env = {
        **os.environ, **credentials("bob"), **team.s3.env,
        "NBOPS_TRACKING_URI": team.direct.uri, "PYTHONPATH": str(blocker),
    }  # fmt: skip
    done = subprocess.run(
        [str(BIN / "nbops"), "run", "01_prepare.ipynb"], cwd=team.project, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert 'pip install "nbops[s3]"' in done.stderr and "Traceback" not in done.stderr
    assert "Nothing was run or written" in done.stderr
    env.pop("PYTHONPATH")
    done = subprocess.run(
        [str(BIN / "nbops"), "run", "01_prepare.ipynb"], cwd=team.project, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    keys = team.s3.keys("direct/")
    assert [k for k in keys if "/snapshots/" in k and k.endswith("data.parquet")]
    assert [k for k in keys if k.endswith("report.html")]
    assert [k for k in keys if "/executed/" in k]


def test_with_authentication_on_a_killed_worker_is_retried_as_a_new_run(team, tmp_path):
    """Each request costs the server a password check, so the worker takes the run (host, pid)
    before any cell runs: the cell that kills it cannot come first and leave the scheduler's
    retry to take over the same run."""
    write_notebook(team.project / "fragile.ipynb", 'marker = ""', FRAGILE)
    step = "  fragile:\n    notebook: fragile.ipynb\n    resources: {w1: 1}\n"
    path = pipeline(team.project / "fragile.yaml", "fragile-bob", step)
    marker = tmp_path / "died-once"  # outside the hidden folders: the worker sees it
    with acting_as("bob", team.proxied):
        result = run_pipeline(
            path,
            [("fragile.marker", str(marker))],
            echo=quiet,
            placement=Placement(executor="dask", address=team.dask.address),
        )
        team.dask.wait_for_workers(1)  # the nanny restarted the killed worker
        client = mlflow.MlflowClient(team.proxied.uri)
        lost, retried = steps_of(client, result.run_id)["fragile"]
        assert no_running(client)
    assert marker.exists() and result.ok, result.outcomes["fragile"].error
    assert lost.info.status == "FAILED" and "was lost" in lost.data.tags["nbops.error"]
    assert retried.info.status == "FINISHED" and retried.data.metrics["survived"] == 1
    assert result.outcomes["fragile"].attempts == 2


def test_with_authentication_on_a_pipeline_rides_out_a_server_restart(team, tmp_path):
    nonce = uuid.uuid4().hex
    write_notebook(team.project / "waiting.ipynb", 'marker = ""\nnonce = ""', WAITING)
    step = "  waiting:\n    notebook: waiting.ipynb\n    resources: {w1: 1}\n"
    path = pipeline(team.project / "waiting.yaml", "waiting-bob", step)
    marker = tmp_path / "go"
    overrides = [("waiting.marker", str(marker)), ("waiting.nonce", nonce)]
    done = {}
    with acting_as("bob", team.proxied):
        thread = threading.Thread(
            target=lambda: done.update(
                result=run_pipeline(
                    path,
                    overrides,
                    echo=quiet,
                    placement=Placement(executor="dask", address=team.dask.address),
                )
            )
        )
        thread.start()
        client = mlflow.MlflowClient(team.proxied.uri)

        def step_running():
            found = client.search_runs(
                [e.experiment_id for e in client.search_experiments()],
                "tags.`nbops.pipeline_step` = 'waiting' and attributes.status = 'RUNNING'",
            )
            return [r for r in found if "nbops.worker.pid" in r.data.tags]

        wait_until(step_running, 120, "the step running on bob's worker")
        team.proxied.stop()
        marker.touch()  # the step writes its snapshot while the server is down
        team.proxied.start()
        thread.join(300)
        assert not thread.is_alive()
        outcome = done["result"].outcomes["waiting"]
        assert outcome.status == "FINISHED", outcome.error  # the step rode out the restart
        assert no_running(client)
        catalog = catalog_for(load_settings(team.project))
        expected = nbops.fingerprint(pd.DataFrame({"nonce": [nonce] * 1000, "x": range(1000)}))
        assert [e.id for e in catalog.versions("restarted")] == [expected]
        assert nbops.fingerprint(read_snapshot(catalog, expected)) == expected
