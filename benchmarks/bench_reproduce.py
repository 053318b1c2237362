"""``nbops reproduce`` of a trivial run next to ``nbops run`` of the same notebook.

Run by hand: ``python benchmarks/bench_reproduce.py [--repeat N]``. Both run side by side on one
temporary project, alternating, in-process and as whole commands. Goal: reproduce <= 1.2x run
(current environment): what reproduce adds is reading the record, comparing and recording the
verdict, around the same headless run.
"""

from __future__ import annotations

import argparse
import os
import subprocess

from bench_run import line, timed, write  # the same helpers, side by side alike
from scratch import scratch_folder

TRIVIAL = [
    ("n = 1000", ["parameters"]),
    ("import nbops\nnbops.log_metrics({'total': sum(range(n))})", []),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    project = scratch_folder("nbops-bench-reproduce-")
    (project / "nbops.toml").write_text("")
    os.chdir(project)
    step = write(project / "trivial.ipynb", TRIVIAL)

    from nbops.execution.run import run
    from nbops.reproduction.reproduce import reproduce

    original = run(step, progress=False).run_id  # also warms up imports and the store
    quiet = lambda line: None  # noqa: E731
    ours, theirs = [], []
    for _ in range(args.repeat):
        ours.append(timed(lambda: reproduce(original, echo=quiet)))
        theirs.append(timed(lambda: run(step, progress=False)))
    line("reproduce vs run, in-process", ours, theirs, 1.2)

    ours, theirs = [], []
    for _ in range(max(3, args.repeat // 2)):
        ours.append(timed(lambda: _command("reproduce", original)))
        theirs.append(timed(lambda: _command("run", str(step))))
    line("nbops reproduce vs nbops run, whole commands", ours, theirs, 1.2)


def _command(*args: str) -> None:
    subprocess.run(["nbops", *args], check=True, capture_output=True)


if __name__ == "__main__":
    main()
