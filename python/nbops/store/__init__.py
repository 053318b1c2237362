"""Tracking stores: the interface, the MLflow implementation and the registry that opens them."""

from .base import Metric, RunSummary, Store
from .registry import open_store, register_store

__all__ = ["Metric", "RunSummary", "Store", "open_store", "register_store"]
