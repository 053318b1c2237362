"""Secrets kept out of everything nbops shows or records.

A tracking URI or a git remote may carry credentials (``https://user:token@host/...``, a
``?token=...`` query); MLflow's client accepts them. nbops connects with the URI as given but only
ever shows, logs, tags or writes it through :func:`public_uri`, and passes error texts that may
quote a URI through :func:`redact`.
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import unquote

HIDDEN = "***"
# query parameters that carry a secret in the URIs of the usual services (S3's presigned
# X-Amz-Signature, Azure's sig, tokens and keys)
SECRET_QUERY_KEY = re.compile(r"token|passw|secret|key|sig|credential|auth", re.IGNORECASE)
# scheme://userinfo@ anywhere in a text (an error message quoting a URL)
USERINFO_IN_TEXT = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]+@")


def public_uri(uri: str) -> str:
    """Return ``uri`` without its credentials: no ``user:password@``, secret query values hidden.

    Parameters
    ----------
    uri:
        Any URI or path (a tracking URI, a git remote). Text that is not a ``scheme://`` URL, such
        as a path or git's ``git@host:org/repo``, is returned as it is: it holds no password.
        Everything else is kept character for character.
    """
    scheme, separator, rest = uri.partition("://")
    if not separator:
        return uri
    end = next((i for i, char in enumerate(rest) if char in "/?#"), len(rest))
    authority, remainder = rest[:end].rpartition("@")[2], rest[end:]
    path, mark, query = remainder.partition("?")
    if mark:
        query, hash_mark, fragment = query.partition("#")
        query = "&".join(_hide_value(pair) for pair in query.split("&")) + hash_mark + fragment
    return f"{scheme}://{authority}{path}{mark}{query}"


def _hide_value(pair: str) -> str:
    key, equals, _ = pair.partition("=")
    return f"{key}={HIDDEN}" if equals and SECRET_QUERY_KEY.search(unquote(key)) else pair


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Return ``text`` with every ``scheme://user:password@`` cut to ``scheme://`` and each of
    ``secrets`` (passwords, tokens known to this process) replaced by ``***``.

    Parameters
    ----------
    text:
        A message, a log line or an error's text.
    secrets:
        Exact values to hide wherever they appear.
    """
    text = USERINFO_IN_TEXT.sub(r"\1", text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, HIDDEN)
    return text


def known_secrets() -> tuple[str, ...]:
    """The credentials this process holds for MLflow (the values of MLflow's and nbops's
    credential variables), to be hidden from texts it writes."""
    import os

    names = ("MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN", "AWS_SECRET_ACCESS_KEY")
    return tuple(os.environ[name] for name in names if os.environ.get(name))


def tracking_user(uri: str) -> str | None:
    """The user MLflow's client authenticates as to ``uri``: the URI's own (``http://alice:pw@``),
    else ``MLFLOW_TRACKING_USERNAME``; ``None`` when neither is set (a token, or no credentials)."""
    import os
    from urllib.parse import urlsplit

    if "://" in uri:
        with contextlib.suppress(ValueError):
            name = urlsplit(uri).username
            if name:
                return unquote(name)
    return os.environ.get("MLFLOW_TRACKING_USERNAME") or None


def tracking_password(uri: str) -> str:
    """The password sent with :func:`tracking_user`'s name (the URI's, else the variable's)."""
    import os
    from urllib.parse import urlsplit

    if "://" in uri:
        with contextlib.suppress(ValueError):
            parts = urlsplit(uri)
            if parts.username:
                return unquote(parts.password or "")
    return os.environ.get("MLFLOW_TRACKING_PASSWORD", "")
