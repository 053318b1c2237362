"""A hash of the full content of a pandas DataFrame: every value, dtypes, names, order, index.

Each column is hashed as canonical streams (values, validity, string lengths) with xxh3-128, row
chunk by row chunk, so a large frame is never copied whole and chunking does not change the result.
Canonical forms keep the hash stable across processes, machines and pandas versions: little-endian
values, datetimes as UTC nanoseconds whatever their unit, strings as UTF-8 with their lengths,
categoricals as their categories and codes, null slots zeroed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import xxhash

from ..exceptions import InputError

FORMAT = b"nbops-fingerprint-1"
CHUNK_ROWS = 1 << 20
_MASKED = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)


class _Streams:
    """Named xxh3-128 streams of one column; the digest covers every stream, in name order."""

    def __init__(self) -> None:
        self._streams: dict[str, xxhash.xxh3_128] = {}

    def update(self, name: str, data) -> None:
        self._streams.setdefault(name, xxhash.xxh3_128()).update(data)

    def digest(self) -> bytes:
        combined = xxhash.xxh3_128()
        for name in sorted(self._streams):
            combined.update(name.encode() + b"\0" + self._streams[name].digest())
        return combined.digest()


def _little_endian(values: np.ndarray) -> np.ndarray:
    if values.dtype.byteorder == ">" or (
        values.dtype.byteorder == "=" and np.little_endian is False
    ):
        return values.astype(values.dtype.newbyteorder("<"))
    return values


def _validity(valid: np.ndarray) -> bytes:
    """One byte per value (not packed bits, which would depend on where chunks start)."""
    return np.ascontiguousarray(valid, dtype=bool).view(np.uint8).tobytes()


def _hash_numpy(values: np.ndarray, mask: np.ndarray | None, streams: _Streams) -> None:
    """Hash a numeric/bool numpy chunk; masked slots are zeroed so their content does not count."""
    if values.dtype.kind in "mM":
        values = values.astype("datetime64[ns]" if values.dtype.kind == "M" else "timedelta64[ns]")
        values = values.view("int64")
    values = np.ascontiguousarray(_little_endian(values))
    if mask is not None:
        values = np.where(mask, np.zeros((), values.dtype), values)
        streams.update("validity", _validity(~np.asarray(mask)))
    streams.update("values", memoryview(values).cast("B"))


def _hash_arrow_strings(array: pa.Array, streams: _Streams) -> None:
    """Hash a chunk of strings (or binaries) as lengths, validity and concatenated bytes."""
    streams.update("validity", _validity(~array.is_null().to_numpy(zero_copy_only=False)))
    array = array.cast(pa.large_binary())
    offsets = np.frombuffer(array.buffers()[1], dtype="<i8")[
        array.offset : array.offset + len(array) + 1
    ]
    streams.update("lengths", np.diff(offsets).astype("<i8").tobytes())
    data = array.buffers()[2]
    if data is not None and offsets[-1] > offsets[0]:
        streams.update("values", memoryview(data)[offsets[0] : offsets[-1]])


def _hash_arrow_nested(array: pa.Array, column: str, streams: _Streams) -> None:
    """Hash lists, structs and other nested values through their canonical JSON text."""
    import json

    try:
        texts = [
            None if v is None else json.dumps(v, sort_keys=True, default=str)
            for v in array.to_pylist()
        ]
    except (TypeError, ValueError) as err:
        raise InputError(
            f"Column {column!r} holds values that cannot be hashed: {err}.",
            "Convert it to strings or numbers before fingerprinting.",
        ) from err
    _hash_arrow_strings(pa.array(texts, type=pa.large_string()), streams)


def _arrow_scalars(array: pa.Array) -> pa.Array:
    """Arrow scalars as plain numbers with nulls zeroed (their dtype must not depend on nulls)."""
    kind = array.type
    if pa.types.is_timestamp(kind):
        array = array.cast(pa.timestamp("ns", tz=kind.tz)).cast(pa.int64())
    elif pa.types.is_duration(kind):
        array = array.cast(pa.duration("ns")).cast(pa.int64())
    elif pa.types.is_date(kind) or pa.types.is_time(kind):
        array = array.cast(pa.int64())
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        return array.fill_null(0)
    if pa.types.is_boolean(array.type):
        return array.fill_null(False)
    return array


def _to_arrow(chunk: pd.Series, column: str) -> pa.Array:
    try:
        array = pa.array(chunk, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as err:
        raise InputError(
            f"Column {column!r} mixes value types ({err}), so it has no stable fingerprint.",
            "Give it one type, e.g. df[col] = df[col].astype(str).",
        ) from err
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _hash_chunk(chunk: pd.Series, column: str, streams: _Streams) -> None:
    dtype = chunk.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = chunk.cat.codes.to_numpy().astype("<i8")
        streams.update("codes", codes.tobytes())
        return
    if isinstance(dtype, pd.DatetimeTZDtype):
        values = chunk.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        _hash_numpy(values, None, streams)
        return
    if isinstance(dtype, np.dtype) and dtype.kind in "biufcmM":
        _hash_numpy(chunk.to_numpy(), None, streams)
        return
    if isinstance(chunk.array, _MASKED):  # Int64, Float64, boolean: nulls as a mask
        array = chunk.array
        _hash_numpy(array.to_numpy(array.dtype.numpy_dtype, na_value=0), array.isna(), streams)
        return
    array = _to_arrow(chunk, column)
    if (
        pa.types.is_string(array.type)
        or pa.types.is_large_string(array.type)
        or pa.types.is_binary(array.type)
        or pa.types.is_large_binary(array.type)
    ):
        _hash_arrow_strings(array, streams)
    elif pa.types.is_null(array.type):
        streams.update("validity", _validity(np.zeros(len(array), bool)))
    elif pa.types.is_nested(array.type):
        _hash_arrow_nested(array, column, streams)
    else:  # arrow-backed numbers, dates, decimals...
        mask = array.is_null().to_numpy(zero_copy_only=False)
        values = _arrow_scalars(array).to_numpy(zero_copy_only=False)
        if values.dtype == object:
            _hash_arrow_nested(array, column, streams)
        else:
            _hash_numpy(values, mask, streams)


def _canonical_dtype(dtype) -> str:
    """The dtype as hashed: the same data under pandas 2 and 3 gives the same text."""
    if isinstance(dtype, pd.DatetimeTZDtype):
        return f"datetime[{dtype.tz}]"
    if isinstance(dtype, pd.CategoricalDtype):
        return f"category[ordered={dtype.ordered}]"
    if isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype):
        return "string-or-object"
    text = str(dtype)
    for prefix in ("datetime64", "timedelta64"):
        if text.startswith(prefix):
            return prefix
    return text.lower()


def _hash_column(series: pd.Series, column: str) -> bytes:
    streams = _Streams()
    streams.update("dtype", _canonical_dtype(series.dtype).encode())
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = pd.Series(series.cat.categories)
        streams.update("categories", _hash_column(categories, f"{column} (categories)"))
    for start in range(0, len(series), CHUNK_ROWS):
        _hash_chunk(series.iloc[start : start + CHUNK_ROWS], column, streams)
    return streams.digest()


def _hash_range(index: pd.RangeIndex) -> bytes:
    """Hash a RangeIndex as the int64 column it stands for, generating it chunk by chunk."""
    streams = _Streams()
    streams.update("dtype", b"int64")
    for start in range(0, len(index), CHUNK_ROWS):
        chunk = index[start : start + CHUNK_ROWS]
        values = np.arange(chunk.start, chunk.stop, chunk.step, dtype="<i8")
        streams.update("values", memoryview(values).cast("B"))
    return streams.digest()


def _index_digests(index: pd.Index):
    if isinstance(index, pd.RangeIndex):
        yield "index", _hash_range(index)
        return
    for level in range(index.nlevels):
        name = f"index:{index.names[level]}"
        yield name, _hash_column(pd.Series(index.get_level_values(level)), name)


def fingerprint(df: pd.DataFrame) -> str:
    """Return a 32-hex-digit hash of the full content of ``df``.

    Parameters
    ----------
    df:
        The frame. Any single changed value, dtype, column name, column order or index value
        changes the result; the same data gives the same result in any process.

    Raises :class:`InputError` naming a column whose values have no stable hash (mixed types).
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"Cannot fingerprint a {type(df).__name__}.", "Pass a pandas DataFrame.")
    total = xxhash.xxh3_128(FORMAT)
    total.update(f"{len(df)}x{df.shape[1]}\0".encode())
    for position in range(df.shape[1]):
        name = str(df.columns[position])
        total.update(name.encode() + b"\0")
        total.update(_hash_column(df.iloc[:, position], name))
    for name, digest in _index_digests(df.index):
        total.update(name.encode() + b"\0")
        total.update(digest)
    return total.hexdigest()
