"""The request that asks a tracking server whether it answers (``/health``), with the
credentials MLflow's client would send."""

from __future__ import annotations

import os
import urllib.request

from ..credentials import public_uri


def health_request(uri: str) -> urllib.request.Request:
    """The request for a server's ``/health``, with the credentials MLflow's client would send:
    those of the URI (``http://user:password@host``), else ``MLFLOW_TRACKING_USERNAME`` and
    ``MLFLOW_TRACKING_PASSWORD``, else ``MLFLOW_TRACKING_TOKEN``. urllib refuses a URL that
    holds credentials, so they go into a header."""
    import base64
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(uri)
    request = urllib.request.Request(public_uri(uri).rstrip("/") + "/health")  # noqa: S310 - http(s)
    user = unquote(parts.username) if parts.username else os.environ.get("MLFLOW_TRACKING_USERNAME")
    if parts.username:
        password = unquote(parts.password or "")
    else:
        password = os.environ.get("MLFLOW_TRACKING_PASSWORD", "")
    if user:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    elif os.environ.get("MLFLOW_TRACKING_TOKEN"):
        request.add_header("Authorization", f"Bearer {os.environ['MLFLOW_TRACKING_TOKEN']}")
    return request
