"""The run lifecycle of one process: which store, which experiment, which run is active."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings, experiment_name, load_settings
from ..store import Metric, RunSummary, Store, open_store
from ..store.base import NOTEBOOK_TAG
from .notebook import current_notebook

DEFAULT_EXPERIMENT = "Default"


@dataclass
class Session:
    """Where this process logs: settings, store, experiment and the active run.

    Parameters
    ----------
    notebook:
        The notebook being run, if known; names the default experiment.
    settings:
        Project settings; resolved from the notebook's folder (or the working directory) if omitted.
    experiment:
        Overrides the experiment name.
    """

    notebook: Path | None = None
    settings: Settings | None = None
    experiment: str | None = None
    run_id: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.settings is None:
            self.settings = load_settings(self.notebook.parent if self.notebook else None)
        if self.experiment is None:
            self.experiment = (
                experiment_name(self.notebook, self.settings.project)
                if self.notebook
                else DEFAULT_EXPERIMENT
            )

    @property
    def store(self) -> Store:
        """The store runs go to."""
        return open_store(self.settings)

    def start_run(self, name: str | None = None) -> str:
        """Start a run (ending an active one first) and return its id."""
        with self._lock:
            if self.run_id is not None:
                self.store.end_run(self.run_id)
            tags = {NOTEBOOK_TAG: self.experiment} if self.notebook else {}
            self.run_id = self.store.start_run(self.experiment, name=name, tags=tags)
            return self.run_id

    def ensure_run(self) -> str:
        """Return the active run's id, starting a run if none is active."""
        return self.run_id or self.start_run()

    def end_run(self, status: str = "FINISHED") -> str | None:
        """End the active run with ``status``; return its id (``None`` if none was active)."""
        with self._lock:
            run_id, self.run_id = self.run_id, None
        if run_id is not None:
            self.store.end_run(run_id, status)
        return run_id

    def active_run(self) -> RunSummary | None:
        """The active run, or ``None``."""
        return self.store.get_run(self.run_id) if self.run_id else None

    def log_params(self, params: dict[str, object]) -> None:
        """Record parameters of the active run."""
        self.store.log_batch(self.ensure_run(), params=params)

    def log_metrics(self, metrics: dict[str, float], step: int = 0) -> None:
        """Record metric values of the active run at ``step``."""
        items = [Metric(k, float(v), step) for k, v in metrics.items()]
        self.store.log_batch(self.ensure_run(), metrics=items)


_session: Session | None = None
_session_lock = threading.Lock()


def current_session(notebook_hint: str | None = None) -> Session:
    """Return this process's session, creating it on first use.

    Parameters
    ----------
    notebook_hint:
        The notebook path as the kernel knows it (IPython's ``__session__``), used if nothing
        better is known.
    """
    global _session
    with _session_lock:
        if _session is None:
            _session = Session(notebook=current_notebook(notebook_hint))
        return _session


def reset_session() -> None:
    """Forget this process's session and end its active run (kernel shutdown, tests)."""
    global _session
    with _session_lock:
        session, _session = _session, None
    if session is not None:
        session.end_run()
