"""Exercise checkers of lesson 00."""

from __future__ import annotations

from typing import Any

from helpers import checks


def check_gpu_count(answer: Any) -> checks.Feedback:
    """The number of GPUs TensorFlow sees on this machine (asked of TensorFlow here)."""
    import tensorflow as tf

    return checks.check_value(
        answer,
        len(tf.config.list_physical_devices("GPU")),
        hint="list_physical_devices('GPU') returns a list: how long is it?",
    )
