"""Exercise checkers of lesson 10."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import checks
from helpers.exercises import common


def check_always_negative_accuracy(answer: Any, y_true: Any) -> checks.Feedback:
    """``answer``: the accuracy of a model that always predicts 0 on ``y_true``."""
    y = common.labels(y_true, "y_true")
    return checks.check_value(
        answer,
        float(np.mean(y == 0)),
        rtol=1e-9,
        hint="It is right exactly on the customers who stay: the share of zeros in the labels.",
    )


def check_focal_loss(function: Callable[..., Any]) -> checks.Feedback:
    """``function(y, p, gamma, alpha)``: per-example focal loss with class balancing alpha."""

    def reference(y, p, gamma, alpha):
        p_t = np.where(y == 1, p, 1 - p)
        alpha_t = np.where(y == 1, alpha, 1 - alpha)
        return -alpha_t * (1 - p_t) ** gamma * np.log(p_t)

    cases = [
        (np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.3]), 2.0, 0.75),
        (np.array([0.0, 1.0]), np.array([0.6, 0.6]), 0.0, 0.5),
        (np.array([1.0, 0.0, 0.0, 1.0]), np.array([0.05, 0.95, 0.5, 0.99]), 3.0, 0.25),
    ]
    return checks.check_function(
        function,
        reference,
        cases,
        rtol=1e-6,
        hint="p_t = p where y = 1 else 1 - p (np.where); the same pattern for α_t; then the"
        " formula of section 7.",
    )
