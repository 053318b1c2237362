"""A team's server, side by side in one run: MLflow's basic-auth app next to the same server
without authentication (both on SQLite with proxied artifacts, as in tests/production/bed.py):

1. ``nbops run`` of the example's train step on the authenticated server (as alice) next to the
   same run on the unauthenticated one (goal <= 1.1x);
2. a cold read of a 1M x 10 snapshot that alice wrote, by bob (another user: the snapshot sits
   in alice's experiment), next to MLflow's own ``download_artifacts`` + ``read_parquet`` of the
   same Parquet file as bob (goal <= 1.2x).

Run by hand: ``python benchmarks/bench_team.py [--repeat 5] [--reads-only]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scratch import scratch_folder
from timing import paired

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from production.bed import BIN, MlflowServer, create_user, write_auth_config  # noqa: E402

USERS = {"alice": "alice-pw-12345", "bob": "bob-pw-67890"}


def as_user(user: str | None, uri: str) -> dict[str, str]:
    env = {**os.environ, "NBOPS_TRACKING_URI": uri}
    for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        env.pop(name, None)
    if user:
        env |= {"MLFLOW_TRACKING_USERNAME": user, "MLFLOW_TRACKING_PASSWORD": USERS[user]}
    return env


def nbops_run(project: Path, notebook: str, env: dict[str, str]) -> None:
    subprocess.run([str(BIN / "nbops"), "run", notebook], cwd=project, env=env, check=True,
                   capture_output=True)  # fmt: skip


def runs(folder: Path, plain: MlflowServer, team: MlflowServer, repeat: int) -> None:
    projects = {}
    for name, server, user in (("plain", plain, None), ("team", team, "alice")):
        projects[name] = folder / name
        shutil.copytree(ROOT / "examples", projects[name], ignore=shutil.ignore_patterns(".nbops"))
        nbops_run(projects[name], "01_prepare.ipynb", as_user(user, server.uri))
    base, ours = paired(
        lambda: nbops_run(projects["plain"], "02_train.ipynb", as_user(None, plain.uri)),
        lambda: nbops_run(projects["team"], "02_train.ipynb", as_user("alice", team.uri)),
        repeat,
    )
    print(f"nbops run 02_train.ipynb  unauthenticated {base:6.2f} s   basic-auth {ours:6.2f} s"
          f"   ratio {ours / base:.2f} (goal <= 1.1)")  # fmt: skip


def read_as_bob(folder: Path, team: MlflowServer, rows: int, repeat: int) -> None:
    import mlflow

    import nbops
    from nbops.capture.session import Session, reset_session
    from nbops.data.snapshot import catalog_for, load, take_snapshot

    frame = pd.DataFrame({f"c{i}": np.random.default_rng(0).random(rows) for i in range(10)})
    os.environ.update(as_user("alice", team.uri))
    os.chdir(folder)
    (folder / "nbops.toml").write_text("")
    take_snapshot(Session(capture_environment=False), frame, "bench", role="output")
    snapshot_id = nbops.fingerprint(frame)
    reset_session()
    os.environ.update(as_user("bob", team.uri))
    client = mlflow.MlflowClient(team.uri)
    catalog = catalog_for(Session(capture_environment=False).settings)
    (experiment,) = client.search_experiments(filter_string="name = 'nbops-snapshots/alice'")
    location = experiment.artifact_location.rstrip("/")
    counter = iter(range(repeat))

    def mlflow_read():
        from mlflow.artifacts import download_artifacts

        target = folder / f"down{next(counter)}"
        target.mkdir()
        uri = f"{location}/snapshots/{snapshot_id}/data.parquet"
        pd.read_parquet(download_artifacts(uri, dst_path=str(target), tracking_uri=team.uri))

    def nbops_read():
        catalog.evict(snapshot_id)  # a cold read: downloaded through the server
        load(Session(capture_environment=False), snapshot_id)

    base, ours = paired(mlflow_read, nbops_read, repeat)
    print(f"snapshot read by bob ({rows:,} x 10)  MLflow {base * 1000:7.1f} ms   nbops "
          f"{ours * 1000:7.1f} ms   ratio {ours / base:.2f} (goal <= 1.2)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reads-only", action="store_true", help="Skip the nbops run pair.")
    args = parser.parse_args()
    folder = scratch_folder()
    (folder / "auth").mkdir()
    plain = MlflowServer(f"sqlite:///{folder / 'plain.db'}", folder / "a1", folder / "plain.log")
    team = MlflowServer(
        f"sqlite:///{folder / 'team.db'}", folder / "a2", folder / "team.log",
        auth=write_auth_config(folder / "auth"),
    )  # fmt: skip
    try:
        plain.start()
        team.start()
        for user, password in USERS.items():
            create_user(team.uri, user, password)
        os.environ["NBOPS_CACHE_DIR"] = str(folder / "cache")
        if not args.reads_only:
            runs(folder, plain, team, args.repeat)
        (folder / "reads").mkdir()
        read_as_bob(folder / "reads", team, args.rows, args.repeat)
    finally:
        team.stop()
        plain.stop()


if __name__ == "__main__":
    main()
