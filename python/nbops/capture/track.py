"""Which variables a tracked cell (``%%track``) bound or changed, split into params and metrics."""

from __future__ import annotations

import numbers

from ..exceptions import InputError

MAX_TRACKED_STRING = 250


def _trackable(value: object) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_TRACKED_STRING
    return isinstance(value, (numbers.Number, bool)) and not isinstance(value, complex)


def snapshot(namespace: dict[str, object]) -> dict[str, object]:
    """The trackable values of a namespace (numbers and short strings, no ``_`` names)."""
    return {k: v for k, v in namespace.items() if not k.startswith("_") and _trackable(v)}


def changed_values(
    before: dict[str, object], after: dict[str, object]
) -> tuple[dict[str, object], dict[str, object]]:
    """Split what a cell newly bound or changed into (params, metrics).

    Strings and booleans become parameters, other numbers metrics.

    Parameters
    ----------
    before:
        :func:`snapshot` of the namespace before the cell ran.
    after:
        The namespace after it ran.
    """
    params, metrics = {}, {}
    for name, value in snapshot(after).items():
        if name in before and type(before[name]) is type(value) and before[name] == value:
            continue
        if isinstance(value, (str, bool)):
            params[name] = value
        else:
            metrics[name] = value
    return params, metrics


def named_values(namespace: dict[str, object], names: list[str], what: str) -> dict[str, object]:
    """Pick ``names`` from the namespace; :class:`InputError` names any that is not defined."""
    missing = [n for n in names if n not in namespace]
    if missing:
        raise InputError(
            f"%%track was asked to log {what} {', '.join(missing)}, but the cell defined no such "
            "variable.",
            "Check the names after --params/--metrics (comma-separated, no spaces).",
        )
    return {n: namespace[n] for n in names}
