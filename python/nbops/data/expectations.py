"""Expectations ("unit tests for data"): a readable spec, validated by pandera.

One line per column (or ``rows``), checks separated by commas::

    rows: 100..100000
    age: int, not null, 0..120
    income: float, >= 0
    city: str, in {Lyon, Paris, Nice}
    id: unique
    score: mean 0.4..0.6, std 0..0.3
    code: matches [A-Z]{3}

Types: ``int``, ``float``, ``number``, ``str``, ``bool``, ``datetime``. ``A..B`` is an inclusive
range; ``>= A``, ``> A``, ``<= B``, ``< B`` bounds; ``not null`` (columns may hold nulls
otherwise); ``unique``; ``in {a, b}``; ``matches REGEX``; ``mean A..B`` and ``std A..B`` for
distributions. The spec is parsed into a ``pandera`` schema, which does the validating.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from html import escape

import pandas as pd

from ..exceptions import InputError

KINDS = {
    "int": pd.api.types.is_integer_dtype,
    "float": pd.api.types.is_float_dtype,
    "number": lambda s: pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s),
    "str": lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s),
    "bool": pd.api.types.is_bool_dtype,
    "datetime": pd.api.types.is_datetime64_any_dtype,
}
_RANGE = re.compile(r"^(-?[\d.e+]+)\s*\.\.\s*(-?[\d.e+]+)$")
_BOUND = re.compile(r"^(>=|<=|>|<)\s*(-?[\d.e+]+)$")
_STAT = re.compile(r"^(mean|std)\s+(-?[\d.e+]+)\s*\.\.\s*(-?[\d.e+]+)$")
PANDERA_NAMES = {"not null": "not_nullable", "unique": "field_uniqueness"}
MAX_EXAMPLES = 5


@dataclass
class CheckResult:
    """One declared check: where, what, whether it passed, how many values failed, examples."""

    column: str
    check: str
    passed: bool
    failing: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class ExpectationReport:
    """The result of validating a frame against named expectations."""

    name: str
    results: list[CheckResult]

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[CheckResult]:
        """The checks that failed."""
        return [r for r in self.results if not r.passed]

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "passed": self.passed,
            "results": [asdict(r) for r in self.results],
        }

    def summary(self) -> str:
        """One line: how many checks passed."""
        ok = len(self.results) - len(self.failed)
        return f"Expectations {self.name!r}: {ok}/{len(self.results)} checks passed."

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        rows = [
            [
                r.column,
                r.check,
                "pass" if r.passed else "FAIL",
                str(r.failing),
                ", ".join(r.examples),
            ]
            for r in self.results
        ]
        header = ["column", "check", "result", "failing", "examples"]
        text = "\n".join([self.summary(), "\t".join(header)] + ["\t".join(r) for r in rows])
        cells = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows
        )
        head = "".join(f"<th>{h}</th>" for h in header)
        html = (
            f"<p>{escape(self.summary())}</p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{cells}</tbody></table>"
        )
        return {"text/plain": text, "text/html": html}


def _number(text: str, line: str) -> float:
    try:
        return float(text)
    except ValueError as err:
        raise InputError(f"{text!r} is not a number in the expectation {line!r}.") from err


def _check(text: str, line: str):
    """Turn one check's text into a pandera Check (or a column option)."""
    import pandera.pandas as pa

    if text in KINDS:
        kind = KINDS[text]
        return pa.Check(lambda s, kind=kind: kind(s.dtype), element_wise=False, name=text)
    if text in ("not null", "unique"):
        return text
    if match := _RANGE.match(text):
        low, high = _number(match[1], line), _number(match[2], line)
        return pa.Check.in_range(low, high, name=text)
    if match := _BOUND.match(text):
        method = {">=": "ge", ">": "gt", "<=": "le", "<": "lt"}[match[1]]
        return getattr(pa.Check, method)(_number(match[2], line), name=text)
    if match := _STAT.match(text):
        stat, low, high = match[1], _number(match[2], line), _number(match[3], line)
        return pa.Check(
            lambda s, stat=stat, low=low, high=high: low <= getattr(s, stat)() <= high, name=text
        )
    if text.startswith("in {") and text.endswith("}"):
        allowed = [v.strip() for v in text[4:-1].split(",") if v.strip()]
        return pa.Check.isin(allowed, name=text)
    if text.startswith("matches "):
        return pa.Check.str_matches(text[len("matches ") :].strip(), name=text)
    raise InputError(
        f"Unknown check {text!r} in the expectation {line!r}.",
        "Use a type (int, float, number, str, bool, datetime), A..B, >= A, not null, unique, "
        "in {a, b}, matches REGEX, mean A..B or std A..B.",
    )


def _split_checks(text: str) -> list[str]:
    """Split on commas outside braces (``in {a, b}`` stays one check)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "{"
        depth -= char == "}"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [p for p in [*parts, current.strip()] if p]


def parse(spec: str):
    """Parse an expectation spec into a pandera ``DataFrameSchema`` (InputError names the line)."""
    import pandera.pandas as pa

    columns, frame_checks = {}, []
    for raw in spec.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        target, sep, body = line.partition(":")
        if not sep or not body.strip():
            raise InputError(
                f"The expectation line {raw.strip()!r} has no checks.",
                "Write 'column: check, check' or 'rows: A..B'.",
            )
        target = target.strip()
        checks = [_check(text, line) for text in _split_checks(body)]
        if target == "rows":
            for c in checks:
                if not isinstance(c, pa.Check) or c.name is None or ".." not in c.name:
                    raise InputError(f"'rows' takes a range A..B, not {line!r}.")
                low, high = (float(v) for v in c.name.split(".."))
                frame_checks.append(
                    pa.Check(
                        lambda df, low=low, high=high: low <= len(df) <= high, name=f"rows {c.name}"
                    )
                )
            continue
        columns[target] = pa.Column(
            checks=[c for c in checks if not isinstance(c, str)],
            nullable="not null" not in checks,
            unique="unique" in checks,
            required=True,
            name=target,
        )
        columns[target].nbops_checks = _split_checks(body)
    return pa.DataFrameSchema(columns, checks=frame_checks, name="nbops expectations")


def validate(df: pd.DataFrame, spec: str, name: str = "expectations") -> ExpectationReport:
    """Validate ``df`` against ``spec`` with pandera; every declared check gets a result."""
    import pandera.pandas as pa

    schema = parse(spec)
    failures = pd.DataFrame(columns=["column", "check", "check_number", "failure_case"])
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        failures = err.failure_cases
    check = failures["check"].astype(str)
    missing = set(failures.loc[check == "column_in_dataframe", "failure_case"].astype(str))
    results = []
    for column, spec_column in schema.columns.items():
        mine = failures[failures["column"] == column]
        numbered = iter(range(len(spec_column.checks)))
        for text in spec_column.nbops_checks:
            if column in missing:
                rows = failures[
                    (check == "column_in_dataframe")
                    & (failures["failure_case"].astype(str) == column)
                ]
            elif text in PANDERA_NAMES:
                rows = mine[mine["check"].astype(str) == PANDERA_NAMES[text]]
            else:
                rows = mine[mine["check_number"] == next(numbered)]
            results.append(_result(column, text, rows))
    frame = failures[(failures["column"] == schema.name) & (check != "column_in_dataframe")]
    for number, frame_check in enumerate(schema.checks):
        results.append(_result("(frame)", frame_check.name, frame[frame["check_number"] == number]))
    return ExpectationReport(name, results)


def _result(column: str, text: str, rows: pd.DataFrame) -> CheckResult:
    examples = [str(v) for v in rows["failure_case"].head(MAX_EXAMPLES)] if len(rows) else []
    return CheckResult(column, text, rows.empty, len(rows), examples)


def infer(df: pd.DataFrame, max_categories: int = 20) -> str:
    """Write a spec that ``df`` (a reference) meets: types, nulls, ranges, small category sets."""
    lines = [f"rows: {max(0, len(df) // 2)}..{len(df) * 2}"]
    for column in df.columns:
        series = df[column]
        kind = next(
            (k for k in ("bool", "int", "float", "datetime", "str") if KINDS[k](series.dtype)), None
        )
        checks = [kind] if kind else []
        if not series.isna().any():
            checks.append("not null")
        if kind in ("int", "float") and series.notna().any():
            checks.append(
                f"{series.min()!r}..{series.max()!r}".replace("np.float64(", "")
                .replace("np.int64(", "")
                .replace(")", "")
            )
        elif kind == "str" and 0 < series.nunique() <= max_categories:
            checks.append("in {" + ", ".join(sorted(map(str, series.dropna().unique()))) + "}")
        if checks:
            lines.append(f"{column}: {', '.join(checks)}")
    return "\n".join(lines) + "\n"


def report_json(report: ExpectationReport) -> str:
    """The report as JSON text (for the run's artifact)."""
    return json.dumps(report.to_dict(), indent=1)
