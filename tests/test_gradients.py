"""The per-layer probes against a tiny network differentiated by hand, and Keras's
initialisers against the variance formulas."""

import keras
import numpy as np
import pytest

from helpers import exercises, gradients

RNG = np.random.default_rng(0)


def tiny_model(activation: str = "tanh") -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(4, activation=activation, bias_initializer="random_normal"),
            keras.layers.Dense(5, activation=activation),
            keras.layers.Dense(2),
        ]
    )
    return model


def weights64(model):
    return [w.astype("float64") for w in model.get_weights()]


def backprop_by_hand(weights, x, y):
    """Forward and backward pass of tanh → tanh → logits with mean softmax cross-entropy,
    in float64, from the list of weights (kernel, bias) * 3."""
    w1, b1, w2, b2, w3, b3 = weights
    a1 = np.tanh(x @ w1 + b1)
    a2 = np.tanh(a1 @ w2 + b2)
    z = a2 @ w3 + b3
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(len(y)), y]))
    dz = (p - np.eye(2)[y]) / len(y)  # d mean CE / d logits
    g3 = a2.T @ dz
    d2 = (dz @ w3.T) * (1 - a2**2)
    g2 = a1.T @ d2
    d1 = (d2 @ w2.T) * (1 - a1**2)
    g1 = x.T @ d1
    return loss, [g1, g2, g3], [a1, a2]


def test_gradient_norms_match_backprop_by_hand():
    keras.utils.set_random_seed(1)
    model = tiny_model()
    x = RNG.normal(size=(8, 3))
    y = RNG.integers(0, 2, size=8)
    _, grads, _ = backprop_by_hand(weights64(model), x, y)
    got = gradients.gradient_norms(model, x, y)
    np.testing.assert_allclose(got, [np.linalg.norm(g) for g in grads], rtol=1e-5)


def test_backprop_by_hand_matches_a_numerical_derivative():
    """The reference itself is right: central differences on the float64 loss."""
    keras.utils.set_random_seed(2)
    model = tiny_model()
    x = RNG.normal(size=(6, 3))
    y = RNG.integers(0, 2, size=6)
    _, grads, _ = backprop_by_hand(weights64(model), x, y)
    weights = weights64(model)
    eps = 1e-6
    for kernel_index, grad in zip((0, 2, 4), grads, strict=True):
        numeric = np.zeros_like(grad)
        for idx in np.ndindex(grad.shape):
            values = []
            for sign in (1, -1):
                shifted = [w.copy() for w in weights]
                shifted[kernel_index][idx] += sign * eps
                values.append(backprop_by_hand(shifted, x, y)[0])
            numeric[idx] = (values[0] - values[1]) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_activation_spreads_match_a_numpy_forward_pass():
    keras.utils.set_random_seed(3)
    model = tiny_model()
    x = RNG.normal(size=(16, 3))
    _, _, hidden = backprop_by_hand(weights64(model), x, np.zeros(16, dtype=int))
    got = gradients.activation_spreads(model, x)
    np.testing.assert_allclose(got, [h.std() for h in hidden], rtol=1e-5)


def test_hidden_outputs_skip_batch_norm_to_the_activation():
    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(4),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu", name="act1"),
            keras.layers.Dense(2),
        ]
    )
    assert [layer.name for layer in gradients.hidden_outputs(model)] == ["act1"]
    assert len(gradients.activation_spreads(model, RNG.normal(size=(5, 3)))) == 1


def test_zero_weights_give_zero_hidden_gradients():
    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(4, activation="sigmoid", kernel_initializer="zeros"),
            keras.layers.Dense(2, kernel_initializer="zeros"),
        ]
    )
    norms = gradients.gradient_norms(model, RNG.normal(size=(4, 3)), [0, 0, 0, 1])
    assert norms[0] == 0.0 and norms[1] > 0.0


def test_callback_logs_norms_at_start_and_every_epoch():
    keras.utils.set_random_seed(4)
    model = tiny_model("relu")
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = RNG.normal(size=(32, 3)).astype("float32")
    y = RNG.integers(0, 2, size=32)
    before = gradients.gradient_norms(model, x[:8], y[:8])
    logger = gradients.GradientNormLogger(x[:8], y[:8])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[logger])
    assert logger.norms.shape == (3, 3)
    np.testing.assert_allclose(logger.norms[0], before, rtol=1e-6)
    assert not np.allclose(logger.norms[1], before)  # the weights moved
    np.testing.assert_allclose(
        history.history["grad_ratio"], logger.norms[1:, 0] / logger.norms[1:, -1], rtol=1e-6
    )


@pytest.mark.parametrize(
    ("initializer", "rule", "sampler"),
    [
        (keras.initializers.LecunNormal, "lecun", "truncated normal"),
        (keras.initializers.LecunUniform, "lecun", "uniform"),
        (keras.initializers.HeNormal, "he", "truncated normal"),
        (keras.initializers.HeUniform, "he", "uniform"),
        (keras.initializers.GlorotNormal, "glorot", "truncated normal"),
        (keras.initializers.GlorotUniform, "glorot", "uniform"),
    ],
)
def test_keras_initialisers_follow_the_formulas(initializer, rule, sampler):
    fan_in, fan_out = 400, 300
    w = keras.ops.convert_to_numpy(initializer(seed=5)((fan_in, fan_out)))
    expected = gradients.init_variance(rule, fan_in, fan_out)
    # 120 000 draws: the sample variance is within 1 % of the true one (sd about 0.4 %)
    assert abs(w.var() / expected - 1) < 0.03, (rule, sampler, w.var(), expected)
    assert abs(w.mean()) < 0.01 * np.sqrt(expected)
    if sampler == "uniform":  # U(-a, a) has variance a²/3
        assert np.abs(w).max() <= np.sqrt(3 * expected) + 1e-7
    else:  # truncated at two standard deviations of the untruncated normal
        assert np.abs(w).max() <= 2 * np.sqrt(expected) / 0.87962566103423978 + 1e-7


def test_init_variance_values_and_errors():
    assert gradients.init_variance("lecun", 100) == pytest.approx(0.01)
    assert gradients.init_variance("he", 100) == pytest.approx(0.02)
    assert gradients.init_variance("glorot", 100, 300) == pytest.approx(0.005)
    with pytest.raises(ValueError, match="Unknown rule"):
        gradients.init_variance("xavier", 10)
    with pytest.raises(ValueError, match="fan_out"):
        gradients.init_variance("glorot", 10)
    with pytest.raises(ValueError, match="positive whole"):
        gradients.init_variance("he", 0)


def test_bad_batches_are_refused_with_a_reason():
    model = tiny_model()
    with pytest.raises(ValueError, match="nan"):
        gradients.gradient_norms(model, np.full((2, 3), np.nan), [0, 1])
    with pytest.raises(ValueError, match="labels"):
        gradients.gradient_norms(model, np.zeros((2, 3)), [0, 1, 1])
    with pytest.raises(ValueError, match="non-empty batch"):
        gradients.activation_spreads(model, np.zeros(3))
    with pytest.raises(ValueError, match="no Dense"):
        gradients.dense_layers(keras.Sequential([keras.Input((3,)), keras.layers.ReLU()]))


def test_sparsity_and_its_check(capsys):
    model = tiny_model()
    kernel = model.layers[0].kernel
    values = np.zeros(kernel.shape, dtype="float32")
    values[0] = 1.0  # 4 of 12 weights non-zero
    kernel.assign(values)
    assert gradients.l1_sparsity(model) == pytest.approx(8 / 12)
    assert exercises.check_sparsity(8 / 12, model)
    assert not exercises.check_sparsity(0.5, model)
    assert "0.666" not in capsys.readouterr().out


def test_plot_per_layer_draws_zeros_at_the_floor():
    ax = gradients.plot_per_layer({"a": [1.0, 0.0, 1e-3]}, ylabel="norm", floor=1e-20)
    assert ax.get_yscale() == "log"
    assert ax.lines[0].get_ydata()[1] == 1e-20
    with pytest.raises(ValueError, match="Nothing to plot"):
        gradients.plot_per_layer({}, ylabel="norm")


def test_layer_seeds_are_distinct_repeatable_and_follow_the_seed():
    seeds = gradients.layer_seeds(0, 11)
    assert len(seeds) == 11 and len(set(seeds)) == 11
    assert all(isinstance(s, int) and 0 <= s < 2**32 for s in seeds)
    assert gradients.layer_seeds(0, 11) == seeds  # the same every time
    assert gradients.layer_seeds(1, 11) != seeds  # another lesson seed, other layer seeds
    assert gradients.layer_seeds(0, 3) == seeds[:3]  # more layers do not reshuffle the first
    for bad_seed in (-1, 1.5, "0", True):
        with pytest.raises(ValueError, match="seed"):
            gradients.layer_seeds(bad_seed, 3)
    for bad_count in (0, -2, 2.0):
        with pytest.raises(ValueError, match="count"):
            gradients.layer_seeds(0, bad_count)


def seeded_stack(seeds, shared=None):
    """Three 8 -> 8 Dense layers, each with its own seeded initialiser (or one shared object)."""
    return keras.Sequential(
        [keras.Input(shape=(8,))]
        + [
            keras.layers.Dense(8, kernel_initializer=shared or keras.initializers.HeNormal(seed=s))
            for s in seeds
        ]
    )


def test_one_initialiser_per_layer_gives_independent_and_repeatable_weights():
    """The reason layer_seeds exists: a shared object repeats itself; seeded objects per layer
    differ from each other and come back identical on a rebuild, whatever the global seed."""
    seeds = gradients.layer_seeds(7, 3)
    keras.utils.set_random_seed(1)
    first = seeded_stack(seeds).get_weights()
    keras.utils.set_random_seed(2)
    again = seeded_stack(seeds).get_weights()
    kernels = first[0::2]
    assert not np.array_equal(kernels[0], kernels[1]) and not np.array_equal(kernels[1], kernels[2])
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    shared = seeded_stack(seeds, shared=keras.initializers.HeNormal()).get_weights()[0::2]
    np.testing.assert_array_equal(shared[0], shared[1])  # the trap the lesson shows


def bn_model() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(4),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Dense(2),
        ]
    )


def test_gradient_norms_leave_batch_norm_statistics_alone():
    keras.utils.set_random_seed(6)
    model = bn_model()
    x = RNG.normal(3.0, 2.0, size=(16, 3))  # far from the initial statistics 0 and 1
    y = RNG.integers(0, 2, size=16)
    before = [v.numpy().copy() for v in model.non_trainable_variables]
    norms = gradients.gradient_norms(model, x, y)  # training mode: batch statistics
    after = [v.numpy() for v in model.non_trainable_variables]
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
    # and the measurement was a training-mode one (batch statistics): compare the first
    # kernel's gradient with central differences of the training-mode loss
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    kernel = model.layers[0].kernel
    w = kernel.numpy().astype("float64")
    numeric = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        values = []
        for step in (1e-3, -1e-3):
            shifted = w.copy()
            shifted[index] += step
            kernel.assign(shifted.astype("float32"))
            values.append(float(loss(y, model(x.astype("float32"), training=True))))
        numeric[index] = (values[0] - values[1]) / 2e-3
    kernel.assign(w.astype("float32"))
    np.testing.assert_allclose(norms[0], np.linalg.norm(numeric), rtol=1e-2)


def test_logger_does_not_change_a_batch_norm_models_training():
    """Measuring every epoch must not disturb what fit computes."""
    x = RNG.normal(2.0, 1.5, size=(48, 3)).astype("float32")
    y = RNG.integers(0, 2, size=48)
    results = []
    for callbacks in ([], [gradients.GradientNormLogger(x[:8], y[:8])]):
        keras.utils.set_random_seed(8)
        model = bn_model()
        model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0, callbacks=callbacks)
        results.append(model.get_weights())
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_value_and_gradients_refuse_another_backend_clearly(monkeypatch):
    monkeypatch.setattr(gradients.keras.backend, "backend", lambda: "torch")
    with pytest.raises(RuntimeError, match="tensorflow and jax.*'torch'"):
        gradients.gradient_norms(tiny_model(), np.zeros((2, 3)), [0, 1])


def test_value_and_gradients_match_a_numerical_derivative():
    """A scalar of two variables through Keras ops, on whichever backend runs the suite."""
    a = keras.Variable(np.array([[0.3, -1.2], [2.0, 0.5]], "float32"))
    b = keras.Variable(np.array([0.7, -0.4], "float32"))
    unused = keras.Variable(np.ones(3, "float32"))

    def compute():
        return keras.ops.sum(keras.ops.tanh(keras.ops.matmul(a, b)) ** 2) + keras.ops.sum(b**3)

    value, (grad_a, grad_b, grad_unused) = gradients.value_and_gradients(compute, [a, b, unused])
    a64, b64 = a.numpy().astype("float64"), b.numpy().astype("float64")

    def f(a_, b_):
        return np.sum(np.tanh(a_ @ b_) ** 2) + np.sum(b_**3)

    assert value == pytest.approx(f(a64, b64), rel=1e-6)
    for grad, point, index_of in ((grad_a, a64, 0), (grad_b, b64, 1)):
        numeric = np.zeros_like(point)
        for index in np.ndindex(point.shape):
            step = np.zeros_like(point)
            step[index] = 1e-6
            args = [a64, b64]
            args[index_of] = point + step
            up = f(*args)
            args[index_of] = point - step
            numeric[index] = (up - f(*args)) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(grad_unused, np.zeros(3))
    np.testing.assert_array_equal(a.numpy(), a64.astype("float32"))  # nothing was changed


def test_value_and_gradients_refuse_what_is_not_a_scalar_or_variable():
    v = keras.Variable(np.ones(2, "float32"))
    with pytest.raises(ValueError, match="one number"):
        gradients.value_and_gradients(lambda: v * 2.0, [v])
    with pytest.raises(TypeError, match="Keras variables"):
        gradients.value_and_gradients(lambda: keras.ops.sum(v), [np.ones(2)])
    with pytest.raises(TypeError, match="Keras variables"):
        gradients.value_and_gradients(lambda: keras.ops.sum(v), [])
