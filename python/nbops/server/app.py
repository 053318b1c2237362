"""The nbops jupyter_server extension application."""

from __future__ import annotations

import os

from jupyter_server.extension.application import ExtensionApp
from traitlets import Integer

from ..config import ROOT_VARIABLE
from .handlers.config import ConfigHandler
from .handlers.run import RUN_ID, ReportHandler, RunHandler
from .handlers.runs import RunsHandler


class NbopsApp(ExtensionApp):
    """Serves the nbops REST API to the JupyterLab extension."""

    name = "nbops"

    max_limit = Integer(1000, help="The largest page of runs one request may ask for.").tag(
        config=True
    )

    def initialize_settings(self) -> None:
        """Tell the kernels this server starts which folder is the fallback project."""
        os.environ[ROOT_VARIABLE] = os.path.realpath(self.serverapp.root_dir)

    def initialize_handlers(self) -> None:
        """Register the routes under ``/nbops/api/``."""
        self.handlers.extend(
            [
                (r"/nbops/api/config", ConfigHandler),
                (r"/nbops/api/runs", RunsHandler),
                (rf"/nbops/api/runs/{RUN_ID}", RunHandler),
                (rf"/nbops/api/runs/{RUN_ID}/report", ReportHandler),
            ]
        )
