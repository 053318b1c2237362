"""Which snapshot catalog a project uses: a folder beside the embedded store, else the
tracking server's (one per store and user per process)."""

from __future__ import annotations

import threading
from pathlib import Path

from ..config import Settings
from .catalog import Catalog, FolderCatalog

_server_catalogs: dict[tuple[str, str | None], Catalog] = {}
_catalogs_lock = threading.Lock()


def catalog_for(settings: Settings) -> Catalog:
    """The snapshot catalog of a project's settings.

    A SQLite store (the embedded one) keeps snapshots in the project folder; any other tracking
    URI (a server, a database shared by machines) keeps them in its artifact store, so that every
    machine that reaches the store reads what any other wrote.
    """
    if settings.tracking_uri.startswith("sqlite:"):
        root = settings.artifact_root or settings.project / ".nbops" / "artifacts"
        return FolderCatalog(Path(root) / "snapshots")
    from ..credentials import tracking_user
    from ..store import open_store
    from .server_catalog import ServerCatalog

    key = (settings.tracking_uri, tracking_user(settings.tracking_uri))  # each writes their own
    with _catalogs_lock:
        if key not in _server_catalogs:
            _server_catalogs[key] = ServerCatalog(open_store(settings))
        return _server_catalogs[key]
