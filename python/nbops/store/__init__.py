"""Tracking stores: the interface, the MLflow implementation, and the function that opens them."""

from .base import Metric, RunSummary, Store, finished_run
from .registry import open_store

__all__ = ["Metric", "RunSummary", "Store", "finished_run", "open_store"]
