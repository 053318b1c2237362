"""Which store class serves which settings, and one open store per tracking URI per process."""

from __future__ import annotations

import threading

from ..config import Settings, load_settings
from ..exceptions import InputError
from .base import Store
from .mlflow import MlflowStore

_KINDS: dict[str, type[Store]] = {"mlflow": MlflowStore}
_OPEN: dict[tuple[str, str, str | None], Store] = {}
_LOCK = threading.Lock()


def register_store(kind: str, cls: type[Store]) -> None:
    """Make a store class available under ``kind`` (e.g. for a plugin package).

    Parameters
    ----------
    kind:
        The name used in ``store = "..."`` settings.
    cls:
        A :class:`~nbops.store.base.Store` subclass taking ``(uri, artifact_root, hint)``.
    """
    _KINDS[kind] = cls


def open_store(settings: Settings | None = None, kind: str = "mlflow") -> Store:
    """Return the store for ``settings`` (default: those of the working directory).

    Parameters
    ----------
    settings:
        Resolved project settings; see :func:`nbops.config.load_settings`.
    kind:
        The registered store kind.
    """
    settings = settings or load_settings()
    if kind not in _KINDS:
        raise InputError(
            f"Unknown store kind {kind!r}.", f"Registered kinds: {', '.join(sorted(_KINDS))}."
        )
    root = str(settings.artifact_root) if settings.artifact_root else None
    key = (kind, settings.tracking_uri, root)
    with _LOCK:
        if key not in _OPEN:
            _OPEN[key] = _KINDS[kind](settings.tracking_uri, root, settings.fix_hint())
        return _OPEN[key]
