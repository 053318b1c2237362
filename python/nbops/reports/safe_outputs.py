"""Outputs reduced to what the report template escapes or sanitizes, before it renders them.

nbconvert's lab template prints a ``text/vnd.mermaid`` output as it is (for a script that
reports do not run), writes an image's ``width``/``height`` metadata unquoted into its tag, and
takes ``filenames`` metadata as image sources. A notebook that is not trusted controls all three:
a mermaid output becomes its text, sizes must be numbers, and file names are dropped (images are
embedded from the output's own data).
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor

MERMAID = "text/vnd.mermaid"
IMAGES = ("image/png", "image/jpeg", "image/svg+xml")


class SafeOutputs(Preprocessor):
    """Make every output of a notebook safe to hand to the report template."""

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data is not None and MERMAID in data:
                data["text/plain"] = data.pop(MERMAID)  # the diagram's source, as text
            metadata = output.get("metadata")
            if metadata is not None:
                metadata.pop("filenames", None)
                _numbers_only(metadata)
                for mime in IMAGES:
                    if isinstance(metadata.get(mime), dict):
                        _numbers_only(metadata[mime])
        return cell, resources


def _numbers_only(metadata: dict) -> None:
    """Drop a ``width`` or ``height`` that is not a number."""
    for key in ("width", "height"):
        value = metadata.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            del metadata[key]
