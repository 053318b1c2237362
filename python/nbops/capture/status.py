"""A one-look summary of where this process logs, for ``%nbops status`` and ``nbops status``."""

from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import NbopsError
from .session import Session


@dataclass
class Status:
    """Store URI, its origin, project, experiment, active run, and the store's error if any."""

    tracking_uri: str
    uri_source: str
    project: str
    experiment: str
    notebook: str | None
    run_id: str | None
    run_name: str | None
    error: str | None

    def lines(self) -> list[tuple[str, str]]:
        """Label/value pairs in display order."""
        run = "none (one starts on the first logging call)"
        if self.run_id:
            run = f"{self.run_name} ({self.run_id})" if self.run_name else self.run_id
        rows = [
            ("store", f"{self.tracking_uri}  [{self.uri_source}]"),
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
    try:
        session.store.check()
        run = session.active_run()
        run_name = run.name if run else None
    except NbopsError as err:
        error = str(err)
    settings = session.settings
    return Status(
        tracking_uri=settings.display_uri,
        uri_source=settings.uri_source,
        project=str(settings.project),
        experiment=session.experiment,
        notebook=str(session.notebook) if session.notebook else None,
        run_id=session.run_id,
        run_name=run_name,
        error=error,
    )
