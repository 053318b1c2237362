"""``nbops promote``: register a run's model and move the champion alias only past every gate.

Built on MLflow's Model Registry with aliases: the run's logged model becomes a new version of the
registered model; when every gate holds, the alias (``champion``) moves to it and the version that
held it gets ``previous-champion``; ``rollback`` swaps them back. The gate table, the decision and
the evaluation data's fingerprint are kept as tags of the version and of the candidate run, and
as the run's ``promotion/<model>-v<version>.json``.

With ``eval_snapshot``, candidate and champion are both scored on that same snapshot by MLflow's
default evaluator (``mlflow.models.evaluate``), each in an evaluation run; otherwise they are
compared on the metrics their runs logged.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import load_settings
from ..exceptions import ConflictError, InputError, PermissionDeniedError
from ..names import (
    PROMOTION_CHAMPION_TAG,
    PROMOTION_DECISION_TAG,
    PROMOTION_EVALUATION_TAG,
    PROMOTION_FOLDER,
    PROMOTION_GATES_TAG,
    USER_TAG,
)
from ..notifications import Notice, project_targets, report_hint, send
from ..store import Store, finished_run, open_store
from .gates import Gate, parse_gates

CHAMPION = "champion"
PREVIOUS = "previous-champion"
DECISION_TAG = PROMOTION_DECISION_TAG  # promoted, refused, rolled back
GATES_TAG = PROMOTION_GATES_TAG
EVALUATION_TAG = PROMOTION_EVALUATION_TAG
COMPARED_TAG = PROMOTION_CHAMPION_TAG
RUN_PROMOTION_TAG = "nbops.promotion"  # on the candidate run: "<model> v<version> <decision>"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_ALIAS = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


@dataclass
class GateRow:
    """One gate judged: the candidate's value, the champion's, the threshold, pass or fail."""

    gate: str
    candidate: float | None
    champion: float | None
    threshold: float | None
    passed: bool
    note: str = ""


@dataclass
class Decision:
    """What ``promote`` (or ``rollback``) decided."""

    model: str
    version: str
    run_id: str | None
    alias: str
    promoted: bool
    rows: list[GateRow] = field(default_factory=list)
    champion: str | None = None  # the version compared with (the alias's holder before)
    evaluation: str | None = None  # the snapshot id both were scored on
    notes: list[str] = field(default_factory=list)
    action: str = "promote"

    @property
    def decision(self) -> str:
        """``promoted``, ``refused`` or ``rolled back``."""
        if self.action == "rollback":
            return "rolled back"
        return "promoted" if self.promoted else "refused"

    @property
    def exit_code(self) -> int:
        """0 promoted (or rolled back), 1 a gate failed."""
        return 0 if self.promoted else 1

    @property
    def summary(self) -> str:
        """One line."""
        if self.action == "rollback":
            return f"{self.model}@{self.alias} is version {self.version} again (rolled back)."
        if self.promoted:
            return f"{self.model} version {self.version} is now @{self.alias}."
        failed = ", ".join(r.gate for r in self.rows if not r.passed)
        return (
            f"{self.model} version {self.version} was registered; "
            f"@{self.alias} did not move: {failed} failed."
        )

    def to_dict(self) -> dict:
        """A JSON-ready record."""
        return {**asdict(self), "decision": self.decision, "summary": self.summary}


def check_names(model: str, alias: str) -> None:
    """:class:`InputError` for a model name or alias MLflow would refuse or misread."""
    if not isinstance(model, str) or not _NAME.match(model):
        raise InputError(
            f"{model!r} is not a model name.", "Use letters, digits, '.', '_' and '-'."
        )
    if not isinstance(alias, str) or not _ALIAS.match(alias) or alias == "latest":
        raise InputError(
            f"{alias!r} is not an alias.",
            "Start with a letter; letters, digits, '_' and '-'; not 'latest'.",
        )


def logged_model(store: Store, run_id: str, name: str | None = None):
    """The model run ``run_id`` logged (named ``name`` if it logged several)."""
    models = store.registry.logged_models(run_id)
    if name is not None:
        models = [m for m in models if m.name == name]
    if len(models) == 1:
        return models[0]
    if not models:
        which = f" named {name!r}" if name else ""
        raise ConflictError(
            f"Run {run_id} logged no model{which}.",
            "Log one in the notebook: nbops.log_model(model, 'model', input_example=X[:5]).",
        )
    raise InputError(
        f"Run {run_id} logged several models: {', '.join(m.name for m in models)}.",
        "Choose one with --logged-model NAME.",
    )


def holder(store: Store, model: str, alias: str):
    """The model version holding ``alias``, or ``None``."""
    return store.registry.holder(model, alias)


def promote(
    run_id: str,
    model: str,
    gates=(),
    eval_snapshot: str | None = None,
    target: str | None = None,
    alias: str = CHAMPION,
    logged: str | None = None,
    cwd: str | Path | None = None,
) -> Decision:
    """Register run ``run_id``'s model as a version of ``model``; move ``alias`` if every gate
    holds.

    Parameters
    ----------
    run_id:
        The candidate: a finished run that logged a model.
    model:
        The registered model's name (created on its first promotion).
    gates:
        Gate texts (see :mod:`nbops.loop.gates`); none: the alias always moves.
    eval_snapshot:
        A snapshot (name, id, ``name@version``) to score both models on instead of comparing
        their runs' logged metrics.
    target:
        With ``eval_snapshot``: its label column (default ``target``).
    alias:
        The alias to move (default ``champion``).
    logged:
        Which logged model of the run, if it logged several.
    cwd:
        A folder of the project (default: the working directory).

    Bad input (the run, its model, a gate, a metric neither run logged) is an
    :class:`InputError` raised before anything is registered.
    """
    check_names(model, alias)
    parsed = parse_gates(gates)
    settings = load_settings(Path(cwd) if cwd else None)
    targets = project_targets(settings.project)
    store = open_store(settings)
    run = finished_run(store, run_id, "promoted")
    candidate = logged_model(store, run_id, logged)
    champion = holder(store, model, alias)
    champion_version = str(champion.version) if champion else None
    decision = Decision(model, "", run_id, alias, False, champion=champion_version)
    if eval_snapshot:
        from .evaluation import evaluate_both

        mine, theirs, decision.evaluation = evaluate_both(
            settings, store, run, candidate.model_uri, champion, eval_snapshot, target
        )
    else:
        mine = run.metrics
        theirs = store.get_run(champion.run_id).metrics if champion and champion.run_id else None
    _check_metrics(parsed, mine, run_id)
    version = store.registry.register(model, candidate, run_id)
    decision.version = str(version.version)
    decision.rows = _judge(parsed, mine, theirs, champion, store, model, version.version, decision)
    decision.promoted = all(r.passed for r in decision.rows)
    if decision.promoted:
        _move(store, model, alias, version.version, champion)
    _record(store, decision)
    if targets:
        send(promotion_notice(decision, settings.display_uri), targets)
    return decision


def promotion_notice(decision: Decision, store: str) -> Notice:
    """``promotion`` or ``refusal``: the model, the version, the gates that failed and the
    candidate's report."""
    lines = [f"{decision.summary} (on {store})"]
    lines += [
        f"  {r.gate}: {'pass' if r.passed else 'fail'} {r.note}".rstrip() for r in decision.rows
    ]
    lines += decision.notes
    if decision.run_id:
        lines.append(report_hint(decision.run_id))
    event = "promotion" if decision.promoted else "refusal"
    title = f"nbops: {decision.model} v{decision.version} {decision.decision}"
    return Notice(event, title, "\n".join(lines))


def foreign_models(
    run_id: str,
    model: str,
    gates=(),
    eval_snapshot: str | None = None,
    alias: str = CHAMPION,
    cwd: str | Path | None = None,
    user: str | None = None,
) -> list[str]:
    """The models a promotion would load (unpickle, run their code) that ``user`` did not
    register: the candidate's with a ``servable`` gate or ``eval_snapshot``, the champion's with
    ``eval_snapshot``. Empty when nothing is loaded or every model is ``user``'s.

    Parameters
    ----------
    run_id, model, gates, eval_snapshot, alias, cwd:
        As for :func:`promote`.
    user:
        Who asks (default: :func:`~nbops.capture.lifecycle.tracking_user`).
    """
    from ..capture.lifecycle import tracking_user

    check_names(model, alias)
    parsed = parse_gates(gates)
    if not eval_snapshot and not any(g.servable for g in parsed):
        return []
    user = user or tracking_user()
    store = open_store(load_settings(Path(cwd) if cwd else None))
    loaded = [(f"the candidate run {run_id}'s model", run_id)]
    champion = holder(store, model, alias) if eval_snapshot else None
    if champion is not None and champion.run_id:
        loaded.append((f"{model} v{champion.version} ({alias})", champion.run_id))
    foreign = []
    for what, owner_run in loaded:
        owner = store.get_run(owner_run).tags.get(USER_TAG)
        if owner != user:
            foreign.append(f"{what}, registered by {owner or 'an unknown user'}")
    return foreign


def _check_metrics(gates: list[Gate], metrics: dict[str, float], run_id: str) -> None:
    unknown = sorted({g.metric for g in gates if not g.servable and g.metric not in metrics})
    if unknown:
        raise InputError(
            f"The gate metric(s) {', '.join(unknown)} are unknown for run {run_id}.",
            f"Its metrics: {', '.join(sorted(metrics)) or 'none'}.",
        )


def _judge(gates, mine, theirs, champion, store, model, version, decision) -> list[GateRow]:
    rows = []
    for gate in gates:
        if gate.servable:
            from .serving import serve_check

            check = serve_check(f"models:/{model}/{version}", store=store)
            rows.append(GateRow(gate.text, None, None, None, check.ok, check.reason))
            continue
        value = mine[gate.metric]
        other = theirs.get(gate.metric) if theirs is not None else None
        note = ""
        if gate.relative and champion is None:
            note = "no champion yet: passes"
        elif gate.relative and other is None:
            note = f"the champion (version {champion.version}) has no {gate.metric}"
            rows.append(GateRow(gate.text, value, None, None, False, note))
            continue
        threshold = gate.threshold(other)
        rows.append(GateRow(gate.text, value, other, threshold, gate.holds(value, other), note))
    if champion is None:
        decision.notes.append(f"{model} had no @{decision.alias} yet.")
    return rows


def _move(store: Store, model: str, alias: str, version: str, champion) -> None:
    """Point ``alias`` at ``version``; the version that held it gets ``previous-<alias>``."""
    if champion is not None and champion.version != version:
        store.registry.set_alias(model, previous_alias(alias), champion.version)
    store.registry.set_alias(model, alias, version)


def previous_alias(alias: str) -> str:
    """Where the former holder of ``alias`` is kept (``previous-champion``)."""
    return PREVIOUS if alias == CHAMPION else f"previous-{alias}"


def _record(store: Store, decision: Decision) -> None:
    table = json.dumps([asdict(r) for r in decision.rows])
    tags = {
        DECISION_TAG: decision.decision,
        GATES_TAG: table[:5000],
        COMPARED_TAG: decision.champion or "none",
        **({EVALUATION_TAG: decision.evaluation} if decision.evaluation else {}),
    }
    store.registry.tag_version(decision.model, decision.version, tags)
    if decision.run_id:
        line = f"{decision.model} v{decision.version} {decision.decision} (@{decision.alias})"
        artifact = f"{PROMOTION_FOLDER}/{decision.model}-v{decision.version}.json"
        try:
            store.log_batch(decision.run_id, tags={RUN_PROMOTION_TAG: line})
            store.log_text(decision.run_id, json.dumps(decision.to_dict(), indent=1), artifact)
        except PermissionDeniedError:  # someone else's run: the version holds the decision
            decision.notes.append(
                f"Run {decision.run_id} belongs to someone else: the decision is recorded on "
                f"{decision.model} v{decision.version} only."
            )


def rollback(model: str, alias: str = CHAMPION, cwd: str | Path | None = None) -> Decision:
    """Give ``alias`` back to the version that held it before (``previous-champion``), and the
    rolled-back version the ``previous-`` alias; :class:`InputError` if there is none."""
    check_names(model, alias)
    store = open_store(load_settings(Path(cwd) if cwd else None))
    _check_model(store, model)
    previous, current = holder(store, model, previous_alias(alias)), holder(store, model, alias)
    if previous is None:
        raise InputError(
            f"{model} has no @{previous_alias(alias)} to roll back to.",
            "A rollback needs a promotion that replaced an earlier holder.",
        )
    store.registry.set_alias(model, alias, previous.version)
    if current is not None:
        store.registry.set_alias(model, previous_alias(alias), current.version)
    before = str(current.version) if current else None
    decision = Decision(model, str(previous.version), None, alias, True, champion=before)
    decision.action = "rollback"
    store.registry.tag_version(model, previous.version, {DECISION_TAG: "rolled back"})
    return decision


def _check_model(store: Store, model: str) -> None:
    if not store.registry.exists(model):
        raise InputError(
            f"No registered model {model!r} in {store.display_uri}.",
            "Promote a run first: nbops promote RUN_ID --model NAME.",
        )


def versions_of(store: Store, run_ids: list[str]) -> list[dict]:
    """The model versions registered from ``run_ids`` (see ``MlflowStore.model_versions``)."""
    return store.model_versions(run_ids)
