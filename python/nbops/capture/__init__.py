"""Experiment capture: the run lifecycle and what a run records."""

from .session import Session, current_session, reset_session

__all__ = ["Session", "current_session", "reset_session"]
