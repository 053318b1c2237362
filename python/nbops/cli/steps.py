"""``nbops`` commands about pipeline steps: tags, export, steps, run."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..exceptions import InputError
from .base import EXIT_FAILED, executor_options, main, run_options
from .tables import fitting_table


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
    from ..steps.tags import TAGS

    for tag, meaning in TAGS.items():
        click.echo(f"{tag:<20}{meaning}")


@main.command("export")
@click.argument("notebook", type=click.Path(path_type=Path))
@click.option("--name", help="The step's name (default: the notebook's name).")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Steps folder (default: <project>/steps)."
)
@click.option(
    "--kernel", help="Kernel the step runs with (default: the notebook's, else Python's)."
)
@click.option(
    "--file",
    "files",
    multiple=True,
    help="A file or folder the notebook needs beside it (a helper module, a config), carried "
    "with the step to any worker. Repeatable.",
)
def export_command(
    notebook: Path, name: str | None, out: Path | None, kernel: str | None, files: tuple[str, ...]
) -> None:
    """Export NOTEBOOK as a versioned pipeline step."""
    from ..steps.export import export

    result = export(notebook, name=name, out=out, kernel=kernel, files=list(files))
    manifest = result.manifest
    verb = "Exported" if result.written else "Unchanged: already exported as"
    click.echo(f"{verb} {manifest.name}@{manifest.version} in {result.folder}")
    if name is None and manifest.name != notebook.stem:
        click.echo(
            f"Named {manifest.name!r} after {notebook.name}: a step's name holds only letters, "
            "digits, '-' and '_' (choose another with --name)."
        )
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

    from ..config import find_project
    from ..steps.versions import STEPS_DIR, list_steps

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
@click.option(
    "--kernel", help="Kernel name (default: the notebook's or the step's, else Python's)."
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the executed notebook and report.",
)
@click.option(
    "--sweep",
    "sweeps",
    multiple=True,
    metavar="NAME=V1,V2,...",
    help="Run every combination of these values (repeatable: a grid), each a child run.",
)
@click.option("--metric", help="With --sweep: sort the table by this metric (smallest first).")
@click.option("--maximize", is_flag=True, help="With --sweep: largest --metric first.")
@click.option(
    "-v", "--verbose", is_flag=True, help="On failure, print the full traceback (also error.txt)."
)
@run_options
@executor_options
def run_command(
    target,
    parameters,
    parameter_file,
    kernel,
    output,
    sweeps,
    metric,
    maximize,
    verbose,
    options,
    placement,
) -> None:
    """Run TARGET headless: a step (name, name@version, folder) or a notebook.

    With --sweep, run it once per combination of the swept values, in parallel on the chosen
    executor, under one parent run; then print the runs sorted by --metric.

    Exit code 0 when every run finished, 1 when one failed, 2 for bad usage.
    """
    if sweeps:
        _sweep(target, sweeps, dict(parameters), metric, maximize, options, placement)
        return
    from ..execution.options import Placement
    from ..execution.run import run

    if metric or maximize or placement != Placement():
        raise InputError(
            "--metric, --maximize, --executor, --workers and --address go with --sweep.",
            "Add --sweep NAME=V1,V2 or drop them.",
        )
    result = run(
        target,
        dict(parameters),
        parameter_file,
        kernel,
        options,
        output,
        echo=lambda line: click.secho(line, fg="yellow", err=True),
    )
    color = "green" if result.ok else "red"
    click.secho(f"Run {result.run_id}: {result.status}", fg=color, bold=True)
    if result.error:
        click.secho(f"  {result.error}", fg="red")
        if verbose and result.traceback:
            click.echo(result.traceback, err=True)
        elif result.traceback:
            click.echo("  the full traceback: error.txt in the run's artifacts, or --verbose")
    click.echo(f"  executed notebook: {result.notebook}")
    click.echo(f"  report:            {result.report}")
    if not result.ok:
        sys.exit(EXIT_FAILED)


def _sweep(target, sweeps, parameters, metric, maximize, options, placement):
    from rich.console import Console

    from ..pipeline.sweep import parse_sweeps, run_sweep
    from ..store.ids import short_id
    from .progress import LiveProgress

    with LiveProgress("sweep") as echo:
        result = run_sweep(
            target,
            parse_sweeps(list(sweeps)),
            parameters,
            metric,
            maximize,
            options,
            placement,
            echo=echo,
        )
    order = f", by {metric} ({'largest' if maximize else 'smallest'} first)" if metric else ""
    columns = [*((name, 1) for name in result.rows[0].values), ("status", 0)]
    columns += [(metric, 0)] if metric else []
    rows = [
        (
            *row.values.values(),
            row.outcome.status,
            *([] if not metric else ["" if row.metric is None else f"{row.metric:.6g}"]),
            short_id(row.outcome.run_id) if row.outcome.run_id else "",
        )
        for row in result.rows
    ]
    title = f"Sweep {result.run_id}: {result.status}{order}"
    Console().print(fitting_table(title, [*columns, ("run id", 0)], rows))
    click.echo(f"The table is kept as sweep.csv in the parent run {result.run_id}.")
    if not result.ok:
        sys.exit(EXIT_FAILED)
