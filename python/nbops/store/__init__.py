"""Tracking stores: the interface, the MLflow implementation, and the function that opens them."""

from .base import Metric, RunSummary, Store
from .registry import open_store

__all__ = ["Metric", "RunSummary", "Store", "open_store"]
