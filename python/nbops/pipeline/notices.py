"""What a pipeline run tells the people listed under ``notify:`` when it ends."""

from __future__ import annotations

from ..config import Settings
from ..execution.coordinator import Outcome
from ..notifications import Notice, report_hint, send
from .spec import PipelineSpec


def pipeline_notice(
    spec: PipelineSpec, settings: Settings, parent: str, status: str, outcomes: dict[str, Outcome]
) -> Notice:
    """``failure`` or ``success``: the pipeline, each step's status (the error of a failed one)
    and the report to open (the first failed step's, else the last step's).

    Parameters
    ----------
    spec:
        The pipeline.
    settings:
        The project's settings (the store shown without credentials).
    parent:
        The parent run.
    status:
        How the parent run ended.
    outcomes:
        How each step ended, in the DAG's order.
    """
    failed = status != "FINISHED"
    lines = [f"Pipeline {spec.name} {status} (run {parent} on {settings.display_uri})."]
    for name, outcome in outcomes.items():
        run = f" (run {outcome.run_id})" if outcome.run_id else ""
        error = f": {outcome.error.splitlines()[0]}" if outcome.error else ""
        lines.append(f"  {name}: {outcome.status}{run}{error}")
    ran = [o for o in outcomes.values() if o.run_id]
    first = next((o for o in ran if not o.ok), None) if failed else None
    chosen = first or (ran[-1] if ran else None)
    if chosen:
        lines.append(report_hint(chosen.run_id, chosen.report))
    title = f"nbops: pipeline {spec.name} {'failed' if failed else 'finished'}"
    return Notice("failure" if failed else "success", title, "\n".join(lines))


def notify_pipeline(
    spec: PipelineSpec, settings: Settings, parent: str, status: str, outcomes: dict[str, Outcome]
) -> int:
    """Send :func:`pipeline_notice` to the pipeline's and the project's ``notify:`` targets
    (``spec.notify``); return how many got it (a delivery that fails is logged, never raised)."""
    if not spec.notify:
        return 0
    return send(pipeline_notice(spec, settings, parent, status, outcomes), spec.notify)
