"""EpochTimer times the training pass of each epoch and leaves out the first (tracing) one."""

import time

import keras
import numpy as np
import pytest

from helpers.callbacks import BatchLosses, EpochTimer


class _Sleep(keras.callbacks.Callback):
    """Makes each epoch's training and validation take a known minimum time."""

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(0.05)

    def on_test_batch_end(self, batch, logs=None):
        time.sleep(3.0)


def _fit(epochs, validation):
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
        callbacks=[_Sleep(), timer],
        verbose=0,
    )
    return timer


@pytest.mark.parametrize("validation", [False, True])
def test_one_time_per_epoch_without_the_validation_pass(validation):
    timer = _fit(3, validation)
    assert len(timer.seconds) == 3
    assert all(s >= 0.05 for s in timer.seconds)
    if validation:
        assert all(s < 3.0 for s in timer.seconds[1:])  # the 3 s validation pass is not counted
    assert timer.per_epoch() == pytest.approx(np.median(timer.seconds[1:]))


def test_one_epoch_is_not_enough():
    with pytest.raises(ValueError, match="at least 2 epochs"):
        _fit(1, False).per_epoch()


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
