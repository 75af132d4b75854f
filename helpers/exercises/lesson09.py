"""Exercise checkers of lesson 09."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import checks


def check_dropout(function: Callable[..., Any]) -> checks.Feedback:
    """``function(x, mask, rate)``: what a Keras ``Dropout(rate)`` layer outputs in training
    with that mask of kept (1) and dropped (0) units; compared with Keras layers themselves."""
    import keras

    rng = np.random.default_rng(9)
    cases, outputs = [], {}
    for shape, rate in (((5,), 0.5), ((3, 4), 0.2), ((2, 8), 0.75)):
        x = (rng.normal(size=shape) + 3.0).astype("float32")  # no input is exactly 0
        out = keras.ops.convert_to_numpy(keras.layers.Dropout(rate, seed=9)(x, training=True))
        outputs[rate] = out
        cases.append((x, (out != 0).astype("int64"), rate))
    return checks.check_function(
        function,
        lambda x, mask, rate: outputs[rate],
        cases,
        hint="Dropped units (mask 0) give 0; kept units are scaled so that each unit's expected"
        " output equals its input (the formula of section 3).",
    )
