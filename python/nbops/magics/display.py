"""Rich notebook displays for what the magics return."""

from __future__ import annotations

import html

from ..capture.status import Status


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
            style = ' style="color:var(--jp-error-color1,#d32f2f)"' if label == "error" else ""
            cells.append(
                f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
                f"<td style='text-align:left'{style}>{html.escape(value)}</td></tr>"
            )
        return f"<table class='nbops-status'>{''.join(cells)}</table>"

    def __repr__(self) -> str:
        return self.text()
