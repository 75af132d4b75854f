"""Training loops and callbacks: the one home of how the lessons train their models.

* ``fit_in_memory``: ``model.fit`` on small in-memory arrays, through one ``tf.data`` pipeline
  started once (lessons 09, 12, 13, 14);
* ``fit_with_early_stopping``: train until the validation score stops improving (08, 10);
* ``TrainSettings``, ``fit_early_stopping``, ``fit_fixed_steps``: one training procedure for
  every regime of a comparison (12);
* ``reset_training``: a compiled model back at the start, without tracing its step again;
* ``EpochTimer``, ``fit_alternately``: epoch times that can be compared (07, 11);
  ``BatchLosses``: the loss of every batch (11).

The first epoch of ``fit`` also traces and compiles the training step, so it is slower than
the others; a time per epoch that includes it says more about start-up than about the model.
Two models timed one after the other share nothing but the machine, whose load may change in
between: ``fit_alternately`` trains them one epoch each in turn, so their times can be compared.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf


# ----------------------------------------------------------------------------- fitting
def fit_in_memory(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    seed: int = 0,
) -> keras.callbacks.History:
    """``model.fit`` on small in-memory arrays, several times faster than passing NumPy arrays.

    Given NumPy arrays, Keras builds a new input pipeline every epoch, and on a few hundred
    rows starting it costs more than the training itself. Here the data become one shuffled,
    endlessly repeated ``tf.data`` pipeline, started once; ``steps_per_epoch`` marks where an
    epoch ends, so each epoch still sees every row once, in a new order.
    """
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}: they must match row for row.")
    train = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .repeat()
    )
    extra: dict[str, Any] = {}
    if validation_data is not None:
        x_val, y_val = np.asarray(validation_data[0], dtype="float32"), validation_data[1]
        extra["validation_data"] = (
            tf.data.Dataset.from_tensor_slices((x_val, np.asarray(y_val)))
            .batch(len(x_val))
            .repeat()
        )
        extra["validation_steps"] = 1
    if model.optimizer is not None and not model.optimizer.built:  # a model never trained
        # On JAX, fit builds a new model's loss and metrics from the first batch it draws, and
        # from this endless pipeline that batch is then missing from the first epoch: the first
        # run would differ from every later one from the same weights. Build them apart.
        model.evaluate(x[:batch_size], y[:batch_size], verbose=0)
    return model.fit(
        train,
        epochs=epochs,
        steps_per_epoch=math.ceil(len(x) / batch_size),
        callbacks=list(callbacks),
        shuffle=False,  # the pipeline shuffles itself
        verbose=0,
        **extra,
    )


_HIGHER_IS_BETTER = ("auc", "accuracy", "acc", "precision", "recall", "f1_score", "fbeta_score")
_LOWER_IS_BETTER = ("loss", "mae", "mse", "rmse", "mape", "msle", "crossentropy", "error", "hinge")


def _direction(monitor: str) -> str:
    """``"max"`` for a validation score that should rise, ``"min"`` for one that should fall."""
    name = monitor.removeprefix("val_")
    if not monitor.startswith("val_") or not name:
        raise ValueError(f"monitor a validation score (val_loss, val_auc, ...), got {monitor!r}.")
    if name.endswith(_LOWER_IS_BETTER) or name.startswith(("mean_", "root_mean_")):
        return "min"
    if name.endswith(_HIGHER_IS_BETTER):
        return "max"
    raise ValueError(
        f"Cannot tell whether {monitor!r} should rise or fall: monitor val_loss, or a metric "
        f"ending in one of {_HIGHER_IS_BETTER} (rising) or {_LOWER_IS_BETTER} (falling)."
    )


def fit_with_early_stopping(
    model: Any,
    train: tuple[Any, Any],
    val: tuple[Any, Any],
    epochs: int = 200,
    batch_size: int = 128,
    patience: int = 15,
    class_weight: dict[int, float] | None = None,
    monitor: str = "val_loss",
) -> Any:
    """Train until the validation ``monitor`` stops improving, then restore the best weights.

    The validation rows pick the epoch, so they are part of model selection: the test rows
    must stay out of it. Monitor ``"val_auc"`` when training re-weights or resamples the
    classes: the plain validation loss then measures a different objective. Returns the
    Keras ``History``.
    """
    stop = keras.callbacks.EarlyStopping(
        monitor=monitor,
        mode=_direction(monitor),
        patience=patience,
        restore_best_weights=True,
    )
    return model.fit(
        *train,
        validation_data=val,
        epochs=epochs,
        batch_size=batch_size,
        class_weight=class_weight,
        callbacks=[stop],
        verbose=0,
    )


@dataclass(frozen=True)
class TrainSettings:
    """How every regime is trained: the same procedure, so the comparison is fair.

    ``steps`` and ``min_epochs`` fix how long every regime trains on a label budget (see
    ``fit_fixed_steps``); ``max_epochs``, ``patience`` and ``val_fraction`` are for early
    stopping where validation data is plentiful (pre-training, the CIFAR-10 head).
    """

    steps: int = 200
    min_epochs: int = 20
    max_epochs: int = 200
    patience: int = 20
    batch_size: int = 16
    learning_rate: float = 1e-3
    fine_tune_learning_rate: float = 1e-4
    val_fraction: float = 0.2


def fit_early_stopping(
    model: keras.Model,
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    settings: TrainSettings,
    seed: int,
) -> int:
    """Train on ``data = (x_fit, y_fit, x_val, y_val)`` with early stopping on the validation
    loss (best weights restored); return the number of epochs kept."""
    x_fit, y_fit, x_val, y_val = data
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=settings.patience, restore_best_weights=True
    )
    history = fit_in_memory(
        model,
        x_fit,
        y_fit,
        validation_data=(x_val, y_val),
        epochs=settings.max_epochs,
        batch_size=min(settings.batch_size, len(x_fit)),
        callbacks=[stop],
        seed=seed,
    )
    return int(np.argmin(history.history["val_loss"])) + 1


def fit_fixed_steps(
    model: keras.Model, data: tuple[np.ndarray, np.ndarray], settings: TrainSettings, seed: int
) -> int:
    """Train on all of ``data = (x, y)`` for about ``settings.steps`` gradient steps, in whole
    epochs and at least ``settings.min_epochs`` of them; return the number of epochs.

    No validation split and no early stopping: with a handful of labels per class, either would
    spend labels on a choice that one image per class cannot make reliably. Every regime gets
    the same training: the same steps on small budgets, and on large ones enough epochs
    (``min_epochs``) to see every image many times.
    """
    x, y = np.asarray(data[0]), np.asarray(data[1])
    if not isinstance(settings.steps, (int, np.integer)) or settings.steps < 1:
        raise ValueError(f"settings.steps must be a positive whole number, got {settings.steps}.")
    batch_size = min(settings.batch_size, len(x))
    epochs = max(1, settings.min_epochs, round(settings.steps / math.ceil(len(x) / batch_size)))
    fit_in_memory(model, x, y, epochs=epochs, batch_size=batch_size, seed=seed)
    return epochs


# ----------------------------------------------------------------------------- callbacks and timing
class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch's training pass, measured with ``time.perf_counter``.

    The clock starts when an epoch begins and stops when its validation pass begins (or,
    without validation data, when the epoch ends), so ``seconds`` holds training time only.
    ``per_epoch()`` is the median over the epochs after the first one, which pays for
    tracing the training step.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start: float | None = None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def _stop(self) -> None:
        if self._start is not None:
            self.seconds.append(time.perf_counter() - self._start)
            self._start = None

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._stop()  # fit's validation pass: stop the clock before it

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._stop()  # no validation data: the epoch ends here

    def per_epoch(self) -> float:
        """Median training seconds per epoch, the first (tracing) epoch left out."""
        if len(self.seconds) < 2:
            raise ValueError(
                f"Timed {len(self.seconds)} epoch(s); the first one includes tracing, so train"
                " at least 2 epochs to get a time per epoch."
            )
        return statistics.median(self.seconds[1:])


class BatchLosses(keras.callbacks.Callback):
    """The training loss of every single batch, to see how smoothly optimisation goes.

    Keras reports, after each batch, the *running mean* of the loss since the epoch began,
    which hides the jumps of individual steps. With ``m_k`` the mean after batch ``k``
    (counting from 1), batch ``k``'s own loss is ``k * m_k - (k - 1) * m_(k-1)``; this
    callback undoes the averaging that way. (Exact when every batch has the same size; a
    smaller last batch of an epoch is weighted as a full one, a small distortion of one point.)
    """

    def __init__(self) -> None:
        super().__init__()
        self.losses: list[float] = []
        self._previous_mean = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._previous_mean = 0.0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        mean = float((logs or {})["loss"])
        self.losses.append((batch + 1) * mean - batch * self._previous_mean)
        self._previous_mean = mean


def fit_alternately(
    models: Mapping[str, keras.Model],
    x: Any,
    y: Any,
    epochs: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    **fit_kwargs: Any,
) -> tuple[dict[str, dict[str, list[float]]], dict[str, EpochTimer]]:
    """Train several compiled models one epoch each, in turn, and time every epoch.

    Timing two models one after the other, minutes apart, lets a change in the machine's
    load (another program starting) move the ratio of their times as much as either time.
    Alternating epochs puts each epoch of one model next to an epoch of the other, so both
    see nearly the same load, and the per-epoch ratios show how steady the comparison is.

    Each model is fitted ``epochs`` times for one epoch (``initial_epoch`` counts on, so the
    optimizer's step counter and any learning-rate schedule continue as in one long ``fit``).
    ``fit_kwargs`` (``batch_size``, ``validation_data``, ...) go to every ``fit`` call, and
    ``callbacks`` are passed to every call too. Returns each model's history, as
    ``History.history`` over all epochs, and its ``EpochTimer`` (training time per epoch,
    the first of which includes tracing the training step).
    """
    if not models:
        raise ValueError("Pass at least one model, e.g. {'CNN': cnn}.")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}.")
    for name, model in models.items():
        if getattr(model, "optimizer", None) is None:
            raise ValueError(f"Model {name!r} is not compiled: call model.compile(...) first.")
    fit_kwargs.setdefault("verbose", 0)
    histories: dict[str, dict[str, list[float]]] = {name: {} for name in models}
    timers = {name: EpochTimer() for name in models}
    for epoch in range(epochs):
        for name, model in models.items():
            history = model.fit(
                x,
                y,
                initial_epoch=epoch,
                epochs=epoch + 1,
                callbacks=[timers[name], *callbacks],
                **fit_kwargs,
            )
            for key, values in history.history.items():
                histories[name].setdefault(key, []).extend(float(v) for v in values)
    return histories, timers


def reset_training(model: keras.Model, weights: Sequence[Any]) -> None:
    """Put a compiled model back at the start of training, without compiling it again.

    Sets the given weights (e.g. ``fresh_model.get_weights()``: trainable weights and batch
    norm's moving statistics alike) and zeros the optimizer's state: its step counter, so a
    learning-rate schedule starts over, and its running averages (Adam's moment estimates,
    momentum). A constant learning rate is also one of the optimizer's variables; it is kept
    as it is (set ``model.optimizer.learning_rate`` to change it between runs). The next
    ``fit`` is then the same as a first ``fit`` of a newly compiled model starting from those
    weights, but it reuses the training step that Keras traced the first time: in a loop of
    many short runs, tracing would cost more than training.
    """
    if getattr(model, "optimizer", None) is None:
        raise ValueError("The model is not compiled: compile it once, then reset it between runs.")
    model.set_weights(weights)
    for variable in model.optimizer.variables:
        if variable.name != "learning_rate":
            variable.assign(keras.ops.zeros(variable.shape, variable.dtype))
