"""EpochTimer times the training pass of each epoch and leaves out the first (tracing) one."""

import keras
import numpy as np
import pytest

from helpers import training
from helpers.training import BatchLosses, EpochTimer, fit_alternately, fit_in_memory, reset_training


class _Clock:
    """A stand-in for ``time.perf_counter`` that moves only when told to.

    Real sleeps made this test depend on the machine: a stall of a few seconds inside Keras
    or TensorFlow (seen on a loaded 2-core runner) landed in a timed epoch. With this clock
    every epoch's time is known exactly, so the test checks what is timed, not how fast.
    """

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class _Work(keras.callbacks.Callback):
    """Each training batch takes 0.05 s and each validation batch 3 s, on the fake clock."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock

    def on_train_batch_end(self, batch, logs=None):
        self.clock.now += 0.05

    def on_test_batch_end(self, batch, logs=None):
        self.clock.now += 3.0


def _fit(epochs, validation, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(training.time, "perf_counter", clock)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3)), np.ones(8)
    timer = EpochTimer()
    model.fit(
        x,
        y,
        batch_size=8,  # one training batch per epoch
        epochs=epochs,
        validation_data=(x, y) if validation else None,
        callbacks=[_Work(clock), timer],
        verbose=0,
    )
    return timer


@pytest.mark.parametrize("validation", [False, True])
def test_one_time_per_epoch_without_the_validation_pass(validation, monkeypatch):
    timer = _fit(3, validation, monkeypatch)
    # the 3 s validation pass of every epoch is not counted: each epoch is its one 0.05 s batch
    assert timer.seconds == pytest.approx([0.05, 0.05, 0.05])
    assert timer.per_epoch() == pytest.approx(0.05)


def test_the_first_epoch_is_left_out(monkeypatch):
    timer = EpochTimer()
    clock = _Clock()
    monkeypatch.setattr(training.time, "perf_counter", clock)
    for seconds in (9.0, 1.0, 2.0, 4.0):  # a slow first (tracing) epoch, then 1, 2, 4 s
        timer.on_epoch_begin(0)
        clock.now += seconds
        timer.on_epoch_end(0)
    assert timer.seconds == [9.0, 1.0, 2.0, 4.0]
    assert timer.per_epoch() == 2.0  # the median of the epochs after the first


def test_one_epoch_is_not_enough(monkeypatch):
    with pytest.raises(ValueError, match="at least 2 epochs"):
        _fit(1, False, monkeypatch).per_epoch()


def test_batch_losses_are_each_batch_own_loss():
    """With a learning rate of 0 the weights never move, so each batch's loss is known."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=0.0), "mse")
    recorder = BatchLosses()
    model.fit(x, y, batch_size=10, epochs=2, shuffle=False, callbacks=[recorder], verbose=0)
    predictions = model.predict(x, verbose=0)[:, 0]
    per_batch = [np.mean((predictions[i : i + 10] - y[i : i + 10]) ** 2) for i in range(0, 40, 10)]
    np.testing.assert_allclose(recorder.losses, per_batch * 2, rtol=1e-4)
    assert np.ptp(per_batch) > 0.1  # the batches differ, so a running mean would not pass


class _Order(keras.callbacks.Callback):
    """Logs which model begins which epoch (the same callback goes to every fit call)."""

    def __init__(self, names):
        super().__init__()
        self.names, self.log = names, []

    def on_epoch_begin(self, epoch, logs=None):
        self.log.append((self.names[id(self.model)], epoch))


def _compiled(units):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    return model


def test_fit_alternately_takes_turns_and_keeps_counting():
    x, y = np.random.default_rng(0).normal(size=(40, 3)), np.zeros(40)
    models = {"a": _compiled(2), "b": _compiled(5)}
    order = _Order({id(model): name for name, model in models.items()})
    histories, timers = fit_alternately(
        models, x, y, 3, callbacks=[order], batch_size=10, validation_data=(x, y)
    )
    assert order.log == [("a", 0), ("b", 0), ("a", 1), ("b", 1), ("a", 2), ("b", 2)]
    for name, model in models.items():
        assert int(model.optimizer.iterations) == 3 * 4  # the step counter went on: 4 per epoch
        assert len(histories[name]["loss"]) == len(histories[name]["val_loss"]) == 3
        assert len(timers[name].seconds) == 3


@pytest.mark.parametrize(
    ("models", "epochs", "message"),
    [({}, 2, "at least one"), ({"a": None}, 0, "whole number"), ("uncompiled", 2, "not compiled")],
)
def test_fit_alternately_explains_bad_input(models, epochs, message):
    if models == "uncompiled":
        models = {"a": keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])}
    with pytest.raises(ValueError, match=message):
        fit_alternately(models, np.ones((4, 3)), np.ones(4), epochs)


def test_reset_training_repeats_a_first_fit_exactly():
    """Adam's moments and step counter are zeroed: a second run from the same start is the first."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)), rng.normal(size=32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    schedule = keras.optimizers.schedules.CosineDecay(0.05, decay_steps=16)
    model.compile(keras.optimizers.Adam(schedule), "mse")
    start = model.get_weights()
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first = model.get_weights()
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)  # goes on from there
    assert not np.allclose(model.get_weights()[0], first[0])
    reset_training(model, start)
    assert int(model.optimizer.iterations) == 0
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for again, once in zip(model.get_weights(), first, strict=True):
        np.testing.assert_allclose(again, once, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "optimizer",
    [lambda: keras.optimizers.SGD(0.05, momentum=0.9), lambda: keras.optimizers.Adam(0.05)],
)
def test_reset_training_keeps_a_constant_learning_rate(optimizer):
    """A constant rate is an optimizer variable too: zeroing it would silently stop training."""
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(32, 3)), rng.normal(size=32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    model.compile(optimizer(), "mse")
    start = model.get_weights()
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first = model.get_weights()
    reset_training(model, start)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05)
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for again, once in zip(model.get_weights(), first, strict=True):
        np.testing.assert_allclose(again, once, rtol=1e-6, atol=1e-7)


def test_reset_training_needs_a_compiled_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="not compiled"):
        reset_training(model, model.get_weights())


def _rows(n):
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    return np.column_stack([y + rng.normal(0, 0.5, n), rng.normal(0, 1, n)]), y


def test_fit_in_memory_refuses_mismatched_rows():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="row for row"):
        fit_in_memory(model, np.zeros((10, 3)), np.zeros(9), epochs=1, batch_size=4)


def test_first_fit_of_a_new_model_equals_a_later_fit_from_the_same_start():
    """Every fit sees every row once per epoch, in the seed's order, from its first run on: on
    JAX a new model's first fit would otherwise lose one batch to building its metrics."""
    x, y = _rows(40)
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=(x.shape[1],)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    start = [w.copy() for w in model.get_weights()]
    results = []
    for _ in range(2):
        model.set_weights(start)
        for variable in model.optimizer.variables:  # a fresh optimiser: step count 0
            variable.assign(keras.ops.zeros(variable.shape, variable.dtype))
        model.optimizer.learning_rate.assign(0.1)
        fit_in_memory(model, x, y.astype("float32"), epochs=2, batch_size=8, seed=5)
        results.append([w.copy() for w in model.get_weights()])
    for first, second in zip(*results, strict=True):
        np.testing.assert_allclose(first, second, rtol=1e-6, atol=1e-7)
