"""Snapshots: versioned, content-addressed copies of DataFrames, with profile and lineage."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pandas as pd

from ..capture import values
from ..capture.session import Session
from ..durable import partial_name
from ..exceptions import InputError, SnapshotIntegrityError
from ..names import PINS_VARIABLE
from .catalog import READ, WRITE, Catalog, Entry, check_snapshot_id
from .fingerprint import fingerprint
from .profile import profile_of, schema_of
from .registry import catalog_for

ROLES = ("input", "output")


@dataclass
class Snapshot:
    """A snapshot: its ``id`` (the data's fingerprint), ``name``, shape, profile and where it is.

    Attributes
    ----------
    uri:
        Where its data is, as every machine sees it (the dataset input's source).
    path:
        A local copy of the Parquet file.
    """

    id: str
    name: str
    role: str
    run_id: str | None
    rows: int
    columns: int
    path: Path
    profile: dict
    written: bool = False
    uri: str = ""

    def load(self) -> pd.DataFrame:
        """Read the data back, verifying its fingerprint."""
        return _read_verified(self.path, self.id)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        text = (
            f"Snapshot {self.name} ({self.role}): {self.rows} rows x {self.columns} columns, "
            f"id {self.id}" + ("" if self.written else " (unchanged data, nothing written)")
        )
        rows = "".join(
            f"<tr><td>{escape(c)}</td><td>{escape(p['dtype'])}</td><td>{p['nulls']}</td>"
            f"<td>{p['distinct'] if p['distinct'] is not None else ''}</td></tr>"
            for c, p in self.profile.get("columns", {}).items()
        )
        html = (
            f"<p>{escape(text)}</p><table><thead><tr><th>column</th><th>dtype</th><th>nulls</th>"
            f"<th>distinct</th></tr></thead><tbody>{rows}</tbody></table>"
        )
        return {"text/plain": text, "text/html": html}


def catalog_of(session: Session) -> Catalog:
    """The snapshot catalog of the session's store."""
    return catalog_for(session.settings)


def _check_frame(df: object, name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"Cannot snapshot a {type(df).__name__} as {name!r}.", "Pass a DataFrame.")
    if df.columns.duplicated().any():
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise InputError(
            f"The frame for snapshot {name!r} has duplicated column names: {', '.join(dupes)}.",
            "Rename them (Parquet needs unique names), e.g. df.columns = [...].",
        )
    if isinstance(df.columns, pd.MultiIndex) or not all(isinstance(c, str) for c in df.columns):
        raise InputError(
            f"The frame for snapshot {name!r} has non-string column names.",
            "Flatten or convert them: df.columns = ['_'.join(map(str, c)) for c in df.columns].",
        )
    return df


def _read_verified(path: Path, snapshot_id: str) -> pd.DataFrame:
    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise SnapshotIntegrityError(
            f"The data of snapshot {snapshot_id} at {path} cannot be read: {err}.",
            "The file was changed or truncated on disk; take the snapshot again.",
        ) from err
    found = fingerprint(df)
    if found != snapshot_id:
        raise SnapshotIntegrityError(
            f"The data of snapshot {snapshot_id} at {path} has fingerprint {found}, "
            f"not {snapshot_id}: it was changed on disk.",
            "Take the snapshot again from the original data.",
        )
    return df


def read_snapshot(catalog: Catalog, snapshot_id: str) -> pd.DataFrame:
    """The data of a snapshot, its fingerprint verified; a corrupt cached copy is fetched again."""
    try:
        return _read_verified(catalog.local_copy(snapshot_id), snapshot_id)
    except SnapshotIntegrityError:
        if not catalog.evict(snapshot_id):
            raise
        return _read_verified(catalog.local_copy(snapshot_id), snapshot_id)


def take_snapshot(session: Session, df: pd.DataFrame, name: str, role: str = "input") -> Snapshot:
    """Store ``df`` once under its fingerprint, record it in the catalog and in the active run.

    Parameters
    ----------
    session:
        Whose run and store are used.
    df:
        The data.
    name:
        The snapshot's name; a write whose content differs from the name's last one is a new
        version.
    role:
        ``input`` (data the run read) or ``output`` (data it produced).
    """
    values.check_key(name, "snapshot")
    if role not in ROLES:
        raise InputError(f"Unknown snapshot role {role!r}.", "Use role='input' or role='output'.")
    df = _check_frame(df, name)
    snapshot_id = fingerprint(df)
    catalog = catalog_of(session)
    written = not catalog.has(snapshot_id)
    meta = _store(catalog, snapshot_id, df) if written else catalog.meta(snapshot_id)
    run_id = session.ensure_run()
    entry = _entry(snapshot_id, name, role, run_id, df.shape, WRITE)
    _record(session, catalog, entry, meta)
    return Snapshot(
        snapshot_id,
        name,
        role,
        run_id,
        df.shape[0],
        df.shape[1],
        catalog.local_copy(snapshot_id),
        meta["profile"],
        written,
        catalog.uri(snapshot_id),
    )


def _store(catalog: Catalog, snapshot_id: str, df: pd.DataFrame) -> dict:
    """Write the data, then the meta; the profile is computed while the data is written."""
    partial = partial_name(catalog.scratch() / snapshot_id)
    with ThreadPoolExecutor(1, thread_name_prefix="nbops-profile") as pool:
        profiling = pool.submit(profile_of, df)
        try:
            df.to_parquet(partial, compression="zstd")
            catalog.put_data(snapshot_id, partial)
        finally:  # a write that failed (a full disk) leaves nothing behind
            partial.unlink(missing_ok=True)
        meta = {"schema": schema_of(df), "profile": profiling.result()}
    catalog.put_meta(snapshot_id, meta)
    return meta


def _entry(snapshot_id, name, role, run_id, shape, action) -> Entry:
    created = datetime.now(UTC).isoformat(timespec="seconds")
    return Entry(snapshot_id, name, role, run_id, created, shape[0], shape[1], action)


def _record(session: Session, catalog: Catalog, entry: Entry, meta: dict) -> None:
    """Append the entry to the catalog while the run gets a dataset input pointing at the data."""
    with ThreadPoolExecutor(1, thread_name_prefix="nbops-record") as pool:
        appended = pool.submit(catalog.append, entry)
        _log_input(session, catalog, entry, meta)
        appended.result()


def _log_input(session: Session, catalog: Catalog, entry: Entry, meta: dict) -> None:
    if entry.run_id is not None:
        session.store.log_dataset(
            entry.run_id,
            entry.name,
            entry.id,
            json.dumps({"uri": catalog.uri(entry.id)}),
            entry.role,
            schema=json.dumps({"columns": meta["schema"]}),
            profile=json.dumps({"rows": entry.rows, "columns": entry.columns}),
        )


def pinned_snapshots() -> dict[str, str]:
    """Snapshot ids by name that a pipeline gave this kernel (``NBOPS_SNAPSHOT_PINS``).

    A pipeline step reads the exact snapshot its upstream step wrote (or, on a cache hit, the one
    the cached run wrote), not whatever is newest under that name.
    """
    raw = os.environ.get(PINS_VARIABLE) or "{}"
    try:
        pins = json.loads(raw)
    except ValueError:
        pins = None
    if not isinstance(pins, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in pins.items()
    ):
        # reading the latest data instead would silently change what the step computes
        raise InputError(
            f"The snapshot pins in {PINS_VARIABLE} are malformed: {raw[:200]!r}.",
            'They must be a JSON object of snapshot ids by name, e.g. {"features": "<id>"}; '
            "unset the variable to read the latest versions.",
        )
    for name, snapshot_id in pins.items():
        check_snapshot_id(snapshot_id, f"snapshot pinned for {name!r} in {PINS_VARIABLE}")
    return pins


def load(session: Session, id_or_name: str, version: str | int = "latest") -> pd.DataFrame:
    """Return a snapshot's data after verifying its fingerprint; record the read in the run."""
    catalog = catalog_of(session)
    pinned = pinned_snapshots().get(id_or_name) if version == "latest" else None
    entry = catalog.resolve(pinned or id_or_name, version)
    df = read_snapshot(catalog, entry.id)
    if session.run_id is not None:  # lineage: this run read that snapshot
        read = _entry(entry.id, entry.name, "input", session.run_id, df.shape, READ)
        _record(session, catalog, read, catalog.meta(entry.id))
    return df
