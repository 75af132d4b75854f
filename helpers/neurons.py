"""A neuron, a perceptron and a two-layer network for XOR, in NumPy (lesson 01).

Shapes follow Keras: inputs ``X`` are ``(n_samples, n_features)`` (one sample may be a 1-D
vector), and a layer's weight matrix is ``(n_inputs, n_units)``, the layout of a
``keras.layers.Dense`` kernel, so ``X @ W + b`` is the layer's weighted sum.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from helpers import activations

Array = NDArray[np.float64]
Activation = str | Callable[[Array], Array]

__all__ = ["Neuron", "Perceptron", "TwoLayerNetwork", "step", "xor_network"]


def step(z: ArrayLike) -> Array:
    """Heaviside step: 1 where z >= 0, else 0. The perceptron's all-or-nothing output."""
    return (np.asarray(z, dtype=np.float64) >= 0).astype(np.float64)


def _activation(activation: Activation) -> Callable[[Array], Array]:
    if callable(activation):
        return activation
    if activation == "step":
        return step
    return activations.get(activation)


def _inputs(x: ArrayLike, n_features: int) -> Array:
    """X as float64 with n_features columns; a 1-D vector is one sample."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[-1] != n_features:
        raise ValueError(
            f"Expected one sample of shape ({n_features},) or a batch (n, {n_features}),"
            f" got shape {x.shape}: there must be one input per weight."
        )
    return x


class Neuron:
    """One artificial neuron: z = w · x + b, then output a = f(z).

    Forward pass only: it shows what a neuron computes, with weights you choose.
    ``keras.layers.Dense(1, activation=...)`` with kernel ``w.reshape(-1, 1)`` and bias
    ``[b]`` computes the same thing.
    """

    def __init__(self, weights: ArrayLike, bias: float, activation: Activation = "sigmoid"):
        self.weights = np.asarray(weights, dtype=np.float64)
        if self.weights.ndim != 1 or self.weights.size == 0:
            raise ValueError(
                f"weights must be a non-empty 1-D vector (one per input), got {self.weights.shape}."
            )
        if np.ndim(bias) != 0:
            raise ValueError(f"bias must be a single number, got shape {np.shape(bias)}.")
        self.bias = float(bias)
        self.activation = _activation(activation)

    def weighted_sum(self, x: ArrayLike) -> Array:
        """z = sum_i w_i x_i + b: one number per sample."""
        return _inputs(x, self.weights.size) @ self.weights + self.bias

    def forward(self, x: ArrayLike) -> Array:
        """a = f(z): the neuron's output for one sample or a batch."""
        return self.activation(self.weighted_sum(x))

    __call__ = forward


class Perceptron:
    """Rosenblatt's perceptron: a neuron with a step output, trained by the perceptron rule.

    For each sample, predict yhat = step(w · x + b), then move the line towards a mistake:
    w <- w + eta (y - yhat) x and b <- b + eta (y - yhat). Correct samples change nothing
    (y - yhat = 0). If a line separates the two classes, this stops after finitely many
    mistakes (the perceptron convergence theorem); if none does (XOR), it never stops.
    """

    def __init__(self, n_features: int, learning_rate: float = 1.0, max_epochs: int = 100):
        if n_features < 1 or learning_rate <= 0 or max_epochs < 1:
            raise ValueError("n_features, learning_rate and max_epochs must all be positive.")
        self.weights = np.zeros(n_features)
        self.bias = 0.0
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.converged_ = False

    def predict(self, X: ArrayLike) -> Array:
        """Class 0 or 1 for each sample."""
        return step(_inputs(X, self.weights.size) @ self.weights + self.bias)

    def fit(self, X: ArrayLike, y: ArrayLike) -> list[int]:
        """Apply the rule sample by sample; return the number of mistakes in each epoch.

        Stops after the first epoch without a mistake (``converged_`` is then True), or
        after ``max_epochs`` epochs.
        """
        X = _inputs(X, self.weights.size)
        y = np.asarray(y, dtype=np.float64)
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise ValueError(
                f"X must have shape (n, features) and y shape (n,), got {X.shape} and {y.shape}."
            )
        if not np.all(np.isin(y, (0.0, 1.0))):
            raise ValueError("Perceptron labels must be 0 or 1.")
        if len(X) == 0:
            raise ValueError("X has no samples: there is nothing to learn from.")
        if not np.all(np.isfinite(X)):
            raise ValueError(
                "X contains NaN or inf: a comparison with NaN is never true, so the rule would"
                " see no mistake. Fill or drop the missing values first."
            )
        errors_per_epoch: list[int] = []
        self.converged_ = False
        for _ in range(self.max_epochs):
            mistakes = 0
            for x_i, y_i in zip(X, y, strict=True):
                error = y_i - step(x_i @ self.weights + self.bias)
                if error != 0:
                    self.weights += self.learning_rate * error * x_i
                    self.bias += self.learning_rate * error
                    mistakes += 1
            errors_per_epoch.append(mistakes)
            if mistakes == 0:
                self.converged_ = True
                break
        return errors_per_epoch


class TwoLayerNetwork:
    """h = f(X W1 + b1), output = g(h W2 + b2): a hidden layer, then one output neuron.

    Each hidden unit draws one line; the output neuron combines the half-planes, which is
    how two layers carve out regions that no single line can (XOR).
    """

    def __init__(
        self,
        W1: ArrayLike,
        b1: ArrayLike,
        W2: ArrayLike,
        b2: float,
        hidden_activation: Activation = "step",
        output_activation: Activation = "step",
    ):
        self.W1 = np.asarray(W1, dtype=np.float64)
        self.b1 = np.asarray(b1, dtype=np.float64)
        self.W2 = np.asarray(W2, dtype=np.float64)
        self.b2 = float(b2)
        units = self.b1.shape
        if self.W1.ndim != 2 or units != (self.W1.shape[1],) or self.W2.shape != units:
            raise ValueError(
                "Expected W1 (inputs, units), b1 (units,) and W2 (units,); got"
                f" {self.W1.shape}, {self.b1.shape} and {self.W2.shape}."
            )
        self.hidden_activation = _activation(hidden_activation)
        self.output_activation = _activation(output_activation)

    def hidden(self, X: ArrayLike) -> Array:
        """The hidden layer's outputs, one column per unit."""
        return self.hidden_activation(_inputs(X, self.W1.shape[0]) @ self.W1 + self.b1)

    def forward(self, X: ArrayLike) -> Array:
        """The network's output for one sample or a batch."""
        return self.output_activation(self.hidden(X) @ self.W2 + self.b2)

    __call__ = forward


def xor_network() -> TwoLayerNetwork:
    """Hand-set weights that compute XOR exactly on {0, 1}^2, with step activations.

    Hidden unit 1 is OR:  step(x1 + x2 - 0.5), on when at least one input is 1.
    Hidden unit 2 is AND: step(x1 + x2 - 1.5), on only when both are 1.
    Output: step(h1 - h2 - 0.5) = "OR but not AND" = XOR.
    """
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
    b1 = np.array([-0.5, -1.5])
    W2 = np.array([1.0, -1.0])
    return TwoLayerNetwork(W1, b1, W2, -0.5)
