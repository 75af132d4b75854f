"""One call that makes every lesson start the same way: seeds, quiet logs, versions, mode."""

from __future__ import annotations

import contextlib
import os
import platform
import sys

SEED = 42
MAX_SEED = 2**32 - 1
QUICK_ENV = "DLCOURSE_QUICK"
SEED_ENV = "DLCOURSE_SEED"
_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"", "0", "false", "no", "off"}


def quick_mode() -> bool:
    """True when ``DLCOURSE_QUICK`` is truthy: small data and few epochs, for the test suite.

    A learner never needs it; full mode is the default and what the README's numbers report.
    """
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    raise ValueError(
        f"{QUICK_ENV}={value!r} is neither on nor off: use 1/true/yes/on or 0/false/no/off."
    )


@contextlib.contextmanager
def _stderr_silenced():
    """Hide what C++ libraries print straight to file descriptor 2 while TensorFlow loads.

    TensorFlow writes its oneDNN and absl start-up notices before its log level is read, so
    ``TF_CPP_MIN_LOG_LEVEL`` alone cannot hide them. Python-level errors still surface,
    because an exception propagates after the descriptor is restored.
    """
    fd = 2  # the process's own stderr; in Jupyter, the kernel forwards it to the notebook
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _import_keras():
    if "tensorflow" not in sys.modules:
        with _stderr_silenced():
            import tensorflow  # noqa: F401
    import keras

    return keras


def _gpu_count() -> int:
    import tensorflow as tf

    return len(tf.config.list_physical_devices("GPU"))


def seed() -> int:
    """The seed of this run: ``DLCOURSE_SEED`` if set (to repeat a lesson over seeds), else 42."""
    value = os.environ.get(SEED_ENV, "").strip()
    if not value:
        return SEED
    try:
        number = int(value)
    except ValueError:
        raise ValueError(
            f"{SEED_ENV}={value!r} is not a whole number: set it to e.g. 0, 1 or 2."
        ) from None
    if not 0 <= number <= MAX_SEED:  # NumPy's and Keras's seeds are unsigned 32-bit numbers
        raise ValueError(
            f"{SEED_ENV}={value} is out of range: use a whole number from 0 to {MAX_SEED},"
            " e.g. 0, 1 or 2."
        )
    return number


def setup() -> bool:
    """Seed Python, NumPy and TensorFlow, quiet the logs, print one line; return QUICK.

    ``keras.utils.set_random_seed`` seeds all three generators at once, so a lesson run twice
    on the same machine gives the same numbers (after ``keras.backend.clear_session``, which
    also resets Keras's own generator and layer names). Lessons that need a seed of their own (a
    data split, a cross-validation) take it from ``helpers.seed()``.
    """
    quick = quick_mode()
    seed_value = seed()
    keras = _import_keras()
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    # A fresh Keras state first: older Keras (3.8, for one) keeps the generator behind unseeded
    # keras.random calls across set_random_seed, so a second setup() would not repeat them.
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed_value)
    gpus = _gpu_count()
    device = f"GPU x{gpus}" if gpus else "CPU only"
    mode = "QUICK (small data, few epochs)" if quick else "full"
    print(
        f"Python {platform.python_version()} | TensorFlow {tf.__version__} | "
        f"Keras {keras.__version__} | {device} | mode: {mode} | seed {seed_value}"
    )
    return quick


def report_env() -> str:
    """Print and return what a bug report needs: versions, platform, devices, course settings."""
    keras = _import_keras()
    import matplotlib
    import numpy
    import pandas
    import sklearn
    import tensorflow as tf

    lines = [
        f"python      {sys.version.split()[0]} ({platform.python_implementation()})",
        f"platform    {platform.platform()}",
        f"tensorflow  {tf.__version__}",
        f"keras       {keras.__version__} (backend {keras.backend.backend()})",
        f"numpy       {numpy.__version__}",
        f"pandas      {pandas.__version__}",
        f"sklearn     {sklearn.__version__}",
        f"matplotlib  {matplotlib.__version__}",
        f"cpus        {os.cpu_count()}",
        f"gpus        {[d.name for d in tf.config.list_physical_devices('GPU')] or 'none'}",
        f"quick mode  {quick_mode()}",
    ]
    for name in ("DLCOURSE_DATA_DIR", "DLCOURSE_DATA_MIRROR", "CUDA_VISIBLE_DEVICES"):
        lines.append(f"{name:<11} {os.environ.get(name, '(not set)')}")
    text = "\n".join(lines)
    print(text)
    return text
