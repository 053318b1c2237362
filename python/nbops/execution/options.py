"""The options of headless runs, one object from where they are given to where they are used.

:class:`RunOptions` says how each run executes (its timeouts, its environment check);
:class:`Placement` says where many runs execute (the executor, its workers, its cluster). The
command line builds them from flags (``cli/base.py`` makes each field's flag from its metadata),
the REST API from request fields, Python callers directly; they travel unchanged through
``run``, pipelines, sweeps, the coordinator and the lab's jobs to the task a worker executes.
A new option is a field here, its REST field, and the code that uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from ..exceptions import InputError


def _seconds(label: str, help_text: str):
    """A field holding a positive number of seconds, or ``None`` for no limit."""
    return field(default=None, metadata={"kind": "seconds", "label": label, "help": help_text})


def _flag(help_text: str):
    """A field that is off unless given."""
    return field(default=False, metadata={"kind": "flag", "help": help_text})


def flag_name(name: str) -> str:
    """The command-line flag of the option ``name`` (``run_timeout`` -> ``--run-timeout``)."""
    return "--" + name.replace("_", "-")


def positive_seconds(label: str, flag: str, value: object) -> float | None:
    """``value`` as seconds if it is a positive number (or ``None``); :class:`InputError` if not."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InputError(
            f"The {label} {value!r} is not a positive number of seconds.",
            f"Give e.g. {flag} 3600, or leave it out for no limit.",
        )
    return float(value)


@dataclass(frozen=True)
class RunOptions:
    """How each headless run executes. Checked when made: a bad value is an
    :class:`InputError` naming the option, before anything runs."""

    timeout: float | None = _seconds("cell timeout", "Seconds each cell may run.")
    run_timeout: float | None = _seconds(
        "run timeout",
        "Seconds each run may take as a whole; then its kernel stops and the run FAILS.",
    )
    strict_env: bool = _flag(
        "Refuse to run a step whose lock (requirements.txt) the kernel's packages do not match."
    )

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.metadata["kind"] == "seconds":
                checked = positive_seconds(spec.metadata["label"], flag_name(spec.name), value)
                object.__setattr__(self, spec.name, checked)
            elif not isinstance(value, bool):
                raise InputError(
                    f"The option {spec.name} must be true or false, not {value!r}.",
                    f"Give {flag_name(spec.name)} or leave it out.",
                )

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> RunOptions:
        """The options among ``values`` (a request's fields, click's keyword arguments); the
        others are ignored, a ``None`` is the option's default."""
        given = {f.name: values[f.name] for f in fields(cls) if values.get(f.name) is not None}
        return cls(**given)

    @classmethod
    def from_keywords(cls, keywords: Mapping[str, object]) -> RunOptions:
        """The options named in ``keywords`` (a Python caller's); an unknown name is an
        :class:`InputError` listing the known ones."""
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(keywords) - set(known))
        if unknown:
            raise InputError(
                f"Unknown run option(s): {', '.join(unknown)}.", f"Known: {', '.join(known)}."
            )
        return cls(**keywords)

    def over(self, base: RunOptions) -> RunOptions:
        """These options where they are set, ``base``'s elsewhere (a job's over its
        coordinator's)."""
        defaults = RunOptions()
        changed = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(defaults, f.name)
        }
        return replace(base, **changed)


@dataclass(frozen=True)
class Placement:
    """Where many runs execute: an installed executor (``nbops executors``), how many runs at
    once (default: the executor's own), and its cluster's address if it takes one."""

    executor: str = "local"
    workers: int | None = None
    address: str | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and (
            isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1
        ):
            raise InputError(
                f"The number of workers {self.workers!r} is not a positive whole number.",
                "Give e.g. --workers 4, or leave it out.",
            )
