"""The report of a recorded run, read from the store: for the CLI, the server and a headless run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import nbformat

from ..exceptions import NotFoundError
from ..names import EXECUTED_FOLDER, NOTEBOOK_FOLDER
from ..store import Store
from .exporter import render_report


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


def report_html(
    store: Store,
    run_id: str,
    no_input: bool = False,
    notebook=None,
    folder: Path | None = None,
    ending: dict | None = None,
) -> str:
    """The report of ``run_id``: one self-contained, sanitized HTML page.

    Parameters
    ----------
    store:
        Where the run is.
    run_id:
        The run.
    no_input:
        Hide all code.
    notebook:
        The notebook to show, when the caller already holds it (a headless run that just
        executed it); by default the run's executed notebook, else the one it saved.
    folder:
        Where the notebook's relative image paths are looked up (for embedding).
    ending:
        ``status`` and ``end_time`` to show for a run about to end (a report written before
        the run ends, so that a run is never FINISHED without its report).
    """
    run = store.get_run(run_id)  # first: an unknown run is NotFoundError
    if ending:
        run = dataclasses.replace(run, **ending)
    nb = notebook if notebook is not None else load_run_notebook(store, run_id)
    registry = model_registry(store, run_id)
    datasets = store.datasets(run_id)
    return render_report(nb, run, store.display_uri, datasets, no_input, folder, registry)


def model_registry(store: Store, run_id: str) -> list[dict]:
    """The model versions registered from the run, each with its model's champion's metrics."""
    versions = store.model_versions([run_id])
    champions: dict[str, dict] = {}
    for version in versions:
        champion = version.get("champion_run")
        if champion and champion not in champions:
            champions[champion] = store.get_run(champion).metrics
        version["champion_metrics"] = champions.get(champion, {}) if champion else {}
    return versions
