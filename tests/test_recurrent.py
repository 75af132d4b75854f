"""helpers.recurrent: the NumPy cells equal Keras's SimpleRNN, LSTM and GRU given the same weights.

Tolerance: the NumPy cells compute in float64, Keras in float32, over 7 steps of tanh and
sigmoid whose values stay in [−1, 1]: they agree to atol 1e-5 (float32's relative precision
is about 1e-7; a wrong gate order or bias convention gives differences of order 0.1).
"""

import keras
import numpy as np
import pytest

from helpers.recurrent import gru_step, lstm_step, run_layer, simple_rnn_step

ATOL = 1e-5
BATCH, TIME, FEATURES, UNITS = 4, 7, 3, 5


def _inputs(seed=0):
    return np.random.default_rng(seed).normal(size=(BATCH, TIME, FEATURES)).astype("float32")


def _randomise(layer, seed=1):
    """Give every weight, biases included, a random non-zero value (biases start at 0)."""
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.get_weights()])
    return layer.get_weights()


@pytest.mark.parametrize(
    ("kind", "layer"),
    [
        ("simple_rnn", lambda: keras.layers.SimpleRNN(UNITS)),
        ("lstm", lambda: keras.layers.LSTM(UNITS)),
    ],
)
def test_simple_rnn_and_lstm_equal_keras(kind, layer):
    x = _inputs()
    keras_layer = layer()
    keras_layer(x)  # build
    weights = _randomise(keras_layer)
    expected = keras.ops.convert_to_numpy(keras_layer(x))
    np.testing.assert_allclose(run_layer(kind, x, weights), expected, atol=ATOL)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_equals_keras_in_both_conventions(reset_after):
    x = _inputs()
    keras_layer = keras.layers.GRU(UNITS, reset_after=reset_after)
    keras_layer(x)
    weights = _randomise(keras_layer)
    expected = keras.ops.convert_to_numpy(keras_layer(x))
    np.testing.assert_allclose(
        run_layer("gru", x, weights, reset_after=reset_after), expected, atol=ATOL
    )


def test_the_two_gru_conventions_really_differ():
    """Reading reset_after=True weights with the other equation gives another answer."""
    x = _inputs()
    layer = keras.layers.GRU(UNITS, reset_after=True)
    layer(x)
    kernel, recurrent, bias = _randomise(layer)
    after = run_layer("gru", x, [kernel, recurrent, bias], reset_after=True)
    before = run_layer("gru", x, [kernel, recurrent, bias.sum(axis=0)], reset_after=False)
    assert np.abs(after - before).max() > 1e-3


def test_one_step_formulas_by_hand():
    """One unit, one feature: the equations written out with scalars."""
    x, h, c = np.array([[0.5]]), np.array([[-0.2]]), np.array([[0.3]])
    w = [np.array([[0.7]]), np.array([[0.4]]), np.array([0.1])]
    np.testing.assert_allclose(simple_rnn_step(x, h, w), np.tanh(0.35 - 0.08 + 0.1))
    lstm_w = [np.full((1, 4), 0.7), np.full((1, 4), 0.4), np.full(4, 0.1)]
    gate = 1 / (1 + np.exp(-(0.35 - 0.08 + 0.1)))
    c_new = gate * 0.3 + gate * np.tanh(0.37)
    h_new, c_out = lstm_step(x, h, c, lstm_w)
    np.testing.assert_allclose(c_out, c_new)
    np.testing.assert_allclose(h_new, gate * np.tanh(c_new))
    gru_w = [np.full((1, 3), 0.7), np.full((1, 3), 0.4), np.zeros((2, 3))]
    z = r = 1 / (1 + np.exp(-(0.35 - 0.08)))
    candidate = np.tanh(0.35 + r * -0.08)
    np.testing.assert_allclose(gru_step(x, h, gru_w), z * -0.2 + (1 - z) * candidate)


def test_clear_errors():
    x = _inputs()
    layer = keras.layers.GRU(UNITS, reset_after=True)
    layer(x)
    weights = layer.get_weights()
    with pytest.raises(ValueError, match="reset_after"):
        run_layer("gru", x, weights, reset_after=False)
    with pytest.raises(ValueError, match="kind"):
        run_layer("rnn", x, weights)
    with pytest.raises(ValueError, match="batch, time, features"):
        run_layer("gru", x[0], weights)
    with pytest.raises(ValueError, match="get_weights"):
        simple_rnn_step(x[:, 0], np.zeros((BATCH, UNITS)), weights[:2])
    with pytest.raises(ValueError, match="do not fit"):
        lstm_step(x[:, 0], np.zeros((BATCH, UNITS)), np.zeros((BATCH, UNITS)), weights)
