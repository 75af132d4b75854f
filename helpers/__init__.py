"""Shared helpers of the course: set-up, datasets, plots, from-scratch maths and exercise checks.

Every notebook starts with ``QUICK, SEED = helpers.setup()``. The submodules are imported on
first use (``helpers.datasets``, ``helpers.plots``, ...) so that the set-up cell stays fast
and TensorFlow is only loaded once its log noise has been turned down.
"""

from __future__ import annotations

import importlib
import os

# Must be set before TensorFlow is first imported anywhere.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from helpers.environment import report_env, setup  # noqa: E402
from helpers.results import record  # noqa: E402
from helpers.settings import quick_mode, run_seeds, seed  # noqa: E402

__all__ = ["quick_mode", "record", "report_env", "run_seeds", "seed", "setup"]


def __getattr__(name: str):
    """Import a submodule lazily, so ``helpers.datasets`` works after ``import helpers``."""
    try:
        return importlib.import_module(f"helpers.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"helpers.{name}":
            raise AttributeError(f"module 'helpers' has no attribute {name!r}") from None
        raise
