"""Request models of the REST API, checked on the way in (malformed input is a 400).

Responses are plain JSON built by the core's ``to_dict`` methods; ``api/openapi.yaml`` names
every request and response (``Create*``, ``Describe*``, ``List*Query``, ``List*Response``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

from ..exceptions import InputError

RUN_STATUSES = ("RUNNING", "FINISHED", "FAILED", "KILLED", "SCHEDULED")


def _body(raw: bytes, model: str) -> dict:
    if not raw:
        raise InputError(f"The {model} body is missing.", "Send a JSON object, at least {}.")
    try:
        data = json.loads(raw)
    except ValueError as err:
        raise InputError(f"The {model} body is not JSON: {err}.", "Send a JSON object.") from err
    if not isinstance(data, dict):
        raise InputError(f"The {model} body must be a JSON object.", "Send a JSON object.")
    return data


def _parse(cls, raw: bytes):
    data = _body(raw, cls.__name__)
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InputError(
            f"{cls.__name__} has no field(s) {', '.join(unknown)}.",
            f"Its fields: {', '.join(known)}.",
        )
    for name, spec in known.items():
        if name in data:
            _check_field(cls.__name__, name, str(spec.type), data[name])
    try:
        return cls(**data)
    except TypeError as err:
        raise InputError(
            f"{cls.__name__} is missing a field: {err}.", "See api/openapi.yaml."
        ) from err


_TYPES = {
    "str": (str, "a string"),
    "dict": (dict, "an object"),
    "float": ((int, float), "a number"),
    "list": (list, "a list"),
    "bool": (bool, "true or false"),
}


def _check_field(model: str, name: str, annotation: str, value: object) -> None:
    """:class:`InputError` unless ``value`` fits the field's annotation (``str | None``, ...)."""
    if value is None:
        if "None" in annotation:
            return
        raise InputError(f"{model}.{name} must not be null.", "Give a value or leave it out.")
    kind = annotation.split("|")[0].strip()
    expected, words = _TYPES[kind]
    if (isinstance(value, bool) and kind != "bool") or not isinstance(value, expected):
        shown = json.dumps(value)[:80]
        raise InputError(f"{model}.{name} must be {words}, not {shown}.", "See api/openapi.yaml.")


class _Body:
    """A request body model: :meth:`parse` reads and checks the JSON."""

    @classmethod
    def parse(cls, raw: bytes):
        """Read and check a request body; :class:`InputError` names the problem."""
        return _parse(cls, raw)


@dataclass
class CreateJob(_Body):
    """``POST /nbops/api/jobs``: run a notebook (or one of its exported steps) headless."""

    notebook: str
    parameters: dict | None = None
    step: str | None = None
    kernel: str | None = None
    timeout: float | None = None  # the run's options (RunOptions): seconds each cell may run
    run_timeout: float | None = None
    strict_env: bool | None = None


@dataclass
class CreatePipelineRun(_Body):
    """``POST /nbops/api/pipeline``: run a pipeline file (``parameters``: ``STEP.NAME`` to
    value, as ``-p``)."""

    path: str
    parameters: dict | None = None
    force: bool | None = None
    executor: str | None = None  # an installed executor (default: the server extension's)


@dataclass
class CreateSchedule(_Body):
    """``POST /nbops/api/schedules``: install a pipeline's schedule (``to``: ``airflow``, a DAG
    file in the dags folder; ``cron``, a line in the crontab); ``dry_run``: only say what."""

    path: str
    cron: str
    to: str
    monitor: bool | None = None
    dry_run: bool | None = None


@dataclass
class CreateReproduction(_Body):
    """``POST /nbops/api/runs/<id>/reproduce``: run a recorded run again and compare."""

    rtol: float = 0.0
    atol: float = 0.0
    env: str = "current"


@dataclass
class CreatePromotion(_Body):
    """``POST /nbops/api/runs/<id>/promote``: register the run's model, move the alias past
    the gates."""

    model: str
    gates: list | None = None
    eval: str | None = None
    target: str | None = None
    alias: str | None = None
    confirm: bool | None = None  # load models that others registered (else 409 lists them)


@dataclass
class CreateStep(_Body):
    """``POST /nbops/api/steps``: export a notebook as a pipeline step."""

    notebook: str
    name: str | None = None


@dataclass
class ListRunsQuery:
    """``GET /nbops/api/runs``: which page of which runs, in which order."""

    limit: int
    sort: str = "start_time"
    order: str = "desc"
    status: str | None = None
    page_token: str | None = None
    filter: str | None = None

    def __post_init__(self) -> None:
        if self.order not in ("asc", "desc"):
            raise InputError(f"order={self.order!r} is not valid.", "Use asc or desc.")
        if self.status is not None and self.status not in RUN_STATUSES:
            raise InputError(
                f"status={self.status!r} is not a run status.",
                f"Use one of {', '.join(RUN_STATUSES)}.",
            )
        if self.sort != "start_time" and not self.sort.startswith(("metrics.", "params.")):
            raise InputError(
                f"sort={self.sort!r} is not valid.", "Use start_time, metrics.NAME or params.NAME."
            )
