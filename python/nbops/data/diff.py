"""What changed between two snapshots: schema, rows added, removed and changed, values by column.

``nbops data diff A B [--key COL ...]``. Rows are matched by the key's values (or by position
without a key) through 64-bit hashes of the key, and compared one column at a time from the
Parquet files: memory holds the key hashes and two columns at once, never both tables, so two
snapshots of ten million rows are diffed on a laptop. Each shared column also gets the drift
measure ``nbops monitor`` uses, on up to :data:`DRIFT_SAMPLE` rows of each side.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import InputError
from .catalog import Catalog, Entry
from .drift import DEFAULT_THRESHOLD, ColumnDrift
from .drift import compare as drift_compare

DRIFT_SAMPLE = 200_000
EXAMPLES = 3
INDEX_PREFIX = "__index_level_"  # pandas' index, as pyarrow stores it: not a column of the data


@dataclass
class ColumnChange:
    """A shared column: how many matched rows have another value, with the first examples."""

    column: str
    changed: int
    examples: list[dict] = field(default_factory=list)


@dataclass
class DataDiff:
    """Snapshot ``b`` against snapshot ``a``."""

    a: dict
    b: dict
    key: list[str]
    added_columns: list[str] = field(default_factory=list)
    removed_columns: list[str] = field(default_factory=list)
    retyped: list[dict] = field(default_factory=list)
    rows_added: int = 0
    rows_removed: int = 0
    rows_changed: int = 0
    rows_matched: int = 0
    columns: list[ColumnChange] = field(default_factory=list)
    drift: list[ColumnDrift] = field(default_factory=list)
    drift_sample: int | None = None

    @property
    def differs(self) -> bool:
        """Whether the contents differ (what ``--exit-code`` answers)."""
        return self.a["id"] != self.b["id"]

    def to_dict(self) -> dict:
        """A JSON-ready dict (``--json``): a value that is not a finite number is ``None``."""
        return _finite({**asdict(self), "differs": self.differs})

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/plain": "\n".join(self.lines())}

    def lines(self) -> list[str]:
        """What a terminal shows: the summary, then each changed column."""
        by = f"by {', '.join(self.key)}" if self.key else "by position: no --key"
        out = [
            f"{_label(self.b)} against {_label(self.a)}",
            "",
            f"rows: {self.a['rows']:,} -> {self.b['rows']:,}: {self.rows_added:,} added, "
            f"{self.rows_removed:,} removed, {self.rows_changed:,} of {self.rows_matched:,} "
            f"matched rows changed ({by})",
        ]
        if not self.differs:
            return [*out[:2], "same content (same fingerprint)"]
        schema = [f"+{c}" for c in self.added_columns] + [f"-{c}" for c in self.removed_columns]
        schema += [f"~{r['column']} {r['a']} -> {r['b']}" for r in self.retyped]
        out.append(f"columns: {', '.join(schema) or 'same names and types'}")
        changed = [c for c in self.columns if c.changed]
        if changed:
            out += ["", "Values changed"]
            for column in changed:
                out.append(f"  {column.column}: {column.changed:,} rows")
                out += [f"    {_example(e)}" for e in column.examples]
        drifted = [d for d in self.drift if d.drifted]
        if self.drift:
            sample = f" (a sample of {self.drift_sample:,} rows)" if self.drift_sample else ""
            names = ", ".join(f"{d.column} PSI {d.psi:.3f}" for d in drifted) or "none"
            out += ["", f"distribution shift{sample}: {names}"]
        return out


def data_diff(catalog: Catalog, a: str, b: str, key: list[str] | None = None) -> DataDiff:
    """Diff snapshot ``b`` against snapshot ``a`` (each as :meth:`Catalog.find` takes it).

    Parameters
    ----------
    catalog:
        The project's snapshot catalog.
    a, b:
        The snapshots.
    key:
        Columns whose values name a row in both (unique in each); rows are matched by position
        without them.
    """
    import pyarrow.parquet as pq

    entry_a, entry_b = catalog.find(a), catalog.find(b)
    path_a, path_b = catalog.local_copy(entry_a.id), catalog.local_copy(entry_b.id)
    types_a, types_b = _types(pq.read_schema(path_a)), _types(pq.read_schema(path_b))
    key = list(key or [])
    for side, types in (("A", types_a), ("B", types_b)):
        missing = [k for k in key if k not in types]
        if missing:
            raise InputError(
                f"Key column {missing[0]!r} is not in snapshot {side}.",
                f"Its columns: {', '.join(types)}.",
            )
    found = DataDiff(_about(entry_a), _about(entry_b), key)
    found.added_columns = [c for c in types_b if c not in types_a]
    found.removed_columns = [c for c in types_a if c not in types_b]
    shared = [c for c in types_a if c in types_b and c not in key]
    found.retyped = [
        {"column": c, "a": types_a[c], "b": types_b[c]} for c in shared if types_a[c] != types_b[c]
    ]
    keys_a, hashes_a, order_a = _keys(path_a, key, entry_a.rows, "A")
    _, hashes_b, order_b = _keys(path_b, key, entry_b.rows, "B")
    index_a, index_b = _match(hashes_a[order_a], order_a, hashes_b[order_b], order_b)
    found.rows_matched = len(index_a)
    found.rows_added, found.rows_removed = (
        len(hashes_b) - len(index_b),
        len(hashes_a) - len(index_a),
    )
    if found.differs:
        _compare_columns(found, path_a, path_b, shared, keys_a, (index_a, index_b))
    return found


def _types(schema) -> dict[str, str]:
    return {f.name: str(f.type) for f in schema if not f.name.startswith(INDEX_PREFIX)}


def _about(entry: Entry) -> dict:
    return {"id": entry.id, "name": entry.name, "rows": entry.rows, "columns": entry.columns}


def _keys(path, key: list[str], rows: int, side: str):
    """The key's values (``None`` by position), a 64-bit hash of each row's key (an integer key
    is its own) and the rows' order by that hash."""
    if not key:
        return None, np.arange(rows, dtype=np.uint64), np.arange(rows)
    import pyarrow.parquet as pq

    frame = pq.read_table(path, columns=key).to_pandas().reset_index(drop=True)
    (first,) = frame.columns[:1]
    if len(key) == 1 and pd.api.types.is_integer_dtype(frame[first]):
        hashes = frame[first].to_numpy().astype(np.uint64, copy=False)
    else:
        hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    order = np.argsort(hashes)
    ordered = hashes[order]
    repeated = int(np.count_nonzero(ordered[1:] == ordered[:-1]))
    if repeated:
        raise InputError(
            f"The key {', '.join(key)} does not name one row in snapshot {side}: "
            f"{repeated:,} rows repeat another row's key.",
            "Give more --key columns, so that each row's key is its own.",
        )
    return frame, hashes, order


def _match(sorted_a, order_a, sorted_b, order_b) -> tuple[np.ndarray, np.ndarray]:
    """Positions in A and in B of the rows whose keys both have, in the keys' order: a binary
    search of B's sorted keys in A's (sorted queries: it runs through memory once)."""
    if not len(sorted_a):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    where = np.searchsorted(sorted_a, sorted_b).clip(max=len(sorted_a) - 1)
    found = sorted_a[where] == sorted_b
    return order_a[where[found]], order_b[found]


def _read_column(path, column: str):
    """One column as Arrow reads it; text dictionary-encoded (each distinct value once)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=[column], read_dictionary=[column])
    return table.column(column)


def _comparable(values) -> np.ndarray:
    """A column as NumPy compares it fast: numbers, booleans and times as they are; anything
    else as a 64-bit hash per row, computed once per distinct value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = values.type
    if (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or (pa.types.is_temporal(kind))
    ):
        if values.null_count:  # nulls as NaN/NaT, equal to each other below
            return values.to_pandas().to_numpy()
        return values.to_numpy()
    if not pa.types.is_dictionary(kind):
        values = pc.dictionary_encode(values)
    values = values.unify_dictionaries()
    chunks = values.chunks
    if not chunks:
        return np.zeros(0, np.uint64)
    dictionary = chunks[0].dictionary.to_pandas()
    per_value = np.append(pd.util.hash_pandas_object(dictionary, index=False).to_numpy(), 0)
    codes = np.concatenate(
        [c.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) for c in chunks]
    )
    return per_value[codes]  # -1 (missing) takes the appended 0


def _differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which matched rows hold another value (missing equals missing)."""
    if a.dtype != b.dtype:
        return np.ones(len(a), dtype=bool)
    same = a == b
    if a.dtype.kind in "fmMO":
        same |= pd.isna(a) & pd.isna(b)
    return ~same


def _compare_columns(found: DataDiff, path_a, path_b, shared, keys_a, matched) -> None:
    """Count, per shared column, the matched rows whose value changed; then the drift."""
    index_a, index_b = matched
    changed_rows = np.zeros(len(index_a), dtype=bool)
    retyped = {r["column"] for r in found.retyped}
    reference, current = {}, {}
    sample_a = np.arange(0, found.a["rows"], max(1, found.a["rows"] // DRIFT_SAMPLE))
    sample_b = np.arange(0, found.b["rows"], max(1, found.b["rows"] // DRIFT_SAMPLE))
    for column in shared:
        values_a, values_b = _read_column(path_a, column), _read_column(path_b, column)
        reference[column] = _plain_series(values_a.take(sample_a))
        current[column] = _plain_series(values_b.take(sample_b))
        if column in retyped:  # another type: every value differs; the schema line says so
            continue
        differs = _differs(_comparable(values_a)[index_a], _comparable(values_b)[index_b])
        changed_rows |= differs
        examples = [
            {
                "key": _row_key(keys_a, int(index_a[p])),
                "a": _plain(values_a[int(index_a[p])].as_py()),
                "b": _plain(values_b[int(index_b[p])].as_py()),
            }
            for p in np.flatnonzero(differs)[:EXAMPLES]
        ]
        found.columns.append(ColumnChange(column, int(differs.sum()), examples))
    found.rows_changed = int(changed_rows.sum())
    found.columns.sort(key=lambda c: -c.changed)
    if reference:
        report = drift_compare(pd.DataFrame(reference), pd.DataFrame(current), DEFAULT_THRESHOLD)
        found.drift = report.columns
        found.drift_sample = len(sample_a) if len(sample_a) < found.a["rows"] else None


def _plain_series(values) -> pd.Series:
    """A sample for the drift measure: text as plain strings, not categories."""
    series = values.to_pandas()
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(series.cat.categories.dtype)
    return series.reset_index(drop=True)


def _row_key(keys: pd.DataFrame | None, row: int) -> dict:
    if keys is None:
        return {"row": row}
    return {k: _plain(v) for k, v in keys.iloc[row].items()}


def _plain(value: object) -> object:
    """A value as JSON writes it (NumPy scalars to Python's)."""
    if isinstance(value, np.generic):
        return value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value if isinstance(value, int | float | str | bool) else str(value)


def _finite(value: object) -> object:
    """``value`` with every NaN or infinity in it as ``None`` (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _label(about: dict) -> str:
    return f"{about['name']} {about['id'][:8]} ({about['rows']:,} rows)"


def _example(example: dict) -> str:
    key = ", ".join(f"{k}={v!r}" for k, v in example["key"].items())
    return f"{key}: {example['a']!r} -> {example['b']!r}"
