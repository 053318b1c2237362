import pandas as pd
import pytest
from IPython.testing import globalipapp

import nbops
from nbops.capture.session import current_session
from nbops.data.expectations import infer, validate
from nbops.exceptions import ExpectationError, InputError

SPEC = """
rows: 2..10             # a frame-level check
age: float, not null, 0..120
city: str, in {Lyon, Paris, Nice}
id: int, unique
income: mean 0..1, >= 0
score: float           # a column the data lacks
"""


@pytest.fixture
def people():
    return pd.DataFrame(
        {
            "age": [20.0, 30.0, 150.0, None],
            "city": ["Lyon", "Paris", "Rome", "Lyon"],
            "id": [1, 2, 2, 3],
            "income": [0.5, 0.2, 0.1, 0.9],
        }
    )


def results(report):
    return {(r.column, r.check): (r.passed, r.failing, r.examples) for r in report.results}


def test_every_declared_check_gets_a_result(people):
    found = results(validate(people, SPEC, "people"))
    assert found[("age", "float")] == (True, 0, [])
    assert found[("age", "not null")][:2] == (False, 1)
    assert found[("age", "0..120")] == (False, 1, ["150.0"])
    assert found[("city", "in {Lyon, Paris, Nice}")] == (False, 1, ["Rome"])
    assert found[("id", "unique")][:2] == (False, 2)
    assert found[("id", "int")] == (True, 0, [])
    assert found[("income", "mean 0..1")][0] and found[("income", ">= 0")][0]
    assert found[("score", "float")][0] is False  # missing column
    assert found[("(frame)", "rows 2..10")][0]
    assert len(found) == 11


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("age float", "has no checks"),
        ("age: between 1 and 2", "Unknown check"),
        ("rows: int", "'rows' takes a range"),
        ("age: 1..x", "Unknown check"),
    ],
)
def test_bad_spec_lines_are_named(spec, message):
    with pytest.raises(InputError, match=message):
        validate(pd.DataFrame({"age": [1]}), spec)


def test_inferred_expectations_hold_for_the_reference_and_catch_changes(people):
    clean = people.dropna().drop_duplicates("id")
    spec = infer(clean)
    assert validate(clean, spec).passed
    changed = clean.assign(city=["Lyon", "Oslo"])
    assert not validate(changed, spec).passed


def test_api_logs_results_saves_by_name_and_strict_raises(people, jp_nbops_project, monkeypatch):
    monkeypatch.chdir(jp_nbops_project)
    report = nbops.expect(people, SPEC, name="people")
    assert not report.passed
    assert (jp_nbops_project / "expectations" / "people.expect").read_text() == SPEC
    again = nbops.expect(people.iloc[:2], name="people")  # reused by name
    assert results(again)[("age", "0..120")][0]
    with pytest.raises(ExpectationError, match=r"age: 0\.\.120"):
        nbops.expect(people, name="people", strict=True)
    run_id = nbops.end_run()
    store = current_session().store
    run = store.get_run(run_id)
    assert run.metrics["expect.people.passed"] == 0.0
    assert run.metrics["expect.people.failed_checks"] >= 4
    assert "people.json" in " ".join(store.list_artifacts(run_id, "expectations"))


def test_infer_from_a_snapshot_by_name(people, jp_nbops_project, monkeypatch):
    monkeypatch.chdir(jp_nbops_project)
    clean = people.dropna().drop_duplicates("id")
    nbops.snapshot(clean, "people")
    spec = nbops.infer_expectations("people", name="people")
    assert "city: str, not null, in {Lyon, Paris}" in spec
    assert nbops.expect(clean, name="people").passed


def test_expect_cell_magic(people, jp_nbops_project, monkeypatch):
    monkeypatch.chdir(jp_nbops_project)
    globalipapp.start_ipython()
    shell = globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "nbops")
    shell.user_ns["people"] = people
    report = shell.run_cell_magic("expect", "people --name cell", "age: 0..200\nid: int")
    assert report.passed
    assert "2/2 checks passed" in report._repr_mimebundle_()["text/plain"]
    table = shell.run_cell_magic("expect", "people", "age: 0..10\nid: int\nname: not null")
    assert not table.passed  # the widget reads as its report
    assert [row[1] for row in table.rows()] == ["0..10", "int", "not null"]
    table.sort.value = "check"
    table.descending.value = True
    assert [row[1] for row in table.rows()] == ["not null", "int", "0..10"]
    table.only.value = True  # only the failures
    assert {row[2] for row in table.rows()} == {"FAIL"} and len(table.rows()) == len(table.failed)
    table.columns.value = ("column", "result")
    assert "<th style='text-align:left'>examples</th>" not in table.table.value
    bundle = table._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "<table>" in bundle["text/html"]
    with pytest.raises(ExpectationError):
        shell.run_cell_magic("expect", "people --strict", "id: unique")
