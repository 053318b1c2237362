"""``nbops pipeline run``: every step of a pipeline file, in DAG order, in parallel where it can.

One parent MLflow run holds the pipeline file, its DAG and a summary; each step that runs is a
child run (``mlflow.parentRunId``) that reads the exact snapshots its upstream steps wrote. A step
whose cache key matches an earlier finished run is not run again; a failed step stops only the
steps downstream of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import experiment_name, load_settings
from ..data.registry import catalog_for
from ..exceptions import InputError, NotFoundError
from ..execution.coordinator import Coordinator, Job, Outcome
from ..execution.environments import precheck
from ..execution.options import Placement, RunOptions
from ..names import (
    DAG_FILE,
    KIND_PIPELINE,
    PARENT_TAG,
    PIPELINE_STEP_TAG,
    PIPELINE_SUMMARY_FILE,
    PIPELINE_TAG,
)
from ..notifications import without_urls
from ..steps.target import Prepared, prepare
from .cache import decide
from .dag import Dag, build_dag, render_mermaid
from .notices import notify_pipeline
from .parents import end_parent, executor_and_store, parent_run
from .spec import apply_overrides, read_pipeline


@dataclass
class PipelineResult:
    """The parent run and how every step ended."""

    run_id: str
    status: str
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every step finished or was cached."""
        return self.status == "FINISHED"


def run_pipeline(
    path: str | Path,
    overrides: list[tuple[str, str]] | None = None,
    options: RunOptions | None = None,
    placement: Placement | None = None,
    force: bool = False,
    echo: Callable[[str], None] = print,
    tags: dict[str, str] | None = None,
) -> PipelineResult:
    """Run a pipeline file; return the parent run and each step's outcome.

    Parameters
    ----------
    path:
        The ``pipeline.yaml`` file.
    overrides:
        ``("step.name", "value")`` pairs (``-p STEP.NAME VALUE``).
    options:
        How each step runs (timeouts; ``strict_env`` refuses the pipeline when a step's lock
        and its kernel's packages differ, checked here first and again by the step's worker).
    placement:
        Where steps run: the executor (``local``, ``dask`` or an installed one), how many at
        once, its cluster (a Dask scheduler ``tcp://HOST:8786``; none starts a local one).
    force:
        Run every step, even those whose cache key matches an earlier run.
    echo:
        Where progress lines go.
    tags:
        Extra tags of the parent run (e.g. the scheduler run it belongs to).

    Every bad input (the file, the DAG, a parameter, the executor) raises before anything runs.
    """
    options = options or RunOptions()
    spec = read_pipeline(path)
    apply_overrides(spec, overrides or [])
    dag = build_dag(spec)
    prepared = {
        name: prepare(step.target, step.parameters, cwd=spec.path.parent)
        for name, step in spec.steps.items()
    }
    for ready in prepared.values():
        precheck(ready, options.strict_env, echo)
    settings = load_settings(spec.project)
    pool, store = executor_and_store(placement or Placement(), settings)
    dag.external = _pin_made_elsewhere(dag, catalog_for(settings))
    experiment = experiment_name(spec.path, spec.project)
    tags = {PIPELINE_TAG: spec.name, **(tags or {})}
    with parent_run(
        pool, store, settings, experiment, f"pipeline {spec.name}", KIND_PIPELINE, tags, echo,
        options,
    ) as (parent, coordinator):  # fmt: skip
        keep_definition(store, parent, dag)
        outcomes = _drive(dag, prepared, coordinator, parent, experiment, force)
    keep_summary(store, parent, dag, outcomes)
    status = end_parent(store, parent, outcomes.values())
    notify_pipeline(spec, settings, parent, status, outcomes)
    return PipelineResult(parent, status, outcomes)


def _drive(
    dag: Dag,
    prepared: dict[str, Prepared],
    coordinator: Coordinator,
    parent: str,
    experiment: str,
    force: bool,
) -> dict[str, Outcome]:
    """Start each step once its upstream steps are done; collect outcomes until all are in."""
    done: dict[str, Outcome] = {}
    pending = list(dag.order)
    while pending or coordinator.busy:
        for name in [n for n in pending if all(u in done for u in dag.upstream[n])]:
            pending.remove(name)
            outcome = _start(
                name, dag, prepared[name], done, coordinator, parent, experiment, force
            )
            if outcome is not None:
                done[name] = outcome
        if coordinator.busy:
            done.update({o.key: o for o in coordinator.next_outcomes()})
    return done


def _pin_made_elsewhere(dag: Dag, catalog) -> dict[str, str]:
    """The latest version of each input made elsewhere, pinned for the whole run: every step
    reads the same one, and its id is part of the steps' cache keys."""
    pinned = {}
    for name in dag.made_elsewhere:
        try:
            pinned[name] = catalog.resolve(name).id
        except NotFoundError as err:
            readers = [s for s, step in dag.spec.steps.items() if name in step.inputs]
            raise InputError(
                f"{dag.spec.path}: step {readers[0]!r} reads the snapshot {name!r}, made by "
                f"another pipeline, and no snapshot has that name in {catalog.location}.",
                "Run what writes it first, or check the name (see `nbops snapshots`).",
            ) from err
    return pinned


def _start(name, dag, prepared, done, coordinator, parent, experiment, force) -> Outcome | None:
    """Skip, reuse or submit one ready step; an outcome unless it was submitted."""
    echo, step = coordinator.echo, dag.spec.steps[name]
    failed = sorted(u for u in dag.upstream[name] if not done[u].ok)
    if failed:
        echo(f"skipped   {name}: upstream {', '.join(failed)} did not finish")
        return Outcome(name, "SKIPPED", error=f"upstream {', '.join(failed)} did not finish")
    pins = {i: dag.pin(i, done) for i in step.inputs}
    missing = sorted(i for i, v in pins.items() if v is None)
    if missing:
        error = f"its input {', '.join(missing)} was not written by {dag.producers[missing[0]]}"
        echo(f"FAILED    {name}: {error}")
        return Outcome(name, "FAILED", error=error)
    decision = decide(
        coordinator.store, coordinator.settings, experiment, name, prepared, pins, step, force
    )
    if decision.line():
        echo(decision.line())
    if decision.cached:
        return Outcome(name, "CACHED", decision.run.run_id, outputs=decision.outputs)
    tags = {PARENT_TAG: parent, PIPELINE_STEP_TAG: name, **decision.tags()}
    job = Job(name, prepared, experiment, tags, pins, name=name, private=True)
    job.files, job.resources = step.files, step.resources
    coordinator.submit(job)
    return None


def keep_definition(store, run_id: str, dag: Dag) -> None:
    """Keep the pipeline file (its notify URLs in their privacy form) and its ``dag`` (Mermaid)
    in the parent run ``run_id``."""
    text = dag.spec.path.read_text(encoding="utf-8")
    store.log_text(run_id, without_urls(text, dag.spec.notify), dag.spec.path.name)
    store.log_text(run_id, render_mermaid(dag), DAG_FILE)


def keep_summary(store, run_id: str, dag: Dag, outcomes: dict[str, Outcome]) -> None:
    """Keep each step's status, run, inputs and outputs (the lineage) in the parent run.

    Parameters
    ----------
    store:
        Where the run is.
    run_id:
        The parent run.
    dag:
        The pipeline's DAG.
    outcomes:
        How each step ended, by step.
    """
    steps = {
        name: {
            "status": o.status,
            "run_id": o.run_id,
            "error": o.error,
            "attempts": o.attempts,
            "seconds": round(o.seconds, 2),
            "upstream": sorted(dag.upstream[name]),
            "inputs": {i: dag.pin(i, outcomes) for i in dag.spec.steps[name].inputs},
            "outputs": o.outputs,
        }
        for name, o in outcomes.items()
    }
    store.log_text(run_id, json.dumps({"steps": steps}, indent=1), PIPELINE_SUMMARY_FILE)
    counts: dict[str, int] = {}
    for o in outcomes.values():
        counts[o.status] = counts.get(o.status, 0) + 1
    store.log_batch(run_id, tags={f"nbops.steps.{k.lower()}": str(v) for k, v in counts.items()})
