"""Exercise checkers of lesson 11."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import checks


def check_max_pool(function: Callable[..., Any]) -> checks.Feedback:
    """``function(x)``: 2 x 2 max pooling with stride 2 of a batch (N, H, W, C), compared with
    ``keras.layers.MaxPooling2D`` on random batches."""
    import keras

    def reference(x: np.ndarray) -> np.ndarray:
        return keras.ops.convert_to_numpy(keras.layers.MaxPooling2D(2)(x))

    inputs = [
        (np.random.default_rng(i).normal(size=(2, 2 * i + 2, 6, 3)).astype("float32"),)
        for i in range(3)
    ]
    return checks.check_function(
        function,
        reference,
        inputs,
        hint="Without loops, each 2 x 2 window has to become part of the array's shape: what"
        " can a reshape (which copies nothing) do with an axis of even length?",
    )
