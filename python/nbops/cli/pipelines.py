"""``nbops`` commands about pipelines: pipeline run, pipeline show, schedule."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .base import EXIT_FAILED, executor_options, main, progress_line, run_timeout_option


@main.group()
def pipeline() -> None:
    """Pipelines: notebooks chained by the snapshots they write and read (pipeline.yaml)."""


@pipeline.command("run")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-p",
    "--parameter",
    "parameters",
    nargs=2,
    multiple=True,
    metavar="STEP.NAME VALUE",
    help="A parameter of one step (repeatable), e.g. -p train.alpha 0.5.",
)
@click.option("--force", is_flag=True, help="Run every step, even those with a cached result.")
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds each cell may run."
)
@run_timeout_option
@executor_options
def pipeline_run(file, parameters, force, timeout, run_timeout, executor, workers, address) -> None:
    """Run the pipeline FILE: independent steps in parallel, one parent run, a child per step.

    A step whose code, parameters and input snapshots match an earlier finished run is skipped
    and its outputs reused. A failed step stops the steps downstream of it only.
    Exit code 0 when every step finished or was cached, 1 otherwise, 2 for bad usage.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from ..pipeline.orchestrate import run_pipeline

    result = run_pipeline(
        file,
        list(parameters),
        executor,
        workers,
        address,
        force,
        timeout,
        echo=progress_line,
        run_timeout=run_timeout,
    )
    table = Table(title=f"Pipeline run {result.run_id}: {result.status}", box=box.SIMPLE_HEAD)
    for column in ("step", "status", "run id", "seconds", "note"):
        table.add_column(column, overflow="fold")
    for name, o in result.outcomes.items():
        note = o.error or (f"outputs: {', '.join(o.outputs)}" if o.outputs else "")
        seconds = f"{o.seconds:.1f}" if o.seconds else ""
        table.add_row(name, o.status, o.run_id or "", seconds, note)
    Console().print(table)
    reports = [o.report for o in result.outcomes.values() if o.report and o.report.is_file()]
    if reports:
        click.echo(f"Reports: {reports[0].parent.parent} (one folder per run)")
    if not result.ok:
        sys.exit(EXIT_FAILED)


@pipeline.command("show")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "form",
    type=click.Choice(["text", "mermaid", "dot"]),
    default="text",
    show_default=True,
    help="Text, a Mermaid flowchart (Markdown) or Graphviz DOT.",
)
def pipeline_show(file: Path, form: str) -> None:
    """Print the DAG of the pipeline FILE (checked: cycles and missing inputs are errors)."""
    from ..pipeline.dag import build_dag, render_dot, render_mermaid, render_text
    from ..pipeline.spec import read_pipeline

    dag = build_dag(read_pipeline(file))
    render = {"text": render_text, "mermaid": render_mermaid, "dot": render_dot}[form]
    click.echo(render(dag))


@main.command("schedule")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--cron", required=True, help="When: a cron expression, e.g. '0 3 * * *'.")
@click.option(
    "--to",
    type=click.Choice(["airflow", "cron"]),
    required=True,
    help="airflow: a DAG file; cron: a crontab line.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it (airflow default: nbops_<name>.py; cron default: print it).",
)
def schedule_command(file: Path, cron: str, to: str, output: Path | None) -> None:
    """Export the pipeline FILE for a real scheduler, on the schedule --cron."""
    from ..pipeline.schedule import schedule

    text, written = schedule(file, cron, to, output)
    if written is None:
        click.echo(text, nl=False)
        click.echo("# add it with `crontab -e`", err=True)
    elif to == "airflow":
        click.echo(f"Wrote the Airflow DAG {written}: copy it into your Airflow dags folder.")
    else:
        click.echo(f"Wrote the crontab line to {written}: add it with `crontab {written}`.")
