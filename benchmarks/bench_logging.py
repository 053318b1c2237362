"""10,000 ``nbops.log_metric`` calls against 10,000 ``mlflow.log_metric`` calls, same SQLite store.

Run by hand: ``python benchmarks/bench_logging.py [--calls N]``. Both run in one process, side by
side, against one embedded store in a temporary project; nbops is timed per call (what the notebook
waits for) and until everything is written (``end_run``), and every value is counted afterwards.
Also times environment capture at run start. Target: >= 20x faster per call than MLflow.
"""

from __future__ import annotations

import argparse
import os
import time

from scratch import scratch_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    args = parser.parse_args()
    project = scratch_folder()
    (project / "nbops.toml").write_text("")
    os.chdir(project)

    import mlflow

    from nbops.capture.environment import capture_environment
    from nbops.capture.session import Session

    session = Session(capture_environment=False)
    run_id = session.start_run("nbops")  # also makes it MLflow's active run: end it for MLflow
    started = time.perf_counter()
    for i in range(args.calls):
        session.log_metrics({"loss": i / args.calls}, step=i)
    nbops_calls = time.perf_counter() - started
    session.end_run()
    nbops_total = time.perf_counter() - started

    mlflow.set_tracking_uri(session.settings.tracking_uri)
    with mlflow.start_run(experiment_id=mlflow.get_experiment_by_name("Default").experiment_id):
        mlflow_run = mlflow.active_run().info.run_id
        started = time.perf_counter()
        for i in range(args.calls):
            mlflow.log_metric("loss", i / args.calls, step=i)
        mlflow_total = time.perf_counter() - started

    client = mlflow.MlflowClient(session.settings.tracking_uri)
    kept = len(client.get_metric_history(run_id, "loss"))
    kept_mlflow = len(client.get_metric_history(mlflow_run, "loss"))

    started = time.perf_counter()
    capture_environment(project)
    env_s = time.perf_counter() - started

    n = args.calls
    print(f"{'':<36}{'total s':>9}{'per call µs':>13}{'values kept':>13}")
    print(
        f"{'mlflow.log_metric (synchronous)':<36}{mlflow_total:>9.2f}"
        f"{mlflow_total / n * 1e6:>13.1f}{kept_mlflow:>13}"
    )
    print(f"{'nbops.log_metric (calls only)':<36}{nbops_calls:>9.3f}{nbops_calls / n * 1e6:>13.1f}")
    print(
        f"{'nbops.log_metric (until end_run)':<36}{nbops_total:>9.2f}"
        f"{nbops_total / n * 1e6:>13.1f}{kept:>13}"
    )
    print(
        f"\nper-call speed-up: {mlflow_total / nbops_calls:.0f}x (target >= 20x); "
        f"end to end: {mlflow_total / nbops_total:.1f}x; all values kept: {kept == n}"
    )
    print(f"environment capture (packages, git, platform): {env_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
