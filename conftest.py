"""Test-suite settings shared by the unit tests and the nbval notebook runs.

Notebooks run in QUICK mode, and read data from the offline mirror ``../shared/datasets``
when it sits beside the repository, so the suite needs no network. Kernels started by
nbval inherit these environment variables.
"""

import os
from pathlib import Path

import matplotlib

from helpers import settings

# Keeps the notebooks nbval executed, for the website, when DLCOURSE_EXECUTED_DIR is set.
pytest_plugins = ["tools.keep_executed"]

ROOT = Path(__file__).resolve().parent
MIRROR = ROOT.parent / "shared" / "datasets"

os.environ.update(settings.for_run(quick=True))
# Unit tests draw off-screen; the notebooks' kernels keep Jupyter's inline backend, so that
# their figures are drawn as a learner sees them (and can become the website's pages).
matplotlib.use("Agg")
if MIRROR.is_dir() and settings.DATA_MIRROR_VAR not in os.environ:
    os.environ[settings.DATA_MIRROR_VAR] = str(MIRROR)
