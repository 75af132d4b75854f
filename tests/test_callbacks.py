"""EpochTimer times the training pass of each epoch and leaves out the first (tracing) one."""

import keras
import numpy as np
import pytest

from helpers import callbacks
from helpers.callbacks import BatchLosses, EpochTimer


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
    monkeypatch.setattr(callbacks.time, "perf_counter", clock)
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
    monkeypatch.setattr(callbacks.time, "perf_counter", clock)
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
