"""``%nbops`` and ``%%track``: thin magics (parsing and display); the work is in the core."""

from __future__ import annotations

import argparse
import hashlib
import shlex
import time

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .. import api
from ..capture import track
from ..capture.session import current_session
from ..exceptions import ExpectationError, NbopsError
from ..names import SOURCE_TAG
from ..store.adoption import adopt_untagged_runs
from .display import RunsView, StatusView
from .widgets import RunsTable, drift_table, expectation_table

USAGE = """%nbops status            where runs go: store, experiment, active run
%nbops start [--name N]  start a run (ending the active one)
%nbops end [--status S]  end the active run (FINISHED, FAILED or KILLED)
%nbops runs [--limit N] [--chart [METRIC]]
                         this notebook's runs (in every experiment); --chart: charted
%nbops snapshots         this project's data snapshots
%nbops flush             write every queued value now
%nbops autolog on|off    switch MLflow's autologging for supported libraries
%nbops diff RUN_A RUN_B  what changed from RUN_A to RUN_B, and what comes with the metrics
%nbops reproduce RUN_ID [--rtol R] [--atol A] [--env current|rebuild]
                         run RUN_ID again as recorded and show the verdict"""

DURATION_METRIC = "cell_duration_s"


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"%nbops {command}", add_help=False, exit_on_error=False)
    if command == "start":
        parser.add_argument("--name", default=None)
    elif command == "end":
        parser.add_argument("--status", default="FINISHED")
    elif command == "runs":
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--chart", nargs="?", const="", default=None, metavar="METRIC")
    elif command == "reproduce":
        parser.add_argument("run_id")
        parser.add_argument("--rtol", type=float, default=0.0)
        parser.add_argument("--atol", type=float, default=0.0)
        parser.add_argument("--env", default="current", choices=["current", "rebuild"])
    elif command == "diff":
        parser.add_argument("run_a")
        parser.add_argument("run_b")
    elif command == "autolog":
        parser.add_argument("switch", choices=["on", "off"])
    return parser


@magics_class
class NbopsMagics(Magics):
    """The ``%nbops`` line magic and the ``%%track`` cell magic."""

    def _session(self):
        return current_session(self.shell.user_ns.get("__session__"))

    def _variable(self, name: str, usage: str):
        """The notebook's variable ``name``; a :class:`UsageError` naming the magic if undefined."""
        if name not in self.shell.user_ns:
            magic = usage.split(" ", 1)[0]
            raise UsageError(
                f"{magic}: the notebook has no variable named {name!r}. Give the name of a "
                f"DataFrame variable: {usage}."
            )
        return self.shell.user_ns[name]

    @line_magic
    def nbops(self, line: str):
        """Track experiments from the notebook. Subcommands: status, start, end, runs, flush,
        autolog."""
        words = shlex.split(line)
        command = words[0] if words else "status"
        handler = getattr(self, f"_{command}", None)
        if handler is None:
            raise UsageError(f"Unknown %nbops subcommand {command!r}. Usage:\n{USAGE}")
        try:
            args = _parser(command).parse_args(words[1:])
        except (argparse.ArgumentError, SystemExit) as err:
            raise UsageError(f"{err}\nUsage:\n{USAGE}") from None
        self._session()
        try:
            return handler(args)
        except NbopsError as err:
            raise UsageError(str(err)) from None

    def _diff(self, args: argparse.Namespace):
        return api.diff(args.run_a, args.run_b)

    def _status(self, args: argparse.Namespace) -> StatusView:
        return StatusView(api.status())

    def _start(self, args: argparse.Namespace) -> StatusView:
        api.start_run(args.name)
        return StatusView(api.status())

    def _end(self, args: argparse.Namespace) -> None:
        session = self._session()
        run_id = session.end_run(args.status)
        if run_id is None:
            print("No run was active.")
            return
        run = session.store.get_run(run_id)
        counts = f"{len(run.params)} params, {len(run.metrics)} metrics"
        if session.adopted:
            print(f"Everything is written to run {run_id} ({counts}); `nbops run` ends it.")
            return
        print(f"Ended run {run.name or run_id} ({run_id}): {run.status}, {counts}.")

    def _runs(self, args: argparse.Namespace):
        session = self._session()
        if session.notebook:  # its runs in every experiment
            adopt_untagged_runs(session.store, session.experiment)
            runs = session.store.list_runs(None, args.limit, tags={SOURCE_TAG: session.experiment})
        else:
            runs = session.store.list_runs(session.experiment, args.limit)
        view = RunsTable(RunsView(session.experiment, runs))
        if args.chart is None:
            return view
        from IPython.display import display

        from ..reports.charts import runs_charts

        charts = runs_charts(runs, args.chart or None)
        display(view)
        return charts

    def _snapshots(self, args: argparse.Namespace):
        from .display import SnapshotsView

        return SnapshotsView(api.snapshots())

    def _reproduce(self, args: argparse.Namespace):
        return api.reproduce(args.run_id, args.rtol, args.atol, args.env)

    def _flush(self, args: argparse.Namespace) -> None:
        api.flush()

    def _autolog(self, args: argparse.Namespace) -> None:
        import mlflow

        if args.switch == "on":
            self._session().ensure_run()
        mlflow.autolog(disable=args.switch == "off", silent=True)
        print(f"MLflow autologging is {args.switch}.")

    @magic_arguments()
    @argument("frame", help="The DataFrame variable.")
    @argument("--name", default=None, help="The snapshot's name (default: the variable's).")
    @argument("--role", default="input", choices=["input", "output"])
    @line_magic
    def snapshot(self, line: str):
        """Snapshot a DataFrame: ``%snapshot DF [--name N] [--role input|output]``."""
        args = parse_argstring(self.snapshot, line)
        frame = self._variable(args.frame, "%snapshot DF [--name N] [--role input|output]")
        self._session()
        try:
            return api.snapshot(frame, args.name or args.frame, args.role)
        except NbopsError as err:
            raise UsageError(str(err)) from None

    @magic_arguments()
    @argument("reference", help="The reference DataFrame variable or snapshot name.")
    @argument("current", help="The current DataFrame variable or snapshot name.")
    @argument("--threshold", type=float, default=0.2, help="PSI over which a column drifts.")
    @line_magic
    def drift(self, line: str):
        """Compare two datasets: ``%drift REF CUR [--threshold T]``. Shows the table of every
        column, then the chart of each column's PSI against the threshold."""
        args = parse_argstring(self.drift, line)
        namespace = self.shell.user_ns
        items = [namespace.get(name, name) for name in (args.reference, args.current)]
        self._session()
        try:
            report = api.drift(items[0], items[1], args.threshold)
        except NbopsError as err:
            raise UsageError(str(err)) from None
        from IPython.display import display

        from ..reports.charts import drift_chart

        display(drift_table(report))
        return drift_chart(report.to_dict()["columns"], report.threshold)

    @magic_arguments()
    @argument("frame", help="The DataFrame variable.")
    @argument("--name", default=None, help="Save the checks under this name for reuse.")
    @argument("--strict", action="store_true", help="Raise ExpectationError when a check fails.")
    @cell_magic
    def expect(self, line: str, cell: str):
        """Check a DataFrame: ``%%expect DF [--name N] [--strict]``, one line per column.

        An empty body reuses the checks saved under ``--name``.
        """
        args = parse_argstring(self.expect, line)
        frame = self._variable(args.frame, "%%expect DF [--name N] [--strict]")
        self._session()
        try:
            report = api.expect(frame, cell if cell.strip() else None, args.name, args.strict)
        except ExpectationError:
            raise  # --strict: the notebook (and a headless run) stops here
        except NbopsError as err:
            raise UsageError(str(err)) from None
        return expectation_table(report)

    @magic_arguments()
    @argument("--params", default="", help="Variables to log as parameters, comma-separated.")
    @argument("--metrics", default="", help="Variables to log as metrics, comma-separated.")
    @argument("--live", action="store_true", help="Chart the metrics logged while the cell runs.")
    @cell_magic
    def track(self, line: str, cell: str):
        """Run the cell, then log the variables it set, its source and its duration.

        Without flags, the numbers the cell newly bound or changed are logged as metrics and its
        short strings and booleans as parameters (names starting with ``_`` are skipped).
        """
        args = parse_argstring(self.track, line)
        namespace = self.shell.user_ns
        before = track.snapshot(namespace)
        chart = _live_chart(self._session()) if args.live else None
        started = time.perf_counter()
        try:
            result = self.shell.run_cell(cell, store_history=False)
        finally:
            if chart is not None:  # the chart keeps what the cell logged as it ran
                chart.close()
        duration = time.perf_counter() - started
        if not result.success:
            return None
        session = self._session()
        try:
            if args.params or args.metrics:
                params = track.named_values(namespace, _names(args.params), "parameters")
                metrics = track.named_values(namespace, _names(args.metrics), "metrics")
            else:
                params, metrics = track.changed_values(before, namespace)
            session.log_params(params)
            session.log_metrics({**metrics, DURATION_METRIC: duration})
            digest = hashlib.sha256(cell.encode()).hexdigest()[:12]
            session.log_text(cell, f"cells/{digest}.py")
        except NbopsError as err:
            raise UsageError(str(err)) from None
        logged = ", ".join([*params, *metrics]) or "no variables"
        print(f"Logged {logged} to run {session.run_id} ({duration:.2f} s).")
        return None


def _live_chart(session):
    from .live import start_live

    return start_live(session, until_cell_ends=False)


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]
