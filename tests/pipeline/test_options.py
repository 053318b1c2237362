"""A headless run's options as one object: checked when made, merged a job's over its
coordinator's, and every option reachable from the command line, the REST API and Python."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import nbops
from nbops.cli import main
from nbops.exceptions import InputError
from nbops.execution.options import Placement, RunOptions, flag_name
from nbops.server.models import CreateJob

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"timeout": 0}, "cell timeout 0 is not a positive number of seconds"),
        ({"run_timeout": -3}, "run timeout -3 is not a positive number of seconds"),
        ({"run_timeout": "soon"}, "run timeout 'soon'"),
        ({"timeout": True}, "cell timeout True"),
        ({"strict_env": "yes"}, "strict_env must be true or false"),
    ],
)
def test_a_bad_option_is_an_input_error_naming_it(values, message):
    with pytest.raises(InputError, match=message) as caught:
        RunOptions.from_values(values)
    assert "--" in caught.value.hint  # the flag to give instead


def test_options_from_request_fields_ignore_the_others_and_nulls():
    options = RunOptions.from_values({"notebook": "a.ipynb", "timeout": 5, "run_timeout": None})
    assert options == RunOptions(timeout=5.0)
    assert isinstance(options.timeout, float)


def test_a_jobs_options_win_over_its_coordinators_where_set():
    coordinator = RunOptions(timeout=30, run_timeout=600, strict_env=True)
    job = RunOptions(run_timeout=5)
    assert job.over(coordinator) == RunOptions(timeout=30, run_timeout=5, strict_env=True)
    assert RunOptions().over(coordinator) == coordinator


def test_an_unknown_python_keyword_lists_the_known_options(jp_nbops_notebook_factory):
    notebook = jp_nbops_notebook_factory("step.ipynb", [("x = 1", [])])
    with pytest.raises(InputError, match=r"Unknown run option.*run_timout") as caught:
        nbops.run(notebook, run_timout=3)
    assert "run_timeout" in caught.value.hint


def test_bad_placement_is_an_input_error():
    with pytest.raises(InputError, match="workers 0 is not a positive whole number"):
        Placement(workers=0)


@pytest.mark.parametrize("command", [["run"], ["pipeline", "run"]])
def test_every_run_option_is_a_flag_of_the_commands_that_run(command):
    """A field added to RunOptions is a flag of ``nbops run`` and ``nbops pipeline run``
    without touching either command."""
    result = CliRunner().invoke(main, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for spec in dataclasses.fields(RunOptions):
        assert flag_name(spec.name) in result.output
        assert spec.metadata["help"].split(";")[0] in result.output


def test_every_run_option_is_a_field_of_a_job_request():
    """The REST API's job request and its OpenAPI schema carry every option."""
    spec = yaml.safe_load((ROOT / "api" / "openapi.yaml").read_text())
    documented = spec["components"]["schemas"]["CreateJob"]["properties"]
    request = {f.name for f in dataclasses.fields(CreateJob)}
    for option in dataclasses.fields(RunOptions):
        assert option.name in request and option.name in documented
