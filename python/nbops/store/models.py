"""Logging a model in a run with its MLflow flavor, in the run's own experiment."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from ..exceptions import InputError
from ..names import (
    PROMOTION_CHAMPION_TAG,
    PROMOTION_DECISION_TAG,
    PROMOTION_EVALUATION_TAG,
    PROMOTION_GATES_TAG,
)

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


def describe_versions(client, run_ids: list[str]) -> list[dict]:
    """The registered versions of the models ``run_ids`` logged, newest first, as JSON."""
    if not run_ids:
        return []
    query = "run_id IN (" + ",".join(f"'{r}'" for r in run_ids) + ")"
    found = client.search_model_versions(query, max_results=200)
    aliases = {name: client.get_registered_model(name).aliases for name in {v.name for v in found}}
    versions = [
        RegisteredVersion(v.name, str(v.version), v.run_id, dict(v.tags), v.creation_timestamp)
        for v in found
    ]
    return shape_versions(
        versions, aliases, lambda name, version: client.get_model_version(name, version).run_id
    )


@dataclass
class RegisteredVersion:
    """One model version as the registry holds it."""

    name: str
    version: str
    run_id: str | None
    tags: dict[str, str]
    created: int | None


def shape_versions(
    versions: list[RegisteredVersion],
    aliases: dict[str, dict[str, object]],
    run_of: Callable[[str, str], str | None],
) -> list[dict]:
    """Versions as JSON, newest first: aliases held, the promotion's decision and gates, and
    the model's champion (``aliases``: each model's alias to version; ``run_of(name, version)``:
    the run a version came from)."""
    holders = {name: held.get("champion") for name, held in aliases.items()}
    champion_runs = {name: run_of(name, str(v)) for name, v in holders.items() if v is not None}
    return [
        {
            "model": v.name,
            "version": v.version,
            "run_id": v.run_id,
            "aliases": sorted(a for a, n in aliases[v.name].items() if str(n) == v.version),
            "decision": v.tags.get(PROMOTION_DECISION_TAG),
            "gates": json.loads(v.tags.get(PROMOTION_GATES_TAG) or "[]"),
            "champion": v.tags.get(PROMOTION_CHAMPION_TAG),
            "evaluation": v.tags.get(PROMOTION_EVALUATION_TAG),
            "created": v.created,
            "champion_version": None if holders[v.name] is None else str(holders[v.name]),
            "champion_run": champion_runs.get(v.name),
        }
        for v in sorted(versions, key=lambda v: v.created or 0, reverse=True)
    ]
