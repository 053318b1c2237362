"""``nbops run TARGET --sweep NAME=v1,v2``: every combination as a child run of one parent."""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import load_settings
from ..exceptions import InputError
from ..execution.coordinator import Job, Outcome
from ..execution.environments import precheck
from ..execution.options import Placement, RunOptions
from ..names import (
    KIND_SWEEP,
    PARENT_TAG,
    SWEEP_BEST_RUN_TAG,
    SWEEP_BEST_TAG,
    SWEEP_INDEX_TAG,
    SWEEP_TABLE_FILE,
)
from ..steps.schema import parse_parameters
from ..steps.target import Prepared, prepare
from ..store import Metric
from .parents import end_parent, executor_and_store, parent_run

QUIET_ABOVE = 50  # runs; above, progress is a summary line every tenth of the way
MIN_WINDOW = 8  # jobs submitted ahead of the executor, at least
MAX_LISTED = 50_000  # MLflow's most runs in one search


def parse_sweeps(items: list[str]) -> dict[str, list[str]]:
    """Parse ``NAME=v1,v2,...`` options into values by name; :class:`InputError` if malformed."""
    sweeps: dict[str, list[str]] = {}
    for item in items:
        name, eq, values = item.partition("=")
        name = name.strip()
        choices = [v.strip() for v in values.split(",") if v.strip()]
        if not eq or not name or not choices:
            raise InputError(
                f"--sweep {item!r} is not NAME=v1,v2,...", "E.g. --sweep alpha=0.1,1,10."
            )
        if name in sweeps:
            raise InputError(
                f"--sweep names {name!r} twice.", "Give all its values in one --sweep."
            )
        sweeps[name] = choices
    return sweeps


@dataclass
class SweepRow:
    """One combination: its values, how its run ended, and the chosen metric."""

    values: dict[str, str]
    outcome: Outcome
    metric: float | None = None

    @property
    def label(self) -> str:
        """``a=1 b=x``: the combination as text."""
        return " ".join(f"{k}={v}" for k, v in self.values.items())


@dataclass
class SweepResult:
    """The parent run and the rows, best first when a metric was chosen."""

    run_id: str
    status: str
    metric: str | None
    rows: list[SweepRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every combination finished."""
        return self.status == "FINISHED"


def run_sweep(
    target: str,
    sweeps: dict[str, list[str]],
    parameters: dict[str, object] | None = None,
    metric: str | None = None,
    maximize: bool = False,
    options: RunOptions | None = None,
    placement: Placement | None = None,
    echo: Callable[[str], None] = print,
) -> SweepResult:
    """Run ``target`` once per combination of the swept values (a grid).

    Parameters
    ----------
    target:
        A notebook path, a step folder, a step ``name`` or ``name@version``.
    sweeps:
        Values by parameter name (strings, parsed to the schema's types).
    parameters:
        Fixed values for the other parameters.
    metric:
        The metric the table is sorted by (smallest first, largest with ``maximize``).
    maximize:
        Sort by ``metric`` descending.
    options, placement:
        How each combination's run executes, and where: as for
        :func:`nbops.pipeline.orchestrate.run_pipeline`.
    echo:
        Where progress lines go.
    """
    options = options or RunOptions()
    combos = [
        dict(zip(sweeps, values, strict=True)) for values in itertools.product(*sweeps.values())
    ]
    first = prepare(target, {**(parameters or {}), **combos[0]})  # the notebook is read once
    schema = first.target.schema
    jobs = [
        Prepared(first.target, parse_parameters(schema, {**(parameters or {}), **c}))
        for c in combos
    ]
    precheck(jobs[0], options.strict_env, echo)
    settings = load_settings(jobs[0].target.project)
    pool, store = executor_and_store(placement or Placement(), settings)
    experiment = jobs[0].target.experiment
    name = f"sweep {jobs[0].target.notebook.stem} ({len(combos)} runs)"
    quiet = len(combos) > QUIET_ABOVE
    with parent_run(
        pool,
        store,
        settings,
        experiment,
        name,
        KIND_SWEEP,
        jobs[0].target.tags,
        echo,
        options,
        quiet,
    ) as (parent, coordinator):
        store.log_batch(parent, params={f"sweep.{k}": ",".join(v) for k, v in sweeps.items()})
        outcomes = _dispatch(coordinator, pool.capacity, combos, jobs, experiment, parent, echo)
    rows = _rows(store, parent, experiment, combos, outcomes, metric, maximize)
    _keep_table(store, parent, rows, metric)
    status = end_parent(store, parent, (r.outcome for r in rows))
    return SweepResult(parent, status, metric, rows)


def _dispatch(coordinator, capacity, combos, jobs, experiment, parent, echo) -> dict[str, Outcome]:
    """Keep the executor busy with a window of jobs, their runs opened in batches as they are
    dispatched; return every outcome by label. Above ``QUIET_ABOVE`` runs, a summary line every
    tenth of the way replaces the line per run."""
    window = max(MIN_WINDOW, 2 * capacity)
    pending = iter(enumerate(zip(combos, jobs, strict=True)))
    outcomes: dict[str, Outcome] = {}
    shown = 0
    while True:
        if coordinator.in_flight <= window // 2:
            batch = []
            for i, (combo, prepared) in itertools.islice(pending, window - coordinator.in_flight):
                label = " ".join(f"{k}={v}" for k, v in combo.items())
                tags = {PARENT_TAG: parent, SWEEP_INDEX_TAG: str(i)}
                batch.append(Job(label, prepared, experiment, tags, name=label))
            coordinator.submit_many(batch)
        if not coordinator.busy:
            return outcomes
        outcomes.update({o.key: o for o in coordinator.next_outcomes()})
        if coordinator.quiet and len(outcomes) * 10 // len(combos) > shown:
            shown = len(outcomes) * 10 // len(combos)
            failed = sum(not o.ok for o in outcomes.values())
            echo(f"{len(outcomes):,} of {len(combos):,} runs done, {failed:,} not finished")


def _rows(store, parent, experiment, combos, outcomes, metric, maximize) -> list[SweepRow]:
    values = _metric_values(store, parent, experiment, outcomes, metric) if metric else {}
    rows = []
    for combo in combos:
        outcome = outcomes[" ".join(f"{k}={v}" for k, v in combo.items())]
        rows.append(SweepRow(combo, outcome, values.get(outcome.run_id)))
    if metric:
        sign = -1 if maximize else 1
        rows.sort(key=lambda r: (r.metric is None or math.isnan(r.metric), sign * (r.metric or 0)))
    return rows


def _metric_values(store, parent, experiment, outcomes, metric) -> dict[str, float]:
    """``metric`` of each outcome's run: one listing of the parent's children (not a request
    per run); a run the listing misses is asked for alone."""
    wanted = {o.run_id for o in outcomes.values() if o.run_id}
    limit = min(MAX_LISTED, 2 * len(wanted))
    children = store.list_runs(experiment, limit, tags={PARENT_TAG: parent})
    values = {r.run_id: r.metrics.get(metric) for r in children if r.run_id in wanted}
    for run_id in wanted - values.keys():
        values[run_id] = store.get_run(run_id).metrics.get(metric)
    return values


def _keep_table(store, run_id: str, rows: list[SweepRow], metric: str | None) -> None:
    """Keep the table as ``sweep.csv`` in the parent; the best value and run as metric and tag."""
    out = io.StringIO()
    writer = csv.writer(out)
    names = list(rows[0].values) if rows else []
    writer.writerow([*names, "status", metric or "metric", "run_id"])
    for row in rows:
        value = "" if row.metric is None else row.metric
        writer.writerow([*row.values.values(), row.outcome.status, value, row.outcome.run_id])
    store.log_text(run_id, out.getvalue(), SWEEP_TABLE_FILE)
    best = next((r for r in rows if r.metric is not None), None)
    if metric and best is not None:
        store.log_batch(
            run_id,
            metrics=[Metric(f"best_{metric}", best.metric)],
            tags={SWEEP_BEST_RUN_TAG: best.outcome.run_id, SWEEP_BEST_TAG: best.label},
        )
