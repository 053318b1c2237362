"""Many processes on one fresh project at once: the store is created once, nothing is lost."""

import subprocess
import sys
import time
from pathlib import Path

from nbops.config import load_settings
from nbops.data.catalog import Catalog
from nbops.data.snapshot import catalog_for
from nbops.store import open_store

PROCESSES = 8
STEPS = 50
SNAPSHOTS = 10

# Each child pays its imports, says it is ready, waits for the go file, then works: the
# processes meet the store (and the catalog) at the same moment.
PRELUDE = """
import pathlib, sys, time
project, index, go = pathlib.Path(sys.argv[1]), int(sys.argv[2]), pathlib.Path(sys.argv[3])
import mlflow, pandas as pd
from nbops.config import load_settings
from nbops.store import open_store
from nbops.store.base import Metric
(go.parent / f"ready-{index}").touch()
while not go.exists():
    time.sleep(0.005)
"""
OPEN_AND_LOG = (
    PRELUDE
    + """
store = open_store(load_settings(project))
run_id = store.start_run("concurrent", name=f"p{index}")
store.log_batch(run_id, metrics=[Metric("m", float(s), s) for s in range(STEPS)])
store.end_run(run_id)
"""
)
SNAPSHOT = (
    PRELUDE
    + """
from nbops.capture.session import Session
from nbops.data.snapshot import take_snapshot
session = Session(settings=load_settings(project), experiment="writers", capture_environment=False)
take_snapshot(session, pd.DataFrame({"shared": [1, 2, 3]}), "common")
for k in range(SNAPSHOTS):
    take_snapshot(session, pd.DataFrame({"process": [index], "k": [k]}), "versions")
session.close()
"""
)


def run_together(script: str, project: Path, tmp_path: Path) -> list[subprocess.CompletedProcess]:
    """Start the processes, release them at once when all are ready, wait for all."""
    gate = tmp_path / "gate"
    gate.mkdir()
    go = gate / "go"
    code = script.replace("STEPS", str(STEPS)).replace("SNAPSHOTS", str(SNAPSHOTS))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(project), str(i), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    deadline = time.monotonic() + 180
    while len(list(gate.glob("ready-*"))) < PROCESSES:
        assert time.monotonic() < deadline, "the processes did not get ready"
        assert all(c.poll() is None for c in children), [c.communicate() for c in children]
        time.sleep(0.05)
    go.touch()
    return [subprocess.CompletedProcess(c.args, c.wait(300), *c.communicate()) for c in children]


def test_processes_opening_a_new_project_together_all_succeed(jp_nbops_project, tmp_path):
    assert not (jp_nbops_project / ".nbops").exists()
    done = run_together(OPEN_AND_LOG, jp_nbops_project, tmp_path)
    assert [p.returncode for p in done] == [0] * PROCESSES, [p.stderr[-2000:] for p in done]
    store = open_store(load_settings(jp_nbops_project))  # still usable afterwards
    runs = store.list_runs("concurrent", limit=100)
    assert sorted(r.name for r in runs) == sorted(f"p{i}" for i in range(PROCESSES))
    for run in runs:
        history = store.metric_history(run.run_id)["m"]
        assert [point["value"] for point in history] == [float(s) for s in range(STEPS)]


def test_snapshot_writers_in_many_processes_keep_every_version_in_order(jp_nbops_project, tmp_path):
    open_store(load_settings(jp_nbops_project)).check()  # the store exists; the catalog does not
    done = run_together(SNAPSHOT, jp_nbops_project, tmp_path)
    assert [p.returncode for p in done] == [0] * PROCESSES, [p.stderr[-2000:] for p in done]
    catalog: Catalog = catalog_for(load_settings(jp_nbops_project))
    versions = catalog.versions("versions")
    assert len(versions) == PROCESSES * SNAPSHOTS  # every content written is a version
    for index in range(PROCESSES):
        own = [v for v in versions if v.run_id == versions_run(catalog, index)]
        frames = [catalog_frame_k(catalog, v.id) for v in own]
        assert frames == list(range(SNAPSHOTS))  # each writer's versions in its order
    assert len(catalog.versions("common")) == 1
    assert len(catalog.entries("common")) == PROCESSES


def versions_run(catalog: Catalog, index: int) -> str:
    """The run of the process ``index`` (the one whose snapshots hold that process number)."""
    import pandas as pd

    for entry in catalog.entries("versions"):
        if int(pd.read_parquet(catalog.data_path(entry.id))["process"][0]) == index:
            return entry.run_id
    raise AssertionError(f"no snapshot of process {index}")


def catalog_frame_k(catalog: Catalog, snapshot_id: str) -> int:
    import pandas as pd

    return int(pd.read_parquet(catalog.data_path(snapshot_id))["k"][0])
