"""Checkers for the lessons' exercises whose answer depends on data or is a function.

Each checker computes its reference *inside itself*, so the notebook cell a learner edits
holds neither the answer, nor its formula, nor an object that could be copied to pass. (Fixed
answers need no checker: the notebook compares them with ``checks.check_digest``.) Reading
this file gives the answers away, of course; it is here for the curious after trying.

Every checker prints a verdict and returns a ``checks.Feedback`` (truthy when right) and
never raises on a wrong or missing answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import checks


def _labels(y: Any, name: str) -> np.ndarray:
    """0/1 labels as a 1-D int array; a clear error for anything else (a bug of the lesson)."""
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.size == 0 or not np.isin(labels, (0, 1)).all():
        raise ValueError(f"{name} must be a non-empty 1-D array of 0/1 labels.")
    return labels.astype(int)


def _borrowed(function: Any, *names: str) -> bool:
    """True (and says so) when the learner passed the library's own function, not theirs."""
    module = getattr(function, "__module__", "") or ""
    name = getattr(function, "__name__", "")
    # NumPy's ufuncs (np.tanh) carry no __module__ before NumPy 2: recognise them by their type
    library = isinstance(function, np.ufunc) or module.startswith(("helpers", "numpy"))
    if name in names and library:
        print(f"{checks.WRONG} That is the library's own `{name}`: write your own function.")
        return True
    return False


# --- lesson 00 -------------------------------------------------------------------------------


def check_gpu_count(answer: Any) -> checks.Feedback:
    """The number of GPUs TensorFlow sees on this machine (asked of TensorFlow here)."""
    import tensorflow as tf

    return checks.check_value(
        answer,
        len(tf.config.list_physical_devices("GPU")),
        hint="list_physical_devices('GPU') returns a list: how long is it?",
    )


# --- lesson 01 -------------------------------------------------------------------------------


def check_perceptron_update(function: Callable[..., Any]) -> checks.Feedback:
    """``function(w, b, x, y, eta)`` must return ``np.append(w_new, b_new)`` after one step
    of the perceptron rule (prediction ``step(w·x + b)``, then ``w += eta (y - ŷ) x``,
    ``b += eta (y - ŷ)``)."""

    def reference(w, b, x, y, eta):
        predicted = float(np.dot(w, x) + b >= 0)
        return np.append(np.asarray(w) + eta * (y - predicted) * np.asarray(x),
                         b + eta * (y - predicted))

    cases = [
        (np.array([0.0, 0.0]), 0.0, np.array([1.0, 1.0]), 0.0, 1.0),  # false alarm
        (np.array([0.5, -0.2]), -1.0, np.array([1.0, 2.0]), 1.0, 0.1),  # missed positive
        (np.array([1.0, 1.0]), -1.5, np.array([1.0, 1.0]), 1.0, 0.5),  # already right
        (np.array([0.2, -0.4, 0.1]), 0.3, np.array([1.0, 0.0, 2.0]), 0.0, 0.25),  # 3 inputs
    ]
    return checks.check_function(
        function, reference, cases,
        hint="Predict first with step(...), then apply the two updates of section 3 (one for"
        " w, one for b). A correct prediction must leave w and b unchanged.",
    )


# --- lesson 02 -------------------------------------------------------------------------------


def check_tanh(function: Callable[..., Any]) -> checks.Feedback:
    """``function(z)``: tanh, elementwise, from exponentials; must stay finite for |z| large."""
    if _borrowed(function, "tanh"):
        return checks.Feedback(False)
    rng = np.random.default_rng(2)
    cases = [(np.linspace(-5, 5, 21),), (np.array([0.0]),), (rng.normal(size=(3, 4)),),
             (np.array([-800.0, -30.0, 30.0, 800.0]),)]
    return checks.check_function(
        function, np.tanh, cases,
        hint="Use np.exp(z) and np.exp(-z) as in the 'tanh, carefully' paragraph; check which"
        " ratio you wrote (the upside-down one is coth). If only the last test input fails,"
        " e^800 overflows: rewrite the ratio with e^(-2|z|) only, as that paragraph does.",
    )


def check_sigmoid_derivative(function: Callable[..., Any]) -> checks.Feedback:
    """``function(z)``: d sigmoid / dz, elementwise."""
    if _borrowed(function, "sigmoid_derivative"):
        return checks.Feedback(False)
    rng = np.random.default_rng(3)

    def reference(z):
        s = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))  # sigmoid, overflow-free
        return s * (1.0 - s)

    cases = [(np.linspace(-8, 8, 33),), (rng.normal(size=(2, 5)),)]
    return checks.check_function(
        function, reference, cases,
        hint="The table in section 1 writes sigmoid'(z) in terms of sigmoid(z) itself: compute"
        " sigmoid(z) once and reuse it.",
    )


def check_collapsed_layers(W: Any, b: Any, W1: Any, b1: Any, W2: Any, b2: Any) -> checks.Feedback:
    """Two linear layers ``(x W1 + b1) W2 + b2`` equal one, ``x W + b``: check ``W`` and ``b``."""
    W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (W1, b1, W2, b2))
    ok_w = checks.check_value(
        W, W1 @ W2,
        hint="Expand (x W1 + b1) W2 + b2: the matrix multiplying x is a product of two matrices.",
    )
    ok_b = checks.check_value(
        b, b1 @ W2 + b2, hint="The constant part is b1 passed through the second layer, plus b2."
    )
    return checks.Feedback(bool(ok_w) and bool(ok_b))


# --- lesson 03 -------------------------------------------------------------------------------


def check_bce_from_logits(function: Callable[..., Any]) -> checks.Feedback:
    """``function(y, z)``: per-sample binary cross-entropy from logits, finite for |z| = 1000."""
    rng = np.random.default_rng(4)

    def reference(y, z):
        return np.logaddexp(0.0, z) - z * y  # log(1 + e^z) - z y, computed without overflow

    cases = [
        (np.array([1.0, 0.0, 1.0, 1.0, 0.0]), np.array([2.2, -1.4, 0.4, 4.6, -0.4])),
        (np.array([0.0, 1.0, 0.0, 1.0]), np.array([1000.0, -1000.0, -100.0, 100.0])),
        (rng.integers(0, 2, 50).astype(float), rng.normal(0, 5, 50)),
    ]
    return checks.check_function(
        function, reference, cases,
        hint="Code the last formula of section 8 (the one with |z|), not sigmoid then log;"
        " np.maximum, np.abs, np.exp and np.log1p work elementwise.",
    )


# --- lesson 04 -------------------------------------------------------------------------------


def check_one_gradient_step(answer: Any, X: Any, y: Any, learning_rate: float) -> checks.Feedback:
    """``answer = [w1, ..., wd, b]`` after one gradient-descent step of a sigmoid neuron with
    mean binary cross-entropy, from w = 0, b = 0."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    error = 1.0 / (1.0 + np.exp(-np.zeros(len(X)))) - y  # ŷ - y at w = 0, b = 0
    expected = -learning_rate * np.r_[X.T @ error / len(X), error.mean()]
    return checks.check_value(
        answer, expected,
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
    cases = [(rng.normal(size=(20, d)), rng.integers(0, 2, size=20).astype(float),
              rng.normal(size=d), float(rng.normal())) for d in (1, 3, 5)]
    return checks.check_function(
        function, central_differences, cases, rtol=1e-5, atol=1e-7,
        hint="The error of each sample is σ(Xw + b) − y; weight it by that sample's inputs"
        " (Xᵀ @ error) and divide by the number of samples.",
    )


def check_stable_learning_rate(answer: Any, X: Any) -> checks.Feedback:
    """``answer``: the largest stable learning rate 2 / λ_max of H = (2/n) XᵀX."""
    X = np.asarray(X, dtype=float)
    return checks.check_value(
        answer, len(X) / np.linalg.norm(X, ord=2) ** 2, rtol=1e-6,
        hint="Check the factor 2/n in H (n is the number of rows) and that you divide 2 by the"
        " largest eigenvalue, not the smallest.",
    )


# --- lesson 05 -------------------------------------------------------------------------------


def check_diverging_rate(answer: Any, candidates: Any, X: Any) -> checks.Feedback:
    """``answer``: one of ``candidates`` at which batch descent on the mean squared error of a
    linear model with inputs ``X`` (plus a bias) diverges, i.e. η > 2 / λ_max(H)."""
    X = np.asarray(X, dtype=float)
    X1 = np.c_[X, np.ones(len(X))]
    limit = 2 / np.linalg.eigvalsh(2 / len(X) * X1.T @ X1).max()
    if not any(c > limit for c in candidates):
        raise ValueError("No candidate diverges on this data: the exercise needs a larger one.")
    hint = "Compare each candidate with the stability limit 2 / λ_max printed in section 2."
    if answer is None or answer is Ellipsis:
        print(checks.TODO)
        return checks.Feedback(False)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return checks.check_true(False, hint="Answer with one of the numbers in CANDIDATES.")
    return checks.check_true(any(np.isclose(value, c) for c in candidates) and value > limit,
                             hint=hint)


# --- lesson 06 -------------------------------------------------------------------------------


def check_class_recall(answer: Any, cm: Any, label: int) -> checks.Feedback:
    """``answer``: the share of the images of class ``label`` that the confusion matrix
    ``cm`` (rows: true class, columns: predicted class) counts as correctly classified."""
    cm = np.asarray(cm, dtype=float)
    return checks.check_value(
        answer, cm[label, label] / cm[label].sum(), rtol=1e-9,
        hint="Row `label` of cm counts every image that really is that digit; the one cell"
        " of that row on the diagonal counts those read correctly.",
    )


def check_worst_confusion(answer: Any, cm: Any) -> checks.Feedback:
    """``answer = (true, predicted)``: a most frequent mistake in ``cm`` (ties all count)."""
    cm = np.asarray(cm)
    mistakes = cm - np.diag(np.diag(cm))
    hint = ("The mistakes are the off-diagonal cells of cm: set the diagonal to 0 (a copy) and"
            " look for the largest cell; np.unravel_index turns a flat argmax into (row, column).")
    if answer is None or answer is Ellipsis:
        print(checks.TODO)
        return checks.Feedback(False)
    try:
        true, predicted = (int(d) for d in answer)
    except (TypeError, ValueError):
        return checks.check_true(False, hint="Enter a tuple of two digits, (true, predicted).")
    valid = 0 <= true < len(cm) and 0 <= predicted < len(cm) and true != predicted
    return checks.check_true(valid and mistakes[true, predicted] == mistakes.max(), hint=hint)


# --- lesson 07 -------------------------------------------------------------------------------


def check_sgd_saving(answer: Any, sgd_sweep: Any, adam_sweep: Any, updates: Any) -> checks.Feedback:
    """``answer``: the share of the compiled Adam step at the smallest batch size of
    ``adam_sweep`` that a switch to SGD saves, as measured by the learner in ``sgd_sweep``.

    Right when the answer is what the two sweeps say (1 - SGD step / Adam step, compiled
    loop, that batch size, to 0.01) and SGD is the faster. The lesson's update timings
    (``updates["Adam"]``, ``updates["SGD"]``, ``per_step`` in seconds) predict the saving from
    the other side; the feedback puts the two side by side rather than failing on their
    difference, since two timings taken minutes apart agree only within a timing's noise.
    """
    hint = (
        "Time the compiled loop (loops=('compiled',)) at BATCH_SIZES[0] on the CPU with the SGD"
        " model, then compare its step_ms with the Adam model's compiled step_ms at the same"
        " batch size in sweeps['CPU']."
    )
    if answer is None or answer is Ellipsis or sgd_sweep is None or sgd_sweep is Ellipsis:
        print(checks.TODO)
        return checks.Feedback(False)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return checks.check_true(False, hint="Answer with one number between 0 and 1.")
    adam = adam_sweep[adam_sweep["loop"] == "compiled"].sort_values("batch_size")
    if adam.empty:
        raise ValueError("adam_sweep has no 'compiled' rows: pass the sweep of section 5.2.")
    batch, adam_step = adam["batch_size"].iloc[0], float(adam["step_ms"].iloc[0])
    try:
        rows = sgd_sweep[(sgd_sweep["loop"] == "compiled") & (sgd_sweep["batch_size"] == batch)]
    except (TypeError, KeyError, IndexError):
        return checks.check_true(False, hint="sgd_sweep should be what train_step_sweep returns.")
    if rows.empty:
        return checks.check_true(False, hint=hint)
    measured = 1 - float(rows["step_ms"].iloc[0]) / adam_step
    if measured <= 0:
        print(f"{checks.WRONG} In your sweep SGD is not faster than Adam: was the machine busy?")
        return checks.check_true(False, hint="Run your sweep again, with nothing else running.")
    verdict = checks.check_true(abs(value - measured) <= 0.01, hint=hint)
    if verdict:
        predicted = (updates["Adam"].per_step - updates["SGD"].per_step) / (adam_step / 1e3)
        print(
            f"   Measured from the outside, SGD saves {measured:.0%} of the step; the update"
            f" timings of section 5.3 predict {predicted:.0%}."
        )
    return verdict


# --- lesson 08 -------------------------------------------------------------------------------


def _counts(y_true: Any, p: Any, threshold: float) -> tuple[int, int, int]:
    y = _labels(y_true, "y_true")
    flagged = np.asarray(p, dtype=float).reshape(-1) >= threshold
    return (int(np.sum(flagged & (y == 1))), int(np.sum(flagged & (y == 0))),
            int(np.sum(~flagged & (y == 1))))


def check_precision_recall_f1(
    precision: Any, recall: Any, f1: Any, y_true: Any, p: Any, threshold: float
) -> checks.Feedback:
    """The positive class's precision, recall and F1 when flagging ``p >= threshold``."""
    tp, fp, fn = _counts(y_true, p, threshold)
    results = [
        checks.check_value(precision, tp / max(tp + fp, 1),
                           hint="Of the customers flagged (TP + FP), the share who churned."),
        checks.check_value(recall, tp / max(tp + fn, 1),
                           hint="Of the customers who churned (TP + FN), the share flagged."),
        checks.check_value(f1, 2 * tp / max(2 * tp + fp + fn, 1),
                           hint="The harmonic mean of precision and recall (section 5); or"
                           " 2TP / (2TP + FP + FN)."),
    ]
    return checks.Feedback(all(results))


def check_f1_at(function: Callable[..., Any], y_true: Any, p: Any) -> checks.Feedback:
    """``function(y_true, p, t)``: the positive class's F1 at threshold ``t``; 0 when there
    is no true positive (including when nothing is flagged)."""
    y = _labels(y_true, "y_true")
    p = np.asarray(p, dtype=float).reshape(-1)

    def reference(yt, pt, t):
        tp, fp, fn = _counts(yt, pt, t)
        return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)

    cases = [(y, p, 0.5), (y, p, float(np.median(p))), (y, p, 0.2),
             (y, p, 1.01),  # nothing flagged: no true positive
             (np.zeros(4, int), np.array([0.9, 0.1, 0.8, 0.2]), 0.5)]  # no churner at all
    return checks.check_function(
        function, reference, cases,
        hint="Count TP, FP, FN with boolean masks, then F1 = 2TP/(2TP+FP+FN); return 0 when"
        " TP is 0 (the formula would divide 0 by 0 when nothing is flagged and nobody churns).",
    )


def check_share_flagged(answer: Any, p: Any, threshold: float) -> checks.Feedback:
    """``answer``: the share of rows with ``p >= threshold``."""
    p = np.asarray(p, dtype=float).reshape(-1)
    return checks.check_value(
        answer, float(np.mean(p >= threshold)), rtol=1e-9,
        hint="The model calls a customer when the score is >= the threshold; the mean of a"
        " boolean array is the share of True values.",
    )


# --- lesson 09 -------------------------------------------------------------------------------


def check_dropout(function: Callable[..., Any]) -> checks.Feedback:
    """``function(x, mask, rate)``: what a Keras ``Dropout(rate)`` layer outputs in training
    with that mask of kept (1) and dropped (0) units; compared with Keras layers themselves."""
    import keras

    rng = np.random.default_rng(9)
    cases, outputs = [], {}
    for shape, rate in (((5,), 0.5), ((3, 4), 0.2), ((2, 8), 0.75)):
        x = (rng.normal(size=shape) + 3.0).astype("float32")  # no input is exactly 0
        out = keras.ops.convert_to_numpy(keras.layers.Dropout(rate, seed=9)(x, training=True))
        outputs[rate] = out
        cases.append((x, (out != 0).astype("int64"), rate))
    return checks.check_function(
        function, lambda x, mask, rate: outputs[rate], cases,
        hint="Dropped units (mask 0) give 0; kept units are scaled so that each unit's expected"
        " output equals its input (the formula of section 3).",
    )


# --- lesson 10 -------------------------------------------------------------------------------


def check_always_negative_accuracy(answer: Any, y_true: Any) -> checks.Feedback:
    """``answer``: the accuracy of a model that always predicts 0 on ``y_true``."""
    y = _labels(y_true, "y_true")
    return checks.check_value(
        answer, float(np.mean(y == 0)), rtol=1e-9,
        hint="It is right exactly on the customers who stay: the share of zeros in the labels.",
    )


def check_focal_loss(function: Callable[..., Any]) -> checks.Feedback:
    """``function(y, p, gamma, alpha)``: per-example focal loss with class balancing alpha."""

    def reference(y, p, gamma, alpha):
        p_t = np.where(y == 1, p, 1 - p)
        alpha_t = np.where(y == 1, alpha, 1 - alpha)
        return -alpha_t * (1 - p_t) ** gamma * np.log(p_t)

    cases = [(np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.3]), 2.0, 0.75),
             (np.array([0.0, 1.0]), np.array([0.6, 0.6]), 0.0, 0.5),
             (np.array([1.0, 0.0, 0.0, 1.0]), np.array([0.05, 0.95, 0.5, 0.99]), 3.0, 0.25)]
    return checks.check_function(
        function, reference, cases, rtol=1e-6,
        hint="p_t = p where y = 1 else 1 - p (np.where); the same pattern for α_t; then the"
        " formula of section 7.",
    )


# --- lesson 11 -------------------------------------------------------------------------------


def check_max_pool(function: Callable[..., Any]) -> checks.Feedback:
    """``function(x)``: 2 x 2 max pooling with stride 2 of a batch (N, H, W, C), compared with
    ``keras.layers.MaxPooling2D`` on random batches."""
    import keras

    def reference(x: np.ndarray) -> np.ndarray:
        return keras.ops.convert_to_numpy(keras.layers.MaxPooling2D(2)(x))

    inputs = [
        (np.random.default_rng(i).normal(size=(2, 2 * i + 2, 6, 3)).astype("float32"),)
        for i in range(3)
    ]
    return checks.check_function(
        function,
        reference,
        inputs,
        hint="Without loops, each 2 x 2 window has to become part of the array's shape: what"
        " can a reshape (which copies nothing) do with an axis of even length?",
    )


# --- lesson 13 -------------------------------------------------------------------------------


def check_warmup_cosine(function: Callable[..., Any]) -> checks.Feedback:
    """``function(step, peak, warmup, decay)``: linear warm-up, then cosine decay to 0, compared
    with Keras's ``CosineDecay(0, decay, warmup_target=peak, warmup_steps=warmup)``."""
    import keras

    def reference(step: int, peak: float, warmup: int, decay: int) -> float:
        schedule = keras.optimizers.schedules.CosineDecay(
            0.0, decay, warmup_target=peak, warmup_steps=warmup
        )
        return float(schedule(step))

    inputs = [(s, 0.1, 10, 90) for s in (0, 3, 10, 40, 99, 150)] + [(7, 0.5, 20, 30)]
    return checks.check_function(
        function,
        reference,
        inputs,
        hint="Two cases: before `warmup` the rate grows linearly from 0; after it, the cosine"
        " formula of section 9 with T - W replaced by `decay`, its step counted from the end of"
        " the warm-up and capped (np.minimum) so that it stays at 0 after the end.",
    )
