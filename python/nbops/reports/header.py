"""The header card of a run report: status, parameters, metrics, data, environment, lineage."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape

from .. import names
from ..credentials import public_uri
from ..store import RunSummary
from .diff import Changes

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
ENV_TAGS = (
    ("Python", names.ENV_PYTHON_TAG),
    ("OS", names.ENV_OS_TAG),
    ("Packages", names.ENV_PACKAGES_TAG),
    ("GPUs", names.ENV_GPUS_TAG),
    ("Conda env", names.ENV_CONDA_TAG),
    ("Git commit", names.GIT_COMMIT_TAG),
    ("Git branch", names.GIT_BRANCH_TAG),
    ("Uncommitted changes", names.GIT_DIRTY_TAG),
    ("Step", names.STEP_TAG),
    ("Step version", names.STEP_VERSION_TAG),
    ("Source notebook", names.SOURCE_TAG),
    ("Environment check", names.ENV_CHECK_TAG),
)


def strip_ansi(text: str) -> str:
    """``text`` without terminal color codes (as in IPython's tracebacks)."""
    return _ANSI.sub("", text)


def first_error(nb) -> dict | None:
    """The first error output of an executed notebook: cell index, name, value, traceback."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                trace = strip_ansi("\n".join(output.get("traceback", [])))
                return {
                    "cell": index,
                    "ename": output.get("ename", ""),
                    "evalue": output.get("evalue", ""),
                    "traceback": trace,
                }
    return None


def _rows(pairs) -> str:
    body = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in pairs)
    return f"<table>{body}</table>" if body else "<p>none</p>"


def _time(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S") if ms else "—"


def run_link(tracking_uri: str, run: RunSummary) -> str:
    """Where to see the run in MLflow's UI (a link for a server, a command for a local store)."""
    path = f"#/experiments/{run.experiment_id}/runs/{run.run_id}"
    tracking_uri = public_uri(tracking_uri)
    if tracking_uri.startswith(("http://", "https://")):
        url = f"{tracking_uri.rstrip('/')}/{path}"
        return f'<a href="{escape(url)}">{escape(url)}</a>'
    command = f"mlflow ui --backend-store-uri {tracking_uri}"
    return (
        f"<code>{escape(command)}</code>, then "
        f"<code>{escape('http://127.0.0.1:5000/' + path)}</code>"
    )


def _reproduction(tags: dict[str, str]) -> str:
    """The verdict of a reproduction: on the new run, and the latest one on the original."""
    verdict = tags.get(names.VERDICT_NOTE_TAG) or tags.get(names.VERDICT_TAG)
    if not verdict:
        return ""
    if names.REPRODUCES_TAG in tags:
        rows = [("Reproduces run", tags[names.REPRODUCES_TAG]), ("Verdict", verdict)]
    else:
        rows = [("Reproduced by", tags.get(names.REPRODUCED_BY_TAG, "—")), ("Verdict", verdict)]
    word = escape(tags.get(names.VERDICT_TAG, "").replace(" ", "-"))
    return f"<h2 class='nbops-verdict nbops-verdict-{word}'>Reproduction</h2>{_rows(rows)}"


def _registry(run: RunSummary, versions: list[dict]) -> str:
    """The model versions registered from the run: decision, aliases, gates, and the metric
    deltas against the model's current champion."""
    if not versions:
        return ""
    parts = []
    for v in versions:
        held = ", ".join(f"@{a}" for a in v["aliases"]) or "no alias"
        rows = [("Version", f"{v['model']} v{v['version']} ({held})")]
        if v.get("decision"):
            rows.append(("Promotion", v["decision"]))
        for gate in v.get("gates") or []:
            verdict = "pass" if gate.get("passed") else "fail"
            rows.append((f"Gate {gate['gate']}", f"{verdict}: {_value(gate.get('candidate'))}"
                         f" vs threshold {_value(gate.get('threshold'))}"))  # fmt: skip
        champion = v.get("champion_version")
        if champion and v.get("champion_run") != run.run_id:
            theirs = v.get("champion_metrics") or {}
            for name in sorted(run.metrics.keys() & theirs.keys()):
                delta = run.metrics[name] - theirs[name]
                rows.append((f"{name} vs champion v{champion}", f"{delta:+.6g}"))
        parts.append(_rows(rows))
    return "<h2>Model registry</h2>" + "".join(parts)


def _value(value) -> str:
    return "—" if value is None else f"{value:.6g}"


def _changes(changes: Changes | None) -> str:
    """The "Changes since" block (none without ``changes``)."""
    if changes is None:
        return ""
    diff, why = changes.diff, changes.why
    summary = "".join(f"<li>{escape(line)}</li>" for line in diff.summary())
    details = "\n".join(diff.details(changes.code)).strip("\n")
    return (
        f"<h2 class='nbops-changes'>Changes since run {escape(diff.run_a[:8])}</h2>"
        f"<p class='nbops-changes-why'>{escape(why)} (<code>{escape(diff.run_a)}</code>)</p>"
        f"<ul class='nbops-changes-summary'>{summary}</ul>"
        + (f"<pre class='nbops-changes-details'>{escape(details)}</pre>" if details else "")
    )


def render_header(
    run: RunSummary,
    datasets: list[dict],
    tracking_uri: str,
    nb,
    registry: list[dict] = (),
    changes: Changes | None = None,
) -> str:
    """The header card's HTML (every value escaped), with the "Changes since" block of
    ``changes`` if given."""
    duration = "running" if run.duration_ms is None else f"{run.duration_ms / 1000:.1f} s"
    summary = [
        ("Status", run.status),
        ("Run", f"{run.name} ({run.run_id})"),
        ("Experiment", run.experiment),
        ("Started", _time(run.start_time)),
        ("Duration", duration),
    ]
    environment = [(label, run.tags[tag]) for label, tag in ENV_TAGS if tag in run.tags]
    reproduction = _reproduction(run.tags)
    data = [(d["name"], f"{d.get('role', '')} {d.get('digest', '')}".strip()) for d in datasets]
    error = first_error(nb)
    error_html = ""
    if error:
        error_html = (
            f"<div class='nbops-error'><strong>Cell {error['cell']} failed: "
            f"{escape(error['ename'])}: {escape(error['evalue'])}</strong>"
            f"<pre>{escape(error['traceback'])}</pre></div>"
        )
    return (
        "<section class='nbops-card'>"
        f"<h1>Run report <span class='nbops-status nbops-status-{escape(run.status)}'>"
        f"{escape(run.status)}</span></h1>"
        f"{error_html}{_rows(summary)}{reproduction}{_changes(changes)}"
        f"<h2>Parameters</h2>{_rows(sorted(run.params.items()))}"
        f"<h2>Metrics</h2>{_rows((k, f'{v:.6g}') for k, v in sorted(run.metrics.items()))}"
        f"<h2>Data</h2>{_rows(data)}"
        f"{_registry(run, list(registry))}"
        f"<h2>Environment and lineage</h2>{_rows(environment)}"
        f"<h2>In MLflow</h2><p>{run_link(tracking_uri, run)}</p>"
        "</section>"
    )
