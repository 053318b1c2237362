"""The names nbops writes and reads: run tags, artifact paths, cell tags, environment variables.

One neutral module, imported by every core package and importing nothing, so that a name is
spelled once and the packages that share it need not import each other.
"""

from __future__ import annotations

# -- MLflow's own tags ---------------------------------------------------------------------------
PARENT_TAG = "mlflow.parentRunId"  # MLflow shows the run nested under its parent
RUN_NAME_TAG = "mlflow.runName"
DATASET_CONTEXT_TAG = "mlflow.data.context"  # a dataset input's role
# what MLflow's UI shows as Source and User (the fluent API sets them; MlflowClient does not)
SOURCE_NAME_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"  # NOTEBOOK: every nbops run runs a notebook
SOURCE_GIT_COMMIT_TAG = "mlflow.source.git.commit"
USER_TAG = "mlflow.user"

# -- nbops's run tags ----------------------------------------------------------------------------
RUN_KIND_TAG = "nbops.run_kind"
NOTEBOOK_TAG = "nbops.notebook"  # the experiment of an interactive run's notebook
SOURCE_TAG = "nbops.source"  # the notebook a headless run executed, relative to the project
STEP_TAG = "nbops.step"
STEP_VERSION_TAG = "nbops.step_version"
GIT_COMMIT_TAG = "nbops.git.commit"
GIT_BRANCH_TAG = "nbops.git.branch"
GIT_REMOTE_TAG = "nbops.git.remote"
GIT_DIRTY_TAG = "nbops.git.dirty"
CODE_HASH_TAG = "nbops.code_hash"
ENV_PYTHON_TAG = "nbops.env.python"
ENV_OS_TAG = "nbops.env.os"
ENV_PACKAGES_TAG = "nbops.env.packages"
ENV_GPUS_TAG = "nbops.env.gpus"
ENV_CONDA_TAG = "nbops.env.conda"
HOST_TAG = "nbops.host"  # the process that owns the run (opened it, ends it if its worker dies)
WORKER_HOST_TAG = "nbops.worker.host"  # where a headless run executed
WORKER_PID_TAG = "nbops.worker.pid"
PID_TAG = "nbops.pid"
PID_STARTED_TAG = "nbops.pid_started"
VERSION_TAG = "nbops.version"
ERROR_TAG = "nbops.error"  # why a run its worker could not end was ended
CACHE_TAG = "nbops.cache_key"
CACHE_PARTS_TAG = "nbops.cache_parts"  # what the cache key hashes, to say why a step re-ran
PIPELINE_TAG = "nbops.pipeline"
PIPELINE_STEP_TAG = "nbops.pipeline_step"
SWEEP_INDEX_TAG = "nbops.sweep_index"
SWEEP_BEST_TAG = "nbops.sweep.best"
SWEEP_BEST_RUN_TAG = "nbops.sweep.best_run"
ENV_CHECK_TAG = "nbops.env.check"  # the step's lock against the kernel's packages
REPRODUCES_TAG = "nbops.reproduces"  # the run a reproduction re-executed
REPRODUCED_BY_TAG = "nbops.reproduced_by"  # on that run: its latest reproduction
VERDICT_TAG = "nbops.reproduce.verdict"  # IDENTICAL, WITHIN TOLERANCE, DIFFERENT, NOT REPRODUCIBLE
VERDICT_NOTE_TAG = "nbops.reproduce.note"  # the verdict in one line
SEED_PARAMETER = "seed"  # what nbops.seed(n) logs
SEEDED_TAG = "nbops.seeded"  # which generators it seeded (random, numpy, torch, tensorflow)
PROMOTION_DECISION_TAG = "nbops.promotion.decision"  # on a model version: promoted, refused
PROMOTION_GATES_TAG = "nbops.promotion.gates"  # on a model version: the gate table (JSON)
PROMOTION_EVALUATION_TAG = "nbops.promotion.evaluation"  # the snapshot both were scored on
PROMOTION_CHAMPION_TAG = "nbops.promotion.champion"  # the version it was compared with
AIRFLOW_RUN_TAG = "nbops.airflow.run_id"  # the scheduler run a pipeline run belongs to
AIRFLOW_LOGICAL_DATE_TAG = "nbops.airflow.logical_date"
AIRFLOW_KEY_TAG = "nbops.airflow.key"  # a hash of dag_id/run_id: finds the parent run again
SCHEDULE_TAG = "nbops.schedule"  # on a parent run: the schedule that started it, TARGET/ID

# values of RUN_KIND_TAG
KIND_HEADLESS = "headless"  # nbops run
KIND_JOB = "job"  # a headless run started from JupyterLab
KIND_PIPELINE = "pipeline"  # the parent run of a pipeline
KIND_SWEEP = "sweep"  # the parent run of a sweep
KIND_REPRODUCTION = "reproduction"  # nbops reproduce
KIND_MONITOR = "monitor"  # nbops monitor
KIND_EVALUATION = "evaluation"  # a model scored on a snapshot (nbops promote --eval)

# -- artifact paths ------------------------------------------------------------------------------
ENVIRONMENT_FILE = "environment.json"
GIT_DIFF_FILE = "git/diff.patch"
NOTEBOOK_FOLDER = "notebook"  # the notebook an interactive run saved
EXECUTED_FOLDER = "executed"  # the notebook a headless run executed, with its outputs
REPORT_FILE = "report.html"
ENV_CHECK_FILE = "environment-check.json"
REPRODUCTION_FILE = "reproduction.json"  # a reproduction's verdict, on the new run
REPRODUCTIONS_FOLDER = "reproductions"  # on the original run: one verdict per reproduction
PROMOTION_FOLDER = "promotion"  # on a candidate run: one decision per model version
MONITOR_FILE = "monitor/report.json"  # a monitor run's drift and expectations
ERROR_FILE = "error.txt"  # the full traceback of a failed headless run
KERNEL_LOG_FILE = "kernel.log"  # a headless kernel process's own output, kept when not empty
CELLS_FOLDER = "cells"  # the source of each tracked cell
DRIFT_REPORT_FILE = "drift/report.json"
EXPECTATIONS_FOLDER = "expectations"
PIPELINE_SUMMARY_FILE = "pipeline.json"
DAG_FILE = "dag.mmd"
SWEEP_TABLE_FILE = "sweep.csv"

# -- parameters nbops fills in when a notebook's parameters cell declares them ----------------
RUN_DATE_PARAMETER = "run_date"  # a scheduled run's logical date (ISO 8601)

# -- cell tags -----------------------------------------------------------------------------------
PARAMETERS = "parameters"  # papermill's parameters cell
SKIP = "nbops:skip"  # dropped from the exported step
REPORT_HIDE = "nbops:report-hide"  # executed, hidden from reports

# -- environment variables that a headless run sets for its kernel -----------------------------
RUN_ID_VARIABLE = "NBOPS_RUN_ID"  # the run the kernel adopts
OPENING_VARIABLE = "NBOPS_RUN_OPENING"  # a lock held until that run exists (`nbops run`)
NOTEBOOK_VARIABLE = "NBOPS_NOTEBOOK"  # the notebook's path (names the experiment)
TRACKING_URI_VARIABLE = "NBOPS_TRACKING_URI"
PINS_VARIABLE = "NBOPS_SNAPSHOT_PINS"  # JSON: snapshot ids by name the step must read
CACHE_DIR_VARIABLE = "NBOPS_CACHE_DIR"  # where snapshots from a tracking server are cached
CACHE_LIMIT_VARIABLE = "NBOPS_CACHE_LIMIT"  # how much of this machine's disk that cache may use

# -- the snapshots of a tracking server ----------------------------------------------------------
# its runs record snapshot writes and reads: "nbops-snapshots" of a server without users, and
# "nbops-snapshots/<user>" of each user of a server that authenticates them (each writes in an
# experiment of their own: on a team's server others may only read it)
SNAPSHOT_EXPERIMENT = "nbops-snapshots"


def is_snapshot_experiment(name: str) -> bool:
    """Whether experiment ``name`` holds snapshot records (the shared one or a user's)."""
    return name == SNAPSHOT_EXPERIMENT or name.startswith(SNAPSHOT_EXPERIMENT + "/")
