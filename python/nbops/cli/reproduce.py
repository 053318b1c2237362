"""``nbops reproduce RUN_ID``: run a recorded run again and give a verdict (its exit code)."""

from __future__ import annotations

import sys

import click

from .base import main, resolve_run_id


@main.command("reproduce")
@click.argument("run_id", callback=resolve_run_id)
@click.option(
    "--rtol", default="0", show_default=True, help="Relative tolerance for metrics and outputs."
)
@click.option(
    "--atol", default="0", show_default=True, help="Absolute tolerance for metrics and outputs."
)
@click.option(
    "--env",
    "env",
    default="current",
    show_default=True,
    help="current: run here (package differences are listed first); rebuild: in a virtual "
    "environment with the run's recorded packages (cached).",
)
def reproduce_command(run_id: str, rtol: str, atol: str, env: str) -> None:
    """Run RUN_ID again as recorded (its notebook, parameters and input snapshots, by
    fingerprint) as a new run, then compare its metrics and snapshots with the original's.

    Exit code 0 IDENTICAL or WITHIN TOLERANCE, 1 DIFFERENT, 3 NOT REPRODUCIBLE (what is
    missing is named), 2 for an unknown run or a malformed option.
    """
    from ..reproduction.reproduce import reproduce

    result = reproduce(run_id, rtol, atol, env, echo=lambda line: click.echo(line, err=True))
    print_reproduction(result)
    sys.exit(result.exit_code)


COLORS = {"IDENTICAL": "green", "WITHIN TOLERANCE": "green", "DIFFERENT": "yellow"}
STATUS_COLORS = {"equal": "green", "within tolerance": "cyan", "differs": "red"}


def print_reproduction(result) -> None:
    """The verdict, the table of compared values, and what is missing or could explain it."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    color = COLORS.get(result.verdict, "red")
    what = f"reproduced as run {result.run_id}" if result.run_id else "could not be run again"
    console.print(f"[bold {color}]{result.verdict}[/]: run {result.original} {what}.")
    if result.rows:
        table = Table(box=box.SIMPLE_HEAD)
        for column in ("kind", "name", "original", "reproduced", "difference", "status"):
            table.add_column(column, overflow="fold")
        for row in result.rows:
            status = f"[{STATUS_COLORS.get(row.status, 'yellow')}]{row.status}[/]"
            table.add_row(row.kind, row.name, row.original, row.reproduced, row.difference, status)
        console.print(table)
    for title, lines in (
        ("Missing", result.missing),
        ("Differences that could explain it", result.explanations),
        ("Notes", result.notes),
    ):
        if lines:
            console.print(f"[bold]{title}:[/]")
            for line in lines[:40]:
                console.print(f"  {line}", markup=False, highlight=False)
