"""The CLI reference (``docs/cli.md``), generated from the click commands so it cannot drift.

Regenerate with ``python -m nbops.cli.reference > docs/cli.md``; a test fails when it is stale.
"""

from __future__ import annotations

import click

from . import main


def _commands(group: click.Group, prefix: str):
    context = click.Context(group, info_name=prefix)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")


def _help(command: click.Command, path: str) -> str:
    context = click.Context(command, info_name=path, terminal_width=100, max_content_width=100)
    return command.get_help(context)


def reference() -> str:
    """Markdown: every ``nbops`` command with its ``--help`` text."""
    parts = [
        "# `nbops` command reference",
        "",
        "Generated from the commands themselves (`python -m nbops.cli.reference > docs/cli.md`).",
        "Exit codes: 0 done, 1 a run or step failed (or the store is unreachable), 2 bad usage",
        "(also: the tracking server refused the credentials or the user, or a package the store",
        "needs is missing: nothing a retry would change), 130 interrupted.",
        "",
        "```text",
        _help(main, "nbops"),
        "```",
    ]
    for path, command in _commands(main, "nbops"):
        parts += ["", f"## `{path}`", "", "```text", _help(command, path), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    click.echo(reference(), nl=False)
