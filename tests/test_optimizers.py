"""Hand-written update rules match keras.optimizers step for step, and refuse bad input."""

import copy

import numpy as np
import pytest

from helpers.optimizers import SGD, Adam, Optimizer, RMSprop, trajectory

keras = pytest.importorskip("keras")

STEPS = 60
# (ours, Keras' counterpart): defaults and non-default hyperparameters of each rule.
CASES = {
    "sgd": (SGD(0.05), keras.optimizers.SGD(0.05)),
    "momentum": (SGD(0.05, momentum=0.8), keras.optimizers.SGD(0.05, momentum=0.8)),
    "nesterov": (
        SGD(0.02, momentum=0.95, nesterov=True),
        keras.optimizers.SGD(0.02, momentum=0.95, nesterov=True),
    ),
    "rmsprop": (RMSprop(), keras.optimizers.RMSprop()),
    "rmsprop-custom": (
        RMSprop(0.01, rho=0.7, epsilon=1e-3),
        keras.optimizers.RMSprop(0.01, rho=0.7, epsilon=1e-3),
    ),
    "adam": (Adam(), keras.optimizers.Adam()),
    "adam-custom": (
        Adam(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
        keras.optimizers.Adam(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
    ),
}


def fresh(pair):
    ours, theirs = pair
    return copy.deepcopy(ours), type(theirs).from_config(theirs.get_config())


def start_and_gradients(seed: int = 0):
    """Two parameters of different shapes and a fixed sequence of gradients for them."""
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=(3, 2)), rng.normal(size=(2,))]
    grads = [[rng.normal(size=(3, 2)) * 3, rng.normal(size=(2,)) * 0.1] for _ in range(STEPS)]
    return start, grads


def replay(grads):
    """A 'gradient function' that hands out the same fixed gradients to whoever calls it."""
    sequence = iter(grads)
    return lambda params: next(sequence)


@pytest.mark.parametrize("name", CASES)
def test_matches_keras_float32_step_for_step(name):
    ours, theirs = fresh(CASES[name])
    start, grads = start_and_gradients()
    a = trajectory(ours, start, replay(grads), STEPS)
    b = trajectory(theirs, start, replay(grads), STEPS, dtype="float32")
    assert a.shape == b.shape == (STEPS + 1, 8)
    assert np.abs(a - b).max() < 1e-5  # float32 round-off only


# Hyperparameters that float32 holds exactly (sums of powers of 2): Keras casts learning_rate,
# momentum and the betas through float32 even for float64 variables.
EXACT = {
    "sgd": (SGD(2**-4), keras.optimizers.SGD(2**-4)),
    "momentum": (SGD(2**-4, momentum=0.75), keras.optimizers.SGD(2**-4, momentum=0.75)),
    "nesterov": (
        SGD(2**-5, momentum=0.875, nesterov=True),
        keras.optimizers.SGD(2**-5, momentum=0.875, nesterov=True),
    ),
    "rmsprop": (
        RMSprop(2**-6, rho=0.875, epsilon=2**-20),
        keras.optimizers.RMSprop(2**-6, rho=0.875, epsilon=2**-20),
    ),
    "adam": (
        Adam(2**-6, beta_1=0.875, beta_2=1 - 2**-10, epsilon=2**-20),
        keras.optimizers.Adam(2**-6, beta_1=0.875, beta_2=1 - 2**-10, epsilon=2**-20),
    ),
}


@pytest.mark.parametrize("name", EXACT)
def test_matches_keras_float64_to_round_off(name):
    """In float64 the two agree to ~1e-15: the formulas are the same, not merely close."""
    ours, theirs = fresh(EXACT[name])
    start, grads = start_and_gradients(1)
    a = trajectory(ours, start, replay(grads), STEPS)
    b = trajectory(theirs, start, replay(grads), STEPS, dtype="float64")
    assert np.abs(a - b).max() < 1e-12


@pytest.mark.parametrize("name", CASES)
def test_matches_keras_on_an_ill_conditioned_quadratic(name):
    """Closed loop: each follows its own gradients of L = ½(x² + 25 y²)."""
    ours, theirs = fresh(CASES[name])
    scales = np.array([1.0, 25.0])

    def grad(params):
        return [scales * params[0]]

    a = trajectory(ours, [np.array([-1.5, 0.8])], grad, 100)
    b = trajectory(theirs, [np.array([-1.5, 0.8])], grad, 100)
    assert np.abs(a - b).max() < 1e-5


def test_first_adam_step_is_about_the_learning_rate():
    """Step 1: m = 0.1·g, v = 0.001·g², α = η·√0.001/0.1, so the step is η·g/(|g| + ε/√0.001)."""
    g = np.array([1e-3, -5.0, 40.0])
    w = np.ones(3)
    Adam(0.1).step([w], [g])
    np.testing.assert_allclose(w, 1 - 0.1 * g / (np.abs(g) + 1e-7 / np.sqrt(0.001)), rtol=1e-12)
    np.testing.assert_allclose(w, 1 - 0.1 * np.sign(g), atol=1e-3)  # ≈ η·sign(g)


def test_rmsprop_puts_epsilon_inside_the_root():
    w = np.array([0.0])
    RMSprop(1.0, rho=0.0, epsilon=3.0).step([w], [np.array([1.0])])
    assert w[0] == pytest.approx(-1.0 / np.sqrt(1.0 + 3.0))


def test_momentum_accumulates_velocity():
    w = np.array([0.0])
    opt = SGD(0.1, momentum=0.5)
    for _ in range(3):
        opt.step([w], [np.array([1.0])])
    # v: -0.1, -0.15, -0.175; w is their sum
    assert w[0] == pytest.approx(-0.425)
    assert opt.iterations == 3


def test_trajectory_leaves_the_start_unchanged():
    start = [np.array([1.0, 2.0])]
    trajectory(SGD(0.1), start, lambda p: [2 * p[0]], 5)
    np.testing.assert_array_equal(start[0], [1.0, 2.0])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD(0), "learning_rate"),
        (lambda: SGD(-0.1), "learning_rate"),
        (lambda: SGD(0.1, momentum=1.0), "momentum"),
        (lambda: RMSprop(rho=1.5), "rho"),
        (lambda: RMSprop(epsilon=0), "epsilon"),
        (lambda: Adam(beta_1=-0.1), "beta_1"),
        (lambda: Adam(beta_2=1.0), "beta_2"),
    ],
)
def test_bad_hyperparameters_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("cls", [SGD, RMSprop, Adam])
def test_bad_steps_are_refused(cls):
    opt: Optimizer = cls()
    w = np.zeros(3)
    with pytest.raises(ValueError, match="2 gradients"):
        opt.step([w], [np.zeros(3), np.zeros(3)])
    with pytest.raises(ValueError, match="shape"):
        opt.step([w], [np.zeros(2)])
    with pytest.raises(TypeError, match="float NumPy array"):
        opt.step([np.zeros(3, dtype=int)], [np.zeros(3)])
    with pytest.raises(TypeError, match="float NumPy array"):
        opt.step([[0.0, 0.0, 0.0]], [np.zeros(3)])
    opt.step([w], [np.ones(3)])
    with pytest.raises(ValueError, match="make a new optimizer"):
        opt.step([np.zeros(4)], [np.ones(4)])


def test_trajectory_refuses_bad_input():
    with pytest.raises(TypeError, match="optimizer"):
        trajectory("adam", [np.zeros(2)], lambda p: p, 3)
    with pytest.raises(ValueError, match="steps"):
        trajectory(SGD(), [np.zeros(2)], lambda p: p, 0)
