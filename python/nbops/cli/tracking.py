"""``nbops`` commands about tracked runs: runs, status, env diff, report, snapshots, cache."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from ..config import experiment_name, load_settings
from ..exceptions import InputError
from ..store.ids import short_id
from .base import (
    EXIT_FAILED,
    EXIT_USAGE,
    format_duration,
    format_metrics,
    main,
    resolve_run_id,
)
from .tables import Column, Compact, When, fitting_table

WIDE = click.option("--wide", is_flag=True, help="Whole ids and values, wrapped instead of cut.")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="JSON, every field, for scripts.")


@main.command()
@click.option(
    "--notebook",
    type=click.Path(dir_okay=False, path_type=Path),
    help="List the runs of this notebook (default: every run of the project's store).",
)
@click.option(
    "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many runs."
)
@WIDE
@AS_JSON
def runs(notebook: Path | None, limit: int, wide: bool, as_json: bool) -> None:
    """List the newest runs, newest first (ids shortened; any command takes a short id)."""
    from rich.console import Console

    from ..store import open_store

    if notebook is not None and notebook.suffix != ".ipynb":
        raise InputError(f"{notebook} is not a notebook.", "Give the path of an .ipynb file.")
    settings = load_settings(notebook.resolve().parent if notebook else None)
    experiment = experiment_name(notebook, settings.project) if notebook else None
    found = open_store(settings).list_runs(experiment, limit)
    if as_json:
        click.echo(json.dumps([asdict(run) for run in found], indent=1))
        return
    title = f"Runs of {experiment or 'all experiments'} in {settings.display_uri}"
    table = runs_table(title, found, every_experiment=experiment is None, wide=wide)
    Console().print(table if found else f"No runs yet for {experiment or 'this project'}.")


ID_SHOWN = 12  # a snapshot id's first characters in a table (any command takes 8 or more)


def runs_table(title: str, found, every_experiment: bool, wide: bool, now=None, width=None):
    """The table of ``nbops runs``: the experiment and the duration go before a name or a
    metric is cut; on a narrow terminal the start time turns relative, then goes; the id, the
    name and the metrics stay."""
    columns = [Column("run id", keep=9), Column("name", 2, keep=8, minimum=12)]
    columns += [Column("experiment", 2, keep=1, minimum=10)] if every_experiment else []
    columns += [Column("status", keep=6), Column("started", keep=4), Column("duration", keep=2)]
    columns += [Column("metrics", 3, keep=7, minimum=16)]
    rows = [
        (
            run.run_id if wide else short_id(run.run_id),
            run.name,
            *([run.experiment] if every_experiment else []),
            run.status,
            When(run.start_time / 1000 if run.start_time else None, now),
            format_duration(run.duration_ms),
            format_metrics(run.metrics),
        )
        for run in found
    ]
    return fitting_table(title, columns, rows, wide, width=width)


@main.command()
def status() -> None:
    """Show where runs of the working directory go, and whether that store answers."""
    from ..capture.session import Session
    from ..capture.status import session_status

    result = session_status(Session())
    width = max(len(label) for label, _ in result.lines())
    for label, value in result.lines():
        click.echo(f"{label:<{width}}  {value}")
    if result.error:
        sys.exit(EXIT_USAGE if result.refused else EXIT_FAILED)


@main.group()
def env() -> None:
    """The environments runs ran in."""


@env.command("diff")
@click.argument("run_a", callback=resolve_run_id)
@click.argument("run_b", callback=resolve_run_id)
def env_diff(run_a: str, run_b: str) -> None:
    """List packages added, removed and changed from RUN_A to RUN_B, and other differences."""
    from ..capture.environment import environment_diff_of
    from ..store import open_store

    for line in environment_diff_of(open_store(load_settings()), run_a, run_b).lines():
        color = {"+": "green", "-": "red", "~": "yellow"}.get(line[:1])
        click.secho(line, fg=color)


@main.command()
@click.argument("run_a")
@click.argument("run_b")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.option(
    "--exit-code", is_flag=True, help="Exit 1 when anything differs (as `git diff --exit-code`)."
)
def diff(run_a: str, run_b: str, as_json: bool, exit_code: bool) -> None:
    """What changed from RUN_A to RUN_B: parameters, code cell by cell, data, environment and
    metrics, under a summary of what the metrics' change comes with.

    RUN_A and RUN_B are run ids or their first characters. Exit code 0 (with --exit-code: 1 when
    anything differs), 2 for bad usage.
    """
    from ..reports.diff import diff_of

    found = diff_of(load_settings(), run_a, run_b)
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2, default=str))
    else:
        for line in found.lines():
            color = {"+": "green", "-": "red"}.get(line.strip()[:1]) if line[:4] == "    " else None
            click.secho(line, fg=color)
    if exit_code and found.differs:
        sys.exit(1)


@main.command()
@click.argument("run_id", callback=resolve_run_id)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the HTML (default: report-<run id>.html).",
)
@click.option("--no-input", is_flag=True, help="Hide all code; show outputs only.")
@click.option(
    "--against",
    metavar="RUN",
    callback=resolve_run_id,
    help="The run the 'Changes since' block compares with (default: the champion of a model "
    "RUN_ID registered a version of, else the previous finished run of its notebook).",
)
@click.option("--no-changes", is_flag=True, help="Leave out the 'Changes since' block.")
def report(
    run_id: str, output: Path | None, no_input: bool, against: str | None, no_changes: bool
) -> None:
    """Write the HTML report of RUN_ID: a run header card with what changed since an earlier
    run, then the notebook."""
    from ..data.registry import catalog_for
    from ..reports.build import report_html
    from ..store import open_store

    if against and no_changes:
        raise InputError("--against and --no-changes contradict each other.", "Give one of them.")
    settings = load_settings()
    against = None if no_changes else against or "auto"
    html = report_html(
        open_store(settings), run_id, no_input, against=against, catalog=catalog_for(settings)
    )
    path = output or Path(f"report-{run_id}.html")
    path.write_text(html, encoding="utf-8")
    click.echo(f"Report of run {run_id}: {path}")


@main.group()
def data() -> None:
    """The data snapshots of this project, compared."""


@data.command("diff")
@click.argument("snapshot_a")
@click.argument("snapshot_b")
@click.option("--key", "key", multiple=True, help="A column naming each row in both (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the contents differ.")
def data_diff_command(
    snapshot_a: str, snapshot_b: str, key: tuple[str, ...], as_json: bool, exit_code: bool
) -> None:
    """What changed from SNAPSHOT_A to SNAPSHOT_B: columns, rows added, removed and changed
    (matched by --key, else by position), values per column with examples, distribution shift.

    Each is NAME, NAME@VERSION, an id or its first 8 or more characters.
    """
    from ..data.diff import data_diff
    from ..data.registry import catalog_for

    found = data_diff(catalog_for(load_settings()), snapshot_a, snapshot_b, list(key))
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2, default=str))
    else:
        for line in found.lines():
            click.echo(line)
    if exit_code and found.differs:
        sys.exit(1)


@main.command("lineage")
@click.argument("reference")
@click.option(
    "--format",
    "form",
    type=click.Choice(["text", "json", "mermaid", "dot"]),
    default="text",
    show_default=True,
    help="text: one line per link; mermaid or dot: a graph to draw; json: nodes and edges.",
)
@click.option("--depth", type=int, default=2, show_default=True, help="Hops from it, both ways.")
def lineage_command(reference: str, form: str, depth: int) -> None:
    """Where REFERENCE came from and what it led to: snapshots, the runs that wrote and read
    them, and the model versions registered from those runs.

    REFERENCE is a run id (or its first 8 or more characters), NAME@VERSION of a snapshot, or
    MODEL/VERSION of a registered model's version.
    """
    from ..data.lineage import lineage
    from ..data.registry import catalog_for
    from ..store import open_store

    settings = load_settings()
    graph = lineage(open_store(settings), catalog_for(settings), reference, depth)
    if form != "text":
        click.echo(graph.render(form), nl=False)
        return
    centre = graph.nodes[graph.centre]
    click.echo(f"Lineage of {centre.label}, {depth} hop(s) each way:")
    for edge in graph.edges:
        source, target = graph.nodes[edge.source].label, graph.nodes[edge.target].label
        click.echo(f"  {source} --{edge.relation}--> {target}")
    if not graph.edges:
        click.echo("  nothing recorded: no snapshot written or read, no model registered.")


@main.command("snapshots")
@click.option("--name", help="Only this snapshot's versions and reads.")
@WIDE
@AS_JSON
def snapshots_command(name: str | None, wide: bool, as_json: bool) -> None:
    """List the data snapshots of this project: name, id, role, run, shape."""
    from rich.console import Console

    from ..data.registry import catalog_for

    entries = catalog_for(load_settings()).entries(name)
    if as_json:
        click.echo(json.dumps([asdict(e) for e in entries], indent=1))
        return
    if not entries:
        click.echo("No snapshots yet. Take one in a notebook: nbops.snapshot(df, 'name').")
        return
    Console().print(snapshots_table(entries, wide))


def snapshots_table(entries, wide: bool, now=None, width=None):
    """The table of ``nbops snapshots``: on a narrow terminal the name, twelve characters of the
    id and the shape stay; the time turns relative, then goes with the run."""
    columns = [Column("name", 2, keep=9, minimum=10), Column("id", keep=10)]
    columns += [Column("role", keep=5), Column("run", keep=3)]
    columns += [Column("rows", keep=7), Column("columns", keep=6), Column("when", keep=4)]
    rows = [
        (e.name, Compact(e.id, e.id[:ID_SHOWN]), e.role,
         (e.run_id if wide else short_id(e.run_id)) if e.run_id else "",
         str(e.rows), str(e.columns), When(_seconds(e.created), now))
        for e in entries
    ]  # fmt: skip
    return fitting_table("Snapshots", columns, rows, wide, width=width)


def _seconds(created: str) -> float | None:
    """An ISO time (a snapshot's ``created``) as seconds since the epoch; ``None`` if it is not
    one."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(created).timestamp()
    except (TypeError, ValueError):
        return None


@main.group()
def cache() -> None:
    """This machine's cache of snapshots read from a tracking server."""


@cache.command("info")
def cache_info() -> None:
    """Show where the cache is, what it holds and how much it may hold."""
    from ..data.cache import cache_folder, cache_limit, format_size, usage
    from ..names import CACHE_DIR_VARIABLE, CACHE_LIMIT_VARIABLE

    used = usage(cache_folder(), cache_limit())
    click.echo(f"folder  {used.folder}  [{CACHE_DIR_VARIABLE}]")
    click.echo(f"holds   {files(used.files)}, {format_size(used.size)}")
    click.echo(f"limit   {format_size(used.limit)}  [{CACHE_LIMIT_VARIABLE}]")


@cache.command("clear")
def cache_clear() -> None:
    """Remove the cached snapshots not in use (they are downloaded again when next read)."""
    from ..data.cache import cache_folder, format_size, trim, usage

    folder = cache_folder()
    before = usage(folder, 0)
    removed = trim(folder, 0)
    after = usage(folder, 0)
    freed = format_size(max(0, before.size - after.size))
    click.echo(f"Removed {files(len(removed))} ({freed}) from {folder}.")
    if after.files:
        click.echo(f"Kept {files(after.files)} used in the last minute: they may be being read.")


def files(count: int) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} file" + ("" if count == 1 else "s")
