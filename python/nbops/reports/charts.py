"""Charts of runs as Vega-Lite specifications, which JupyterLab renders with its own renderer.

JupyterLab ships a renderer for ``application/vnd.vegalite.v5+json``: the compare tab, the
notebook's rich output (``%nbops runs --chart``, ``nbops.compare``) and exported notebooks all
show these same specifications. Every chart has titled axes and, where runs are told apart by
colour, a legend. This module builds plain dicts; it imports no plotting library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..exceptions import InputError
from ..store import RunSummary, Store

VEGALITE_MIME = "application/vnd.vegalite.v5+json"
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WIDTH = 320
HEIGHT = 180
MAX_SWEEP_PARAMS = 6  # one panel each: beyond this the row is unreadable
MAX_DRIFT_COLUMNS = 60
MAX_CHARTED_RUNS = 20  # colours a legend can still tell apart
MAX_RUN_METRICS = 4


@dataclass
class Chart:
    """One chart: its title (what the tab shows above it) and its Vega-Lite specification."""

    title: str
    spec: dict

    def to_dict(self) -> dict:
        """``{"title", "spec"}``, as the REST API answers it."""
        return {"title": self.title, "spec": self.spec}

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {VEGALITE_MIME: self.spec, "text/plain": f"<chart: {self.title}>"}


def run_label(run: RunSummary) -> str:
    """How a chart names a run: its name and the start of its id (names repeat, ids do not)."""
    return f"{run.name or 'run'} ({run.run_id[:8]})"


def _spec(data: list[dict], **rest: object) -> dict:
    return {"$schema": SCHEMA, "data": {"values": data}, **rest}


def _lines(data: list[dict], x: dict, metric: str, tooltip: list[dict], **encoding) -> dict:
    """A line chart (with points) of ``value`` (titled ``metric``) against ``x``."""
    return _spec(
        data,
        width=WIDTH,
        height=HEIGHT,
        mark={"type": "line", "point": True},
        encoding={
            "x": x,
            "y": {"field": "value", "type": "quantitative", "title": metric},
            **encoding,
            "tooltip": tooltip,
        },
    )


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def history_chart(
    runs: list[RunSummary], history: dict[str, dict[str, list[dict]]], metric: str, by: str = "step"
) -> Chart:
    """One metric's history in each run: a line per run, by ``step`` or by ``time``.

    Parameters
    ----------
    runs:
        The runs, in the legend's order.
    history:
        Per run id, per metric, the values (``{step, value, timestamp}``) as the store reads them.
    metric:
        Which metric.
    by:
        ``step`` (the step the value was logged at) or ``time`` (when it was logged).
    """
    if by not in ("step", "time"):
        raise InputError(f"Cannot chart a metric's history by {by!r}.", "Use step or time.")
    labels = [run_label(run) for run in runs]
    data = [
        {"run": label, "step": point["step"], "time": point["timestamp"], "value": point["value"]}
        for run, label in zip(runs, labels, strict=True)
        for point in history.get(run.run_id, {}).get(metric, [])
        if _finite(point["value"])
    ]
    x = (
        {"field": "step", "type": "quantitative", "title": "step"}
        if by == "step"
        else {"field": "time", "type": "temporal", "title": "time"}
    )
    color = {"field": "run", "type": "nominal", "title": "run", "scale": {"domain": labels}}
    tooltip = [
        {"field": "run"},
        {"field": "step", "type": "quantitative"},
        {"field": "value", "type": "quantitative", "title": metric},
    ]
    spec = _lines(data, x, metric, tooltip, color=color)
    return Chart(f"{metric} by {by}", spec)


def metrics_chart(series: dict[str, list[tuple[int, float]]], max_points: int = 500) -> Chart:
    """One run's metrics as they were logged: a line per metric against its step (or, for a
    metric logged at one step only, against the order of its values).

    Parameters
    ----------
    series:
        Per metric, its ``(step, value)`` pairs in the order they were logged.
    max_points:
        At most this many points per metric are drawn (evenly spaced; the last always is).
    """
    data = []
    for metric, points in series.items():
        by_order = len({step for step, _ in points}) == 1 and len(points) > 1
        stride = max(1, math.ceil(len(points) / max_points))
        chosen = list(range(len(points) - 1, -1, -stride))[::-1]
        for i in chosen:
            step, value = points[i]
            if _finite(value):
                data.append({"metric": metric, "step": i if by_order else step, "value": value})
    tooltip = [{"field": f, "type": t} for f, t in (("metric", "nominal"),
               ("step", "quantitative"), ("value", "quantitative"))]  # fmt: skip
    spec = _lines(
        data,
        {"field": "step", "type": "quantitative", "title": "step"},
        "value",
        tooltip,
        color={"field": "metric", "type": "nominal", "title": "metric"},
    )
    spec["mark"] = {"type": "line", "point": len(data) <= 50}
    return Chart(", ".join(series) or "no metrics yet", spec)


def history_charts(
    runs: list[RunSummary], history: dict[str, dict[str, list[dict]]], by: str = "step"
) -> list[Chart]:
    """:func:`history_chart` for every metric any of the runs logged, by name."""
    metrics = sorted({key for per_run in history.values() for key in per_run})
    return [history_chart(runs, history, metric, by) for metric in metrics]


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def varying_params(runs: list[RunSummary]) -> list[str]:
    """The parameters whose value is not the same in every run (a sweep's axes), by name."""
    names = sorted({name for run in runs for name in run.params})
    return [n for n in names if len({run.params.get(n) for run in runs}) > 1]


def sweep_chart(runs: list[RunSummary], metric: str) -> Chart | None:
    """The metric against each parameter that varies, one panel per parameter (a numeric
    parameter on a numeric axis, any other as categories); ``None`` if nothing varies."""
    params = varying_params(runs)[:MAX_SWEEP_PARAMS]
    scored = [run for run in runs if _finite(run.metrics.get(metric))]
    if not params or not scored:
        return None
    panels = []
    for name in params:
        numeric = all(_number(run.params.get(name)) is not None for run in scored)
        data = [
            {
                "run": run_label(run),
                "x": _number(run.params.get(name)) if numeric else run.params.get(name, ""),
                "y": run.metrics[metric],
            }
            for run in scored
        ]  # fixed field names: a dot in a parameter's name would be a path to Vega-Lite
        x_type = (
            {"type": "quantitative", "scale": {"zero": False}} if numeric else {"type": "nominal"}
        )
        panels.append(
            {
                "data": {"values": data},
                "width": WIDTH // 2,
                "height": HEIGHT,
                "mark": {"type": "point", "filled": True, "size": 60},
                "encoding": {
                    "x": {"field": "x", "title": name, **x_type},
                    "y": {"field": "y", "type": "quantitative", "title": metric},
                    "tooltip": [
                        {"field": "run"},
                        {"field": "x", "title": name},
                        {"field": "y", "title": metric},
                    ],
                },
            }
        )
    return Chart(f"{metric} against each parameter", {"$schema": SCHEMA, "hconcat": panels})


def parallel_chart(runs: list[RunSummary], metric: str) -> Chart | None:
    """Parallel coordinates: one line per run across its numeric varying parameters and the
    metric, each axis scaled to its own range, coloured by the metric; ``None`` unless a
    numeric parameter varies across two or more scored runs."""
    scored = [run for run in runs if _finite(run.metrics.get(metric))]
    params = [
        name
        for name in varying_params(scored)
        if all(_number(run.params.get(name)) is not None for run in scored)
    ]
    if not params or len(scored) < 2:
        return None
    axes = [*params, metric]
    values = {
        run.run_id: [*(_number(run.params[name]) for name in params), run.metrics[metric]]
        for run in scored
    }
    data = []
    for i, axis in enumerate(axes):
        column = [v[i] for v in values.values()]
        low, high = min(column), max(column)
        for run in scored:
            raw = values[run.run_id][i]
            scaled = 0.5 if high == low else (raw - low) / (high - low)
            data.append(
                {"run": run_label(run), "axis": axis, "value": raw, "scaled": scaled,
                 "score": run.metrics[metric]}
            )  # fmt: skip
    spec = _spec(
        data,
        width=max(WIDTH, 90 * len(axes)),
        height=HEIGHT,
        mark={"type": "line", "point": True},
        encoding={
            "x": {"field": "axis", "type": "nominal", "sort": axes, "title": None},
            "y": {"field": "scaled", "type": "quantitative", "title": "scaled to each axis"},
            "detail": {"field": "run", "type": "nominal"},
            "color": {"field": "score", "type": "quantitative", "title": metric},
            "tooltip": [{"field": "run"}, {"field": "axis"}, {"field": "value"}],
        },
    )
    return Chart(f"{metric}: parallel coordinates", spec)


def drift_chart(columns: list[dict], threshold: float) -> Chart:
    """Drift per column: a bar of each column's PSI, the drifted ones marked, the threshold as
    a rule (``columns``: ``ColumnDrift`` dicts). Past ``MAX_DRIFT_COLUMNS`` the largest are
    drawn; the title says so, and names the columns whose PSI is not a finite number."""
    plotted = sorted((c for c in columns if _finite(c["psi"])), key=lambda c: -c["psi"])
    title = "drift per column (PSI)"
    if len(plotted) > MAX_DRIFT_COLUMNS:
        title += f", the {MAX_DRIFT_COLUMNS} largest of {len(plotted)}"
    unplotted = [c["column"] for c in columns if not _finite(c["psi"])]
    if unplotted:
        title += f"; no PSI for {', '.join(unplotted)}"
    data = [
        {"column": c["column"], "psi": c["psi"], "drifted": "drift" if c["drifted"] else "ok"}
        for c in plotted[:MAX_DRIFT_COLUMNS]
    ]
    bars = {
        "mark": "bar",
        "encoding": {
            "y": {"field": "column", "type": "nominal", "sort": "-x", "title": "column"},
            "x": {"field": "psi", "type": "quantitative", "title": "PSI"},
            "color": {
                "field": "drifted",
                "type": "nominal",
                "title": f"PSI > {threshold}",
                "scale": {"domain": ["drift", "ok"], "range": ["#d62728", "#7f7f7f"]},
            },
            "tooltip": [{"field": "column"}, {"field": "psi", "title": "PSI"}],
        },
    }
    rule = {"mark": {"type": "rule", "strokeDash": [4, 3]}, "encoding": {"x": {"datum": threshold}}}
    spec = _spec(data, width=WIDTH, layer=[bars, rule])
    return Chart(title, spec)


def runs_chart(runs: list[RunSummary], metric: str) -> Chart:
    """A metric across runs, by when each run started: how a notebook's results moved."""
    data = [
        {"run": run_label(run), "started": run.start_time, "value": run.metrics[metric],
         "status": run.status}
        for run in runs
        if run.start_time and _finite(run.metrics.get(metric))
    ]  # fmt: skip
    x = {"field": "started", "type": "temporal", "title": "run started"}
    tooltip = [{"field": "run"}, {"field": "status"}, {"field": "value", "title": metric}]
    spec = _lines(data, x, metric, tooltip)
    return Chart(f"{metric} by run", spec)


def comparison_charts(
    runs: list[RunSummary], history: dict[str, dict[str, list[dict]]], by: str = "step"
) -> list[Chart]:
    """What the compare tab charts: each metric's history, then for runs that differ in their
    parameters (a sweep's trials), each metric against each parameter and in parallel."""
    charts = history_charts(runs, history, by)
    if varying_params(runs):
        for metric in sorted({key for run in runs for key in run.metrics}):
            charts += [c for c in (sweep_chart(runs, metric), parallel_chart(runs, metric)) if c]
    return charts


class ChartSet:
    """Charts shown together as one notebook output (one Vega-Lite specification, the charts
    one under the other with their titles): what ``nbops.compare`` and ``%nbops runs --chart``
    display.

    Parameters
    ----------
    charts:
        The charts, in order.
    empty:
        What to say when there are none.
    """

    def __init__(self, charts: list[Chart], empty: str = "Nothing to chart.") -> None:
        self.charts = charts
        self.empty = empty

    def spec(self) -> dict:
        """The charts as one specification."""
        views = []
        for chart in self.charts:
            view = {k: v for k, v in chart.spec.items() if k != "$schema"}
            views.append({"title": chart.title, **view})
        return {"$schema": SCHEMA, "vconcat": views}

    def __len__(self) -> int:
        return len(self.charts)

    def __repr__(self) -> str:
        return f"<{len(self.charts)} charts: {', '.join(c.title for c in self.charts)}>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        if not self.charts:
            return {"text/plain": self.empty}
        return {VEGALITE_MIME: self.spec(), "text/plain": repr(self)}


def charts_of_runs(store: Store, run_ids: list[str], by: str = "step") -> ChartSet:
    """:func:`comparison_charts` of runs in ``store`` (1 to ``MAX_CHARTED_RUNS``)."""
    if not 1 <= len(run_ids) <= MAX_CHARTED_RUNS:
        raise InputError(
            f"Chart 1 to {MAX_CHARTED_RUNS} runs, not {len(run_ids)}.",
            "Give the ids of the runs to compare (`nbops runs` lists them).",
        )
    runs = [store.get_run(run_id) for run_id in run_ids]
    history = {run_id: store.metric_history(run_id) for run_id in run_ids}
    return ChartSet(comparison_charts(runs, history, by), "The runs logged no metrics.")


def runs_charts(runs: list[RunSummary], metric: str | None = None) -> ChartSet:
    """The charts of a notebook's runs (``%nbops runs --chart``): ``metric`` (default: each of
    the first ``MAX_RUN_METRICS`` by name) by run, and against each parameter that varies."""
    names = sorted({key for run in runs for key in run.metrics})
    if metric is not None and metric not in names:
        raise InputError(
            f"None of these runs logged a metric named {metric!r}.",
            f"Their metrics: {', '.join(names) or 'none'}.",
        )
    charts = []
    for name in [metric] if metric else names[:MAX_RUN_METRICS]:
        charts += [c for c in (runs_chart(runs, name), sweep_chart(runs, name)) if c]
    return ChartSet(charts, "These runs logged no metrics.")
