"""Lesson 05: the update rules of SGD, momentum, RMSprop and Adam, written as Keras 3 writes them.

Each optimizer is a small class with ``step(params, grads)``: it changes the NumPy arrays in
``params`` in place (as ``apply_gradients`` changes Keras variables) and keeps its own state
(velocities, moments, step count). The formulas follow the source of ``keras.optimizers``
line for line, including where epsilon goes, so lesson 05 can show that both give the same
numbers step for step. ``trajectory`` runs either kind of optimizer on the same problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Gradient = Callable[[list[np.ndarray]], Sequence[np.ndarray]]


def _positive(name: str, value: float) -> float:
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}.")
    return float(value)


def _fraction(name: str, value: float) -> float:
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}.")
    return float(value)


class Optimizer:
    """What every update rule shares: checking its inputs and one state array per parameter."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = _positive("learning_rate", learning_rate)
        self.iterations = 0  # number of steps taken, as Keras' `optimizer.iterations`
        self._shapes: list[tuple[int, ...]] | None = None

    def _check(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        if len(params) != len(grads):
            raise ValueError(f"Got {len(params)} parameters but {len(grads)} gradients.")
        for number, (p, g) in enumerate(zip(params, grads, strict=True)):
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                raise TypeError(
                    f"Parameter {number} must be a float NumPy array (it is updated in place), "
                    f"got {type(p).__name__}: use np.asarray(..., dtype=float)."
                )
            if np.shape(g) != p.shape:
                raise ValueError(
                    f"Gradient {number} has shape {np.shape(g)} but its parameter has {p.shape}."
                )
        shapes = [p.shape for p in params]
        if self._shapes is None:
            self._shapes = shapes
            self.build(params)
        elif shapes != self._shapes:
            raise ValueError(
                f"This optimizer was used on parameters of shapes {self._shapes}, now {shapes}: "
                "make a new optimizer for new parameters."
            )

    def build(self, params: Sequence[np.ndarray]) -> None:
        """Create the state (one array of zeros per parameter, as Keras does)."""

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place from its gradient ∂L/∂parameter."""
        self._check(params, grads)
        for index, (p, g) in enumerate(zip(params, grads, strict=True)):
            self.update(index, p, np.asarray(g, dtype=p.dtype))
        self.iterations += 1

    def update(self, index: int, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent, optionally with momentum (``keras.optimizers.SGD``).

    momentum = 0:  w ← w − η·g
    momentum μ:    v ← μ·v − η·g,  then  w ← w + v          (v starts at 0)
    nesterov:      v ← μ·v − η·g,  then  w ← w + μ·v − η·g
    """

    def __init__(
        self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False
    ) -> None:
        super().__init__(learning_rate)
        self.momentum = _fraction("momentum", momentum)
        self.nesterov = bool(nesterov)

    def build(self, params: Sequence[np.ndarray]) -> None:
        self.velocities = [np.zeros_like(p) for p in params]

    def update(self, index: int, param: np.ndarray, grad: np.ndarray) -> None:
        eta, mu = self.learning_rate, self.momentum
        if mu == 0:
            param -= eta * grad
            return
        v = self.velocities[index]
        v[...] = mu * v - eta * grad
        if self.nesterov:
            param += mu * v - eta * grad
        else:
            param += v


class RMSprop(Optimizer):
    """Scale each step by a running root mean square of the gradient (keras.optimizers.RMSprop).

    s ← ρ·s + (1 − ρ)·g²,   then   w ← w − η·g / √(s + ε)      (s starts at 0)

    Keras puts ε *inside* the square root. Keras' optional ``momentum`` and ``centered``
    variants are left out.
    """

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.rho = _fraction("rho", rho)
        self.epsilon = _positive("epsilon", epsilon)

    def build(self, params: Sequence[np.ndarray]) -> None:
        self.mean_squares = [np.zeros_like(p) for p in params]

    def update(self, index: int, param: np.ndarray, grad: np.ndarray) -> None:
        s = self.mean_squares[index]
        s[...] = self.rho * s + (1 - self.rho) * grad**2
        param -= self.learning_rate * grad / np.sqrt(s + self.epsilon)


class Adam(Optimizer):
    """Momentum plus RMSprop scaling, with bias correction (``keras.optimizers.Adam``).

    At step t = 1, 2, ...:
        m ← m + (1 − β₁)·(g − m)          (= β₁·m + (1 − β₁)·g)
        v ← v + (1 − β₂)·(g² − v)         (= β₂·v + (1 − β₂)·g²)
        α = η·√(1 − β₂ᵗ) / (1 − β₁ᵗ)
        w ← w − α·m / (√v + ε)

    This is Keras' form of the bias correction: it folds 1/(1 − β₁ᵗ) and 1/√(1 − β₂ᵗ) into
    the step size α and adds ε to √v, not to √v̂ as the paper's formula writes it. The two
    differ only through ε (Keras' ε equals the paper's ε·√(1 − β₂ᵗ)). AMSGrad is left out.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1 = _fraction("beta_1", beta_1)
        self.beta_2 = _fraction("beta_2", beta_2)
        self.epsilon = _positive("epsilon", epsilon)

    def build(self, params: Sequence[np.ndarray]) -> None:
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def update(self, index: int, param: np.ndarray, grad: np.ndarray) -> None:
        t = self.iterations + 1
        alpha = self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        m, v = self.m[index], self.v[index]
        m += (1 - self.beta_1) * (grad - m)
        v += (1 - self.beta_2) * (grad**2 - v)
        param -= alpha * m / (np.sqrt(v) + self.epsilon)


def trajectory(
    optimizer: Any,
    params: Sequence[np.ndarray],
    gradient: Gradient,
    steps: int,
    dtype: str = "float32",
) -> np.ndarray:
    """Take ``steps`` updates from ``params``; return every point visited, shape (steps + 1, size).

    ``optimizer`` is one of the classes above or a ``keras.optimizers`` instance (then the
    parameters live in Keras variables of ``dtype``). ``gradient(params)`` returns the
    gradients at the current point as NumPy arrays, so both kinds see the same problem.
    The starting ``params`` are copied, never changed.
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}.")
    if isinstance(optimizer, Optimizer):
        current = [np.array(p, dtype=float) for p in params]

        def read() -> list[np.ndarray]:
            return [p.copy() for p in current]

        def apply(grads: Sequence[np.ndarray]) -> None:
            optimizer.step(current, grads)
    elif hasattr(optimizer, "apply_gradients"):
        import keras

        variables = [keras.Variable(np.asarray(p), dtype=dtype) for p in params]

        def read() -> list[np.ndarray]:
            return [keras.ops.convert_to_numpy(v).astype(float) for v in variables]

        def keras_step(*tensors: Any) -> None:
            optimizer.apply_gradients(zip(tensors, variables, strict=True))

        if keras.backend.backend() == "tensorflow":
            # One eager apply_gradients takes ~20 ms of Python overhead; a compiled one ~1 ms.
            import tensorflow as tf

            if not optimizer.built:
                optimizer.build(variables)
            keras_step = tf.function(keras_step, autograph=False)

        def apply(grads: Sequence[np.ndarray]) -> None:
            keras_step(*[keras.ops.convert_to_tensor(np.asarray(g), dtype=dtype) for g in grads])
    else:
        raise TypeError(
            f"Expected a helpers.optimizers or keras.optimizers optimizer, got {optimizer!r}."
        )
    points = [np.concatenate([p.ravel() for p in read()])]
    for _ in range(steps):
        apply(gradient(read()))
        points.append(np.concatenate([p.ravel() for p in read()]))
    return np.array(points)
