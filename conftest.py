"""Test-suite settings shared by the unit tests and the nbval notebook runs.

Notebooks run in QUICK mode, and read data from the offline mirror ``../shared/datasets``
when it sits beside the repository, so the suite needs no network. Kernels started by
nbval inherit these environment variables.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MIRROR = ROOT.parent / "shared" / "datasets"

os.environ["DLCOURSE_QUICK"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
if MIRROR.is_dir() and "DLCOURSE_DATA_MIRROR" not in os.environ:
    os.environ["DLCOURSE_DATA_MIRROR"] = str(MIRROR)
