"""``nbops schedule``: hand a pipeline to a real scheduler (Apache Airflow, cron).

nbops does not schedule: it writes an Airflow DAG file (one task per step, each running
``nbops run`` with the step's parameters, the pipeline's edges, the cron schedule) or a crontab
line running ``nbops pipeline run``. The cron expression is checked first.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from ..exceptions import InputError
from .dag import Dag, build_dag
from .spec import read_pipeline

TARGETS = ("airflow", "cron")
MACROS = {"@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight"}
DAG_ID = re.compile(r"[^A-Za-z0-9_.-]")

AIRFLOW_TEMPLATE = '''"""Airflow DAG of the nbops pipeline {name!r}, written by `nbops schedule`.

Regenerate it rather than editing it. Source: {pipeline}
Each task runs `nbops run` for one step in the project folder; the edges are the pipeline's.
The workers need nbops and the project folder, and reach the project's MLflow store.
"""

import os
import subprocess
from datetime import datetime

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.python import PythonOperator

PROJECT = {project!r}
NBOPS = os.environ.get("NBOPS_EXECUTABLE", {nbops!r})
STEPS = {steps}
EDGES = {edges}


def run_step(arguments):
    """Run one step with `nbops run` (an argument list: no shell)."""
    subprocess.run([NBOPS, "run", *arguments], cwd=PROJECT, check=True)


with DAG(
    dag_id={dag_id!r},
    schedule={cron!r},
    start_date=datetime({start.year}, {start.month}, {start.day}),
    catchup=False,
    tags=["nbops"],
) as dag:
    tasks = {{
        name: PythonOperator(task_id=name, python_callable=run_step, op_args=[arguments])
        for name, arguments in STEPS.items()
    }}
    for upstream, downstream in EDGES:
        tasks[upstream] >> tasks[downstream]
'''


def check_cron(expression: str) -> str:
    """Return ``expression`` if cron and Airflow accept it; :class:`InputError` saying why not.

    Parameters
    ----------
    expression:
        Five fields (minute hour day-of-month month day-of-week) or a macro such as ``@daily``.
    """
    from croniter import croniter

    text = expression.strip()
    fields = text.split()
    valid = text in MACROS or (len(fields) == 5 and croniter.is_valid(text))
    if not valid:
        raise InputError(
            f"The cron expression {expression!r} is not valid.",
            "Give five fields, minute hour day-of-month month day-of-week, e.g. '0 3 * * *' "
            f"(daily at 03:00), or one of {', '.join(sorted(MACROS))}.",
        )
    return text


def nbops_executable() -> str:
    """The ``nbops`` command of this environment (next to this Python, else on PATH)."""
    beside = Path(sys.executable).with_name("nbops")
    return str(beside) if beside.exists() else shutil.which("nbops") or "nbops"


def step_arguments(dag: Dag, name: str) -> list[str]:
    """``nbops run`` arguments for one step: its target and ``-p NAME VALUE`` per parameter."""
    step = dag.spec.steps[name]
    arguments = [step.target]
    for key, value in step.parameters.items():
        arguments += ["-p", key, value if isinstance(value, str) else json.dumps(value)]
    return arguments


def airflow_dag(dag: Dag, cron: str) -> str:
    """The text of an Airflow DAG file for ``dag`` on the schedule ``cron``."""
    steps = {name: step_arguments(dag, name) for name in dag.order}
    edges = [(up, down) for up, down, _ in dag.edges()]
    return AIRFLOW_TEMPLATE.format(
        name=dag.spec.name,
        pipeline=dag.spec.path,
        project=str(dag.spec.project),
        nbops=nbops_executable(),
        steps=json.dumps(steps, indent=4),
        edges=repr(edges),
        dag_id=DAG_ID.sub("_", f"nbops_{dag.spec.name}"),
        cron=cron,
        start=datetime.now(UTC),
    )


def crontab_line(dag: Dag, cron: str) -> str:
    """A crontab line running the whole pipeline, appending its output to a log file."""
    project = dag.spec.project
    log = project / ".nbops" / "logs" / f"{dag.spec.name}.log"
    command = [nbops_executable(), "pipeline", "run", str(dag.spec.path)]
    quoted = " ".join(shlex.quote(part) for part in command)
    # cron runs a shell: every path is quoted, and % (special to cron) is escaped; the log's
    # folder is made first, or the shell refuses the redirection and nothing runs
    line = (
        f"cd {shlex.quote(str(project))} && mkdir -p {shlex.quote(str(log.parent))} && "
        f"{quoted} >> {shlex.quote(str(log))} 2>&1"
    )
    return f"{cron} {line.replace('%', chr(92) + '%')}\n"


def schedule(
    path: str | Path, cron: str, to: str, output: str | Path | None = None
) -> tuple[str, Path | None]:
    """Write the schedule of a pipeline for ``to`` (``airflow`` or ``cron``).

    Parameters
    ----------
    path:
        The pipeline file (checked: a broken DAG is refused here, not at 3 a.m.).
    cron:
        The cron expression.
    to:
        ``airflow`` (a DAG file) or ``cron`` (a crontab line).
    output:
        Where to write it (default: ``nbops_<name>.py`` for Airflow, nothing for cron: the line
        is returned to print).

    Returns the text and the file written, if any.
    """
    if to not in TARGETS:
        raise InputError(f"Unknown schedule target {to!r}.", f"Use one of {', '.join(TARGETS)}.")
    cron = check_cron(cron)
    dag = build_dag(read_pipeline(path))
    text = airflow_dag(dag, cron) if to == "airflow" else crontab_line(dag, cron)
    if output is None and to == "airflow":
        output = Path(f"{DAG_ID.sub('_', 'nbops_' + dag.spec.name)}.py")
    if output is not None:
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    return text, output
