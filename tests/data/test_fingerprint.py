import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from nbops.data import fingerprint as fp_module
from nbops.data.fingerprint import fingerprint
from nbops.exceptions import InputError

N = 1_000_000


@pytest.fixture(scope="module")
def big():
    """1M rows of every column family nbops covers."""
    idx = np.arange(N)
    return pd.DataFrame(
        {
            "int": idx,
            "float": idx / 7,
            "bool": idx % 3 == 0,
            "str": pd.Series(idx).astype(str),
            "object": pd.Series(["v"] * N, dtype=object),
            "when": pd.date_range("2024-01-01", periods=N, freq="s"),
            "when_tz": pd.date_range("2024-01-01", periods=N, freq="s", tz="Europe/Paris"),
            "delta": pd.to_timedelta(idx, unit="s"),
            "category": pd.Categorical(np.where(idx % 2, "a", "b")),
            "nullable": pd.array(idx, dtype="Int64"),
            "arrow": pd.array(idx, dtype="int64[pyarrow]"),
        }
    )


def test_every_last_row_change_changes_the_fingerprint(big):
    base = fingerprint(big)
    changes = {
        "int": -1,
        "float": 0.5,
        "bool": not big["bool"].iloc[-1],
        "str": "x",
        "object": "w",
        "when": pd.Timestamp("2000-01-01"),
        "when_tz": pd.Timestamp("2000-01-01", tz="Europe/Paris"),
        "delta": pd.Timedelta(seconds=1),
        "category": "a" if big["category"].iloc[-1] == "b" else "b",
        "nullable": pd.NA,
        "arrow": 5,
    }
    for column, value in changes.items():
        changed = big.copy()
        changed.loc[N - 1, column] = value
        assert fingerprint(changed) != base, column


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")  # raised inside MLflow
def test_mlflow_digest_misses_what_ours_catches(big):
    mlflow_data = pytest.importorskip("mlflow.data")
    frame = big[["int", "float"]]
    changed = frame.copy()
    changed.loc[N - 1, "float"] += 1
    assert fingerprint(changed) != fingerprint(frame)
    assert mlflow_data.from_pandas(changed).digest == mlflow_data.from_pandas(frame).digest


def test_structure_counts(big):
    small = big.head(100)
    base = fingerprint(small)
    assert fingerprint(small[list(reversed(small.columns))]) != base
    assert fingerprint(small.rename(columns={"int": "i"})) != base
    assert fingerprint(small.set_axis(range(1, 101))) != base
    assert fingerprint(small.astype({"int": "int32"})) != base


def test_same_data_same_fingerprint_across_representations(big):
    small = big.head(1000)
    base = fingerprint(small)
    assert fingerprint(small.copy()) == base
    assert fingerprint(small.astype({"when": "datetime64[ns]"})) == base  # pandas 2 vs 3 units
    assert fingerprint(small.astype({"when": "datetime64[ms]"})) == base
    assert fingerprint(small.astype({"str": object})) == base  # object vs pandas 3 strings
    assert fingerprint(small.astype({"str": "string[pyarrow]"})) == base
    chunked = pd.concat([small.iloc[:300], small.iloc[300:]])
    assert fingerprint(chunked) == base


def test_chunking_does_not_change_the_result(big, monkeypatch):
    small = big.head(5000)
    base = fingerprint(small)
    monkeypatch.setattr(fp_module, "CHUNK_ROWS", 777)
    assert fingerprint(small) == base


def test_stable_across_processes(big):
    small = big.head(2000)
    path_code = (
        "import pandas as pd, sys\n"
        "from nbops.data.fingerprint import fingerprint\n"
        "print(fingerprint(pd.read_pickle(sys.argv[1])))"
    )
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pkl") as handle:
        small.to_pickle(handle.name)
        out = subprocess.run(
            [sys.executable, "-c", path_code, handle.name],
            capture_output=True,
            text=True,
            check=True,
        )
    assert out.stdout.strip() == fingerprint(small)


def test_nested_values_are_hashed_and_mixed_types_refused():
    nested = pd.DataFrame({"x": [[1, 2], [3]], "y": [{"a": 1}, {"a": 2}]})
    changed = pd.DataFrame({"x": [[1, 2], [4]], "y": [{"a": 1}, {"a": 2}]})
    assert fingerprint(nested) != fingerprint(changed)
    with pytest.raises(InputError, match="Column 'mixed' mixes value types"):
        fingerprint(pd.DataFrame({"mixed": [1, "a"]}))
    with pytest.raises(InputError, match="DataFrame"):
        fingerprint([1, 2])


def test_empty_and_multiindex_frames():
    assert fingerprint(pd.DataFrame()) == fingerprint(pd.DataFrame())
    assert fingerprint(pd.DataFrame({"a": []})) != fingerprint(pd.DataFrame({"b": []}))
    index = pd.MultiIndex.from_tuples([("x", 1), ("y", 2)], names=["k", "n"])
    frame = pd.DataFrame({"v": [1.0, 2.0]}, index=index)
    other = pd.DataFrame({"v": [1.0, 2.0]}, index=index.set_levels([["x", "z"], [1, 2]]))
    assert fingerprint(frame) != fingerprint(other)
