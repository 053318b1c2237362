"""The executor interface and its registry.

An executor runs :class:`~nbops.execution.run.Task` objects somewhere and hands back
:class:`concurrent.futures.Future` objects holding a :class:`~nbops.execution.run.RunResult`. A
future fails with :class:`~nbops.exceptions.WorkerLostError` when the worker died mid-task; the
coordinator decides about retries. nbops's own are ``local`` and ``dask``; others are found, as
papermill finds engines, through the entry-point group ``nbops.executors``: a package declares
one in its ``pyproject.toml``::

    [project.entry-points."nbops.executors"]
    slurm = "nbops_slurm:SlurmExecutor"

and ``--executor slurm`` works wherever that package is installed. Code that defines one for
itself registers it with :func:`register` instead.
"""

from __future__ import annotations

import difflib
import importlib
import os
from abc import ABC, abstractmethod
from concurrent.futures import Future
from importlib.metadata import entry_points

from ...exceptions import InputError
from ..task import Task

_REGISTRY: dict[str, type[Executor]] = {}
_BUILTIN = {  # nbops's own: name -> (module, what it is)
    "local": (".local", "worker processes on this machine (nbops)"),
    "dask": (".dask", "a dask.distributed cluster, existing or started here (nbops)"),
}
GROUP = "nbops.executors"


class Executor(ABC):
    """Runs tasks in parallel; a context manager that starts and closes its workers.

    Parameters
    ----------
    workers:
        How many tasks run at once (default: the executor's choice, e.g. the CPU count).
    address:
        Where an existing cluster is, for executors that use one.
    """

    name = ""
    uses_address = False  # whether ``address`` means something to this executor

    @property
    def shares_files(self) -> bool:
        """Whether every worker sees this machine's files (then runs execute in the notebook's
        folder and write their outputs beside the project; else in a private folder)."""
        return True

    @property
    def capacity(self) -> int:
        """How many tasks run at once once started (a dispatcher keeps a few more queued)."""
        return self.workers or os.cpu_count() or 1

    @property
    def remote(self) -> bool:
        """Whether workers may be other machines (an embedded store is then refused)."""
        return not self.shares_files

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        if workers is not None and workers < 1:
            raise InputError(f"--workers must be at least 1, not {workers}.", "Give 1 or more.")
        self.workers = workers
        self.address = address

    @abstractmethod
    def start(self) -> None:
        """Start or connect to the workers; :class:`ExecutorError` if that is not possible."""

    @abstractmethod
    def submit(self, task: Task) -> Future:
        """Queue ``task``; the future holds its :class:`RunResult`."""

    def cancel(self, future: Future, task: Task) -> None:
        """Stop ``task``: dequeue it, or stop the worker running it if the executor can.

        The future then fails (``CancelledError`` or :class:`WorkerLostError`); the
        coordinator ends the run KILLED. The default only dequeues a task not yet started.

        Parameters
        ----------
        future:
            What :meth:`submit` returned for ``task``.
        task:
            The task.
        """
        future.cancel()

    @abstractmethod
    def _shutdown(self, kill: bool) -> None:
        """Stop the workers that :meth:`start` started or connected to."""

    def close(self, kill: bool = False) -> None:
        """Stop the workers, once; with ``kill``, without waiting for running tasks (Ctrl-C)."""
        if getattr(self, "_started", False):
            self._started = False
            self._shutdown(kill)

    def open(self) -> Executor:
        """Start the workers (see :meth:`start`); :meth:`close` stops them. Returns ``self``."""
        self.start()
        self._started = True
        return self

    def __enter__(self) -> Executor:
        return self.open()

    def __exit__(self, kind, value, traceback) -> None:
        self.close(kill=kind is not None)


def check_store_reachable(executor: Executor, settings) -> None:
    """Refuse, before anything runs, workers that may be other machines with a store that only
    this machine has (the embedded SQLite store and its snapshot folder).

    Parameters
    ----------
    executor:
        The executor, not yet started.
    settings:
        The project's :class:`~nbops.config.Settings`.
    """
    if executor.remote and settings.tracking_uri.startswith("sqlite:"):
        raise InputError(
            f"The {executor.name} executor at {executor.address} may run steps on other machines, "
            f"but the tracking store is {settings.tracking_uri}: a file on this machine that "
            "they cannot reach.",
            "Set NBOPS_TRACKING_URI to an MLflow server that every worker reaches (e.g. "
            "http://mlflow.internal:5000; see docs/operators.md), or drop --address to run here.",
        )


def register(name: str):
    """Class decorator: make an :class:`Executor` available as ``--executor name``."""

    def decorate(cls: type[Executor]) -> type[Executor]:
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def executor_names() -> list[str]:
    """The names of the executors: nbops's own, those installed (entry points of
    ``nbops.executors``) and those registered in this process."""
    installed = {point.name for point in entry_points(group=GROUP)}
    return sorted({*_BUILTIN, *_REGISTRY, *installed})


def installed_executors() -> list[tuple[str, str]]:
    """Each executor ``--executor`` accepts here, with what it is: nbops's own, then the entry
    points of ``nbops.executors`` by name (their value and package)."""
    found = [(name, about) for name, (_, about) in _BUILTIN.items()]
    for point in sorted(entry_points(group=GROUP), key=lambda p: p.name):
        package = f"{point.dist.name} {point.dist.version}" if point.dist else "unknown package"
        found.append((point.name, f"{point.value} ({package})"))
    return found


def _load(name: str) -> None:
    """Import the executor installed as entry point ``name`` and register its class."""
    for point in entry_points(group=GROUP, name=name):
        where = f"{point.value} (package {point.dist.name if point.dist else 'unknown'})"
        try:
            cls = point.load()
        except Exception as err:  # a broken plug-in: any import error, said as such
            raise InputError(
                f"The executor {name!r} is installed as {where} but cannot be imported: {err}",
                "Reinstall that package, or choose another --executor.",
            ) from err
        if not (isinstance(cls, type) and issubclass(cls, Executor)):
            raise InputError(
                f"The executor {name!r} ({where}) is not an nbops Executor class.",
                "Its entry point must name a subclass of nbops.execution.executors.Executor.",
            )
        register(name)(cls)
        return


def get_executor(name: str, workers: int | None = None, address: str | None = None) -> Executor:
    """Create the executor registered as ``name``; :class:`InputError` for an unknown name.

    Parameters
    ----------
    name:
        An installed executor's name (``local``, ``dask``, an entry point of
        ``nbops.executors``) or one given to :func:`register`.
    workers:
        How many tasks run at once.
    address:
        The cluster's address (``dask``: ``tcp://HOST:8786``; none starts a local cluster).
    """
    if name not in _REGISTRY and name in _BUILTIN:
        importlib.import_module(_BUILTIN[name][0], __package__)
    elif name not in _REGISTRY:
        _load(name)
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, executor_names(), n=1)
        hint = f"Did you mean {close[0]!r}? " if close else ""
        raise InputError(
            f"Unknown executor {name!r}.", f"{hint}Known: {', '.join(executor_names())}."
        )
    cls = _REGISTRY[name]
    if address and not cls.uses_address:
        raise InputError(f"The {name} executor takes no --address.", "Drop --address.")
    return cls(workers=workers, address=address)
