"""The schedules nbops installed: Airflow DAG files in a dags folder, lines in a crontab.

:func:`install` writes what ``nbops schedule`` writes (:mod:`.schedule`) where the scheduler
reads it: the DAG file into the dags folder, the line into the user's crontab (read with
``crontab -l``, written with ``crontab -``; the command is configurable). :func:`find_schedules`
lists them again, each with its next runs (its cron expression evaluated: Airflow in UTC, cron
in the machine's time) and its last runs (the parent runs tagged with its id); :func:`remove`
removes a file or a line. Nothing here runs anything: the schedules are Airflow's and cron's,
and keep running without Jupyter.

A DAG file is read as text (:mod:`ast`, literals only), never imported. A crontab line of nbops
follows a marker comment naming the schedule and its pipeline file; other lines are left as
they are.
"""

from __future__ import annotations

import ast
import os
import shlex
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..config import experiment_name, load_settings
from ..exceptions import InputError, NbopsError, NotFoundError
from ..names import AIRFLOW_RUN_TAG, KIND_PIPELINE, PIPELINE_TAG, RUN_KIND_TAG, SCHEDULE_TAG
from ..store import open_store
from .dag import build_dag
from .schedule import TARGETS, airflow_dag, check_cron, crontab_line, schedule_id
from .spec import read_pipeline
from .state import run_state, step_states

DAG_HEADER = '"""Airflow DAG of an nbops pipeline, written by `nbops schedule`'
MARKER = "# nbops schedule:"
CONSTANTS = ("NAME", "PIPELINE", "DAG_ID", "SCHEDULE", "MONITOR")
LAST_RUNS = 3
NEXT_RUNS = 3


@dataclass
class Schedule:
    """One installed schedule of a pipeline."""

    id: str  #: the DAG id; for cron, the marker's id (the same form)
    target: str  #: ``airflow`` or ``cron``
    pipeline: str  #: the pipeline file
    cron: str  #: the cron expression
    where: str  #: the DAG file, or ``crontab``
    line: str = ""  #: cron: the installed line
    monitor: bool = False  #: it runs ``nbops monitor`` (from the pipeline's monitor: block)
    next_runs: list[str] = field(default_factory=list)
    last_runs: list[dict] = field(default_factory=list)
    error: str = ""  #: why its runs could not be read (the pipeline file gone, the store down)

    def to_dict(self) -> dict:
        """The JSON form (``GET /nbops/api/schedules``, ``nbops schedules list --json``)."""
        return asdict(self)


class Crontab:
    """The user's crontab through a ``crontab`` command (``-l`` reads it, ``-`` writes it).

    Parameters
    ----------
    command:
        The command line, e.g. ``crontab`` or ``crontab -u alice`` (a test gives its own).
    """

    def __init__(self, command: str = "crontab") -> None:
        self.command = shlex.split(command) or ["crontab"]

    def read(self) -> str:
        """The crontab's text (empty when the user has none)."""
        done = self._run("-l")
        if done.returncode != 0:
            if "no crontab" in done.stderr.lower():
                return ""
            raise self._failed("read", done)
        return done.stdout

    def write(self, text: str) -> None:
        """Replace the crontab with ``text``."""
        done = self._run("-", text)
        if done.returncode != 0:
            raise self._failed("install", done)

    def _run(self, flag: str, text: str | None = None) -> subprocess.CompletedProcess:
        try:
            # the configured command and a fixed flag; the crontab's text goes on stdin
            return subprocess.run(  # noqa: S603 - no shell, no user string in the arguments
                [*self.command, flag],
                input=text,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except FileNotFoundError:
            raise NbopsError(
                f"No {self.command[0]!r} command on this machine: the crontab cannot be read.",
                "Install cron (Debian: apt install cron), or schedule with Airflow.",
            ) from None

    def _failed(self, what: str, done: subprocess.CompletedProcess) -> NbopsError:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return NbopsError(
            f"`{shlex.join(self.command)}` could not {what} the crontab "
            f"(exit {done.returncode}): {last}",
            "Check that cron is installed and that this user may use it.",
        )


def dags_folder(configured: str | Path = "") -> Path | None:
    """Where Airflow reads DAG files: ``configured``, else Airflow's own setting
    (``AIRFLOW__CORE__DAGS_FOLDER``, else ``$AIRFLOW_HOME/dags``); ``None`` when none is set."""
    if configured:
        return Path(configured).expanduser()
    if os.environ.get("AIRFLOW__CORE__DAGS_FOLDER"):
        return Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).expanduser()
    if os.environ.get("AIRFLOW_HOME"):
        return Path(os.environ["AIRFLOW_HOME"]).expanduser() / "dags"
    return None


def _need_folder(folder: Path | None) -> Path:
    if folder is None:
        raise InputError(
            "No Airflow dags folder is configured.",
            "Set c.NbopsApp.dags_folder (the lab), --dags-folder (the CLI), "
            "or Airflow's AIRFLOW__CORE__DAGS_FOLDER.",
        )
    return folder


def read_dag_file(path: Path) -> Schedule | None:
    """The schedule a DAG file nbops wrote holds; ``None`` for any other file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith(DAG_HEADER):
        return None
    found: dict[str, object] = {}
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:  # module-level NAME = literal only: the file is never run
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in CONSTANTS:
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    if not all(isinstance(found.get(k), str) for k in ("PIPELINE", "DAG_ID", "SCHEDULE")):
        return None
    return Schedule(id=str(found["DAG_ID"]), target="airflow", pipeline=str(found["PIPELINE"]),
                    cron=str(found["SCHEDULE"]), where=str(path),
                    monitor="MONITOR" in found)  # fmt: skip


def airflow_schedules(folder: Path | None) -> list[Schedule]:
    """The DAG files nbops wrote in ``folder`` (its top level, as nbops writes them)."""
    if folder is None or not folder.is_dir():
        return []
    found = (read_dag_file(path) for path in sorted(folder.glob("*.py")))
    return [schedule for schedule in found if schedule]


def cron_schedules(text: str) -> list[Schedule]:
    """The lines nbops installed in a crontab's ``text`` (each after its marker comment)."""
    lines = text.splitlines()
    found = []
    for index, marker in enumerate(lines):
        if not marker.startswith(MARKER):
            continue
        line = lines[index + 1] if index + 1 < len(lines) else ""
        try:
            name, pipeline = shlex.split(marker[len(MARKER) :])
        except ValueError:
            continue
        fields = line.split()
        cron = fields[0] if fields and fields[0].startswith("@") else " ".join(fields[:5])
        found.append(Schedule(id=name, target="cron", pipeline=pipeline, cron=cron,
                              where="crontab", line=line,
                              monitor=name.startswith("nbops_monitor_")))  # fmt: skip
    return found


def _without(text: str, schedule: str) -> tuple[str, bool]:
    """``text`` without the marker of ``schedule`` and the line after it; whether it was there."""
    kept, lines, removed, index = [], text.splitlines(), False, 0
    while index < len(lines):
        line = lines[index]
        if line.startswith(MARKER):
            try:
                name = shlex.split(line[len(MARKER) :])[0]
            except (ValueError, IndexError):
                name = ""
            if name == schedule:
                removed, index = True, index + 2
                continue
        kept.append(line)
        index += 1
    return "".join(f"{line}\n" for line in kept), removed


def install(
    path: str | Path,
    cron: str,
    to: str,
    folder: Path | None = None,
    crontab: Crontab | None = None,
    monitor: bool = False,
    dry_run: bool = False,
) -> Schedule:
    """Install the schedule of the pipeline ``path``: its DAG file into ``folder`` (Airflow) or
    its line into ``crontab`` (cron), replacing the one nbops installed before for the same
    pipeline. With ``dry_run``, only say what would be installed (the lab asks first).

    :class:`InputError` for a bad cron expression or pipeline, no dags folder, or a file of the
    same name that nbops did not write (it is left alone).
    """
    cron = check_cron(cron)
    dag = build_dag(read_pipeline(path))
    name = schedule_id(dag, monitor)
    if to == "airflow":
        target = _need_folder(folder) / f"{name}.py"
        if target.exists() and read_dag_file(target) is None:
            raise InputError(
                f"{target} exists and was not written by nbops: it is left as it is.",
                "Move it away, or rename the pipeline (its name: gives the DAG id).",
            )
        schedule = Schedule(name, "airflow", str(dag.spec.path), cron, str(target), "", monitor)
        if not dry_run:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(airflow_dag(dag, cron, monitor=monitor), encoding="utf-8")
        return schedule
    if to not in TARGETS:
        raise InputError(f"Unknown schedule target {to!r}.", "Use airflow or cron.")
    line = crontab_line(dag, cron, monitor)
    schedule = Schedule(name, "cron", str(dag.spec.path), cron, "crontab", line.rstrip("\n"),
                        monitor)  # fmt: skip
    if not dry_run:
        crontab = crontab or Crontab()
        kept, _ = _without(crontab.read(), name)
        marker = f"{MARKER} {shlex.quote(name)} {shlex.quote(str(dag.spec.path))}\n"
        crontab.write(kept + marker + line)
    return schedule


def remove(schedule: str, to: str, folder: Path | None = None, crontab: Crontab | None = None):
    """Remove the schedule named ``schedule``: its DAG file (one nbops wrote, in ``folder``) or
    its crontab line. :class:`NotFoundError` when there is none."""
    if to == "airflow":
        for found in airflow_schedules(_need_folder(folder)):
            if found.id == schedule:
                Path(found.where).unlink()
                return found
    elif to == "cron":
        crontab = crontab or Crontab()
        text = crontab.read()
        found = [s for s in cron_schedules(text) if s.id == schedule]
        kept, removed = _without(text, schedule)
        if removed:
            crontab.write(kept)
            return found[0]
    else:
        raise InputError(f"Unknown schedule target {to!r}.", "Use airflow or cron.")
    raise NotFoundError(
        f"No {to} schedule {schedule!r} installed by nbops.",
        "List them with `nbops schedules list`.",
    )


def next_runs(schedule: Schedule, count: int = NEXT_RUNS, now: datetime | None = None):
    """The next ``count`` times ``schedule`` runs, ISO 8601: Airflow's in UTC (its default
    time zone), cron's in the machine's own."""
    from croniter import croniter

    start = now or (datetime.now(UTC) if schedule.target == "airflow" else datetime.now())
    start = start if start.tzinfo else start.astimezone()
    try:
        times = croniter(schedule.cron, start)
        return [times.get_next(datetime).isoformat() for _ in range(count)]
    except (ValueError, KeyError):
        return []


def last_runs(schedule: Schedule, limit: int = LAST_RUNS) -> list[dict]:
    """The newest parent runs ``schedule`` started (status, the scheduler's run id, each step's
    status and run), newest first, from the pipeline's experiment."""
    spec = read_pipeline(schedule.pipeline)
    store = open_store(load_settings(spec.project))
    experiment = experiment_name(spec.path, spec.project)
    tags = {PIPELINE_TAG: spec.name, RUN_KIND_TAG: KIND_PIPELINE,
            SCHEDULE_TAG: f"{schedule.target}/{schedule.id}"}  # fmt: skip
    runs = []
    for run in store.list_runs(experiment, limit, tags=tags):
        steps = step_states(store, experiment, run)
        runs.append({**run_state(run), "scheduler_run": run.tags.get(AIRFLOW_RUN_TAG, ""),
                     "steps": [{"name": name, "status": s.get("status"), "run_id": s.get("run_id")}
                               for name, s in steps.items()]})  # fmt: skip
    return runs


def find_schedules(
    folder: Path | None = None, crontab: Crontab | None = None, runs: bool = True
) -> tuple[list[Schedule], list[str]]:
    """Every schedule nbops installed in ``folder`` and ``crontab`` (either may be ``None``),
    with next runs and, with ``runs``, last runs; and what could not be read (a crontab command
    that fails). A schedule whose runs cannot be read says why in its ``error`` and is listed
    all the same, so that it can be removed."""
    found, problems = airflow_schedules(folder), []
    if crontab is not None:
        try:
            found += cron_schedules(crontab.read())
        except NbopsError as error:
            problems.append(str(error))
    for schedule in found:
        schedule.next_runs = next_runs(schedule)
        if runs:
            try:
                schedule.last_runs = last_runs(schedule)
            except NbopsError as error:
                schedule.error = str(error)
    return found, problems
