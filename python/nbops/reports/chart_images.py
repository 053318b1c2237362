"""Vega-Lite and Vega outputs drawn as images for reports, which run no script.

JupyterLab draws ``application/vnd.vegalite.v5+json`` outputs (Altair's charts, ``%nbops runs
--chart``, ``%drift``) with JavaScript; a report runs none, so each such output without an image
gets an SVG drawn by vl-convert (Vega's own libraries in an embedded runtime), which the report
embeds as an image like any other. Drawing reads no data from outside the notebook: a chart that
names a URL for its data is not drawn, and the report says why in its place rather than show
nothing.
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor

CHART_MIME = re.compile(r"application/vnd\.vega(lite)?\.v(\d+)\+json")


class ChartImages(Preprocessor):
    """Give every Vega-Lite or Vega output that has no image an SVG drawn from its specification."""

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if any(mime.startswith("image/") for mime in data):
                continue
            for mime in list(data):
                match = CHART_MIME.fullmatch(mime)
                if match:
                    draw(data, data[mime], lite=bool(match.group(1)), major=match.group(2))
                    break
        return cell, resources


def draw(data: dict, spec: dict, lite: bool, major: str) -> None:
    """Add ``image/svg+xml`` to an output's ``data`` (or, if the chart cannot be drawn, say why in
    its ``text/plain``)."""
    import vl_convert

    try:
        if lite:
            svg = vl_convert.vegalite_to_svg(
                spec, vl_version=bundled_version(major), allowed_base_urls=[]
            )
        else:
            svg = vl_convert.vega_to_svg(spec, allowed_base_urls=[])
    except (ValueError, TypeError) as err:  # a spec vl-convert refuses, or not a spec at all
        reason = next((line for line in str(err).splitlines()[1:] if line.strip()), str(err))
        text = data.get("text/plain", "")
        text = "".join(text) if isinstance(text, list) else text
        data["text/plain"] = f"[This chart could not be drawn in the report: {reason.strip()}]\n"
        data["text/plain"] += text
        return
    data["image/svg+xml"] = svg


def bundled_version(major: str) -> str | None:
    """The newest Vega-Lite bundled with vl-convert of the output's major version; for an older
    major, the oldest bundled (the closest); ``None`` (vl-convert's newest) for a newer one."""
    import vl_convert

    versions = vl_convert.get_vegalite_versions()
    same = [v for v in versions if v.split(".")[0] == major]
    if same:
        return same[-1]
    return versions[0] if int(major) < int(versions[0].split(".")[0]) else None
