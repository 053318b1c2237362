"""``nbops promote``, ``nbops serve-check`` and ``nbops monitor``: the production loop."""

from __future__ import annotations

import sys

import click

from ..exceptions import InputError
from .base import main, resolve_run_id


@main.command("promote")
@click.argument("run_id", required=False, callback=resolve_run_id)
@click.option("--model", "model", help="The registered model (created on first promotion).")
@click.option(
    "--gate",
    "gates",
    multiple=True,
    metavar="EXPR",
    help="METRIC OP NUMBER | METRIC OP champion[*F|+D] | servable (repeatable; all must hold).",
)
@click.option("--eval", "eval_snapshot", help="Score both models on this snapshot instead.")
@click.option("--target", help="With --eval: the snapshot's label column (default: target).")
@click.option("--alias", default="champion", show_default=True, help="The alias to move.")
@click.option("--logged-model", help="Which of the run's logged models (if several).")
@click.option("--rollback", "rollback_model", metavar="NAME", help="Give the alias back.")
def promote_command(
    run_id, model, gates, eval_snapshot, target, alias, logged_model, rollback_model
) -> None:
    """Register RUN_ID's model as a version of --model; move --alias to it if every --gate holds
    (the former holder becomes previous-champion). --rollback NAME moves them back.

    Exit code 0 promoted, 1 a gate failed (the alias did not move), 2 bad input.
    """
    from ..loop.promote import promote, rollback

    if rollback_model:
        if run_id or model or gates or eval_snapshot:
            raise InputError("--rollback NAME takes no RUN_ID, --model, --gate or --eval.", "")
        decision = rollback(rollback_model, alias)
    else:
        if not run_id or not model:
            raise InputError("Give RUN_ID and --model NAME (or --rollback NAME).", "")
        decision = promote(run_id, model, gates, eval_snapshot, target, alias, logged_model)
    print_decision(decision)
    sys.exit(decision.exit_code)


def print_decision(decision) -> None:
    """One row per gate (candidate, champion, threshold, pass or fail), then the decision."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if decision.rows:
        table = Table(box=box.SIMPLE_HEAD)
        for column in ("gate", "candidate", "champion", "threshold", "result", "note"):
            table.add_column(column, overflow="fold")
        for row in decision.rows:
            result = "[green]pass[/]" if row.passed else "[red]fail[/]"
            numbers = (_number(row.candidate), _number(row.champion), _number(row.threshold))
            table.add_row(row.gate, *numbers, result, row.note)
        console.print(table)
    if decision.evaluation:
        console.print(f"Both scored on snapshot {decision.evaluation}.")
    for note in decision.notes:
        console.print(note, markup=False)
    color = "green" if decision.promoted else "red"
    console.print(f"[bold {color}]{decision.decision.upper()}[/]: {decision.summary}")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


@main.command("serve-check")
@click.argument("model")
def serve_check_command(model: str) -> None:
    """Check that MODEL (NAME, NAME@ALIAS or NAME/VERSION) serves: pyfunc flavor, signature,
    input example, and MLflow's scoring server answering /ping and /invocations with the
    model's own predictions.

    Exit code 0 servable, 1 not (the reason is printed), 2 an unknown model.
    """
    from ..loop.serving import serve_check

    check = serve_check(model)
    for step in check.steps:
        click.echo(f"  ok  {step}")
    color = "green" if check.ok else "red"
    click.secho(f"{'SERVABLE' if check.ok else 'NOT SERVABLE'}: {check.model_uri}", fg=color)
    if not check.ok:
        click.secho(f"  {check.reason}", fg="red")
    sys.exit(check.exit_code)


@main.command("monitor")
@click.option("--reference", required=True, help="The reference snapshot (name, name@V, id).")
@click.option("--current", required=True, help="A snapshot, or a .csv / .parquet file.")
@click.option(
    "--threshold", default="0.2", show_default=True, help="A column drifts over this PSI."
)
@click.option("--columns", help="Only these columns, comma-separated.")
@click.option(
    "--retrain",
    type=click.Path(dir_okay=False),
    help="On drift, run this pipeline, then the promotion its `promote:` block declares.",
)
def monitor_command(reference, current, threshold, columns, retrain) -> None:
    """Check current production data against a reference snapshot: drift per column and the
    reference's saved expectations, recorded as a monitor run.

    Exit code 0 no drift, 3 drift (the columns and statistics are named), 2 bad input.
    """
    from ..loop.monitor import monitor

    wanted = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    result = monitor(reference, current, threshold, wanted, retrain, echo=_progress)
    click.secho(
        f"{'DRIFT' if result.drifted else 'NO DRIFT'}: {result.summary}",
        fg="red" if result.drifted else "green",
    )
    click.echo(f"  monitor run {result.run_id}")
    if result.retrain_run:
        click.echo(f"  retraining: pipeline run {result.retrain_run} {result.retrain_status}")
    if result.promotion:
        click.echo(f"  promotion: {result.promotion}")
    sys.exit(result.exit_code)


def _progress(line: str) -> None:
    from .base import progress_line

    progress_line(line)
