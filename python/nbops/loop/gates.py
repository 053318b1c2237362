"""Promotion gates: ``METRIC OP NUMBER``, ``METRIC OP champion[*FACTOR|+DELTA|-DELTA]``,
``servable``; parsed before anything is registered, then judged against the champion.

``rmse < champion*0.98`` holds when the candidate's rmse is under 98% of the champion's. With no
champion yet, a champion-relative gate passes with a note. OP is one of ``<``, ``<=``, ``>``,
``>=``.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

from ..exceptions import InputError

SERVABLE = "servable"
OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_GATE = re.compile(
    r"^\s*(?P<metric>[A-Za-z0-9_.:/ -]*?[A-Za-z0-9_])\s*(?P<op><=|>=|<|>)\s*(?P<rhs>.+?)\s*$"
)
_RELATIVE = re.compile(r"^champion\s*(?:(?P<how>[*+-])\s*(?P<number>\S+))?$")
HINT = (
    "Write METRIC OP NUMBER or METRIC OP champion, champion*FACTOR or champion+DELTA, with OP one "
    "of <, <=, >, >=; e.g. --gate 'rmse < champion*0.98' --gate 'r2 >= 0.4', or --gate servable."
)


@dataclass(frozen=True)
class Gate:
    """One parsed gate. ``how`` is ``""`` (absolute), ``=``, ``*`` or ``+`` (champion-relative)."""

    text: str
    metric: str
    op: str
    number: float
    how: str

    @property
    def servable(self) -> bool:
        """Whether this is the ``servable`` gate (the model must pass ``nbops serve-check``)."""
        return self.metric == SERVABLE

    @property
    def relative(self) -> bool:
        """Whether the threshold comes from the champion."""
        return self.how != ""

    def threshold(self, champion: float | None) -> float | None:
        """The value the candidate's metric is compared with (``None``: no champion value)."""
        if not self.relative:
            return self.number
        if champion is None:
            return None
        return {"=": champion, "*": champion * self.number, "+": champion + self.number}[self.how]

    def holds(self, candidate: float, champion: float | None) -> bool:
        """Whether ``candidate`` passes; a relative gate without a champion value passes."""
        threshold = self.threshold(champion)
        if threshold is None:
            return True
        return not math.isnan(candidate) and OPERATORS[self.op](candidate, threshold)


def _number(text: str, gate: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(f"The gate {gate!r} has {text!r} where a number belongs.", HINT)
    return value


def parse_gate(text: str) -> Gate:
    """One gate from its text; :class:`InputError` naming it if malformed."""
    if not isinstance(text, str):
        raise InputError(f"The gate {text!r} is not text.", HINT)
    if text.strip() == SERVABLE:
        return Gate(text, SERVABLE, ">=", 0.0, "")
    match = _GATE.match(text)
    if not match:
        raise InputError(f"The gate {text!r} is malformed.", HINT)
    metric, op, rhs = match["metric"].strip(), match["op"], match["rhs"]
    relative = _RELATIVE.match(rhs)
    if relative:
        if relative["how"] is None:
            return Gate(text, metric, op, 0.0, "=")
        number = _number(relative["number"], text)
        if relative["how"] == "-":
            return Gate(text, metric, op, -number, "+")
        return Gate(text, metric, op, number, relative["how"])
    if "champion" in rhs:
        raise InputError(f"The gate {text!r} is malformed.", HINT)
    return Gate(text, metric, op, _number(rhs, text), "")


def parse_gates(texts) -> list[Gate]:
    """Every gate of ``texts`` (checked all before any is used)."""
    if isinstance(texts, str):
        texts = [texts]
    return [parse_gate(t) for t in texts or []]
