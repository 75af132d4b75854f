"""Activation functions and their derivatives, written out in NumPy (lesson 02).

Each function takes an array of pre-activations ``z`` (any shape) and returns an array of
the same shape in float64. They match ``keras.activations`` (tests/test_activations.py), but
are short enough to read next to their formulas:

    linear(z)     = z                                  derivative 1
    sigmoid(z)    = 1 / (1 + e^{-z})                   derivative s(z) (1 - s(z))
    tanh(z)       = (e^z - e^{-z}) / (e^z + e^{-z})    derivative 1 - tanh(z)^2
    relu(z)       = max(0, z)                          derivative 1 if z > 0 else 0
    leaky_relu(z) = z if z > 0 else alpha z            derivative 1 if z > 0 else alpha
    softmax(z)_i  = e^{z_i} / sum_j e^{z_j}            Jacobian diag(s) - s s^T

The kinks of ReLU and leaky ReLU at z = 0 have no derivative; we return the value TensorFlow's
automatic differentiation uses there (0 for ReLU, alpha for leaky ReLU).

Note the defaults: here ``alpha = 0.01`` (the usual textbook value), while
``keras.activations.leaky_relu`` defaults to ``negative_slope=0.2`` and
``keras.layers.LeakyReLU`` to ``negative_slope=0.3``. Pass the slope explicitly when comparing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

__all__ = [
    "ACTIVATIONS",
    "DERIVATIVES",
    "get",
    "leaky_relu",
    "leaky_relu_derivative",
    "linear",
    "linear_derivative",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "softmax_jacobian",
    "tanh",
    "tanh_derivative",
]


def _as_float(z: ArrayLike) -> Array:
    """Float64 copy-free view of the input, with a clear error for text or ragged lists."""
    try:
        return np.asarray(z, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"Expected numbers (a float, a list of floats or a NumPy array),"
            f" got {type(z).__name__}: {error}"
        ) from None


def linear(z: ArrayLike) -> Array:
    """Identity: a layer with it is a purely linear (affine) map, used for regression outputs."""
    return _as_float(z).copy()


def linear_derivative(z: ArrayLike) -> Array:
    """The slope of the identity is 1 everywhere."""
    return np.ones_like(_as_float(z))


def sigmoid(z: ArrayLike) -> Array:
    """Logistic sigmoid 1 / (1 + e^{-z}): squashes any real number into (0, 1).

    Written so that ``exp`` only ever sees non-positive numbers: for z >= 0 we use
    1 / (1 + e^{-z}), for z < 0 the equal form e^{z} / (1 + e^{z}). The naive formula
    overflows (and warns) for z = -1000, because e^{1000} does not fit in a float.
    """
    z = _as_float(z)
    e = np.exp(-np.abs(z))  # in (0, 1], never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z: ArrayLike) -> Array:
    """d sigmoid / dz = s (1 - s): at most 0.25 (at z = 0), near 0 for large |z| (saturation)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: ArrayLike) -> Array:
    """Hyperbolic tangent (e^z - e^{-z}) / (e^z + e^{-z}), in (-1, 1) and centred on 0.

    Multiplying top and bottom by e^{-|z|} gives sign(z) (1 - e^{-2|z|}) / (1 + e^{-2|z|}),
    the same number without overflow; ``expm1`` keeps full precision for tiny z.
    (The inverse ratio (e^z + e^{-z}) / (e^z - e^{-z}) is coth, not tanh.)
    """
    z = _as_float(z)
    e = np.exp(-2.0 * np.abs(z))
    return np.sign(z) * (-np.expm1(-2.0 * np.abs(z))) / (1.0 + e)


def tanh_derivative(z: ArrayLike) -> Array:
    """d tanh / dz = 1 - tanh^2: at most 1 (at z = 0), and it saturates like the sigmoid."""
    t = tanh(z)
    return 1.0 - t * t


def relu(z: ArrayLike) -> Array:
    """Rectified linear unit max(0, z): cheap, and its slope does not shrink for z > 0."""
    return np.maximum(_as_float(z), 0.0)


def relu_derivative(z: ArrayLike) -> Array:
    """1 where z > 0, else 0 (0 at the kink z = 0, as TensorFlow's gradient)."""
    return (_as_float(z) > 0).astype(np.float64)


def leaky_relu(z: ArrayLike, alpha: float = 0.01) -> Array:
    """z for z > 0, alpha z otherwise: a small slope keeps 'dead' units trainable."""
    z = _as_float(z)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_derivative(z: ArrayLike, alpha: float = 0.01) -> Array:
    """1 where z > 0, else alpha (alpha at the kink z = 0, as TensorFlow's gradient)."""
    return np.where(_as_float(z) > 0, 1.0, alpha)


def softmax(z: ArrayLike, axis: int = -1) -> Array:
    """e^{z_i} / sum_j e^{z_j} along ``axis``: turns scores into probabilities that sum to 1.

    Subtracting max(z) first changes nothing mathematically (it cancels between top and
    bottom) but keeps every exponent <= 0, so z = [1000, 0] gives [1, 0] instead of nan.
    """
    z = _as_float(z)
    if z.ndim == 0:
        raise ValueError("softmax needs a vector of scores (ndim >= 1), got a single number.")
    if z.size == 0:
        return z.copy()
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_jacobian(z: ArrayLike) -> Array:
    """Matrix J[i, j] = d softmax(z)_i / d z_j = s_i (delta_ij - s_j), i.e. diag(s) - s s^T.

    For one sample (a 1-D vector z of length k), J is k x k. Each column sums to 0, because
    the outputs always sum to 1 whatever z does.
    """
    z = _as_float(z)
    if z.ndim != 1 or z.size == 0:
        raise ValueError(
            f"softmax_jacobian takes one non-empty score vector (shape (k,)), got shape {z.shape};"
            " for a batch, call it once per row."
        )
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)


ACTIVATIONS = {
    "linear": linear,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softmax": softmax,
}

DERIVATIVES = {
    "linear": linear_derivative,
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
}


def get(name: str) -> Callable[..., Array]:
    """The activation called ``name`` (as in Keras: 'sigmoid', 'relu', ...)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"Unknown activation {name!r}: use one of {sorted(ACTIVATIONS)} or pass a function."
        ) from None
