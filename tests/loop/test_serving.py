"""``nbops serve-check``: MLflow's own scoring server started, asked, and stopped."""

from __future__ import annotations

import psutil
import pytest
from click.testing import CliRunner

from nbops.cli import main


def cli(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


def scoring_servers() -> list:
    return [
        p
        for p in psutil.process_iter(["cmdline"])
        if "serve" in (p.info["cmdline"] or []) and "models" in (p.info["cmdline"] or [])
    ]


def test_a_good_model_serves_and_a_bad_example_does_not(jp_nbops_embedded_models, jp_nbops_train):
    good = jp_nbops_embedded_models["good"]
    assert cli("promote", good, "--model", "diabetes").exit_code == 0

    served = cli("serve-check", "diabetes@champion")
    assert served.exit_code == 0, served.output
    assert "answered /ping" in served.output and "predictions equal" in served.output
    assert "SERVABLE: models:/diabetes@champion" in served.output
    assert scoring_servers() == []  # stopped

    session = jp_nbops_embedded_models["session"]
    broken = jp_nbops_train(session, 1.0, "broken", bad_example=True)
    assert cli("promote", broken, "--model", "broken").exit_code == 0
    refused = cli("serve-check", "broken/1")
    assert refused.exit_code == 1, refused.output
    assert "NOT SERVABLE" in refused.output and "missing inputs ['bmi']" in refused.output


def test_the_servable_gate(jp_nbops_embedded_models, jp_nbops_train):
    session = jp_nbops_embedded_models["session"]
    broken = jp_nbops_train(session, 1.0, "broken", bad_example=True)
    gated = cli("promote", broken, "--model", "m", "--gate", "servable")
    assert gated.exit_code == 1, gated.output
    assert "servable" in gated.output and "missing inputs" in gated.output
    good = jp_nbops_embedded_models["good"]
    assert cli("promote", good, "--model", "m", "--gate", "servable").exit_code == 0


@pytest.mark.parametrize(
    "model, words", [("nothing/1", "No model 'nothing/1'"), ("nothing@champion", "No model")]
)
def test_an_unknown_model_exits_2(jp_nbops_embedded_models, model, words):
    result = cli("serve-check", model)
    assert result.exit_code == 2 and words in result.output
