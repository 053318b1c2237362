"""The run lifecycle of one process: which store, which experiment, which run is active.

Logging calls validate their input at once, then queue it for the background writer; runs end (and
everything queued is written) at ``end_run``, at ``flush`` and when the process exits.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings, experiment_name, load_settings, script_experiment
from ..exceptions import (
    AccessError,
    InputError,
    PermissionDeniedError,
    StoreUnavailableError,
)
from ..names import (
    NOTEBOOK_TAG,
    OPENING_VARIABLE,
    RUN_ID_VARIABLE,
    RUN_NAME_TAG,
    SOURCE_NAME_TAG,
    SOURCE_TAG,
    SOURCE_TYPE_TAG,
    TRACKING_URI_VARIABLE,
)
from ..store import Metric, RunSummary, Store, open_store
from . import values
from .lifecycle import end_orphaned_runs, owner_tags, record_environment
from .notebook import current_notebook
from .writer import BatchWriter

OPENING_TIMEOUT_S = 300  # opening a run may migrate a new store's schema first


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
    capture_environment:
        Record the environment (packages, git, notebook) when a run starts.
    """

    notebook: Path | None = None
    settings: Settings | None = None
    experiment: str | None = None
    capture_environment: bool = True
    run_id: str | None = None
    _params: dict[str, str] = field(default_factory=dict, repr=False)
    _writer: BatchWriter | None = field(default=None, repr=False)
    _warned: bool = field(default=False, repr=False)
    _adopted: bool = field(default=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _watchers: list[Callable[[str, list[Metric]], None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.settings is None:
            self.settings = load_settings(self.notebook.parent if self.notebook else None)
        if self.experiment is None:
            self.experiment = (
                experiment_name(self.notebook, self.settings.project)
                if self.notebook
                else script_experiment(self.settings.project)
            )

    @property
    def store(self) -> Store:
        """The store runs go to."""
        return open_store(self.settings)

    @property
    def writer(self) -> BatchWriter:
        """The background writer, started on first use."""
        with self._lock:
            if self._writer is None:
                self._writer = BatchWriter(self.store)
            return self._writer

    # -- lifecycle -----------------------------------------------------------------------------

    def start_run(self, name: str | None = None, tags: dict[str, str] | None = None) -> str:
        """Start a run (ending an active one first) and return its id.

        Parameters
        ----------
        name:
            The run's name; MLflow picks one if omitted.
        tags:
            Extra tags set at creation.
        """
        with self._lock:
            if self._adopted and self.run_id is not None:
                # under `nbops run` the notebook's own runs are the headless run
                if name:
                    self.writer.put(self.run_id, tags={RUN_NAME_TAG: name})
                self.writer.put(self.run_id, tags=tags or {})
                return self.run_id
            if self.run_id is not None:
                self.end_run()
            own, extra = owner_tags(), tags or {}
            if self.notebook:
                own |= {
                    NOTEBOOK_TAG: self.experiment,
                    SOURCE_TAG: self.experiment,  # what finds every run of a notebook
                    SOURCE_NAME_TAG: str(self.notebook),
                    SOURCE_TYPE_TAG: "NOTEBOOK",
                }
            try:
                run_id = self.store.start_run(self.experiment, name=name, tags={**own, **extra})
            except PermissionDeniedError as err:
                raise self._refused(err) from err
            if self._writer is not None:
                self._writer.resume()
            self.run_id, self._params = run_id, {}
            self.store.activate(run_id)
            _end_at_exit_first()
            if self.capture_environment:
                self._record_environment(run_id)
            return run_id

    @property
    def adopted(self) -> bool:
        """Whether this process logs into a run that `nbops run` started and will end."""
        return self._adopted

    def adopt(self, run_id: str) -> None:
        """Log into ``run_id``, a run someone else started and will end (``nbops run``)."""
        with self._lock:
            if os.environ.get(OPENING_VARIABLE):  # being opened: get ready meanwhile
                self.store.warm_up()
            _wait_until_opened(run_id)
            self.run_id, self._params, self._adopted = run_id, {}, True
            self.store.activate(run_id)
            _quick_teardown()
            _end_at_exit_first()

    def ensure_run(self) -> str:
        """Return the active run's id, starting a run if none is active."""
        with self._lock:
            return self.run_id or self.start_run()

    def end_run(self, status: str = "FINISHED") -> str | None:
        """Write everything queued, end the active run with ``status`` and return its id.

        Returns ``None`` if no run was active. If the queue cannot be written the run stays active
        and :class:`~nbops.exceptions.FlushError` is raised, so nothing is lost.
        """
        with self._lock:
            if self.run_id is None:
                return None
            self.flush()
            if self._adopted:  # its owner (`nbops run`) sets the final status
                return self.run_id
            run_id, self.run_id = self.run_id, None
            self.store.deactivate(run_id, status)
            return run_id

    def flush(self) -> None:
        """Write everything queued now; :class:`~nbops.exceptions.FlushError` if the store fails."""
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """End the active run and stop the writer (at process exit)."""
        try:
            self.end_run()
        finally:
            if self._writer is not None:
                self._writer.close()

    def active_run(self) -> RunSummary | None:
        """The active run, or ``None``."""
        return self.store.get_run(self.run_id) if self.run_id else None

    def mark_killed_runs(self) -> list[str]:
        """End as KILLED this experiment's RUNNING runs whose process on this host is gone.

        A kernel killed with SIGKILL cannot end its run; the next session of the same notebook
        does. Returns the ids of the runs it marked.
        """
        return end_orphaned_runs(self.store, self.experiment, keep=self.run_id)

    # -- logging -------------------------------------------------------------------------------

    def log_params(self, params: dict[str, object]) -> None:
        """Queue parameters of the active run; a parameter keeps its first value (as in MLflow)."""
        clean = {
            values.check_key(k, "parameter"): values.param_value(k, v) for k, v in params.items()
        }
        with self._lock:
            run_id = self.ensure_run()
            for key, value in clean.items():
                if self._params.get(key, value) != value:
                    raise InputError(
                        f"The parameter {key!r} was already logged as {self._params[key]!r} in "
                        f"this run; MLflow keeps a parameter's first value, so {value!r} is "
                        "refused.",
                        "Log changing values as metrics, or start a new run (nbops.start_run()).",
                    )
            self._params.update(clean)
            self.writer.put(run_id, params=clean)
        self._raise_writer_error()

    def log_metrics(self, metrics: dict[str, object], step: int = 0) -> None:
        """Queue metric values of the active run at ``step``."""
        if not isinstance(step, int) or isinstance(step, bool):
            raise InputError(f"The step {step!r} is not a whole number.", "Pass step=0, 1, 2, …")
        now = int(time.time() * 1000)
        items = [
            Metric(values.check_key(k, "metric"), values.metric_value(k, v), step, now)
            for k, v in metrics.items()
        ]
        run_id = self.ensure_run()
        self.writer.put(run_id, metrics=items)
        for watcher in self._watchers:
            watcher(run_id, items)
        self._raise_writer_error()

    def watch(self, watcher: Callable[[str, list[Metric]], None]) -> Callable[[], None]:
        """Call ``watcher(run_id, metrics)`` with each batch of metric values as it is logged
        (from the values the kernel holds: no store round trip); return what stops it."""
        self._watchers.append(watcher)
        return lambda: self._watchers.remove(watcher) if watcher in self._watchers else None

    def set_tags(self, tags: dict[str, object]) -> None:
        """Queue tags of the active run (a later value replaces an earlier one)."""
        clean = {values.check_key(k, "tag"): values.tag_value(k, v) for k, v in tags.items()}
        self.writer.put(self.ensure_run(), tags=clean)
        self._raise_writer_error()

    def log_artifact(self, path: str | Path, folder: str | None = None) -> None:
        """Copy the file ``path`` into the active run's artifacts (under ``folder``)."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"No file at {path}.", "Give the path of an existing file.")
        self.store.log_artifact(self.ensure_run(), str(path), folder)

    def log_text(self, text: str, artifact_file: str) -> None:
        """Store ``text`` as the artifact ``artifact_file`` (e.g. ``notes/summary.md``)."""
        if not artifact_file.rpartition("/")[2]:
            raise InputError(f"{artifact_file!r} names no file.", "Use e.g. 'notes/summary.md'.")
        self.store.log_text(self.ensure_run(), text, artifact_file)

    def log_figure(self, figure: object, artifact_file: str) -> None:
        """Store a matplotlib figure as an image artifact (the suffix picks the format)."""
        if not hasattr(figure, "savefig"):
            raise InputError(
                f"Cannot log {type(figure).__name__} as a figure.", "Pass a matplotlib Figure."
            )
        folder, _, name = artifact_file.rpartition("/")
        if "." not in name:
            name += ".png"
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / name
            figure.savefig(local, bbox_inches="tight")
            self.log_artifact(local, folder or None)

    def log_model(self, model: object, name: str, **options: object) -> str:
        """Log ``model`` with its MLflow flavor in the active run; return its model URI."""
        values.check_key(name, "model")
        self.flush()
        return self.store.log_model(self.ensure_run(), model, name, **options)

    # -- internals -----------------------------------------------------------------------------

    def _refused(self, err: PermissionDeniedError) -> PermissionDeniedError:
        """The refusal to open a run in this session's experiment, with what to change."""
        if self.notebook:
            hint = (
                f"Runs of {self.notebook.name} go to the experiment {self.experiment!r}, named "
                "after the notebook's path: ask its owner for EDIT permission, or work on a copy "
                "of the notebook under another name."
            )
        else:
            hint = (
                f"Runs outside notebooks go to the experiment {self.experiment!r}: ask its owner "
                f'for EDIT permission, or set experiment = "NAME" in '
                f"{self.settings.project / 'nbops.toml'} to an experiment of your own."
            )
        return PermissionDeniedError(err.uri, err.user, err.doing, hint)

    def _raise_writer_error(self) -> None:
        """Show a background write failure in the caller's thread, once per outage."""
        error = self._writer.error if self._writer is not None else None
        if error is None:
            self._warned = False
        elif not self._warned:
            self._warned = True
            kept = "The values are kept and written when the store answers."
            if isinstance(error, AccessError):
                kept = (
                    "The values were not recorded, and values logged from now on are dropped, "
                    "not queued, until a run starts with credentials the server accepts "
                    "(nbops.start_run())."
                )
            warnings.warn(f"nbops: {error} {kept}", RuntimeWarning, stacklevel=3)

    def _record_environment(self, run_id: str) -> None:
        tags = record_environment(self.store, run_id, self.settings.project, self.notebook)
        self.writer.put(run_id, tags=tags)


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
            if os.environ.get(RUN_ID_VARIABLE):
                _session.adopt(os.environ[RUN_ID_VARIABLE])
        return _session


def _wait_until_opened(run_id: str) -> None:
    """In the kernel of an ``nbops run`` that opens its run while the kernel starts: wait until
    the run exists (the command holds the lock ``NBOPS_RUN_OPENING`` names until then)."""
    gate = os.environ.get(OPENING_VARIABLE)
    if not gate or not Path(gate).exists():  # gone with the task's folder: nothing to wait for
        return
    from filelock import FileLock, Timeout

    try:
        with FileLock(gate, timeout=OPENING_TIMEOUT_S):
            pass
    except Timeout as err:
        raise StoreUnavailableError(
            os.environ.get(TRACKING_URI_VARIABLE, "the tracking store"),
            f"the run {run_id} that `nbops run` was opening did not open in {OPENING_TIMEOUT_S} s",
            "See the error `nbops run` printed.",
        ) from err


def reset_session() -> None:
    """Forget this process's session after ending its run (process exit, tests)."""
    global _session
    with _session_lock:
        session, _session = _session, None
    if session is not None:
        session.close()


def _close_at_exit() -> None:
    try:
        reset_session()
    except Exception as err:  # noqa: BLE001 - at exit there is no one left to raise to
        print(f"nbops: could not end the active run at exit: {err}", file=sys.stderr)


def _quick_teardown() -> None:
    """Make a headless kernel's exit quick: after nbops's exit hook, collect the garbage once,
    then freeze the heap, so the interpreter's teardown skips collecting it again (0.5 s with
    MLflow and scikit-learn loaded: each task of a sweep waits for its kernel to exit)."""
    for hook in (gc.freeze, gc.collect):  # hooks run last-in first-out: collect, then freeze
        atexit.unregister(hook)
        atexit.register(hook)


def _end_at_exit_first() -> None:
    """Register the exit hook again so it runs before MLflow's own (hooks run last-in first-out):
    queued values are written, then the run ends FINISHED."""
    atexit.unregister(_close_at_exit)
    atexit.register(_close_at_exit)
