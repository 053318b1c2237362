"""Check names and values before they are queued, so a bad one fails at the call that made it.

The limits are MLflow's (``mlflow.utils.validation``), restated here so checking them does not
import MLflow.
"""

from __future__ import annotations

import numbers
import re

from ..exceptions import InputError

MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
_KEY = re.compile(r"^[/\w.\- :]*$")


def check_key(key: object, what: str) -> str:
    """Return ``key`` if MLflow accepts it as the name of a ``what`` (param, metric, tag)."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InputError(
            f"The {what} name {key!r} is not valid.",
            f"Use a non-empty string of at most {MAX_KEY_LENGTH} characters.",
        )
    if not _KEY.match(key) or key.startswith("/") or ".." in key.split("/"):
        raise InputError(
            f"The {what} name {key!r} has characters MLflow does not allow.",
            "Use letters, digits, and _ - . / : or spaces (no leading '/', no '..').",
        )
    return key


def metric_value(key: str, value: object) -> float:
    """Return ``value`` as a float; NaN and infinities pass (MLflow stores them)."""
    if isinstance(value, (str, bytes)) or value is None:
        raise InputError(
            f"The metric {key!r} must be a number, not {type(value).__name__} {value!r}.",
            "Log text as a parameter (nbops.log_params) or a tag (nbops.set_tags).",
        )
    if isinstance(value, numbers.Real) or hasattr(value, "__float__"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            pass
        else:
            return number
    raise InputError(
        f"The metric {key!r} must be a number, not {type(value).__name__}.",
        "Pass an int, a float or a numpy scalar.",
    )


def _text(key: str, value: object, what: str, limit: int) -> str:
    text = str(value)
    if len(text) > limit:
        raise InputError(
            f"The {what} {key!r} is {len(text)} characters long; MLflow keeps at most {limit}.",
            "Log long values as text artifacts with nbops.log_text(text, 'name.txt').",
        )
    return text


def param_value(key: str, value: object) -> str:
    """Return ``value`` as MLflow stores it (a string) if it fits MLflow's length limit."""
    return _text(key, value, "parameter", MAX_PARAM_VALUE_LENGTH)


def tag_value(key: str, value: object) -> str:
    """Return ``value`` as a string if it fits MLflow's tag length limit."""
    return _text(key, value, "tag", MAX_TAG_VALUE_LENGTH)
