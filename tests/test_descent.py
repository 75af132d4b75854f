"""Gradient descent from scratch: gradients against central differences, the loops against
Keras, every sample once per epoch, known parameters recovered, clear errors on bad input."""

import numpy as np
import pytest

from helpers import descent
from helpers.descent import gradient, gradient_descent, loss, minibatches, numerical_gradient
from helpers.optimizers import SGD

W_TRUE = np.array([2.0, -3.0])
B_TRUE = 0.5


def logistic_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from the logistic model with the known parameters W_TRUE, B_TRUE."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    p = 1 / (1 + np.exp(-(X @ W_TRUE + B_TRUE)))
    return X, (rng.random(n) < p).astype(float)


@pytest.mark.parametrize("model", ["logistic", "linear"])
@pytest.mark.parametrize("seed", range(5))
def test_gradient_matches_central_differences(model, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 4)) * rng.uniform(0.5, 3, size=4)
    y = rng.integers(0, 2, size=40).astype(float) if model == "logistic" else rng.normal(size=40)
    w, b = rng.normal(size=4), float(rng.normal())
    grad_w, grad_b = gradient(X, y, w, b, model)
    num_w = numerical_gradient(lambda v: loss(X, y, v, b, model), w)
    num_b = numerical_gradient(lambda v: loss(X, y, w, float(v), model), b)
    np.testing.assert_allclose(grad_w, num_w, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_b, num_b, rtol=1e-6, atol=1e-8)


def test_logistic_gradient_is_the_closed_form():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 2, size=30).astype(float)
    w, b = rng.normal(size=3), 0.2
    sigma = 1 / (1 + np.exp(-(X @ w + b)))
    grad_w, grad_b = gradient(X, y, w, b)
    np.testing.assert_allclose(grad_w, X.T @ (sigma - y) / 30, rtol=1e-12)
    assert grad_b == pytest.approx(np.mean(sigma - y), rel=1e-12)


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**3), x), 3 * x**2, rtol=1e-8)
    with pytest.raises(ValueError, match="h must be"):
        numerical_gradient(np.sum, x, h=0)


def test_numerical_gradient_exposes_a_wrong_derivative():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(20, 2)), rng.integers(0, 2, size=20).astype(float)
    w = rng.normal(size=2)
    wrong = X.T @ (1 / (1 + np.exp(-(X @ w))) - y)  # forgot the 1/n
    num = numerical_gradient(lambda v: loss(X, y, v, 0.0), w)
    assert not np.allclose(wrong, num, rtol=1e-3)


@pytest.mark.parametrize("batch_size", [1, 7, 32, 50])
def test_minibatches_cover_every_sample_once_per_epoch(batch_size):
    rng = np.random.default_rng(0)
    epochs = [list(minibatches(50, batch_size, rng)) for _ in range(3)]
    for batches in epochs:
        assert len(batches) == -(-50 // batch_size)
        assert all(len(rows) == batch_size for rows in batches[:-1])
        assert sorted(np.concatenate(batches).tolist()) == list(range(50))
    if batch_size < 50:  # reshuffled: a new order each epoch
        assert not np.array_equal(np.concatenate(epochs[0]), np.concatenate(epochs[1]))


@pytest.mark.parametrize("batch_size", [1, 7, 25, 32])
def test_drop_last_gives_equal_batches_of_distinct_rows(batch_size):
    rng = np.random.default_rng(0)
    epochs = [list(minibatches(50, batch_size, rng, drop_last=True)) for _ in range(3)]
    for batches in epochs:
        assert len(batches) == 50 // batch_size
        assert all(len(rows) == batch_size for rows in batches)
        rows = np.concatenate(batches)
        assert len(set(rows.tolist())) == len(rows) == 50 - 50 % batch_size
    if 50 % batch_size:  # the rows left out change from epoch to epoch
        left_out = [set(range(50)) - set(np.concatenate(b).tolist()) for b in epochs]
        assert left_out[0] != left_out[1]
    X, y = logistic_data(50, seed=0)
    result = gradient_descent(X, y, epochs=2, batch_size=batch_size, drop_last=True)
    assert result.updates_per_epoch == 50 // batch_size
    assert len(result.seconds) == 2 * (50 // batch_size)


def test_the_loop_uses_every_sample_once_per_epoch(monkeypatch):
    seen = []
    original = descent.minibatches

    def spy(n, batch_size, rng, drop_last=False):
        epoch = list(original(n, batch_size, rng, drop_last))
        seen.append(np.concatenate(epoch))
        yield from epoch

    monkeypatch.setattr(descent, "minibatches", spy)
    X, y = logistic_data(23, seed=0)
    result = gradient_descent(X, y, learning_rate=0.1, epochs=4, batch_size=5)
    assert len(seen) == 4
    for order in seen:
        assert sorted(order.tolist()) == list(range(23))
    assert result.updates_per_epoch == 5
    assert len(result.losses) == 4 * 5 + 1 and len(result.seconds) == 4 * 5
    assert len(result.epoch_losses) == 5 and result.elapsed[0] == 0


def test_shuffling_is_seeded():
    X, y = logistic_data(60, seed=0)
    a = gradient_descent(X, y, epochs=3, batch_size=4, seed=1)
    b = gradient_descent(X, y, epochs=3, batch_size=4, seed=1)
    c = gradient_descent(X, y, epochs=3, batch_size=4, seed=2)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert not np.allclose(a.w, c.w)


def test_full_batch_descent_takes_the_textbook_step():
    X, y = logistic_data(30, seed=3)
    w0, b0, eta = np.array([0.3, -0.1]), 0.2, 0.7
    result = gradient_descent(X, y, learning_rate=eta, epochs=1, w0=w0, b0=b0)
    grad_w, grad_b = gradient(X, y, w0, b0)
    np.testing.assert_allclose(result.w, w0 - eta * grad_w, rtol=1e-12)
    assert result.b == pytest.approx(b0 - eta * grad_b, rel=1e-12)
    np.testing.assert_array_equal(w0, [0.3, -0.1])  # the start is not changed in place


def test_plain_step_equals_the_sgd_optimizer():
    X, y = logistic_data(50, seed=4)
    plain = gradient_descent(X, y, learning_rate=0.3, epochs=5, batch_size=8)
    with_opt = gradient_descent(X, y, epochs=5, batch_size=8, optimizer=SGD(0.3))
    np.testing.assert_allclose(with_opt.w, plain.w, rtol=1e-12)
    np.testing.assert_allclose(with_opt.losses, plain.losses, rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_recovers_the_true_parameters_within_four_standard_errors(seed):
    X, y = logistic_data(4000, seed)
    result = gradient_descent(X, y, learning_rate=1.0, epochs=300)
    estimate = np.r_[result.w, result.b]
    # Standard errors of the maximum-likelihood estimate, from the Fisher information.
    design = np.c_[X, np.ones(len(X))]
    p = 1 / (1 + np.exp(-(design @ estimate)))
    se = np.sqrt(np.diag(np.linalg.inv(design.T @ (design * (p * (1 - p))[:, None]))))
    assert np.all(np.abs(estimate - np.r_[W_TRUE, B_TRUE]) < 4 * se)
    assert np.all(np.diff(result.losses) <= 1e-12)  # full-batch loss never goes up here


def test_linear_regression_reaches_least_squares():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 3.0 + 0.1 * rng.normal(size=200)
    result = gradient_descent(X, y, model="linear", learning_rate=0.1, epochs=500)
    solution, *_ = np.linalg.lstsq(np.c_[X, np.ones(200)], y, rcond=None)
    np.testing.assert_allclose(np.r_[result.w, result.b], solution, atol=1e-6)


def test_full_batch_descent_matches_keras_sgd():
    """Same initial weights, same learning rate, full batch, same epochs: same final weights."""
    keras = pytest.importorskip("keras")
    import tensorflow as tf

    X, y = logistic_data(500, seed=5)
    w0, b0, eta, epochs = np.array([0.5, 0.5]), -1.0, 0.5, 100
    ours = gradient_descent(X, y, learning_rate=eta, epochs=epochs, w0=w0, b0=b0)

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.layers[0].set_weights([w0.reshape(-1, 1), np.array([b0])])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=eta), loss="binary_crossentropy")
    whole = tf.data.Dataset.from_tensors((X.astype("float32"), y.astype("float32")))
    model.fit(whole.repeat(), epochs=epochs, steps_per_epoch=1, shuffle=False, verbose=0)
    kernel, bias = model.layers[0].get_weights()
    np.testing.assert_allclose(kernel.ravel(), ours.w, atol=1e-5)
    assert bias[0] == pytest.approx(ours.b, abs=1e-5)


@pytest.mark.parametrize("model", ["logistic", "linear"])
def test_gradient_matches_keras_autodiff(model):
    """Our hand-derived gradient equals what TensorFlow's automatic differentiation computes
    for Keras' own loss (float64, so the two agree to round-off)."""
    keras = pytest.importorskip("keras")
    import tensorflow as tf

    rng = np.random.default_rng(7)
    X = rng.normal(size=(25, 3))
    y = rng.integers(0, 2, size=25).astype(float) if model == "logistic" else rng.normal(size=25)
    w, b = rng.normal(size=3), 0.3
    keras_loss = (
        keras.losses.BinaryCrossentropy(from_logits=True, dtype="float64")
        if model == "logistic"
        else keras.losses.MeanSquaredError(dtype="float64")
    )
    w_var, b_var = tf.Variable(w), tf.Variable(b, dtype=tf.float64)
    with tf.GradientTape() as tape:
        z = tf.linalg.matvec(tf.constant(X), w_var) + b_var
        value = keras_loss(tf.constant(y)[:, None], z[:, None])
    auto_w, auto_b = tape.gradient(value, [w_var, b_var])
    grad_w, grad_b = gradient(X, y, w, b, model)
    assert float(value) == pytest.approx(loss(X, y, w, b, model), rel=1e-12)
    np.testing.assert_allclose(grad_w, auto_w.numpy(), rtol=1e-10, atol=1e-12)
    assert grad_b == pytest.approx(float(auto_b), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("model", ["logistic", "linear"])
def test_unshuffled_minibatch_descent_matches_keras_fit(model):
    """Same start, same batches in the same order (a smaller last batch included): Keras'
    fit with plain SGD ends at the same weights."""
    keras = pytest.importorskip("keras")

    X, y = logistic_data(30, seed=8)
    if model == "linear":
        y = X @ np.array([1.5, -0.5]) + 0.2 + 0.1 * np.random.default_rng(8).normal(size=30)
    w0, b0, eta, epochs, k = np.array([0.2, -0.4]), 0.1, 0.05, 4, 7
    ours = gradient_descent(
        X,
        y,
        model=model,
        learning_rate=eta,
        epochs=epochs,
        batch_size=k,
        w0=w0,
        b0=b0,
        shuffle=False,
    )
    activation, keras_loss = (
        ("sigmoid", "binary_crossentropy") if model == "logistic" else ("linear", "mse")
    )
    net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation=activation)])
    net.layers[0].set_weights([w0.reshape(-1, 1), np.array([b0])])
    net.compile(optimizer=keras.optimizers.SGD(learning_rate=eta), loss=keras_loss)
    net.fit(X, y[:, None], batch_size=k, epochs=epochs, shuffle=False, verbose=0)
    kernel, bias = net.layers[0].get_weights()
    assert ours.updates_per_epoch == 5  # four batches of 7 and one of 2
    np.testing.assert_allclose(kernel.ravel(), ours.w, atol=1e-5)
    assert bias[0] == pytest.approx(ours.b, abs=1e-5)


def test_predict_refuses_an_unknown_model():
    with pytest.raises(ValueError, match="Unknown model"):
        descent.predict(np.ones((3, 2)), np.zeros(2), 0.0, model="ridge")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"X": np.ones((5, 2)), "y": np.ones(4)}, "one value per row"),
        ({"X": np.ones(5), "y": np.ones(5)}, "must be 2-D"),
        ({"X": np.ones((5, 2)), "y": np.ones((5, 1))}, "must be 1-D"),
        ({"X": np.ones((5, 2)), "y": np.array([0, 1, 2, 1, 0])}, "labels 0 and 1"),
        ({"X": np.ones((5, 2)), "y": np.ones(5), "batch_size": 0}, "batch_size"),
        ({"X": np.ones((5, 2)), "y": np.ones(5), "batch_size": 6}, "batch_size"),
        ({"X": np.ones((5, 2)), "y": np.ones(5), "learning_rate": 0}, "learning_rate"),
        ({"X": np.ones((5, 2)), "y": np.ones(5), "learning_rate": -0.1}, "learning_rate"),
        ({"X": np.ones((5, 2)), "y": np.ones(5), "epochs": 0}, "epochs"),
        ({"X": np.ones((5, 2)), "y": np.ones(5), "w0": np.zeros(3)}, "one weight per feature"),
        ({"X": np.ones((5, 2)), "y": np.ones(5), "b0": np.zeros(2)}, "single number"),
        ({"X": np.ones((5, 2)), "y": np.ones(5), "model": "ridge"}, "Unknown model"),
        ({"X": np.ones((0, 2)), "y": np.ones(0)}, "no rows"),
    ],
)
def test_bad_input_gives_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gradient_descent(**kwargs)


def test_bad_input_to_gradient_and_loss():
    X, y = np.ones((4, 3)), np.array([0.0, 1.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="one weight per feature"):
        gradient(X, y, np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="labels 0 and 1"):
        loss(X, y * 2, np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="batch_size"):
        list(minibatches(4, 0, None))


@pytest.mark.parametrize("where", ["X", "y", "w0", "b0"])
def test_nan_inputs_are_refused(where):
    X, y = np.array([[0.0], [1.0], [2.0]]), np.array([0.0, 1.0, 1.0])
    args = {"X": X, "y": y, "w0": np.zeros(1), "b0": 0.0}
    if where in ("X", "y"):
        args[where] = args[where].copy()
        args[where][0] = np.nan
    else:
        args[where] = np.array([np.nan]) if where == "w0" else float("nan")
    model = "linear" if where == "y" else "logistic"
    with pytest.raises(ValueError, match="NaN or inf"):
        gradient_descent(args["X"], args["y"], w0=args["w0"], b0=args["b0"], model=model, epochs=1)
