"""One open store per tracking URI per process: the MLflow store of a project's settings."""

from __future__ import annotations

import threading

from ..config import Settings, load_settings
from .base import Store
from .mlflow import MlflowStore

_OPEN: dict[tuple[str, str | None], Store] = {}
_LOCK = threading.Lock()


def open_store(settings: Settings | None = None) -> Store:
    """Return the store for ``settings`` (default: those of the working directory).

    Parameters
    ----------
    settings:
        Resolved project settings; see :func:`nbops.config.load_settings`.
    """
    settings = settings or load_settings()
    root = str(settings.artifact_root) if settings.artifact_root else None
    key = (settings.tracking_uri, root)
    with _LOCK:
        if key not in _OPEN:
            _OPEN[key] = MlflowStore(settings.tracking_uri, root, settings.fix_hint())
        return _OPEN[key]
