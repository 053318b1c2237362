"""The report of a recorded run, read from the store: for the CLI, the server and a headless run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..store import Store
from .diff import Changes, baseline, diff_runs
from .exporter import render_report
from .notebooks import load_run_notebook


def report_html(
    store: Store,
    run_id: str,
    no_input: bool = False,
    notebook=None,
    folder: Path | None = None,
    ending: dict | None = None,
    against: str | None = None,
    catalog=None,
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
    against:
        Add a "Changes since" block: ``"auto"`` against :func:`~nbops.reports.diff.baseline`'s
        run (none if there is none), or a whole run id; ``None``: no block.
    catalog:
        The project's snapshot catalog, for the rows of changed data in that block.
    """
    run = store.get_run(run_id)  # first: an unknown run is NotFoundError
    if ending:
        run = dataclasses.replace(run, **ending)
    nb = notebook if notebook is not None else load_run_notebook(store, run_id)
    registry = model_registry(store, run_id)
    datasets = store.datasets(run_id)
    changes = _changes(store, catalog, run, registry, against, not no_input)
    return render_report(nb, run, store.display_uri, datasets, no_input, folder, registry, changes)


def _changes(
    store: Store, catalog, run, registry: list[dict], against: str | None, code: bool
) -> Changes | None:
    if against is None:
        return None
    found = baseline(store, run, registry) if against == "auto" else (against, "the run asked for")
    if found is None or found[0] == run.run_id:
        return None
    return Changes(diff_runs(store, catalog, found[0], run.run_id), found[1], code)


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
