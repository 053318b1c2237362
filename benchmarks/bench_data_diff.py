"""``nbops data diff`` of two 10-million-row snapshots vs reading both Parquet files with pandas.

Run by hand: ``python benchmarks/bench_data_diff.py [--rows 10000000] [--repeat 3]``. Takes two
versions of a table (an integer key, three numeric columns, a text column of 50 values; version
two with 1% of rows removed, 1% added, 1% of values changed, in another row order) as snapshots
of a scratch project, then times, each in a fresh process (peak memory is the process's), the
diff by key against ``pd.read_parquet`` of both files. Goal (#32): <= 2x the read, <= 2 GB peak.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from scratch import scratch_folder


def make(project: Path, rows: int) -> tuple[str, str]:
    import numpy as np
    import pandas as pd

    from nbops.capture.session import Session
    from nbops.data.snapshot import take_snapshot

    rng = np.random.default_rng(0)
    one = pd.DataFrame(
        {
            "id": np.arange(rows),
            "a": rng.normal(size=rows),
            "b": rng.integers(0, 1000, rows),
            "c": rng.random(rows),
            "city": rng.choice([f"city-{i}" for i in range(50)], rows),
        }
    )
    cut = rows // 100
    two = pd.concat([one.iloc[cut:], one.tail(cut).assign(id=np.arange(rows, rows + cut))])
    two.loc[two.index[::100], "a"] += 1.0
    two = two.sample(frac=1, random_state=1).reset_index(drop=True)
    os.chdir(project)
    session = Session(capture_environment=False)
    ids = take_snapshot(session, one, "big").id, take_snapshot(session, two, "big").id
    session.close()
    return ids


def measure(project: Path, what: str, a: str, b: str) -> dict:
    """One timing in this process: ``read`` (pandas, both files) or ``diff`` (nbops)."""
    import pandas as pd

    from nbops.config import load_settings
    from nbops.data.diff import data_diff
    from nbops.data.registry import catalog_for

    catalog = catalog_for(load_settings(project))
    started = time.perf_counter()
    if what == "read":
        frames = [pd.read_parquet(catalog.local_copy(s)) for s in (a, b)]
        assert all(len(f) for f in frames)
    else:
        found = data_diff(catalog, a, b, key=["id"])
        assert found.rows_added and found.rows_removed
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": peak_memory_mb()}


def peak_memory_mb() -> float:
    """This process's peak resident memory (``VmHWM``: ``ru_maxrss`` survives ``exec`` and would
    report the parent's peak, which held both tables)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure", nargs=4, metavar=("PROJECT", "WHAT", "A", "B"))
    args = parser.parse_args()
    if args.measure:
        project, what, a, b = args.measure
        print(json.dumps(measure(Path(project), what, a, b)))
        return
    project = scratch_folder()
    (project / "nbops.toml").write_text("")
    started = time.perf_counter()
    a, b = make(project, args.rows)
    print(f"two snapshots of {args.rows:,} rows taken in {time.perf_counter() - started:.0f} s")
    results: dict[str, list[dict]] = {"read": [], "diff": []}
    for _ in range(args.repeat):
        for what in results:  # alternately, so that drift hits both alike
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(project), what, a, b],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            results[what].append(json.loads(out.stdout.splitlines()[-1]))
    read = statistics.median(r["seconds"] for r in results["read"])
    for what, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        print(f"{what:<6}{seconds:8.2f} s  ({seconds / read:4.2f}x the read)  peak {peak:6.0f} MB")


if __name__ == "__main__":
    main()
