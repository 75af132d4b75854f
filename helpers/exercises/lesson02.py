"""Exercise checkers of lesson 02."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import checks
from helpers.exercises import common


def check_tanh(function: Callable[..., Any]) -> checks.Feedback:
    """``function(z)``: tanh, elementwise, from exponentials; must stay finite for |z| large."""
    if common.borrowed(function, "tanh"):
        return checks.Feedback(False)
    rng = np.random.default_rng(2)
    cases = [
        (np.linspace(-5, 5, 21),),
        (np.array([0.0]),),
        (rng.normal(size=(3, 4)),),
        (np.array([-800.0, -30.0, 30.0, 800.0]),),
    ]
    return checks.check_function(
        function,
        np.tanh,
        cases,
        hint="Use np.exp(z) and np.exp(-z) as in the 'tanh, carefully' paragraph; check which"
        " ratio you wrote (the upside-down one is coth). If only the last test input fails,"
        " e^800 overflows: rewrite the ratio with e^(-2|z|) only, as that paragraph does.",
    )


def check_sigmoid_derivative(function: Callable[..., Any]) -> checks.Feedback:
    """``function(z)``: d sigmoid / dz, elementwise."""
    if common.borrowed(function, "sigmoid_derivative"):
        return checks.Feedback(False)
    rng = np.random.default_rng(3)

    def reference(z):
        s = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))  # sigmoid, overflow-free
        return s * (1.0 - s)

    cases = [(np.linspace(-8, 8, 33),), (rng.normal(size=(2, 5)),)]
    return checks.check_function(
        function,
        reference,
        cases,
        hint="The table in section 1 writes sigmoid'(z) in terms of sigmoid(z) itself: compute"
        " sigmoid(z) once and reuse it.",
    )


def check_collapsed_layers(W: Any, b: Any, W1: Any, b1: Any, W2: Any, b2: Any) -> checks.Feedback:
    """Two linear layers ``(x W1 + b1) W2 + b2`` equal one, ``x W + b``: check ``W`` and ``b``."""
    W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (W1, b1, W2, b2))
    ok_w = checks.check_value(
        W,
        W1 @ W2,
        hint="Expand (x W1 + b1) W2 + b2: the matrix multiplying x is a product of two matrices.",
    )
    ok_b = checks.check_value(
        b, b1 @ W2 + b2, hint="The constant part is b1 passed through the second layer, plus b2."
    )
    return checks.Feedback(bool(ok_w) and bool(ok_b))
