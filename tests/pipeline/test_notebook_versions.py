"""Notebooks of every version nbformat reads, and malformed ones, through run, export and report.

The notebooks are made here as nbformat's own test suite makes them (3, 4.0 to 4.5, a later minor
version with properties this nbformat does not know, ids missing, repeated or breaking the
pattern), and each command is run through the CLI: no traceback, exit codes as documented
(0 done, 1 a cell failed, 2 nothing recorded).
"""

import json
import re
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.config import load_settings
from nbops.steps.export import read_notebook
from nbops.store import open_store

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def v3(text: str) -> str:
    cells = [nbformat.v3.new_code_cell(input=text)]
    nb = nbformat.v3.new_notebook(name="old", worksheets=[nbformat.v3.new_worksheet(cells=cells)])
    nb.metadata.kernelspec = KERNELSPEC
    return nbformat.v3.writes_json(nb)


def v4(text: str, minor: int, ids: list | None = None) -> dict:
    cells = [nbformat.v4.new_code_cell(text), nbformat.v4.new_markdown_cell("# notes")]
    nb = json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=cells)))
    nb["nbformat_minor"], nb["metadata"]["kernelspec"] = minor, KERNELSPEC
    for cell, given in zip(nb["cells"], ids or [None] * len(cells), strict=True):
        cell.pop("id")
        if given is not None:
            cell["id"] = given
    return nb


def future_minor(text: str) -> dict:
    """A 4.99 notebook with properties 4.5 does not have, at every level (as nbformat's
    ``test4plus.ipynb``), and an output of a kind it does not know."""
    nb = v4(text, 5, ["future-1", "future-2"])
    nb["nbformat_minor"], nb["extra"] = 99, "future"
    nb["cells"][0]["future"] = "yes"
    nb["cells"][0]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": "old\n", "extra": 1},
        {"output_type": "future output", "some key": ["some data"]},
    ]
    return nb


CODE = 'print("ran")'
FUTURE_CELL = {"cell_type": "future cell", "id": "f", "metadata": {}}
RUNNABLE = {
    "v3.ipynb": v3(CODE),
    "v4-0.ipynb": v4(CODE, 0),
    "v4-4.ipynb": v4(CODE, 4),
    "no-ids.ipynb": v4(CODE, 5),
    "same-ids.ipynb": v4(CODE, 5, ["dup", "dup"]),
    "bad-ids.ipynb": v4(CODE, 5, ["$illegal_chars", "x" * 80]),
    "future.ipynb": future_minor(CODE),
}
MALFORMED = {
    "not-json.ipynb": ("{ this is not JSON", "not a valid notebook"),
    "no-source.ipynb": (
        {**v4(CODE, 5, ["a", "b"]), "cells": [{"cell_type": "code", "id": "a", "metadata": {}}]},
        "'source' is a required property",
    ),
    "no-minor.ipynb": (
        {k: v for k, v in v4(CODE, 5, ["a", "b"]).items() if k != "nbformat_minor"},
        "'nbformat_minor' is a required property",
    ),
    "bad-metadata.ipynb": (
        {**v4(CODE, 5, ["a", "b"]), "metadata": "BAD: should be a dict"},
        "bad-metadata.ipynb is not a valid notebook",
    ),
    "v3-no-worksheets.ipynb": (
        {k: v for k, v in json.loads(v3(CODE)).items() if k != "worksheets"},
        "worksheets",
    ),
    "future-cell.ipynb": (
        {
            **future_minor(CODE),
            "cells": [*future_minor(CODE)["cells"], FUTURE_CELL],
        },
        "Cell 3 of .* is of type 'future cell', which nbformat .* does not know",
    ),
}


def write(folder: Path, name: str, content) -> Path:
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.fixture
def project(jp_nbops_project, monkeypatch):
    monkeypatch.chdir(jp_nbops_project)
    return jp_nbops_project


def run_ids(project: Path) -> list[str]:
    return [r.run_id for r in open_store(load_settings(project)).list_runs()]


@pytest.mark.parametrize("name", sorted(RUNNABLE))
def test_every_version_runs_exports_and_reports(project, name):
    write(project, name, RUNNABLE[name])
    runner = CliRunner()
    ran = runner.invoke(main, ["run", name])
    assert ran.exit_code == 0, ran.output
    assert "Traceback" not in ran.output and "FINISHED" in ran.output
    (run_id,) = run_ids(project)
    executed = next((project / ".nbops" / "runs" / run_id).glob("*.ipynb"))
    outputs = read_notebook(executed).cells[0].outputs
    assert [o.get("text") for o in outputs] == ["ran\n"]  # the code ran, not the old outputs
    report = runner.invoke(main, ["report", run_id, "-o", "report.html"])
    assert report.exit_code == 0 and "Traceback" not in report.output, report.output
    assert "ran" in (project / "report.html").read_text()
    exported = runner.invoke(main, ["export", name])
    assert exported.exit_code == 0 and "Traceback" not in exported.output, exported.output
    again = runner.invoke(main, ["export", name])
    assert "Unchanged" in again.output  # repaired ids are derived, not random: one version
    (step,) = (project / "steps").glob("*/*/step.ipynb")
    nbformat.validate(nbformat.read(step, as_version=nbformat.NO_CONVERT))  # a valid 4.5 file


def test_a_later_minor_version_is_read_as_nbformat_reads_it(project):
    nb = read_notebook(write(project, "future.ipynb", future_minor(CODE)))
    assert (nb.nbformat, nb.nbformat_minor) == (4, nbformat.v4.nbformat_minor)
    assert "extra" not in nb and "future" not in nb.cells[0]
    assert nb.cells[0].outputs == [{"output_type": "stream", "name": "stdout", "text": "old\n"}]


def test_ids_are_repaired_unique_valid_and_derived_from_the_cell(project):
    bad = read_notebook(write(project, "bad.ipynb", v4(CODE, 5, ["$illegal_chars", "x" * 80])))
    assert [c.id for c in bad.cells] == ["illegal_chars-0", "x" * 48 + "-1"]
    same = read_notebook(write(project, "same.ipynb", v4(CODE, 5, ["dup", "dup"])))
    assert [c.id for c in same.cells] == ["dup", "dup-1"]
    missing = read_notebook(write(project, "none.ipynb", v4(CODE, 5)))
    assert [c.id for c in missing.cells] == ["cell-0", "cell-1"]


@pytest.mark.parametrize("name", sorted(MALFORMED))
@pytest.mark.parametrize("command", ["run", "export"])
def test_a_malformed_notebook_exits_2_with_nothing_recorded(project, name, command):
    content, problem = MALFORMED[name]
    write(project, name, content)
    result = CliRunner().invoke(main, [command, name])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert re.search(problem, result.output), result.output
    assert run_ids(project) == []
    assert not (project / "steps").exists()


def test_a_file_name_that_is_no_step_name_gets_a_derived_one(project):
    write(project, "test4.5.ipynb", v4(CODE, 5, ["a", "b"]))
    result = CliRunner().invoke(main, ["export", "test4.5.ipynb"])
    assert result.exit_code == 0, result.output
    assert "Named 'test4-5' after test4.5.ipynb" in result.output
    assert (project / "steps" / "test4-5").is_dir()
