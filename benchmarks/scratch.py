"""Scratch folders for the benchmarks, removed when the benchmark's process exits.

A benchmark writes projects, stores and frames of hundreds of megabytes; left in ``/tmp`` they add
up run after run until the disk is full.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path


def scratch_folder(prefix: str = "nbops-bench-") -> Path:
    """A new empty folder, removed with everything in it when this process exits."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
