"""Metric histories thinned for a chart: a run that logged a million steps answers a few
thousand points, and keeps its shape (the lowest and highest value of each stretch of steps, the
first and the last point)."""

from __future__ import annotations

import math

DEFAULT_MAX_POINTS = 2000


def downsample(points: list[dict[str, float]], max_points: int) -> list[dict[str, float]]:
    """Return at most ``max_points`` of ``points`` (in order): per bucket of consecutive points,
    the one with the lowest and the one with the highest value, so spikes are not lost.

    Parameters
    ----------
    points:
        One metric's history, ``{step, value, timestamp}`` dicts in step order.
    max_points:
        The most points to return (at least 2).
    """
    if len(points) <= max_points:
        return points
    buckets = max(1, (max_points - 2) // 2)
    size = math.ceil((len(points) - 2) / buckets)
    kept = [points[0]]
    for start in range(1, len(points) - 1, size):
        bucket = points[start : min(start + size, len(points) - 1)]
        low = min(range(len(bucket)), key=lambda i: _value(bucket[i]))
        high = max(range(len(bucket)), key=lambda i: _value(bucket[i]))
        kept.extend(bucket[i] for i in sorted({low, high}))
    kept.append(points[-1])
    return kept[:max_points] if len(kept) > max_points else kept


def _value(point: dict[str, float]) -> float:
    value = point.get("value")
    return value if isinstance(value, int | float) and not math.isnan(value) else -math.inf


def downsample_all(
    history: dict[str, list[dict[str, float]]], max_points: int = DEFAULT_MAX_POINTS
) -> dict[str, list[dict[str, float]]]:
    """:func:`downsample` every metric of a run's history."""
    return {key: downsample(points, max_points) for key, points in history.items()}
