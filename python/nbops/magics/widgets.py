"""The magics' tables as ipywidgets in a live kernel: sort by any column, pick the columns.

Each widget's output also carries the plain HTML table: a notebook exported or reported without
the widgets' state (nbconvert, nbops's reports) shows that table instead.
"""

from __future__ import annotations

import math

from ..store import RunSummary
from .display import RunsView, _table

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
SORTS = {
    "started": lambda run: run.start_time or 0,
    "name": lambda run: run.name.lower(),
    "status": lambda run: run.status,
    "duration": lambda run: -1 if run.duration_ms is None else run.duration_ms,
}
METRIC_SORT = "metric: "


class RunsTable:
    """``%nbops runs`` in a kernel: the runs table with a sort picker (start, name, status,
    duration or any metric; runs without the metric last), an order switch and a column picker.

    Parameters
    ----------
    view:
        The runs and their plain table.
    """

    def __init__(self, view: RunsView) -> None:
        import ipywidgets as w

        self.view = view
        metrics = sorted({key for run in view.runs for key in run.metrics})
        self.sort = w.Dropdown(
            options=[*SORTS, *(METRIC_SORT + m for m in metrics)], value="started",
            description="Sort by",
        )  # fmt: skip
        self.descending = w.Checkbox(value=True, description="descending")
        self.columns = w.SelectMultiple(
            options=view.HEADER, value=view.HEADER, rows=len(view.HEADER), description="Columns"
        )
        self.table = w.HTML()
        for control in (self.sort, self.descending, self.columns):
            control.observe(lambda _: self.render(), names="value")
        self.box = w.VBox([w.HBox([self.sort, self.descending, self.columns]), self.table])
        self.render()

    @property
    def runs(self) -> list[RunSummary]:
        """The runs, newest first (as listed)."""
        return self.view.runs

    def ordered(self) -> list[RunSummary]:
        """The runs in the chosen order; for a metric, those without a value come last."""
        key, reverse = self.sort.value, self.descending.value
        if not key.startswith(METRIC_SORT):
            return sorted(self.runs, key=SORTS[key], reverse=reverse)
        name = key[len(METRIC_SORT) :]
        valued = [r for r in self.runs if math.isfinite(r.metrics.get(name, math.nan))]
        rest = [r for r in self.runs if r not in valued]
        return sorted(valued, key=lambda r: r.metrics[name], reverse=reverse) + rest

    def render(self) -> None:
        """Redraw the table from the controls."""
        shown = [i for i, name in enumerate(self.view.HEADER) if name in self.columns.value]
        rows = RunsView(self.view.experiment, self.ordered()).rows()
        header = tuple(self.view.HEADER[i] for i in shown)
        self.table.value = _table(header, [[row[i] for i in shown] for row in rows], "nbops-runs")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        plain = self.view._repr_mimebundle_()
        if not self.runs:
            return plain
        return {**self.box._repr_mimebundle_(), **plain}
