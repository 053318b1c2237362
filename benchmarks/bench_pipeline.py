"""Sweeps on the local and Dask executors next to the same runs one after another.

Run by hand: ``python benchmarks/bench_pipeline.py [--runs 16]``. One temporary project, one
process; the three ways run the same small step (a scikit-learn fit) with the same values.
Goals (2-core machine): both executors >= 1.8x faster than sequential; Dask scheduling overhead
per no-op task reported in ms; a cache hit <= 0.2 s per step. ``--runs 200`` is the count of
issue 19 (about 22 minutes here); with 16 runs, each sweep's fixed start of its worker processes
(about 2 s) weighs more.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat

STEP = [
    ("alpha = 1.0", ["parameters"]),
    (
        "import nbops\n"
        "from sklearn.datasets import load_diabetes\n"
        "from sklearn.linear_model import Ridge\n"
        "from sklearn.model_selection import cross_val_score\n"
        "X, y = load_diabetes(return_X_y=True)\n"
        "score = cross_val_score(Ridge(alpha=alpha), X, y, cv=5).mean()\n"
        "nbops.log_metric('r2', score)",
        [],
    ),
]


def write(path: Path, cells) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(s, metadata={"tags": t}) for s, t in cells]
    nbformat.write(nb, path)
    return path


def noop(task):
    """A task that does nothing (Dask scheduling overhead)."""
    return None


def sequential(notebook: Path, values: list[str]) -> float:
    from nbops.execution.run import run

    start = time.perf_counter()
    for value in values:
        assert run(notebook, {"alpha": value}, progress=False).ok
    return time.perf_counter() - start


def swept(notebook: Path, values: list[str], executor: str, workers: int):
    """Seconds for a sweep of ``values``, and its result."""
    from nbops.execution.options import Placement
    from nbops.pipeline.sweep import run_sweep

    start = time.perf_counter()
    result = run_sweep(
        str(notebook),
        {"alpha": values},
        echo=lambda line: None,
        placement=Placement(executor=executor, workers=workers),
    )
    assert result.ok
    return time.perf_counter() - start, result


def dask_overhead(tasks: int, workers: int) -> float:
    """Milliseconds per no-op task through the Dask executor's submit path."""
    from concurrent.futures import wait

    from nbops.execution.executors import dask as dask_executor
    from nbops.execution.executors import get_executor

    real, dask_executor.execute_task = dask_executor.execute_task, noop
    try:
        with get_executor("dask", workers) as pool:
            wait(
                [
                    pool.submit(SimpleNamespace(key=f"warm-{i}", run_id=f"warm-{i}", resources={}))
                    for i in range(workers)
                ]
            )
            start = time.perf_counter()
            wait(
                [
                    pool.submit(SimpleNamespace(key=f"noop-{i}", run_id=f"noop-{i}", resources={}))
                    for i in range(tasks)
                ]
            )
            return (time.perf_counter() - start) / tasks * 1000
    finally:
        dask_executor.execute_task = real


def kernel_costs(sweep_result, seconds: float, workers: int) -> dict[str, float]:
    """Seconds per task of a sweep that took ``seconds`` on ``workers``, split: the kernel's
    start (measured alone), the notebook's cells (papermill's own durations; the notebook's
    first nbops call imports nbops and MLflow in the kernel, measured alone too) and the rest:
    nbops's bookkeeping in the worker and the coordinator, the kernel's shutdown."""
    import json

    from jupyter_client.manager import start_new_kernel

    from nbops.config import load_settings
    from nbops.store import open_store

    started = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="python3")
    kernel = time.perf_counter() - started
    started = time.perf_counter()
    client.execute_interactive("import nbops, mlflow", timeout=60)
    imports = time.perf_counter() - started
    client.stop_channels()
    manager.shutdown_kernel(now=True)
    store = open_store(load_settings())
    cells = []
    for row in sweep_result.rows:
        executed = json.loads(store.load_text(row.outcome.run_id, "executed/step.ipynb"))
        cells.append(sum(c["metadata"]["papermill"]["duration"] or 0 for c in executed["cells"]))
    task, notebook = seconds * workers / len(sweep_result.rows), statistics.mean(cells)
    return {
        "task (sweep time x workers / tasks)": task,
        "kernel start": kernel,
        "notebook cells": notebook,
        "  of which: import nbops and MLflow": imports,
        "bookkeeping (the rest)": task - kernel - notebook,
    }


def cache_hit_seconds(project: Path) -> float:
    """Seconds per step to decide that a step is cached (key + store lookup), example pipeline."""
    from nbops.config import experiment_name, load_settings
    from nbops.execution.options import Placement
    from nbops.pipeline.cache import cache_key, cache_parts, cached_run
    from nbops.pipeline.dag import build_dag
    from nbops.pipeline.orchestrate import run_pipeline
    from nbops.pipeline.spec import read_pipeline
    from nbops.steps.target import prepare
    from nbops.store import open_store

    path = project / "pipeline.yaml"
    path.write_text(
        "steps:\n  a: {notebook: step.ipynb}\n  b: {notebook: step.ipynb, after: [a]}\n"
    )
    assert run_pipeline(path, echo=lambda line: None, placement=Placement(workers=2)).ok
    dag = build_dag(read_pipeline(path))
    settings = load_settings(project)
    store = open_store(settings)
    experiment = experiment_name(path, project)
    times = []
    for _ in range(20):
        for name in dag.order:
            start = time.perf_counter()
            prepared = prepare(dag.spec.steps[name].target, {})
            assert (
                cached_run(store, settings, experiment, cache_key(cache_parts(prepared, {})), [])
                is not None
            )
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "nbops.toml").write_text("")
        os.chdir(project)
        notebook = write(project / "step.ipynb", STEP)
        values = [str(0.1 * (i + 1)) for i in range(args.runs)]
        swept(notebook, values[:2], "local", args.workers)  # warm caches and the store schema
        base = sequential(notebook, values)
        local, result = swept(notebook, values, "local", args.workers)
        dask, _ = swept(notebook, values, "dask", args.workers)
        costs = kernel_costs(result, local, args.workers)
        overhead, hit = dask_overhead(200, args.workers), cache_hit_seconds(project)
        rows = [
            ("sequential (nbops.run one after another)", f"{base:7.1f} s", ""),
            ("sweep, local executor", f"{local:7.1f} s", f"speed-up {base / local:.2f}x"),
            (
                "sweep, dask executor (LocalCluster)",
                f"{dask:7.1f} s",
                f"speed-up {base / dask:.2f}x",
            ),
            ("dask scheduling overhead per no-op task", f"{overhead:7.2f} ms", ""),
            ("cache hit, per step", f"{hit:7.3f} s", ""),
        ]
        print(f"{args.runs} runs, {args.workers} workers, {os.cpu_count()} CPUs")
        for label, value, note in rows:
            print(f"{label:<42}{value}  {note}")
        print("\nPer task of the local sweep (mean seconds):")
        for label, seconds in costs.items():
            print(f"  {label:<40}{seconds:7.2f} s")


if __name__ == "__main__":
    main()
