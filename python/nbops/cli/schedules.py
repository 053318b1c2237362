"""``nbops schedule`` (a pipeline for Airflow or cron) and ``nbops schedules list|remove``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .base import main
from .tables import fitting_table

DAGS_FOLDER = click.option(
    "--dags-folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Airflow's dags folder (default: AIRFLOW__CORE__DAGS_FOLDER, else $AIRFLOW_HOME/dags).",
)
CRONTAB = click.option(
    "--crontab",
    "crontab_command",
    default="crontab",
    envvar="NBOPS_CRONTAB",
    show_default=True,
    help="The crontab command (-l reads, - writes), e.g. 'crontab -u alice'.",
)


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
@click.option(
    "--executor",
    default="",
    help="Airflow: one task runs the whole pipeline on this executor (dask) instead of one task "
    "per step.",
)
@click.option("--address", default="", help="With --executor dask: the scheduler, tcp://HOST:8786.")
@click.option(
    "--monitor",
    is_flag=True,
    help="Schedule `nbops monitor` from the file's monitor: block (retraining with the pipeline "
    "on drift) instead of the pipeline.",
)
@click.option(
    "--install",
    is_flag=True,
    help="Install it: the DAG file into the dags folder, the line into your crontab (asked "
    "first; replaces the one nbops installed for this pipeline).",
)
@click.option("--yes", is_flag=True, help="With --install: do not ask.")
@DAGS_FOLDER
@CRONTAB
def schedule_command(
    file, cron, to, output, executor, address, monitor, install, yes, dags_folder,
    crontab_command,
) -> None:  # fmt: skip
    """Export the pipeline FILE for a real scheduler, on the schedule --cron."""
    if install:
        if output or executor or address:
            from ..exceptions import InputError

            raise InputError(
                "--install does not go with -o, --executor or --address.",
                "--install writes the one-task-per-step DAG into the dags folder; for the "
                "whole-pipeline mode write it with -o into that folder.",
            )
        _install(file, cron, to, monitor, yes, dags_folder, crontab_command)
        return
    from ..pipeline.schedule import schedule

    text, written = schedule(file, cron, to, output, executor, address, monitor)
    if written is None:
        click.echo(text, nl=False)
        click.echo("# add it with `crontab -e`, or schedule again with --install", err=True)
    elif to == "airflow":
        click.echo(f"Wrote the Airflow DAG {written}: copy it into your Airflow dags folder.")
    else:
        click.echo(f"Wrote the crontab line to {written}: add it with `crontab {written}`.")


def _install(file, cron, to, monitor, yes, dags_folder, crontab_command) -> None:
    from ..pipeline.schedules import Crontab, install
    from ..pipeline.schedules import dags_folder as folder_of

    folder, crontab = folder_of(dags_folder or ""), Crontab(crontab_command)
    shown = install(file, cron, to, folder, crontab, monitor, dry_run=True)
    if to == "cron" and not yes:
        click.echo(f"{shown.line}\n")
        click.confirm("Install this line in your crontab?", abort=True)
    done = install(file, cron, to, folder, crontab, monitor)
    where = done.where if to == "airflow" else "your crontab"
    click.echo(f"Installed the schedule {done.id} ({done.cron}) in {where}.")


@main.group()
def schedules() -> None:
    """The schedules nbops installed (Airflow DAG files, crontab lines): list, remove."""


@schedules.command("list")
@DAGS_FOLDER
@CRONTAB
@click.option("--no-cron", is_flag=True, help="Do not read the crontab.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per schedule).")
def schedules_list(dags_folder, crontab_command, no_cron, as_json) -> None:
    """Each schedule with its next run and how its last runs went."""
    from rich.console import Console

    from ..pipeline.schedules import Crontab, find_schedules
    from ..pipeline.schedules import dags_folder as folder_of

    crontab = None if no_cron else Crontab(crontab_command)
    found, problems = find_schedules(folder_of(dags_folder or ""), crontab)
    for problem in problems:
        click.echo(f"Warning: {problem}", err=True)
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in found], indent=1))
        return
    rows = [
        (
            s.id,
            s.target,
            s.cron,
            (s.next_runs or [""])[0],
            ", ".join(f"{r['status']} {r['run_id'][:8]}" for r in s.last_runs) or s.error,
            s.pipeline,
        )
        for s in found
    ]
    columns = [("id", 1), ("to", 0), ("cron", 0), ("next run", 0), ("last runs", 2),
               ("pipeline", 2)]  # fmt: skip
    Console().print(fitting_table("Schedules", columns, rows, wrap=True))


@schedules.command("remove")
@click.argument("schedule")
@click.option("--to", type=click.Choice(["airflow", "cron"]), required=True)
@DAGS_FOLDER
@CRONTAB
def schedules_remove(schedule, to, dags_folder, crontab_command) -> None:
    """Remove the schedule SCHEDULE (its DAG file or its crontab line)."""
    from ..pipeline.schedules import Crontab, remove
    from ..pipeline.schedules import dags_folder as folder_of

    found = remove(schedule, to, folder_of(dags_folder or ""), Crontab(crontab_command))
    click.echo(f"Removed the {to} schedule {found.id} ({found.where}).")
