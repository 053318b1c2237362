"""Timing for the benchmarks: two ways of doing one thing, run alternately."""

from __future__ import annotations

import statistics
import time


def paired(base, ours, repeat: int) -> tuple[float, float]:
    """Medians of ``base`` and ``ours`` run alternately, so that drift hits both alike."""
    times: dict = {base: [], ours: []}
    for _ in range(repeat):
        for fn in (base, ours):
            started = time.perf_counter()
            fn()
            times[fn].append(time.perf_counter() - started)
    return statistics.median(times[base]), statistics.median(times[ours])
