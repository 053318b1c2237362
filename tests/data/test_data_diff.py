"""``nbops data diff``: two versions of a snapshot in a real project, matched by key or position."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.data.diff import data_diff
from nbops.data.snapshot import catalog_of, take_snapshot
from nbops.exceptions import InputError


@pytest.fixture
def versions(session):
    """Version 1: customers 0-999. Version 2: 0-4 removed, 1000-1019 added, income of 10-14
    changed, age shifted by 30 years for everyone, a column added, ``city`` retyped."""
    rng = np.random.default_rng(0)
    one = pd.DataFrame(
        {
            "id": np.arange(1000),
            "age": rng.integers(18, 60, 1000),
            "income": rng.normal(50_000, 10_000, 1000).round(2),
            "city": rng.choice(["Lyon", "Paris", "Nice"], 1000),
        }
    )
    new = one.tail(20).assign(id=np.arange(1000, 1020))
    two = pd.concat([one.iloc[5:], new], ignore_index=True)
    two.loc[two.id.between(10, 14), "income"] += 1.0
    two["age"] += 30
    two["city"] = two.city.astype("category")
    two["segment"] = "b2c"
    take_snapshot(session, one, "customers")
    take_snapshot(session, two.sample(frac=1, random_state=1), "customers")  # another row order
    return catalog_of(session)


def test_rows_and_values_matched_by_key(versions):
    found = data_diff(versions, "customers@1", "customers@2", key=["id"])
    assert (found.a["rows"], found.b["rows"]) == (1000, 1015)
    assert (found.rows_added, found.rows_removed, found.rows_matched) == (20, 5, 995)
    assert found.added_columns == ["segment"] and found.removed_columns == []
    assert [r["column"] for r in found.retyped] == ["city"]
    changes = {c.column: c for c in found.columns}
    assert changes["age"].changed == 995 and changes["income"].changed == 5
    assert found.rows_changed == 995
    example = changes["income"].examples[0]
    assert example["b"] == pytest.approx(example["a"] + 1.0) and 10 <= example["key"]["id"] <= 14
    assert [d.column for d in found.drift if d.drifted] == ["age"]  # +30 years; income is not


def test_by_position_without_a_key_every_shuffled_row_differs(versions):
    found = data_diff(versions, "customers@1", "customers@2")
    assert found.key == [] and found.rows_matched == 1000 and found.rows_removed == 0
    assert found.rows_added == 15
    assert found.rows_changed > 990  # the rows are reshuffled: by position nearly all differ


def test_the_same_snapshot_has_no_differences(versions):
    found = data_diff(versions, "customers@1", "customers@1", key=["id"])
    assert not found.differs and found.columns == [] and found.rows_changed == 0
    assert "same content" in "\n".join(found.lines())


@pytest.mark.parametrize(
    ("key", "problem"),
    [(["nope"], "Key column 'nope' is not in snapshot A"), (["city"], "does not name one row")],
)
def test_a_bad_key_is_named(versions, key, problem):
    with pytest.raises(InputError, match=problem):
        data_diff(versions, "customers@1", "customers@2", key=key)


def test_the_cli(versions):
    runner = CliRunner()
    shown = runner.invoke(main, ["data", "diff", "customers@1", "customers", "--key", "id"])
    assert shown.exit_code == 0, shown.output
    assert "20 added, 5 removed, 995 of 995 matched rows changed (by id)" in shown.output
    assert "income: 5 rows" in shown.output and "+segment" in shown.output
    data = json.loads(
        runner.invoke(main, ["data", "diff", "customers@1", "customers@2", "--json"]).output
    )
    assert data["differs"] is True and data["b"]["rows"] == 1015
    differs = runner.invoke(main, ["data", "diff", "customers@1", "customers@2", "--exit-code"])
    assert differs.exit_code == 1
    missing = runner.invoke(main, ["data", "diff", "customers@1", "customers@7"])
    assert missing.exit_code == 2 and "has no version 7" in missing.output
    assert "Traceback" not in missing.output
