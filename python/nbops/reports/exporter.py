"""Render a run report: nbconvert's HTML exporter with the nbops template, sanitized."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

from ..names import REPORT_HIDE
from ..store import RunSummary
from .diff import Changes
from .header import render_header
from .sanitize import clean_cells, clean_html

TEMPLATES = Path(__file__).parent / "templates"
# nbconvert's HTML order without widget views: a report runs no script, so an output's HTML (a
# widget's plain table) is shown even where the notebook kept the widgets' state
DISPLAY_PRIORITY = [
    "application/javascript", "text/html", "text/markdown", "image/svg+xml", "text/vnd.mermaid",
    "text/latex", "image/png", "image/jpeg", "text/plain",
]  # fmt: skip
_EXPORTERS: dict[bool, object] = {}
_LOCK = threading.Lock()


def _exporter(no_input: bool):
    """One configured exporter per setting, reused (building one costs more than rendering)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    with _LOCK:
        if no_input not in _EXPORTERS:
            config = Config()
            config.TagRemovePreprocessor.enabled = True
            config.TagRemovePreprocessor.remove_cell_tags = {REPORT_HIDE}
            config.NbConvertBase.display_data_priority = DISPLAY_PRIORITY
            exporter = HTMLExporter(
                config=config,
                extra_template_basedirs=[str(TEMPLATES)],
                template_name="nbops",
                exclude_input=no_input,
                exclude_input_prompt=no_input,
                exclude_output_prompt=no_input,
                sanitize_html=True,
                embed_images=True,
            )
            from nbconvert.preprocessors import TagRemovePreprocessor

            from .chart_images import ChartImages
            from .safe_outputs import SafeOutputs

            exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
            exporter.register_preprocessor(SafeOutputs(), enabled=True)
            exporter.register_preprocessor(ChartImages(), enabled=True)
            exporter.register_filter("clean_html", clean_html)
            _EXPORTERS[no_input] = exporter
        return _EXPORTERS[no_input]


def render_report(
    nb,
    run: RunSummary,
    tracking_uri: str,
    datasets: list[dict] | None = None,
    no_input: bool = False,
    folder: Path | None = None,
    registry: list[dict] | None = None,
    changes: Changes | None = None,
) -> str:
    """Return the report of ``run`` as one self-contained HTML page.

    Parameters
    ----------
    nb:
        The executed notebook (an nbformat node).
    run:
        The run it belongs to.
    tracking_uri:
        Where the run is stored (for the link back to MLflow).
    datasets:
        Data the run read or wrote: dicts with ``name``, ``digest``, ``role``.
    no_input:
        Hide all code, show only outputs.
    folder:
        Where the notebook's relative image paths are looked up (for embedding).
    registry:
        The model versions registered from the run (``build.model_registry``).
    changes:
        What the "Changes since" block shows, or ``None``.
    """
    header = render_header(run, datasets or [], tracking_uri, nb, registry or [], changes)
    nonce = secrets.token_hex(16)
    resources = {
        "nbops_header": header,
        "nbops_nonce": nonce,
        "metadata": {"name": run.name or run.run_id},
    }
    if folder is not None:
        resources["metadata"]["path"] = str(folder)
    body, _ = _exporter(no_input).from_notebook_node(nb, resources=resources)
    return _clean_between(body, f"<!--nbops-cells:{nonce}-->", f"<!--/nbops-cells:{nonce}-->")


def _clean_between(page: str, start: str, end: str) -> str:
    """Sanitize the cells of a rendered page, between the template's two markers."""
    before, found, rest = page.partition(start)
    cells, found_end, after = rest.partition(end)
    if not (found and found_end):  # the template always writes both; never serve unsanitized
        raise RuntimeError("The report template lost its cell markers.")
    return before + clean_cells(cells) + after
