"""Exercise checkers of lesson 13."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpers import checks
from helpers.gradients import l1_sparsity


def check_warmup_cosine(function: Callable[..., Any]) -> checks.Feedback:
    """``function(step, peak, warmup, decay)``: linear warm-up, then cosine decay to 0, compared
    with Keras's ``CosineDecay(0, decay, warmup_target=peak, warmup_steps=warmup)``."""
    import keras

    def reference(step: int, peak: float, warmup: int, decay: int) -> float:
        schedule = keras.optimizers.schedules.CosineDecay(
            0.0, decay, warmup_target=peak, warmup_steps=warmup
        )
        return float(schedule(step))

    inputs = [(s, 0.1, 10, 90) for s in (0, 3, 10, 40, 99, 150)] + [(7, 0.5, 20, 30)]
    return checks.check_function(
        function,
        reference,
        inputs,
        hint="Two cases: before `warmup` the rate grows linearly from 0; after it, the cosine"
        " formula of section 9 with T - W replaced by `decay`, its step counted from the end of"
        " the warm-up and capped (np.minimum) so that it stays at 0 after the end.",
    )


def check_sparsity(answer: Any, model: Any, threshold: float = 1e-3) -> checks.Feedback:
    """Exercise check: the share of first-layer weights below ``threshold`` in size."""
    return checks.check_value(
        answer,
        l1_sparsity(model, threshold),
        rtol=1e-4,
        hint=(
            "Take the first Dense layer's kernel (model.layers[...].kernel, converted to "
            "NumPy), compare np.abs of it with the threshold and average the booleans."
        ),
    )
