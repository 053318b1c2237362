"""The ``nbops`` command: a thin door over the core."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from .config import experiment_name, load_settings
from .exceptions import InputError, NbopsError

EXIT_FAILED = 1
EXIT_USAGE = 2


class NbopsGroup(click.Group):
    """Turns nbops errors into one readable line and a meaningful exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NbopsError as err:
            click.secho(f"Error: {err}", fg="red", err=True)
            sys.exit(EXIT_USAGE if isinstance(err, InputError) else EXIT_FAILED)


@click.group(cls=NbopsGroup)
@click.version_option(package_name="nbops")
def main() -> None:
    """nbops: notebook-first MLOps. Tracks notebook runs in MLflow."""


def _time(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%m-%d %H:%M:%S") if ms else ""


def _duration(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 1000:.1f} s"


def _metrics(metrics: dict[str, float], shown: int = 3) -> str:
    items = [f"{k}={v:.4g}" for k, v in sorted(metrics.items())[:shown]]
    more = len(metrics) - shown
    return ", ".join(items) + (f", +{more}" if more > 0 else "")


@main.command()
@click.option(
    "--notebook",
    type=click.Path(dir_okay=False, path_type=Path),
    help="List the runs of this notebook (default: every run of the project's store).",
)
@click.option(
    "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many runs."
)
def runs(notebook: Path | None, limit: int) -> None:
    """List the newest runs, newest first."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from .store import open_store

    if notebook is not None and notebook.suffix != ".ipynb":
        raise InputError(f"{notebook} is not a notebook.", "Give the path of an .ipynb file.")
    settings = load_settings(notebook.resolve().parent if notebook else None)
    experiment = experiment_name(notebook, settings.project) if notebook else None
    found = open_store(settings).list_runs(experiment, limit)
    title = f"Runs of {experiment or 'all experiments'} in {settings.tracking_uri}"
    table = Table(title=title, box=box.SIMPLE_HEAD)
    table.add_column("run id", no_wrap=True)
    for column in ("name", *(["experiment"] if experiment is None else []), "status", "started"):
        table.add_column(column, overflow="fold")
    table.add_column("duration", no_wrap=True)
    table.add_column("metrics", overflow="fold")
    for run in found:
        table.add_row(
            run.run_id,
            run.name,
            *([run.experiment] if experiment is None else []),
            run.status,
            _time(run.start_time),
            _duration(run.duration_ms),
            _metrics(run.metrics),
        )
    Console().print(table if found else f"No runs yet for {experiment or 'this project'}.")


@main.command()
def status() -> None:
    """Show where runs of the working directory go, and whether that store answers."""
    from .capture.session import Session
    from .capture.status import session_status

    result = session_status(Session())
    width = max(len(label) for label, _ in result.lines())
    for label, value in result.lines():
        click.echo(f"{label:<{width}}  {value}")
    if result.error:
        sys.exit(EXIT_FAILED)


@main.group()
def env() -> None:
    """The environments runs ran in."""


@env.command("diff")
@click.argument("run_a")
@click.argument("run_b")
def env_diff(run_a: str, run_b: str) -> None:
    """List packages added, removed and changed from RUN_A to RUN_B, and other differences."""
    from .api import environment_diff

    for line in environment_diff(run_a, run_b).lines():
        color = {"+": "green", "-": "red", "~": "yellow"}.get(line[:1])
        click.secho(line, fg=color)


@main.command()
def tags() -> None:
    """The cell tags nbops reads (set them in JupyterLab's property inspector or cell toolbar).

    \b
    parameters          papermill's parameters cell: its assignments are the step's
                        parameters (type from an annotation or the default, help from a
                        trailing comment; '# required' or a typed None default makes one
                        required)
    nbops:skip          an exploration cell, dropped from the exported step
    nbops:report-hide   kept and executed, but hidden from run reports
    """
    from .pipeline.tags import TAGS

    for tag, meaning in TAGS.items():
        click.echo(f"{tag:<20}{meaning}")


@main.command("export")
@click.argument("notebook", type=click.Path(path_type=Path))
@click.option("--name", help="The step's name (default: the notebook's name).")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Steps folder (default: <project>/steps)."
)
def export_command(notebook: Path, name: str | None, out: Path | None) -> None:
    """Export NOTEBOOK as a versioned pipeline step."""
    from .pipeline.export import export

    result = export(notebook, name=name, out=out)
    manifest = result.manifest
    verb = "Exported" if result.written else "Unchanged: already exported as"
    click.echo(f"{verb} {manifest.name}@{manifest.version} in {result.folder}")
    if not result.has_parameters:
        click.echo("The notebook has no 'parameters' cell: the step takes no parameters.")
    for p in manifest.parameters:
        required = ", required" if p.required else ""
        click.echo(f"  {p.name} ({p.type}{required}) = {p.default!r}  {p.help}".rstrip())


@main.command()
@click.option("--name", help="Only the versions of this step.")
def steps(name: str | None) -> None:
    """List the exported steps of this project."""
    from rich.console import Console
    from rich.table import Table

    from .config import find_project
    from .pipeline.steps import STEPS_DIR, list_steps

    found = [s for s in list_steps(find_project() / STEPS_DIR) if name in (None, s.manifest.name)]
    if not found:
        click.echo("No steps yet. Export one with `nbops export NOTEBOOK`.")
        return
    table = Table(title="Steps")
    for column in ("name", "version", "exported", "source", "parameters", "folder"):
        table.add_column(column, overflow="fold")
    for step in found:
        m = step.manifest
        params = ", ".join(f"{p.name}:{p.type}" for p in m.parameters)
        table.add_row(m.name, m.version, m.exported_at, m.source, params, str(step.folder))
    Console().print(table)


@main.command("run")
@click.argument("target")
@click.option(
    "-p",
    "--parameter",
    "parameters",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="A parameter value (repeatable); parsed to the step's type.",
)
@click.option(
    "-f",
    "--parameter-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A YAML file of parameter values.",
)
@click.option("--kernel", help="Kernel name (default: the notebook's).")
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds each cell may run."
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the executed notebook and report.",
)
def run_command(target, parameters, parameter_file, kernel, timeout, output) -> None:
    """Run TARGET headless: a step (name, name@version, folder) or a notebook.

    Exit code 0 when the run finished, 1 when it failed, 2 for bad usage.
    """
    from .pipeline.run import run

    values = dict(parameters)
    result = run(target, values, parameter_file, kernel, timeout, output)
    color = "green" if result.ok else "red"
    click.secho(f"Run {result.run_id}: {result.status}", fg=color, bold=True)
    if result.error:
        click.secho(f"  {result.error}", fg="red")
    click.echo(f"  executed notebook: {result.notebook}")
    click.echo(f"  report:            {result.report}")
    if not result.ok:
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("run_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the HTML (default: report-<run id>.html).",
)
@click.option("--no-input", is_flag=True, help="Hide all code; show outputs only.")
def report(run_id: str, output: Path | None, no_input: bool) -> None:
    """Write the HTML report of RUN_ID: a run header card, then the notebook."""
    from .reports.build import build_report

    path = build_report(run_id, output or Path(f"report-{run_id}.html"), no_input=no_input)
    click.echo(f"Report of run {run_id}: {path}")


@main.command("snapshots")
@click.option("--name", help="Only this snapshot's versions and reads.")
def snapshots_command(name: str | None) -> None:
    """List the data snapshots of this project: name, id, role, run, shape."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from .api import snapshots

    entries = snapshots(name)
    if not entries:
        click.echo("No snapshots yet. Take one in a notebook: nbops.snapshot(df, 'name').")
        return
    table = Table(title="Snapshots", box=box.SIMPLE_HEAD)
    for column in ("name", "id", "role", "run", "rows", "columns", "when"):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(e.name, e.id, e.role, e.run_id or "", str(e.rows), str(e.columns), e.created)
    Console().print(table)
