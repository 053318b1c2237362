"""Sanitize the HTML of reports with nh3 (ammonia): keep what notebooks show, drop what runs.

nbconvert's own ``clean_html`` (bleach with its short default allow-list) escapes headings,
paragraphs and images of markdown cells; this one keeps the usual document tags and ``class``/``id``
attributes, allows ``data:`` URLs (embedded images), and removes scripts, event handlers and
``javascript:`` URLs.

nbconvert's templates print some output types without its filter (``text/vnd.mermaid``, and any
a future template adds), so :func:`clean_cells` sanitizes the whole rendered body of the cells
once more: no output can add a ``<style>``, a handler, a ``javascript:`` link, an element outside
the cells, or the classes of nbops's header card (a forged one).
"""

from __future__ import annotations

ATTRIBUTES = {"*": {"class", "id", "title", "lang"}, "img": {"src", "alt", "width", "height"}}
# what nbconvert's lab template itself writes on its cell and output elements
TEMPLATE_ATTRIBUTES = {"data-mime-type", "tabindex", "aria-label", "role"}
URL_SCHEMES = {"http", "https", "mailto", "data"}
# the classes of the report's own header card: no notebook content may wear them
RESERVED_CLASSES = ("nbops-card", "nbops-status", "nbops-error", "nbops-verdict")


def _attributes(extra: set[str] = frozenset()) -> dict[str, set[str]]:
    import nh3

    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag, names in ATTRIBUTES.items():
        attributes[tag] = attributes.get(tag, set()) | names
    attributes["*"] = attributes.get("*", set()) | extra
    return attributes


def _no_reserved_class(tag: str, attribute: str, value: str) -> str | None:
    """Drop the classes of the report's own header card from notebook content."""
    if attribute != "class":
        return value
    kept = [name for name in value.split() if not name.startswith(RESERVED_CLASSES)]
    return " ".join(kept) or None


def clean_html(element) -> str:
    """Return ``element`` (HTML text or bytes) with everything executable removed."""
    import nh3

    text = element.decode() if isinstance(element, bytes) else str(element)
    return nh3.clean(
        text,
        attributes=_attributes(),
        url_schemes=URL_SCHEMES,
        attribute_filter=_no_reserved_class,
    )


def clean_cells(html: str) -> str:
    """Sanitize the rendered cells of a report as one fragment: the template's own markup is
    kept (its classes and attributes), anything an output smuggled past the per-output filter
    goes, and every element stays inside the fragment.

    Parameters
    ----------
    html:
        The HTML between the report's header card and the end of its body.
    """
    import nh3

    return nh3.clean(
        html,
        attributes=_attributes(TEMPLATE_ATTRIBUTES),
        url_schemes=URL_SCHEMES,
        attribute_filter=_no_reserved_class,
        strip_comments=True,
    )
