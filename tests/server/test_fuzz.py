"""The REST API under generated input: schemathesis against api/openapi.yaml and a real
``jupyter server`` with the extension, POST bodies included: no 5xx, no response off its schema."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
CRONTAB_FILE = ROOT / "tests" / "pipeline" / "crontab_file.py"  # crontab(1) on a file
TOKEN = "fuzz-token"
SEED = """
import os, pathlib, sys
import nbformat, pandas as pd
root = pathlib.Path(sys.argv[1])
notebook = root / "analysis" / "train.ipynb"
notebook.parent.mkdir(parents=True)
nb = nbformat.v4.new_notebook()
nb.cells = [nbformat.v4.new_code_cell("alpha = 0.1", metadata={"tags": ["parameters"]})]
nbformat.write(nb, notebook)
from nbops.capture.session import Session
from nbops.data.snapshot import take_snapshot
session = Session(notebook=notebook)
session.start_run("first")
session.log_params({"alpha": 0.1})
for step, value in enumerate([1.0, 0.5, 0.25]):
    session.log_metrics({"rmse": value}, step)
frame = pd.DataFrame({"a": [1.5, None, 3.0], "b": ["x", "y", "z"]})
frame["t"] = pd.date_range("2020-01-01", periods=3)
take_snapshot(session, frame, "data")
session.end_run()
session.start_run("second")
session.log_metrics({"rmse": 2.0})
session.end_run("FAILED")
session.close()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def jp_nbops_served_root(tmp_path):
    """A real ``jupyter server`` (its own process) with nbops, over a root holding runs and data."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "nbops.toml").write_text("# fuzzed project\n")
    env = {**os.environ, "NBOPS_ROOT": str(root)}
    subprocess.run([sys.executable, "-c", SEED, str(root)], check=True, env=env, cwd=root)
    port = _free_port()
    log = tmp_path / "server.log"  # a file, not a pipe: a full pipe would block the server
    log_file = log.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
         f"--port={port}", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={TOKEN}",
         f"--NbopsApp.dags_folder={tmp_path / 'dags'}",
         f"--NbopsApp.crontab_command={sys.executable} {CRONTAB_FILE} {tmp_path / 'crontab'}"],
        env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=log_file,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        request = urllib.request.Request(
            f"{url}/nbops/api/config", headers={"Authorization": f"token {TOKEN}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2):
                break
        except OSError:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "jupyter server did not start"
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(30)
    log_file.close()


def test_every_check_passes_on_generated_requests(jp_nbops_served_root, tmp_path):
    """schemathesis with every check (server errors, response schemas, status codes, headers,
    schema-valid requests accepted and invalid ones refused, 405 with Allow) over its examples,
    coverage, fuzzing and stateful phases. api/schemathesis.toml names the few operations that
    may refuse a schema-valid request, and why (a grammar no JSON Schema can carry)."""
    command = [
        shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis"),
        "--config-file", str(ROOT / "api" / "schemathesis.toml"),
        "run", str(ROOT / "api" / "openapi.yaml"),
        "--url", f"{jp_nbops_served_root}/nbops/api",
        "-H", f"Authorization: token {TOKEN}",
        "--checks", "all",
        # one worker: hypothesis parses lambdas' source with ast in each worker thread, which
        # CPython 3.11 can fail with "AST constructor recursion depth mismatch" (gh-106905)
        "--max-examples", "50", "--workers", "1", "--seed", "20261202",
        "--report", "junit", "--report-dir", str(tmp_path / "report"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    summary = done.stdout[-6000:]
    assert done.returncode == 0, summary
    generated = int(re.search(r"(\d+) generated", done.stdout).group(1))
    assert generated >= 1000, summary  # every route, POST bodies included, many times
    spec = yaml.safe_load((ROOT / "api" / "openapi.yaml").read_text())
    operations = sum(len(verbs) for verbs in spec["paths"].values())
    assert f"Tested: {operations}" in done.stdout  # every operation of the spec
    print(f"schemathesis --checks all: {generated} requests generated, 0 failures")
