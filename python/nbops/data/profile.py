"""Schema and profile of a DataFrame: per column dtype, nulls, distinct values, statistics.

Above ``EXACT_DISTINCT_ROWS`` rows, quantiles are estimated and distinct values counted in one
random sample of ``SAMPLE_ROWS`` rows (so the count is a lower bound), both flagged
``*_estimated``; everything else (nulls, min, max, mean, std, histogram) is exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EXACT_DISTINCT_ROWS = 500_000
SAMPLE_ROWS = 200_000
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HISTOGRAM_BINS = 10
TOP_VALUES = 5


def schema_of(df: pd.DataFrame) -> list[dict[str, str]]:
    """Column names and dtypes, in order."""
    return [{"name": str(name), "dtype": str(dtype)} for name, dtype in df.dtypes.items()]


def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def _histogram(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal-width counts over [min, max] in one pass (numpy's histogram is slower for this)."""
    low, high = float(data.min()), float(data.max())
    edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
    if high == low:
        counts = np.zeros(HISTOGRAM_BINS, dtype=np.int64)
        counts[-1] = len(data)
        return counts, edges
    bins = ((data - low) * (HISTOGRAM_BINS / (high - low))).astype(np.int64)
    np.minimum(bins, HISTOGRAM_BINS - 1, out=bins)  # the maximum falls in the last bin
    return np.bincount(bins, minlength=HISTOGRAM_BINS), edges


def _numeric_profile(series: pd.Series, sample: np.ndarray | None) -> dict:
    """Exact min, max, mean, std and histogram; quantiles from the sample on large frames."""
    data = series.to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(data)
    if not finite.all():
        data = data[finite]
    if not len(data):
        return {}
    counts, edges = _histogram(data)
    quantile_data = data if sample is None or len(data) != len(series) else data[sample]
    return {
        "min": _number(edges[0]),
        "max": _number(edges[-1]),
        "mean": _number(data.mean()),
        "std": _number(data.std(ddof=1)) if len(data) > 1 else None,
        "quantiles": {
            str(q): _number(v)
            for q, v in zip(QUANTILES, np.quantile(quantile_data, QUANTILES), strict=True)
        },
        "quantiles_estimated": sample is not None,
        "histogram": {"counts": counts.tolist(), "edges": [float(e) for e in edges]},
    }


def _distinct(series: pd.Series, sample: np.ndarray | None) -> int | None:
    try:
        return int((series if sample is None else series.iloc[sample]).nunique(dropna=True))
    except TypeError:  # unhashable values (lists, dicts)
        return None


def _column_profile(series: pd.Series, sample: np.ndarray | None) -> dict:
    profile = {
        "dtype": str(series.dtype),
        "nulls": int(series.isna().sum()),
        "distinct": _distinct(series, sample),
        "distinct_estimated": sample is not None,
    }
    kind = series.dtype
    if pd.api.types.is_bool_dtype(kind) or not (
        pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)
    ):
        try:
            top = series.value_counts(dropna=True).head(TOP_VALUES)
            profile["top"] = [{"value": str(k), "count": int(v)} for k, v in top.items()]
        except TypeError:
            profile["top"] = []
    elif pd.api.types.is_datetime64_any_dtype(kind):
        profile["min"], profile["max"] = str(series.min()), str(series.max())
    else:
        profile.update(_numeric_profile(series, sample))
    return profile


def profile_of(df: pd.DataFrame) -> dict:
    """Rows, columns and a profile of every column (JSON-ready)."""
    sample = None
    if len(df) > EXACT_DISTINCT_ROWS:  # distinct counts and quantiles from one shared sample
        sample = np.random.default_rng(0).integers(0, len(df), SAMPLE_ROWS)
    return {
        "rows": len(df),
        "columns": {
            str(name): _column_profile(df.iloc[:, i], sample) for i, name in enumerate(df.columns)
        },
    }
