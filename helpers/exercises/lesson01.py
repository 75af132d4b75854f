"""Exercise checkers of lesson 01."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import checks


def check_perceptron_update(function: Callable[..., Any]) -> checks.Feedback:
    """``function(w, b, x, y, eta)`` must return ``np.append(w_new, b_new)`` after one step
    of the perceptron rule (prediction ``step(w·x + b)``, then ``w += eta (y - ŷ) x``,
    ``b += eta (y - ŷ)``)."""

    def reference(w, b, x, y, eta):
        predicted = float(np.dot(w, x) + b >= 0)
        return np.append(
            np.asarray(w) + eta * (y - predicted) * np.asarray(x), b + eta * (y - predicted)
        )

    cases = [
        (np.array([0.0, 0.0]), 0.0, np.array([1.0, 1.0]), 0.0, 1.0),  # false alarm
        (np.array([0.5, -0.2]), -1.0, np.array([1.0, 2.0]), 1.0, 0.1),  # missed positive
        (np.array([1.0, 1.0]), -1.5, np.array([1.0, 1.0]), 1.0, 0.5),  # already right
        (np.array([0.2, -0.4, 0.1]), 0.3, np.array([1.0, 0.0, 2.0]), 0.0, 0.25),  # 3 inputs
    ]
    return checks.check_function(
        function,
        reference,
        cases,
        hint="Predict first with step(...), then apply the two updates of section 3 (one for"
        " w, one for b). A correct prediction must leave w and b unchanged.",
    )
