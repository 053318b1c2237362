"""Drift between a reference and a current frame: per column PSI and a two-sample test."""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from html import escape

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 0.2
BINS = 10
EPSILON = 1e-6


@dataclass
class ColumnDrift:
    """Drift of one column: PSI, the test used, its statistic and p-value, and the flag."""

    column: str
    kind: str
    psi: float
    test: str
    statistic: float | None
    p_value: float | None
    drifted: bool


@dataclass
class DriftReport:
    """Drift of every shared column, plus the columns only one side has."""

    threshold: float
    columns: list[ColumnDrift] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> list[str]:
        """The columns whose PSI is over the threshold."""
        return [c.column for c in self.columns if c.drifted]

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)

    def _rows(self) -> list[list[str]]:
        def number(value):
            return "" if value is None else f"{value:.4g}"

        return [
            [
                c.column,
                c.kind,
                number(c.psi),
                c.test,
                number(c.statistic),
                number(c.p_value),
                "DRIFT" if c.drifted else "ok",
            ]
            for c in self.columns
        ]

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        header = [
            "column",
            "kind",
            "PSI",
            "test",
            "statistic",
            "p-value",
            f"PSI > {self.threshold}",
        ]
        lines = ["\t".join(header)] + ["\t".join(r) for r in self._rows()]
        extra = [f"missing in current: {', '.join(self.missing)}"] if self.missing else []
        extra += [f"added in current: {', '.join(self.added)}"] if self.added else []
        cells = "".join(
            "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in self._rows()
        )
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        html = f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
        html += "".join(f"<p>{escape(e)}</p>" for e in extra)
        return {"text/plain": "\n".join(lines + extra), "text/html": html}


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two distributions given as counts over the same bins."""
    e = expected / max(expected.sum(), 1) + EPSILON
    a = actual / max(actual.sum(), 1) + EPSILON
    return float(np.sum((a - e) * np.log(a / e)))


def _numeric(column: str, ref: pd.Series, cur: pd.Series, threshold: float) -> ColumnDrift:
    from scipy import stats

    r = ref.dropna().to_numpy(dtype="float64")
    c = cur.dropna().to_numpy(dtype="float64")
    if not len(r) or not len(c):
        return ColumnDrift(column, "numeric", 0.0, "ks", None, None, False)
    edges = np.unique(np.quantile(r, np.linspace(0, 1, BINS + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    value = psi(np.histogram(r, edges)[0], np.histogram(c, edges)[0])
    with warnings.catch_warnings():
        # small or tied samples: scipy computes the asymptotic p-value instead of the exact one,
        # its documented fallback, said as a warning that is nothing for the user to act on
        warnings.filterwarnings("ignore", "ks_2samp: Exact calculation", RuntimeWarning)
        test = stats.ks_2samp(r, c)
    return ColumnDrift(
        column, "numeric", value, "ks", float(test.statistic), float(test.pvalue), value > threshold
    )


def _categorical(column: str, ref: pd.Series, cur: pd.Series, threshold: float) -> ColumnDrift:
    from scipy import stats

    rc = ref.astype("string").value_counts(dropna=False)
    cc = cur.astype("string").value_counts(dropna=False)
    levels = rc.index.union(cc.index)
    r = rc.reindex(levels, fill_value=0).to_numpy(dtype="float64")
    c = cc.reindex(levels, fill_value=0).to_numpy(dtype="float64")
    value = psi(r, c)
    statistic = p_value = None
    if len(levels) > 1:
        table = np.vstack([r, c])
        table = table[:, table.sum(axis=0) > 0]
        result = stats.chi2_contingency(table)
        statistic, p_value = float(result.statistic), float(result.pvalue)
    return ColumnDrift(
        column, "categorical", value, "chi-square", statistic, p_value, value > threshold
    )


def compare(
    reference: pd.DataFrame, current: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD
) -> DriftReport:
    """Compare two frames column by column.

    Parameters
    ----------
    reference, current:
        The frames; columns only one of them has are listed, not compared.
    threshold:
        A column drifts when its PSI is over this (0.1 small, 0.2 notable, 0.25+ large).
    """
    report = DriftReport(threshold)
    ref_cols, cur_cols = [str(c) for c in reference.columns], [str(c) for c in current.columns]
    report.missing = [c for c in ref_cols if c not in cur_cols]
    report.added = [c for c in cur_cols if c not in ref_cols]
    for name in (c for c in ref_cols if c in cur_cols):
        ref, cur = reference[name], current[name]
        numeric = all(
            pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            for s in (ref, cur)
        )
        check = _numeric if numeric else _categorical
        report.columns.append(check(name, ref, cur, threshold))
    return report
