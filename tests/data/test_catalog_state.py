"""Local state that survives crashes and distrusts what it reads: a torn catalog line is skipped
and repaired, partial files of dead writers are removed, and a snapshot id is 32 hexadecimal
digits wherever it comes from before it names a file."""

import json
import logging
import os
import time

import pandas as pd
import pytest

import nbops
from nbops.capture.session import reset_session
from nbops.data.catalog import FolderCatalog, check_snapshot_id
from nbops.exceptions import InputError


@pytest.fixture
def project(jp_nbops_project, monkeypatch):
    monkeypatch.chdir(jp_nbops_project)
    yield jp_nbops_project
    reset_session()


def catalog_file(project):
    return project / ".nbops" / "artifacts" / "snapshots" / "catalog.jsonl"


def test_a_torn_catalog_line_is_skipped_with_a_warning_and_repaired(project, caplog):
    first = pd.DataFrame({"x": [1, 2, 3]})
    nbops.snapshot(first, "first")
    record = catalog_file(project)
    with record.open("a") as handle:  # a crash mid-append: half a line, no newline
        handle.write('{"id": "0123456789abcdef0123456789abcdef", "name": "sec')
    second = pd.DataFrame({"y": [4.0, 5.0]})
    with caplog.at_level(logging.WARNING):
        nbops.snapshot(second, "second")
        pd.testing.assert_frame_equal(nbops.load_snapshot("first"), first)
        pd.testing.assert_frame_equal(nbops.load_snapshot("second"), second)
    assert "damaged line(s)" in caplog.text
    lines = record.read_text().splitlines()
    assert all(json.loads(line)["name"] in ("first", "second") for line in lines)
    assert '"name": "sec' in (record.parent / "catalog.jsonl.damaged").read_text()
    assert len(lines) == 4  # two writes, two reads: nothing lost
    assert {s.name for s in nbops.snapshots()} == {"first", "second"}


def test_partial_files_of_dead_writers_are_removed_and_live_ones_kept(project):
    nbops.snapshot(pd.DataFrame({"x": [1]}), "one")
    data = project / ".nbops" / "artifacts" / "snapshots" / "data"
    stale, fresh = data / "a.parquet.111-1.partial", data / "b.parquet.222-2.partial"
    stale.write_bytes(b"half"), fresh.write_bytes(b"half")
    hour_ago = time.time() - 3700
    os.utime(stale, (hour_ago, hour_ago))
    nbops.snapshot(pd.DataFrame({"x": [2]}), "two")
    assert not stale.exists() and fresh.exists()
    assert not [p for p in data.iterdir() if p.name.endswith(".partial") and p != fresh]


@pytest.mark.parametrize(
    "value",
    ["../../../etc/passwd", "0" * 31, "0" * 33, "G" * 32, "0123456789ABCDEF" * 2, "", None, 7],
)
def test_a_snapshot_id_is_32_hexadecimal_digits(value, tmp_path):
    with pytest.raises(InputError, match="is not a snapshot id"):
        check_snapshot_id(value)
    catalog = FolderCatalog(tmp_path / "snapshots")
    if isinstance(value, str):
        with pytest.raises(InputError):
            catalog.data_path(value)
        assert not catalog.has("0" * 32)


def test_pins_that_are_not_ids_are_refused(project, monkeypatch):
    nbops.snapshot(pd.DataFrame({"x": [1]}), "xs")
    monkeypatch.setenv("NBOPS_SNAPSHOT_PINS", json.dumps({"xs": "../../secret"}))
    with pytest.raises(InputError, match=r"snapshot pinned for 'xs'.*is not a snapshot id"):
        nbops.load_snapshot("xs")


def test_a_record_with_an_id_that_is_not_one_is_skipped(project):
    nbops.snapshot(pd.DataFrame({"x": [1]}), "xs")
    record = catalog_file(project)
    crafted = {"id": "../../../../etc/passwd", "name": "xs", "role": "output", "run_id": None,
               "created": "2026-01-01T00:00:00+00:00", "rows": 1, "columns": 1}  # fmt: skip
    with record.open("a") as handle:
        handle.write(json.dumps(crafted) + "\n")
    frame = nbops.load_snapshot("xs")  # the latest valid version, not the crafted one
    assert frame["x"].tolist() == [1]
