"""Loss functions written out in NumPy, with the numerical care Keras takes (lesson 03).

Every loss first computes one number per sample (the *per-sample* loss), then averages them
over the batch, as ``keras.losses.*`` objects do with their default reduction
``"sum_over_batch_size"``. Pass ``reduction="none"`` to get the per-sample array instead.

What counts as one sample:

* ``mean_squared_error``, ``mean_absolute_error``, ``binary_cross_entropy``, ``hinge``:
  inputs of shape ``(n,)`` are n samples with one output each; inputs of shape ``(n, k)``
  are n samples with k outputs, and a sample's loss is the mean over its k outputs.
  (Keras' function form, e.g. ``keras.losses.mean_squared_error``, averages the last axis,
  so on a 1-D array it returns one number: the same value as our batch mean.)
* ``categorical_cross_entropy``: ``(n, k)`` one-hot targets and ``(n, k)`` predictions, the
  loss of a sample is the sum over its k classes.
* ``sparse_categorical_cross_entropy``: ``(n,)`` integer labels and ``(n, k)`` predictions.

Where we differ from Keras, on purpose, to turn silent mistakes into clear errors:

* an empty batch raises ``ValueError`` for ``reduction="mean"`` (Keras' loss objects return
  nan, the mean of nothing, for shape (0,), and an empty tensor for (0, k));
  ``reduction="none"`` returns an empty array;
* ``y_true`` and ``y_pred`` of different shapes raise (NumPy would broadcast (n,) against
  (n, 1) into an (n, n) table and give a wrong number);
* probabilities outside [0, 1] raise (they are probably logits: pass ``from_logits=True``);
* ``hinge`` accepts only labels in {-1, +1}. Keras silently maps {0, 1} labels to {-1, +1}
  and uses any other value unchanged; here, map 0/1 labels yourself with ``2 * y - 1``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from helpers.activations import sigmoid, softmax

Array = NDArray[np.float64]
Reduction = Literal["mean", "none"]

# keras.config.epsilon(): probabilities are clipped to [EPSILON, 1 - EPSILON] before the log.
EPSILON = 1e-7

__all__ = [
    "EPSILON",
    "binary_cross_entropy",
    "binary_cross_entropy_logit_gradient",
    "categorical_cross_entropy",
    "categorical_cross_entropy_logit_gradient",
    "hinge",
    "mean_absolute_error",
    "mean_squared_error",
    "mean_squared_error_gradient",
    "sparse_categorical_cross_entropy",
]


def _as_float(values: ArrayLike, name: str) -> Array:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be numbers, got {type(values).__name__}: {error}") from None


def _pair(y_true: ArrayLike, y_pred: ArrayLike, pred_name: str) -> tuple[Array, Array]:
    """Both arrays as float64, refusing shapes that differ (no silent broadcasting)."""
    t, p = _as_float(y_true, "y_true"), _as_float(y_pred, pred_name)
    if t.shape != p.shape:
        raise ValueError(
            f"y_true has shape {t.shape} but {pred_name} has shape {p.shape}: they must be equal."
            " Reshape one of them, e.g. y_pred.reshape(y_true.shape) for an (n, 1) model output."
        )
    return t, p


def _per_output_mean(values: Array) -> Array:
    """Per-sample loss: elementwise for (n,) inputs, mean over the last axis for (n, k)."""
    if values.ndim >= 2:
        return np.mean(values, axis=-1)
    return values


def _reduce(per_sample: Array, reduction: Reduction) -> float | Array:
    if reduction == "none":
        return per_sample
    if reduction == "mean":
        if per_sample.size == 0:
            raise ValueError(
                "The batch is empty: the mean loss over no samples is undefined (Keras gives"
                " nan). Pass at least one sample, or reduction='none' for the per-sample losses."
            )
        return float(np.mean(per_sample))
    raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}.")


def _check_flag(from_logits: object) -> bool:
    """``from_logits`` as a real boolean: a string such as "no" is truthy and would mean yes."""
    if not isinstance(from_logits, bool | np.bool_):
        raise TypeError(
            f"from_logits must be True or False, got {from_logits!r}: True when y_prob holds"
            " raw scores (logits), False when it holds probabilities."
        )
    return bool(from_logits)


def _check_probabilities(p: Array, name: str) -> None:
    if p.size and (np.nanmin(p) < 0.0 or np.nanmax(p) > 1.0):
        raise ValueError(
            f"{name} has values outside [0, 1] (from {np.nanmin(p):.3g} to {np.nanmax(p):.3g}), so"
            " they are not probabilities. If they are raw scores (logits), pass from_logits=True."
        )


def mean_squared_error(
    y_true: ArrayLike, y_pred: ArrayLike, *, reduction: Reduction = "mean"
) -> float | Array:
    """MSE = (1/n) sum_i (y_i - yhat_i)^2: the regression loss; large errors weigh quadratically."""
    t, p = _pair(y_true, y_pred, "y_pred")
    return _reduce(_per_output_mean((t - p) ** 2), reduction)


def mean_squared_error_gradient(
    y_true: ArrayLike, y_pred: ArrayLike, *, reduction: Reduction = "mean"
) -> Array:
    """dL/dyhat: 2 (yhat - y) / N for the mean loss over all N numbers, 2 (yhat - y) per element."""
    t, p = _pair(y_true, y_pred, "y_pred")
    grad = 2.0 * (p - t)
    return grad / max(grad.size, 1) if reduction == "mean" else grad


def mean_absolute_error(
    y_true: ArrayLike, y_pred: ArrayLike, *, reduction: Reduction = "mean"
) -> float | Array:
    """MAE = (1/n) sum_i |y_i - yhat_i|: in the target's units, and less swayed by outliers."""
    t, p = _pair(y_true, y_pred, "y_pred")
    return _reduce(_per_output_mean(np.abs(t - p)), reduction)


def _check_binary_targets(t: Array) -> None:
    if t.size and (np.min(t) < 0.0 or np.max(t) > 1.0):
        raise ValueError(
            f"Binary cross-entropy targets must lie in [0, 1], got values from {np.min(t):.3g} to"
            f" {np.max(t):.3g}. For labels in {{-1, +1}} use (y + 1) / 2."
        )


def binary_cross_entropy(
    y_true: ArrayLike,
    y_prob: ArrayLike,
    from_logits: bool = False,
    *,
    reduction: Reduction = "mean",
) -> float | Array:
    """BCE = -(1/n) sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)], for yes/no targets.

    From probabilities, p is clipped to [EPSILON, 1 - EPSILON] as Keras does, so p = 0 or 1
    costs at most -log(1e-7) ~ 16.1 instead of log(0) = -inf.
    From logits z (``from_logits=True``, p = sigmoid(z)), the same loss is rewritten as
    max(z, 0) - z y + log(1 + e^{-|z|}): no exp of a large number, no log of 0, no clipping.
    """
    from_logits = _check_flag(from_logits)
    t, p = _pair(y_true, y_prob, "y_prob")
    _check_binary_targets(t)
    if from_logits:
        z = p
        loss = np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))
    else:
        _check_probabilities(p, "y_prob")
        p = np.clip(p, EPSILON, 1.0 - EPSILON)
        loss = -(t * np.log(p) + (1.0 - t) * np.log(1.0 - p))
    return _reduce(_per_output_mean(loss), reduction)


def binary_cross_entropy_logit_gradient(
    y_true: ArrayLike, logits: ArrayLike, *, reduction: Reduction = "mean"
) -> Array:
    """dL/dz = sigmoid(z) - y for one element's loss; divided by N for the mean over N elements.

    The sigmoid's slope cancels against the log's, which is why sigmoid + BCE trains
    well even when the sigmoid saturates.
    """
    t, z = _pair(y_true, logits, "logits")
    _check_binary_targets(t)
    grad = sigmoid(z) - t
    return grad / max(grad.size, 1) if reduction == "mean" else grad


def _log_softmax(z: Array) -> Array:
    """log softmax(z) = z - logsumexp(z), with the max subtracted so exp never overflows."""
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def categorical_cross_entropy(
    y_true_onehot: ArrayLike,
    y_prob: ArrayLike,
    from_logits: bool = False,
    *,
    reduction: Reduction = "mean",
) -> float | Array:
    """CCE = -(1/n) sum_i sum_c y_ic log p_ic, for exclusive classes with one-hot targets.

    From probabilities (the output of a softmax), each row is rescaled to sum to 1 and clipped
    to [EPSILON, 1 - EPSILON], as Keras does. From logits, log p = z - logsumexp(z) is computed
    directly, which stays finite for any z.
    """
    from_logits = _check_flag(from_logits)
    t, p = _as_float(y_true_onehot, "y_true_onehot"), _as_float(y_prob, "y_prob")
    if t.shape != p.shape or p.ndim < 1:
        hint = (
            " These look like integer labels: use sparse_categorical_cross_entropy."
            if t.shape == p.shape[:-1]
            else ""
        )
        raise ValueError(
            f"y_true_onehot has shape {t.shape} and y_prob {p.shape}: both must be (n, classes)."
            + hint
        )
    if p.shape[-1] == 0:
        raise ValueError("y_prob has zero classes: the last axis must list the class scores.")
    if from_logits:
        log_p = _log_softmax(p) if p.size else p
    else:
        _check_probabilities(p, "y_prob")
        p = p / np.sum(p, axis=-1, keepdims=True) if p.size else p
        log_p = np.log(np.clip(p, EPSILON, 1.0 - EPSILON))
    return _reduce(-np.sum(t * log_p, axis=-1), reduction)


def categorical_cross_entropy_logit_gradient(
    y_true_onehot: ArrayLike, logits: ArrayLike, *, reduction: Reduction = "mean"
) -> Array:
    """dL/dz = softmax(z) - y for one sample's loss; divided by n for the mean over n samples."""
    t, z = _pair(y_true_onehot, logits, "logits")
    if z.ndim < 1 or z.shape[-1] == 0:
        raise ValueError(f"logits must have shape (n, classes), got {z.shape}.")
    grad = softmax(z, axis=-1) - t
    n = max(int(np.prod(z.shape[:-1])), 1)
    return grad / n if reduction == "mean" else grad


def sparse_categorical_cross_entropy(
    y_true_int: ArrayLike,
    y_prob: ArrayLike,
    from_logits: bool = False,
    *,
    reduction: Reduction = "mean",
) -> float | Array:
    """The same loss as ``categorical_cross_entropy``, with labels stored as class numbers.

    -(1/n) sum_i log p_{i, y_i}: y_i = 2 means 'the one-hot vector has its 1 at index 2'.
    Labels of shape (n,) or (n, 1) and predictions of shape (n, classes). From probabilities,
    Keras clips before renormalising the rows and we renormalise first (as its categorical
    loss does): the results differ only when a probability is below 1e-7, by < 1e-6 relative.
    """
    from_logits = _check_flag(from_logits)
    p = _as_float(y_prob, "y_prob")
    labels = np.asarray(y_true_int)
    if p.ndim < 1 or p.shape[-1] == 0:
        raise ValueError(f"y_prob must have shape (n, classes), got {p.shape}.")
    if labels.ndim == p.ndim and labels.shape[-1:] == (1,):
        labels = labels[..., 0]
    if labels.shape != p.shape[:-1]:
        if labels.shape == p.shape and p.ndim >= 2:
            hint = " They look one-hot encoded: use categorical_cross_entropy."
        elif labels.shape == p.shape:
            hint = (
                " y_prob holds one number per sample: for a yes/no target with one probability"
                " per sample use binary_cross_entropy."
            )
        else:
            hint = ""
        raise ValueError(
            f"y_true_int has shape {np.shape(y_true_int)} and y_prob {p.shape}: expected labels of"
            f" shape {p.shape[:-1]} (one class number per sample)." + hint
        )
    k = p.shape[-1]
    numeric = _as_float(labels, "y_true_int")
    if numeric.size and (
        np.any(numeric != np.round(numeric)) or numeric.min() < 0 or numeric.max() >= k
    ):
        raise ValueError(
            f"y_true_int must hold whole class numbers 0 .. {k - 1}, got values from"
            f" {numeric.min():g} to {numeric.max():g}."
        )
    onehot = np.eye(k)[numeric.astype(np.int64)]
    return categorical_cross_entropy(onehot, p, from_logits, reduction=reduction)


def hinge(
    y_true_pm1: ArrayLike, scores: ArrayLike, *, reduction: Reduction = "mean"
) -> float | Array:
    """Hinge = (1/n) sum_i max(0, 1 - y_i s_i), labels y_i in {-1, +1}, raw scores s_i.

    Zero once a sample is on the right side with margin y s >= 1; grows linearly otherwise.
    With labels 0/1, a 0 gives y s = 0 whatever the score, so every sample of that class costs
    exactly 1 and teaches the model nothing: map them first with 2 * y - 1.
    """
    t, s = _pair(y_true_pm1, scores, "scores")
    if t.size and not np.all(np.isin(t, (-1.0, 1.0))):
        found = np.unique(t)[:5]
        raise ValueError(
            f"hinge expects labels in {{-1, +1}}, got {found.tolist()}. Map 0/1 labels with"
            " 2 * y - 1 (Keras does this silently for 0/1 and uses other values unchanged)."
        )
    return _reduce(_per_output_mean(np.maximum(0.0, 1.0 - t * s)), reduction)
