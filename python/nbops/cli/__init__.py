"""The ``nbops`` command: a thin door over the core, one module per family of commands."""

from . import loop, pipelines, reproduce, schedules, steps, tracking  # noqa: F401 - importing registers the commands
from .base import main

__all__ = ["main"]
