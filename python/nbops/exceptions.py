"""The one exception hierarchy of nbops.

Every error says what went wrong, on which input, and what to do about it. The REST API maps
:class:`InputError` to 400, :class:`NotFoundError` to 404, :class:`AccessError` to the server's
401 or 403, and any other :class:`NbopsError` to 500.
"""

from __future__ import annotations


class NbopsError(Exception):
    """Base class of every error nbops raises on purpose.

    Parameters
    ----------
    message:
        What went wrong, naming the input.
    hint:
        What the user can do about it; shown after the message.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def __reduce__(self):
        # keep every attribute across processes (a worker's error reaches the server whole);
        # the default would call the class with the message only
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(cls, args, state):
    error = Exception.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfirmationNeeded(NbopsError):
    """What was asked would load content someone else wrote (a model: unpickled, its code run);
    it goes ahead only when asked again with a confirmation.

    Parameters
    ----------
    message, hint:
        As for :class:`NbopsError`.
    items:
        What would be loaded, one line each.
    """

    def __init__(self, message: str, hint: str = "", items: list[str] | None = None) -> None:
        super().__init__(message, hint)
        self.items = list(items or [])


class InputError(NbopsError, ValueError):
    """A value given by the user is malformed or out of range."""


class ConflictError(InputError):
    """A well-formed request that the present state refuses (a run that did not finish, a run
    that logged no model). The REST API answers it 409; the CLI, as any input error, exit 2."""


class NotFoundError(NbopsError, LookupError):
    """A run, experiment, notebook or snapshot that was asked for does not exist."""


class ConfigError(NbopsError):
    """A configuration file (``nbops.toml`` or ``[tool.nbops]``) cannot be read."""


class StoreUnavailableError(NbopsError):
    """The tracking store cannot be opened or reached.

    Parameters
    ----------
    uri:
        The tracking URI that failed.
    reason:
        The underlying cause, in one line.
    hint:
        How to fix it: usually which setting the URI came from.
    """

    def __init__(self, uri: str, reason: str, hint: str = "") -> None:
        from .credentials import known_secrets, public_uri, redact

        reason = redact(reason, known_secrets())
        super().__init__(f"The tracking store {public_uri(uri)!r} is not usable: {reason}.", hint)
        self.uri = public_uri(uri)
        self.reason = reason


class AccessError(NbopsError):
    """The tracking server answered, and refused: the credentials (:class:`AuthenticationError`)
    or what this user asked for (:class:`PermissionDeniedError`). Never an outage: nothing
    retries it. The CLI exits 2; the REST API answers with the server's status (401 or 403).

    Parameters
    ----------
    uri:
        The tracking URI (shown without credentials).
    user:
        Who the server was told the user is (``None``: no credentials were sent).
    doing:
        What was refused, naming the resource ("create a run in experiment 'x'").
    hint:
        What to do.
    """

    status = 403

    def __init__(self, uri: str, user: str | None, doing: str, hint: str = "") -> None:
        from .credentials import public_uri

        self.uri, self.user, self.doing = public_uri(uri), user, doing
        super().__init__(self._message(), hint or self._hint())

    def _message(self) -> str:
        return f"The tracking server {self.uri} refused to {self.doing}."

    def _hint(self) -> str:
        return ""


class AuthenticationError(AccessError):
    """The server rejected the credentials (HTTP 401), or none were sent where it needs some."""

    status = 401

    def _message(self) -> str:
        if self.user is None:
            return (
                f"Credentials rejected at {self.uri}: none were sent, or its token was refused "
                f"(while trying to {self.doing})."
            )
        return (
            f"Credentials rejected for user {self.user!r} at {self.uri} "
            f"(while trying to {self.doing})."
        )

    def _hint(self) -> str:
        return (
            "Set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) "
            "to credentials the server accepts; nothing was retried."
        )


class PermissionDeniedError(AccessError):
    """The server knows the user and refuses the action (HTTP 403)."""

    def _message(self) -> str:
        who = f"User {self.user!r}" if self.user else "This user"
        return f"{who} may not {self.doing} on the tracking server {self.uri}."

    def _hint(self) -> str:
        return (
            "Ask the resource's owner or an admin of the server for the permission (EDIT to "
            "write, MANAGE to change permissions), or use a resource of your own."
        )


class FlushError(NbopsError):
    """Logged values could not be written to the store; they are kept for a later flush."""


class SnapshotIntegrityError(NbopsError):
    """A snapshot's stored data no longer matches the fingerprint it was saved under."""


class ExpectationError(NbopsError):
    """Data did not meet its expectations (raised only when asked to be strict)."""


class MissingDependencyError(NbopsError):
    """A package this machine needs for the configured store is not installed (the CLI exits 2
    before anything runs)."""


class ExecutorError(NbopsError):
    """An executor cannot start (a missing package, a scheduler that does not answer)."""


class EnvironmentBuildError(NbopsError):
    """An environment a run needs cannot be made here (a package cannot be installed)."""


class EvaluationError(NbopsError):
    """A model could not be scored on the evaluation data (``nbops promote --eval``)."""


class WorkerLostError(NbopsError):
    """The worker running a task died before the task ended (the task may be retried)."""


class TaskError(NbopsError):
    """A task failed on its worker outside the notebook (it could not even start papermill).

    Parameters
    ----------
    message:
        What failed, naming the task.
    traceback:
        The worker's traceback, kept on the run as ``error.txt``.
    """

    def __init__(self, message: str, traceback: str = "", hint: str = "") -> None:
        super().__init__(message, hint)
        self.traceback = traceback
