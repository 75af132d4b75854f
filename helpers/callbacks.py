"""Keras callbacks the lessons share: timing epochs honestly, and the loss of every batch.

The first epoch of ``fit`` also traces and compiles the training step, so it is slower than
the others; a time per epoch that includes it says more about start-up than about the model.
Two models timed one after the other share nothing but the machine, whose load may change in
between: ``fit_alternately`` trains them one epoch each in turn, so their times can be compared.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence
from typing import Any

import keras


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
