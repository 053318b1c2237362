"""Data checks inside a run: drift and expectations, computed on frames or snapshots and logged.

The pure computations live in :mod:`.drift` and :mod:`.expectations`; this module resolves what
the user named (a DataFrame, a snapshot, a snapshot's name or id), logs the results to the
session's run, and keeps expectations by name in ``<project>/expectations/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..capture.session import Session
from ..exceptions import ExpectationError, InputError, NotFoundError
from ..names import DRIFT_REPORT_FILE, EXPECTATIONS_FOLDER
from .drift import DriftReport, compare
from .expectations import ExpectationReport, infer, report_json, validate
from .snapshot import load


def frame_of(session: Session, item) -> pd.DataFrame:
    """A DataFrame from a frame, a :class:`~.snapshot.Snapshot`, or a snapshot's name or id."""
    if isinstance(item, str):
        return load(session, item)
    return item if isinstance(item, pd.DataFrame) else item.load()


def log_drift(session: Session, reference, current, threshold: float) -> DriftReport:
    """Compare two datasets column by column and log the report to the session's run.

    Parameters
    ----------
    session:
        Whose run the results go to.
    reference, current:
        DataFrames, snapshots, or snapshot names or ids.
    threshold:
        A column drifts when its population stability index is over this.
    """
    report = compare(frame_of(session, reference), frame_of(session, current), threshold)
    session.log_metrics({f"drift.psi.{c.column}": c.psi for c in report.columns})
    session.log_metrics({"drift.columns_drifted": len(report.drifted)})
    session.log_text(json.dumps(report.to_dict(), indent=1), DRIFT_REPORT_FILE)
    return report


def saved_expectations(session: Session, name: str) -> Path:
    """Where the expectations saved under ``name`` live in the session's project."""
    return session.settings.project / EXPECTATIONS_FOLDER / f"{name}.expect"


def log_expectations(
    session: Session, df, spec: str | None, name: str | None, strict: bool
) -> ExpectationReport:
    """Check ``df`` against expectations, log the results to the session's run, return them.

    Parameters
    ----------
    session:
        Whose run the results go to.
    df:
        The data.
    spec:
        The checks; ``None`` reuses those saved under ``name``.
    name:
        Saves ``spec`` under this name and names the results in the run.
    strict:
        Raise :class:`ExpectationError` when a check fails.
    """
    if spec is None and name is None:
        raise InputError("expect() needs a spec or the name of saved expectations.")
    path = saved_expectations(session, name) if name else None
    if spec is None:
        if not path.is_file():
            raise NotFoundError(
                f"No saved expectations named {name!r} in {path.parent}.",
                "Write them once with a spec and name=..., or %%expect --name.",
            )
        spec = path.read_text(encoding="utf-8")
    report = validate(df, spec, name or "expectations")
    if path is not None and session.settings.project.is_dir():
        # a worker on another machine has no project folder: the spec stays in the notebook
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec, encoding="utf-8")
    label = report.name
    session.log_metrics(
        {
            f"expect.{label}.passed": float(report.passed),
            f"expect.{label}.failed_checks": len(report.failed),
        }
    )
    session.log_text(report_json(report), f"{EXPECTATIONS_FOLDER}/{label}.json")
    if strict and not report.passed:
        failed = "; ".join(f"{r.column}: {r.check} ({r.failing} failing)" for r in report.failed)
        raise ExpectationError(
            f"{report.summary()} Failed: {failed}.",
            "See the table of results; fix the data or the expectations.",
        )
    return report


def infer_expectations(session: Session, reference, name: str | None) -> str:
    """Expectations that ``reference`` meets, saved under ``name`` when given.

    Parameters
    ----------
    session:
        Whose project the expectations are saved in.
    reference:
        A DataFrame, a snapshot, or a snapshot's name or id.
    name:
        Saves them under this name for ``expect(df, name=...)``.
    """
    spec = infer(frame_of(session, reference))
    if name:
        path = saved_expectations(session, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec, encoding="utf-8")
    return spec
