"""helpers.activations against keras.activations, TensorFlow autodiff and finite differences.

Tolerances: our float64 functions are compared with Keras run on the same float64 arrays
(rtol 1e-12 for values; rtol 1e-9, atol 1e-15 for autodiff gradients, where TensorFlow's
s (1 - s) rounds differently), with Keras' default float32 (rtol 1e-6, atol 1e-7), and with
central differences h = 1e-6 (rtol 1e-6, atol 1e-8; ReLU and leaky ReLU away from their
kink at 0).
"""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import activations as A

RNG = np.random.default_rng(0)
MODERATE = np.concatenate([RNG.normal(0, 3, 200), [-5.0, -1.0, -1e-9, 0.0, 1e-9, 1.0, 5.0]])
EXTREME = np.array([-1000.0, -100.0, -30.0, 30.0, 100.0, 1000.0])
ALL = np.concatenate([MODERATE, EXTREME])
ALPHA = 0.125  # exact in float32 too: TensorFlow rounds the slope to float32

OURS = {
    "linear": A.linear,
    "sigmoid": A.sigmoid,
    "tanh": A.tanh,
    "relu": A.relu,
    "leaky_relu": lambda z: A.leaky_relu(z, alpha=ALPHA),
}
KERAS = {
    "linear": keras.activations.linear,
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
    "relu": keras.activations.relu,
    "leaky_relu": lambda z: keras.activations.leaky_relu(z, negative_slope=ALPHA),
}
DERIVATIVES = {
    "linear": A.linear_derivative,
    "sigmoid": A.sigmoid_derivative,
    "tanh": A.tanh_derivative,
    "relu": A.relu_derivative,
    "leaky_relu": lambda z: A.leaky_relu_derivative(z, alpha=ALPHA),
}
KINKED = {"relu", "leaky_relu"}


def keras_np(fn, z, dtype="float64"):
    return keras.ops.convert_to_numpy(fn(keras.ops.convert_to_tensor(z, dtype=dtype)))


def central_difference(fn, z, h=1e-6):
    return (fn(z + h) - fn(z - h)) / (2 * h)


@pytest.mark.parametrize("name", sorted(OURS))
def test_matches_keras_in_float64_including_extremes(name):
    ours = OURS[name](ALL)
    assert ours.dtype == np.float64 and ours.shape == ALL.shape
    np.testing.assert_allclose(ours, keras_np(KERAS[name], ALL), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", sorted(OURS))
def test_matches_keras_default_float32(name):
    np.testing.assert_allclose(
        OURS[name](MODERATE), keras_np(KERAS[name], MODERATE, "float32"), rtol=1e-6, atol=1e-7
    )


@pytest.mark.parametrize("name", sorted(OURS))
def test_no_overflow_warning_and_finite_at_extremes(name):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out = OURS[name](EXTREME)
        deriv = DERIVATIVES[name](EXTREME)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(deriv))


@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("shape", [(0,), (0, 3), (1,), (1, 1)], ids=str)
def test_empty_and_single_element_inputs_match_keras(name, shape):
    z = RNG.normal(0, 3, size=shape)
    ours = OURS[name](z)
    assert ours.shape == shape
    np.testing.assert_allclose(ours, keras_np(KERAS[name], z), rtol=1e-12, atol=1e-300)
    assert DERIVATIVES[name](z).shape == shape


def test_sigmoid_and_tanh_limits_and_known_values():
    np.testing.assert_array_equal(A.sigmoid([-1000.0, 0.0, 1000.0]), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(A.tanh([-1000.0, 0.0, 1000.0]), [-1.0, 0.0, 1.0])
    assert A.sigmoid_derivative(0.0) == 0.25
    assert A.sigmoid_derivative(ALL).max() <= 0.25
    assert A.tanh_derivative(0.0) == 1.0
    # the worked example of lesson 01: z = -0.3
    assert A.sigmoid(-0.3) == pytest.approx(0.42555748, abs=1e-8)
    assert A.tanh(-0.3) == pytest.approx(-0.29131261, abs=1e-8)


def test_tanh_is_the_exponential_ratio_not_its_inverse():
    z = np.linspace(-5, 5, 101)
    ratio = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    np.testing.assert_allclose(A.tanh(z), ratio, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(A.tanh(ALL), np.tanh(ALL), rtol=1e-12, atol=1e-300)
    assert A.tanh(1e-300) == 1e-300  # no loss of precision near 0


@pytest.mark.parametrize("name", sorted(OURS))
def test_derivative_matches_central_difference(name):
    z = MODERATE[np.abs(MODERATE) > 1e-3] if name in KINKED else MODERATE
    np.testing.assert_allclose(
        DERIVATIVES[name](z), central_difference(OURS[name], z), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize("name", sorted(OURS))
def test_derivative_matches_tensorflow_autodiff_including_the_kink(name):
    z = tf.Variable(np.concatenate([ALL, [0.0]]), dtype=tf.float64)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(KERAS[name](z))
    np.testing.assert_allclose(
        DERIVATIVES[name](z.numpy()), tape.gradient(total, z).numpy(), rtol=1e-9, atol=1e-15
    )


def test_kink_conventions():
    assert A.relu_derivative(0.0) == 0.0
    assert A.leaky_relu_derivative(0.0, alpha=0.05) == 0.05
    np.testing.assert_array_equal(A.leaky_relu([-2.0, 3.0]), [-0.02, 3.0])  # default alpha 0.01


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_matches_keras_with_extreme_logits(axis):
    z = np.vstack([RNG.normal(0, 3, (5, 4)), [1000.0, 0.0, -1000.0, 1.0], [-1000.0] * 4])
    ours = A.softmax(z, axis=axis)
    np.testing.assert_allclose(
        ours,
        keras_np(lambda t: keras.activations.softmax(t, axis=axis), z),
        rtol=1e-12,
        atol=1e-300,
    )
    np.testing.assert_allclose(ours.sum(axis=axis), 1.0, rtol=1e-12)
    assert np.all(np.isfinite(ours))


def test_softmax_of_one_vector_and_of_empty_input():
    z = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(A.softmax(z), keras_np(keras.ops.softmax, z), rtol=1e-12)
    assert A.softmax(np.zeros((0, 3))).shape == (0, 3)
    assert A.sigmoid([]).shape == (0,)
    assert A.softmax([5.0]).tolist() == [1.0]
    with pytest.raises(ValueError, match="vector"):
        A.softmax(3.0)


def numerical_jacobian(fn, z, h=1e-6):
    columns = [(fn(z + h * e) - fn(z - h * e)) / (2 * h) for e in np.eye(z.size)]
    return np.stack(columns, axis=1)  # column j = d output / d z_j


@pytest.mark.parametrize(
    "z", [[1.0, 2.0, 3.0], [0.0, 1.0], [5.0, -3.0, 0.1, 0.1], [30.0, -30.0, 0.0]]
)
def test_softmax_jacobian_matches_numerical_and_autodiff(z):
    z = np.asarray(z)
    J = A.softmax_jacobian(z)
    np.testing.assert_allclose(J, numerical_jacobian(A.softmax, z), rtol=1e-6, atol=1e-9)
    zt = tf.Variable(z, dtype=tf.float64)
    with tf.GradientTape() as tape:
        s = keras.activations.softmax(zt[None, :])[0]
    np.testing.assert_allclose(J, tape.jacobian(s, zt).numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-12)


@pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros(0), 1.0])
def test_softmax_jacobian_refuses_non_vectors(bad):
    with pytest.raises(ValueError, match="score vector"):
        A.softmax_jacobian(bad)


def test_bad_input_errors():
    with pytest.raises(TypeError, match="numbers"):
        A.relu("one")
    with pytest.raises(ValueError, match="Unknown activation"):
        A.get("swish")
    assert A.get("tanh") is A.tanh
