"""``GET /nbops/api/steps`` (``ListStepsResponse``), ``POST /nbops/api/steps`` (``CreateStep``:
export a notebook) and ``GET /nbops/api/parameters`` (the schema the run dialog is built from)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...config import experiment_name, find_project
from ...steps.export import export
from ...steps.target import resolve_target
from ...steps.versions import STEPS_DIR, list_steps
from ..models import CreateStep
from ..paths import exported_step
from .base import NbopsHandler


def _step_dict(step) -> dict:
    m = step.manifest
    return {
        "name": m.name,
        "version": m.version,
        "source": m.source,
        "exported_at": m.exported_at,
        "parameters": [p.to_dict() for p in m.parameters],
        "inputs": m.inputs,
        "outputs": m.outputs,
        "folder": str(step.folder),
    }


class StepsHandler(NbopsHandler):
    """List the exported steps (of ``?notebook=``), newest first; export one."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        settings, experiment = self.notebook_settings()
        steps = await self.blocking(list_steps, settings.project / STEPS_DIR)
        found = [s for s in steps if experiment in (None, s.manifest.source)]
        self.finish({"steps": [_step_dict(s) for s in reversed(found)]})

    @web.authenticated
    @authorized("write")
    async def post(self) -> None:
        body = CreateStep.parse(self.request.body)
        notebook = self.existing_notebook(body.notebook)
        result = await self.blocking(lambda: export(notebook, name=body.name))
        from ...steps.versions import Step

        self.set_status(201 if result.written else 200)
        self.finish({**_step_dict(Step(result.folder, result.manifest)), "written": result.written})


class ParametersHandler(NbopsHandler):
    """The parameter schema of ``?notebook=`` (or of ``&step=NAME[@VERSION]`` in its project)."""

    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        notebook = self.existing_notebook(self.query("notebook", ""))
        reference = self.query("step", None) or None
        step = None
        if reference is not None:
            step = await self.blocking(exported_step, self.root_dir, notebook, reference)
        target = await self.blocking(resolve_target, step or notebook, notebook.parent)
        project = find_project(notebook.parent)
        self.finish(
            {
                "target": reference or str(notebook),
                "experiment": experiment_name(notebook, project),
                "kernel": target.kernel,
                "parameters": [p.to_dict() for p in target.schema],
            }
        )
