"""Shared fixtures: isolated projects with real MLflow SQLite stores, and the nbops server."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbops.capture.session import reset_session
from nbops.config import load_settings
from nbops.store import open_store


@pytest.fixture(autouse=True)
def jp_nbops_clean_env(monkeypatch):
    """No tracking URI or notebook from the developer's environment leaks into a test."""
    names = ("NBOPS_TRACKING_URI", "MLFLOW_TRACKING_URI", "NBOPS_NOTEBOOK", "JPY_SESSION_NAME")
    for name in (*names, "NBOPS_ROOT"):
        # set, then delete: undoing restores the state before the test, even after the server
        # extension set NBOPS_ROOT for its kernels
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    yield
    reset_session()


@pytest.fixture
def jp_server_config(jp_server_config):
    """Enable nbops and require authentication, as a real deployment does."""
    return {
        "ServerApp": {
            "jpserver_extensions": {"nbops": True},
            "allow_unauthenticated_access": False,
        }
    }


def write_notebook(path: Path, sources: list[str] | None = None) -> Path:
    """Write a small valid notebook with one code cell per source."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources or ["x = 1"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def record_run(notebook: Path, name: str, params: dict, metrics: dict, status="FINISHED") -> str:
    """Record one finished run of ``notebook`` in its project's embedded store, as nbops does."""
    from nbops.capture.session import Session

    session = Session(notebook=notebook)
    run_id = session.start_run(name)
    session.log_params(params)
    session.log_metrics(metrics)
    session.end_run(status)
    return run_id


@pytest.fixture
def jp_nbops_project(tmp_path) -> Path:
    """An empty project folder (it holds an ``nbops.toml``)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "nbops.toml").write_text("# nbops project\n")
    return project


@pytest.fixture
def jp_nbops_store(jp_nbops_project):
    """The real embedded MLflow store of ``jp_nbops_project``."""
    return open_store(load_settings(jp_nbops_project))


@pytest.fixture
def jp_nbops_notebook_with_runs(jp_root_dir, monkeypatch) -> tuple[Path, list[str]]:
    """A notebook in the server root with two finished runs (oldest first), recorded as a kernel
    started by that server would."""
    monkeypatch.setenv("NBOPS_ROOT", str(jp_root_dir))
    notebook = write_notebook(jp_root_dir / "analysis" / "train.ipynb")
    first = record_run(notebook, "baseline", {"alpha": 0.1}, {"rmse": 3.5})
    second = record_run(notebook, "tuned", {"alpha": 0.5}, {"rmse": 2.25})
    return notebook, [first, second]


@pytest.fixture
def jp_nbops_write_notebook():
    """``write_notebook(path, sources)`` as a fixture."""
    return write_notebook


@pytest.fixture
def jp_nbops_record_run():
    """``record_run(notebook, name, params, metrics, status)`` as a fixture."""
    return record_run


@pytest.fixture
def jp_nbops_unreachable_uri(monkeypatch) -> str:
    """Point nbops at an MLflow server address where nothing listens (a closed loopback port)."""
    uri = "http://127.0.0.1:9"
    monkeypatch.setenv("NBOPS_TRACKING_URI", uri)
    return uri
