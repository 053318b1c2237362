"""The store interface: where runs, their parameters and metrics are kept.

The core talks to this interface only; :mod:`nbops.store.mlflow` is the default implementation.
"""

from __future__ import annotations

import re
import tempfile
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..credentials import public_uri
from ..exceptions import ConflictError, InputError, NotFoundError

RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
SAFE_TERM = re.compile(r"^[A-Za-z0-9._:/-]+$")


@dataclass(frozen=True)
class Metric:
    """One metric value: ``key`` at ``step``, recorded at ``timestamp`` (ms since the epoch)."""

    key: str
    value: float
    step: int = 0
    timestamp: int = 0


@dataclass
class RunSummary:
    """What a run list shows of one run.

    Attributes
    ----------
    run_id, name, experiment:
        Identity of the run.
    status:
        One of ``RUN_STATUSES``.
    start_time, end_time:
        Milliseconds since the epoch; ``end_time`` is ``None`` while the run is going on.
    params, metrics, tags:
        The latest value of each; nbops and MLflow system tags are included.
    """

    run_id: str
    name: str
    experiment: str
    status: str
    start_time: int | None
    end_time: int | None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    experiment_id: str = ""

    @property
    def duration_ms(self) -> int | None:
        """Milliseconds from start to end, ``None`` until the run ends."""
        if self.start_time is None or self.end_time is None:
            return None
        return self.end_time - self.start_time

    def to_dict(self) -> dict:
        """A JSON-ready dict, with ``duration_ms``."""
        return {**asdict(self), "duration_ms": self.duration_ms}


class Store(ABC):
    """A tracking store. Implementations wrap one backend for one tracking URI.

    Parameters
    ----------
    uri:
        The tracking URI.
    artifact_root:
        Folder or URI for the artifacts of new experiments; ``None`` lets the backend decide.
    """

    def __init__(self, uri: str, artifact_root: str | None = None) -> None:
        self.uri = uri
        self.artifact_root = artifact_root
        self.patient = False  # wait for a server that stops answering (headless workers)

    @property
    def display_uri(self) -> str:
        """The tracking URI as it may be shown or recorded: without credentials."""
        return public_uri(self.uri)

    def warm_up(self) -> None:
        """Load what the first call will need (a backend's library), while waiting for a run.
        A store with nothing to load does nothing."""
        return

    @abstractmethod
    def check(self) -> None:
        """Raise :class:`~nbops.exceptions.StoreUnavailableError` unless the store answers."""

    @abstractmethod
    def experiment_id(self, name: str, create: bool = False) -> str | None:
        """Return the id of experiment ``name`` (created if ``create``), or ``None`` if absent."""

    @abstractmethod
    def start_run(
        self, experiment: str, name: str | None = None, tags: dict[str, str] | None = None
    ) -> str:
        """Start a run in ``experiment`` (created if needed) and return its id."""

    @abstractmethod
    def log_batch(
        self,
        run_id: str,
        params: dict[str, object] | None = None,
        metrics: list[Metric] | None = None,
        tags: dict[str, str] | None = None,
    ) -> None:
        """Record parameters, metrics and tags of a run in one call."""

    @abstractmethod
    def end_run(self, run_id: str, status: str = "FINISHED") -> None:
        """Mark a run as ended with ``status``."""

    @abstractmethod
    def log_artifact(self, run_id: str, local_path: str, artifact_path: str | None = None) -> None:
        """Copy a local file into the run's artifacts, under the folder ``artifact_path``."""

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        """Keep ``text`` as the artifact ``artifact_file`` of the run (e.g. ``drift/report.json``).

        Parameters
        ----------
        run_id:
            The run.
        text:
            The content, written as UTF-8.
        artifact_file:
            Its path among the run's artifacts.
        """
        folder, _, name = artifact_file.rpartition("/")
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / name
            local.write_text(text, encoding="utf-8")
            self.log_artifact(run_id, str(local), folder or None)

    @abstractmethod
    def load_text(self, run_id: str, artifact_file: str) -> str:
        """Return the text of one of the run's artifacts.

        :class:`~nbops.exceptions.NotFoundError` only if the run has no such artifact;
        :class:`~nbops.exceptions.StoreUnavailableError` if it has one that cannot be read.
        """

    @abstractmethod
    def list_artifacts(self, run_id: str, folder: str | None = None) -> list[str]:
        """The artifact paths directly under ``folder`` (the top when ``None``)."""

    @abstractmethod
    def datasets(self, run_id: str) -> list[dict[str, str]]:
        """The data the run read or wrote: dicts with ``name``, ``digest`` and ``role``."""

    @abstractmethod
    def log_dataset(
        self,
        run_id: str,
        name: str,
        digest: str,
        source: str,
        role: str,
        schema: str = "",
        profile: str = "",
    ) -> None:
        """Record data the run read or wrote (MLflow: a dataset input with ``role`` as context)."""

    @abstractmethod
    def log_model(self, run_id: str, model: object, name: str, **options: object) -> str:
        """Log ``model`` in the run (and register it); return the model's URI."""

    @abstractmethod
    def activate(self, run_id: str) -> None:
        """Make ``run_id`` the active run of the backend's own API in this process."""

    @abstractmethod
    def deactivate(self, run_id: str, status: str = "FINISHED") -> None:
        """End ``run_id`` with ``status`` and stop it being the backend's active run."""

    @abstractmethod
    def get_run(self, run_id: str) -> RunSummary:
        """Return one run; :class:`~nbops.exceptions.NotFoundError` if there is none, and
        :class:`~nbops.exceptions.StoreUnavailableError` if the store fails to answer."""

    @abstractmethod
    def list_runs(
        self,
        experiment: str | None = None,
        limit: int = 50,
        status: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> list[RunSummary]:
        """Return the newest runs of ``experiment`` (every experiment if ``None``), newest first,
        only those with ``status`` and with every one of ``tags`` if given."""

    @abstractmethod
    def metric_history(self, run_id: str) -> dict[str, list[dict[str, float]]]:
        """Every value of each metric of a run: ``{key: [{step, value, timestamp}, ...]}``."""

    @property
    def registry(self):
        """The model registry (:class:`~nbops.store.model_registry.ModelRegistry`); a store
        without one: :class:`~nbops.exceptions.ConflictError`."""
        raise ConflictError(
            f"The store {self.display_uri} has no model registry.",
            "Register models on an MLflow tracking store (the embedded one or a server).",
        )

    def model_versions(self, run_ids: list[str]) -> list[dict]:
        """The model versions registered from ``run_ids`` (a store without a registry: none)."""
        return []

    @abstractmethod
    def runs_page(
        self,
        experiment: str | None,
        limit: int,
        status: str | None = None,
        sort: str = "start_time",
        descending: bool = True,
        page_token: str | None = None,
        tags: dict[str, str] | None = None,
        where: str | None = None,
    ) -> tuple[list[RunSummary], str | None]:
        """One page of runs, sorted by ``start_time``, ``metrics.NAME`` or ``params.NAME``, only
        those with every one of ``tags`` and matching ``where`` (MLflow's filter syntax) if
        given; and the next page's token (``None`` on the last page)."""

    @abstractmethod
    def run_ids_starting(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` ids of runs (deleted ones too) that start with hexadecimal ``prefix``
        (what :func:`nbops.store.ids.full_run_id` resolves a short id with)."""


def finished_run(store: Store, run_id: object, done: str) -> RunSummary:
    """Run ``run_id`` of ``store`` if it FINISHED, for what is ``done`` with it ("reproduced",
    "promoted"); :class:`InputError` for a malformed or unknown id or an unfinished run."""
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
        raise InputError(f"{run_id!r} is not a run id.", "Run ids are 32 hexadecimal digits.")
    try:
        run = store.get_run(run_id)
    except NotFoundError as err:
        raise InputError(
            f"No run {run_id} in the tracking store {store.display_uri}.",
            "List the runs with `nbops runs`; set NBOPS_TRACKING_URI for another store.",
        ) from err
    if run.status != "FINISHED":
        raise ConflictError(
            f"Run {run_id} ended {run.status}; only a FINISHED run can be {done}.",
            "Choose a run that ran to the end.",
        )
    return run


def check_term(value: str) -> str:
    """A tag key or value safe to put in an MLflow filter string."""
    if not SAFE_TERM.match(value):
        raise InputError(
            f"Cannot search runs by the tag text {value!r}.", "Use letters, digits and . _ : -."
        )
    return value


def check_status(status: str) -> str:
    """``status`` if it is one of ``RUN_STATUSES``; :class:`InputError` if not."""
    if status not in RUN_STATUSES:
        raise InputError(
            f"Unknown run status {status!r}.", f"Use one of {', '.join(RUN_STATUSES)}."
        )
    return status
