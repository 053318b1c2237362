"""``nbops reproduce RUN``: run a recorded run again, exactly as recorded, and give a verdict.

The run's notebook (its exported step version, else the notebook it kept), its parameters and
the very snapshots it read (by fingerprint, through the pins a pipeline step uses) are executed
as a new run tagged ``nbops.reproduces``, on the headless path every run takes
(:mod:`nbops.execution.run`), in the current environment or in one rebuilt from the record
(:mod:`nbops.execution.environments`). Its metrics and snapshots are then compared with the
original's (:mod:`nbops.reproduction.verdict`), and the verdict is kept on both runs and in the new
run's report.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..config import Settings, load_settings
from ..data.catalog import READ, WRITE, Catalog
from ..data.snapshot import catalog_for, read_snapshot
from ..exceptions import EnvironmentBuildError, InputError, NbopsError, NotFoundError
from ..execution.environments import check_option, check_packages, kernel_packages, rebuild
from ..execution.run import execute_task, make_task, open_run
from ..execution.task import RunResult
from ..names import (
    ENVIRONMENT_FILE,
    EXECUTED_FOLDER,
    KIND_REPRODUCTION,
    NOTEBOOK_FOLDER,
    NOTEBOOK_TAG,
    PARAMETERS,
    REPORT_FILE,
    REPRODUCED_BY_TAG,
    REPRODUCES_TAG,
    REPRODUCTION_FILE,
    REPRODUCTIONS_FOLDER,
    RUN_KIND_TAG,
    SOURCE_TAG,
    STEP_TAG,
    STEP_VERSION_TAG,
    VERDICT_NOTE_TAG,
    VERDICT_TAG,
)
from ..notifications import Notice, project_targets, report_hint, send
from ..steps.export import read_notebook
from ..steps.kernels import choose_kernel
from ..steps.schema import infer_schema, parse_parameters
from ..steps.tags import has_tag
from ..steps.target import Prepared, Target, prepare
from ..store import RunSummary, Store, finished_run, open_store
from . import verdict as v

INTERACTIVE_NOTE = (
    "An interactive run: its saved notebook was executed top to bottom; the session may have "
    "run its cells in another order, or some more than once."
)


@dataclass
class Plan:
    """What re-executes a run: the prepared notebook, the snapshots it must read, and notes."""

    prepared: Prepared | None
    pins: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def reproduce(
    run_id: str,
    rtol: float = 0.0,
    atol: float = 0.0,
    env: str = "current",
    cwd: str | Path | None = None,
    echo=print,
    execute: Execute | None = None,
) -> v.Reproduction:
    """Re-execute run ``run_id`` as recorded, as a new run; compare; record the verdict.

    Parameters
    ----------
    run_id:
        The finished run to reproduce.
    rtol, atol:
        Relative and absolute tolerance for metrics and output values.
    env:
        ``current`` (run here; package differences are printed first) or ``rebuild`` (a
        virtual environment with the run's recorded packages).
    cwd:
        A folder of the project whose store holds the run (default: the working directory).
    echo:
        Called with each line to show before the run starts.
    execute:
        What executes the new run (default: :func:`execute_here`, in this process; the lab's
        server passes its job system's, on the executor it is configured with).

    An unknown run id or a malformed option is an :class:`InputError`; nothing is recorded.
    """
    rtol, atol = v.check_tolerance(rtol, "--rtol"), v.check_tolerance(atol, "--atol")
    check_option(env)
    settings = load_settings(Path(cwd) if cwd else None)
    targets = project_targets(settings.project)
    store = open_store(settings)
    original = _original(store, run_id)
    with tempfile.TemporaryDirectory(prefix="nbops-reproduce-") as scratch:
        plan = _plan(store, settings, original, Path(scratch))
        catalog = catalog_for(settings)
        plan.missing += _missing_inputs(catalog, plan.pins)
        python = None if plan.missing else _environment(store, original, plan, env, echo)
        result = v.Reproduction(run_id, None, v.NOT_REPRODUCIBLE, rtol, atol, env)
        result.notes, result.missing = plan.notes, plan.missing
        ran = None
        if not plan.missing:
            ran = _execute(plan, settings, original, python, execute or execute_here)
            result.run_id = ran.run_id
            _judge(result, store, catalog, original, ran)
    _record(store, result, ran)
    if result.verdict == v.DIFFERENT and targets:
        send(different_notice(result, original, settings.display_uri), targets)
    return result


def different_notice(result: v.Reproduction, original: RunSummary, store: str) -> Notice:
    """``reproduction-different``: the two runs, what differs and the reproduction's report."""
    lines = [f"Run {result.original} ({original.experiment}) reproduced as run {result.run_id}"]
    lines[0] += f" on {store}: DIFFERENT."
    lines += [
        f"  {row.kind} {row.name}: {row.original} -> {row.reproduced}"
        for row in result.rows
        if row.status == v.DIFFERS
    ][:10]
    lines += result.explanations[:5]
    lines.append(report_hint(result.run_id))
    title = f"nbops: run {result.original[:8]} did not reproduce"
    return Notice("reproduction-different", title, "\n".join(lines))


def _original(store: Store, run_id: str) -> RunSummary:
    run = finished_run(store, run_id, "reproduced")
    if run.tags.get(RUN_KIND_TAG) in ("pipeline", "sweep"):
        raise InputError(
            f"Run {run_id} is the parent of a {run.tags[RUN_KIND_TAG]}; it ran no notebook.",
            "Reproduce one of its child runs (nbops runs lists them).",
        )
    return run


# -- what runs ------------------------------------------------------------------------------------


def _plan(store: Store, settings: Settings, original: RunSummary, scratch: Path) -> Plan:
    """The notebook to execute with its parameters, the pins, and what is missing."""
    tags = original.tags
    step = tags.get(STEP_TAG), tags.get(STEP_VERSION_TAG)
    plan = Plan(None, pins=_reads(catalog_for(settings), original.run_id))
    target = None
    if all(step):
        with contextlib.suppress(InputError, NotFoundError):  # exported elsewhere: its notebook
            target = prepare(f"{step[0]}@{step[1]}", cwd=settings.project).target
        if target is None:
            plan.notes.append(
                f"The step version {step[0]}@{step[1]} is not in this project's steps folder; "
                "the notebook kept with the run was executed."
            )
    target = target or _kept_notebook(store, settings, original, scratch, plan)
    if target is None:
        return plan
    interactive = RUN_KIND_TAG not in tags
    if interactive:
        plan.notes.append(INTERACTIVE_NOTE)
    plan.prepared = Prepared(target, _parameters(target, original, plan, interactive))
    return plan


def _kept_notebook(store, settings, original, scratch: Path, plan: Plan) -> Target | None:
    """A target for the notebook the run kept (as it ran, else as executed)."""
    for folder in (NOTEBOOK_FOLDER, EXECUTED_FOLDER):
        kept = [p for p in store.list_artifacts(original.run_id, folder) if p.endswith(".ipynb")]
        if kept:
            break
    else:
        plan.missing.append(f"the notebook: run {original.run_id} kept none")
        return None
    path = scratch / Path(kept[0]).name
    path.write_text(store.load_text(original.run_id, kept[0]), encoding="utf-8")
    nb = read_notebook(path)
    kernel = choose_kernel(nb.metadata, str(path))
    tagged = any(has_tag(c, PARAMETERS) for c in nb.cells)
    source = original.tags.get(SOURCE_TAG) or original.tags.get(NOTEBOOK_TAG) or path.name
    beside = (settings.project / source).parent  # where its relative files are, if still there
    return Target(
        notebook=path,
        schema=infer_schema(path, kernel) if tagged else [],
        project=settings.project,
        experiment=source,
        cwd=beside if beside.is_dir() else scratch,
        kernel=kernel,
        tags={SOURCE_TAG: source},
    )


def _parameters(target: Target, original: RunSummary, plan: Plan, interactive: bool) -> dict:
    """The run's logged parameters that the notebook's parameters cell declares."""
    declared = {p.name for p in target.schema}
    values = {k: val for k, val in original.params.items() if k in declared}
    left = sorted(original.params.keys() - declared)
    if left and interactive:
        plan.notes.append(
            "Parameters logged but not declared in the parameters cell, so not injected: "
            + ", ".join(left)
        )
    return parse_parameters(target.schema, values)


def _reads(catalog: Catalog, run_id: str) -> dict[str, str]:
    """The snapshots the run read, by name: the reproduction reads the same fingerprints."""
    return {e.name: e.id for e in catalog.records_of(run_id) if e.action == READ}


def _missing_inputs(catalog: Catalog, pins: dict[str, str]) -> list[str]:
    return [
        f"the data of input snapshot {name!r} ({snapshot_id[:12]})"
        for name, snapshot_id in pins.items()
        if not catalog.has(snapshot_id)
    ]


def _environment(store, original: RunSummary, plan: Plan, env: str, echo) -> str | None:
    """The interpreter to run (``None``: the kernel's own); package differences are shown."""
    if plan.prepared is None:
        return None
    try:
        recorded = json.loads(store.load_text(original.run_id, ENVIRONMENT_FILE))
    except NotFoundError:
        plan.notes.append("The run recorded no environment; it runs in the current one.")
        return None
    packages = recorded.get("packages") or {}
    if env == "rebuild":
        try:
            return str(rebuild(packages, recorded.get("python"), echo))
        except EnvironmentBuildError as err:
            plan.missing.append(f"its environment: {err}")
            return None
    check = check_packages(packages, kernel_packages(plan.prepared.target.kernel))
    if check:
        echo(f"The current environment differs from run {original.run_id}'s ({check.summary}):")
        for line in check.lines()[:30]:
            echo(f"  {line}")
        plan.notes.append(f"Ran in the current environment, which differs: {check.summary}.")
    return None


class Execute(Protocol):
    """Runs a prepared notebook as a new run and says how it ended."""

    def __call__(
        self,
        prepared: Prepared,
        settings: Settings,
        *,
        experiment: str,
        name: str | None,
        tags: dict[str, str],
        pins: dict[str, str],
        python: str | None,
    ) -> RunResult: ...


def execute_here(prepared, settings, *, experiment, name, tags, pins, python) -> RunResult:
    """Open the run and execute it in this process's worker, as ``nbops run`` does."""
    run_id = open_run(prepared, settings, experiment=experiment, name=name, tags=tags)
    return execute_task(make_task(prepared, settings, run_id, pins=pins, python=python))


def _execute(plan: Plan, settings: Settings, original: RunSummary, python, execute: Execute):
    return execute(
        plan.prepared,
        settings,
        experiment=original.experiment,
        name=f"reproduce-{original.name}" if original.name else None,
        tags={REPRODUCES_TAG: original.run_id, RUN_KIND_TAG: KIND_REPRODUCTION},
        pins=plan.pins,
        python=python,
    )


# -- the verdict ----------------------------------------------------------------------------------


def _judge(result: v.Reproduction, store, catalog: Catalog, original: RunSummary, ran) -> None:
    """Compare the new run with the original; fill in the verdict and what explains it."""
    if not ran.ok:
        result.missing.append(f"the notebook did not run to the end: {ran.error}")
    else:
        new = store.get_run(ran.run_id)
        result.rows = v.compare_metrics(original.metrics, new.metrics, result.rtol, result.atol)
        before, after = catalog.records_of(original.run_id), catalog.records_of(ran.run_id)
        tolerant = result.rtol > 0 or result.atol > 0
        close = (lambda a, b: _data_close(catalog, a, b, result)) if tolerant else None
        result.rows += v.compare_snapshots(
            "input", _written(before, "input"), _written(after, "input")
        )
        result.rows += v.compare_snapshots(
            "output", _written(before, "output"), _written(after, "output"), close
        )
        result.verdict = v.decide(result.rows)
    if result.verdict in (v.DIFFERENT, v.NOT_REPRODUCIBLE):
        result.explanations = _explanations(store, catalog, original, ran.run_id)


def _written(entries, role: str) -> dict[str, str]:
    """Snapshot ids by name: the outputs a run wrote, or the inputs it took or read."""
    return {
        e.name: e.id for e in entries if e.role == role and (e.action == WRITE or role == "input")
    }


def _data_close(catalog: Catalog, a: str, b: str, result: v.Reproduction) -> bool:
    try:
        return v.frames_close(
            read_snapshot(catalog, a), read_snapshot(catalog, b), result.rtol, result.atol
        )
    except NbopsError:
        return False


def _explanations(store, catalog: Catalog, original: RunSummary, run_id: str) -> list[str]:
    """What differs between the runs besides their results (``nbops diff``'s facets), and how
    each output that differs differs (``nbops data diff``'s rows and columns)."""
    from ..data.diff import data_diff
    from ..reports.diff import diff_runs

    found = diff_runs(store, catalog, original.run_id, run_id)
    lines = []
    if found.params:
        lines.append(f"parameters: {', '.join(f'{c.name} {c.a} -> {c.b}' for c in found.params)}")
    code = [c for c in found.code if c.kind != "outputs"]
    if code or found.code_note:
        lines.append(f"code: {found.code_note or f'{len(code)} cells differ'} (nbops diff)")
    for data in found.data:
        if data.same or data.id_a is None or data.id_b is None:
            continue
        if data.role == "input":
            lines.append(f"input {data.name}: other content ({data.id_a[:8]} -> {data.id_b[:8]})")
            continue
        try:
            shown = data_diff(catalog, data.id_a, data.id_b)
        except NbopsError as err:  # content no longer here: say so, the verdict stands
            lines.append(f"output {data.name}: {err.message}")
            continue
        columns = ", ".join(f"{c.column} in {c.changed:,} rows" for c in shown.columns if c.changed)
        lines.append(
            f"output {data.name}: {shown.rows_added:,} rows added, {shown.rows_removed:,} "
            f"removed; values changed: {columns or 'none'} (nbops data diff "
            f"{data.id_a[:8]} {data.id_b[:8]})"
        )
    lines += [f"environment: {c.name} {c.a} -> {c.b}" for c in found.platform]
    lines += [
        f"environment: {kind} {item}" for kind, items in found.packages.items() for item in items
    ]
    if not any(found.facets().values()):
        lines.append(
            "Same environment, code, parameters and inputs: the notebook itself is not "
            "deterministic (unseeded randomness, threads, time). Seed it with nbops.seed(n), or "
            "compare with --rtol/--atol."
        )
    return lines


def _record(store: Store, result: v.Reproduction, ran: RunResult | None) -> None:
    """Keep the verdict on both runs (tags and JSON) and in the new run's report."""
    record = json.dumps(result.to_dict(), indent=1)
    tags = {VERDICT_TAG: result.verdict, VERDICT_NOTE_TAG: result.summary[:5000]}
    if result.run_id:
        store.log_batch(result.run_id, tags=tags)
        store.log_text(result.run_id, record, REPRODUCTION_FILE)
        store.log_batch(result.original, tags={**tags, REPRODUCED_BY_TAG: result.run_id})
        name = result.run_id
    else:
        store.log_batch(result.original, tags=tags)
        name = "not-run"
    store.log_text(result.original, record, f"{REPRODUCTIONS_FOLDER}/{name}.json")
    if ran is not None:
        with contextlib.suppress(NotFoundError):  # a run that kept no notebook has no report
            _rewrite_report(store, ran)


def _rewrite_report(store: Store, ran: RunResult) -> None:
    """The new run's report again, now that its header can show the verdict."""
    from ..reports.build import report_html

    html = report_html(store, ran.run_id)
    if ran.report is not None and ran.report.parent.is_dir():
        ran.report.write_text(html, encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / REPORT_FILE
        path.write_text(html, encoding="utf-8")
        store.log_artifact(ran.run_id, str(path))
