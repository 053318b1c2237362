"""Models to promote: ridge regressions on scikit-learn's diabetes data, logged by real runs."""

from __future__ import annotations

import pytest


def train(session, alpha: float, name: str, bad_example: bool = False) -> str:
    """A finished run of ``session`` that logged rmse and a model with its input example."""
    from mlflow.models import infer_signature
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.metrics import mean_squared_error

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = Ridge(alpha=alpha).fit(X, y)
    run_id = session.start_run(name)
    session.log_params({"alpha": alpha})
    session.log_metrics({"rmse": mean_squared_error(y, model.predict(X)) ** 0.5})
    example = X.drop(columns="bmi").head(3) if bad_example else X.head(3)
    signature = infer_signature(X, model.predict(X))
    session.log_model(model, "model", input_example=example, signature=signature)
    session.end_run()
    return run_id


@pytest.fixture
def jp_nbops_train():
    """``train(session, alpha, name, bad_example=False)``: a finished run with a model."""
    return train


@pytest.fixture(params=["embedded", "server"])
def jp_nbops_models(request, jp_nbops_project, monkeypatch):
    """Two finished runs with models, ``good`` (lower rmse) and ``bad``, and the holdout
    snapshot, on the embedded store or on an ``mlflow server``; the project is the cwd."""
    if request.param == "server":
        request.getfixturevalue("jp_nbops_mlflow_server")
    return make_models(jp_nbops_project, monkeypatch)


@pytest.fixture
def jp_nbops_embedded_models(jp_nbops_project, monkeypatch):
    """``jp_nbops_models`` on the embedded store only."""
    return make_models(jp_nbops_project, monkeypatch)


def make_models(jp_nbops_project, monkeypatch) -> dict:
    from sklearn.datasets import load_diabetes

    from nbops.capture.session import Session
    from nbops.data.snapshot import take_snapshot

    monkeypatch.chdir(jp_nbops_project)
    session = Session(notebook=jp_nbops_project / "train.ipynb", capture_environment=False)
    bad = train(session, 10.0, "bad")
    good = train(session, 0.01, "good")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    session.start_run("holdout")
    take_snapshot(session, X.assign(target=y).tail(100), "holdout", role="output")
    session.end_run()
    session.close()
    return {"good": good, "bad": bad, "session": session}
