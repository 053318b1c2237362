"""The verdict of a reproduction: the original run's metrics and snapshots against the new run's.

``IDENTICAL`` (exit 0): every metric equal, every snapshot fingerprint equal. ``WITHIN TOLERANCE``
(exit 0): what differs is within ``rtol``/``atol`` (metrics, and output data compared value by
value). ``DIFFERENT`` (exit 1): what differs, and the environment and code differences that could
explain it. ``NOT REPRODUCIBLE`` (exit 3): what was missing to run it again, by name.
"""

from __future__ import annotations

import math
from dataclasses import asdict, astuple, dataclass, field

IDENTICAL = "IDENTICAL"
WITHIN_TOLERANCE = "WITHIN TOLERANCE"
DIFFERENT = "DIFFERENT"
NOT_REPRODUCIBLE = "NOT REPRODUCIBLE"
EXIT_CODES = {IDENTICAL: 0, WITHIN_TOLERANCE: 0, DIFFERENT: 1, NOT_REPRODUCIBLE: 3}

# the status of one compared value
EQUAL = "equal"
WITHIN = "within tolerance"
DIFFERS = "differs"
MISSING = "missing"  # the original had it, the reproduction not
NEW = "new"  # the reproduction had it, the original not


@dataclass
class Row:
    """One compared value: a metric, or a snapshot (``input`` or ``output``) by name."""

    kind: str
    name: str
    original: str
    reproduced: str
    difference: str
    status: str


@dataclass
class Reproduction:
    """What ``nbops reproduce`` found.

    Attributes
    ----------
    original:
        The reproduced run.
    run_id:
        The new run (``None`` when nothing could be run).
    verdict:
        One of ``IDENTICAL``, ``WITHIN TOLERANCE``, ``DIFFERENT``, ``NOT REPRODUCIBLE``.
    rows:
        Every compared metric and snapshot.
    missing:
        Why it is not reproducible: what is missing or failed, by name.
    explanations:
        Environment and code differences between the two runs.
    notes:
        What the user should know about how it was re-executed.
    """

    original: str
    run_id: str | None
    verdict: str
    rtol: float = 0.0
    atol: float = 0.0
    env: str = "current"
    rows: list[Row] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 identical or within tolerance, 1 different, 3 not reproducible."""
        return EXIT_CODES[self.verdict]

    @property
    def summary(self) -> str:
        """The verdict in one line."""
        if self.verdict == NOT_REPRODUCIBLE:
            return f"{self.verdict}: {'; '.join(self.missing)}"
        differing = [r for r in self.rows if r.status not in (EQUAL, WITHIN)]
        within = [r for r in self.rows if r.status == WITHIN]
        if differing:
            named = ", ".join(f"{r.kind} {r.name}" for r in differing[:5])
            return f"{self.verdict}: {len(differing)} of {len(self.rows)} values differ ({named})"
        if within:
            return f"{self.verdict}: {len(within)} of {len(self.rows)} values within tolerance"
        return f"{self.verdict}: {len(self.rows)} values equal"

    def to_dict(self) -> dict:
        """A JSON-ready record (kept as ``reproduction.json``)."""
        return {**asdict(self), "summary": self.summary, "exit_code": self.exit_code}

    def lines(self) -> list[str]:
        """The verdict as plain text: summary, compared values, what is missing or differs."""
        out = [
            self.summary,
            *(
                f"  {r.kind} {r.name}: {r.original} -> {r.reproduced} ({r.status})"
                for r in self.rows
            ),
        ]
        for title, items in (
            ("missing", self.missing),
            ("could explain it", self.explanations),
            ("note", self.notes),
        ):
            out += [f"{title}: {item}" for item in items]
        return out

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        from html import escape

        header = "".join(
            f"<th>{h}</th>"
            for h in ("kind", "name", "original", "reproduced", "difference", "status")
        )
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in astuple(r)) + "</tr>"
            for r in self.rows
        )
        items = "".join(
            f"<li>{escape(x)}</li>" for x in (*self.missing, *self.explanations, *self.notes)
        )
        html = (
            f"<p><strong>{escape(self.summary)}</strong></p>"
            f"<table><tr>{header}</tr>{body}</table>" + (f"<ul>{items}</ul>" if items else "")
        )
        return {"text/plain": "\n".join(self.lines()), "text/html": html}


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.10g}"


def close(a: float, b: float, rtol: float, atol: float) -> bool:
    """Whether ``b`` is within ``rtol`` (relative to ``a``) or ``atol`` of ``a``."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def compare_metrics(
    original: dict[str, float], reproduced: dict[str, float], rtol: float, atol: float
) -> list[Row]:
    """One row per metric of either run (its latest value)."""
    rows = []
    for name in sorted(original.keys() | reproduced.keys()):
        a, b = original.get(name), reproduced.get(name)
        if a is None or b is None:
            status, difference = (MISSING if b is None else NEW), ""
        else:
            same = a == b or (math.isnan(a) and math.isnan(b))
            status = EQUAL if same else WITHIN if close(a, b, rtol, atol) else DIFFERS
            difference = "" if same else _number(b - a)
        rows.append(Row("metric", name, _number(a), _number(b), difference, status))
    return rows


def compare_snapshots(
    kind: str, original: dict[str, str], reproduced: dict[str, str], data_close=None
) -> list[Row]:
    """One row per snapshot name of either run, compared by fingerprint.

    Parameters
    ----------
    kind:
        ``input`` or ``output``.
    original, reproduced:
        Snapshot ids by name.
    data_close:
        Called with two differing ids: whether their data are equal within tolerance
        (``None``: fingerprints must be equal).
    """
    rows = []
    for name in sorted(original.keys() | reproduced.keys()):
        a, b = original.get(name), reproduced.get(name)
        if a is None or b is None:
            status, difference = (MISSING if b is None else NEW), ""
        elif a == b:
            status, difference = EQUAL, ""
        elif data_close is not None and data_close(a, b):
            status, difference = WITHIN, "values within tolerance"
        else:
            status, difference = DIFFERS, "other content"
        rows.append(Row(kind, name, (a or "")[:16], (b or "")[:16], difference, status))
    return rows


def decide(rows: list[Row]) -> str:
    """The verdict of compared rows (the runs both ran to the end)."""
    statuses = {r.status for r in rows}
    if statuses - {EQUAL, WITHIN}:
        return DIFFERENT
    return WITHIN_TOLERANCE if WITHIN in statuses else IDENTICAL


def frames_close(a, b, rtol: float, atol: float) -> bool:
    """Whether two DataFrames hold the same columns and rows, numbers within tolerance."""
    from pandas.testing import assert_frame_equal

    try:
        assert_frame_equal(a, b, check_exact=False, rtol=rtol, atol=atol)
    except AssertionError:
        return False
    return True


def check_tolerance(value: float, option: str) -> float:
    """A tolerance: a finite number, zero or more; :class:`InputError` otherwise."""
    from ..exceptions import InputError

    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not math.isfinite(number) or number < 0:
        raise InputError(
            f"{option} {value!r} is not a tolerance.", f"Give a number of 0 or more: {option} 1e-6."
        )
    return number
