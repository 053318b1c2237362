import json

import pytest
from click.testing import CliRunner

from nbops.cli import main


@pytest.fixture
def runner(jp_nbops_project, monkeypatch):
    monkeypatch.chdir(jp_nbops_project)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def test_runs_of_a_notebook_as_a_table(
    runner, jp_nbops_project, jp_nbops_write_notebook, jp_nbops_record_run
):
    notebook = jp_nbops_write_notebook(jp_nbops_project / "train.ipynb")
    first = jp_nbops_record_run(notebook, "baseline", {"a": 1}, {"rmse": 3.5})
    second = jp_nbops_record_run(notebook, "tuned", {"a": 2}, {"rmse": 2.25}, "FAILED")
    result = runner.invoke(main, ["runs", "--notebook", "train.ipynb", "--limit", "5", "--wide"])
    assert result.exit_code == 0, result.output
    assert result.output.index(second) < result.output.index(first)
    assert "rmse=2.25" in result.output and "FAILED" in result.output

    only = runner.invoke(main, ["runs", "--notebook", "train.ipynb", "--limit", "1", "--wide"])
    assert second in only.output and first not in only.output
    everything = runner.invoke(main, ["runs"])
    assert first[:8] in everything.output and "all experiments" in everything.output
    assert first not in everything.output  # ids are shortened unless --wide


def test_runs_fit_an_80_column_terminal(
    runner, jp_nbops_project, jp_nbops_write_notebook, jp_nbops_record_run, monkeypatch
):
    notebook = jp_nbops_write_notebook(jp_nbops_project / "a_rather_long_notebook_name.ipynb")
    metrics = {f"validation_metric_{i}": i / 3 for i in range(6)}
    ids = [
        jp_nbops_record_run(notebook, f"sweep trial with a long name {i}", {"a": i}, metrics)
        for i in range(3)
    ]
    monkeypatch.setenv("COLUMNS", "80")
    for args in (["runs"], ["runs", "--notebook", notebook.name]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert max(len(line) for line in lines) <= 80, result.output
        rows = [line for line in lines if any(i[:8] in line for i in ids)]
        assert len(rows) == 3, result.output  # one line per run: nothing wraps
        assert all("FINISHED" in row for row in rows), result.output


def test_runs_and_snapshots_as_json(
    runner, jp_nbops_project, jp_nbops_write_notebook, jp_nbops_record_run
):
    notebook = jp_nbops_write_notebook(jp_nbops_project / "train.ipynb")
    run_id = jp_nbops_record_run(notebook, "baseline", {"a": 1}, {"rmse": 3.5})
    result = runner.invoke(main, ["runs", "--json"])
    assert result.exit_code == 0, result.output
    (listed,) = json.loads(result.output)
    assert listed["run_id"] == run_id and listed["metrics"] == {"rmse": 3.5}
    assert listed["params"] == {"a": "1"} and listed["experiment"] == "train.ipynb"
    snapshots = runner.invoke(main, ["snapshots", "--json"])
    assert snapshots.exit_code == 0 and json.loads(snapshots.output) == []


def test_commands_take_the_short_ids_that_tables_show(
    runner, jp_nbops_project, jp_nbops_write_notebook, jp_nbops_record_run
):
    notebook = jp_nbops_write_notebook(jp_nbops_project / "train.ipynb")
    first = jp_nbops_record_run(notebook, "a", {}, {"m": 1})
    second = jp_nbops_record_run(notebook, "b", {}, {"m": 2})
    result = runner.invoke(main, ["env", "diff", first[:8], second[:6].upper()])
    assert result.exit_code == 0, result.output
    assert "No differences" in result.output


def test_a_short_id_that_starts_no_run_or_several_exits_2(runner, jp_nbops_project):
    from nbops.config import load_settings
    from nbops.store import open_store
    from nbops.store.opening import RunRequest, start_runs

    ids = ["abcd" + "0" * 28, "abcd" + "1" * 28]
    store = open_store(load_settings(jp_nbops_project))
    start_runs(store, "twins", [RunRequest(f"twin {i}", run_id=i) for i in ids])
    several = runner.invoke(main, ["report", "abcd"])
    assert several.exit_code == 2, several.output
    assert "several runs" in several.output and ids[0] in several.output
    assert ids[1] in several.output and "Traceback" not in several.output
    none = runner.invoke(main, ["report", "abce"])
    assert none.exit_code == 2 and "No run's id starts with 'abce'" in none.output
    assert not list(jp_nbops_project.glob("report-*.html"))  # nothing written
    resolved = runner.invoke(main, ["report", "abcd0"])  # one run: its whole id
    assert f"Run {ids[0]} kept no notebook" in resolved.output, resolved.output


def test_a_short_id_resolves_through_a_tracking_server(
    jp_nbops_mlflow_server, jp_nbops_project, monkeypatch
):
    import mlflow

    from nbops.config import load_settings
    from nbops.exceptions import InputError
    from nbops.store import open_store
    from nbops.store.ids import full_run_id

    client = mlflow.MlflowClient(jp_nbops_mlflow_server.uri)
    experiment = client.create_experiment("served")
    ids = [client.create_run(experiment).info.run_id for _ in range(2)]
    client.delete_run(ids[1])  # deleted runs too, as MLflow's get_run finds them
    store = open_store(load_settings(jp_nbops_project))
    assert [full_run_id(store, run_id[:8]) for run_id in ids] == ids
    with pytest.raises(InputError, match="No run's id starts with"):
        full_run_id(
            store, next(c for c in "0123456789abcdef" if c not in ids[0][0] + ids[1][0]) * 5
        )


def test_no_runs_says_so(runner):
    result = runner.invoke(main, ["runs", "--notebook", "new.ipynb"])
    assert result.exit_code == 0
    assert "No runs yet for new.ipynb" in result.output


@pytest.mark.parametrize("args", [["--limit", "-1"], ["--limit", "abc"], ["--notebook", "a.csv"]])
def test_bad_arguments_exit_2(runner, args):
    result = runner.invoke(main, ["runs", *args])
    assert result.exit_code == 2
    assert "Error" in result.output


def test_unreachable_store_exits_1_naming_uri(runner, jp_nbops_unreachable_uri):
    result = runner.invoke(main, ["runs"])
    assert result.exit_code == 1
    assert jp_nbops_unreachable_uri in result.output and "NBOPS_TRACKING_URI" in result.output
    assert "Traceback" not in result.output


def test_status(runner, jp_nbops_project):
    result = runner.invoke(main, ["status"])
    assert result.exit_code == 0, result.output
    assert "embedded" in result.output and str(jp_nbops_project) in result.output


def test_status_of_unreachable_store_exits_1(runner, jp_nbops_unreachable_uri):
    result = runner.invoke(main, ["status"])
    assert result.exit_code == 1 and jp_nbops_unreachable_uri in result.output


def test_env_diff_of_two_runs(
    runner, jp_nbops_project, jp_nbops_write_notebook, jp_nbops_record_run
):
    notebook = jp_nbops_write_notebook(jp_nbops_project / "train.ipynb")
    first = jp_nbops_record_run(notebook, "a", {}, {"m": 1})
    second = jp_nbops_record_run(notebook, "b", {}, {"m": 2})
    result = runner.invoke(main, ["env", "diff", first, second])
    assert result.exit_code == 0, result.output
    assert "No differences" in result.output


def test_env_diff_of_unknown_run_exits_1(runner):
    result = runner.invoke(main, ["env", "diff", "0" * 32, "1" * 32])
    assert result.exit_code == 1
    assert "No run with id" in result.output


def test_cli_reference_is_current():
    """docs/cli.md is generated from the commands; regenerate it when a command changes."""
    from pathlib import Path

    from nbops.cli.reference import reference

    checked_in = (Path(__file__).parents[1] / "docs" / "cli.md").read_text()
    assert checked_in == reference(), "run: python -m nbops.cli.reference > docs/cli.md"
