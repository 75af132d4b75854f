"""Keras callbacks the lessons share: timing epochs honestly, and the loss of every batch.

The first epoch of ``fit`` also traces and compiles the training step, so it is slower than
the others; a time per epoch that includes it says more about start-up than about the model.
"""

from __future__ import annotations

import statistics
import time

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
