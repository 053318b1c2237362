"""A loop logging 10,000 metric values with ``nbops.live()`` on, next to the same loop without it.

Run by hand: ``python benchmarks/bench_live.py [--values N] [--repeat R]``. Both loops run side by
side in one real kernel (the chart's widget messages go out on its iopub channel as in JupyterLab),
against the embedded store of a temporary project, alternating so that machine noise hits both
alike. Each loop times the logging calls only (what the cell waits for). Goal: <= 1.05x.
"""

from __future__ import annotations

import argparse
import json
import statistics

from jupyter_client.manager import start_new_kernel
from scratch import scratch_folder

SETUP = "%load_ext nbops\nimport time, nbops\nnbops.start_run('bench')"
LOOP = """
def loop(live, work=0):
    chart = nbops.live(every=0.5) if live else None
    started = time.perf_counter()
    for i in range({values}):
        sum(range(work))  # a step of "training"
        nbops.log_metric('loss', 1 / (i + 1), step=i)
    elapsed = time.perf_counter() - started
    if chart is not None:
        chart.close()
    return elapsed, chart.draws if chart else 0
"""


def execute(client, code: str) -> list[str]:
    """Run ``code``; return what it printed (raising on an error)."""
    client.execute(code)
    printed = []
    while True:
        msg = client.get_iopub_msg(timeout=300)
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            printed.append(content["text"])
        elif kind == "error":
            raise RuntimeError("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return printed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    project = scratch_folder("nbops-bench-live-")
    (project / "nbops.toml").write_text("")
    manager, client = start_new_kernel(cwd=str(project))
    try:
        execute(client, SETUP)
        execute(client, LOOP.format(values=args.values))
        execute(client, "loop(False); loop(True)")  # warm both paths
        results = [measure(client, args.repeat, 0), measure(client, max(3, args.repeat // 3), 2000)]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    print(f"{args.values:,} values logged, medians of pairs in one kernel (goal <= 1.05x)")
    for label, (plain, live, draws) in zip(
        ("logging only", "with work per step"), results, strict=True
    ):
        a, b = statistics.median(live), statistics.median(plain)
        verdict = "OK" if a / b <= 1.05 else "over goal"
        print(
            f"  {label:<20} live {a * 1000:8.1f} ms ({statistics.median(draws):.0f} drawings)"
            f" vs {b * 1000:8.1f} ms  ratio {a / b:.3f} {verdict}"
        )


def measure(client, repeat: int, work: int) -> tuple[list[float], list[float], list[int]]:
    """``repeat`` pairs of loops (without, then with the chart); their times and drawings."""
    plain, live, draws = [], [], []
    for _ in range(repeat):
        for on in (False, True):
            text = execute(client, f"import json; print(json.dumps(loop({on}, {work})))")
            elapsed, drawn = json.loads("".join(text))
            (live if on else plain).append(elapsed)
            if on:
                draws.append(drawn)
    return plain, live, draws


if __name__ == "__main__":
    main()
