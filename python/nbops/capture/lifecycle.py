"""What every run nbops opens records about itself, in a kernel's session and headless alike:
the process and user that own it (:func:`owner_tags`, so that a run whose process died is ended
KILLED by :func:`end_orphaned_runs`) and the environment it ran in (:func:`record_environment`)."""

from __future__ import annotations

import getpass
import json
import os
import socket
from pathlib import Path

from .. import __version__
from ..names import (
    ENVIRONMENT_FILE,
    ERROR_TAG,
    GIT_DIFF_FILE,
    HOST_TAG,
    NOTEBOOK_FOLDER,
    PID_STARTED_TAG,
    PID_TAG,
    USER_TAG,
    VERSION_TAG,
)
from ..store import Store
from .environment import capture_environment, summary_tags

GHOST_SEARCH_LIMIT = 200


def _process_started(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), ``None`` if it does not exist."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def owner_tags() -> dict[str, str]:
    """Tags naming this process (host, pid, its start time), its user and nbops's version.

    A run whose process is gone while it is still RUNNING is marked KILLED by the next session.
    """
    pid = os.getpid()
    return {
        **_user_tag(),
        HOST_TAG: socket.gethostname(),
        PID_TAG: str(pid),
        PID_STARTED_TAG: str(_process_started(pid)),
        VERSION_TAG: __version__,
    }


def tracking_user() -> str | None:
    """Who this process is to the tracking store: ``MLFLOW_TRACKING_USERNAME`` on a server with
    authentication, else the login name, if the system knows one."""
    if os.environ.get("MLFLOW_TRACKING_USERNAME"):
        return os.environ["MLFLOW_TRACKING_USERNAME"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry: no User in the UI
        return None


def _user_tag() -> dict[str, str]:
    """MLflow's ``mlflow.user``: :func:`tracking_user`."""
    user = tracking_user()
    return {USER_TAG: user} if user else {}


def end_orphaned_runs(store: Store, experiment: str, keep: str | None = None) -> list[str]:
    """End as KILLED the RUNNING runs of ``experiment`` whose process on this host is gone.

    A process killed with SIGKILL (a kernel, ``nbops run`` while it saved its results) cannot
    end its run; whatever it left half-written is then marked as such. The next session of the
    notebook and the next headless run of it call this. Returns the ids of the runs it ended.

    Parameters
    ----------
    store:
        Where the runs are.
    experiment:
        The experiment to look in.
    keep:
        A run not to touch (the caller's own).
    """
    host, marked = socket.gethostname(), []
    for run in store.list_runs(experiment, GHOST_SEARCH_LIMIT, status="RUNNING"):
        if run.run_id == keep or run.tags.get(HOST_TAG) != host:
            continue
        pid = int(run.tags.get(PID_TAG, "0") or 0)
        if pid and str(_process_started(pid)) != run.tags.get(PID_STARTED_TAG):
            why = f"its process (pid {pid} on {host}) died before ending it; outputs may be partial"
            store.log_batch(run.run_id, tags={ERROR_TAG: why})
            store.end_run(run.run_id, "KILLED")
            marked.append(run.run_id)
    return marked


def record_environment(
    store: Store, run_id: str, project: Path, notebook: Path | None, captured: dict | None = None
) -> dict:
    """Keep the environment (and git diff, notebook source) as artifacts of ``run_id``.

    Parameters
    ----------
    store:
        Where the run is.
    run_id:
        The run.
    project:
        The project folder (its git state is recorded).
    notebook:
        The notebook being run, kept under ``notebook/`` if it exists.
    captured:
        What :func:`~nbops.capture.environment.capture_environment` returned for this project and
        notebook, when the caller captured it once for many runs (a sweep, a pipeline).

    Returns the summary tags (Python, platform, git commit) to set on the run.
    """
    env = dict(captured) if captured is not None else capture_environment(project, notebook)
    diff = env.pop("git_diff")
    store.log_text(run_id, json.dumps(env, indent=1, default=str), ENVIRONMENT_FILE)
    if diff:
        store.log_text(run_id, diff, GIT_DIFF_FILE)
    if notebook and notebook.is_file():
        store.log_artifact(run_id, str(notebook), NOTEBOOK_FOLDER)
    return summary_tags(env)
