"""A pipeline file and how its last run went, step by step (the lab's pipeline view).

The last run is the newest parent run of the pipeline in its experiment. Once it ended, its
summary (``pipeline.json``) tells each step's status, run, seconds and snapshots; while it runs,
its child runs tell how far it got, so that a view asking again follows it step by step.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..config import experiment_name, load_settings
from ..exceptions import NotFoundError
from ..names import (
    KIND_PIPELINE,
    PARENT_TAG,
    PIPELINE_STEP_TAG,
    PIPELINE_SUMMARY_FILE,
    PIPELINE_TAG,
    RUN_KIND_TAG,
)
from ..store import RunSummary, Store, open_store
from .dag import build_dag, render_mermaid
from .spec import read_pipeline

MAX_STEP_RUNS = 1000


def pipeline_state(path: str | Path) -> dict:
    """The pipeline at ``path``: its steps (target, upstream, inputs, outputs, parameters), its
    DAG as Mermaid text, and its last run with each step's status.

    Parameters
    ----------
    path:
        The ``pipeline.yaml`` file (a malformed one: the :class:`InputError` that names it).
    """
    spec = read_pipeline(path)
    dag = build_dag(spec)
    store = open_store(load_settings(spec.project))
    experiment = experiment_name(spec.path, spec.project)
    runs = store.list_runs(
        experiment, 1, tags={PIPELINE_TAG: spec.name, RUN_KIND_TAG: KIND_PIPELINE}
    )
    last = runs[0] if runs else None
    steps = step_states(store, experiment, last) if last else {}
    return {
        "name": spec.name,
        "steps": [
            {
                "name": name,
                "target": _shown_target(spec.steps[name].target, spec.path.parent),
                "upstream": sorted(dag.upstream[name]),
                "inputs": spec.steps[name].inputs,
                "outputs": spec.steps[name].outputs,
                "parameters": {k: str(v) for k, v in spec.steps[name].parameters.items()},
                "last": steps.get(name),
            }
            for name in dag.order
        ],
        "mermaid": render_mermaid(dag),
        "last_run": run_state(last) if last else None,
    }


def _shown_target(target: str, folder: Path) -> str:
    """A notebook relative to the pipeline's folder; an exported step as written."""
    if target.endswith(".ipynb"):
        try:
            return Path(target).relative_to(folder).as_posix()
        except ValueError:
            return Path(target).name
    return target


def run_state(run: RunSummary) -> dict:
    """A run as the pipeline view shows it: id, status, start time, seconds it took."""
    seconds = (run.end_time - run.start_time) / 1000 if run.end_time and run.start_time else None
    return {"run_id": run.run_id, "status": run.status, "start_time": run.start_time,
            "seconds": seconds}  # fmt: skip


def step_states(store: Store, experiment: str, parent: RunSummary) -> dict[str, dict]:
    """Each step's state in the run ``parent``: from its summary once it ended, else from its
    child runs (the newest per step)."""
    if parent.status != "RUNNING":
        try:
            summary = json.loads(store.load_text(parent.run_id, PIPELINE_SUMMARY_FILE))
        except NotFoundError:  # ended before writing it (killed): its children tell
            summary = None
        if summary:
            return {
                name: {"status": s.get("status"), "run_id": s.get("run_id"),
                       "seconds": s.get("seconds"), "error": s.get("error"),
                       "inputs": s.get("inputs") or {}, "outputs": s.get("outputs") or {}}
                for name, s in summary.get("steps", {}).items()
            }  # fmt: skip
    children = store.list_runs(experiment, MAX_STEP_RUNS, tags={PARENT_TAG: parent.run_id})
    states: dict[str, dict] = {}
    for child in children:  # newest first: the first per step is its latest attempt
        name = child.tags.get(PIPELINE_STEP_TAG)
        if name and name not in states:
            states[name] = {**run_state(child), "error": child.tags.get("nbops.error"),
                            "inputs": {}, "outputs": {}}  # fmt: skip
    return states
