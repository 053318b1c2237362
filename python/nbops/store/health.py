"""Whether a tracking server answers (``/health``), asked with the credentials MLflow's client
would send."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request

from ..credentials import public_uri, tracking_password, tracking_user

PROBE_TIMEOUT_S = 3.0
RECONNECT_EVERY_S = 0.5


def health_request(uri: str) -> urllib.request.Request:
    """The request for a server's ``/health``, with the credentials MLflow's client would send:
    those of the URI (``http://user:password@host``), else ``MLFLOW_TRACKING_USERNAME`` and
    ``MLFLOW_TRACKING_PASSWORD``, else ``MLFLOW_TRACKING_TOKEN``. urllib refuses a URL that
    holds credentials, so they go into a header."""
    import base64

    request = urllib.request.Request(public_uri(uri).rstrip("/") + "/health")  # noqa: S310 - http(s)
    user = tracking_user(uri)
    if user:
        token = base64.b64encode(f"{user}:{tracking_password(uri)}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    elif os.environ.get("MLFLOW_TRACKING_TOKEN"):
        request.add_header("Authorization", f"Bearer {os.environ['MLFLOW_TRACKING_TOKEN']}")
    return request


def wait_until_answering(uri: str, patience: float) -> BaseException | None:
    """Ask server ``uri``'s ``/health`` until it answers, for at most ``patience`` seconds
    (one try when 0); ``None`` once it answered, else the last error."""
    request = health_request(uri)
    deadline = time.monotonic() + patience
    while True:
        try:
            with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT_S):  # noqa: S310
                return None
        except (urllib.error.URLError, OSError, ValueError) as err:
            if time.monotonic() >= deadline:
                return err
        time.sleep(RECONNECT_EVERY_S)
