"""Sanitize the HTML of reports with nh3 (ammonia): keep what notebooks show, drop what runs.

nbconvert's own ``clean_html`` (bleach with its short default allow-list) escapes headings,
paragraphs and images of markdown cells; this one keeps the usual document tags and ``class``/``id``
attributes, allows ``data:`` URLs (embedded images), and removes scripts, event handlers and
``javascript:`` URLs.
"""

from __future__ import annotations

ATTRIBUTES = {"*": {"class", "id", "title", "lang"}, "img": {"src", "alt", "width", "height"}}
URL_SCHEMES = {"http", "https", "mailto", "data"}


def clean_html(element) -> str:
    """Return ``element`` (HTML text or bytes) with everything executable removed."""
    import nh3

    text = element.decode() if isinstance(element, bytes) else str(element)
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag, names in ATTRIBUTES.items():
        attributes[tag] = attributes.get(tag, set()) | names
    return nh3.clean(text, attributes=attributes, url_schemes=URL_SCHEMES)
