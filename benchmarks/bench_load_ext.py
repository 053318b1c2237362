"""How long ``%load_ext nbops`` takes in a fresh kernel-like process, next to ``import mlflow``.

Run by hand: ``python benchmarks/bench_load_ext.py [--repeat N]``. Each sample is a fresh Python
process with an IPython shell already up (as in a kernel); the two measurements alternate so that
machine noise hits both alike. Target: ``%load_ext nbops`` <= 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

SETUP = "from IPython.testing import globalipapp; globalipapp.start_ipython(); "
SETUP += "ip = globalipapp.get_ipython(); import time; "
CASES = {
    "%load_ext nbops": SETUP
    + "t = time.perf_counter(); ip.run_line_magic('load_ext', 'nbops'); "
    + "print(time.perf_counter() - t)",
    "%nbops status (first call)": SETUP
    + "ip.run_line_magic('load_ext', 'nbops'); t = time.perf_counter(); "
    + "ip.run_line_magic('nbops', 'status'); print(time.perf_counter() - t)",
    "import mlflow": SETUP
    + "t = time.perf_counter(); import mlflow; "
    + "print(time.perf_counter() - t)",
}


def sample(code: str) -> float:
    """Run ``code`` in a fresh interpreter and return the seconds it printed."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.repeat):
        for name, code in CASES.items():
            times[name].append(sample(code))
    baseline = statistics.median(times["import mlflow"])
    print(f"{'case':<28} {'median s':>9} {'min s':>7} {'ratio to import mlflow':>23}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<28} {median:>9.3f} {min(values):>7.3f} {median / baseline:>23.3f}")
    load = statistics.median(times["%load_ext nbops"])
    print(f"\n%load_ext nbops: {load:.3f} s (target <= 0.3 s): {'OK' if load <= 0.3 else 'SLOW'}")


if __name__ == "__main__":
    main()
