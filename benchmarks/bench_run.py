"""``nbops run`` next to plain papermill, and a run report next to plain nbconvert.

Run by hand: ``python benchmarks/bench_run.py [--repeat N]``. Everything runs side by side in one
process on a temporary project; in-process pairs alternate so machine noise hits both alike.
Goals: ``nbops run`` <= 1.1x papermill's wall time (a two-cell notebook <= 1.15x, the
example's train step <= 1.0x); report <= 1.1x ``jupyter nbconvert --to html``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from scratch import scratch_folder

SMALL_STEP = [
    ("n = 1000", ["parameters"]),
    ("total = sum(range(n))", []),
    ("import nbops\nnbops.log_metrics({'total': total})", []),
]


TWO_CELLS = [("n = 1000", ["parameters"]), ("total = sum(range(n))", [])]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


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


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def cli_pair(label, ours, theirs, goal, repeat, cwd=None) -> None:
    """Whole commands, ``ours`` and ``theirs`` alternating, after one warm-up run of each."""
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(repeat + 1):
        for command, kept in ((ours, times[0]), (theirs, times[1])):
            took = timed(
                lambda c=command: subprocess.run(c, cwd=cwd, check=True, capture_output=True)
            )
            if i:
                kept.append(took)
    line(label, *times, goal)


def line(label: str, ours: list[float], theirs: list[float], goal: float) -> None:
    a, b = statistics.median(ours), statistics.median(theirs)
    verdict = "OK" if a / b <= goal else "over goal"
    print(f"{label:<48} {a:7.2f} s vs {b:7.2f} s  ratio {a / b:5.2f} (goal <= {goal}) {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    project = scratch_folder("nbops-bench-run-")
    (project / "nbops.toml").write_text("")
    os.chdir(project)
    step = write(project / "step.ipynb", SMALL_STEP)

    import papermill

    from nbops.execution.run import run

    run(step, progress=False)  # warm up: imports, store schema
    ours, theirs = [], []
    for _ in range(args.repeat):
        ours.append(timed(lambda: run(step, {"n": "2000"}, progress=False)))
        theirs.append(
            timed(
                lambda: papermill.execute_notebook(
                    str(step),
                    str(project / "out.ipynb"),
                    parameters={"n": 2000},
                    progress_bar=False,
                )
            )
        )
    line("run of a small step, in-process", ours, theirs, 1.1)

    bin_dir = Path(sys.executable).parent
    repeat_cli = max(2, args.repeat // 2)
    nbops_cli, papermill_cli = str(bin_dir / "nbops"), str(bin_dir / "papermill")
    cli_pair(
        "run of a small step, command line",
        [nbops_cli, "run", "step.ipynb", "-p", "n", "2000"],
        [papermill_cli, "step.ipynb", "out.ipynb", "-p", "n", "2000"],
        1.1,
        repeat_cli,
    )
    write(project / "two.ipynb", TWO_CELLS)
    cli_pair(
        "run of a two-cell notebook, command line",
        [nbops_cli, "run", "two.ipynb"],
        [papermill_cli, "two.ipynb", "out.ipynb"],
        1.15,
        args.repeat,
    )
    example = project / "example"
    shutil.copytree(EXAMPLES, example, ignore=shutil.ignore_patterns(".nbops", ".ipynb_*"))
    subprocess.run(
        [nbops_cli, "run", "01_prepare.ipynb"], cwd=example, check=True, capture_output=True
    )
    cli_pair(
        "run of the example's train step, command line",
        [nbops_cli, "run", "02_train.ipynb"],
        [papermill_cli, "02_train.ipynb", "out.ipynb"],
        1.0,
        args.repeat,
        cwd=example,
    )

    big = write(project / "big.ipynb", [(f"x{i} = {i}\nprint(x{i} * 2)", []) for i in range(50)])
    result = run(big, progress=False)
    cli_pair(
        "report of a 50-cell notebook, command line",
        [nbops_cli, "report", result.run_id, "-o", "r.html"],
        [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", str(result.notebook),
         "--output-dir", str(project)],
        1.1,
        repeat_cli,
    )  # fmt: skip

    from nbconvert import HTMLExporter

    from nbops.reports.exporter import render_report
    from nbops.store import open_store

    store = open_store()
    summary = store.get_run(result.run_id)
    nb = nbformat.read(result.notebook, as_version=4)
    exporter = HTMLExporter()
    ours_html, theirs_html = [], []
    for _ in range(args.repeat):
        ours_html.append(timed(lambda: render_report(nb, summary, store.uri)))
        theirs_html.append(timed(lambda: exporter.from_notebook_node(nb)))
    line("report of a 50-cell notebook, in-process", ours_html, theirs_html, 1.1)


if __name__ == "__main__":
    main()
