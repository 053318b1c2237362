"""Batched logging: calls return at once, a background thread sends batches to the store.

Values wait in memory until they are written. A batch that fails because the store is unreachable
stays queued and is retried; the error is kept so the notebook can show it (once) instead of it
being swallowed in a thread. A batch the store refuses as invalid is dropped and reported. A
server that refuses the credentials or the user (401, 403) is not an outage: nothing is retried,
and values logged from then on are dropped, not queued, until :meth:`BatchWriter.resume`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from ..credentials import redact
from ..exceptions import AccessError, FlushError, NbopsError
from ..store import Metric, Store

FLUSH_INTERVAL_S = 1.0
MAX_QUEUED_METRICS = 1000
RETRY_DELAYS_S = (0.2, 0.5, 1.0)


@dataclass
class Batch:
    """Values of one run waiting to be written."""

    params: dict[str, str] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.params) + len(self.metrics) + len(self.tags)

    def merge_before(self, newer: Batch) -> None:
        """Put this (older) batch's values before ``newer``'s, keeping the newer tag values."""
        newer.params = {**self.params, **newer.params}
        newer.metrics = self.metrics + newer.metrics
        newer.tags = {**self.tags, **newer.tags}


class BatchWriter:
    """Queues params, metrics and tags per run and writes them with ``Store.log_batch``.

    Parameters
    ----------
    store:
        Where batches go.
    interval:
        Seconds between background writes.
    """

    def __init__(self, store: Store, interval: float = FLUSH_INTERVAL_S) -> None:
        self.store = store
        self.interval = interval
        self.error: NbopsError | None = None
        self.refused: AccessError | None = None  # set: values are dropped, not queued
        self.dropped = 0
        self._pending: dict[str, Batch] = {}
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="nbops-writer", daemon=True)
        self._thread.start()

    def put(
        self,
        run_id: str,
        params: dict[str, str] | None = None,
        metrics: list[Metric] | None = None,
        tags: dict[str, str] | None = None,
    ) -> None:
        """Queue values of ``run_id``; returns at once (dropped while :attr:`refused`)."""
        if self.refused is not None:
            self.dropped += len(params or {}) + len(metrics or []) + len(tags or {})
            return
        with self._lock:
            batch = self._pending.setdefault(run_id, Batch())
            batch.params.update(params or {})
            batch.metrics.extend(metrics or [])
            batch.tags.update(tags or {})
            full = len(batch.metrics) >= MAX_QUEUED_METRICS
        if full:
            self._wake.set()

    def pending(self, run_id: str | None = None) -> int:
        """How many values wait to be written (of one run, or of all)."""
        with self._lock:
            batches = [self._pending.get(run_id)] if run_id else list(self._pending.values())
            return sum(len(b) for b in batches if b)

    def flush(self, retries: tuple[float, ...] = RETRY_DELAYS_S) -> None:
        """Write everything queued now, retrying after each delay in ``retries``.

        Raises :class:`FlushError` if values are still unwritten after the last retry; they stay
        queued and are written by a later flush. Raises the :class:`AccessError` at once when the
        server refused the credentials or the user and values were dropped since the last
        flush: retrying would change nothing.
        """
        for delay in (0.0, *retries):
            time.sleep(delay)
            self._send()
            if self.refused is not None and self.dropped:
                self.dropped = 0
                raise self.refused
            if not self.pending():
                return
        count = self.pending()
        raise FlushError(
            f"{count} logged value(s) could not be written to {self.store.display_uri}: "
            f"{self.error}.",
            "They are kept in memory: call nbops.flush() again once the store answers.",
        )

    def resume(self) -> None:
        """Queue values again after a refusal (a run was opened with accepted credentials)."""
        self.refused, self.dropped = None, 0
        if isinstance(self.error, AccessError):
            self.error = None

    def close(self) -> None:
        """Stop the background thread after a last write (the caller flushes first)."""
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._closed:
            self._wake.wait(self.interval)
            self._wake.clear()
            self._send()

    def _send(self) -> None:
        with self._send_lock:
            with self._lock:
                batches, self._pending = self._pending, {}
            for run_id, batch in batches.items():
                self._send_one(run_id, batch)

    def _send_one(self, run_id: str, batch: Batch) -> None:
        try:
            self.store.log_batch(run_id, batch.params, batch.metrics, batch.tags)
        except AccessError as err:  # refused: a retry changes nothing; stop queueing
            self.error = self.refused = err
            self.dropped += len(batch)
            with self._lock:
                self.dropped += sum(len(b) for b in self._pending.values())
                self._pending.clear()
        except NbopsError as err:  # the store is unreachable: keep the values, retry later
            self.error = err
            self._requeue(run_id, batch)
        except Exception as err:  # noqa: BLE001 - the store refused the values: drop and report
            if _is_refusal(err):
                self.error = NbopsError(
                    f"The store refused {len(batch)} value(s) of run {run_id}: "
                    f"{str(err).splitlines()[0]}.",
                    "They were not recorded; fix the names or values and log them again.",
                )
            else:
                self.error = NbopsError(
                    f"Writing to {self.store.display_uri} failed: {redact(str(err))}."
                )
                self._requeue(run_id, batch)
        else:
            self.error = None

    def _requeue(self, run_id: str, batch: Batch) -> None:
        with self._lock:
            newer = self._pending.setdefault(run_id, Batch())
            batch.merge_before(newer)


def _is_refusal(err: Exception) -> bool:
    """Whether ``err`` is the store rejecting the values (not being unavailable)."""
    code = getattr(err, "error_code", "")
    return code in ("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST", "BAD_REQUEST")
