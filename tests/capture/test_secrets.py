"""No secret is recorded or shown: credentials in a git remote or a tracking URI never reach a
tag, an artifact, a report, a status line or a REST answer; the uncommitted diff is captured only
as configured."""

import json
import re
import subprocess

import mlflow
import pytest
from click.testing import CliRunner

from nbops.capture.session import Session
from nbops.cli import main
from nbops.config import capture_settings, load_settings
from nbops.credentials import public_uri, redact
from nbops.exceptions import ConfigError, StoreUnavailableError
from nbops.names import ENVIRONMENT_FILE

TOKEN = "ghp_s3cretT0ken1234567890"


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        (f"https://x-access-token:{TOKEN}@github.com/o/r.git", "https://github.com/o/r.git"),
        (f"https://{TOKEN}@github.com/o/r.git", "https://github.com/o/r.git"),
        ("http://alice:pw%40x@127.0.0.1:5000/", "http://127.0.0.1:5000/"),
        ("postgresql+psycopg2://u:pw@db:5432/mlflow", "postgresql+psycopg2://db:5432/mlflow"),
        (f"https://host/path?token={TOKEN}&page=2", "https://host/path?token=***&page=2"),
        ("http://[::1]:5000/x", "http://[::1]:5000/x"),
        ("http://u:p@[::1]:5000/x", "http://[::1]:5000/x"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("sqlite:////tmp/p/.nbops/mlflow.db", "sqlite:////tmp/p/.nbops/mlflow.db"),
        ("http://u:p@host:notaport/", "http://host:notaport/"),
    ],
)
def test_public_uri_drops_credentials(uri, shown):
    assert public_uri(uri) == shown


def test_redact_hides_userinfo_and_known_secrets_in_any_text():
    text = f"failed: POST http://alice:{TOKEN}@h:5000/api (password {TOKEN})"
    assert redact(text, (TOKEN,)) == "failed: POST http://h:5000/api (password ***)"


def git(folder, *args):
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


@pytest.fixture
def repository(jp_nbops_project, jp_nbops_write_notebook):
    notebook = jp_nbops_write_notebook(jp_nbops_project / "nb.ipynb", ["a = 1"])
    git(jp_nbops_project, "init", "-q", "-b", "main")
    git(
        jp_nbops_project,
        "remote",
        "add",
        "origin",
        f"https://x-access-token:{TOKEN}@github.com/o/r.git",
    )
    who = ["-c", "user.email=a@b", "-c", "user.name=a"]
    git(jp_nbops_project, "add", "nb.ipynb", "nbops.toml")
    git(jp_nbops_project, *who, "commit", "-q", "-m", "start")
    return jp_nbops_project, notebook


def run_once(notebook):
    session = Session(notebook=notebook)
    try:
        run_id = session.start_run()
        session.end_run()
        client = mlflow.MlflowClient(tracking_uri=session.settings.tracking_uri)
        run = client.get_run(run_id)
        artifacts = {a.path for a in client.list_artifacts(run_id, "git")}
        env = json.loads(mlflow.artifacts.load_text(f"{run.info.artifact_uri}/{ENVIRONMENT_FILE}"))
        return run, env, artifacts
    finally:
        session.close()


def test_a_git_remote_is_recorded_without_its_token(repository):
    _project, notebook = repository
    run, env, _ = run_once(notebook)
    assert run.data.tags["nbops.git.remote"] == "https://github.com/o/r.git"
    assert env["git_remote"] == "https://github.com/o/r.git"
    assert TOKEN not in json.dumps(run.data.tags) and TOKEN not in json.dumps(env)


def test_the_uncommitted_diff_is_kept_turned_off_or_capped_as_configured(repository):
    project, notebook = repository
    settings = project / "nbops.toml"
    secret_line = "password = 'hunter2-in-a-notebook'\n"
    (project / "nb.ipynb").write_text((project / "nb.ipynb").read_text() + "\n")
    (project / "config.py").write_text(secret_line)
    git(project, "add", "-N", "config.py")
    _, env, artifacts = run_once(notebook)
    assert artifacts == {"git/diff.patch"} and env["git_diff_bytes"] > 0
    settings.write_text("[capture]\ngit_diff = false\n")
    _, env, artifacts = run_once(notebook)
    assert artifacts == set() and env["git_dirty"] is True
    settings.write_text("[capture]\ngit_diff_max_bytes = 10\n")
    _, env, artifacts = run_once(notebook)
    assert artifacts == set() and env["git_diff_bytes"] > 10  # its size says what was left out


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[capture]\ngit_diff = 'no'\n", "must be true or false"),
        ("[capture]\ngit_diff_max_bytes = -1\n", "must be a whole number from 0"),
        ("[capture]\ngit_dif = false\n", "unknown keys ['git_dif']"),
        ("capture = 3\n", "must be a table"),
    ],
)
def test_bad_capture_settings_are_named(text, problem, jp_nbops_project):
    (jp_nbops_project / "nbops.toml").write_text(text)
    with pytest.raises(ConfigError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        capture_settings(jp_nbops_project)


def test_a_tracking_uri_with_credentials_is_never_shown(jp_nbops_project, monkeypatch):
    monkeypatch.chdir(jp_nbops_project)
    monkeypatch.setenv("NBOPS_TRACKING_URI", f"http://alice:{TOKEN}@127.0.0.1:9/")
    settings = load_settings(jp_nbops_project)
    assert settings.display_uri == "http://127.0.0.1:9/"
    error = StoreUnavailableError(settings.tracking_uri, f"cannot reach {settings.tracking_uri}")
    assert TOKEN not in str(error) and "alice" not in str(error)
    result = CliRunner().invoke(main, ["status"], env={"COLUMNS": "200"})
    assert "127.0.0.1:9" in result.output
    assert TOKEN not in result.output and "alice:" not in result.output
    # the user is named once, on its own line (who the server is told one is), never in the URI
    assert re.search(r"^user +alice$", result.output, re.MULTILINE)


def test_a_report_links_to_the_server_without_credentials():
    import nbformat.v4 as v4

    from nbops.reports.exporter import render_report
    from nbops.store import RunSummary

    run = RunSummary("a" * 32, "r", "nb.ipynb", "FINISHED", 1, 2, experiment_id="3")
    html = render_report(v4.new_notebook(), run, f"https://alice:{TOKEN}@mlflow.example:5000")
    assert "https://mlflow.example:5000/#/experiments/3/runs/" + "a" * 32 in html
    assert TOKEN not in html and "alice" not in html


def test_a_tracking_uri_with_credentials_works_and_is_never_printed(
    jp_nbops_mlflow_server, jp_nbops_project, monkeypatch, capfd
):
    """MLflow's client accepts ``http://user:password@host``; so does nbops (its health probe
    included), and neither nbops nor MLflow's "View run at" line prints the password."""
    host = jp_nbops_mlflow_server.uri.split("://", 1)[1]
    monkeypatch.setenv("NBOPS_TRACKING_URI", f"http://alice:{TOKEN}@{host}")
    monkeypatch.chdir(jp_nbops_project)
    session = Session(capture_environment=False)
    try:
        run_id = session.start_run("with credentials")
        session.log_metrics({"m": 1.0})
        session.end_run()
        assert session.store.get_run(run_id).metrics == {"m": 1.0}
    finally:
        session.close()
    result = CliRunner().invoke(main, ["runs"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "with cre" in result.output
    printed = capfd.readouterr()
    for text in (printed.out, printed.err, result.output):
        assert TOKEN not in text and "alice" not in text
