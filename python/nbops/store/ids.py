"""Run ids as people type them: the first characters of an id, as ``nbops runs`` shows it.

A full id (32 hexadecimal characters) is taken as is. A shorter one (at least
``SHORTEST_PREFIX`` characters) must start exactly one run's id in the store, deleted runs
included (as MLflow's ``get_run`` finds them); otherwise an :class:`InputError` says why.
"""

from __future__ import annotations

import re

from ..exceptions import InputError

SHORT_ID_LENGTH = 8  # what tables show, as git shows commits
SHORTEST_PREFIX = 4
FULL_ID = re.compile(r"[0-9a-f]{32}")
PREFIX = re.compile(rf"[0-9a-f]{{{SHORTEST_PREFIX},31}}")


def short_id(run_id: str) -> str:
    """The first characters of ``run_id`` that tables show."""
    return run_id[:SHORT_ID_LENGTH]


def full_run_id(store, text: str) -> str:
    """The id of the one run of ``store`` whose id is or starts with ``text``.

    Text that is neither a full id nor a hexadecimal prefix is returned unchanged: the call
    that uses it says that no such run exists.
    """
    text = text.strip().lower()
    if FULL_ID.fullmatch(text) or not PREFIX.fullmatch(text):
        return text
    found = store.run_ids_starting(text, 2)  # two tell one from several
    if not found:
        raise InputError(
            f"No run's id starts with {text!r} in {store.display_uri}.",
            "Check the id with `nbops runs` (`--wide` shows whole ids).",
        )
    if len(found) > 1:
        raise InputError(
            f"{text!r} starts the ids of several runs ({', '.join(found)}).",
            "Give more of the id (`nbops runs --wide` shows whole ids).",
        )
    return found[0]
