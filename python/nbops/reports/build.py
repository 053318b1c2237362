"""Build the report of a recorded run from its artifacts (``nbops report``)."""

from __future__ import annotations

from pathlib import Path

import nbformat

from ..capture.environment import NOTEBOOK_FOLDER
from ..capture.session import current_session
from ..exceptions import NotFoundError
from .exporter import render_report

EXECUTED_FOLDER = "executed"


def report_notebook(store, run_id: str) -> str:
    """The artifact path of the notebook a run's report shows (executed, else as saved)."""
    for folder in (EXECUTED_FOLDER, NOTEBOOK_FOLDER):
        notebooks = [p for p in store.list_artifacts(run_id, folder) if p.endswith(".ipynb")]
        if notebooks:
            return notebooks[0]
    raise NotFoundError(
        f"Run {run_id} kept no notebook to report on.",
        "Reports need a run made by `nbops run` or from a notebook with nbops loaded.",
    )


def build_report(run_id: str, output: Path, no_input: bool = False) -> Path:
    """Render the report of ``run_id`` into ``output`` and return its path.

    Parameters
    ----------
    run_id:
        The run, in the store of the working directory's project.
    output:
        The HTML file to write.
    no_input:
        Hide all code.

    The executed notebook of a headless run is used, else the notebook an interactive run saved.
    """
    store = current_session().store
    run = store.get_run(run_id)
    nb = nbformat.reads(store.load_text(run_id, report_notebook(store, run_id)), as_version=4)
    html = render_report(nb, run, store.uri, store.datasets(run_id), no_input=no_input)
    output.write_text(html, encoding="utf-8")
    return output
