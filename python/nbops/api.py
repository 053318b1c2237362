"""The public Python API, re-exported as ``nbops.*``: thin calls on the current session."""

from __future__ import annotations

from pathlib import Path

from .capture.environment import EnvironmentDiff, environment_diff_of
from .capture.session import current_session
from .capture.status import Status, session_status
from .store import RunSummary


def start_run(name: str | None = None) -> str:
    """Start a run in the notebook's experiment, ending any active one; return its id.

    Parameters
    ----------
    name:
        The run's name; MLflow picks one when omitted.
    """
    return current_session().start_run(name)


def end_run(status: str = "FINISHED") -> str | None:
    """Write what is queued and end the active run; return its id (``None`` if none was active).

    Parameters
    ----------
    status:
        ``FINISHED``, ``FAILED`` or ``KILLED``.
    """
    return current_session().end_run(status)


def active_run() -> RunSummary | None:
    """Return the active run (as last written to the store), or ``None``."""
    return current_session().active_run()


def flush() -> None:
    """Write every queued value now; raises ``FlushError`` (values kept) if the store fails."""
    current_session().flush()


def live(metrics: list[str] | str | None = None, every: float = 0.5):
    """Show the active run's metrics as a chart that updates while this cell runs.

    The chart follows the values this kernel logs (no request to the store per value), redrawn
    at most every ``every`` seconds; when the cell ends it stays in the notebook as a Vega-Lite
    output. Returns the chart (its ``spec()`` is what is drawn).

    Parameters
    ----------
    metrics:
        A metric name or a list of names (default: every metric logged).
    every:
        Seconds between two drawings (at least 0.05).
    """
    from .magics.live import start_live

    return start_live(current_session(), metrics, every)


def log_param(key: str, value: object) -> None:
    """Record one parameter of the active run (one is started if none is active).

    Parameters
    ----------
    key:
        The parameter's name.
    value:
        Its value, stored as a string of at most 6,000 characters.
    """
    current_session().log_params({key: value})


def log_params(params: dict[str, object]) -> None:
    """Record parameters of the active run (one is started if none is active).

    Parameters
    ----------
    params:
        Names and values; values are stored as strings.
    """
    current_session().log_params(params)


def log_metric(key: str, value: float, step: int = 0) -> None:
    """Record one metric value of the active run; returns at once (written in the background).

    Parameters
    ----------
    key:
        The metric's name.
    value:
        A number (NaN and infinities are kept as such).
    step:
        The step (epoch, iteration) the value belongs to.
    """
    current_session().log_metrics({key: value}, step)


def log_metrics(metrics: dict[str, float], step: int = 0) -> None:
    """Record metric values of the active run (one is started if none is active).

    Parameters
    ----------
    metrics:
        Names and numeric values.
    step:
        The step (epoch, iteration) the values belong to.
    """
    current_session().log_metrics(metrics, step)


def set_tags(tags: dict[str, object]) -> None:
    """Set tags of the active run.

    Parameters
    ----------
    tags:
        Names and values; values are stored as strings.
    """
    current_session().set_tags(tags)


def log_artifact(path: str | Path, folder: str | None = None) -> None:
    """Copy a file into the active run's artifacts.

    Parameters
    ----------
    path:
        The local file.
    folder:
        The artifact folder to put it in (default: the top).
    """
    current_session().log_artifact(path, folder)


def log_text(text: str, artifact_file: str) -> None:
    """Store text as an artifact of the active run.

    Parameters
    ----------
    text:
        The content.
    artifact_file:
        Its path among the artifacts, e.g. ``notes/summary.md``.
    """
    current_session().log_text(text, artifact_file)


def log_figure(figure: object, name: str) -> None:
    """Store a matplotlib figure as an image artifact of the active run.

    Parameters
    ----------
    figure:
        A matplotlib ``Figure``.
    name:
        The artifact's path, e.g. ``plots/residuals.png`` (``.png`` is added without a suffix).
    """
    current_session().log_figure(figure, name)


def log_model(model: object, name: str, **options: object) -> str:
    """Log a model with its MLflow flavor in the active run and register it; return its URI.

    Parameters
    ----------
    model:
        The fitted model (scikit-learn is recognized; others need ``flavor=``).
    name:
        The model's name in the run (and, unless ``registered_model_name`` says otherwise, in the
        model registry).
    options:
        ``input_example`` (a few rows; the signature is inferred from them), ``flavor``,
        ``registered_model_name`` (``None`` to skip registering), and any argument of the
        flavor's ``save_model``.
    """
    options.setdefault("registered_model_name", name)
    return current_session().log_model(model, name, **options)


def environment_diff(run_a: str, run_b: str) -> EnvironmentDiff:
    """List the package and platform differences between the environments of two runs.

    Parameters
    ----------
    run_a, run_b:
        Run ids; the differences are those of ``run_b`` relative to ``run_a``.
    """
    return environment_diff_of(current_session().store, run_a, run_b)


def diff(run_a: str, run_b: str):
    """Every difference of run ``run_b`` against run ``run_a``: parameters, code (cell by cell),
    data, environment and metrics, under a summary of what the metrics' change comes with.

    Parameters
    ----------
    run_a, run_b:
        Run ids, or their first characters (as ``nbops runs`` shows them).
    """
    from .reports.diff import diff_of

    session = current_session()
    return diff_of(session.settings, run_a, run_b)


def data_diff(a: str, b: str, key: list[str] | None = None):
    """What changed from snapshot ``a`` to snapshot ``b``: columns, rows added, removed and
    changed (matched by ``key``, else by position), values per column, distribution shift.

    Parameters
    ----------
    a, b:
        ``NAME``, ``NAME@VERSION``, a snapshot id or its first 8 or more characters.
    key:
        Columns whose values name each row in both snapshots.
    """
    from .data.diff import data_diff as diff_snapshots
    from .data.registry import catalog_for

    return diff_snapshots(catalog_for(current_session().settings), a, b, key)


def compare(*run_ids: str, by: str = "step"):
    """Chart runs side by side, as the compare tab does: each metric's history and, for runs
    whose parameters differ (a sweep's trials), each metric against each parameter and in
    parallel coordinates. Displays with JupyterLab's Vega-Lite renderer.

    Parameters
    ----------
    run_ids:
        1 to 20 run ids, or their first characters (as ``nbops runs`` shows them).
    by:
        The histories' axis: ``step`` or ``time``.
    """
    from .reports.charts import charts_of_runs
    from .store.ids import full_run_id

    store = current_session().store
    return charts_of_runs(store, [full_run_id(store, run_id) for run_id in run_ids], by)


def export(notebook: str | Path, name: str | None = None, out: str | Path | None = None):
    """Export a tagged notebook as a versioned pipeline step (see ``nbops.steps.export``).

    Parameters
    ----------
    notebook:
        The source notebook.
    name:
        The step's name (default: the notebook's file name).
    out:
        The steps folder (default: ``<project>/steps``).
    """
    from .steps.export import export as export_step

    return export_step(notebook, name=name, out=out)


def run(target: str | Path, parameters: dict[str, object] | None = None, **keywords):
    """Run a step or notebook headless in a new MLflow run (see ``nbops.execution.run``).

    ``target``: a notebook path, a step folder, ``name`` or ``name@version``; ``parameters``:
    values by name. ``keywords``: ``parameter_file``, ``kernel``, ``output``, ``progress``, and
    the run's options (:class:`nbops.execution.options.RunOptions`): ``timeout`` (seconds per
    cell), ``run_timeout`` (seconds for the whole run), ``strict_env``.
    """
    from .execution.options import RunOptions
    from .execution.run import run as run_step

    rest = {k: keywords.pop(k) for k in ("parameter_file", "kernel", "output") if k in keywords}
    progress = keywords.pop("progress", None)
    options = RunOptions.from_keywords(keywords)
    return run_step(target, parameters, options=options, progress=progress, **rest)


def reproduce(run_id: str, rtol: float = 0.0, atol: float = 0.0, env: str = "current"):
    """Run ``run_id`` again as recorded, as a new run, and return the verdict.

    The verdict (``IDENTICAL``, ``WITHIN TOLERANCE``, ``DIFFERENT`` or ``NOT REPRODUCIBLE``)
    is kept on both runs; see ``nbops reproduce --help``.

    Parameters
    ----------
    run_id:
        A finished run of this project's store, or the first characters of its id.
    rtol, atol:
        Relative and absolute tolerance for metrics and output values.
    env:
        ``current`` or ``rebuild`` (a virtual environment with the run's recorded packages).
    """
    from .reproduction.reproduce import reproduce as run_again
    from .store.ids import full_run_id

    session = current_session()
    run_id = full_run_id(session.store, run_id)
    return run_again(run_id, rtol, atol, env, cwd=session.settings.project)


def promote(run_id: str, model: str, gates=(), eval_snapshot: str | None = None, **options):
    """Register ``run_id``'s model as a version of ``model``; move the ``champion`` alias to it
    only if every gate holds; return the decision (see ``nbops promote --help``).

    Parameters
    ----------
    run_id:
        A finished run that logged a model, or the first characters of its id.
    model:
        The registered model's name.
    gates:
        ``"METRIC OP NUMBER"``, ``"METRIC OP champion*FACTOR"``, ``"servable"``, ...
    eval_snapshot:
        Score candidate and champion on this snapshot instead of their logged metrics.
    options:
        ``target`` (the label column with ``eval_snapshot``), ``alias``, ``logged``.
    """
    from .loop.promote import promote as promote_run
    from .store.ids import full_run_id

    session = current_session()
    run_id = full_run_id(session.store, run_id)
    return promote_run(run_id, model, gates, eval_snapshot, cwd=session.settings.project, **options)


def serve_check(model: str):
    """Check that ``model`` (``NAME``, ``NAME@ALIAS`` or ``NAME/VERSION``) serves with MLflow's
    scoring server and predicts as it does here; return the check (``.ok``, ``.reason``).

    Parameters
    ----------
    model:
        The registered model.
    """
    from .loop.serving import serve_check as check

    return check(model, current_session().store)


def monitor(reference: str, current, threshold: float = 0.2, columns=None, retrain=None):
    """Check ``current`` data against the ``reference`` snapshot (drift per column, the
    reference's saved expectations) in a monitor run; return the result (``.drifted``).

    Parameters
    ----------
    reference:
        The reference snapshot's name or id.
    current:
        A snapshot's name or id, or a ``.csv`` / ``.parquet`` path.
    threshold:
        A column drifts over this PSI.
    columns:
        Only these columns.
    retrain:
        On drift, run this pipeline file and its ``promote:`` block.
    """
    from .loop.monitor import monitor as watch

    project = current_session().settings.project
    return watch(reference, str(current), threshold, columns, retrain, cwd=project)


def seed(n: int) -> int:
    """Seed Python's, NumPy's and (when imported) PyTorch's and TensorFlow's random number
    generators with ``n``, and log it as the parameter ``seed``; return ``n``.

    Seeding makes a notebook's randomness repeatable in one environment; threads, GPU kernels
    and other library versions can still change results (``nbops reproduce --rtol``).

    Parameters
    ----------
    n:
        A whole number from 0 to 2**32 - 1.
    """
    from .capture.seeding import check_seed, seed_everything, seedable
    from .names import SEED_PARAMETER, SEEDED_TAG

    check_seed(n)
    # logged first: starting a run draws from ``random`` (MLflow's run names)
    current_session().log_params({SEED_PARAMETER: n})
    current_session().set_tags({SEEDED_TAG: ",".join(seedable())})
    seed_everything(n)
    return n


def fingerprint(df) -> str:
    """Return a 32-hex-digit hash of the full content of a DataFrame (values, dtypes, index).

    Parameters
    ----------
    df:
        A pandas DataFrame.
    """
    from .data.fingerprint import fingerprint as hash_frame

    return hash_frame(df)


def snapshot(df, name: str, role: str = "input"):
    """Store a DataFrame once (Parquet, content-addressed), profile it, and record it in the run.

    Parameters
    ----------
    df:
        The data.
    name:
        The snapshot's name; each distinct content under it is a new version.
    role:
        ``input`` (data the run read) or ``output`` (data it produced, which later steps load).
    """
    from .data.snapshot import take_snapshot

    return take_snapshot(current_session(), df, name, role)


def load_snapshot(id_or_name: str, version: str | int = "latest"):
    """Return a snapshot's DataFrame after verifying its fingerprint.

    Parameters
    ----------
    id_or_name:
        A snapshot name, or an id (at least 8 leading characters).
    version:
        ``"latest"`` or a version number (1 is the first content saved under the name).
    """
    from .data.snapshot import load

    return load(current_session(), id_or_name, version)


def snapshots(name: str | None = None) -> list:
    """The catalog entries of this project's snapshots (of ``name``), oldest first.

    Parameters
    ----------
    name:
        Only this snapshot's entries.
    """
    from .data.snapshot import catalog_of

    return catalog_of(current_session()).entries(name)


def drift(reference, current, threshold: float = 0.2):
    """Compare two datasets column by column (PSI plus KS or chi-square) and log the result.

    Parameters
    ----------
    reference, current:
        DataFrames, snapshots, or snapshot names/ids.
    threshold:
        A column drifts when its population stability index is over this.
    """
    from .data.checks import log_drift

    return log_drift(current_session(), reference, current, threshold)


def expect(df, spec: str | None = None, name: str | None = None, strict: bool = False):
    """Check a DataFrame against expectations, log the results to the run, return the report.

    Parameters
    ----------
    df:
        The data.
    spec:
        The checks, one line per column (see ``nbops.data.expectations``); ``None`` reuses the
        expectations saved under ``name``.
    name:
        Saves ``spec`` under this name (in ``<project>/expectations/``) for reuse, and names
        the results in the run.
    strict:
        Raise ``ExpectationError`` when a check fails.
    """
    from .data.checks import log_expectations

    return log_expectations(current_session(), df, spec, name, strict)


def infer_expectations(reference, name: str | None = None) -> str:
    """Write expectations that a reference dataset meets (types, nulls, ranges, categories).

    Parameters
    ----------
    reference:
        A DataFrame, a snapshot, or a snapshot name or id.
    name:
        Saves them under this name for ``expect(df, name=...)``.
    """
    from .data.checks import infer_expectations as infer

    return infer(current_session(), reference, name)


def status() -> Status:
    """Return where this process logs: store URI, project, experiment and active run."""
    return session_status(current_session())
