"""Production across machines, side by side in one run, on the test bed of tests/production
(PostgreSQL, an MLflow server with proxied artifacts, two isolated Dask workers):

1. a snapshot write and a cold read of a 1M x 10 frame through the server, next to MLflow's own
   ``log_artifact`` / ``download_artifacts`` of the same Parquet file (goal <= 1.2x);
2. the example pipeline (forced, no cache) on the isolated two-worker cluster, next to a
   two-worker ``LocalCluster`` on the same server (goal <= 1.3x).

Run by hand, as root (the workers need mount namespaces): ``python benchmarks/bench_production.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scratch import scratch_folder
from timing import paired

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from production.bed import DaskCluster, MlflowServer, Postgres  # noqa: E402


def snapshots(uri: str, rows: int, repeat: int) -> None:
    import mlflow

    import nbops
    from nbops.capture.session import Session
    from nbops.data.snapshot import catalog_for, load, take_snapshot

    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({f"c{i}": rng.random(rows) for i in range(10)}) for _ in range(repeat)]
    client = mlflow.MlflowClient(uri)
    experiment = client.create_experiment(f"bench-{time.time_ns()}")
    run_id = client.create_run(experiment).info.run_id
    scratch = scratch_folder()

    counters = {name: iter(range(repeat)) for name in ("mw", "mr", "nw", "nr")}

    def mlflow_write():
        n = next(counters["mw"])
        path = scratch / f"frame{n}.parquet"
        frames[n].to_parquet(path, compression="zstd")
        client.log_artifact(run_id, str(path), "frames")

    def mlflow_read():
        n = next(counters["mr"])
        target = scratch / f"down{n}"
        target.mkdir()
        pd.read_parquet(client.download_artifacts(run_id, f"frames/frame{n}.parquet", str(target)))

    session = Session(capture_environment=False)
    catalog = catalog_for(session.settings)

    def nbops_write():
        take_snapshot(session, frames[next(counters["nw"])], "bench", role="output")

    def nbops_read():
        n = next(counters["nr"])
        catalog.evict(nbops.fingerprint(frames[n]))  # a cold read: downloaded through the server
        load(session, "bench", version=n + 1)

    rows_w = [("write", *paired(mlflow_write, nbops_write, repeat))]
    rows_r = [("cold read", *paired(mlflow_read, nbops_read, repeat))]
    session.close()
    print(f"\n{rows:,} x 10 float64 frame, median of {repeat}, through {uri}")
    print(f"{'':10} {'MLflow artifact':>16} {'nbops snapshot':>15} {'ratio':>7}  goal")
    for what, base, ours in rows_w + rows_r:
        print(f"{what:10} {base:15.3f}s {ours:14.3f}s {ours / base:6.2f}x  <= 1.2x")
    print("(nbops also fingerprints every row, profiles the frame, records the version and checks")
    print(" the fingerprint on read; MLflow's side only moves the file)")


def pipelines(bed_dask: DaskCluster, project: Path, repeat: int) -> None:
    from nbops.execution.options import Placement
    from nbops.pipeline.orchestrate import run_pipeline

    def quiet(line):
        pass

    def isolated():
        result = run_pipeline(
            project / "pipeline.yaml",
            force=True,
            echo=quiet,
            placement=Placement(executor="dask", address=bed_dask.address),
        )
        assert result.ok, result.outcomes

    def local():
        result = run_pipeline(
            project / "pipeline.yaml",
            force=True,
            echo=quiet,
            placement=Placement(executor="dask", workers=2),
        )
        assert result.ok, result.outcomes

    isolated()  # warm both: kernels' imports, the server's experiments
    local()
    loc, iso = paired(local, isolated, repeat)
    print(f"\nthe example pipeline, forced, median of {repeat}")
    print(f"LocalCluster (2 workers, this machine)      {loc:7.2f} s")
    print(f"isolated workers (2, mount namespaces)      {iso:7.2f} s  {iso / loc:5.2f}x (<= 1.3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="nbops-bench-"))
    project = root / "project"
    shutil.copytree(ROOT / "examples", project, ignore=shutil.ignore_patterns(".nbops", "*.db"))
    postgres = Postgres().start()
    server = MlflowServer(postgres.uri, root / "artifacts", root / "mlflow.log").start()
    env = {"NBOPS_TRACKING_URI": server.uri}
    dask = DaskCluster(root / "dask", [project, root / "artifacts"], env)
    try:
        dask.start({"w1": {"w1": 1}, "w2": {"w2": 1}})
        os.environ["NBOPS_TRACKING_URI"] = server.uri
        os.environ["NBOPS_CACHE_DIR"] = str(root / "cache")
        os.chdir(project)
        snapshots(server.uri, args.rows, args.repeat)
        pipelines(dask, project, max(1, args.repeat // 2))
    finally:
        dask.stop()
        server.stop()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
