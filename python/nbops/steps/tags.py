"""The cell tags nbops reads, in cell metadata as JupyterLab's property inspector writes them.

============================  ===========================================================
``parameters``                papermill's parameters cell: its assignments are the step's
                              parameters (type, default, and help from a trailing comment)
``nbops:skip``                exploration cell, dropped from the exported step
``nbops:report-hide``         kept and executed, but hidden from run reports
============================  ===========================================================
"""

from __future__ import annotations

from ..names import PARAMETERS, REPORT_HIDE, SKIP

TAGS = {
    PARAMETERS: "papermill's parameters cell: its assignments are the step's parameters",
    SKIP: "an exploration cell, dropped from the exported step",
    REPORT_HIDE: "kept and executed, but hidden from run reports",
}


def cell_tags(cell: dict) -> list[str]:
    """The tags of a notebook cell (empty if it has none)."""
    return list(cell.get("metadata", {}).get("tags", []) or [])


def has_tag(cell: dict, tag: str) -> bool:
    """Whether ``cell`` carries ``tag``."""
    return tag in cell_tags(cell)
