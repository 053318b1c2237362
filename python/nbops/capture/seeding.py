"""``nbops.seed(n)``: one call seeds every random number generator a notebook is likely to use."""

from __future__ import annotations

import random
import sys

from ..exceptions import InputError

MAX_SEED = 2**32 - 1  # NumPy's legacy seeding accepts no more


def check_seed(n: object) -> int:
    """``n`` if it is a whole number from 0 to 2**32 - 1; :class:`InputError` otherwise."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_SEED:
        raise InputError(
            f"The seed {n!r} is not valid.", f"Give a whole number from 0 to {MAX_SEED}."
        )
    return n


def seedable() -> list[str]:
    """The generators :func:`seed_everything` seeds in this process."""
    import importlib.util

    found = ["random"] + (["numpy"] if importlib.util.find_spec("numpy") else [])
    return found + [name for name in ("torch", "tensorflow") if name in sys.modules]


def seed_everything(n: int) -> list[str]:
    """Seed Python's ``random``, NumPy's global generator and, when the notebook imported them,
    PyTorch and TensorFlow; return the names of what was seeded."""
    check_seed(n)
    random.seed(n)
    seeded = ["random"]
    try:
        import numpy
    except ImportError:
        numpy = None
    if numpy is not None:
        numpy.random.seed(n)
        seeded.append("numpy")
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(n)  # every device, CUDA included
        seeded.append("torch")
    tensorflow = sys.modules.get("tensorflow")
    if tensorflow is not None:
        tensorflow.random.set_seed(n)
        seeded.append("tensorflow")
    return seeded
