"""Vega-Lite and Vega outputs drawn as images for reports, which run no script.

JupyterLab draws ``application/vnd.vegalite.v5+json`` outputs (Altair's charts, ``%nbops runs
--chart``, ``%drift``) with JavaScript; a report runs none, so each such output without an image
gets an SVG drawn by vl-convert (Vega's own libraries in an embedded runtime), which the report
embeds as an image like any other. Drawing reads no data from outside the notebook: a chart that
names a URL for its data is not drawn, and the report says why in its place rather than show
nothing.

A chart's spec comes from the notebook, which may not be trusted: all of a report's charts are
drawn in one child process (``python -m nbops.reports.chart_drawing``) with a time limit
(``CHART_TIMEOUT_S``), a memory limit (``CHART_MEMORY_BYTES``), an empty working folder
and no URL allowed, so a spec that loops or eats memory costs its own process, not the server's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile

from nbconvert.preprocessors import Preprocessor

from ..data.cache import format_size

CHART_MIME = re.compile(r"application/vnd\.vega(lite)?\.v(\d+)\+json")
CHART_TIMEOUT_S = 60
CHART_MEMORY_BYTES = 2_000_000_000


class ChartImages(Preprocessor):
    """Give every Vega-Lite or Vega output that has no image an SVG drawn from its specification."""

    def preprocess(self, nb, resources):
        found = []  # (output data, mime) of every chart to draw
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                data = output.get("data") or {}
                if any(mime.startswith("image/") for mime in data):
                    continue
                mime = next((m for m in data if CHART_MIME.fullmatch(m)), None)
                if mime:
                    found.append((data, mime))
        if found:
            jobs = [_job(data[mime], mime) for data, mime in found]
            for (data, _), result in zip(found, draw_in_child(jobs), strict=True):
                _apply(data, result)
        return nb, resources


def _job(spec, mime: str) -> dict:
    match = CHART_MIME.fullmatch(mime)
    return {"spec": spec, "lite": bool(match.group(1)), "major": match.group(2)}


def _apply(data: dict, result: dict) -> None:
    """Add the drawn SVG to an output's ``data``, or say in its ``text/plain`` why there is none."""
    if "svg" in result:
        data["image/svg+xml"] = result["svg"]
        return
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    data["text/plain"] = f"[This chart could not be drawn in the report: {result['error']}]\n{text}"


def _limit_child() -> None:  # pragma: no cover - runs in the child before exec
    import resource

    # RLIMIT_DATA, not RLIMIT_AS: V8 reserves a terabyte of address space it never uses, and
    # only writable memory (what a chart really takes) counts towards RLIMIT_DATA
    resource.setrlimit(resource.RLIMIT_DATA, (CHART_MEMORY_BYTES, CHART_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def draw_in_child(jobs: list[dict], timeout: float | None = None) -> list[dict]:
    """Draw charts in a child process under time and memory limits.

    Parameters
    ----------
    jobs:
        Dicts with ``spec``, ``lite`` (Vega-Lite, else Vega) and ``major`` (the output's major).
    timeout:
        Seconds for all of them (default ``CHART_TIMEOUT_S``).

    Returns one dict per job: ``{"svg": ...}`` or ``{"error": "why"}``.
    """
    timeout = CHART_TIMEOUT_S if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="nbops-charts-") as empty:
        try:
            done = subprocess.run(
                [sys.executable, "-I", "-m", "nbops.reports.chart_drawing"],
                input=json.dumps(jobs),
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=empty,
                preexec_fn=_limit_child,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return [{"error": f"drawing took longer than {timeout:g} s"}] * len(jobs)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        if "out of memory" in done.stderr.lower() or "MemoryError" in done.stderr:
            reason = f"it needed more memory than the {format_size(CHART_MEMORY_BYTES)} allowed"
        else:
            reason = f"the drawing process failed (exit code {done.returncode})"
        return [{"error": reason}] * len(jobs)
    return json.loads(lines[-1])
