"""Rich notebook displays for what the magics return."""

from __future__ import annotations

import html
from datetime import datetime

from ..capture.status import Status
from ..store import RunSummary

ERROR_STYLE = ' style="color:var(--jp-error-color1,#d32f2f)"'


def _table(header: tuple[str, ...], rows: list[list[str]], css_class: str) -> str:
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in row)
        + "</tr>"
        for row in rows
    )
    return f"<table class='{css_class}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class StatusView:
    """``%nbops status``: a small table in the notebook, plain text elsewhere.

    Parameters
    ----------
    status:
        The status to show.
    """

    def __init__(self, status: Status) -> None:
        self.status = status

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/plain": self.text(), "text/html": self.html()}

    def text(self) -> str:
        """The status as aligned plain-text lines."""
        rows = self.status.lines()
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)

    def html(self) -> str:
        """The status as an HTML table; an error row is marked."""
        cells = []
        for label, value in self.status.lines():
            style = ERROR_STYLE if label == "error" else ""
            cells.append(
                f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
                f"<td style='text-align:left'{style}>{html.escape(value)}</td></tr>"
            )
        return f"<table class='nbops-status'>{''.join(cells)}</table>"

    def __repr__(self) -> str:
        return self.text()


class RunsView:
    """``%nbops runs``: the notebook's runs with status, params and metrics.

    Parameters
    ----------
    experiment:
        Whose runs these are.
    runs:
        Newest first.
    """

    HEADER = ("run id", "name", "status", "started", "duration", "params", "metrics")

    def __init__(self, experiment: str, runs: list[RunSummary]) -> None:
        self.experiment = experiment
        self.runs = runs

    def rows(self) -> list[list[str]]:
        """One row of strings per run."""
        return [
            [
                run.run_id,
                run.name,
                run.status,
                datetime.fromtimestamp(run.start_time / 1000).strftime("%Y-%m-%d %H:%M:%S")
                if run.start_time
                else "",
                "" if run.duration_ms is None else f"{run.duration_ms / 1000:.1f} s",
                ", ".join(f"{k}={v}" for k, v in sorted(run.params.items())),
                ", ".join(f"{k}={v:.4g}" for k, v in sorted(run.metrics.items())),
            ]
            for run in self.runs
        ]

    def text(self) -> str:
        """Tab-separated rows under a title."""
        if not self.runs:
            return f"No runs yet for {self.experiment}."
        lines = [f"Runs of {self.experiment}", "\t".join(self.HEADER)]
        return "\n".join(lines + ["\t".join(row) for row in self.rows()])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        if not self.runs:
            return {"text/plain": self.text()}
        title = f"<strong>Runs of {html.escape(self.experiment)}</strong>"
        return {
            "text/plain": self.text(),
            "text/html": title + _table(self.HEADER, self.rows(), "nbops-runs"),
        }


class SnapshotsView:
    """``%nbops snapshots``: the project's snapshot catalog.

    Parameters
    ----------
    entries:
        Catalog entries, oldest first.
    """

    HEADER = ("name", "id", "role", "run", "rows", "columns", "when")

    def __init__(self, entries: list) -> None:
        self.entries = entries

    def rows(self) -> list[list[str]]:
        """One row of strings per entry."""
        return [
            [e.name, e.id, e.role, e.run_id or "", str(e.rows), str(e.columns), e.created]
            for e in self.entries
        ]

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        if not self.entries:
            return {"text/plain": "No snapshots yet."}
        text = "\n".join("\t".join(r) for r in [list(self.HEADER), *self.rows()])
        return {
            "text/plain": text,
            "text/html": _table(self.HEADER, self.rows(), "nbops-snapshots"),
        }
