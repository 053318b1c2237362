"""The ``nbops`` group, its error handling and the helpers its commands share."""

from __future__ import annotations

import atexit
import functools
import gc
import sys
from dataclasses import fields

import click

from ..exceptions import AccessError, InputError, MissingDependencyError, NbopsError

# Registered first, so run last: the interpreter's teardown then skips garbage collections
# over every object MLflow and SQLAlchemy made (about 0.5 s of each command's exit).
atexit.register(gc.freeze)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# errors that running again unchanged would not fix: the input, the credentials, a missing package
USAGE_ERRORS = (InputError, AccessError, MissingDependencyError)


class NbopsGroup(click.Group):
    """Turns nbops errors into one readable line and a meaningful exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NbopsError as err:
            click.secho(f"Error: {err}", fg="red", err=True)
            sys.exit(EXIT_USAGE if isinstance(err, USAGE_ERRORS) else EXIT_FAILED)
        except KeyboardInterrupt:
            click.secho(
                "Interrupted: the runs it started were ended as KILLED.", fg="red", err=True
            )
            sys.exit(EXIT_INTERRUPTED)


@click.group(cls=NbopsGroup)
@click.version_option(package_name="nbops")
def main() -> None:
    """nbops: notebook-first MLOps. Tracks notebook runs in MLflow."""


def resolve_run_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A click callback: the whole id of the run whose id starts with the text given (as
    ``nbops runs`` shows ids), from the project's store."""
    if value is None:
        return None
    from ..config import load_settings
    from ..store import open_store
    from ..store.ids import full_run_id

    return full_run_id(open_store(load_settings()), value)


def format_duration(ms: int | None) -> str:
    """A duration in ms as seconds."""
    return "" if ms is None else f"{ms / 1000:.1f} s"


def format_metrics(metrics: dict[str, float], shown: int = 3) -> str:
    """The first ``shown`` metrics as ``name=value``, and how many more there are."""
    items = [f"{k}={v:.4g}" for k, v in sorted(metrics.items())[:shown]]
    more = len(metrics) - shown
    return ", ".join(items) + (f", +{more}" if more > 0 else "")


def run_options(command):
    """The flags of :class:`~nbops.execution.options.RunOptions`, one per field (its name, its
    help), handed to ``command`` as one ``options`` argument."""
    from ..execution.options import RunOptions, flag_name

    specs = fields(RunOptions)

    @functools.wraps(command)
    def with_options(*args, **kwargs):
        values = {spec.name: kwargs.pop(spec.name) for spec in specs}
        return command(*args, options=RunOptions.from_values(values), **kwargs)

    for spec in reversed(specs):
        help_text = spec.metadata["help"]
        if spec.metadata["kind"] == "seconds":
            seconds = click.FloatRange(min=0, min_open=True)
            option = click.option(flag_name(spec.name), type=seconds, help=help_text)
        else:
            option = click.option(flag_name(spec.name), is_flag=True, help=help_text)
        with_options = option(with_options)
    return with_options


def executor_options(command):
    """The flags choosing where many runs execute (``--executor``, ``--workers``,
    ``--address``), handed to ``command`` as one ``placement`` argument
    (:class:`~nbops.execution.options.Placement`)."""
    from ..execution.options import Placement

    @functools.wraps(command)
    def with_placement(*args, executor, workers, address, **kwargs):
        return command(*args, placement=Placement(executor, workers, address), **kwargs)

    options = [
        click.option(
            "--executor",
            default="local",
            show_default=True,
            help="Where runs execute: local (worker processes), dask, or another installed "
            "executor (`nbops executors` lists them).",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            help="Runs at once (default: CPU count; with dask and no address: local workers).",
        ),
        click.option(
            "--address", help="Dask scheduler, e.g. tcp://HOST:8786 (default: a local one)."
        ),
    ]
    for option in reversed(options):
        with_placement = option(with_placement)
    return with_placement


LINE_COLORS = {"done": "green", "FAILED": "red", "cached": "cyan", "skipped": "yellow"}


def progress_line(line: str) -> None:
    """Print one progress line of a pipeline or a sweep, colored by what happened."""
    click.secho(line, fg=LINE_COLORS.get(line.split(" ", 1)[0]), err=True)
