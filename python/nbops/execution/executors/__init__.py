"""Where tasks run: a registry of executors (``local``, ``dask``) behind one interface."""

from .base import Executor, check_store_reachable, executor_names, get_executor, register

__all__ = ["Executor", "check_store_reachable", "executor_names", "get_executor", "register"]
