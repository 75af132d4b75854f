"""Exercise checkers of lesson 05."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import checks
from helpers.exercises import common


def check_diverging_rate(answer: Any, candidates: Any, X: Any) -> checks.Feedback:
    """``answer``: one of ``candidates`` at which batch descent on the mean squared error of a
    linear model with inputs ``X`` (plus a bias) diverges, i.e. η > 2 / λ_max(H)."""
    X = np.asarray(X, dtype=float)
    X1 = np.c_[X, np.ones(len(X))]
    limit = 2 / np.linalg.eigvalsh(2 / len(X) * X1.T @ X1).max()
    if not any(c > limit for c in candidates):
        raise ValueError("No candidate diverges on this data: the exercise needs a larger one.")
    hint = "Compare each candidate with the stability limit 2 / λ_max printed in section 2."
    value = common.number(answer, hint="Answer with one of the numbers in CANDIDATES.")
    if isinstance(value, checks.Feedback):
        return value
    return checks.check_true(
        any(np.isclose(value, c) for c in candidates) and value > limit, hint=hint
    )
