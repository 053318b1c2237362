"""Pipelines started from the lab: ``run_pipeline`` in a thread of the Jupyter server, on the
executor the server extension is configured with; one run at a time per pipeline file. The view
follows a run through the store (``GET /pipeline``), not through this object."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ..credentials import redact
from ..exceptions import ConflictError, InputError
from ..execution.executors import executor_names
from ..execution.options import Placement
from ..pipeline.orchestrate import run_pipeline
from ..pipeline.spec import apply_overrides, read_pipeline

log = logging.getLogger(__name__)


class PipelineRuns:
    """The pipeline runs this server started and still runs.

    Parameters
    ----------
    executor:
        Where steps run (``NbopsApp.executor``).
    address:
        The executor's cluster, if any.
    """

    def __init__(self, executor: str, address: str | None) -> None:
        self.executor, self.address = executor, address
        self._running: dict[Path, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(
        self, path: Path, overrides: list[tuple[str, str]], force: bool, executor: str | None = None
    ) -> None:
        """Check the file, the overrides and the executor (an :class:`InputError` before anything
        runs), then run the pipeline in a thread; :class:`ConflictError` while it already runs
        from here. ``executor``: an installed one (default: the server extension's; another one
        than that starts its own cluster, dask a local one)."""
        apply_overrides(read_pipeline(path), overrides)
        chosen = executor or self.executor
        if chosen not in executor_names():
            raise InputError(
                f"Unknown executor {chosen!r}.",
                f"Installed: {', '.join(executor_names())} (`nbops executors`).",
            )
        with self._lock:
            if path in self._running and self._running[path].is_alive():
                raise ConflictError(
                    f"The pipeline {path.name} is already running from this server.",
                    "Wait for it to end (the view follows it), then run it again.",
                )
            thread = threading.Thread(
                target=self._run, args=(path, overrides, force, chosen), name="nbops-pipeline",
                daemon=True,
            )  # fmt: skip
            self._running[path] = thread
            thread.start()

    def _run(self, path: Path, overrides: list[tuple[str, str]], force: bool, executor: str):
        address = self.address if executor == self.executor else None
        try:
            placement = Placement(executor, address=address)
            run_pipeline(path, overrides, placement=placement, force=force, echo=lambda line: None)
        except Exception as err:  # noqa: BLE001 - its runs record the failure; the thread ends
            log.warning("nbops: the pipeline %s ended with %s", path.name, redact(str(err)))

    def running(self, path: Path) -> bool:
        """Whether this server runs the pipeline at ``path`` now."""
        thread = self._running.get(path)
        return bool(thread and thread.is_alive())
