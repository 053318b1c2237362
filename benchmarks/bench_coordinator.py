"""The coordinator's own time per task, next to MLflow's floor (create a run, log, end it).

Run by hand: ``python benchmarks/bench_coordinator.py [--tasks 100 2000]``. An executor that ends
every task at once stands in for the workers, so what is measured is nbops's bookkeeping: opening
each run (parameters, environment, tags), settling it, and the outcome. Side by side in one
process on one fresh embedded store: ``MlflowClient`` creating, logging to and ending the same
number of runs. Peak memory (tracemalloc) is printed for the coordinator.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from concurrent.futures import Future
from pathlib import Path

import nbformat

from nbops.config import load_settings
from nbops.pipeline.coordinator import Coordinator, Job
from nbops.pipeline.executors.base import Executor
from nbops.pipeline.run import RunResult
from nbops.pipeline.target import prepare
from nbops.store import open_store


class InstantExecutor(Executor):
    """Ends every task at once, FINISHED, without a kernel."""

    def start(self) -> None:
        pass

    def _shutdown(self, kill: bool) -> None:
        pass

    def submit(self, task) -> Future:
        open_store(task.settings).end_run(task.run_id, "FINISHED")
        future: Future = Future()
        future.set_result(RunResult(task.run_id, "FINISHED", Path(task.notebook), Path()))
        return future


def coordinator_ms(project: Path, tasks: int) -> tuple[float, float]:
    """Milliseconds per task through the coordinator, and peak memory in MB."""
    notebook = project / "step.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("a = 1", metadata={"tags": ["parameters"]})]
    nbformat.write(nb, notebook)
    settings = load_settings(project)
    open_store(settings).check()
    prepared = [prepare(notebook, {"a": str(i)}) for i in range(tasks)]
    tracemalloc.start()
    start = time.perf_counter()
    with InstantExecutor() as pool:
        coordinator = Coordinator(pool, settings, echo=lambda line: None)
        for i, item in enumerate(prepared):
            coordinator.submit(Job(str(i), item))
        while coordinator.busy:
            coordinator.next_outcomes()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds / tasks * 1000, peak


def mlflow_ms(project: Path, tasks: int) -> float:
    """Milliseconds per run for MlflowClient: create, log one parameter, end."""
    from mlflow import MlflowClient

    store = open_store(load_settings(project))
    store.check()
    client = MlflowClient(store.uri)
    experiment = client.create_experiment("floor")
    start = time.perf_counter()
    for i in range(tasks):
        run = client.create_run(experiment)
        client.log_param(run.info.run_id, "a", i)
        client.set_terminated(run.info.run_id, "FINISHED")
    return (time.perf_counter() - start) / tasks * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    print(f"{'tasks':>7} {'nbops ms/task':>14} {'mlflow ms/run':>14} {'ratio':>6} {'peak MB':>8}")
    for tasks in args.tasks:
        with tempfile.TemporaryDirectory() as tmp:
            ours_project, floor_project = Path(tmp) / "ours", Path(tmp) / "floor"
            for folder in (ours_project, floor_project):
                folder.mkdir()
                (folder / "nbops.toml").write_text("")
            ours, peak = coordinator_ms(ours_project, tasks)
            floor = mlflow_ms(floor_project, tasks)
        print(f"{tasks:>7} {ours:>14.1f} {floor:>14.1f} {ours / floor:>6.2f} {peak:>8.1f}")


if __name__ == "__main__":
    main()
