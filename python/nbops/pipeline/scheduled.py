"""A pipeline run by a scheduler one task per step (Airflow), with the records of ``nbops pipeline
run``: one parent run per scheduler run, a child run per step reading exactly the snapshots its
upstream steps wrote, caching, and retried attempts that never stay RUNNING.

The generated DAG calls three commands (``nbops scheduled open|step|close``), each in its own
process; between them only ids travel (the parent run's id, snapshot ids by name), never data.

- :func:`open_parent` finds the parent run of a scheduler run by its key, or opens it: a retried
  ``open`` task never opens a second one;
- :func:`run_step` ends what an earlier attempt of the step left RUNNING, reuses a cached result,
  or runs the step in a child run;
- :func:`close_parent` records each step's outcome and ends the parent FINISHED or FAILED.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from ..config import experiment_name, load_settings
from ..execution.coordinator import Outcome
from ..execution.environments import precheck
from ..execution.run import end_if_running, execute_task, make_task, open_run
from ..names import (
    AIRFLOW_KEY_TAG,
    AIRFLOW_LOGICAL_DATE_TAG,
    AIRFLOW_RUN_TAG,
    KIND_PIPELINE,
    PARENT_TAG,
    PIPELINE_STEP_TAG,
    PIPELINE_TAG,
    RUN_DATE_PARAMETER,
    SCHEDULE_TAG,
)
from ..steps.target import prepare, resolve_target
from ..store import open_store
from .cache import decide
from .dag import build_dag
from .notices import notify_pipeline
from .orchestrate import keep_definition, keep_summary
from .parents import end_parent, start_parent
from .spec import read_pipeline

MAX_STEP_RUNS = 1000


def _context(path):
    spec = read_pipeline(path)
    settings = load_settings(spec.project)
    store = open_store(settings)
    return spec, settings, store, experiment_name(spec.path, spec.project)


def run_key(key: str) -> str:
    """The tag value that finds the parent run of a scheduler run (e.g. ``dag_id/run_id``)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def open_parent(
    path, key: str, scheduler_run: str = "", logical_date: str = "", schedule: str = ""
) -> str:
    """The parent run of the scheduler run ``key``: found again, or opened now.

    Parameters
    ----------
    path:
        The pipeline file.
    key:
        What names the scheduler's run uniquely (Airflow: ``dag_id/run_id``).
    scheduler_run:
        The scheduler's own run id, kept as a tag.
    logical_date:
        The scheduler's logical date, kept as a tag.
    schedule:
        The schedule (the DAG id), kept as a tag: the lab's Schedules section lists its runs.
    """
    spec, _, store, experiment = _context(path)
    found = store.list_runs(experiment, limit=1, tags={AIRFLOW_KEY_TAG: run_key(key)})
    if found:
        return found[0].run_id
    tags = {
        PIPELINE_TAG: spec.name,
        AIRFLOW_KEY_TAG: run_key(key),
        AIRFLOW_RUN_TAG: scheduler_run,
        AIRFLOW_LOGICAL_DATE_TAG: logical_date,
        **({SCHEDULE_TAG: schedule} if schedule else {}),
    }
    # the task's process ends long before the run does: no process tags
    parent = start_parent(
        store, experiment, f"pipeline {spec.name}", KIND_PIPELINE, tags, process=False
    )
    keep_definition(store, parent, build_dag(spec))
    return parent


def run_step(
    path,
    name: str,
    parent: str,
    pins: dict[str, str],
    logical_date: str = "",
    force: bool = False,
    echo: Callable[[str], None] = print,
) -> Outcome:
    """Run one step of the parent run ``parent``, reading the snapshots ``pins`` (ids by name).

    Parameters
    ----------
    path:
        The pipeline file.
    name:
        The step.
    parent:
        The parent run (from :func:`open_parent`).
    pins:
        Snapshot ids by name that the upstream steps wrote; the step reads those of its inputs.
    logical_date:
        Given to the notebook as ``run_date`` when its parameters cell declares it.
    force:
        Run even when an earlier finished run has the same cache key.
    echo:
        Where progress lines go (the task's log).
    """
    spec, settings, store, experiment = _context(path)
    step = spec.steps[name]
    parameters = dict(step.parameters)
    schema = resolve_target(step.target, cwd=spec.path.parent).schema
    if logical_date and any(p.name == RUN_DATE_PARAMETER for p in schema):
        parameters[RUN_DATE_PARAMETER] = logical_date
    prepared = prepare(step.target, parameters, cwd=spec.path.parent)
    mine = {i: pins[i] for i in step.inputs if i in pins}
    for earlier in store.list_runs(
        experiment, MAX_STEP_RUNS, "RUNNING", {PARENT_TAG: parent, PIPELINE_STEP_TAG: name}
    ):
        why = "the scheduler retried the step: this attempt's process ended without ending it"
        end_if_running(store, earlier.run_id, "FAILED", why)
    decision = decide(store, settings, experiment, name, prepared, mine, step, force)
    if decision.line():
        echo(decision.line())
    if decision.cached:
        return Outcome(name, "CACHED", decision.run.run_id, outputs=decision.outputs)
    parent_tags = store.get_run(parent).tags
    tags = {
        PARENT_TAG: parent,
        PIPELINE_STEP_TAG: name,
        **decision.tags(),
        AIRFLOW_RUN_TAG: parent_tags.get(AIRFLOW_RUN_TAG, ""),
        AIRFLOW_LOGICAL_DATE_TAG: parent_tags.get(AIRFLOW_LOGICAL_DATE_TAG, ""),
    }
    precheck(prepared, False, echo)  # the differences go to the task's log
    run_id = open_run(prepared, settings, experiment, name, tags)
    echo(f"started   {name} (run {run_id})")
    task = make_task(prepared, settings, run_id, key=name, pins=mine, private=True,
                     files={**prepared.target.files, **step.files})  # fmt: skip
    result = execute_task(task)
    echo(f"{'done' if result.ok else result.status:<9} {name}: {result.error or 'ok'}")
    return Outcome(name, result.status, run_id, result.error, result.outputs)


def close_parent(path, parent: str, outcomes: dict[str, Outcome]) -> str:
    """Record each step's outcome in the parent run and end it; return its status.

    Steps missing from ``outcomes`` (their task failed, or never ran) are read from their latest
    child run, else counted as not run.

    Parameters
    ----------
    path:
        The pipeline file.
    parent:
        The parent run.
    outcomes:
        What the step tasks returned, by step.
    """
    spec, settings, store, experiment = _context(path)
    dag = build_dag(spec)
    children = store.list_runs(experiment, MAX_STEP_RUNS, tags={PARENT_TAG: parent})
    complete = dict(outcomes)
    for name in dag.order:
        if name in complete:
            continue
        latest = next((r for r in children if r.tags.get(PIPELINE_STEP_TAG) == name), None)
        if latest is None:
            complete[name] = Outcome(name, "SKIPPED", error="not run: an upstream step failed")
        else:
            error = latest.tags.get("nbops.error")
            complete[name] = Outcome(name, latest.status, latest.run_id, error)
        for run in children:  # nothing of this scheduler run stays RUNNING
            if run.tags.get(PIPELINE_STEP_TAG) == name:
                end_if_running(store, run.run_id, "FAILED", "its task ended without ending it")
    ordered = {name: complete[name] for name in dag.order}
    keep_summary(store, parent, dag, ordered)
    status = end_parent(store, parent, ordered.values())
    notify_pipeline(spec, settings, parent, status, ordered)
    return status
