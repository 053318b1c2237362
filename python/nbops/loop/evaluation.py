"""Score models on one snapshot with MLflow's default evaluator, each in an evaluation run."""

from __future__ import annotations

import pandas as pd

from ..config import Settings
from ..data.catalog import Entry
from ..data.snapshot import catalog_for, read_snapshot
from ..exceptions import EvaluationError, InputError
from ..names import KIND_EVALUATION, RUN_KIND_TAG
from ..store import RunSummary, Store

DEFAULT_TARGET = "target"
EVALUATED_MODEL_TAG = "nbops.evaluation.model"
EVALUATION_DATA_TAG = "nbops.evaluation.snapshot"


def snapshot_data(settings: Settings, reference: str) -> tuple[Entry, pd.DataFrame]:
    """A snapshot named ``name``, ``name@version`` or by id, and its verified data."""
    catalog = catalog_for(settings)
    entry = catalog.find(reference)
    return entry, read_snapshot(catalog, entry.id)


def evaluate_both(
    settings: Settings,
    store: Store,
    run: RunSummary,
    candidate_uri: str,
    champion,
    snapshot: str,
    target: str | None,
) -> tuple[dict[str, float], dict[str, float] | None, str]:
    """Score the candidate and the champion (if any) on ``snapshot``; their metrics and the
    snapshot's id."""
    entry, data = snapshot_data(settings, snapshot)
    target = target or DEFAULT_TARGET
    if target not in data.columns:
        raise InputError(
            f"The evaluation snapshot {snapshot!r} has no column {target!r}.",
            f"Name its label column with --target (columns: {', '.join(map(str, data.columns))}).",
        )
    kind = "regressor" if pd.api.types.is_float_dtype(data[target]) else "classifier"
    mine = evaluate(store, run.experiment, candidate_uri, data, target, kind, entry.id)
    theirs = None
    if champion is not None:
        uri = f"models:/{champion.name}/{champion.version}"
        theirs = evaluate(store, run.experiment, uri, data, target, kind, entry.id)
    return mine, theirs, entry.id


def evaluate(
    store: Store, experiment: str, model_uri: str, data, target: str, kind: str, snapshot_id: str
) -> dict[str, float]:
    """Score one model on ``data`` in a new evaluation run of ``experiment``; its metrics."""
    import mlflow

    tags = {
        RUN_KIND_TAG: KIND_EVALUATION,
        EVALUATED_MODEL_TAG: model_uri,
        EVALUATION_DATA_TAG: snapshot_id,
    }
    run_id = store.start_run(experiment, name=f"evaluate {model_uri}", tags=tags)
    store.activate(run_id)
    try:
        result = mlflow.models.evaluate(
            model_uri,
            data,
            targets=target,
            model_type=kind,
            evaluators=["default"],
            evaluator_config={"default": {"log_model_explainability": False}},
        )
    except Exception as err:  # MLflow raises many kinds; the failed run says which
        store.deactivate(run_id, "FAILED")
        raise EvaluationError(
            f"Could not score {model_uri} on snapshot {snapshot_id[:12]}: {err}",
            "Check that the snapshot holds the model's input columns and the label column.",
        ) from err
    store.deactivate(run_id)
    return {k: float(v) for k, v in result.metrics.items() if isinstance(v, int | float)}
