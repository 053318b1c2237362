"""Schema and profile of a DataFrame: per column dtype, nulls, distinct values, statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd

EXACT_DISTINCT_ROWS = 2_000_000
SAMPLE_ROWS = 1_000_000
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HISTOGRAM_BINS = 10
TOP_VALUES = 5


def schema_of(df: pd.DataFrame) -> list[dict[str, str]]:
    """Column names and dtypes, in order."""
    return [{"name": str(name), "dtype": str(dtype)} for name, dtype in df.dtypes.items()]


def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def _numeric_profile(values: pd.Series) -> dict:
    data = values.dropna().to_numpy(dtype="float64")
    data = data[np.isfinite(data)]
    if not len(data):
        return {}
    counts, edges = np.histogram(data, bins=HISTOGRAM_BINS)
    return {
        "min": _number(data.min()),
        "max": _number(data.max()),
        "mean": _number(data.mean()),
        "std": _number(data.std(ddof=1)) if len(data) > 1 else None,
        "quantiles": {
            str(q): _number(v) for q, v in zip(QUANTILES, np.quantile(data, QUANTILES), strict=True)
        },
        "histogram": {"counts": counts.tolist(), "edges": [float(e) for e in edges]},
    }


def _distinct(series: pd.Series) -> tuple[int, bool]:
    """Distinct non-null values; estimated from a sample above ``EXACT_DISTINCT_ROWS`` rows."""
    if len(series) <= EXACT_DISTINCT_ROWS:
        return int(series.nunique(dropna=True)), False
    sample = series.sample(SAMPLE_ROWS, random_state=0)
    return int(sample.nunique(dropna=True)), True


def _column_profile(series: pd.Series) -> dict:
    profile = {"dtype": str(series.dtype), "nulls": int(series.isna().sum())}
    try:
        profile["distinct"], profile["distinct_estimated"] = _distinct(series)
    except TypeError:  # unhashable values (lists, dicts)
        profile["distinct"], profile["distinct_estimated"] = None, False
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
        profile.update(_numeric_profile(series))
    return profile


def profile_of(df: pd.DataFrame) -> dict:
    """Rows, columns and a profile of every column (JSON-ready)."""
    return {
        "rows": len(df),
        "columns": {str(name): _column_profile(df.iloc[:, i]) for i, name in enumerate(df.columns)},
    }
