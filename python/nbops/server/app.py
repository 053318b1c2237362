"""The nbops jupyter_server extension application."""

from __future__ import annotations

import os

from jupyter_server.extension.application import ExtensionApp
from traitlets import Integer, TraitError, Unicode, validate

from ..config import ROOT_VARIABLE
from .handlers.compare import CompareHandler
from .handlers.config import ConfigHandler
from .handlers.jobs import JOB_ID, JobHandler, JobsHandler
from .handlers.lineage import LineageHandler
from .handlers.models import ModelsHandler, PromoteHandler
from .handlers.pipeline import PipelineHandler
from .handlers.reproduce import REPRODUCTION_ID, ReproduceHandler, ReproductionHandler
from .handlers.run import RUN_ID, ReportHandler, RunHandler
from .handlers.runs import RunsHandler
from .handlers.schedules import SCHEDULE_ID, ScheduleHandler, SchedulesHandler
from .handlers.snapshots import (
    SNAPSHOT_ID,
    SnapshotDiffHandler,
    SnapshotHandler,
    SnapshotsHandler,
)
from .handlers.steps import ParametersHandler, StepsHandler
from .isolation import Isolated
from .jobs import JobManager
from .pipelines import PipelineRuns
from .reproductions import Reproductions


class NbopsApp(ExtensionApp):
    """Serves the nbops REST API to the JupyterLab extension."""

    name = "nbops"

    max_limit = Integer(1000, help="The largest page of runs one request may ask for.").tag(
        config=True
    )

    max_jobs = Integer(2, help="How many headless jobs run at once; more wait.").tag(config=True)

    executor = Unicode(
        "local",
        help="Where headless jobs started from the lab run: local, dask or an installed executor "
        "(`nbops executors`).",
    ).tag(config=True)

    executor_address = Unicode(
        "", help="The executor's cluster (dask: tcp://HOST:8786; empty: started here)."
    ).tag(config=True)

    dags_folder = Unicode(
        "",
        help="Airflow's dags folder, where the lab's Schedule writes DAG files (empty: Airflow's "
        "AIRFLOW__CORE__DAGS_FOLDER, else $AIRFLOW_HOME/dags).",
    ).tag(config=True)

    crontab_command = Unicode(
        "crontab",
        help="The command that reads (-l) and installs (-) the user's crontab; empty: the lab "
        "does not install crontab lines.",
    ).tag(config=True)

    @validate("executor")
    def _known_executor(self, proposal):
        from ..execution.executors import executor_names

        if proposal["value"] not in executor_names():
            raise TraitError(
                f"NbopsApp.executor: unknown executor {proposal['value']!r}; "
                f"installed: {', '.join(executor_names())}."
            )
        return proposal["value"]

    def initialize_settings(self) -> None:
        """Tell the kernels this server starts which folder is the fallback project."""
        os.environ[ROOT_VARIABLE] = os.path.realpath(self.serverapp.root_dir)
        self.jobs = JobManager(self.max_jobs, self.executor, self.executor_address or None)
        self.pipelines = PipelineRuns(self.executor, self.executor_address or None)
        self.reproductions = Reproductions(self.jobs)
        self.isolated = Isolated()  # models from a shared server are loaded elsewhere

    async def stop_extension(self) -> None:
        """Cancel running jobs: their runs end KILLED rather than stay RUNNING."""
        self.reproductions.close()  # first: none queued starts a job now
        self.jobs.close()
        self.isolated.close()

    def initialize_handlers(self) -> None:
        """Register the routes under ``/nbops/api/``."""
        self.handlers.extend(
            [
                (r"/nbops/api/config", ConfigHandler),
                (r"/nbops/api/runs", RunsHandler),
                (rf"/nbops/api/runs/{RUN_ID}", RunHandler),
                (rf"/nbops/api/runs/{RUN_ID}/report", ReportHandler),
                (rf"/nbops/api/runs/{RUN_ID}/reproduce", ReproduceHandler),
                (rf"/nbops/api/runs/{RUN_ID}/promote", PromoteHandler),
                (r"/nbops/api/models", ModelsHandler),
                (rf"/nbops/api/reproductions/{REPRODUCTION_ID}", ReproductionHandler),
                (r"/nbops/api/compare", CompareHandler),
                (r"/nbops/api/snapshots", SnapshotsHandler),
                (rf"/nbops/api/snapshots/{SNAPSHOT_ID}", SnapshotHandler),
                (rf"/nbops/api/snapshots/{SNAPSHOT_ID}/diff", SnapshotDiffHandler),
                (r"/nbops/api/lineage", LineageHandler),
                (r"/nbops/api/pipeline", PipelineHandler),
                (r"/nbops/api/schedules", SchedulesHandler),
                (rf"/nbops/api/schedules/{SCHEDULE_ID}", ScheduleHandler),
                (r"/nbops/api/steps", StepsHandler),
                (r"/nbops/api/parameters", ParametersHandler),
                (r"/nbops/api/jobs", JobsHandler),
                (rf"/nbops/api/jobs/{JOB_ID}", JobHandler),
            ]
        )
