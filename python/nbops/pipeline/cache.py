"""Step caching: the same step version, parameters and input snapshots give the same outputs.

A finished step run carries the tag ``nbops.cache_key``; a later pipeline run whose step has the
same key skips the step and hands the outputs that run wrote to the steps downstream.
"""

from __future__ import annotations

import hashlib
import json

import nbformat

from ..config import Settings
from ..data.snapshot import catalog_for
from ..names import CACHE_TAG, STEP_VERSION_TAG
from ..store import RunSummary, Store
from .export import normalize, read_notebook
from .run import written_snapshots
from .target import Prepared


def code_version(prepared: Prepared) -> str:
    """The step's version: its manifest's, or a hash of the normalized notebook."""
    version = prepared.target.tags.get(STEP_VERSION_TAG)
    if version:
        return version
    step = normalize(read_notebook(prepared.target.notebook))
    return hashlib.sha256(nbformat.writes(step).encode()).hexdigest()[:16]


def cache_key(
    prepared: Prepared, pins: dict[str, str], files: dict[str, bytes] | None = None
) -> str:
    """Hash of (code version, every parameter's value, the input snapshots' fingerprints, and the
    content of the step's ``files:``).

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
    text = json.dumps(content, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


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
