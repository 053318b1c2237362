"""Sweeps of 100, 2,000 and 20,000 tasks through the real coordinator: time per task, peak memory.

Run by hand: ``python benchmarks/bench_coordinator.py [--tasks 100 2000 20000] [--server]``.

An executor that finishes every task at once (``tests/pipeline/simulated.py``) stands in for the
workers, so what is timed is nbops's own work for a sweep of a trivial notebook: checking every
combination, opening the runs in batches as they are dispatched, making each task, settling each
outcome, the parent's table. Each size runs in a fresh process, whose peak resident memory is
printed (MLflow's import alone is ~250 MB of it). Side by side: MLflow's own floor per run on
the same store (``create_run`` then ``log_batch`` of the parameters), one run at a time.

Goals: <= 5 ms per task and <= 1 GB at 20,000 tasks. ``--server`` repeats it on a
PostgreSQL-backed ``mlflow server`` (the test bed of tests/production; run as root).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
GOAL_MS, GOAL_MB = 5.0, 1024


def child(tasks: int, uri: str | None) -> None:
    """One sweep of ``tasks`` in this process; print its figures as JSON."""
    sys.path.insert(0, str(ROOT / "tests" / "pipeline"))
    import nbformat
    import simulated  # noqa: F401 - registers the simulated executor

    from nbops.pipeline.sweep import run_sweep

    project = Path(tempfile.mkdtemp())
    (project / "nbops.toml").write_text("")
    if uri:
        os.environ["NBOPS_TRACKING_URI"] = uri
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("country = 0\nsetting = 0", metadata={"tags": ["parameters"]})
    ]
    nbformat.write(nb, project / "step.ipynb")
    sweeps = {
        "country": [str(i) for i in range(max(1, tasks // 100))],
        "setting": [str(i) for i in range(min(tasks, 100))],
    }
    started = time.perf_counter()
    result = run_sweep(
        str(project / "step.ipynb"), sweeps, executor="simulated", echo=lambda _: None
    )
    seconds = time.perf_counter() - started
    assert len(result.rows) == tasks and result.ok
    floor = mlflow_floor_ms(uri or f"sqlite:///{project / '.nbops' / 'mlflow.db'}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ms": seconds / tasks * 1000, "mb": peak, "floor": floor}))


def mlflow_floor_ms(uri: str, runs: int = 200) -> float:
    """MLflow's milliseconds per run opened as a sweep's run is: create it, log its parameters."""
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    experiment = client.create_experiment(f"floor-{time.time_ns()}")
    started = time.perf_counter()
    for i in range(runs):
        run = client.create_run(experiment, run_name=f"country={i} setting={i}")
        client.log_param(run.info.run_id, "country", i)
    return (time.perf_counter() - started) / runs * 1000


def measure(tasks: list[int], uri: str | None, label: str) -> None:
    print(f"\n{label}")
    print(f"{'tasks':>8} {'nbops ms/task':>14} {'MLflow ms/run':>14} {'ratio':>7} {'peak MB':>8}")
    for count in tasks:
        command = [
            sys.executable,
            __file__,
            "--child",
            str(count),
            *(["--uri", uri] if uri else []),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{count:>8,} {figures['ms']:>14.2f} {figures['floor']:>14.2f}"
              f" {figures['ms'] / figures['floor']:>6.2f}x {figures['mb']:>8.0f}")  # fmt: skip
    print(f"goals at 20,000: <= {GOAL_MS} ms per task, <= {GOAL_MB} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[100, 2_000, 20_000])
    parser.add_argument("--server", action="store_true", help="Also on an mlflow server.")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--uri", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.uri)
        return
    measure(args.tasks, None, "Embedded store (SQLite)")
    if args.server:
        sys.path.insert(0, str(ROOT / "tests"))
        from production.bed import MlflowServer, Postgres

        postgres = Postgres().start()
        folder = Path(tempfile.mkdtemp())
        log = folder / "mlflow.log"
        server = MlflowServer(postgres.uri, folder / "artifacts", log, workers=4).start()
        try:
            measure(args.tasks, server.uri, "mlflow server (4 workers) on PostgreSQL")
        finally:
            server.stop()
            postgres.stop()


if __name__ == "__main__":
    main()
