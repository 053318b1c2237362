"""``GET /nbops/api/config``: version, store and experiment the server sees for a notebook."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ... import __version__
from .base import NbopsHandler


class ConfigHandler(NbopsHandler):
    """Describe where runs of a notebook (``?notebook=PATH``, optional) are tracked."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        settings, experiment = self.notebook_settings()
        self.finish(
            {
                "version": __version__,
                "tracking_uri": settings.display_uri,
                "uri_source": settings.uri_source,
                "project": str(settings.project),
                "experiment": experiment,
            }
        )
