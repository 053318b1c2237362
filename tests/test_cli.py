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
    result = runner.invoke(main, ["runs", "--notebook", "train.ipynb", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.index(second) < result.output.index(first)
    assert "rmse=2.25" in result.output and "FAILED" in result.output

    only = runner.invoke(main, ["runs", "--notebook", "train.ipynb", "--limit", "1"])
    assert second in only.output and first not in only.output
    everything = runner.invoke(main, ["runs"])
    assert first in everything.output and "all experiments" in everything.output


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
