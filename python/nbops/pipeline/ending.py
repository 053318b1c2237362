"""How a headless run that did not finish is ended: why it failed, kept on the run."""

from __future__ import annotations

from ..names import ERROR_FILE, ERROR_TAG
from ..store import Store

MAX_TAG_TEXT = 5000  # MLflow's limit on a tag value is larger; a one-line cause fits


def keep_error(store: Store, run_id: str, message: str, trace: str | None = None) -> None:
    """Record why run ``run_id`` of ``store`` failed: the ``nbops.error`` tag (``message``, one
    line) and, given a traceback ``trace``, the artifact ``error.txt``."""
    store.log_batch(run_id, tags={ERROR_TAG: message[:MAX_TAG_TEXT]})
    if trace:
        store.log_text(run_id, f"{message}\n\n{trace}", ERROR_FILE)


def end_if_running(
    store: Store, run_id: str, status: str, error: str, trace: str | None = None
) -> bool:
    """End a run its worker could not end, saying why; whether it was still RUNNING.

    Parameters
    ----------
    store:
        Where the run is.
    run_id:
        The run.
    status:
        ``FAILED`` or ``KILLED``.
    error:
        Why, in one line (the ``nbops.error`` tag).
    trace:
        The traceback of the failure, kept as ``error.txt``.
    """
    if store.get_run(run_id).status != "RUNNING":
        return False
    keep_error(store, run_id, error, trace)
    store.end_run(run_id, status)
    return True
