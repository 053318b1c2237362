import json

import mlflow
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.data.fingerprint import fingerprint
from nbops.data.snapshot import catalog_of, load, take_snapshot
from nbops.exceptions import InputError, NotFoundError, SnapshotIntegrityError


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, 1000),
            "income": rng.normal(50_000, 10_000, 1000),
            "city": rng.choice(["Lyon", "Paris", "Nice"], 1000),
            "joined": pd.date_range("2020-01-01", periods=1000, freq="h"),
        }
    )


def data_files(session):
    return sorted(catalog_of(session).root.glob("data/*.parquet"))


def test_snapshot_stores_once_and_records_lineage(session, frame):
    first = take_snapshot(session, frame, "customers")
    assert first.written and first.id == fingerprint(frame)
    (path,) = data_files(session)
    stamp = path.stat().st_mtime_ns
    again = take_snapshot(session, frame.copy(), "customers", role="output")
    assert not again.written and again.id == first.id
    assert data_files(session) == [path] and path.stat().st_mtime_ns == stamp  # no new bytes
    entries = catalog_of(session).entries("customers")
    assert [(e.role, e.run_id) for e in entries] == [("input", session.run_id)] * 1 + [
        ("output", session.run_id)
    ]
    features = take_snapshot(session, frame.assign(ratio=frame["income"] / 2), "features", "output")
    run_id = session.end_run()
    inputs = mlflow.MlflowClient(session.settings.tracking_uri).get_run(run_id).inputs
    datasets = {
        (d.dataset.name, d.dataset.digest, d.tags[0].value) for d in inputs.dataset_inputs
    }  # visible in `mlflow ui` with our digest and the role as context
    assert datasets == {("customers", first.id, "input"), ("features", features.id, "output")}


def test_profile(session, frame):
    profile = take_snapshot(session, frame, "customers").profile
    assert profile["rows"] == 1000
    age = profile["columns"]["age"]
    assert age["min"] >= 18 and age["max"] < 90 and age["nulls"] == 0
    assert sum(age["histogram"]["counts"]) == 1000 and "0.5" in age["quantiles"]
    city = profile["columns"]["city"]
    assert city["distinct"] == 3 and {t["value"] for t in city["top"]} == {"Lyon", "Paris", "Nice"}
    assert profile["columns"]["joined"]["min"].startswith("2020-01-01")


def test_load_by_name_version_and_id_verifies(session, frame):
    v1 = take_snapshot(session, frame, "customers")
    changed = frame.assign(age=frame["age"] + 1)
    v2 = take_snapshot(session, changed, "customers")
    pd.testing.assert_frame_equal(load(session, "customers"), changed)
    pd.testing.assert_frame_equal(load(session, "customers", version=1), frame)
    pd.testing.assert_frame_equal(load(session, v2.id[:10]), changed)
    assert fingerprint(load(session, v1.id)) == v1.id
    with pytest.raises(NotFoundError, match="Known snapshots: customers"):
        load(session, "nope")
    with pytest.raises(NotFoundError, match="versions 1 to 2"):
        load(session, "customers", version=3)


def test_latest_is_the_last_write_and_versions_run_from_one(session, frame):
    a, b = frame, frame.assign(age=frame["age"] + 1)
    take_snapshot(session, a, "customers")
    take_snapshot(session, b, "customers")
    load(session, "customers", version=1)  # a read makes no version
    take_snapshot(session, a, "customers")
    take_snapshot(session, a, "customers")  # the same content again: no new version
    catalog = catalog_of(session)
    assert [v.id for v in catalog.versions("customers")] == [
        fingerprint(a),
        fingerprint(b),
        fingerprint(a),
    ]
    pd.testing.assert_frame_equal(load(session, "customers"), a)  # the last written
    pd.testing.assert_frame_equal(load(session, "customers", version="2"), b)
    before = len(catalog.entries())
    for bad in (0, -1, "0", "-1", "first", 1.5, True):
        with pytest.raises(InputError, match="is not a snapshot version"):
            load(session, "customers", version=bad)
    with pytest.raises(NotFoundError, match="no version 4"):
        load(session, "customers", version=4)
    assert len(catalog.entries()) == before  # a refused read records nothing


def test_edited_or_truncated_file_is_refused(session, frame):
    snap = take_snapshot(session, frame, "customers")
    edited = frame.copy()
    edited.loc[999, "income"] = 0.0
    edited.to_parquet(snap.path, compression="zstd")
    with pytest.raises(SnapshotIntegrityError) as err:
        load(session, "customers")
    assert snap.id in str(err.value) and fingerprint(edited) in str(err.value)
    snap.path.write_bytes(snap.path.read_bytes()[:100])
    with pytest.raises(SnapshotIntegrityError, match="changed or truncated"):
        load(session, "customers")


def test_bad_frames_are_refused_and_nothing_is_written(session, frame):
    dupes = pd.concat([frame[["age"]], frame[["age"]]], axis=1)
    with pytest.raises(InputError, match="duplicated column names: age"):
        take_snapshot(session, dupes, "d")
    with pytest.raises(InputError, match="non-string column names"):
        take_snapshot(session, pd.DataFrame({0: [1]}), "n")
    wide = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    with pytest.raises(InputError, match="Flatten"):
        take_snapshot(session, wide, "wide")
    with pytest.raises(InputError, match="role"):
        take_snapshot(session, frame, "x", role="training")
    assert data_files(session) == []


def test_empty_and_multiindex_frames_round_trip(session):
    empty = pd.DataFrame({"a": pd.Series([], dtype="float64")})
    assert load(session, take_snapshot(session, empty, "empty").id).shape == (0, 1)
    index = pd.MultiIndex.from_tuples([("x", 1), ("y", 2)], names=["k", "n"])
    multi = pd.DataFrame({"v": [1.0, 2.0]}, index=index)
    pd.testing.assert_frame_equal(load(session, take_snapshot(session, multi, "multi").id), multi)


def test_snapshots_cli_and_metadata_file(session, frame):
    snap = take_snapshot(session, frame, "customers")
    session.flush()
    meta = json.loads(catalog_of(session).meta_path(snap.id).read_text())
    assert [c["name"] for c in meta["schema"]] == ["age", "income", "city", "joined"]
    result = CliRunner().invoke(main, ["snapshots", "--name", "customers"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert snap.id in result.output and "customers" in result.output


@pytest.mark.parametrize("pins", ["{not json", "[1, 2]", '{"customers": 3}', '"abc"'])
def test_malformed_pins_are_refused_not_ignored(session, frame, monkeypatch, pins):
    first = take_snapshot(session, frame, "customers")
    take_snapshot(session, frame.head(10), "customers")  # a newer version a step must not read
    monkeypatch.setenv("NBOPS_SNAPSHOT_PINS", pins)
    with pytest.raises(InputError, match="NBOPS_SNAPSHOT_PINS are malformed"):
        load(session, "customers")
    monkeypatch.setenv("NBOPS_SNAPSHOT_PINS", json.dumps({"customers": first.id}))
    assert len(load(session, "customers")) == len(frame)  # the pinned version, not the latest
    assert len(catalog_of(session).versions("customers")) == 2  # nothing lost
