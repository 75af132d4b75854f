"""Exercise checkers: a right answer passes, typical wrong ones do not, nothing is revealed."""

import numpy as np
import pytest

from helpers import exercises as ex
from helpers.neurons import Perceptron


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_perceptron_update_agrees_with_the_perceptron_class(capsys):
    def right(w, b, x, y, eta):
        p = Perceptron(len(w), learning_rate=eta, max_epochs=1)
        p.weights, p.bias = np.array(w, dtype=float), float(b)
        p.fit(np.array([x]), np.array([y]))
        return np.append(p.weights, p.bias)

    def forgets_bias(w, b, x, y, eta):
        predicted = float(np.dot(w, x) + b >= 0)
        return np.append(w + eta * (y - predicted) * x, b)

    assert ex.check_perceptron_update(right)
    assert not ex.check_perceptron_update(forgets_bias)


def test_tanh_and_sigmoid_derivative(capsys):
    def naive_tanh(z):
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))

    def stable_tanh(z):
        e = np.exp(-2 * np.abs(z))
        return np.sign(z) * (1 - e) / (1 + e)

    assert ex.check_tanh(stable_tanh)
    with np.errstate(over="ignore", invalid="ignore"):
        assert not ex.check_tanh(naive_tanh)  # nan at |z| = 800
    assert not ex.check_tanh(lambda z: 1 / np.tanh(z))
    assert not ex.check_tanh(np.tanh)  # the library's own is not an answer
    from helpers.activations import sigmoid_derivative, tanh

    assert not ex.check_tanh(tanh) and not ex.check_sigmoid_derivative(sigmoid_derivative)
    assert ex.check_sigmoid_derivative(lambda z: sigmoid(z) * (1 - sigmoid(z)))
    assert not ex.check_sigmoid_derivative(lambda z: sigmoid(z) * (1 + sigmoid(z)))


def test_collapsed_layers(capsys):
    rng = np.random.default_rng(0)
    W1, b1, W2, b2 = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(3, 2)), [1, 2]
    x = rng.normal(size=(5, 2))
    W, b = W1 @ W2, b1 @ W2 + b2
    np.testing.assert_allclose((x @ W1 + b1) @ W2 + b2, x @ W + b)
    assert ex.check_collapsed_layers(W, b, W1, b1, W2, b2)
    assert not ex.check_collapsed_layers(W, b2, W1, b1, W2, b2)


def test_bce_from_logits(capsys):
    def stable(y, z):
        return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))

    def naive(y, z):
        p = np.clip(sigmoid(z), 1e-7, 1 - 1e-7)
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))

    assert ex.check_bce_from_logits(stable)
    with np.errstate(over="ignore"):
        assert not ex.check_bce_from_logits(naive)


def test_one_gradient_step_matches_descent():
    from helpers.descent import gradient_descent

    X = np.array([[1.0, 2.0], [-1.0, 0.0], [0.0, 1.0]])
    y = np.array([1.0, 0.0, 1.0])
    step = gradient_descent(X, y, learning_rate=0.5, epochs=1)
    assert ex.check_one_gradient_step(np.r_[step.w, step.b], X, y, 0.5)
    assert not ex.check_one_gradient_step(-np.r_[step.w, step.b], X, y, 0.5)


def test_gradient_w(capsys):
    def right(X, y, w, b):
        return X.T @ (sigmoid(X @ w + b) - y) / len(y)

    def forgets_mean(X, y, w, b):
        return X.T @ (sigmoid(X @ w + b) - y)

    assert ex.check_gradient_w(right)
    assert not ex.check_gradient_w(forgets_mean)


def test_stable_learning_rate(capsys):
    X = np.random.default_rng(1).normal(size=(50, 3))
    H = 2 * X.T @ X / len(X)
    assert ex.check_stable_learning_rate(2 / np.linalg.eigvalsh(H).max(), X)
    assert not ex.check_stable_learning_rate(1 / np.linalg.eigvalsh(H).max(), X)


def test_diverging_rate(capsys):
    X = np.random.default_rng(0).normal(size=(200, 3))
    X1 = np.c_[X, np.ones(200)]
    limit = 2 / np.linalg.eigvalsh(2 / 200 * X1.T @ X1).max()
    candidates = [limit / 4, limit / 2, limit * 1.5]
    assert ex.check_diverging_rate(limit * 1.5, candidates, X)
    assert not ex.check_diverging_rate(limit / 2, candidates, X)
    assert not ex.check_diverging_rate(limit * 3, candidates, X)  # not a candidate
    with pytest.raises(ValueError, match="No candidate"):
        ex.check_diverging_rate(limit / 2, candidates[:2], X)


def test_confusion_checks(capsys):
    cm = np.array([[50, 3, 1], [3, 40, 0], [7, 0, 30]])
    assert ex.check_class_recall(30 / 37, cm, 2)
    assert not ex.check_class_recall(30 / 31, cm, 2)  # the column: precision, not recall
    assert ex.check_worst_confusion((2, 0), cm)
    assert not ex.check_worst_confusion((0, 1), cm)
    assert not ex.check_worst_confusion((0, 0), cm)
    assert not ex.check_worst_confusion(..., cm)
    tied = np.array([[9, 2], [2, 9]])
    assert ex.check_worst_confusion((0, 1), tied) and ex.check_worst_confusion((1, 0), tied)


def test_precision_recall_f1_and_f1_at(capsys):
    y = np.array([1, 0, 1, 1, 0, 0])
    p = np.array([0.9, 0.8, 0.3, 0.6, 0.1, 0.2])
    assert ex.check_precision_recall_f1(2 / 3, 2 / 3, 2 / 3, y, p, 0.5)
    assert not ex.check_precision_recall_f1(2 / 3, 2 / 3, 0.5, y, p, 0.5)

    def f1_at(yt, pt, t):
        flagged = pt >= t
        tp = np.sum(flagged & (yt == 1))
        wrong = np.sum(flagged != (yt == 1))
        return 0.0 if tp == 0 else 2 * tp / (2 * tp + wrong)

    def f1_at_divides_by_zero(yt, pt, t):
        flagged = pt >= t
        tp = np.sum(flagged & (yt == 1))
        precision, recall = tp / flagged.sum(), tp / (yt == 1).sum()
        return 2 * precision * recall / (precision + recall)

    assert ex.check_f1_at(f1_at, y, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert not ex.check_f1_at(f1_at_divides_by_zero, y, p)
    assert ex.check_share_flagged(0.5, p, 0.5)
    assert not ex.check_share_flagged(3, p, 0.5)


def test_dropout_check_agrees_with_keras(capsys):
    pytest.importorskip("keras")
    assert ex.check_dropout(lambda x, mask, rate: x * mask / (1 - rate))
    assert not ex.check_dropout(lambda x, mask, rate: x * mask)  # not inverted
    assert not ex.check_dropout(lambda x, mask, rate: x * mask * (1 - rate))


def test_lesson_10_checks(capsys):
    y = np.array([0, 0, 0, 1, 0, 1, 0, 0])
    assert ex.check_always_negative_accuracy(0.75, y)
    assert not ex.check_always_negative_accuracy(0.25, y)

    def focal(y, p, gamma, alpha):
        p_t = np.where(y == 1, p, 1 - p)
        return -np.where(y == 1, alpha, 1 - alpha) * (1 - p_t) ** gamma * np.log(p_t)

    assert ex.check_focal_loss(focal)
    assert not ex.check_focal_loss(lambda y, p, g, a: focal(y, p, g, 1 - a))


def test_keras_focal_loss_is_the_reference():
    keras = pytest.importorskip("keras")
    y, p = np.array([1.0, 0.0, 0.0, 1.0]), np.array([0.05, 0.95, 0.5, 0.99])
    loss = keras.losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, alpha=0.25, gamma=3.0, reduction=None
    )
    p_t = np.where(y == 1, p, 1 - p)
    mine = -np.where(y == 1, 0.25, 0.75) * (1 - p_t) ** 3 * np.log(p_t)
    theirs = keras.ops.convert_to_numpy(loss(y[:, None], p[:, None]))
    np.testing.assert_allclose(theirs, mine, rtol=1e-4)


def test_bad_labels_are_a_clear_error():
    with pytest.raises(ValueError, match="0/1 labels"):
        ex.check_always_negative_accuracy(0.5, [0, 2, 1])


def test_gpu_count_is_asked_of_tensorflow(capsys):
    import tensorflow as tf

    visible = len(tf.config.list_physical_devices("GPU"))
    assert ex.check_gpu_count(visible)
    assert not ex.check_gpu_count(visible + 1)
    assert not ex.check_gpu_count(...)
    assert str(visible + 1) not in capsys.readouterr().out.replace("Test input", "")


def test_max_pool_checker(capsys):
    def right(x):
        n, h, w, c = x.shape
        return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))

    def average(x):
        n, h, w, c = x.shape
        return x.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))

    assert ex.check_max_pool(right)
    assert not ex.check_max_pool(average)


def test_warmup_cosine_checker():
    def right(step, peak, warmup, decay):
        if step < warmup:
            return peak * step / warmup
        t = min(step - warmup, decay)
        return 0.5 * peak * (1 + np.cos(np.pi * t / decay))

    def no_warmup(step, peak, warmup, decay):
        t = min(step, decay)
        return 0.5 * peak * (1 + np.cos(np.pi * t / decay))

    assert ex.check_warmup_cosine(right)
    assert not ex.check_warmup_cosine(no_warmup)


def test_number_reads_an_answer_or_says_what_is_missing(capsys):
    from helpers import checks
    from helpers.exercises import common

    assert common.number("0.25", hint="one number") == 0.25
    assert common.number(np.float32(2), [1, 2], hint="one number") == 2.0
    for answer, inputs in ((..., ()), (None, ()), (0.5, (...,)), (0.5, (None,))):
        verdict = common.number(answer, *inputs, hint="one number")
        assert isinstance(verdict, checks.Feedback) and not verdict
        assert checks.TODO in capsys.readouterr().out
    for answer in ("half", "...", [1, 2], object()):  # answered, but not with a number
        verdict = common.number(answer, hint="one number")
        assert isinstance(verdict, checks.Feedback) and not verdict
        assert "Hint: one number" in capsys.readouterr().out
