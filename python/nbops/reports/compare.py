"""Compare runs: parameters, metrics, environments, data and the code of their notebooks.

What the JupyterLab compare view shows; the server answers it as JSON, with the charts as
Vega-Lite specifications (:mod:`nbops.reports.charts`) that the view renders with JupyterLab's
own renderer.
"""

from __future__ import annotations

import difflib
import json

from ..capture.environment import diff_environments
from ..exceptions import InputError, NotFoundError
from ..names import ENVIRONMENT_FILE
from ..store import Store
from ..store.history import DEFAULT_MAX_POINTS, downsample_all
from .charts import comparison_charts
from .diff import MAX_DIFF_CELLS, MAX_DIFF_CHARS, diff_runs
from .notebooks import load_run_notebook

MAX_RUNS = 10


def _table(values: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows ``{name, values, differs}`` over the union of names, differing rows first."""
    names = sorted(set().union(*values)) if values else []
    rows = []
    for name in names:
        column = [v.get(name) for v in values]
        rows.append(
            {"name": name, "values": column, "differs": len({json.dumps(c) for c in column}) > 1}
        )
    return sorted(rows, key=lambda r: (not r["differs"], r["name"]))


def _environment(store: Store, runs: list[str]) -> list[dict[str, object]]:
    """Environment differences of every run against the first one."""
    try:
        base = json.loads(store.load_text(runs[0], ENVIRONMENT_FILE))
    except NotFoundError:  # recorded without environment capture; a store failure propagates
        return []
    found = []
    for other in runs[1:]:
        try:
            env = json.loads(store.load_text(other, ENVIRONMENT_FILE))
        except NotFoundError:
            continue
        found.append(
            {"run_id": other, "lines": diff_environments(runs[0], base, other, env).lines()}
        )
    return found


def _cells(store: Store, run_id: str) -> list[str] | None:
    try:
        nb = load_run_notebook(store, run_id)
    except NotFoundError:  # the run kept no notebook; a store failure propagates
        return None
    return [c.source for c in nb.cells if c.cell_type == "code"]


def code_diff(store: Store, run_a: str, run_b: str) -> list[dict[str, object]]:
    """Per code cell, a unified diff of run B's notebook against run A's (changed cells only)."""
    a, b = _cells(store, run_a), _cells(store, run_b)
    if a is None or b is None:
        return []
    if len(a) + len(b) > MAX_DIFF_CELLS or sum(map(len, a + b)) > MAX_DIFF_CHARS:
        # difflib is quadratic: a notebook this large would hold the server for minutes
        return [
            {
                "kind": "too large",
                "cells_a": [0, len(a)],
                "cells_b": [0, len(b)],
                "diff": f"The notebooks have {len(a)} and {len(b)} code cells "
                f"({sum(map(len, a + b)):,} characters): more than the {MAX_DIFF_CELLS:,} cells "
                f"or {MAX_DIFF_CHARS:,} characters compared here. Compare their executed "
                "notebooks (run artifacts) with nbdime or git diff.",
            }
        ]
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    changes = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        old, new = "\n".join(a[i1:i2]), "\n".join(b[j1:j2])
        diff = difflib.unified_diff(
            old.splitlines(), new.splitlines(), run_a[:8], run_b[:8], lineterm=""
        )
        changes.append(
            {"kind": op, "cells_a": [i1, i2], "cells_b": [j1, j2], "diff": "\n".join(diff)}
        )
    return changes


def compare_runs(
    store: Store,
    run_ids: list[str],
    by: str = "step",
    max_points: int = DEFAULT_MAX_POINTS,
    catalog=None,
) -> dict[str, object]:
    """Everything that differs between runs (2 to 10), the first one being the reference.

    Parameters
    ----------
    store:
        Where the runs are.
    run_ids:
        The runs, first the reference.
    by:
        The metric histories' axis in the charts: ``step`` or ``time``.
    max_points:
        The most points of each metric's history (more are thinned, keeping the extremes).
    catalog:
        The project's snapshot catalog: the rows of the data in the summary (``None``: ids only).
    """
    if not 2 <= len(run_ids) <= MAX_RUNS or len(set(run_ids)) != len(run_ids):
        raise InputError(
            f"Compare needs 2 to {MAX_RUNS} different runs, not {len(run_ids)}.",
            "Select two or more runs.",
        )
    runs = [store.get_run(r) for r in run_ids]
    history = {r: downsample_all(store.metric_history(r), max_points) for r in run_ids}
    datasets = [
        {f"{d['role']}:{d['name']}": d["digest"] for d in store.datasets(r)} for r in run_ids
    ]
    summaries = [
        {"run_id": r, "lines": diff_runs(store, catalog, run_ids[0], r).summary()}
        for r in run_ids[1:]
    ]
    return {
        "runs": [r.to_dict() for r in runs],
        "summary": summaries,
        "params": _table([r.params for r in runs]),
        "metrics": _table([r.metrics for r in runs]),
        "data": _table(datasets),
        "environment": _environment(store, run_ids),
        "code": [{"run_id": r, "changes": code_diff(store, run_ids[0], r)} for r in run_ids[1:]],
        "history": history,
        "charts": [chart.to_dict() for chart in comparison_charts(runs, history, by)],
    }
