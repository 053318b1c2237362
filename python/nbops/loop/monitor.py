"""``nbops monitor``: drift and expectations on production data, as a run; drift may retrain.

A monitor run (kind ``monitor``, experiment ``monitor/<reference name>``) reads the reference
snapshot and the current data (a snapshot, or a CSV or Parquet file it snapshots first), compares
them column by column (:mod:`nbops.data.drift`), checks the current data against the expectations
saved under the reference's name, and keeps the drift report. With ``retrain``, drift runs the
training pipeline and then the promotion its ``promote:`` block declares; the chain is kept as
tags (monitor run -> pipeline run -> promotion decision).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..capture.session import Session
from ..config import load_settings
from ..data.checks import log_drift, log_expectations, saved_expectations
from ..data.drift import DEFAULT_THRESHOLD, DriftReport
from ..data.snapshot import catalog_for, load, take_snapshot
from ..exceptions import InputError
from ..names import KIND_MONITOR, MONITOR_FILE, RUN_KIND_TAG
from ..notifications import Notice, project_targets, send

VERDICT_TAG = "nbops.monitor.verdict"  # drift, or no drift
DRIFTED_TAG = "nbops.monitor.drifted"  # the drifted columns
RETRAIN_TAG = "nbops.monitor.retrain_run"  # the pipeline run drift started
PROMOTION_TAG = "nbops.monitor.promotion"  # what the promotion after it decided
TRIGGERED_BY_TAG = "nbops.triggered_by"  # on the pipeline run: the monitor run
FILE_SUFFIXES = {".csv": pd.read_csv, ".parquet": pd.read_parquet}


@dataclass
class MonitorResult:
    """What a monitor run found, and what it started."""

    run_id: str
    reference: str
    current: str
    drift: DriftReport
    failed_expectations: list[str] = field(default_factory=list)
    retrain_run: str | None = None
    retrain_status: str | None = None
    promotion: str | None = None

    @property
    def drifted(self) -> bool:
        """Whether a column drifted or a saved expectation failed."""
        return bool(self.drift.drifted or self.failed_expectations)

    @property
    def exit_code(self) -> int:
        """0 no drift, 3 drift, 1 when the retraining it started failed."""
        if self.retrain_status not in (None, "FINISHED"):
            return 1
        return 3 if self.drifted else 0

    @property
    def summary(self) -> str:
        """One line naming the drifted columns and their statistic."""
        if not self.drifted:
            return f"no drift: {len(self.drift.columns)} columns within PSI {self.drift.threshold}"
        parts = [
            f"{c.column} (PSI {c.psi:.3g}, {c.test} p={c.p_value:.3g})"
            if c.p_value is not None
            else f"{c.column} (PSI {c.psi:.3g})"
            for c in self.drift.columns
            if c.drifted
        ]
        parts += [f"expectation failed: {x}" for x in self.failed_expectations]
        return "drift: " + "; ".join(parts)


def check_threshold(value) -> float:
    """A PSI threshold: a number over 0; :class:`InputError` otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
        raise InputError(f"--threshold {value!r} is not a PSI threshold.", "Give a number over 0.")
    return number


def monitor(
    reference: str,
    current: str,
    threshold: float = DEFAULT_THRESHOLD,
    columns: list[str] | None = None,
    retrain: str | Path | None = None,
    cwd: str | Path | None = None,
    echo=print,
) -> MonitorResult:
    """Compare ``current`` with the ``reference`` snapshot in a monitor run; retrain on drift.

    Parameters
    ----------
    reference:
        The reference snapshot (name, ``name@version`` or id).
    current:
        A snapshot, or a ``.csv`` / ``.parquet`` file (snapshotted first).
    threshold:
        A column drifts when its PSI is over this.
    columns:
        Only these columns (default: every shared one).
    retrain:
        A pipeline file run on drift, then its ``promote:`` block.
    cwd:
        A folder of the project (default: the working directory).
    echo:
        Where the pipeline's progress lines go.

    Bad input (an unknown snapshot, a missing file, a column, the threshold, the pipeline file)
    is an :class:`InputError` before any run is recorded.
    """
    threshold = check_threshold(threshold)
    settings = load_settings(Path(cwd) if cwd else None)
    spec = _retrain_spec(retrain) if retrain else None
    targets = spec.notify if spec else project_targets(settings.project)
    session = Session(settings=settings, experiment="monitor", capture_environment=False)
    catalog = catalog_for(settings)
    ref_entry = catalog.find(reference)
    frame, label = _current(catalog, current)
    now = _column_names(catalog, frame) if isinstance(frame, str) else frame.columns
    _check_columns(columns, {"reference": _column_names(catalog, ref_entry.id), "current": now})
    session.experiment = f"monitor/{ref_entry.name}"
    tags = {RUN_KIND_TAG: KIND_MONITOR}
    run_id = session.start_run(f"monitor {ref_entry.name}", tags=tags)
    try:
        result = _watch(session, ref_entry, frame, label, threshold, columns)
    except BaseException:
        session.end_run("FAILED")
        raise
    session.end_run()
    if result.drifted and spec is not None:
        _retrain(session.store, result, spec, settings.project, echo)
    session.store.log_batch(run_id, tags=_chain_tags(result))
    if result.drifted and targets:
        send(drift_notice(ref_entry.name, settings.display_uri, result), targets)
    return result


def drift_notice(name: str, store: str, result: MonitorResult) -> Notice:
    """``drift``: the reference snapshot, what drifted, the monitor run and what it started."""
    lines = [f"Snapshot {name}: {result.summary}.", f"Monitor run {result.run_id} on {store}."]
    if result.retrain_run:
        lines.append(f"Retraining: pipeline run {result.retrain_run} {result.retrain_status}.")
    if result.promotion:
        lines.append(f"Promotion: {result.promotion}.")
    lines.append(f"See it with nbops runs (experiment monitor/{name}) or in the lab's Production.")
    return Notice("drift", f"nbops: drift in {name}", "\n".join(lines))


def _current(catalog, current: str) -> tuple[pd.DataFrame | str, str]:
    """The current data: a file's frame (to snapshot), or a snapshot's id and name."""
    path = Path(current)
    if path.suffix.lower() in FILE_SUFFIXES:
        if not path.is_file():
            raise InputError(f"The current data file {current} does not exist.", "")
        try:
            return FILE_SUFFIXES[path.suffix.lower()](path), path.stem
        except (OSError, ValueError) as err:
            raise InputError(
                f"Cannot read {current}: {err}.", "Give a CSV or Parquet file."
            ) from err
    try:
        entry = catalog.find(current)
    except InputError as err:
        raise InputError(err.message, "Give a snapshot or a .csv / .parquet file.") from err
    return entry.id, entry.name


def _column_names(catalog, snapshot_id: str) -> list[str]:
    """A snapshot's column names, from its schema: its data is not read."""
    return [column["name"] for column in catalog.meta(snapshot_id)["schema"]]


def _check_columns(columns, names: dict) -> None:
    """:class:`InputError` for a ``--columns`` entry missing from the reference or current (their
    column names: a snapshot's schema, read without its data, or a file's columns)."""
    for name, found in names.items():
        have = set(map(str, found))
        wanted = [c for c in columns or [] if c not in have]
        if wanted:
            raise InputError(
                f"--columns {', '.join(wanted)} are not in the {name} data.",
                f"Its columns: {', '.join(sorted(have))}.",
            )


def _watch(session, ref_entry, frame, label, threshold, columns) -> MonitorResult:
    reference = load(session, ref_entry.id)
    if isinstance(frame, pd.DataFrame):
        current_id = take_snapshot(session, frame, label, role="input").id
        current = frame
    else:
        current_id, current = frame, load(session, frame)
    if columns:
        reference, current = reference[columns], current[columns]
    session.log_params({"reference": ref_entry.id, "current": current_id, "threshold": threshold})
    drift = log_drift(session, reference, current, threshold)
    result = MonitorResult(session.run_id, ref_entry.id, current_id, drift)
    if saved_expectations(session, ref_entry.name).is_file():
        checks = log_expectations(session, current, None, ref_entry.name, strict=False)
        result.failed_expectations = [f"{r.column}: {r.check}" for r in checks.failed]
    session.set_tags({VERDICT_TAG: "drift" if result.drifted else "no drift"})
    session.set_tags({DRIFTED_TAG: ",".join(drift.drifted)[:5000]})
    report = {"summary": result.summary, "drift": drift.to_dict()}
    report["failed_expectations"] = result.failed_expectations
    session.log_text(json.dumps(report, indent=1, default=str), MONITOR_FILE)
    return result


def _retrain_spec(path: str | Path):
    from ..pipeline.spec import read_pipeline
    from .gates import parse_gates
    from .promote import check_names

    spec = read_pipeline(path)
    if spec.promote:
        check_names(str(spec.promote["model"]), str(spec.promote.get("alias") or "champion"))
        parse_gates(spec.promote.get("gates") or [])
    return spec


def _retrain(store, result: MonitorResult, spec, project: Path, echo) -> None:
    """Run the training pipeline, then the promotion its ``promote:`` block declares."""
    from ..pipeline.orchestrate import run_pipeline
    from .promote import promote

    pipeline = run_pipeline(spec.path, echo=echo, tags={TRIGGERED_BY_TAG: result.run_id})
    result.retrain_run, result.retrain_status = pipeline.run_id, pipeline.status
    block = spec.promote
    if not pipeline.ok or not block:
        return
    candidate = pipeline.outcomes[block["step"]].run_id
    decision = promote(
        candidate,
        str(block["model"]),
        block.get("gates") or [],
        block.get("eval"),
        block.get("target"),
        str(block.get("alias") or "champion"),
        cwd=project,
    )
    result.promotion = f"{decision.model} v{decision.version} {decision.decision}"


def _chain_tags(result: MonitorResult) -> dict[str, str]:
    tags = {}
    if result.retrain_run:
        tags[RETRAIN_TAG] = result.retrain_run
    if result.promotion:
        tags[PROMOTION_TAG] = result.promotion
    return tags


def recent_monitors(store, limit: int = 20) -> list[dict]:
    """The newest monitor runs of the store, with their verdicts, newest first."""
    runs = store.list_runs(None, limit, tags={RUN_KIND_TAG: KIND_MONITOR})
    return [
        {
            "run_id": run.run_id,
            "name": run.name,
            "experiment": run.experiment,
            "status": run.status,
            "start_time": run.start_time,
            "verdict": run.tags.get(VERDICT_TAG),
            "drifted": [c for c in run.tags.get(DRIFTED_TAG, "").split(",") if c],
            "retrain_run": run.tags.get(RETRAIN_TAG),
            "promotion": run.tags.get(PROMOTION_TAG),
        }
        for run in runs
    ]
