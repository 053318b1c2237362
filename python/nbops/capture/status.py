"""A one-look summary of where this process logs, for ``%nbops status`` and ``nbops status``."""

from __future__ import annotations

from dataclasses import dataclass

from ..credentials import tracking_user
from ..exceptions import AccessError, NbopsError
from .session import Session


@dataclass
class Status:
    """Store URI, its origin, the user it authenticates as, project, experiment, active run,
    and the store's error if any (``refused``: the server refused the credentials or user)."""

    tracking_uri: str
    uri_source: str
    user: str | None
    project: str
    experiment: str
    notebook: str | None
    run_id: str | None
    run_name: str | None
    error: str | None
    refused: bool = False

    def lines(self) -> list[tuple[str, str]]:
        """Label/value pairs in display order."""
        run = "none (one starts on the first logging call)"
        if self.run_id:
            run = f"{self.run_name} ({self.run_id})" if self.run_name else self.run_id
        rows = [
            ("store", f"{self.tracking_uri}  [{self.uri_source}]"),
            ("user", self.user or "none (no credentials set)"),
            ("project", self.project),
            ("experiment", self.experiment),
            ("notebook", self.notebook or "unknown (not running in a notebook)"),
            ("active run", run),
        ]
        if self.error:
            rows.append(("error", self.error))
        return rows


def session_status(session: Session) -> Status:
    """Summarize ``session``, checking that its store answers (within a few seconds)."""
    error = run_name = None
    refused = False
    try:
        session.store.check()
        run = session.active_run()
        run_name = run.name if run else None
    except NbopsError as err:
        error, refused = str(err), isinstance(err, AccessError)
    settings = session.settings
    return Status(
        tracking_uri=settings.display_uri,
        uri_source=settings.uri_source,
        user=tracking_user(settings.tracking_uri),
        project=str(settings.project),
        experiment=session.experiment,
        notebook=str(session.notebook) if session.notebook else None,
        run_id=session.run_id,
        run_name=run_name,
        error=error,
        refused=refused,
    )
