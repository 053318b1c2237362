"""``nbops`` commands about pipelines: pipeline run, pipeline show, and ``scheduled`` (what a
generated Airflow DAG runs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .base import EXIT_FAILED, executor_options, main, run_options
from .tables import fitting_table


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
@run_options
@executor_options
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="KEY=VALUE",
    help="A tag of the parent run (repeatable), e.g. the scheduler run it belongs to.",
)
def pipeline_run(file, parameters, force, options, placement, tags) -> None:
    """Run the pipeline FILE: independent steps in parallel, one parent run, a child per step.

    A step whose code, parameters and input snapshots match an earlier finished run is skipped
    and its outputs reused. A failed step stops the steps downstream of it only.
    Exit code 0 when every step finished or was cached, 1 otherwise, 2 for bad usage.
    """
    from rich.console import Console

    from ..pipeline.orchestrate import run_pipeline
    from ..store.ids import short_id
    from .progress import LiveProgress

    with LiveProgress("pipeline") as echo:
        result = run_pipeline(
            file, list(parameters), options, placement, force, echo=echo, tags=_tags(tags)
        )
    rows = [
        (
            name,
            o.status,
            short_id(o.run_id) if o.run_id else "",
            f"{o.seconds:.1f}" if o.seconds else "",
            o.error or (f"outputs: {', '.join(o.outputs)}" if o.outputs else ""),
        )
        for name, o in result.outcomes.items()
    ]
    columns = [("step", 1), ("status", 0), ("run id", 0), ("seconds", 0), ("note", 3)]
    title = f"Pipeline run {result.run_id}: {result.status}"
    Console().print(fitting_table(title, columns, rows, wrap=True))
    reports = [o.report for o in result.outcomes.values() if o.report and o.report.is_file()]
    if reports:
        click.echo(f"Reports: {reports[0].parent.parent} (one folder per run)")
    if not result.ok:
        sys.exit(EXIT_FAILED)


def _tags(pairs: tuple[str, ...]) -> dict[str, str]:
    from ..exceptions import InputError

    tags = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise InputError(f"--tag {pair!r} is not KEY=VALUE.", "Write e.g. --tag team=growth.")
        tags[key] = value
    return tags


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


@main.group(hidden=True)
def scheduled() -> None:
    """The commands a generated Airflow DAG runs, one per task (see pipeline/scheduled.py)."""


def _json_option(text: str, what: str) -> dict:
    from ..exceptions import InputError

    try:
        value = json.loads(text)
    except ValueError as err:
        raise InputError(f"{what} is not JSON: {text[:200]!r}.", "Regenerate the DAG.") from err
    if not isinstance(value, dict):
        raise InputError(
            f"{what} must be a JSON object, not {text[:200]!r}.", "Regenerate the DAG."
        )
    return value


@scheduled.command("open")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", required=True, help="What names the scheduler's run (dag_id/run_id).")
@click.option("--scheduler-run", default="", help="The scheduler's run id (a tag).")
@click.option("--logical-date", default="", help="The scheduler's logical date (a tag).")
@click.option("--schedule", default="", help="The schedule, airflow/DAG_ID (a tag).")
def scheduled_open(file: Path, key: str, scheduler_run: str, logical_date: str, schedule) -> None:
    """Find or open the parent run of one scheduler run; print {"parent": ID}."""
    from ..pipeline.scheduled import open_parent

    parent = open_parent(file, key, scheduler_run, logical_date, schedule)
    click.echo(json.dumps({"parent": parent}))


@scheduled.command("step")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("step")
@click.option("--parent", required=True, help="The parent run.")
@click.option("--pins", default="{}", help="Snapshot ids by name, as JSON.")
@click.option("--logical-date", default="", help="Given to the notebook as run_date.")
@click.option("--force", is_flag=True, help="Run even when a cached result exists.")
def scheduled_step(file, step, parent, pins, logical_date, force) -> None:
    """Run one step; print {"status", "run_id", "outputs"} (ids only); exit 1 unless it ended ok."""
    from ..pipeline.scheduled import run_step

    pinned = _json_option(pins, "--pins")
    outcome = run_step(file, step, parent, pinned, logical_date, force,
                       echo=lambda line: click.echo(line, err=True))  # fmt: skip
    payload = {"status": outcome.status, "run_id": outcome.run_id, "outputs": outcome.outputs}
    click.echo(json.dumps(payload))
    if not outcome.ok:
        click.echo(f"Step {step} ended {outcome.status}: {outcome.error}", err=True)
        sys.exit(EXIT_FAILED)


@scheduled.command("close")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--parent", required=True, help="The parent run.")
@click.option("--outcomes", default="{}", help="What the step tasks returned, by step, as JSON.")
def scheduled_close(file: Path, parent: str, outcomes: str) -> None:
    """Record every step's outcome and end the parent run; exit 1 unless it FINISHED."""
    from ..execution.coordinator import Outcome
    from ..pipeline.scheduled import close_parent

    given = _json_option(outcomes, "--outcomes")
    known = {
        name: Outcome(name, o["status"], o.get("run_id"), outputs=o.get("outputs") or {})
        for name, o in given.items()
        if isinstance(o, dict) and o.get("status")
    }
    status = close_parent(file, parent, known)
    click.echo(json.dumps({"parent": parent, "status": status}))
    if status != "FINISHED":
        sys.exit(EXIT_FAILED)


@main.command()
def executors() -> None:
    """The executors installed here (`--executor NAME`): nbops's own and those packages
    declare as entry points in the group nbops.executors."""
    from ..execution.executors.base import installed_executors

    for name, about in installed_executors():
        click.echo(f"{name:12} {about}")
