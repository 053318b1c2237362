"""The notebook a recorded run kept, as its report and its diffs show it."""

from __future__ import annotations

import nbformat

from ..exceptions import NotFoundError
from ..names import EXECUTED_FOLDER, NOTEBOOK_FOLDER
from ..store import Store


def report_notebook(store: Store, run_id: str) -> str:
    """The artifact path of the notebook a run's report shows (executed, else as saved).

    Parameters
    ----------
    store:
        Where the run is.
    run_id:
        The run.
    """
    for folder in (EXECUTED_FOLDER, NOTEBOOK_FOLDER):
        notebooks = [p for p in store.list_artifacts(run_id, folder) if p.endswith(".ipynb")]
        if notebooks:
            return notebooks[0]
    raise NotFoundError(
        f"Run {run_id} kept no notebook to report on.",
        "Reports need a run made by `nbops run` or from a notebook with nbops loaded.",
    )


def load_run_notebook(store: Store, run_id: str):
    """The notebook a run's report shows, read from the store (an nbformat node)."""
    return nbformat.reads(store.load_text(run_id, report_notebook(store, run_id)), as_version=4)
