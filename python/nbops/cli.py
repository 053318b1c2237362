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
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S") if ms else ""


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
    from rich.console import Console
    from rich.table import Table

    from .store import open_store

    if notebook is not None and notebook.suffix != ".ipynb":
        raise InputError(f"{notebook} is not a notebook.", "Give the path of an .ipynb file.")
    settings = load_settings(notebook.resolve().parent if notebook else None)
    experiment = experiment_name(notebook, settings.project) if notebook else None
    found = open_store(settings).list_runs(experiment, limit)
    table = Table(title=f"Runs of {experiment or 'all experiments'} in {settings.tracking_uri}")
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
