"""Shared fixtures: isolated projects with real MLflow SQLite stores, and the nbops server."""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import sys
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
def jp_nbops_crontab(tmp_path, monkeypatch) -> tuple[str, Path]:
    """A temporary crontab (none yet) and the command that reads and writes it as crontab(1)
    does; no dags folder or crontab command from the developer's environment."""
    for name in ("AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW_HOME", "NBOPS_CRONTAB"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "crontab"
    script = Path(__file__).parent / "pipeline" / "crontab_file.py"
    return shlex.join([sys.executable, str(script), str(path)]), path


@pytest.fixture
def jp_server_config(jp_server_config, jp_nbops_crontab, tmp_path):
    """Enable nbops and require authentication, as a real deployment does; schedules go to a
    temporary dags folder and crontab."""
    return {
        "ServerApp": {
            "jpserver_extensions": {"nbops": True},
            "allow_unauthenticated_access": False,
        },
        "NbopsApp": {"dags_folder": str(tmp_path / "dags"), "crontab_command": jp_nbops_crontab[0]},
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
    """The real embedded MLflow store of ``jp_nbops_project``. Its folder is made: a test's own
    ``MlflowClient`` may open the database before nbops has (MLflow before 3.2 does so at once)."""
    (jp_nbops_project / ".nbops").mkdir(exist_ok=True)
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


class MlflowServer:
    """A real ``mlflow server`` on a loopback port, which a test can stop and start again."""

    def __init__(self, folder: Path) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.folder = folder
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> None:
        import subprocess
        import sys
        import time
        import urllib.request

        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mlflow",
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--backend-store-uri",
                f"sqlite:///{self.folder / 'server.db'}",
                "--default-artifact-root",
                (self.folder / "artifacts").as_uri(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.uri}/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("mlflow server did not start within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            import os
            import signal

            os.killpg(self.process.pid, signal.SIGKILL)  # an outage: server and its workers
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture
def jp_nbops_mlflow_server(tmp_path, monkeypatch):
    """A running MLflow tracking server that nbops is pointed at (``NBOPS_TRACKING_URI``)."""
    server = MlflowServer(tmp_path / "mlflow-server")
    server.folder.mkdir()
    server.start()
    monkeypatch.setenv("NBOPS_TRACKING_URI", server.uri)
    yield server
    server.stop()


# -- tagged notebooks for the pipeline and report tests --------------------------------------

PARAMETERS = (
    "alpha = 0.5  # regularization strength\n"
    "epochs: int = 3\n"
    "label = 'baseline'  # what to call the run\n"
    "use_cache = True\n"
    "layers = [8, 4]\n"
    "options = {'seed': 1}\n"
    "note = None\n"
    "dataset: str = None  # required: the snapshot to read"
)


def tagged_notebook(path: Path, cells: list[tuple[str, list[str]]]) -> Path:
    """Write a notebook whose cells are (source, tags) pairs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(src, metadata={"tags": tags}) for src, tags in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def jp_nbops_tagged_notebook(jp_nbops_project, monkeypatch):
    """A tagged training notebook in a project; the working directory is the project."""
    monkeypatch.chdir(jp_nbops_project)
    return tagged_notebook(
        jp_nbops_project / "train.ipynb",
        [
            (PARAMETERS, ["parameters"]),
            ("print('exploring the data')", ["nbops:skip"]),
            (
                "import nbops\n"
                "nbops.log_metrics({'score': alpha * epochs})\n"
                "nbops.log_text(dataset, 'dataset.txt')\n"
                "print('trained on', dataset)",
                [],
            ),
            ("secret_cell = 'do not show'", ["nbops:report-hide"]),
        ],
    )


@pytest.fixture
def jp_nbops_notebook_factory(jp_nbops_project, monkeypatch):
    """``make(name, [(source, tags), ...])`` writes a notebook into the project."""
    monkeypatch.chdir(jp_nbops_project)
    return lambda name, cells: tagged_notebook(jp_nbops_project / name, cells)


@pytest.fixture
def jp_nbops_write_tagged():
    """``tagged_notebook(path, [(source, tags), ...])`` as a fixture (any folder)."""
    return tagged_notebook


class Receiver:
    """A webhook receiver on loopback (a real HTTP server in a thread) that keeps what it gets."""

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "hook") -> str:
        """The apprise URL that posts JSON here."""
        return f"json://127.0.0.1:{self.port}/{path}"

    def messages(self, kind: str | None = None) -> list[dict]:
        """The JSON bodies received (apprise's ``title``, ``message``, ``type``)."""
        return [body for _, body in self.received if kind is None or body["type"] == kind]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def jp_nbops_receiver():
    """A webhook receiver on loopback: ``.url()`` is its ``json://`` URL, ``.received`` the
    (path, JSON body) pairs it got."""
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def jp_nbops_closed_port() -> int:
    """A loopback port where nothing listens (a receiver that is down)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def airflow_python():
    """The Python of the Airflow virtualenv (``make airflow``); the test skips without it."""
    python = os.environ.get("NBOPS_AIRFLOW_PYTHON")
    if not python:
        pytest.skip("set NBOPS_AIRFLOW_PYTHON to a Python with apache-airflow (make airflow)")
    return python


def airflow_dags_test(python: str, dags, home, dag_id: str, **variables: str) -> str:
    """Airflow itself executes the DAG once (``airflow dags test``), its workers' environment
    holding ``variables``; its log."""
    airflow = str(Path(python).with_name("airflow"))
    env = {
        **variables,
        "PATH": os.environ["PATH"],
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    for command in (["db", "migrate"], ["dags", "reserialize"], ["dags", "test", dag_id]):
        done = subprocess.run([airflow, *command], capture_output=True, text=True, env=env,
                              timeout=600, check=False)  # fmt: skip
    return done.stdout + done.stderr


@pytest.fixture
def jp_nbops_airflow(airflow_python):
    """``run(dags, home, dag_id, **variables)``: Airflow executes the DAG once, its log back."""
    return functools.partial(airflow_dags_test, airflow_python)
