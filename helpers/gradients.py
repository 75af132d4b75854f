"""Look inside a deep network: per-layer gradient norms, activation spreads, init variances.

Lesson 13 uses these to *measure* vanishing and exploding gradients layer by layer instead of
guessing them from a flat accuracy curve:

* ``value_and_gradients(compute, variables)``: a scalar and its gradient with respect to Keras
  variables, on the TensorFlow or the JAX backend (lessons 02, 03 and 13 differentiate with it);
* ``gradient_norms(model, x, y)``: the L2 norm of the loss gradient with respect to each
  ``Dense`` layer's kernel, on one batch;
* ``activation_spreads(model, x)``: the standard deviation of each hidden layer's output;
* ``GradientNormLogger``: a Keras callback that records ``gradient_norms`` at the start of
  training and after every epoch;
* ``init_variance(rule, fan_in, fan_out)``: the weight variance of LeCun, He and Glorot
  initialisation, the formulas the lesson derives;
* ``layer_seeds(seed, count)``: one seed per layer, derived from the lesson's seed, so that
  every layer gets its own initialiser and a rebuilt network starts from the same weights;
* ``plot_per_layer``: one curve per set-up against depth, on a log scale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras
import matplotlib.pyplot as plt
import numpy as np

INIT_RULES = ("lecun", "he", "glorot")


def init_variance(rule: str, fan_in: int, fan_out: int | None = None) -> float:
    """The weight variance that keeps signals at a constant size through a layer.

    * ``"lecun"``: 1 / fan_in keeps Var(z) = Var(x) for a linear (or tanh near 0) layer;
    * ``"he"``: 2 / fan_in makes up for ReLU zeroing half of its inputs;
    * ``"glorot"``: 2 / (fan_in + fan_out) compromises between the forward pass (fan_in) and
      the backward pass (fan_out).
    """
    if rule not in INIT_RULES:
        raise ValueError(f"Unknown rule {rule!r}: use one of {', '.join(INIT_RULES)}.")
    for name, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if value is not None and (not float(value).is_integer() or value < 1):
            raise ValueError(f"{name} must be a positive whole number (a layer size), got {value}.")
    if rule == "glorot":
        if fan_out is None:
            raise ValueError("Glorot's variance needs fan_out too: init_variance('glorot', n, m).")
        return 2.0 / (fan_in + fan_out)
    return (2.0 if rule == "he" else 1.0) / fan_in


def layer_seeds(seed: int, count: int) -> list[int]:
    """``count`` different seeds, one per layer, derived from one ``seed``; the same every time.

    Why: in Keras 3 an initialiser object fixes its random seed when it is created (with
    ``seed=None`` it draws one then) and returns the *same* values at every call. One
    instance passed to several layers of the same shape therefore gives them identical
    weights, silently. Each layer needs an initialiser of its own; seeding each from this list
    makes a rebuilt network start from exactly the same weights, whatever else used the
    global random state in between. The seeds come from NumPy's ``SeedSequence``, which
    spreads one seed into well-separated, reproducible values (32-bit, as Keras expects).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}.")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a whole number >= 1 (layers to seed), got {count!r}.")
    seeds = np.random.SeedSequence(int(seed)).generate_state(int(count), dtype=np.uint32)
    if len(set(seeds.tolist())) < count:  # 32-bit values: a collision is possible, if unlikely
        raise RuntimeError(f"Two of the {count} layer seeds from seed {seed} coincide.")
    return [int(s) for s in seeds]


def dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    """The model's ``Dense`` layers in order: depth 1 is the first, the last gives the logits."""
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not layers:
        raise ValueError(f"Model {model.name!r} has no Dense layer to measure.")
    return layers


def _batch(x: Any, y: Any | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    x = np.asarray(x, dtype="float32")
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"Expected a non-empty batch (N, features...), got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("The batch contains nan or inf: scale and clean the inputs first.")
    if y is None:
        return x, None
    y = np.asarray(y)
    if len(y) != len(x):
        raise ValueError(f"Got {len(x)} inputs but {len(y)} labels: pass matching arrays.")
    return x, y


GRADIENT_BACKENDS = ("tensorflow", "jax")


def value_and_gradients(
    compute: Callable[[], Any], variables: Sequence[keras.Variable]
) -> tuple[float, list[np.ndarray]]:
    """``compute()`` (a scalar) and its gradient with respect to each of ``variables``.

    Why a helper: each Keras backend differentiates its own way. TensorFlow records the
    operations on a ``tf.GradientTape`` while ``compute`` runs. JAX differentiates a *pure
    function* of arrays (``jax.value_and_grad``), so ``compute`` runs inside a
    ``keras.StatelessScope`` that hands it the variables' values as JAX arrays, the same way
    ``fit`` does on that backend. Inside that scope nothing is written back: assignments made
    while computing (batch normalisation's running statistics, a dropout seed) are discarded,
    so on JAX measuring a gradient never changes the model. A variable ``compute`` does not
    use gets a gradient of zeros on both backends.
    """
    variables = list(variables)
    if not variables or not all(isinstance(v, keras.Variable) for v in variables):
        raise TypeError(
            "variables must be a non-empty list of Keras variables (layer.kernel, ...)."
        )
    backend = keras.backend.backend()

    def scalar():
        value = compute()
        if len(keras.ops.shape(value)) != 0:
            raise ValueError("compute() must return one number (a scalar loss), not an array.")
        return value

    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = scalar()
        grads = tape.gradient(value, [v.value for v in variables])
    elif backend == "jax":
        import jax

        def pure(values):
            with keras.StatelessScope(state_mapping=list(zip(variables, values, strict=True))):
                return scalar()

        value, grads = jax.value_and_grad(pure)([v.value for v in variables])
    else:
        raise RuntimeError(
            f"value_and_gradients supports Keras's {' and '.join(GRADIENT_BACKENDS)} backends; "
            f"this session runs {backend!r}. Set KERAS_BACKEND=tensorflow (or jax) before "
            "importing Keras, then restart the kernel."
        )
    arrays = [
        np.zeros(v.shape, "float32") if g is None else keras.ops.convert_to_numpy(g)
        for v, g in zip(variables, grads, strict=True)
    ]
    return float(keras.ops.convert_to_numpy(value)), arrays


def gradient_norms(
    model: keras.Model,
    x: Any,
    y: Any,
    loss: keras.losses.Loss | None = None,
    training: bool = True,
) -> np.ndarray:
    """L2 norm of dLoss/dW for each Dense kernel W, on one batch, first layer first.

    ``loss`` defaults to sparse categorical cross-entropy on logits (integer labels).
    ``training=True`` computes the forward pass as an optimiser step would (batch
    normalisation uses the batch's statistics). The measurement leaves the model as it was:
    no weight changes, and the running statistics that a training-mode pass of batch
    normalisation updates are put back afterwards, so measuring (e.g. every epoch, with
    ``GradientNormLogger``) does not disturb training. Works on the TensorFlow and JAX
    backends (see ``value_and_gradients``).
    """
    x, y = _batch(x, y)
    loss = loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    kernels = [layer.kernel for layer in dense_layers(model)]
    saved = [keras.ops.convert_to_numpy(v) for v in model.non_trainable_variables]
    try:
        _, grads = value_and_gradients(lambda: loss(y, model(x, training=training)), kernels)
    finally:
        for variable, value_before in zip(model.non_trainable_variables, saved, strict=True):
            variable.assign(value_before)
    return np.array([float(np.linalg.norm(g)) for g in grads])


def hidden_outputs(model: keras.Model) -> list[keras.layers.Layer]:
    """The layer whose output feeds each Dense layer after the first: a hidden layer's output.

    For ``Dense(activation=...)`` that is the Dense layer itself; for
    ``Dense → BatchNormalization → Activation`` it is the Activation layer.
    """
    layers = list(model.layers)
    denses = dense_layers(model)
    return [layers[layers.index(dense) - 1] for dense in denses[1:]]


def activation_spreads(model: keras.Model, x: Any, training: bool = False) -> np.ndarray:
    """Standard deviation of each hidden layer's output over a batch (all units together).

    Computed in inference mode unless ``training=True``: pass that for a network with batch
    normalisation that has not been trained yet, whose running statistics are still the
    initial 0 and 1, to see what training sees (each batch's own statistics). A spread that
    shrinks towards 0 with depth means every input looks alike to the deep layers (the
    signal vanishes); one that grows by a constant factor per layer explodes.
    """
    x, _ = _batch(x)
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs  # as `x` is given
    probe = keras.Model(inputs, [layer.output for layer in hidden_outputs(model)])
    outputs = probe(x, training=training)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return np.array([float(np.std(keras.ops.convert_to_numpy(out))) for out in outputs])


class GradientNormLogger(keras.callbacks.Callback):
    """Record ``gradient_norms`` on a fixed batch before training and after every epoch.

    ``norms`` is an array (epochs + 1, Dense layers): row 0 at initialisation. The last
    epoch's ratio of first-layer to last-layer norm is also written into the epoch's logs as
    ``grad_ratio``, so it shows up in ``History`` beside the loss.
    """

    def __init__(self, x: Any, y: Any, loss: keras.losses.Loss | None = None) -> None:
        super().__init__()
        self.x, self.y = _batch(x, y)
        self.loss = loss
        self.history: list[np.ndarray] = []

    @property
    def norms(self) -> np.ndarray:
        return np.array(self.history)

    def _measure(self) -> np.ndarray:
        norms = gradient_norms(self.model, self.x, self.y, self.loss)
        self.history.append(norms)
        return norms

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.history = []
        self._measure()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        norms = self._measure()
        if logs is not None:
            logs["grad_ratio"] = float(norms[0] / max(norms[-1], 1e-30))


def plot_per_layer(
    curves: Mapping[str, Sequence[float]],
    ylabel: str,
    title: str = "",
    ax: plt.Axes | None = None,
    floor: float = 1e-30,
) -> plt.Axes:
    """One line per set-up against depth (1 = first layer), on a log scale.

    Zeros (a layer whose gradient or spread is exactly 0) are drawn at ``floor`` so they
    stay visible on the log axis; the legend says so.
    """
    if not curves:
        raise ValueError("Nothing to plot: pass a dict {set-up name: values per layer}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    for name, values in curves.items():
        values = np.asarray(values, dtype=float)
        zero = values <= 0
        label = f"{name} (0 drawn at {floor:g})" if zero.any() else name
        ax.plot(np.arange(1, len(values) + 1), np.where(zero, floor, values), "o-", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("layer (depth)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


def l1_sparsity(model: keras.Model, threshold: float = 1e-3) -> float:
    """Share of the first Dense layer's weights whose size is below ``threshold``."""
    kernel = keras.ops.convert_to_numpy(dense_layers(model)[0].kernel)
    return float(np.mean(np.abs(kernel) < threshold))
