"""helpers.neurons: the worked example, Keras Dense equivalence, the perceptron rule, XOR.

Tolerances: a float64 keras.layers.Dense with the same weights agrees to rtol 1e-12.
The perceptron and XOR results are exact (0/1 outputs).
"""

import itertools

import keras
import numpy as np
import pytest

from helpers import activations as A
from helpers.neurons import Neuron, Perceptron, TwoLayerNetwork, step, xor_network

X01 = np.array(list(itertools.product([0.0, 1.0], repeat=2)))  # (0,0) (0,1) (1,0) (1,1)
AND = np.array([0.0, 0.0, 0.0, 1.0])
OR = np.array([0.0, 1.0, 1.0, 1.0])
XOR = np.array([0.0, 1.0, 1.0, 0.0])
RNG = np.random.default_rng(2)


def test_worked_example():
    x, w, b = [1.0, 2.0, 3.0], [0.5, 0.1, -0.4], 0.2
    assert Neuron(w, b).weighted_sum(x) == pytest.approx(-0.3, abs=1e-12)
    assert Neuron(w, b, "sigmoid")(x) == pytest.approx(0.4256, abs=5e-5)
    assert Neuron(w, b, "tanh")(x) == pytest.approx(-0.2913, abs=5e-5)
    assert Neuron(w, b, "relu")(x) == 0.0


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu"])
def test_neuron_matches_keras_dense(activation):
    w, b = RNG.normal(size=4), float(RNG.normal())
    X = np.vstack([RNG.normal(0, 2, size=(32, 4)), np.full((1, 4), 300.0), np.full((1, 4), -300.0)])
    dense = keras.layers.Dense(1, activation=activation, dtype="float64")
    dense.build((None, 4))
    dense.set_weights([w.reshape(-1, 1), np.array([b])])
    expected = keras.ops.convert_to_numpy(dense(X))[:, 0]
    np.testing.assert_allclose(Neuron(w, b, activation)(X), expected, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("n_samples", [0, 1])
def test_neuron_on_empty_and_single_sample_batches_matches_keras(n_samples):
    w, b = RNG.normal(size=3), float(RNG.normal())
    X = RNG.normal(size=(n_samples, 3))
    dense = keras.layers.Dense(1, activation="sigmoid", dtype="float64")
    dense.build((None, 3))
    dense.set_weights([w.reshape(-1, 1), np.array([b])])
    expected = keras.ops.convert_to_numpy(dense(X))[:, 0]
    ours = Neuron(w, b)(X)
    assert ours.shape == (n_samples,)
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    assert Perceptron(3).predict(X).shape == (n_samples,)


def test_neuron_takes_a_function_and_rejects_bad_shapes():
    neuron = Neuron([1.0, -1.0], 0.5, activation=lambda z: A.leaky_relu(z, alpha=0.1))
    np.testing.assert_allclose(neuron([[0.0, 2.0], [2.0, 0.0]]), [-0.15, 2.5])
    for x in ([1.0, 2.0, 3.0], np.zeros((2, 3)), np.zeros((1, 1, 2))):
        with pytest.raises(ValueError, match="one input per weight"):
            neuron(x)
    with pytest.raises(ValueError, match="1-D"):
        Neuron(np.zeros((2, 2)), 0.0)
    with pytest.raises(ValueError, match="single number"):
        Neuron([1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="Unknown activation"):
        Neuron([1.0], 0.0, "staircase")


def test_step():
    np.testing.assert_array_equal(step([-2.0, -1e-12, 0.0, 3.0]), [0.0, 0.0, 1.0, 1.0])


def test_one_update_is_the_perceptron_rule():
    p = Perceptron(2, learning_rate=0.5, max_epochs=1)
    errors = p.fit([[1.0, 2.0]], [0.0])  # w = 0, b = 0 predicts step(0) = 1: one mistake
    assert errors == [1]
    np.testing.assert_array_equal(p.weights, 0.5 * (0 - 1) * np.array([1.0, 2.0]))
    assert p.bias == -0.5


@pytest.mark.parametrize("y", [AND, OR], ids=["AND", "OR"])
def test_perceptron_learns_linearly_separable_gates(y):
    p = Perceptron(2, max_epochs=100)
    errors = p.fit(X01, y)
    assert p.converged_ and errors[-1] == 0 and all(e > 0 for e in errors[:-1])
    np.testing.assert_array_equal(p.predict(X01), y)


def test_perceptron_learns_a_random_separable_problem():
    X = RNG.normal(size=(200, 3))
    w_true = np.array([1.0, -2.0, 0.5])
    margin = X @ w_true + 0.3
    keep = np.abs(margin) > 0.2
    X, y = X[keep], (margin[keep] > 0).astype(float)
    p = Perceptron(3, learning_rate=0.1, max_epochs=1000)
    p.fit(X, y)
    assert p.converged_
    np.testing.assert_array_equal(p.predict(X), y)


def test_perceptron_never_learns_xor():
    # No line separates XOR, so every weight vector misclassifies some point: every epoch
    # must contain at least one mistake, however long we train.
    p = Perceptron(2, max_epochs=500)
    errors = p.fit(X01, XOR)
    assert len(errors) == 500 and min(errors) >= 1 and not p.converged_
    assert np.any(p.predict(X01) != XOR)


def test_perceptron_rejects_bad_input():
    p = Perceptron(2)
    with pytest.raises(ValueError, match="0 or 1"):
        p.fit(X01, 2 * XOR - 1)
    with pytest.raises(ValueError, match="shape"):
        p.fit(X01, XOR[:3])
    with pytest.raises(ValueError, match="one input per weight"):
        p.fit(np.zeros((4, 3)), XOR)
    with pytest.raises(ValueError, match="positive"):
        Perceptron(2, learning_rate=0.0)


def test_xor_network_solves_xor_exactly():
    net = xor_network()
    np.testing.assert_array_equal(net(X01), XOR)
    np.testing.assert_array_equal(net.hidden(X01), np.column_stack([OR, AND]))
    # and on every point of a square around each corner (a margin of 0.2)
    offsets = RNG.uniform(-0.2, 0.2, size=(500, 2))
    for corner, label in zip(X01, XOR, strict=True):
        assert np.all(net(corner + offsets) == label)


def test_two_layer_network_matches_keras():
    W1, b1 = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    W2, b2 = RNG.normal(size=3), float(RNG.normal())
    ours = TwoLayerNetwork(W1, b1, W2, b2, "tanh", "sigmoid")
    model = keras.Sequential(
        [
            keras.Input((2,), dtype="float64"),
            keras.layers.Dense(3, activation="tanh", dtype="float64"),
            keras.layers.Dense(1, activation="sigmoid", dtype="float64"),
        ]
    )
    model.set_weights([W1, b1, W2.reshape(-1, 1), np.array([b2])])
    X = RNG.normal(0, 3, size=(50, 2))
    expected = keras.ops.convert_to_numpy(model(X))[:, 0]
    np.testing.assert_allclose(ours(X), expected, rtol=1e-12)


def test_two_layer_network_rejects_bad_shapes():
    with pytest.raises(ValueError, match="W1"):
        TwoLayerNetwork(np.zeros((2, 2)), np.zeros(3), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="one input per weight"):
        xor_network()(np.zeros((4, 3)))


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.array([[0.0, np.nan], [1.0, 1.0]]), [0, 1], "NaN or inf"),
        (np.array([[0.0, np.inf], [1.0, 1.0]]), [0, 1], "NaN or inf"),
        (np.zeros((0, 2)), np.zeros(0), "no samples"),
    ],
    ids=["nan", "inf", "empty"],
)
def test_perceptron_does_not_converge_on_nothing(X, y, message):
    p = Perceptron(n_features=2)
    with pytest.raises(ValueError, match=message):
        p.fit(X, y)
    assert not getattr(p, "converged_", False)
