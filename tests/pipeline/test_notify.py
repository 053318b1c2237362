"""``notify:``: how a pipeline or a headless run ended, sent to a real webhook receiver."""

from __future__ import annotations

import contextlib
import json
import logging

import pytest
import yaml
from click.testing import CliRunner

from nbops.cli import main
from nbops.config import load_settings
from nbops.notifications import read_targets, without_urls
from nbops.store import open_store

STEP = [("fail = False", ["parameters"]), ("if fail:\n    raise ValueError('boom on purpose')", [])]
PIPELINE = """\
name: alerting
steps:
  first:
    notebook: first.ipynb
  boom:
    notebook: boom.ipynb
    after: [first]
notify:
  - on: [failure, success]
    url: {literal}
  - on: failure
    url: {from_env}
"""


def cli(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def alerting(jp_nbops_project, jp_nbops_notebook_factory, jp_nbops_receiver, monkeypatch):
    """A two-step pipeline whose second step fails with -p boom.fail true; its notify: URLs
    post to the receiver, one with a literal token in its path, one through ${HOOK_PATH}."""
    jp_nbops_notebook_factory("first.ipynb", [("x = 1", [])])
    jp_nbops_notebook_factory("boom.ipynb", STEP)
    monkeypatch.setenv("HOOK_PATH", "from-the-environment")
    literal = jp_nbops_receiver.url("hook/literal-s3cr3t")
    from_env = f"json://127.0.0.1:{jp_nbops_receiver.port}/${{HOOK_PATH}}"
    path = jp_nbops_project / "pipeline.yaml"
    path.write_text(PIPELINE.format(literal=literal, from_env=json.dumps(from_env)))
    return path


def everything_recorded(store) -> str:
    """Every tag, parameter and text artifact of every run of the store, as one text."""
    texts = []
    for run in store.list_runs(None, 100):
        texts += [json.dumps(run.tags), json.dumps(run.params)]
        for name in ("pipeline.yaml", "pipeline.json", "dag.mmd"):
            with contextlib.suppress(Exception):  # a step run has no such file
                texts.append(store.load_text(run.run_id, name))
    return "\n".join(texts)


def test_a_failing_step_is_notified_with_its_run_and_report(alerting, jp_nbops_receiver):
    result = cli("pipeline", "run", str(alerting), "-p", "boom.fail", "true")
    assert result.exit_code == 1, result.output
    paths = sorted(path for path, _ in jp_nbops_receiver.received)
    assert paths == ["/from-the-environment", "/hook/literal-s3cr3t"]  # ${HOOK_PATH} expanded
    [message, _] = jp_nbops_receiver.messages("failure")
    assert message["title"] == "nbops: pipeline alerting failed"
    store = open_store(load_settings())
    [boom] = [r for r in store.list_runs(None, 10) if r.tags.get("nbops.pipeline_step") == "boom"]
    body = message["message"]
    assert f"boom: FAILED (run {boom.run_id}): " in body and "boom on purpose" in body
    assert "first: FINISHED" in body and f"nbops report {boom.run_id}" in body
    kept = everything_recorded(store)
    assert f"url: json://127.0.0.1:{jp_nbops_receiver.port}\n" in kept  # the kept file
    assert "literal-s3cr3t" not in kept and "literal-s3cr3t" not in result.output

    again = cli("pipeline", "run", str(alerting))
    assert again.exit_code == 0, again.output
    [success] = jp_nbops_receiver.messages("success")  # failure only: the ${HOOK_PATH} one
    assert success["title"] == "nbops: pipeline alerting finished"
    assert "boom: FINISHED" in success["message"] and len(jp_nbops_receiver.received) == 3


def test_a_receiver_that_is_down_changes_no_exit_code(
    jp_nbops_project, jp_nbops_notebook_factory, jp_nbops_receiver, jp_nbops_closed_port, caplog
):
    jp_nbops_notebook_factory("boom.ipynb", STEP)
    down = f"json://127.0.0.1:{jp_nbops_closed_port}/down-s3cr3t"
    (jp_nbops_project / "nbops.toml").write_text(
        f'[[notify]]\non = ["failure", "success"]\nurl = "{down}"\n'
        '[[notify]]\non = ["success"]\nurl = "json://127.0.0.1:1/${NOT_SET_ANYWHERE}"\n'
        f'[[notify]]\non = ["failure"]\nurl = "{jp_nbops_receiver.url("project")}"\n'
    )
    caplog.set_level(logging.WARNING, logger="nbops.notify")
    ok = cli("run", "boom.ipynb")
    assert ok.exit_code == 0, ok.output
    warnings = [r.getMessage() for r in caplog.records]
    assert any("could not be delivered" in w and f":{jp_nbops_closed_port}" in w for w in warnings)
    assert any("NOT_SET_ANYWHERE" in w and "not set" in w for w in warnings), warnings
    assert not any("down-s3cr3t" in w for w in warnings)  # a URL's path never logged
    assert jp_nbops_receiver.received == []  # success: not what the receiver listens for

    failed = cli("run", "boom.ipynb", "-p", "fail", "true")
    assert failed.exit_code == 1, failed.output
    [message] = jp_nbops_receiver.messages("failure")
    run_id = open_store(load_settings()).list_runs("boom.ipynb", 1)[0].run_id
    assert message["title"] == "nbops: boom.ipynb failed"
    assert f"run {run_id} FAILED" in message["message"] and "boom on purpose" in message["message"]
    assert f"nbops report {run_id}" in message["message"]


@pytest.mark.parametrize(
    ("notify", "words"),
    [
        ("{on: [failed], url: 'json://localhost/x'}", "unknown notify events ['failed']"),
        ("{on: [failure]}", "needs `url:`"),
        ("{on: [failure], url: 'nonsense://x'}", "apprise does not know the notify URL"),
        ("{on: [failure], url: 'json://h/x', when: 1}", "unknown keys ['when']"),
        ("json://localhost/x", "must be a list"),
    ],
)
def test_a_bad_notify_is_refused_before_anything_runs(alerting, jp_nbops_receiver, notify, words):
    text = alerting.read_text().split("notify:")[0] + f"notify: [{notify}]\n"
    if not notify.startswith("{"):
        text = alerting.read_text().split("notify:")[0] + f"notify: {notify}\n"
    alerting.write_text(text)
    result = cli("pipeline", "run", str(alerting))
    assert result.exit_code == 2, result.output
    assert words in result.output and str(alerting) in result.output
    assert "localhost/x" not in result.output and "h/x" not in result.output  # URLs not echoed
    assert open_store(load_settings()).list_runs(None, 5) == []
    assert jp_nbops_receiver.received == []


def test_a_bad_notify_in_the_settings_stops_a_run_before_it_opens(
    jp_nbops_project, jp_nbops_notebook_factory
):
    jp_nbops_notebook_factory("boom.ipynb", STEP)
    (jp_nbops_project / "nbops.toml").write_text(
        '[[notify]]\non = ["sucess"]\nurl = "json://h/x"\n'
    )
    result = cli("run", "boom.ipynb")
    assert result.exit_code == 2, result.output
    assert "unknown notify events ['sucess']" in result.output and "nbops.toml" in result.output
    assert open_store(load_settings()).list_runs(None, 5) == []


def test_a_url_the_file_writes_escaped_is_not_kept_either(jp_nbops_receiver):
    escaped = jp_nbops_receiver.url("hook/s3cr").replace("json", "js\\x6fn") + "\\x33t"
    text = f'name: p\nnotify:\n  - on: [failure]  # the team\n    url: "{escaped}"\n'
    [target] = read_targets(yaml.safe_load(text)["notify"], "pipeline.yaml")
    assert target.url == jp_nbops_receiver.url("hook/s3cr3t")  # YAML unescaped it
    kept = without_urls(text, [target])
    assert "s3cr" not in kept and f"json://127.0.0.1:{jp_nbops_receiver.port}" in kept
    assert read_targets(yaml.safe_load(kept)["notify"], "kept")[0].events == ("failure",)
