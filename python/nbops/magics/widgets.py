"""The magics' tables as ipywidgets in a live kernel: sort by any column, pick the columns.

Each widget's output also carries the plain HTML table: a notebook exported or reported without
the widgets' state (nbconvert, nbops's reports) shows that table instead.
"""

from __future__ import annotations

import math

from ..store import RunSummary
from .display import RunsView, _table

SORTS = {
    "started": lambda run: run.start_time or 0,
    "name": lambda run: run.name.lower(),
    "status": lambda run: run.status,
    "duration": lambda run: -1 if run.duration_ms is None else run.duration_ms,
}
METRIC_SORT = "metric: "


class _SortableTable:
    """What the tables share: a sort picker, an order switch, a column picker and the HTML
    table, redrawn when any control changes; each table gives its ``rows``."""

    header: tuple[str, ...] = ()
    css_class = ""

    def _controls(self, sorts, sort: str, descending: bool, *others) -> None:
        """Make the shared controls (``others``: the table's own, also redrawing it)."""
        import ipywidgets as w

        self.sort = w.Dropdown(options=sorts, value=sort, description="Sort by")
        self.descending = w.Checkbox(value=descending, description="descending")
        self.columns = w.SelectMultiple(
            options=self.header, value=self.header, rows=len(self.header), description="Columns"
        )
        self.table = w.HTML()
        for control in (self.sort, self.descending, *others, self.columns):
            control.observe(lambda _: self.render(), names="value")

    def rows(self) -> list[list[str]]:
        """The rows' text, in the chosen order."""
        raise NotImplementedError

    def render(self) -> None:
        """Redraw the table from the controls."""
        shown = [i for i, name in enumerate(self.header) if name in self.columns.value]
        rows = [[row[i] for i in shown] for row in self.rows()]
        self.table.value = _table(tuple(self.header[i] for i in shown), rows, self.css_class)


class RunsTable(_SortableTable):
    """``%nbops runs`` in a kernel: the runs table with a sort picker (start, name, status,
    duration or any metric; runs without the metric last), an order switch and a column picker.

    Parameters
    ----------
    view:
        The runs and their plain table.
    """

    css_class = "nbops-runs"

    def __init__(self, view: RunsView) -> None:
        import ipywidgets as w

        self.view, self.header = view, tuple(view.HEADER)
        metrics = sorted({key for run in view.runs for key in run.metrics})
        self._controls([*SORTS, *(METRIC_SORT + m for m in metrics)], "started", True)
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
        valued, rest = [], []
        for run in self.runs:
            (valued if math.isfinite(run.metrics.get(name, math.nan)) else rest).append(run)
        return sorted(valued, key=lambda r: r.metrics[name], reverse=reverse) + rest

    def rows(self) -> list[list[str]]:
        """The runs' rows as the plain table shows them, in the chosen order."""
        return RunsView(self.view.experiment, self.ordered()).rows()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        plain = self.view._repr_mimebundle_()
        if not self.runs:
            return plain
        return {**self.box._repr_mimebundle_(), **plain}


class ReportTable(_SortableTable):
    """A check's table in a kernel (``%drift``, ``%%expect``): sort by any column, show only the
    flagged rows (drifted columns, failed checks), pick the columns. Reads as the report it
    shows (``.passed``, ``.drifted``, ...).

    Parameters
    ----------
    report:
        The report; its own output (the plain table) goes with the widget's.
    header:
        The column titles.
    cells:
        Per row, the text shown.
    keys:
        Per row, the values sorted by (``None`` last).
    flagged:
        Per row, whether it is one of those "only flagged" keeps.
    flag:
        The label of that switch.
    """

    css_class = "nbops-check"

    def __init__(self, report, header, cells, keys, flagged, flag: str) -> None:
        import ipywidgets as w

        self.report = report
        self.header = tuple(header)
        self._rows = list(zip(cells, keys, flagged, strict=True))
        self.only = w.Checkbox(value=False, description=flag)
        self._controls(self.header, self.header[0], False, self.only)
        controls = w.HBox([w.VBox([self.sort, self.descending, self.only]), self.columns])
        self.box = w.VBox([controls, self.table])
        self.render()

    def __getattr__(self, name: str):
        if name == "report":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.report, name)

    def rows(self) -> list[list[str]]:
        """The shown rows' text, in the chosen order."""
        index = self.header.index(self.sort.value)
        rows = [r for r in self._rows if r[2] or not self.only.value]
        known = [r for r in rows if r[1][index] is not None]
        ordered = sorted(known, key=lambda r: r[1][index], reverse=self.descending.value)
        return [r[0] for r in ordered + [r for r in rows if r[1][index] is None]]

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {**self.box._repr_mimebundle_(), **self.report._repr_mimebundle_()}


def drift_table(report) -> ReportTable:
    """``%drift``'s table: one row per column, "only drifted" to keep those over the threshold."""
    keys = [
        [c.column, c.kind, c.psi, c.test, c.statistic, c.p_value, c.drifted] for c in report.columns
    ]
    header = ["column", "kind", "PSI", "test", "statistic", "p-value", f"PSI > {report.threshold}"]
    flagged = [c.drifted for c in report.columns]
    return ReportTable(report, header, report._rows(), keys, flagged, "only drifted")


def expectation_table(report) -> ReportTable:
    """``%%expect``'s table: one row per check, "only failures" to keep those that failed."""
    results = report.results
    cells = [
        [r.column, r.check, "pass" if r.passed else "FAIL", str(r.failing), ", ".join(r.examples)]
        for r in results
    ]
    keys = [[r.column, r.check, r.passed, r.failing, ", ".join(r.examples)] for r in results]
    header = ["column", "check", "result", "failing", "examples"]
    flagged = [not r.passed for r in results]
    return ReportTable(report, header, cells, keys, flagged, "only failures")
