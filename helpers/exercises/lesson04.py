"""Exercise checkers of lesson 04."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import checks


def check_one_gradient_step(answer: Any, X: Any, y: Any, learning_rate: float) -> checks.Feedback:
    """``answer = [w1, ..., wd, b]`` after one gradient-descent step of a sigmoid neuron with
    mean binary cross-entropy, from w = 0, b = 0."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    error = 1.0 / (1.0 + np.exp(-np.zeros(len(X)))) - y  # ŷ - y at w = 0, b = 0
    expected = -learning_rate * np.r_[X.T @ error / len(X), error.mean()]
    return checks.check_value(
        answer,
        expected,
        hint="At w = 0, b = 0 every ŷᵢ is σ(0) = 0.5. ∂L/∂w = Xᵀ(ŷ − y)/n, ∂L/∂b = mean(ŷ − y);"
        " then subtract η times each from 0.",
    )


def check_gradient_w(function: Callable[..., Any]) -> checks.Feedback:
    """``function(X, y, w, b)``: ∂L/∂w of the mean binary cross-entropy of σ(Xw + b),
    compared with central differences of that loss (the definition of the derivative)."""

    def loss(X, y, w, b):
        z = X @ w + b
        return float(np.mean(np.logaddexp(0.0, z) - y * z))  # mean BCE from logits

    def central_differences(X, y, w, b, h=1e-6):
        grad = np.zeros_like(w)
        for j in range(len(w)):
            step = np.zeros_like(w)
            step[j] = h
            grad[j] = (loss(X, y, w + step, b) - loss(X, y, w - step, b)) / (2 * h)
        return grad

    rng = np.random.default_rng(5)
    cases = [
        (
            rng.normal(size=(20, d)),
            rng.integers(0, 2, size=20).astype(float),
            rng.normal(size=d),
            float(rng.normal()),
        )
        for d in (1, 3, 5)
    ]
    return checks.check_function(
        function,
        central_differences,
        cases,
        rtol=1e-5,
        atol=1e-7,
        hint="The error of each sample is σ(Xw + b) − y; weight it by that sample's inputs"
        " (Xᵀ @ error) and divide by the number of samples.",
    )


def check_stable_learning_rate(answer: Any, X: Any) -> checks.Feedback:
    """``answer``: the largest stable learning rate 2 / λ_max of H = (2/n) XᵀX."""
    X = np.asarray(X, dtype=float)
    return checks.check_value(
        answer,
        len(X) / np.linalg.norm(X, ord=2) ** 2,
        rtol=1e-6,
        hint="Check the factor 2/n in H (n is the number of rows) and that you divide 2 by the"
        " largest eigenvalue, not the smallest.",
    )
