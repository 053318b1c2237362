"""CLI tables at 60, 80 and 120 columns keep what matters: golden outputs of ``nbops runs`` and
``nbops snapshots`` tables (made from fixed runs and snapshots at a fixed time), and the rules
they follow. Regenerate a golden file by deleting it and running the test once; read it before
committing it."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from rich.console import Console

from nbops.cli.tables import MIN_ID, Column, When, fitting_table, relative_time
from nbops.cli.tracking import runs_table, snapshots_table
from nbops.data.catalog import Entry
from nbops.store.base import RunSummary

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 12, 3, 12, 0, 0).timestamp()
WIDTHS = (60, 80, 120)


def runs() -> list[RunSummary]:
    start = int((NOW - 3600) * 1000)
    return [
        RunSummary(
            run_id=f"{i:x}" * 32,
            name=name,
            experiment="notebooks/02_train.ipynb",
            status="FINISHED",
            start_time=start + i * 60_000,
            end_time=start + i * 60_000 + 4200,
            metrics={"cv_rmse": 54.123456 + i, "r2": 0.4871, "train_rmse": 50.5},
        )
        for i, name in enumerate(["ridge alpha=0.1 fold-5", "ridge alpha=1.0", "lasso baseline"], 1)
    ]


def snapshots() -> list[Entry]:
    made = datetime.fromtimestamp(NOW - 86400 * 2).astimezone().isoformat()
    return [
        Entry(
            id=f"{c}{i}" * 16,
            name=name,
            role=role,
            run_id="ab" * 16,
            created=made,
            rows=rows,
            columns=11,
        )
        for i, (c, name, role, rows) in enumerate(
            [
                ("e", "diabetes_raw", "input", 442),
                ("f", "train", "output", 331),
                ("a", "test", "output", 111),
            ]
        )
    ]


def render(table, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(table)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


TABLES = {
    "runs": lambda width: runs_table("Runs", runs(), True, False, now=NOW, width=width),
    "snapshots": lambda width: snapshots_table(snapshots(), False, now=NOW, width=width),
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", sorted(TABLES))
def test_tables_match_their_golden_output(kind, width):
    text = render(TABLES[kind](width), width)
    golden = GOLDEN / f"{kind}-{width}.txt"
    if not golden.exists():  # a new golden file: written once, to be read and committed
        golden.write_text(text)
    assert text == golden.read_text()
    assert max(len(line) for line in text.splitlines()) <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_runs_keep_ids_names_and_metrics_first(width):
    text = render(TABLES["runs"](width), width)
    for run in runs():
        assert run.run_id[:MIN_ID] in text  # an id is never cut under 8 characters
    assert "lasso basel" in text  # names before experiments and times
    assert "cv_rmse=55.12" in text  # the first metric whole
    assert "experiment" not in text  # it goes before a name or a metric is cut
    assert ("59m ago" in text) == (width == 80)  # relative times on narrow terminals
    assert ("12-03 11:01:00" in text) == (width == 120)
    if width >= 80:
        assert "ridge alpha=1.0" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_snapshots_keep_names_ids_and_shapes(width):
    text = render(TABLES["snapshots"](width), width)
    for entry in snapshots():
        assert entry.name in text
        shown = entry.id if width >= 100 else entry.id[:12]  # whole, else twelve characters
        assert re.search(rf"\b{shown}\b", text)
        assert f" {entry.rows} " in text
    assert ("2d ago" in text) == (width == 80)  # relative at 80; at 60 the time goes first
    assert ("12-01 12:00:00" in text) == (width == 120)


def test_wide_shows_every_value_whole():
    text = render(runs_table("Runs", runs(), True, True, now=NOW, width=250), 250)
    assert "1" * 32 in text and "notebooks/02_train.ipynb" in text  # every column, whole


def test_the_least_important_column_goes_first_and_order_is_kept():
    columns = [Column("a", keep=1), Column("b", keep=9), Column("c", 1, keep=5, minimum=20)]
    table = fitting_table(None, columns, [("x" * 10, "y" * 10, "z" * 30)], width=50)
    assert [c.header for c in table.columns] == ["b", "c"]


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (1, "just now"),
        (42, "42s ago"),
        (300, "5m ago"),
        (3 * 3600 + 5, "3h ago"),
        (86400 * 12, "12d ago"),
    ],
)
def test_relative_times(ago, text):
    assert relative_time(NOW - ago, NOW) == text
    assert When(NOW - ago, NOW).relative == text
