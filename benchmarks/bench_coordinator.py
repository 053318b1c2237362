"""Sweeps of 100, 2,000 and 20,000 tasks through the real coordinator: time per task, peak memory.

Run by hand: ``python benchmarks/bench_coordinator.py [--tasks 100 2000 20000] [--workers 16]
[--server]``.

An executor that finishes every task at once (``tests/pipeline/simulated.py``) stands in for a
cluster of ``--workers`` workers (16: sweeps of thousands run on clusters; the coordinator keeps
twice as many tasks dispatched, their runs opened together), so what is timed is nbops's own work
for a sweep of a trivial notebook: checking every combination, opening the runs in batches as
they are dispatched, making each task, settling each outcome, the parent's table. Each size runs
in a fresh process, whose peak resident memory is printed (MLflow's import alone is ~250 MB of
it). Side by side, MLflow's own floor per run on the same store: ``create_run`` then
``log_param``, one run at a time (what a loop over MLflow's client does), and ``create_run``
alone, on a server as many at once as nbops sends (the least any client can do to open runs
there: the coordinator opens a server's runs so, their workers record the parameters).

Goals: <= 5 ms per task and <= 1 GB at 20,000 tasks. ``--server`` repeats it on a
PostgreSQL-backed ``mlflow server`` (the test bed of tests/production; run as root), served
two ways with 4 workers: uvicorn (MLflow's default) and gunicorn.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scratch import scratch_folder

from nbops.execution.options import Placement
from nbops.store.opening import SERVER_REQUESTS_AT_ONCE

ROOT = Path(__file__).parents[1]
GOAL_MS, GOAL_MB = 5.0, 1024


def child(tasks: int, uri: str | None, workers: int) -> None:
    """One sweep of ``tasks`` in this process; print its figures as JSON."""
    sys.path.insert(0, str(ROOT / "tests" / "pipeline"))
    import nbformat
    import simulated  # noqa: F401 - registers the simulated executor

    from nbops.pipeline.sweep import run_sweep

    project = scratch_folder()
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
        str(project / "step.ipynb"),
        sweeps,
        echo=lambda _: None,
        placement=Placement(executor="simulated", workers=workers),
    )
    seconds = time.perf_counter() - started
    assert len(result.rows) == tasks and result.ok
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store = uri or f"sqlite:///{project / '.nbops' / 'mlflow.db'}"
    threads = SERVER_REQUESTS_AT_ONCE if uri else 1  # SQLite's pool is MLflow's bottleneck
    floor, at_once = mlflow_floor_ms(store), mlflow_floor_ms(store, threads, params=False)
    print(
        json.dumps({"ms": seconds / tasks * 1000, "mb": peak, "floor": floor, "at_once": at_once})
    )


def mlflow_floor_ms(uri: str, threads: int = 1, params: bool = True, runs: int = 200) -> float:
    """MLflow's milliseconds per run opened as a sweep's run is: create it and (``params``) log
    its parameter, ``threads`` runs at once."""
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    experiment = client.create_experiment(f"floor-{time.time_ns()}")

    def one(i: int) -> None:
        run = client.create_run(experiment, run_name=f"country={i} setting={i}")
        if params:
            client.log_param(run.info.run_id, "country", i)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(runs)))
    return (time.perf_counter() - started) / runs * 1000


def measure(tasks: list[int], uri: str | None, label: str, workers: int) -> None:
    at_once = f"{SERVER_REQUESTS_AT_ONCE} at once" if uri else "one by one"
    print(f"\n{label}; {workers} simulated workers; MLflow's create only: {at_once}")
    print(f"{'':>8} {'nbops':>14} {'MLflow ms/run':>14} {'create':>10}")
    print(f"{'tasks':>8} {'ms/task':>14} {'one by one':>14} {'only':>10} {'ratio':>7}"
          f" {'peak MB':>8}")  # fmt: skip
    for count in tasks:
        command = [
            sys.executable,
            __file__,
            "--child",
            str(count),
            "--workers",
            str(workers),
            *(["--uri", uri] if uri else []),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        ms, floor, at_once = figures["ms"], figures["floor"], figures["at_once"]
        print(f"{count:>8,} {ms:>14.2f} {floor:>14.2f} {at_once:>10.2f} {ms / at_once:>6.2f}x"
              f" {figures['mb']:>8.0f}")  # fmt: skip
    print(f"goals at 20,000: <= {GOAL_MS} ms per task, <= {GOAL_MB} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[100, 2_000, 20_000])
    parser.add_argument("--workers", type=int, default=16, help="Simulated workers.")
    parser.add_argument("--server", action="store_true", help="Also on an mlflow server.")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--uri", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.uri, args.workers)
        return
    measure(args.tasks, None, "Embedded store (SQLite)", args.workers)
    if args.server:
        sys.path.insert(0, str(ROOT / "tests"))
        from production.bed import MlflowServer, Postgres

        postgres = Postgres().start()
        folder = scratch_folder()
        try:
            for gunicorn in (False, True):
                log = folder / "mlflow.log"
                artifacts = folder / "artifacts"
                server = MlflowServer(postgres.uri, artifacts, log, workers=4, gunicorn=gunicorn)
                served = "gunicorn" if gunicorn else "uvicorn, MLflow's default"
                try:
                    server.start()
                    label = f"mlflow server ({served}, 4 workers)"
                    measure(args.tasks, server.uri, label, args.workers)
                finally:
                    server.stop()
        finally:
            postgres.stop()


if __name__ == "__main__":
    main()
