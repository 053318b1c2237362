"""``nbops lineage RUN`` in a store of 100,000 runs, next to ``mlflow runs describe`` of that run.

Run by hand: ``python benchmarks/bench_lineage.py [--runs 100000] [--snapshots 10000]``. The runs
are written straight into MLflow's tables (as ``bench_read.py`` does); the snapshot catalog gets
``--snapshots`` chains of a write by one run and a read by the next (20,000 records by default).
Both commands are timed whole (a fresh process each, median of 7) on the same store.
Goal (#33): ``nbops lineage`` of a run <= 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench_read import command_ms, fill

GOAL_MS = 500.0


def record_snapshots(catalog_file: Path, run_ids: list[str], chains: int) -> None:
    """Run i writes a snapshot that run i + 1 reads, for ``chains`` pairs of runs."""
    catalog_file.parent.mkdir(parents=True, exist_ok=True)
    with open(catalog_file, "w") as handle:
        for i in range(chains):
            snapshot = uuid.uuid4().hex
            for run_id, action in ((run_ids[2 * i], "write"), (run_ids[2 * i + 1], "read")):
                entry = {"id": snapshot, "name": f"table-{i % 100}", "role": "output",
                         "run_id": run_id, "created": "2026-12-03T00:00:00", "rows": 10,
                         "columns": 2, "action": action}  # fmt: skip
                handle.write(json.dumps(entry) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--snapshots", type=int, default=10_000)
    args = parser.parse_args()
    import sqlite3

    from nbops.config import load_settings
    from nbops.store.mlflow import MlflowStore
    from nbops.store.reader import sqlite_path

    tmp = Path(tempfile.mkdtemp())
    try:
        (tmp / "nbops.toml").write_text("")
        store = MlflowStore(load_settings(tmp).tracking_uri)
        started = time.perf_counter()
        fill(store, "many.ipynb", args.runs)
        with sqlite3.connect(sqlite_path(store.uri)) as connection:
            ids = [r[0] for r in connection.execute("SELECT run_uuid FROM runs LIMIT ?",
                                                    (2 * args.snapshots,))]  # fmt: skip
        record_snapshots(tmp / ".nbops" / "artifacts" / "snapshots" / "catalog.jsonl", ids,
                         args.snapshots)  # fmt: skip
        print(f"{args.runs:,} runs, {2 * args.snapshots:,} catalog records "
              f"(written in {time.perf_counter() - started:.1f} s)")  # fmt: skip
        run = ids[2 * (args.snapshots // 2) + 1]  # a reader in the middle of the record
        bin_dir = Path(sys.executable).parent
        ours = command_ms(tmp, [str(bin_dir / "nbops"), "lineage", run, "--format", "json"])
        theirs = command_ms(tmp, [str(bin_dir / "mlflow"), "runs", "describe", "--run-id", run])
        verdict = "OK" if ours <= GOAL_MS else "over goal"
        print(f"  nbops lineage RUN        {ours:7.0f} ms (goal <= {GOAL_MS:.0f} ms) {verdict}")
        print(f"  mlflow runs describe     {theirs:7.0f} ms   ratio {ours / theirs:.2f}x")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
