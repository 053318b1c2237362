"""Notifications: tell a person when something needs them, through apprise.

``notify:`` in ``nbops.toml`` (``[tool.nbops]`` of ``pyproject.toml``) and in ``pipeline.yaml``
is a list of ``{on: [EVENTS], url: URL}``. URLs are apprise's (``json://``, ``slack://``,
``mailto://``, ``msteams://`` and the rest) and may hold ``${NAME}``: the environment variable,
read when sending, so that tokens stay out of files. A URL is never recorded in a run, a report,
a DAG file or a log; logs name it as apprise's privacy form without its path.

Whoever ends the work sends: the pipeline's coordinator or a scheduler's close task
(``failure``, ``success``), ``nbops run`` (the same for one notebook), ``nbops monitor``
(``drift``), ``nbops promote`` (``promotion``, ``refusal``) and ``nbops reproduce``
(``reproduction-different``). A notification that cannot be delivered is logged; it never
changes a run's status or an exit code.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .config import read_file_settings, unknown_keys
from .exceptions import InputError

EVENTS = ("failure", "success", "drift", "promotion", "refusal", "reproduction-different")
KEYS = ("on", "url")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
KINDS = {"failure": "failure", "refusal": "warning", "drift": "warning", "success": "success"}
HINT = "Write e.g. notify: [{on: [failure, drift], url: 'json://host/hook'}] (apprise's URLs)."

log = logging.getLogger("nbops.notify")


@dataclass(frozen=True)
class Target:
    """Where one ``notify:`` entry sends, and on which events."""

    events: tuple[str, ...]
    url: str  # as written: ${NAME} not expanded

    @property
    def shown(self) -> str:
        """The URL as logs may show it: apprise's privacy form, scheme and host only."""
        return shown_url(self.url)


@dataclass(frozen=True)
class Notice:
    """One thing to tell: its event, a title and a body that says how to open the report."""

    event: str
    title: str
    body: str


def read_targets(value: object, where: str) -> list[Target]:
    """Check a ``notify:`` value (a list of ``{on, url}`` mappings) read from ``where``.

    Parameters
    ----------
    value:
        What the file holds under ``notify``; ``None`` is no target.
    where:
        The file (and place) it came from, named in errors.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        # the value is not echoed: it may be a URL holding a token
        raise InputError(
            f"{where}: `notify` must be a list of {{on, url}}, not a {type(value).__name__}.", HINT
        )
    return [_target(entry, where) for entry in value]


def _target(entry: object, where: str) -> Target:
    if not isinstance(entry, dict):
        raise InputError(
            f"{where}: a `notify` entry must be a mapping, not a {type(entry).__name__}.", HINT
        )
    if True in entry and "on" not in entry:  # YAML 1.1 reads a bare `on:` key as true
        entry = {("on" if key is True else key): value for key, value in entry.items()}
    unknown, guess = unknown_keys(entry, KEYS)
    if unknown:
        raise InputError(f"{where}: a `notify` entry has unknown keys {unknown}.", guess + HINT)
    events = entry.get("on")
    events = [events] if isinstance(events, str) else events
    if not events or not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise InputError(f"{where}: a `notify` entry needs `on:`, a list of events.", HINT)
    wrong = [e for e in events if e not in EVENTS]
    if wrong:
        raise InputError(
            f"{where}: unknown notify events {wrong}.", f"Events: {', '.join(EVENTS)}."
        )
    url = entry.get("url")
    if not isinstance(url, str) or not url.strip():
        raise InputError(f"{where}: a `notify` entry needs `url:`, an apprise URL.", HINT)
    url = url.strip()
    if not VARIABLE.search(url) and _service(url) is None:
        raise InputError(
            f"{where}: apprise does not know the notify URL {shown_url(url)}.",
            "Use one of apprise's URLs (json://, slack://, mailto://, msteams://, ...).",
        )
    return Target(tuple(dict.fromkeys(events)), url)


def project_targets(project: Path) -> list[Target]:
    """The ``notify:`` targets of a project's settings file (none without one).

    Parameters
    ----------
    project:
        The project folder.
    """
    table, source = read_file_settings(project)
    return read_targets(table.get("notify"), str(source))


def send(notice: Notice, targets: Iterable[Target]) -> int:
    """Send ``notice`` to every target listening for its event; return how many got it.

    Never raises: a URL naming an unset variable, an unreachable service or any error of the
    notification service is logged (the URL in its privacy form) and skipped.

    Parameters
    ----------
    notice:
        What to send.
    targets:
        The configured targets (the event decides which of them get it).
    """
    sent = 0
    for target in _unique(t for t in targets if notice.event in t.events):
        try:
            url = expand(target.url)
            with _quiet():
                service = _service(url)
                ok = bool(service) and service.notify(
                    body=notice.body,
                    title=notice.title,
                    notify_type=KINDS.get(notice.event, "info"),
                )
        except KeyError as err:  # a variable the URL names is not set
            log.warning("nbops: the %s notification to %s was not sent: %s.", notice.event,
                        target.shown, err.args[0])  # fmt: skip
            continue
        except Exception as err:  # noqa: BLE001 - a notification never ends the work
            # only the error's kind: a service's message may quote the whole URL
            log.warning("nbops: the %s notification to %s failed (%s).", notice.event,
                        target.shown, type(err).__name__)  # fmt: skip
            continue
        if ok:
            sent += 1
        else:
            log.warning(
                "nbops: the %s notification could not be delivered to %s.",
                notice.event,
                target.shown,
            )
    return sent


def expand(url: str) -> str:
    """``url`` with each ``${NAME}`` replaced by the environment variable; a :class:`KeyError`
    names a variable that is not set."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise KeyError(f"the variable {name} in its URL is not set")
        return os.environ[name]

    return VARIABLE.sub(value, url)


def shown_url(url: str) -> str:
    """A URL as logs may show it: apprise's privacy form, cut to its scheme and host."""
    with _quiet():
        service = None if VARIABLE.search(url) else _service(url)
    private = service.url(privacy=True) if service else url
    parts = urlsplit(private)
    host = parts.netloc.rpartition("@")[2] if not service else parts.netloc
    return f"{parts.scheme}://{host}" if parts.scheme else "(an unreadable URL)"


def without_urls(text: str, targets: Iterable[Target]) -> str:
    """``text`` (a pipeline file about to be kept in a run) with every target's URL shown as
    :func:`shown_url`: a literal token in a URL never reaches the store. Where the file writes a
    URL otherwise than as its value (YAML escapes, a folded line), the file is kept as its
    parsed content instead, its comments lost but no URL."""
    import yaml

    targets = list(targets)
    kept = text
    for target in targets:
        kept = kept.replace(target.url, shown_url(target.url))
    data = yaml.safe_load(kept)
    entries = data.get("notify") if isinstance(data, dict) else None
    entries = [e for e in entries or [] if isinstance(e, dict)]
    if not {str(e.get("url", "")).strip() for e in entries} & {t.url for t in targets}:
        return kept
    for entry in entries:
        entry["url"] = shown_url(str(entry.get("url", "")).strip())
        if True in entry:  # YAML 1.1 read `on:` as true: write it back as `on`
            entry["on"] = entry.pop(True)
    return yaml.safe_dump(data, sort_keys=False)


def report_hint(run_id: str, report: Path | str | None = None) -> str:
    """How to open a run's report: the command, and the file when there is one on this machine."""
    line = f"Its report: nbops report {run_id}"
    return f"{line} (or {report})" if report else line


def _service(url: str):
    """apprise's service for ``url``, ``None`` when apprise does not know it."""
    import apprise

    return apprise.Apprise.instantiate(url)


def _unique(targets: Iterable[Target]) -> list[Target]:
    return list({t.url: t for t in targets}.values())


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence apprise's own log while it runs: its messages hold whole URLs (secrets)."""
    logger = logging.getLogger("apprise")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL + 1)
    logger.propagate = False
    try:
        yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate
