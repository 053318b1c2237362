"""The base of every nbops REST handler: authentication, query parsing and error mapping."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from pathlib import Path

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from ...config import Settings, experiment_name, load_settings
from ...exceptions import (
    AccessError,
    ConfirmationNeeded,
    ConflictError,
    InputError,
    NbopsError,
    NotFoundError,
)
from ..paths import resolve_in_root

STATUS_OF = (
    (ConflictError, 409),
    (InputError, 400),
    (NotFoundError, 404),
    (ConfirmationNeeded, 409),
    (NbopsError, 500),
)
MAX_BODY_BYTES = 1_000_000
_MLFLOW_IMPORT = threading.Lock()
_mlflow_imported = False


def _after_mlflow_import(fn, *args):
    """Run ``fn`` once MLflow is imported whole. MLflow's package imports itself circularly:
    handlers importing it for the first time in two threads at once can each find it half
    initialized, which breaks it for the whole server. The first import is serialized."""
    global _mlflow_imported
    if not _mlflow_imported:
        with _MLFLOW_IMPORT:
            if not _mlflow_imported:
                import mlflow  # noqa: F401

                _mlflow_imported = True
    return fn(*args)


class NbopsHandler(ExtensionHandlerMixin, APIHandler):
    """Answers JSON; input errors become 400, missing things 404, the tracking server's refusals
    its 401 or 403, other failures 500.

    Subclasses decorate every method with ``@web.authenticated`` and ``@authorized(ACTION)``
    (a test checks both): jupyter_server's Authorizer decides, for the resource ``nbops``, who may
    ``read`` (every GET), ``write`` (export a step) and ``execute`` (run a notebook, reproduce,
    promote, cancel a job). They run blocking store calls through :meth:`blocking` so the server
    stays responsive.
    """

    auth_resource = "nbops"

    async def prepare(self) -> None:
        """Refuse a request body over ``MAX_BODY_BYTES`` (413) before any work: every body of
        the API is a small JSON object."""
        await super().prepare()
        if len(self.request.body or b"") > MAX_BODY_BYTES:
            raise web.HTTPError(
                413,
                log_message=f"The request body has {len(self.request.body):,} bytes; the nbops "
                f"API takes at most {MAX_BODY_BYTES:,}. Send the JSON object the API describes.",
            )

    @property
    def root_dir(self) -> Path:
        """The server's root folder."""
        return Path(self.serverapp.root_dir)

    def write_error(self, status_code: int, **kwargs) -> None:
        """Write ``{"message": ...}``, with the status decided by the exception's class."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = self._reason
        known = [code for cls, code in STATUS_OF if isinstance(exc, cls)]
        if isinstance(exc, AccessError):  # the tracking server's 401 or 403, passed on
            status_code, message = exc.status, str(exc)
        elif known:
            status_code, message = known[0], str(exc)
        elif isinstance(exc, web.HTTPError):
            message = exc.log_message or self._reason
        elif exc is not None:
            message = f"Unexpected error: {exc}. See the Jupyter server log for details."
        answer = {"message": message}
        if status_code == 405:  # RFC 9110: say which methods the route has
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        if isinstance(exc, ConfirmationNeeded):
            answer["confirm"] = exc.items
        self.set_status(status_code)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(answer))

    def log_exception(self, typ, value, tb) -> None:
        """Log failures with their traceback; input errors are the user's, not the server's."""
        if isinstance(value, (InputError, NotFoundError, ConfirmationNeeded, AccessError)):
            self.log.info("nbops: %s %s: %s", self.request.method, self.request.uri, value)
        else:
            super().log_exception(typ, value, tb)

    async def blocking(self, fn, *args):
        """Run a blocking call (MLflow, file IO) in a worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, _after_mlflow_import, fn, *args)

    def query(self, name: str, default: str | None = None) -> str | None:
        """A query argument exactly as sent (the last one if repeated). Tornado's own readers
        strip spaces and turn control characters into spaces, so a value the API refuses could
        pass as another one."""
        values = self.request.query_arguments.get(name)
        if not values:
            return default
        try:
            return values[-1].decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(
                f"The query argument {name} is not UTF-8.", "Send UTF-8 text."
            ) from err

    def allowed_methods(self) -> list[str]:
        """The HTTP methods this route answers (those its class or an nbops base defines)."""
        return [
            m
            for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
            if m.lower() in type(self).__dict__ or _inherited(type(self), m.lower())
        ]

    def query_bool(self, name: str, default: bool = False) -> bool:
        """Read a ``true``/``false`` query argument; :class:`InputError` otherwise."""
        raw = self.query(name, None)
        if raw is None or raw == "":
            return default
        if raw not in ("true", "false"):
            raise InputError(
                f"The query argument {name}={raw!r} is not valid.", "Give true or false."
            )
        return raw == "true"

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        """Read an integer query argument within ``[low, high]``; :class:`InputError` otherwise."""
        raw = self.query(name, None)
        if raw is None or raw == "":
            return default
        value = int(raw) if re.fullmatch(r"-?[0-9]{1,18}", raw) else None
        if value is None or not low <= value <= high:
            raise InputError(
                f"The query argument {name}={raw!r} is not valid.",
                f"Give a whole number from {low} to {high}.",
            )
        return value

    def existing_notebook(self, api_path: object) -> Path:
        """The notebook ``api_path`` names inside the root: :class:`InputError` for a path that
        is not one, :class:`NotFoundError` (404) when there is no such file."""
        if not isinstance(api_path, str) or not api_path.endswith(".ipynb"):
            raise InputError(
                f"The notebook {api_path!r} is not a notebook.", "Give the path of an .ipynb file."
            )
        notebook = resolve_in_root(self.root_dir, api_path, "notebook")
        if not notebook.is_file():
            raise NotFoundError(f"No notebook {api_path!r}.", "Check the path in the file browser.")
        return notebook

    def notebook_settings(self) -> tuple[Settings, str | None]:
        """Settings and experiment name of the ``notebook`` query argument (root's if absent)."""
        raw = self.query("notebook", None)
        if not raw:
            return load_settings(self.root_dir, self.root_dir), None
        notebook = resolve_in_root(self.root_dir, raw, "notebook")
        if notebook.suffix != ".ipynb":
            raise InputError(
                f"The notebook {raw!r} is not a notebook.", "Give the path of an .ipynb file."
            )
        settings = load_settings(notebook.parent, self.root_dir)
        return settings, experiment_name(notebook, settings.project)


def _inherited(cls: type, method: str) -> bool:
    """Whether ``method`` is defined by an nbops handler class ``cls`` inherits from."""
    return any(
        method in base.__dict__
        for base in cls.__mro__[1:]
        if issubclass(base, NbopsHandler) and base is not NbopsHandler
    )
