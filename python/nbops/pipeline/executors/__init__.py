"""Where tasks run: a registry of executors (``local``, ``dask``) behind one interface."""

from .base import Executor, executor_names, get_executor, register

__all__ = ["Executor", "executor_names", "get_executor", "register"]
