"""The runs list at 10,000 runs in one experiment: server time of one page vs MLflow's own calls.

Run by hand: ``python benchmarks/bench_api.py [--runs 10000]``. Creates the runs in a temporary
embedded store (a few minutes), then times what ``GET /nbops/api/runs`` does per request (one page
of 50, serialised to JSON) next to ``mlflow.search_runs`` (pandas) for the same experiment.
Goal: a page in <= 100 ms of server time.

The runs are made with MLflow's client, without nbops' tags (as an older nbops, or plain MLflow in
that notebook, left them): the notebook's page (runs with ``nbops.source``) is timed after their
one-time adoption, which is timed too. Goal (#30): sorted by a metric <= 3x unsorted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def timed(fn, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    import mlflow
    from mlflow.entities import Metric, Param

    from nbops.config import load_settings
    from nbops.names import SOURCE_TAG
    from nbops.store import open_store
    from nbops.store.adoption import adopt_untagged_runs

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "nbops.toml").write_text("")
        settings = load_settings(project)
        store = open_store(settings)
        experiment = "many.ipynb"
        start = time.perf_counter()
        client = store.client
        experiment_id = store.experiment_id(experiment, create=True)
        for i in range(args.runs):
            run = client.create_run(experiment_id, run_name=f"r{i}")
            now = int(time.time() * 1000)
            client.log_batch(
                run.info.run_id,
                metrics=[Metric("rmse", (i * 7919) % 1000 / 10, now, 0)],
                params=[Param("i", str(i))],
            )
            client.set_terminated(run.info.run_id)
        print(f"created {args.runs} runs in {time.perf_counter() - start:.0f} s")

        def page(**kw):
            runs, token = store.runs_page(experiment, 50, **kw)
            json.dumps({"runs": [r.to_dict() for r in runs], "next_page_token": token})
            return token

        start = time.perf_counter()
        adopted = adopt_untagged_runs(store, experiment)
        print(f"adopted {adopted} untagged runs in {(time.perf_counter() - start) * 1000:.0f} ms")
        mine = {SOURCE_TAG: experiment}
        token = page()
        mlflow.set_tracking_uri(settings.tracking_uri)
        rows = [
            ("first page, newest first", timed(page)),
            ("next page (token)", timed(lambda: page(page_token=token))),
            ("FINISHED only", timed(lambda: page(status="FINISHED"))),
            ("sorted by metrics.rmse", timed(lambda: page(sort="metrics.rmse"), repeat=3)),
            ("the notebook's page (nbops.source)", timed(lambda: page(tags=mine))),
            ("the notebook's page, sorted by rmse", timed(
                lambda: page(tags=mine, sort="metrics.rmse"), repeat=3)),
            ("mlflow.search_runs, 50 rows to pandas", timed(
                lambda: mlflow.search_runs([experiment_id], max_results=50))),
            ("mlflow.search_runs, all to pandas", timed(
                lambda: mlflow.search_runs([experiment_id], max_results=args.runs), repeat=3)),
        ]  # fmt: skip
        base = rows[0][1]
        for label, ms in rows:
            print(f"{label:<40}{ms:9.1f} ms  ({ms / base:5.2f}x the first page)")


if __name__ == "__main__":
    main()
