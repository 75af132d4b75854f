"""Exercise checkers of lesson 03."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import checks


def check_bce_from_logits(function: Callable[..., Any]) -> checks.Feedback:
    """``function(y, z)``: per-sample binary cross-entropy from logits, finite for |z| = 1000."""
    rng = np.random.default_rng(4)

    def reference(y, z):
        return np.logaddexp(0.0, z) - z * y  # log(1 + e^z) - z y, computed without overflow

    cases = [
        (np.array([1.0, 0.0, 1.0, 1.0, 0.0]), np.array([2.2, -1.4, 0.4, 4.6, -0.4])),
        (np.array([0.0, 1.0, 0.0, 1.0]), np.array([1000.0, -1000.0, -100.0, 100.0])),
        (rng.integers(0, 2, 50).astype(float), rng.normal(0, 5, 50)),
    ]
    return checks.check_function(
        function,
        reference,
        cases,
        hint="Code the last formula of section 8 (the one with |z|), not sigmoid then log;"
        " np.maximum, np.abs, np.exp and np.log1p work elementwise.",
    )
