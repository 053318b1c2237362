"""``nbops serve-check``: will this registered model serve? Checked with MLflow's own server.

The model must have the ``python_function`` flavor, a signature and an input example. Then
``mlflow models serve`` (current environment) starts on a free loopback port, must answer
``/ping``, and its ``/invocations`` predictions on the input example must equal
``mlflow.pyfunc.load_model(...).predict`` here. The server is stopped in every case.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from ..exceptions import InputError
from ..store import Store

START_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 60.0


@dataclass
class ServeCheck:
    """Whether a model serves, and why not."""

    model_uri: str
    ok: bool
    reason: str
    steps: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 servable, 1 not."""
        return 0 if self.ok else 1


def model_uri(reference: str) -> str:
    """``NAME``, ``NAME@ALIAS``, ``NAME/VERSION`` (or a ``models:/`` URI) as a model URI."""
    if not isinstance(reference, str) or not reference.strip():
        raise InputError(f"{reference!r} is not a model.", "Give NAME, NAME@ALIAS or NAME/VERSION.")
    if reference.startswith("models:/"):
        return reference
    if "@" in reference or "/" in reference:
        return f"models:/{reference}"
    return f"models:/{reference}/latest"


def serve_check(reference: str, store: Store | None = None) -> ServeCheck:
    """Check that ``reference`` serves (see the module); :class:`InputError` if it is unknown.

    Parameters
    ----------
    reference:
        ``NAME``, ``NAME@ALIAS``, ``NAME/VERSION`` or a ``models:/`` URI.
    store:
        The tracking store whose registry holds it (default: the working directory's).
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    from ..store import open_store

    store = store or open_store()
    uri = model_uri(reference)
    store.point_mlflow_here()
    try:
        info = mlflow.models.get_model_info(uri)
    except (MlflowException, OSError) as err:
        raise InputError(f"No model {reference!r} in {store.display_uri}: {err}", "") from err
    check = ServeCheck(uri, False, "")
    missing = [
        what
        for what, present in (
            ("the python_function flavor", "python_function" in info.flavors),
            ("a signature", info.signature is not None),
            ("an input example", info.saved_input_example_info is not None),
        )
        if not present
    ]
    if missing:
        check.reason = f"The model has no {' and no '.join(missing)}."
        return check
    check.steps.append("flavor, signature and input example present")
    try:
        model = mlflow.pyfunc.load_model(uri)
        example = model.input_example
        expected = model.predict(example)
    except Exception as err:  # noqa: BLE001 - whatever keeps it from predicting is the reason
        check.reason = f"It cannot predict its own input example: {_first_line(err)}"
        return check
    check.steps.append("predicts its input example here")
    return _against_server(check, store.uri, example, expected)


def _first_line(err: BaseException) -> str:
    """The gist of an error: MLflow's schema errors end with ``Error: <what is wrong>``."""
    text = str(err).strip()
    if "Error: " in text:
        return text.rsplit("Error: ", 1)[1].strip()
    return f"{type(err).__name__}: {text.splitlines()[0] if text else ''}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _against_server(check: ServeCheck, tracking_uri: str, example, expected) -> ServeCheck:
    port = _free_port()
    command = [sys.executable, "-m", "mlflow", "models", "serve", "-m", check.model_uri]
    command += ["--env-manager", "local", "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 - fixed program, the URI is one argument
            command, stdout=log, stderr=log, env=env, start_new_session=True
        )
        try:
            if not _wait_for_ping(server, port):
                log.seek(0)
                tail = " ".join(log.read().decode(errors="replace").strip().splitlines()[-3:])
                check.reason = f"MLflow's scoring server did not answer /ping: {tail[-600:]}"
                return check
            check.steps.append(f"mlflow models serve answered /ping on port {port}")
            answer = _invoke(port, example)
        finally:
            _stop(server)
    return _compare(check, answer, expected)


def _wait_for_ping(server: subprocess.Popen, port: int) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and server.poll() is None:
        ping = f"http://127.0.0.1:{port}/ping"
        with contextlib.suppress(OSError), urllib.request.urlopen(ping, timeout=2) as reply:
            if reply.status == 200:
                return True
        time.sleep(0.2)  # polling the server's readiness, bounded by the deadline
    return False


def _invoke(port: int, example) -> dict | str:
    body = json.dumps({"dataframe_split": json.loads(example.to_json(orient="split"))})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/invocations",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as reply:  # noqa: S310
            return json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return f"/invocations answered {err.code}: {err.read().decode(errors='replace')[:600]}"
    except OSError as err:
        return f"/invocations failed: {err}"


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and the workers it started (its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _compare(check: ServeCheck, answer, expected) -> ServeCheck:
    import numpy as np

    if isinstance(answer, str):
        check.reason = answer
        return check
    served = np.asarray(answer.get("predictions"))
    local = np.asarray(expected.to_numpy() if hasattr(expected, "to_numpy") else expected)
    same = served.shape == local.shape and (
        np.allclose(served, local, equal_nan=True)
        if np.issubdtype(local.dtype, np.number) and np.issubdtype(served.dtype, np.number)
        else bool((served == local).all())
    )
    if not same:
        check.reason = (
            f"/invocations predicted {served.tolist()[:5]}, but the model predicts "
            f"{local.tolist()[:5]} here."
        )
        return check
    check.steps.append("/invocations predictions equal the model's")
    check.ok, check.reason = True, "servable"
    return check
