import json
import math
import subprocess
import sys

import mlflow
import pytest

from nbops.capture.session import Session
from nbops.exceptions import InputError
from nbops.names import ENVIRONMENT_FILE


@pytest.fixture
def session(jp_nbops_project, jp_nbops_write_notebook):
    notebook = jp_nbops_write_notebook(jp_nbops_project / "nb" / "train.ipynb", ["a = 1"])
    session = Session(notebook=notebook)
    yield session
    session.close()


@pytest.fixture
def client(session, jp_nbops_project):
    (jp_nbops_project / ".nbops").mkdir(exist_ok=True)  # MLflow before 3.2 opens the database now
    return mlflow.MlflowClient(tracking_uri=session.settings.tracking_uri)


def test_logged_values_reach_mlflow(session, client):
    run_id = session.start_run("first")
    session.log_params({"alpha": 0.5, "model": "ridge"})
    for step in range(5):
        session.log_metrics({"loss": 1 / (step + 1)}, step=step)
    session.set_tags({"team": "forecast"})
    assert session.end_run() == run_id
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"alpha": "0.5", "model": "ridge"}
    history = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(s, 1 / (s + 1)) for s in range(5)]
    assert run.data.tags["team"] == "forecast"
    assert run.data.tags["nbops.notebook"] == "nb/train.ipynb"
    assert client.get_experiment(run.info.experiment_id).name == "nb/train.ipynb"


def test_first_logging_call_starts_a_run(session, client):
    session.log_metrics({"x": 1})
    run_id = session.run_id
    assert run_id is not None
    session.end_run()
    assert client.get_run(run_id).data.metrics == {"x": 1.0}


@pytest.mark.parametrize("value", [None, "abc", b"1", [1], {"a": 1}])
def test_non_numeric_metric_names_the_key_and_loses_nothing(session, client, value):
    session.log_metrics({"good": 1.0})
    with pytest.raises(InputError, match="'bad' must be a number"):
        session.log_metrics({"bad": value})
    run_id = session.end_run()
    assert client.get_run(run_id).data.metrics == {"good": 1.0}


def test_nan_and_infinities_are_logged_as_mlflow_stores_them(session, client):
    session.log_metrics({"nan": math.nan, "inf": math.inf, "ninf": -math.inf})
    metrics = client.get_run(session.end_run()).data.metrics
    assert math.isnan(metrics["nan"])
    # MLflow's SQL store clamps infinities to the largest float
    assert metrics["inf"] == sys.float_info.max and metrics["ninf"] == -sys.float_info.max


def test_numpy_scalars_are_numbers(session, client):
    np = pytest.importorskip("numpy")
    session.log_metrics({"f32": np.float32(0.5), "i64": np.int64(3)})
    assert client.get_run(session.end_run()).data.metrics == {"f32": 0.5, "i64": 3.0}


def test_too_long_param_is_refused_naming_it(session, client):
    session.log_params({"ok": "x"})
    with pytest.raises(InputError, match="'notes' is 6001 characters"):
        session.log_params({"notes": "y" * 6001})
    assert client.get_run(session.end_run()).data.params == {"ok": "x"}


def test_changing_a_param_is_refused(session, client):
    session.log_params({"alpha": 0.1})
    session.log_params({"alpha": 0.1})  # the same value again is fine
    with pytest.raises(InputError, match=r"already logged as '0\.1'"):
        session.log_params({"alpha": 0.2})
    assert client.get_run(session.end_run()).data.params == {"alpha": "0.1"}


@pytest.mark.parametrize("key", ["", "a" * 251, "bad*name", "/abs", "a/../b", 7])
def test_bad_names_are_refused(session, key):
    with pytest.raises(InputError, match="name"):
        session.log_metrics({key: 1})


def test_bad_step_is_refused(session):
    with pytest.raises(InputError, match="step"):
        session.log_metrics({"x": 1}, step=1.5)


def test_environment_is_captured(session, client):
    run_id = session.start_run()
    session.end_run()
    env = json.loads(session.store.load_text(run_id, ENVIRONMENT_FILE))
    assert env["packages"]["mlflow"] == mlflow.__version__
    assert env["cpu_count"] >= 1 and env["memory_bytes"] > 0
    assert env["code_hash"]
    tags = client.get_run(run_id).data.tags
    assert tags["nbops.env.python"] == env["python"]
    assert tags["nbops.code_hash"] == env["code_hash"]
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"environment.json", "notebook"} <= artifacts
    assert [a.path for a in client.list_artifacts(run_id, "notebook")] == ["notebook/train.ipynb"]


def test_mlflow_ui_shows_source_and_user(session, client):
    import getpass

    tags = client.get_run(session.start_run()).data.tags
    session.end_run()
    assert tags["mlflow.source.name"] == str(session.notebook)
    assert tags["mlflow.source.type"] == "NOTEBOOK"
    assert tags["mlflow.user"] == getpass.getuser()


def test_same_code_shares_the_code_hash(session, client, jp_nbops_write_notebook):
    first = session.start_run()
    second = session.start_run()
    session.end_run()
    jp_nbops_write_notebook(session.notebook, ["a = 2"])
    third = session.start_run()
    session.end_run()
    hashes = [client.get_run(r).data.tags["nbops.code_hash"] for r in (first, second, third)]
    assert hashes[0] == hashes[1] != hashes[2]


def test_git_state_and_dirty_diff(session, client, jp_nbops_project):
    def git(*args):
        subprocess.run(["git", *args], cwd=jp_nbops_project, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.email=a@b", "-c", "user.name=a", "add", "nb/train.ipynb", "nbops.toml")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "start")
    (jp_nbops_project / "nbops.toml").write_text("# changed\n")
    run_id = session.start_run()
    session.end_run()
    tags = client.get_run(run_id).data.tags
    assert len(tags["nbops.git.commit"]) == 40
    assert tags["mlflow.source.git.commit"] == tags["nbops.git.commit"]  # MLflow's UI shows it
    assert tags["nbops.git.branch"] == "main" and tags["nbops.git.dirty"] == "True"
    diff = mlflow.artifacts.load_text(f"{client.get_run(run_id).info.artifact_uri}/git/diff.patch")
    assert "+# changed" in diff


def test_artifacts_text_and_figure(session, client, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    session.log_artifact(data, "inputs")
    session.log_text("# Notes\n", "notes/summary.md")
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    session.log_figure(fig, "plots/line")
    plt.close(fig)
    run_id = session.end_run()
    uri = client.get_run(run_id).info.artifact_uri
    assert mlflow.artifacts.load_text(f"{uri}/inputs/data.csv") == "a,b\n1,2\n"
    assert mlflow.artifacts.load_text(f"{uri}/notes/summary.md") == "# Notes\n"
    assert [a.path for a in client.list_artifacts(run_id, "plots")] == ["plots/line.png"]
    with pytest.raises(InputError, match="No file"):
        session.log_artifact(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="matplotlib"):
        session.log_figure("not a figure", "x.png")


def test_sklearn_model_is_logged_and_registered_with_a_signature(session, client):
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = Ridge().fit(X, y)
    uri = session.log_model(model, "ridge", input_example=X.head(3), registered_model_name="ridge")
    session.end_run()
    loaded = mlflow.pyfunc.load_model(uri)
    assert loaded.metadata.signature.inputs.input_names() == list(X.columns)
    assert list(loaded.predict(X.head(2))) == pytest.approx(list(model.predict(X.head(2))))
    versions = client.search_model_versions("name='ridge'")
    assert len(versions) == 1


def test_unknown_flavor_is_refused(session):
    with pytest.raises(InputError, match="flavor"):
        session.log_model(object(), "m", flavor="nosuchflavor")


def test_killed_runs_are_marked(session, client):
    ghost = session.store.start_run(
        session.experiment,
        tags={
            "nbops.host": __import__("socket").gethostname(),
            "nbops.pid": "999999999",
            "nbops.pid_started": "1.0",
        },
    )
    alive = session.start_run()
    assert session.mark_killed_runs() == [ghost]
    assert client.get_run(ghost).info.status == "KILLED"
    assert client.get_run(alive).info.status == "RUNNING"
