"""Logging a model in a run with its MLflow flavor, in the run's own experiment."""

from __future__ import annotations

import importlib

from ..exceptions import InputError

_MODEL_ARGUMENT = {
    "sklearn": "sk_model",
    "xgboost": "xgb_model",
    "lightgbm": "lgb_model",
    "pytorch": "pytorch_model",
    "tensorflow": "model",
    "keras": "model",
    "statsmodels": "statsmodels_model",
    "pyfunc": "python_model",
}


def log_model(client, run_id: str, model: object, name: str, **options: object) -> str:
    """Log ``model`` in ``run_id`` with its flavor (``flavor=``, else guessed); its URI.

    MLflow's own API must point at the run's store.
    """
    from mlflow.models import Model

    flavor_name = options.pop("flavor", None) or _guess_flavor(model)
    try:
        flavor = importlib.import_module(f"mlflow.{flavor_name}")
    except ImportError as err:
        raise InputError(
            f"MLflow has no model flavor {flavor_name!r}.",
            "Pass flavor= with one of MLflow's flavors, e.g. 'sklearn', 'xgboost', 'pytorch'.",
        ) from err
    # created here, in the run's experiment: MLflow's default is the active experiment (0),
    # whose embedded artifact folder would be ./mlruns of the working directory
    experiment_id = client.get_run(run_id).info.experiment_id
    logged = client.create_logged_model(experiment_id, name=name, source_run_id=run_id)
    info = Model.log(
        artifact_path=None,
        name=name,
        flavor=flavor,
        run_id=run_id,
        model_id=logged.model_id,
        await_registration_for=0,
        **{_MODEL_ARGUMENT.get(flavor_name, "python_model"): model, **options},
    )
    return info.model_uri


def _guess_flavor(model: object) -> str:
    module = type(model).__module__.split(".")[0]
    return {
        "sklearn": "sklearn",
        "xgboost": "xgboost",
        "lightgbm": "lightgbm",
        "torch": "pytorch",
        "statsmodels": "statsmodels",
    }.get(module, "pyfunc")
