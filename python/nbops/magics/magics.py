"""``%nbops``: the line magic of nbops. Thin: parsing and display only, the work is in the core."""

from __future__ import annotations

import argparse
import shlex

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class

from .. import api
from ..capture.session import current_session
from ..exceptions import NbopsError
from .display import StatusView

USAGE = """%nbops status            where runs go: store, experiment, active run
%nbops start [--name N]  start a run (ending the active one)
%nbops end [--status S]  end the active run (FINISHED, FAILED or KILLED)"""


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"%nbops {prog}", add_help=False, exit_on_error=False)
    if prog == "start":
        parser.add_argument("--name", default=None)
    if prog == "end":
        parser.add_argument("--status", default="FINISHED")
    return parser


@magics_class
class NbopsMagics(Magics):
    """The ``%nbops`` line magic."""

    @line_magic
    def nbops(self, line: str):
        """Track experiments from the notebook. Subcommands: status, start, end."""
        words = shlex.split(line)
        command = words[0] if words else "status"
        handler = getattr(self, f"_{command}", None)
        if handler is None:
            raise UsageError(f"Unknown %nbops subcommand {command!r}. Usage:\n{USAGE}")
        try:
            args = _parser(command).parse_args(words[1:])
        except (argparse.ArgumentError, SystemExit) as err:
            raise UsageError(f"{err}\nUsage:\n{USAGE}") from None
        current_session(self.shell.user_ns.get("__session__"))
        try:
            return handler(args)
        except NbopsError as err:
            raise UsageError(str(err)) from None

    def _status(self, args: argparse.Namespace) -> StatusView:
        return StatusView(api.status())

    def _start(self, args: argparse.Namespace) -> StatusView:
        api.start_run(args.name)
        return StatusView(api.status())

    def _end(self, args: argparse.Namespace) -> None:
        run_id = api.end_run(args.status)
        print(f"Ended run {run_id}." if run_id else "No run was active.")
