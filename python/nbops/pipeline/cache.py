"""Step caching: the same step version, parameters and input snapshots give the same outputs.

A finished step run carries the tag ``nbops.cache_key``; a later pipeline run whose step has the
same key skips the step and hands the outputs that run wrote to the steps downstream.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import nbformat

from ..config import Settings
from ..data.snapshot import catalog_for
from ..execution.run import written_snapshots
from ..names import CACHE_PARTS_TAG, CACHE_TAG, PIPELINE_STEP_TAG, STEP_VERSION_TAG
from ..steps.export import normalize, read_notebook
from ..steps.target import Prepared
from ..store import RunSummary, Store


def code_version(prepared: Prepared) -> str:
    """The step's version: its manifest's, or a hash of the normalized notebook."""
    version = prepared.target.tags.get(STEP_VERSION_TAG)
    if version:
        return version
    step = normalize(read_notebook(prepared.target.notebook))
    return hashlib.sha256(nbformat.writes(step).encode()).hexdigest()[:16]


def cache_parts(
    prepared: Prepared, pins: dict[str, str], files: dict[str, bytes] | None = None
) -> dict:
    """What a step's cache key hashes: its code version, every parameter's value, the input
    snapshots' fingerprints, and the content of the step's ``files:``.

    Parameters
    ----------
    prepared:
        The step with its parameter values.
    pins:
        The snapshot ids it will read, by name.
    files:
        The files it carries, by relative path.
    """
    content = {
        "code": code_version(prepared),
        "parameters": prepared.effective,
        "inputs": dict(sorted(pins.items())),
    }
    if files:
        content["files"] = {p: hashlib.sha256(b).hexdigest() for p, b in sorted(files.items())}
    return content


def cache_key(parts: dict) -> str:
    """The hash of :func:`cache_parts`: equal keys, equal results."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def parts_tag(parts: dict) -> str:
    """:func:`cache_parts` as a run's tag (parameters over 4,000 characters hashed)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    if len(text) > 4000:
        values = json.dumps(parts["parameters"], sort_keys=True, default=str)
        digest = hashlib.sha256(values.encode()).hexdigest()[:16]
        text = json.dumps({**parts, "parameters": {"(hash)": digest}}, sort_keys=True, default=str)
    return text


def why_not_cached(store: Store, experiment: str, step: str, parts: dict) -> str | None:
    """Why ``step`` runs again: what differs from its newest finished run in the pipeline's
    ``experiment`` (``None`` for a step never run, or run before the parts were kept)."""
    runs = store.list_runs(experiment, limit=1, status="FINISHED", tags={PIPELINE_STEP_TAG: step})
    if not runs or CACHE_PARTS_TAG not in runs[0].tags:
        return None
    try:
        before = json.loads(runs[0].tags[CACHE_PARTS_TAG])
    except ValueError:
        return None
    now = json.loads(parts_tag(parts))
    reasons = []
    if before.get("code") != now["code"]:
        reasons.append(f"its code changed ({before.get('code')} -> {now['code']})")
    for kind in ("parameters", "inputs", "files"):
        old, new = before.get(kind) or {}, now.get(kind) or {}
        changed = [k for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)]
        if kind == "inputs":
            reasons += [f"input {k} {_short(old.get(k))} -> {_short(new.get(k))}" for k in changed]
        elif changed:
            reasons.append(
                f"{kind} {', '.join(f'{k} {old.get(k)} -> {new.get(k)}' for k in changed)}"
            )
    if not reasons:
        return None  # the same parts: its outputs are gone, or --force
    return f"{'; '.join(reasons)} against run {runs[0].run_id[:8]}"


def _short(value: object) -> str:
    return str(value)[:8] if value else "(none)"


def cached_run(
    store: Store, settings: Settings, experiment: str, key: str, outputs: list[str]
) -> tuple[RunSummary, dict[str, str]] | None:
    """The newest FINISHED run with ``key`` whose declared outputs are still kept, or ``None``.

    Parameters
    ----------
    store:
        Where the runs are.
    settings:
        The project (its snapshot catalog).
    experiment:
        The pipeline's experiment.
    key:
        The step's cache key.
    outputs:
        The snapshot names the step declares.
    """
    runs = store.list_runs(experiment, limit=1, status="FINISHED", tags={CACHE_TAG: key})
    if not runs:
        return None
    written = written_snapshots(settings, runs[0].run_id)
    catalog = catalog_for(settings)
    if any(name not in written for name in outputs) or not all(
        catalog.has(i) for i in written.values()
    ):
        return None
    return runs[0], written


@dataclass
class Decision:
    """Whether a step runs or reuses an earlier run: its cache ``key`` and ``parts``, the
    earlier ``run`` and its ``outputs`` when cached, and ``why`` it runs when it does not."""

    name: str
    key: str
    parts: dict
    run: RunSummary | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    why: str | None = None

    @property
    def cached(self) -> bool:
        """Whether an earlier finished run with the same key is reused."""
        return self.run is not None

    def tags(self) -> dict[str, str]:
        """The tags of the step's run when it runs: its key and what the key hashed."""
        return {CACHE_TAG: self.key, CACHE_PARTS_TAG: parts_tag(self.parts)}

    def line(self) -> str | None:
        """What the progress says: ``cached`` with the run reused, ``changed`` with why it runs
        (``None`` for a step that never ran before, or runs because it was forced)."""
        if self.run is not None:
            return (
                f"cached    {self.name}: same code, parameters and inputs as run "
                f"{self.run.run_id[:8]} (--force runs it again)"
            )
        return f"changed   {self.name}: {self.why}" if self.why else None


def decide(
    store: Store,
    settings: Settings,
    experiment: str,
    name: str,
    prepared: Prepared,
    pins: dict[str, str],
    step,
    force: bool = False,
) -> Decision:
    """Cached or run: the one decision of ``nbops pipeline run`` and of a scheduler's step task.

    Parameters
    ----------
    store, settings:
        Where the runs are, and the project.
    experiment:
        The pipeline's experiment.
    name:
        The step.
    prepared:
        The step's target with its parameters.
    pins:
        The snapshot ids the step reads, by name.
    step:
        The step of the pipeline file (its ``files`` and ``outputs``).
    force:
        Run even when an earlier finished run has the same key.
    """
    parts = cache_parts(prepared, pins, step.files)
    decision = Decision(name, cache_key(parts), parts)
    if force:
        return decision
    hit = cached_run(store, settings, experiment, decision.key, step.outputs)
    if hit is not None:
        decision.run, decision.outputs = hit
    else:
        decision.why = why_not_cached(store, experiment, name, parts)
    return decision
