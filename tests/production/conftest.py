"""The production test bed, started once per module: PostgreSQL, a PostgreSQL-backed MLflow server
with proxied artifacts, a Dask scheduler and two workers that share nothing with the lab but the
network. ``w1`` has the resource ``w1``; ``w2`` has ``w2`` and a ``GPU``."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from .bed import DaskCluster, MlflowServer, Postgres

EXAMPLES = Path(__file__).parents[2] / "examples"
WORKERS = {"w1": {"w1": 1}, "w2": {"w2": 1, "GPU": 1}}


@dataclass
class Bed:
    project: Path
    artifacts: Path
    postgres: Postgres
    server: MlflowServer
    dask: DaskCluster


@pytest.fixture(scope="module")
def bed(tmp_path_factory):
    root = tmp_path_factory.mktemp("bed")
    project = root / "project"
    shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns(".nbops", "*.db"))
    artifacts = root / "artifacts"
    postgres = Postgres().start()
    server = None
    dask = None
    try:
        server = MlflowServer(postgres.uri, artifacts, root / "mlflow.log").start()
        env = {"NBOPS_TRACKING_URI": server.uri}
        dask = DaskCluster(root / "dask", [project, artifacts], env).start(WORKERS)
        yield Bed(project, artifacts, postgres, server, dask)
    finally:
        if dask is not None:
            dask.stop()
        if server is not None:
            server.stop()
        postgres.stop()


@pytest.fixture
def on_bed(bed, monkeypatch):
    """This process points at the bed's server and works in its project."""
    monkeypatch.setenv("NBOPS_TRACKING_URI", bed.server.uri)
    monkeypatch.chdir(bed.project)
    return bed
