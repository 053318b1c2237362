"""``nbops promote``: gates against the champion on a real registry (embedded and server)."""

from __future__ import annotations

import json

import nbformat
import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.config import load_settings
from nbops.loop.gates import parse_gate
from nbops.loop.promote import DECISION_TAG, EVALUATION_TAG, GATES_TAG, RUN_PROMOTION_TAG
from nbops.reports.build import model_registry
from nbops.reports.header import render_header
from nbops.store import open_store


def cli(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


def aliases(store, model: str) -> dict[str, str]:
    return {k: str(v) for k, v in store.client.get_registered_model(model).aliases.items()}


def test_promote_refuse_and_roll_back(jp_nbops_models):
    good, bad = jp_nbops_models["good"], jp_nbops_models["bad"]
    store = open_store(load_settings())

    first = cli("promote", bad, "--model", "diabetes", "--gate", "rmse < champion*0.98")
    assert first.exit_code == 0, first.output
    assert "no champion yet: passes" in first.output and "PROMOTED" in first.output
    assert aliases(store, "diabetes") == {"champion": "1"}

    better = cli("promote", good, "--model", "diabetes", "--gate", "rmse < champion*0.98")
    assert better.exit_code == 0, better.output
    assert aliases(store, "diabetes") == {"champion": "2", "previous-champion": "1"}

    worse = cli("promote", bad, "--model", "diabetes", "--gate", "rmse <= champion")
    assert worse.exit_code == 1, worse.output
    assert "fail" in worse.output and "REFUSED" in worse.output
    assert aliases(store, "diabetes") == {"champion": "2", "previous-champion": "1"}
    refused = store.client.get_model_version("diabetes", "3")
    assert refused.tags[DECISION_TAG] == "refused" and refused.run_id == bad
    [row] = json.loads(refused.tags[GATES_TAG])
    assert row["gate"] == "rmse <= champion" and row["passed"] is False
    assert row["champion"] == store.get_run(good).metrics["rmse"]
    kept = json.loads(store.load_text(bad, "promotion/diabetes-v3.json"))
    assert kept["decision"] == "refused"
    assert store.get_run(bad).tags[RUN_PROMOTION_TAG] == "diabetes v3 refused (@champion)"

    registry = model_registry(store, bad)  # what the bad run's report header shows
    assert [(v["version"], v["decision"]) for v in registry] == [
        ("3", "refused"),
        ("1", "promoted"),
    ]
    header = render_header(store.get_run(bad), [], store.uri, nbformat.v4.new_notebook(), registry)
    assert "Model registry" in header and "diabetes v3 (no alias)" in header
    delta = store.get_run(bad).metrics["rmse"] - store.get_run(good).metrics["rmse"]
    assert "rmse vs champion v2" in header and f"{delta:+.6g}" in header

    back = cli("promote", "--rollback", "diabetes")
    assert back.exit_code == 0, back.output
    assert aliases(store, "diabetes") == {"champion": "1", "previous-champion": "2"}


def test_eval_scores_both_models_on_one_snapshot(jp_nbops_models):
    good, bad = jp_nbops_models["good"], jp_nbops_models["bad"]
    store = open_store(load_settings())
    assert cli("promote", bad, "--model", "m").exit_code == 0
    gate = "root_mean_squared_error < champion"
    result = cli("promote", good, "--model", "m", "--gate", gate, "--eval", "holdout")
    assert result.exit_code == 0, result.output
    version = store.client.get_model_version("m", "2")
    holdout = store.client.search_runs(
        [store.experiment_id("train.ipynb")], "tags.`nbops.run_kind` = 'evaluation'"
    )
    assert len(holdout) == 2  # the candidate and the champion, each scored in its own run
    snapshot = {r.data.tags["nbops.evaluation.snapshot"] for r in holdout}
    assert snapshot == {version.tags[EVALUATION_TAG]}
    [row] = json.loads(version.tags[GATES_TAG])
    assert row["candidate"] < row["champion"]  # the good model scores better on the holdout
    assert f"snapshot {version.tags[EVALUATION_TAG]}" in result.output


MALFORMED = [
    "rmse <",
    "< 3",
    "rmse = 3",
    "rmse <> 3",
    "rmse < champion*x",
    "rmse < championship",
    "rmse < inf",
    "rmse < nan",
    "",
]


def test_bad_input_exits_2_and_registers_nothing(jp_nbops_embedded_models):
    good = jp_nbops_embedded_models["good"]
    session = jp_nbops_embedded_models["session"]
    for gate in MALFORMED:
        result = cli("promote", good, "--model", "diabetes", "--gate", "rmse < 1", "--gate", gate)
        assert result.exit_code == 2, (gate, result.output)
        assert "gate" in result.output and "METRIC OP NUMBER" in result.output
    no_model = session.start_run("no model")
    session.end_run()
    for args, words in [
        ([good, "--model", "d", "--gate", "mae < 3"], "gate metric(s) mae are unknown"),
        (["0" * 32, "--model", "d"], "No run 00000000"),
        (["nope", "--model", "d"], "is not a run id"),
        ([no_model, "--model", "d"], "logged no model"),
        ([good, "--model", "bad name!"], "is not a model name"),
        ([good, "--model", "d", "--alias", "latest"], "is not an alias"),
        ([good, "--model", "d", "--eval", "nothing"], "No snapshot named"),
        ([good, "--model", "d", "--eval", "holdout", "--target", "y"], "has no column 'y'"),
        (["--rollback", "unknown"], "No registered model 'unknown'"),
        ([good], "Give RUN_ID and --model"),
    ]:
        result = cli("promote", *args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output, (args, result.output)
    store = open_store(load_settings())
    assert not store.client.search_registered_models()
    assert cli("promote", good, "--model", "d").exit_code == 0
    lonely = cli("promote", "--rollback", "d")
    assert lonely.exit_code == 2 and "no @previous-champion" in lonely.output


def test_gate_arithmetic():
    assert parse_gate("rmse < champion*0.98").threshold(10.0) == pytest.approx(9.8)
    assert parse_gate("r2 >= champion+0.01").threshold(0.5) == pytest.approx(0.51)
    assert parse_gate("r2 >= champion-0.01").threshold(0.5) == pytest.approx(0.49)
    assert parse_gate("r2 > 0.4").holds(0.41, None) and not parse_gate("r2 > 0.4").holds(0.4, None)
    assert parse_gate("rmse < champion").holds(1.0, None)  # no champion: passes
    assert parse_gate("servable").servable


def test_the_embedded_registry_read_without_mlflow_is_mlflows(jp_nbops_embedded_models):
    """The report's registry block and the lab's models list read the embedded store's tables
    directly; they answer as MLflow's registry client does, aliases and gates included."""
    from nbops.store.models import describe_versions

    good, bad = jp_nbops_embedded_models["good"], jp_nbops_embedded_models["bad"]
    store = open_store(load_settings())
    for run_id, gate in ((bad, "rmse < 1e9"), (good, "rmse < champion"), (bad, "rmse < 1")):
        cli("promote", run_id, "--model", "diabetes", "--gate", gate)
    assert store.reader is not None
    ours = store.model_versions([good, bad])
    assert [v["version"] for v in ours] == ["3", "2", "1"]
    assert ours == describe_versions(store.client, [good, bad])
    assert {v["decision"] for v in ours} == {"promoted", "refused"}


def test_a_promotion_and_a_refusal_are_notified(jp_nbops_embedded_models, jp_nbops_receiver):
    good, bad = jp_nbops_embedded_models["good"], jp_nbops_embedded_models["bad"]
    settings = load_settings()
    (settings.project / "nbops.toml").write_text(
        f'[[notify]]\non = ["promotion", "refusal"]\nurl = "{jp_nbops_receiver.url()}"\n'
    )
    assert cli("promote", good, "--model", "diabetes").exit_code == 0
    refused = cli("promote", bad, "--model", "diabetes", "--gate", "rmse <= champion")
    assert refused.exit_code == 1, refused.output  # as without notify
    promoted, refusal = jp_nbops_receiver.messages()
    assert promoted["title"] == "nbops: diabetes v1 promoted" and promoted["type"] == "info"
    assert f"nbops report {good}" in promoted["message"]
    assert refusal["title"] == "nbops: diabetes v2 refused" and refusal["type"] == "warning"
    assert "@champion did not move: rmse <= champion failed" in refusal["message"]
    assert (
        "rmse <= champion: fail" in refusal["message"]
        and f"nbops report {bad}" in refusal["message"]
    )
