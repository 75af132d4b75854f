"""helpers.losses against keras.losses, on ordinary and extreme inputs.

Tolerances: Keras' loss functions run on the same float64 arrays agree to rtol 1e-9
(sparse categorical cross-entropy from probabilities: rtol 1e-6, because Keras clips
before renormalising the rows and we renormalise before clipping; the two differ only
for probabilities below 1e-7). Keras' loss classes, which compute in float32 and average
over the batch, agree to rtol 1e-5. Gradients match central differences (h = 1e-6) to
rtol 1e-5 and TensorFlow autodiff to rtol 1e-9.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import activations as A
from helpers import losses as L

RNG = np.random.default_rng(1)
N, K = 64, 5

Y_REG = RNG.normal(size=(N, 3))
P_REG = Y_REG + RNG.normal(size=(N, 3))
Y_BIN = RNG.integers(0, 2, size=N).astype(float)
Z_BIN = RNG.normal(0, 3, size=N)
LABELS = RNG.integers(0, K, size=N)
ONEHOT = np.eye(K)[LABELS]
Z_CAT = RNG.normal(0, 3, size=(N, K))
Y_PM1 = 2 * Y_BIN - 1

EXTREME_P = np.array([0.0, 1e-7, 1e-12, 0.5, 1 - 1e-7, 1.0, 1 - 1e-12])
EXTREME_Z = np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0])


def per_sample_keras(fn, *args, **kwargs):
    return keras.ops.convert_to_numpy(fn(*args, **kwargs))


def keras_mean(fn, *args, **kwargs):
    return float(np.mean(per_sample_keras(fn, *args, **kwargs)))


CASES = {
    # name: (ours, keras function, y_true, y_pred, kwargs)
    "mse": (L.mean_squared_error, keras.losses.mean_squared_error, Y_REG, P_REG, {}),
    "mae": (L.mean_absolute_error, keras.losses.mean_absolute_error, Y_REG, P_REG, {}),
    "bce": (
        L.binary_cross_entropy,
        keras.losses.binary_crossentropy,
        Y_BIN[:, None],
        A.sigmoid(Z_BIN)[:, None],
        {},
    ),
    "bce_logits": (
        L.binary_cross_entropy,
        keras.losses.binary_crossentropy,
        Y_BIN[:, None],
        Z_BIN[:, None],
        {"from_logits": True},
    ),
    "cce": (
        L.categorical_cross_entropy,
        keras.losses.categorical_crossentropy,
        ONEHOT,
        A.softmax(Z_CAT),
        {},
    ),
    "cce_logits": (
        L.categorical_cross_entropy,
        keras.losses.categorical_crossentropy,
        ONEHOT,
        Z_CAT,
        {"from_logits": True},
    ),
    "sparse": (
        L.sparse_categorical_cross_entropy,
        keras.losses.sparse_categorical_crossentropy,
        LABELS,
        A.softmax(Z_CAT),
        {},
    ),
    "sparse_logits": (
        L.sparse_categorical_cross_entropy,
        keras.losses.sparse_categorical_crossentropy,
        LABELS,
        Z_CAT,
        {"from_logits": True},
    ),
    "hinge": (L.hinge, keras.losses.hinge, Y_PM1[:, None], Z_BIN[:, None], {}),
}

CLASSES = {
    "mse": keras.losses.MeanSquaredError(),
    "mae": keras.losses.MeanAbsoluteError(),
    "bce": keras.losses.BinaryCrossentropy(),
    "bce_logits": keras.losses.BinaryCrossentropy(from_logits=True),
    "cce": keras.losses.CategoricalCrossentropy(),
    "cce_logits": keras.losses.CategoricalCrossentropy(from_logits=True),
    "sparse": keras.losses.SparseCategoricalCrossentropy(),
    "sparse_logits": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    "hinge": keras.losses.Hinge(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_per_sample_and_mean_match_keras_functions(name):
    ours, theirs, y, p, kw = CASES[name]
    per_sample = ours(y, p, reduction="none", **kw)
    assert per_sample.shape == (N,)
    np.testing.assert_allclose(per_sample, per_sample_keras(theirs, y, p, **kw), rtol=1e-9)
    mean = ours(y, p, **kw)
    assert isinstance(mean, float)
    assert mean == pytest.approx(keras_mean(theirs, y, p, **kw), rel=1e-9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_mean_matches_keras_loss_class_in_float32(name):
    ours, _, y, p, kw = CASES[name]
    assert ours(y, p, **kw) == pytest.approx(float(CLASSES[name](y, p)), rel=1e-5)


@pytest.mark.parametrize("name", sorted(CASES))
def test_single_sample_batch(name):
    ours, theirs, y, p, kw = CASES[name]
    assert ours(y[:1], p[:1], **kw) == pytest.approx(keras_mean(theirs, y[:1], p[:1], **kw), 1e-9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_empty_batch_raises_for_the_mean_where_keras_gives_nan(name):
    ours, _, y, p, kw = CASES[name]
    with pytest.raises(ValueError, match="empty"):
        ours(y[:0], p[:0], **kw)
    assert ours(y[:0], p[:0], reduction="none", **kw).shape == (0,)


def test_what_keras_does_with_an_empty_batch():
    empty = np.zeros((0,), dtype="float32")
    assert np.isnan(float(keras.losses.MeanSquaredError()(empty, empty)))
    assert np.isnan(float(keras.losses.BinaryCrossentropy()(empty, empty)))
    empty_2d = np.zeros((0, 1), dtype="float32")  # no number at all, not even nan
    assert keras.ops.convert_to_numpy(keras.losses.MeanSquaredError()(empty_2d, empty_2d)).size == 0


def test_one_dimensional_inputs_are_a_batch_of_single_outputs():
    y, p = Y_BIN, A.sigmoid(Z_BIN)
    assert L.binary_cross_entropy(y, p, reduction="none").shape == (N,)
    assert L.binary_cross_entropy(y, p) == pytest.approx(
        float(keras.losses.binary_crossentropy(y, p)), rel=1e-9
    )
    assert L.mean_squared_error([1.0, 2.0], [1.0, 4.0]) == 2.0
    assert L.mean_absolute_error([1.0, 2.0], [1.0, 4.0]) == 1.0


def test_bce_from_probabilities_at_the_clip_edges():
    y = np.repeat([0.0, 1.0], EXTREME_P.size)[:, None]
    p = np.tile(EXTREME_P, 2)[:, None]
    ours = L.binary_cross_entropy(y, p, reduction="none")
    theirs = per_sample_keras(keras.losses.binary_crossentropy, y, p)
    assert np.all(np.isfinite(ours)) and np.all(np.isfinite(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    assert ours.max() == pytest.approx(-np.log(L.EPSILON), rel=1e-6)  # ~16.12, never inf
    assert L.EPSILON == keras.config.epsilon()


def test_bce_from_logits_is_finite_and_exact_at_extremes():
    y = np.repeat([0.0, 1.0], EXTREME_Z.size)[:, None]
    z = np.tile(EXTREME_Z, 2)[:, None]
    ours = L.binary_cross_entropy(y, z, from_logits=True, reduction="none")
    theirs = per_sample_keras(keras.losses.binary_crossentropy, y, z, from_logits=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-300)
    assert ours[0] == 0.0 and ours[EXTREME_Z.size] == 1000.0  # y=0, z=-1000 / y=1, z=-1000


@pytest.mark.parametrize("name", ["mse", "mae", "hinge"])
def test_regression_and_hinge_at_extreme_scores(name):
    ours, theirs, _, _, _ = CASES[name]
    y = np.tile([-1.0, 1.0], EXTREME_Z.size)[:, None]
    scores = np.repeat(EXTREME_Z, 2)[:, None]
    per_sample = ours(y, scores, reduction="none")
    assert np.all(np.isfinite(per_sample))
    np.testing.assert_allclose(per_sample, per_sample_keras(theirs, y, scores), rtol=1e-9)


def test_cce_at_extremes_probabilities_and_logits():
    p = np.array([[1.0, 0.0, 0.0], [1e-7, 1 - 2e-7, 1e-7], [1e-12, 0.5, 0.5 - 1e-12]])
    y = np.eye(3)[[1, 0, 0]]
    ours = L.categorical_cross_entropy(y, p, reduction="none")
    theirs = per_sample_keras(keras.losses.categorical_crossentropy, y, p)
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    z = np.array([[1000.0, 0.0, -1000.0], [-100.0, 100.0, 0.0], [0.0, 0.0, 0.0]])
    ours = L.categorical_cross_entropy(y, z, from_logits=True, reduction="none")
    theirs = per_sample_keras(keras.losses.categorical_crossentropy, y, z, from_logits=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    assert ours[0] == 1000.0 and ours[2] == pytest.approx(np.log(3))


def test_cce_renormalises_rows_like_keras():
    p = RNG.uniform(0.1, 1.0, size=(8, 4))  # rows do not sum to 1
    y = np.eye(4)[RNG.integers(0, 4, 8)]
    assert L.categorical_cross_entropy(y, p) == pytest.approx(
        keras_mean(keras.losses.categorical_crossentropy, y, p), rel=1e-9
    )


def test_sparse_at_extremes_and_equal_to_categorical():
    p = np.array([[1.0, 0.0, 0.0], [1e-7, 1 - 2e-7, 1e-7], [1e-12, 0.5, 0.5 - 1e-12]])
    labels = np.array([1, 0, 0])
    ours = L.sparse_categorical_cross_entropy(labels, p, reduction="none")
    theirs = per_sample_keras(keras.losses.sparse_categorical_crossentropy, labels, p)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_array_equal(
        ours, L.categorical_cross_entropy(np.eye(3)[labels], p, reduction="none")
    )
    z = np.array([[1000.0, 0.0, -1000.0], [-100.0, 100.0, 0.0], [0.0, 0.0, 0.0]])
    ours = L.sparse_categorical_cross_entropy(labels[:, None], z, from_logits=True)  # (n, 1) ok
    assert ours == pytest.approx(
        keras_mean(keras.losses.sparse_categorical_crossentropy, labels, z, from_logits=True), 1e-9
    )


def test_hinge_labels_must_be_plus_minus_one():
    scores = np.array([0.3, 0.5, -2.0])
    assert L.hinge([-1, 1, 1], scores) == pytest.approx(1.6)
    keras_01 = float(keras.losses.hinge(np.array([0.0, 1.0, 1.0]), scores))
    assert L.hinge(2 * np.array([0, 1, 1]) - 1, scores) == pytest.approx(keras_01)
    for labels in ([0, 1, 1], [2, 1, -1], [0.5, 1, 1]):
        with pytest.raises(ValueError, match=r"2 \* y - 1"):
            L.hinge(labels, scores)


@pytest.mark.parametrize(
    "call",
    [
        lambda: L.mean_squared_error([1.0, 2.0, 3.0], [[1.0], [2.0], [3.0]]),
        lambda: L.mean_absolute_error(np.zeros((4, 2)), np.zeros((4, 3))),
        lambda: L.binary_cross_entropy(np.zeros(4), np.zeros((4, 1))),
        lambda: L.categorical_cross_entropy(LABELS, A.softmax(Z_CAT)),
        lambda: L.sparse_categorical_cross_entropy(ONEHOT, A.softmax(Z_CAT)),
        lambda: L.sparse_categorical_cross_entropy(LABELS[:10], Z_CAT, from_logits=True),
        lambda: L.hinge(Y_PM1, Z_BIN[:, None]),
        lambda: L.categorical_cross_entropy_logit_gradient(ONEHOT, Z_CAT[:, :3]),
    ],
)
def test_wrong_shapes_raise(call):
    with pytest.raises(ValueError, match="shape"):
        call()


def test_invalid_values_raise():
    with pytest.raises(ValueError, match="from_logits=True"):
        L.binary_cross_entropy(Y_BIN, Z_BIN)
    with pytest.raises(ValueError, match="from_logits=True"):
        L.categorical_cross_entropy(ONEHOT, Z_CAT)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        L.binary_cross_entropy(Y_PM1, A.sigmoid(Z_BIN))
    with pytest.raises(ValueError, match="class numbers"):
        L.sparse_categorical_cross_entropy(np.full(N, K), Z_CAT, from_logits=True)
    with pytest.raises(ValueError, match="class numbers"):
        L.sparse_categorical_cross_entropy(np.full(N, 0.5), Z_CAT, from_logits=True)
    with pytest.raises(ValueError, match="reduction"):
        L.mean_squared_error([1.0], [1.0], reduction="sum")
    with pytest.raises(TypeError, match="numbers"):
        L.mean_squared_error(["a"], [1.0])


def numerical_gradient(loss, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (loss(x + e) - loss(x - e)) / (2 * h)
    return grad


def test_bce_logit_gradient():
    y, z = Y_BIN[:16], Z_BIN[:16]
    grad = L.binary_cross_entropy_logit_gradient(y, z)
    numeric = numerical_gradient(lambda v: L.binary_cross_entropy(y, v, from_logits=True), z)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9)
    zt = tf.Variable(z)
    with tf.GradientTape() as tape:
        loss = keras.losses.binary_crossentropy(y, zt, from_logits=True)  # mean of a 1-D batch
    np.testing.assert_allclose(grad, tape.gradient(loss, zt).numpy(), rtol=1e-9)
    np.testing.assert_allclose(
        L.binary_cross_entropy_logit_gradient(y, z, reduction="none"), A.sigmoid(z) - y
    )


def test_cce_logit_gradient():
    y, z = ONEHOT[:8], Z_CAT[:8]
    grad = L.categorical_cross_entropy_logit_gradient(y, z)
    numeric = numerical_gradient(lambda v: L.categorical_cross_entropy(y, v, from_logits=True), z)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9)
    zt = tf.Variable(z)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.categorical_crossentropy(y, zt, from_logits=True))
    np.testing.assert_allclose(grad, tape.gradient(loss, zt).numpy(), rtol=1e-9, atol=1e-15)


def test_mse_gradient():
    y, p = Y_REG[:6], P_REG[:6]
    numeric = numerical_gradient(lambda v: L.mean_squared_error(y, v), p)
    np.testing.assert_allclose(L.mean_squared_error_gradient(y, p), numeric, rtol=1e-5, atol=1e-9)


_CALLS_WITH_FROM_LOGITS = {
    "binary": (L.binary_cross_entropy, [0.0, 1.0], [0.2, 0.8]),
    "categorical": (L.categorical_cross_entropy, [[1, 0], [0, 1]], [[0.8, 0.2], [0.3, 0.7]]),
    "sparse": (L.sparse_categorical_cross_entropy, [0, 1], [[0.8, 0.2], [0.3, 0.7]]),
}


@pytest.mark.parametrize("name", _CALLS_WITH_FROM_LOGITS)
@pytest.mark.parametrize("flag", ["no", "False", 0, None])
def test_from_logits_must_be_true_or_false(name, flag):
    function, y_true, y_pred = _CALLS_WITH_FROM_LOGITS[name]
    with pytest.raises(TypeError, match="from_logits must be True or False"):
        function(y_true, y_pred, from_logits=flag)
    assert function(y_true, y_pred, from_logits=np.bool_(False)) == function(y_true, y_pred)


def test_sparse_hint_for_one_probability_per_sample():
    with pytest.raises(ValueError, match="binary_cross_entropy") as info:
        L.sparse_categorical_cross_entropy([0, 1, 1], [0.2, 0.9, 0.7])
    assert "one-hot" not in str(info.value)
    with pytest.raises(ValueError, match="one-hot"):
        L.sparse_categorical_cross_entropy([[1, 0], [0, 1]], [[0.8, 0.2], [0.3, 0.7]])
