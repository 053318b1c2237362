"""Telling a refusal from an outage.

A team's tracking server (``mlflow server --app-name basic-auth``, or one behind a proxy that checks
tokens) answers 401 when it does not accept the credentials and 403 when the user may not do what
was asked. Neither is an outage: retrying changes nothing, and "not usable" would send the user
looking at the network. Every call nbops makes to MLflow's client goes through
:class:`GuardedClient`, which turns those two answers into
:class:`~nbops.exceptions.AuthenticationError` and :class:`~nbops.exceptions.PermissionDeniedError`,
naming the user, what was refused and on which resource.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re

from ..credentials import tracking_user
from ..exceptions import AccessError, AuthenticationError, PermissionDeniedError

# MLflow's text for an answer that is not JSON: "API request to endpoint /api/2.0/mlflow/runs/create
# failed with error code 403 != 200. Response body: '...'"
STATUS_IN_TEXT = re.compile(r"error code (401|403)\b|\b(401|403) Client Error")
ACCESS_CODES = {"UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403}

# what a call of MLflow's client was doing, for the message ({0}, {1}: its arguments)
DOING = {
    "search_experiments": "list the experiments",
    "get_experiment_by_name": "read the experiment {0!r}",
    "search_runs": "search runs",
    "get_run": "read run {0}",
    "list_artifacts": "list the artifacts of run {0}",
    "download_artifacts": "download the artifacts of run {0}",
    "create_experiment": "create the experiment {0!r}",
    "create_run": "create a run in {experiment}",
    "log_batch": "log values to run {0}",
    "log_param": "log values to run {0}",
    "log_metric": "log values to run {0}",
    "set_tag": "tag run {0}",
    "delete_tag": "change the tags of run {0}",
    "set_terminated": "end run {0}",
    "update_run": "change run {0}",
    "log_inputs": "record the inputs of run {0}",
    "log_artifact": "write artifacts of run {0}",
    "log_artifacts": "write artifacts of run {0}",
    "log_text": "write artifacts of run {0}",
    "log_dict": "write artifacts of run {0}",
    "delete_run": "delete run {0}",
    "create_registered_model": "create the registered model {0!r}",
    "create_model_version": "register a version of the model {0!r}",
    "set_registered_model_alias": "move the alias {1!r} of the registered model {0!r}",
    "delete_registered_model_alias": "remove the alias {1!r} of the registered model {0!r}",
    "set_model_version_tag": "tag version {1} of the registered model {0!r}",
    "set_registered_model_tag": "tag the registered model {0!r}",
    "transition_model_version_stage": "move version {1} of the registered model {0!r}",
}


def http_status(err: BaseException) -> int | None:
    """The HTTP status of a refusal in ``err`` (MLflow's exceptions, ``requests``' errors, or
    their text); ``None`` for anything else."""
    response = getattr(err, "response", None)
    status = getattr(response, "status_code", None)
    if status in (401, 403):
        return status
    code = ACCESS_CODES.get(getattr(err, "error_code", ""))
    if code:
        return code
    found = STATUS_IN_TEXT.search(str(err))
    return int(found.group(1) or found.group(2)) if found else None


def access_error(uri: str, err: BaseException, doing: str = "") -> AccessError | None:
    """The :class:`~nbops.exceptions.AccessError` that ``err`` is (401, 403), else ``None``.

    Parameters
    ----------
    uri:
        The tracking URI the request went to.
    err:
        What MLflow or ``requests`` raised (an :class:`AccessError` is returned as it is).
    doing:
        What was refused ("create a run in experiment 'x'"); a generic text if empty.
    """
    if isinstance(err, AccessError):
        return err
    status = http_status(err)
    if status is None:
        return None
    kind = AuthenticationError if status == 401 else PermissionDeniedError
    return kind(uri, tracking_user(uri), doing or "do what was asked")


class GuardedClient:
    """MLflow's client, whose refusals are :class:`~nbops.exceptions.AccessError`.

    Parameters
    ----------
    client:
        An ``MlflowClient``.
    uri:
        Its tracking URI (for messages; shown without credentials).
    """

    def __init__(self, client, uri: str) -> None:
        self._client, self._uri = client, uri

    def __getattr__(self, name: str):
        value = getattr(self._client, name)
        if not callable(value) or name.startswith("_"):
            return value

        @functools.wraps(value)
        def guarded(*args, **kwargs):
            try:
                return value(*args, **kwargs)
            except Exception as err:
                doing = self._doing(name, _arguments(value, args, kwargs))
                refused = access_error(self._uri, err, doing)
                if refused is None:
                    raise
                raise refused from err

        return guarded

    def _doing(self, name: str, args: list) -> str:
        template = DOING.get(name)
        if template is None:
            return f"call {name.replace('_', ' ')}"
        experiment = ""
        if "{experiment}" in template:
            experiment = self._experiment(args[0] if args else "")
        try:
            return template.format(*args, experiment=experiment)
        except (IndexError, KeyError):
            return template.split(" {", 1)[0]

    def _experiment(self, experiment_id: object) -> str:
        """'experiment NAME (id N)' when the name can be read, else 'experiment N'."""
        with contextlib.suppress(Exception):
            name = self._client.get_experiment(str(experiment_id)).name
            return f"the experiment {name!r} (id {experiment_id})"
        return f"the experiment {experiment_id}"


def _arguments(function, args: tuple, kwargs: dict) -> list:
    """The values of a call's arguments in the function's order, keywords included."""
    try:
        return list(inspect.signature(function).bind(*args, **kwargs).arguments.values())
    except (TypeError, ValueError):
        return list(args)
