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

from ..config import load_settings
from ..exceptions import InputError
from ..execution.executors import check_store_reachable, get_executor
from ..names import SCHEDULE_TAG
from .dag import Dag, build_dag
from .spec import read_pipeline

TARGETS = ("airflow", "cron")
MACROS = {"@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight"}
DAG_ID = re.compile(r"[^A-Za-z0-9_.-]")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Every value of the pipeline reaches the file as a Python literal (repr), after the fixed text:
# no name, path or parameter is ever inside a docstring, a comment or code.
AIRFLOW_HEADER = '''"""Airflow DAG of an nbops pipeline, written by `nbops schedule`: regenerate
it rather than editing it. PIPELINE, PROJECT and the other constants below say which pipeline
and where.

{what}

What its workers need: nbops installed (NBOPS, or set NBOPS_EXECUTABLE), the project folder at
PROJECT, and the tracking store. The store and its credentials are never written here: each task
takes them from the worker's environment (NBOPS_TRACKING_URI or MLFLOW_TRACKING_URI,
MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN), else from the
Airflow connection named CONNECTION (host, port and schema make the URI; login and password the
credentials), else from the project's nbops.toml.
Retries: RETRIES per task, RETRY_DELAY seconds apart (`retries:` / `retry_delay:` in
pipeline.yaml). Trigger a run with the param force=true to run every step even when a cached
result exists.
"""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.python import PythonOperator

NAME = {name!r}
PIPELINE = {pipeline_path!r}
PROJECT = {project!r}
NBOPS = os.environ.get("NBOPS_EXECUTABLE", {nbops!r})
CONNECTION = os.environ.get("NBOPS_AIRFLOW_CONNECTION", "nbops_mlflow")
DAG_ID = {dag_id!r}
SCHEDULE = {cron!r}
START = datetime({start_year!r}, {start_month!r}, {start_day!r})
RETRIES = {retries!r}
RETRY_DELAY = {retry_delay!r}


def tracking_environment():
    """Variables that point a task's nbops at the tracking store, from Airflow's connection
    CONNECTION when the worker's environment does not name a store (empty otherwise)."""
    if os.environ.get("NBOPS_TRACKING_URI") or os.environ.get("MLFLOW_TRACKING_URI"):
        return {{}}
    try:  # Airflow 3
        from airflow.sdk import BaseHook
    except ImportError:  # Airflow 2
        from airflow.hooks.base import BaseHook
    try:
        connection = BaseHook.get_connection(CONNECTION)
    except Exception:  # no such connection: nbops reads the project's nbops.toml
        return {{}}
    scheme = connection.conn_type if connection.conn_type in ("http", "https") else "http"
    uri = scheme + "://" + (connection.host or "")
    uri += (":" + str(connection.port)) if connection.port else ""
    uri += ("/" + connection.schema) if connection.schema else ""
    found = {{"NBOPS_TRACKING_URI": uri}}
    if connection.login:
        found["MLFLOW_TRACKING_USERNAME"] = connection.login
        found["MLFLOW_TRACKING_PASSWORD"] = connection.password or ""
    return found


def nbops(*arguments):
    """Run one nbops command (an argument list: no shell); return the JSON it prints last."""
    done = subprocess.run(
        [NBOPS, *arguments], cwd=PROJECT, capture_output=True, text=True, check=False,
        env={{**os.environ, **tracking_environment()}},
    )
    print(done.stderr, file=sys.stderr)
    print(done.stdout)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"nbops {{arguments[0]}} exited {{done.returncode}}: {{last}}")
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines and lines[-1].startswith("{{") else {{}}


def logical_date(context):
    """The run's logical date, ISO 8601 (Airflow 3 has none for manual runs: run_after)."""
    date = context.get("logical_date") or context["dag_run"].run_after
    return date.isoformat()


def scheduler_key(context):
    run = context["dag_run"]
    return run.dag_id + "/" + run.run_id


def forced(context):
    """Whether the DAG run was triggered with the param force=true."""
    return str(context["params"].get("force", False)).lower() in ("true", "1")


def new_dag():
    return DAG(
        dag_id=DAG_ID,
        schedule=SCHEDULE,
        start_date=START,
        catchup=False,
        tags=["nbops"],
        params={{"force": False}},
        default_args={{"retries": RETRIES, "retry_delay": timedelta(seconds=RETRY_DELAY)}},
    )
'''

PER_STEP_MODE = """One task per step, between an `nbops_open` task (the parent run of this DAG
run, found again on retries) and an `nbops_close` task (the summary; it fails the DAG run if a
step failed). Tasks pass ids through XCom, never data: the parent run's id and the snapshot
ids each step wrote, which its downstream steps read. A notebook whose parameters cell
declares `run_date` gets the DAG run's logical date."""
WHOLE_MODE = """One task runs the whole pipeline on the cluster that EXECUTOR names: one parent run,
a child per step, cached steps reused."""

MONITOR_MODE = """One task runs `nbops monitor` (the `monitor:` block of the pipeline file): drift
of the current data against the reference snapshot; on drift it retrains with this pipeline and
promotes past the gates of its `promote:` block. Drift is a result, not a failure: the task
fails only when the check or the retraining does."""

MONITOR_TEMPLATE = """

MONITOR = {monitor_arguments!r}


def monitor(**context):
    \"\"\"Check the current data; on drift, retrain and promote (exit 3: drift, no error).\"\"\"
    done = subprocess.run(
        [NBOPS, "monitor", *MONITOR], cwd=PROJECT, capture_output=True, text=True,
        check=False, env={{**os.environ, **tracking_environment()}},
    )
    print(done.stderr, file=sys.stderr)
    print(done.stdout)
    if done.returncode not in (0, 3):
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"nbops monitor exited {{done.returncode}}: {{last}}")
    return {{"drift": done.returncode == 3}}


with new_dag() as dag:
    PythonOperator(task_id="nbops_monitor", python_callable=monitor)
"""

PER_STEP_TEMPLATE = """

STEPS = {steps!r}
UPSTREAM = {upstream!r}


def open_run(**context):
    \"\"\"Find or open the parent run of this DAG run; its id goes to XCom.\"\"\"
    key, run_id = scheduler_key(context), context["dag_run"].run_id
    return nbops("scheduled", "open", PIPELINE, "--key", key, "--scheduler-run", run_id,
                 "--logical-date", logical_date(context),
                 "--schedule", "airflow/" + DAG_ID)["parent"]


def run_step(step, **context):
    \"\"\"Run one step, reading the snapshot ids its upstream tasks returned; return ids only.\"\"\"
    ti = context["ti"]
    parent = ti.xcom_pull(task_ids="nbops_open")
    pins = {{}}
    for upstream in UPSTREAM[step]:
        pins.update((ti.xcom_pull(task_ids=upstream) or {{}}).get("outputs") or {{}})
    arguments = ["scheduled", "step", PIPELINE, step, "--parent", parent,
                 "--pins", json.dumps(pins), "--logical-date", logical_date(context)]
    if forced(context):
        arguments.append("--force")
    return nbops(*arguments)


def close_run(**context):
    \"\"\"Record every step's outcome in the parent run and end it (fails if a step failed).\"\"\"
    ti = context["ti"]
    outcomes = {{step: ti.xcom_pull(task_ids=step) for step in STEPS}}
    outcomes = {{step: value for step, value in outcomes.items() if value}}
    nbops("scheduled", "close", PIPELINE, "--parent", ti.xcom_pull(task_ids="nbops_open"),
          "--outcomes", json.dumps(outcomes))


with new_dag() as dag:
    opened = PythonOperator(task_id="nbops_open", python_callable=open_run)
    closed = PythonOperator(task_id="nbops_close", python_callable=close_run,
                            trigger_rule="all_done")
    tasks = {{step: PythonOperator(task_id=step, python_callable=run_step,
                                   op_kwargs={{"step": step}}) for step in STEPS}}
    for step, upstream in UPSTREAM.items():
        for name in upstream:
            tasks[name] >> tasks[step]
        if not upstream:
            opened >> tasks[step]
        tasks[step] >> closed
"""

WHOLE_TEMPLATE = """

EXECUTOR = {executor_arguments!r}


def run_pipeline(**context):
    \"\"\"Run the whole pipeline on the cluster: one parent run, a child per step.\"\"\"
    run = context["dag_run"]
    arguments = ["pipeline", "run", PIPELINE, *EXECUTOR,
                 "--tag", "nbops.airflow.run_id=" + run.run_id,
                 "--tag", "nbops.airflow.logical_date=" + logical_date(context),
                 "--tag", "nbops.schedule=airflow/" + DAG_ID]
    if forced(context):
        arguments.append("--force")
    nbops(*arguments)


with new_dag() as dag:
    PythonOperator(task_id="nbops_pipeline", python_callable=run_pipeline)
"""


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


def schedule_id(dag: Dag, monitor: bool = False) -> str:
    """What names the schedule of ``dag``: its Airflow DAG id, and its crontab line's marker
    (``nbops_NAME``, ``nbops_monitor_NAME``). The runs a schedule starts are tagged
    ``nbops.schedule=TARGET/ID`` (``airflow/nbops_NAME``, ``cron/nbops_NAME``)."""
    return DAG_ID.sub("_", ("nbops_monitor_" if monitor else "nbops_") + dag.spec.name)


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


def monitor_arguments(dag: Dag) -> list[str]:
    """``nbops monitor`` arguments from the ``monitor:`` block; it retrains with the pipeline."""
    block = dag.spec.monitor
    if not block:
        raise InputError(
            f"{dag.spec.path} has no `monitor:` block to schedule.",
            "Add monitor: {reference: SNAPSHOT, current: SNAPSHOT_OR_FILE} to it.",
        )
    arguments = ["--reference", str(block["reference"]), "--current", str(block["current"])]
    if block.get("threshold") is not None:
        arguments += ["--threshold", str(block["threshold"])]
    columns = block.get("columns")
    if columns:
        arguments += ["--columns", columns if isinstance(columns, str) else ",".join(columns)]
    return [*arguments, "--retrain", str(dag.spec.path)]


def airflow_dag(
    dag: Dag, cron: str, executor: str = "", address: str = "", monitor: bool = False
) -> str:
    """The text of an Airflow DAG file for ``dag`` on the schedule ``cron``.

    Parameters
    ----------
    dag:
        The checked pipeline.
    cron:
        The checked cron expression.
    executor, address:
        With ``dask``: one task runs the whole pipeline on that cluster (whole-pipeline mode);
        otherwise one task per step.
    monitor:
        One task runs ``nbops monitor`` from the ``monitor:`` block instead.
    """
    spec = dag.spec
    whole = bool(executor)
    what = MONITOR_MODE if monitor else WHOLE_MODE if whole else PER_STEP_MODE
    start = datetime.now(UTC)
    fields = {
        "name": spec.name,
        "pipeline_path": str(spec.path),
        "what": what,
        "project": str(spec.project),
        "nbops": nbops_executable(),
        "retries": spec.retries,
        "retry_delay": float(spec.retry_delay),
        "dag_id": schedule_id(dag, monitor),
        "cron": cron,
        "start_year": start.year,
        "start_month": start.month,
        "start_day": start.day,
    }
    if monitor:
        body = MONITOR_TEMPLATE.format(monitor_arguments=monitor_arguments(dag))
    elif whole:
        arguments = ["--executor", executor, *(["--address", address] if address else [])]
        body = WHOLE_TEMPLATE.format(executor_arguments=arguments)
    else:
        upstream = {name: sorted(dag.upstream[name]) for name in dag.order}
        body = PER_STEP_TEMPLATE.format(steps=list(dag.order), upstream=upstream)
    return AIRFLOW_HEADER.format(**fields) + body


def crontab_line(dag: Dag, cron: str, monitor: bool = False) -> str:
    """A crontab line running the whole pipeline (or its monitor), appending its output to a
    log file. :class:`InputError` if a path or argument holds a line break or another control
    character: cron would read the rest as a line of its own."""
    project = dag.spec.project
    log = project / ".nbops" / "logs" / f"{dag.spec.name}{'-monitor' if monitor else ''}.log"
    command = [nbops_executable(), "pipeline", "run", str(dag.spec.path),
               "--tag", f"{SCHEDULE_TAG}=cron/{schedule_id(dag)}"]  # fmt: skip
    if monitor:
        command = [nbops_executable(), "monitor", *monitor_arguments(dag)]
    for part in [*command, str(project), str(log)]:
        if CONTROL.search(part):
            raise InputError(
                f"{part!r} holds a line break or another control character, which cannot go "
                "into a crontab line.",
                "Rename the file or folder (or the value in the pipeline's monitor: block).",
            )
    quoted = " ".join(shlex.quote(part) for part in command)
    # cron runs a shell: every path is quoted, and % (special to cron) is escaped; the log's
    # folder is made first, or the shell refuses the redirection and nothing runs
    line = (
        f"cd {shlex.quote(str(project))} && mkdir -p {shlex.quote(str(log.parent))} && "
        f"{quoted} >> {shlex.quote(str(log))} 2>&1"
    )
    return f"{cron} {line.replace('%', chr(92) + '%')}\n"


def schedule(
    path: str | Path,
    cron: str,
    to: str,
    output: str | Path | None = None,
    executor: str = "",
    address: str = "",
    monitor: bool = False,
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
    executor, address:
        Airflow only: run the whole pipeline in one task on this executor (``dask`` and its
        scheduler's address) instead of one task per step.
    monitor:
        Schedule ``nbops monitor`` from the file's ``monitor:`` block (it retrains with the
        pipeline on drift) instead of the pipeline.

    Returns the text and the file written, if any.
    """
    if to not in TARGETS:
        raise InputError(f"Unknown schedule target {to!r}.", f"Use one of {', '.join(TARGETS)}.")
    cron = check_cron(cron)
    dag = build_dag(read_pipeline(path))
    settings = load_settings(dag.spec.project)
    if monitor and executor:
        raise InputError("--monitor and --executor do not go together.", "Drop one.")
    if executor:
        if to != "airflow":
            raise InputError("--executor is for --to airflow.", "Drop --executor.")
        check_store_reachable(get_executor(executor, None, address or None), settings)
    text = (
        airflow_dag(dag, cron, executor, address, monitor)
        if to == "airflow"
        else crontab_line(dag, cron, monitor)
    )
    if output is None and to == "airflow":
        output = Path(f"{schedule_id(dag, monitor)}.py")
    if output is not None:
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    return text, output
