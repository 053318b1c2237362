"""The parent run of many runs (a pipeline, a sweep, a scheduler's run of a pipeline): opened
with its owner and kind, its children driven through one coordinator, ended with their status,
or KILLED with every child when interrupted. The one place pipelines, sweeps and Airflow's
open and close tasks do this."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from ..capture.lifecycle import end_orphaned_runs, owner_tags
from ..config import Settings
from ..execution.coordinator import Coordinator, Outcome
from ..execution.executors import Executor, check_store_reachable, get_executor
from ..execution.options import Placement, RunOptions
from ..names import HOST_TAG, PID_STARTED_TAG, PID_TAG, RUN_KIND_TAG
from ..store import Store, open_store


def executor_and_store(placement: Placement, settings: Settings) -> tuple[Executor, Store]:
    """The executor ``placement`` names (not started) and the project's store, both checked
    before anything runs: an unknown executor, workers that cannot reach the store or a store
    that does not answer raise here."""
    pool = get_executor(placement.executor, placement.workers, placement.address)
    check_store_reachable(pool, settings)
    store = open_store(settings)
    store.check()
    return pool, store


def start_parent(
    store: Store,
    experiment: str,
    name: str,
    kind: str,
    tags: dict[str, str] | None = None,
    process: bool = True,
) -> str:
    """Open a parent run of ``kind`` named ``name``, tagged with its owner.

    Parameters
    ----------
    store, experiment:
        Where.
    name, kind:
        The run's name and ``nbops.run_kind``.
    tags:
        More tags.
    process:
        Whether this process owns the run until it ends (a scheduler's open task ends long
        before its run does: no process tags, so that no one ends it as orphaned).
    """
    owner = owner_tags()
    if not process:
        owner = {k: v for k, v in owner.items() if k not in (HOST_TAG, PID_TAG, PID_STARTED_TAG)}
    return store.start_run(
        experiment, name=name, tags={**owner, RUN_KIND_TAG: kind, **(tags or {})}
    )


def end_parent(store: Store, parent: str, outcomes: Iterable[Outcome]) -> str:
    """End ``parent`` FINISHED if every child finished (or was cached), else FAILED."""
    status = "FINISHED" if all(o.ok for o in outcomes) else "FAILED"
    store.end_run(parent, status)
    return status


@contextmanager
def parent_run(
    pool: Executor,
    store: Store,
    settings: Settings,
    experiment: str,
    name: str,
    kind: str,
    tags: dict[str, str],
    echo: Callable[[str], None],
    options: RunOptions,
    quiet: bool = False,
) -> Iterator[tuple[str, Coordinator]]:
    """Start ``pool``, open the parent run and a coordinator on the pool; yield both. Runs of the
    experiment whose process died are ended first; an exception or Ctrl-C inside ends every
    child and the parent KILLED. ``options`` and ``quiet`` go to the :class:`Coordinator`."""
    end_orphaned_runs(store, experiment)
    with pool:
        parent = start_parent(store, experiment, name, kind, tags)
        coordinator = Coordinator(pool, settings, echo, options, quiet=quiet)
        try:
            yield parent, coordinator
        except BaseException:
            coordinator.abort()
            store.end_run(parent, "KILLED")
            raise
