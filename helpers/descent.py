"""Gradient descent from scratch: a sigmoid neuron (logistic regression) and linear regression.

Lesson 04 derives the gradients written here and checks them with ``numerical_gradient``;
lesson 05 runs ``gradient_descent`` with a full batch, one sample, or mini-batches. The
model is ŷ = σ(X·w + b) (logistic) or ŷ = X·w + b (linear); X has one row per sample.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.activations import sigmoid
from helpers.losses import binary_cross_entropy, mean_squared_error

MODELS = ("logistic", "linear")


def _check_data(X: Any, y: Any, model: str) -> tuple[np.ndarray, np.ndarray]:
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}: use one of {MODELS}.")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (samples, features), got shape {X.shape}; "
            "for one feature use X.reshape(-1, 1)."
        )
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(
            f"y must be 1-D with one value per row of X ({len(X)}), got shape {y.shape}."
        )
    if len(X) == 0:
        raise ValueError("X has no rows.")
    for name, values in (("X", X), ("y", y)):
        if not np.all(np.isfinite(values)):
            raise ValueError(
                f"{name} contains NaN or inf, which would turn every weight into NaN:"
                " fill or drop the missing values first."
            )
    if model == "logistic" and not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(
            f"Logistic regression needs labels 0 and 1, got values {np.unique(y)[:5]}: "
            "encode the classes as 0/1 first."
        )
    return X, y


def _check_params(X: np.ndarray, w: Any, b: Any) -> tuple[np.ndarray, float]:
    w = np.asarray(w, dtype=float)
    if w.shape != (X.shape[1],):
        raise ValueError(
            f"w must have shape ({X.shape[1]},), one weight per feature; got {w.shape}."
        )
    if np.ndim(b) != 0:
        raise ValueError(f"b must be a single number, got shape {np.shape(b)}.")
    if not (np.all(np.isfinite(w)) and np.isfinite(b)):
        raise ValueError("The starting w and b contain NaN or inf: start from finite numbers.")
    return w, float(b)


def predict(X: Any, w: Any, b: float, model: str = "logistic") -> np.ndarray:
    """ŷ = σ(X·w + b) for the logistic model (a probability), X·w + b for the linear one."""
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}: use one of {MODELS}.")
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (samples, features), got shape {X.shape}.")
    w, b = _check_params(X, w, b)
    z = X @ w + b
    return sigmoid(z) if model == "logistic" else z


def loss(X: Any, y: Any, w: Any, b: float, model: str = "logistic") -> float:
    """Mean binary cross-entropy (logistic) or mean squared error (linear) over the rows."""
    X, y = _check_data(X, y, model)
    w, b = _check_params(X, w, b)
    return _loss(X, y, w, b, model)


def _loss(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, model: str) -> float:
    z = X @ w + b
    if model == "logistic":
        # From the logit z: log σ(z) is computed stably even where σ(z) rounds to 0 or 1.
        return float(binary_cross_entropy(y, z, from_logits=True))
    return float(mean_squared_error(y, z))


def gradient(X: Any, y: Any, w: Any, b: float, model: str = "logistic") -> tuple[np.ndarray, float]:
    """(∂L/∂w, ∂L/∂b) of the mean loss, derived in lesson 04.

    logistic, L = mean BCE:  ∂L/∂w = Xᵀ(σ(Xw + b) − y)/n,    ∂L/∂b = mean(σ(Xw + b) − y)
    linear,   L = MSE:       ∂L/∂w = 2·Xᵀ(Xw + b − y)/n,     ∂L/∂b = 2·mean(Xw + b − y)
    """
    X, y = _check_data(X, y, model)
    w, b = _check_params(X, w, b)
    return _gradient(X, y, w, b, model)


def _gradient(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, model: str
) -> tuple[np.ndarray, float]:
    z = X @ w + b
    error = (sigmoid(z) if model == "logistic" else z) - y
    if model == "linear":
        error = 2 * error
    return X.T @ error / len(y), float(error.mean())


def numerical_gradient(f: Callable[[np.ndarray], float], x: Any, h: float = 1e-6) -> np.ndarray:
    """Central differences: ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h), one coordinate at a time.

    The error is O(h²), so with h = 1e-6 in float64 it agrees with a correct analytic gradient
    to about 1e-8: a wrong derivative shows up as a far larger difference.
    """
    x = np.array(x, dtype=float)
    if h <= 0:
        raise ValueError(f"h must be > 0, got {h}.")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def minibatches(
    n: int, batch_size: int, rng: np.random.Generator | None, drop_last: bool = False
) -> Iterator[np.ndarray]:
    """Index arrays that cover 0..n-1 exactly once: one epoch. Shuffled when ``rng`` is given.

    The last batch is smaller when batch_size does not divide n (Keras does the same). With
    ``drop_last`` that smaller batch is skipped (``tf.data``'s ``drop_remainder``): every update
    then averages the same number of samples, and the skipped rows differ from epoch to epoch.
    """
    if not 1 <= batch_size <= n:
        raise ValueError(
            f"batch_size must be between 1 and the number of samples {n}, got {batch_size}."
        )
    order = rng.permutation(n) if rng is not None else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        yield order[start : start + batch_size]


@dataclass
class DescentResult:
    """What a run of ``gradient_descent`` returns.

    losses[k] is the loss on the whole training set after k updates (losses[0]: before any);
    seconds[k] is the wall time of update k+1 (gradient and step only, not the loss logging).
    """

    w: np.ndarray
    b: float
    losses: np.ndarray
    seconds: np.ndarray
    updates_per_epoch: int

    @property
    def epoch_losses(self) -> np.ndarray:
        """Training loss at the start and after each epoch."""
        return self.losses[:: self.updates_per_epoch]

    @property
    def elapsed(self) -> np.ndarray:
        """Cumulative update time, aligned with ``losses`` (starts at 0)."""
        return np.concatenate([[0.0], np.cumsum(self.seconds)])


def gradient_descent(
    X: Any,
    y: Any,
    *,
    learning_rate: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    model: str = "logistic",
    w0: Any = None,
    b0: float = 0.0,
    optimizer: Any = None,
    shuffle: bool = True,
    drop_last: bool = False,
    seed: int = 0,
) -> DescentResult:
    """Train w and b by gradient descent: w ← w − η·∂L/∂w, b ← b − η·∂L/∂b on each batch.

    batch_size None or n: batch GD (one update per epoch); 1: stochastic GD; k: mini-batch GD.
    Batches are drawn from a fresh shuffle every epoch (a NumPy Generator seeded by ``seed``);
    ``drop_last`` skips each epoch's smaller last batch (see ``minibatches``).
    Starts from w0 (default zeros) and b0. With ``optimizer`` (a ``helpers.optimizers``
    instance) its update rule replaces the plain step and ``learning_rate`` is ignored.
    """
    X, y = _check_data(X, y, model)
    n, d = X.shape
    batch_size = n if batch_size is None else int(batch_size)
    if not 1 <= batch_size <= n:
        raise ValueError(
            f"batch_size must be between 1 (stochastic) and n = {n} (full batch), got {batch_size}."
        )
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}.")
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}.")
    w, b = _check_params(X, np.zeros(d) if w0 is None else w0, b0)
    w = w.copy()
    rng = np.random.default_rng(seed) if shuffle else None

    losses, seconds = [_loss(X, y, w, b, model)], []
    for _ in range(epochs):
        for rows in minibatches(n, batch_size, rng, drop_last):
            start = time.perf_counter()
            grad_w, grad_b = _gradient(X[rows], y[rows], w, b, model)
            if optimizer is None:
                w -= learning_rate * grad_w
                b -= learning_rate * grad_b
            else:  # the optimizer updates the arrays in place and keeps its own state
                bias = np.array(b)
                optimizer.step([w, bias], [grad_w, np.array(grad_b)])
                b = float(bias)
            seconds.append(time.perf_counter() - start)
            losses.append(_loss(X, y, w, b, model))
    return DescentResult(
        w=w,
        b=b,
        losses=np.array(losses),
        seconds=np.array(seconds),
        updates_per_epoch=n // batch_size if drop_last else int(np.ceil(n / batch_size)),
    )
