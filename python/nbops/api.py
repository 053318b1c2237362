"""The public Python API, re-exported as ``nbops.*``: thin calls on the current session."""

from __future__ import annotations

from .capture.session import current_session
from .capture.status import Status, session_status
from .store import RunSummary


def start_run(name: str | None = None) -> str:
    """Start a run in the notebook's experiment, ending any active one; return its id.

    Parameters
    ----------
    name:
        The run's name; MLflow picks one when omitted.
    """
    return current_session().start_run(name)


def end_run(status: str = "FINISHED") -> str | None:
    """End the active run; return its id, or ``None`` if no run was active.

    Parameters
    ----------
    status:
        ``FINISHED``, ``FAILED`` or ``KILLED``.
    """
    return current_session().end_run(status)


def active_run() -> RunSummary | None:
    """Return the active run, or ``None``."""
    return current_session().active_run()


def log_params(params: dict[str, object]) -> None:
    """Record parameters of the active run (one is started if none is active).

    Parameters
    ----------
    params:
        Names and values; values are stored as strings.
    """
    current_session().log_params(params)


def log_metrics(metrics: dict[str, float], step: int = 0) -> None:
    """Record metric values of the active run (one is started if none is active).

    Parameters
    ----------
    metrics:
        Names and numeric values.
    step:
        The step (epoch, iteration) the values belong to.
    """
    current_session().log_metrics(metrics, step)


def status() -> Status:
    """Return where this process logs: store URI, project, experiment and active run."""
    return session_status(current_session())
