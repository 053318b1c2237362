"""``nbops lineage``: snapshots, the runs that wrote and read them and the model versions they led
to, around a run, a snapshot or a model version, on a real store and catalog."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from nbops.cli import main
from nbops.data.snapshot import load, take_snapshot


def cli(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def history(session):
    """prepare writes raw (twice: two versions), train reads raw@1 and writes features and a
    model promoted as m/1; a run named with quotes and markup reads the features."""
    from sklearn.linear_model import LinearRegression

    runs = {}
    runs["prepare"] = session.start_run("prepare")
    take_snapshot(session, pd.DataFrame({"x": [1.0, 2.0, 3.0]}), "raw", role="output")
    session.end_run()
    runs["prepare again"] = session.start_run("prepare again")
    take_snapshot(session, pd.DataFrame({"x": [1.0, 2.0, 4.0]}), "raw", role="output")
    session.end_run()
    runs["train"] = session.start_run("train")
    raw = load(session, "raw", version=1)
    take_snapshot(session, raw.assign(y=raw.x * 2), "features", role="output")
    model = LinearRegression().fit(raw[["x"]], raw.x * 2)
    session.log_model(model, "model", input_example=raw[["x"]].head(2))
    session.end_run()
    runs["evil"] = session.start_run('evil "name" <b>x</b>')
    load(session, "features")
    session.end_run()
    promoted = cli("promote", runs["train"], "--model", "m")
    assert promoted.exit_code == 0, promoted.output
    return runs


BAD = [
    (["0" * 32], "No run with id"),
    (["zz"], "No run with id 'zz'"),
    (["raw@9"], "has no version 9"),
    (["nothing@1"], "No snapshot named"),
    (["m/7"], "No version 7 of the registered model 'm'"),
    (["m/1", "--depth", "11"], "--depth 11 is not a whole number from 1 to 10"),
    (["m/1", "--format", "svg"], "Invalid value for '--format'"),
]


def graph(*args: str) -> dict:
    result = cli("lineage", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    labels = {n["key"]: n["label"] for n in found["nodes"]}
    found["links"] = {
        (labels[e["source"]], e["relation"], labels[e["target"]]) for e in found["edges"]
    }
    return found


def test_lineage_of_a_model_version_a_run_and_a_snapshot(history):
    train = f"train ({history['train'][:8]})"
    prepare = f"prepare ({history['prepare'][:8]})"
    around_model = graph("m/1")
    assert around_model["centre"] == "model:m/1"
    assert around_model["links"] == {
        (train, "registered", "m v1 @champion"),
        ("raw@1", "read", train),
        (train, "wrote", "features@1"),
    }  # two hops: the run, then what it read and wrote
    deeper = graph("m/1", "--depth", "3")
    assert (prepare, "wrote", "raw@1") in deeper["links"]
    assert not any("prepare again" in link[0] for link in deeper["links"])  # raw@2: not read

    around_run = graph(history["train"][:8])  # a prefix, as `nbops runs` shows ids
    assert around_run["centre"] == f"run:{history['train']}"
    assert (prepare, "wrote", "raw@1") in around_run["links"]
    assert (train, "registered", "m v1 @champion") in around_run["links"]
    around_snapshot = graph("raw@2", "--depth", "1")
    assert around_snapshot["links"] == {(f"prepare again ({history['prepare again'][:8]})",
                                         "wrote", "raw@2")}  # fmt: skip
    snapshot_id = around_snapshot["centre"].removeprefix("snapshot:")
    assert (
        graph(snapshot_id)["centre"]
        == graph(snapshot_id[:12])["centre"]
        == (around_snapshot["centre"])
    )  # a snapshot's id (or its first characters), as the pipeline view gives it

    text = cli("lineage", "features@1")
    assert text.exit_code == 0 and f"{train} --wrote--> features@1" in text.output


def test_mermaid_and_dot_quote_every_label_and_bad_references_exit_2(history):
    mermaid = cli("lineage", history["evil"], "--format", "mermaid").output
    assert mermaid.startswith("flowchart LR\n") and "-->|read|" in mermaid
    assert "evil #quot;name#quot; #lt;b#gt;x#lt;/b#gt;" in mermaid
    assert "<b>" not in mermaid and '"name"' not in mermaid
    dot = cli("lineage", history["evil"], "--format", "dot").output
    assert dot.startswith("digraph lineage {") and 'label="evil \\"name\\" <b>x</b>' in dot
    assert dot.count('"') % 2 == 0  # every string closed

    for args, words in BAD:  # a bad reference or option: exit 2, saying what is wrong
        result = cli("lineage", *args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output, (args, result.output)
