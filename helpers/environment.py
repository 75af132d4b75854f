"""One call that makes every lesson start the same way: seeds, quiet logs, versions, mode."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from typing import NamedTuple

from helpers import settings
from helpers.settings import quick_mode, seed


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
    if "tensorflow" not in sys.modules:  # on every backend: the lessons' tf.data pipelines need it
        with _stderr_silenced():
            import tensorflow  # noqa: F401
    import keras

    return keras


BACKENDS = ("tensorflow", "jax")  # the Keras backends the course is tested on


def accelerators() -> list[str]:
    """The GPUs (or TPUs) that Keras's *running* backend sees, e.g. ``['gpu:0']``; [] on a CPU.

    Asked of the backend itself, not of TensorFlow: with ``KERAS_BACKEND=jax`` a machine can
    have a GPU that JAX uses while TensorFlow's CPU build sees none, or the other way round.
    """
    keras = _import_keras()
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        found = [d.name for d in tf.config.list_logical_devices() if d.device_type != "CPU"]
        return [name.split("device:")[-1].lower() for name in found]
    if backend == "jax":
        import jax

        return [f"{d.platform}:{d.id}" for d in jax.devices() if d.platform != "cpu"]
    raise RuntimeError(
        f"Keras runs on {backend!r}; the course is tested on {' and '.join(BACKENDS)} and asks "
        "only those for their devices. Set KERAS_BACKEND=tensorflow (or jax) and restart."
    )


def _backend_version(backend: str) -> str:
    import importlib

    module = importlib.import_module(backend)
    name = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}.get(backend, backend)
    return f"{name} {module.__version__}"


def needs_backend(line: str, cell: str) -> None:
    """Cell magic ``%%needs_backend tensorflow``: run the cell only on that Keras backend.

    A few cells show something that exists on one backend alone (TensorFlow's graph of a
    ``tf.function``, its device placement). On another backend such a cell prints one line
    saying so and how to run it, and the notebook goes on. ``helpers.setup()`` registers it.
    """
    import keras
    from IPython import get_ipython

    wanted = line.strip()
    if wanted not in BACKENDS:
        raise ValueError(f"%%needs_backend takes one of {', '.join(BACKENDS)}, got {wanted!r}.")
    running = keras.backend.backend()
    if running != wanted:
        print(
            f"Skipped: this cell needs Keras's {wanted} backend and this kernel runs {running}. "
            f"To run it, set KERAS_BACKEND={wanted} before Keras is imported and restart the "
            "kernel (lesson 00)."
        )
        return
    get_ipython().run_cell(cell).raise_error()  # a failing cell fails the notebook run too


def _register_magic() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: no cells, no magics
        return
    shell = get_ipython()
    if shell is not None:
        shell.register_magic_function(needs_backend, magic_kind="cell")


class Run(NamedTuple):
    """What a lesson needs to know about its run: ``QUICK, SEED = helpers.setup()``."""

    quick: bool  # small data and few epochs (DLCOURSE_QUICK, set by the test suite)
    seed: int  # the seed every generator was set from (DLCOURSE_SEED, default 42)


def setup() -> Run:
    """Seed Python, NumPy and the backend, quiet the logs, print a line; return QUICK and the seed.

    ``keras.utils.set_random_seed`` seeds all three generators at once, so a lesson run twice
    on the same machine gives the same numbers (after ``keras.backend.clear_session``, which
    also resets Keras's own generator and layer names). A lesson seeds its data splits and
    repeats from the seed returned (``helpers.run_seeds`` derives the seeds of repeats).
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
    from helpers.plots import describe_figures

    describe_figures()  # in a notebook, every figure shown carries its description (alt text)
    _register_magic()
    backend = keras.backend.backend()
    if backend in BACKENDS:
        devices = accelerators()
        device = ", ".join(devices) if devices else "CPU only"
    else:
        device = f"devices not asked ({backend} is not a backend the course is tested on)"
    mode = "QUICK (small data, few epochs)" if quick else "full"
    print(
        f"Python {platform.python_version()} | Keras {keras.__version__} on "
        f"{_backend_version(backend)} | {device} | mode: {mode} | seed {seed_value}"
    )
    return Run(quick, seed_value)


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
        f"backend     {_backend_version(keras.backend.backend())}, sees "
        f"{(accelerators() or 'no GPU') if keras.backend.backend() in BACKENDS else '(not asked)'}",
        f"numpy       {numpy.__version__}",
        f"pandas      {pandas.__version__}",
        f"sklearn     {sklearn.__version__}",
        f"matplotlib  {matplotlib.__version__}",
        f"cpus        {os.cpu_count()}",
        f"tf GPUs     {[d.name for d in tf.config.list_physical_devices('GPU')] or 'none'}"
        " (TensorFlow's own list, whichever backend Keras runs)",
        f"quick mode  {quick_mode()}",
        f"seed        {seed()}",
    ]
    mirrors = os.pathsep.join(map(str, settings.mirror_dirs()))
    lines.append(f"{settings.DATA_DIR_VAR:<11} {settings.data_dir() or '(not set)'}")
    lines.append(f"{settings.DATA_MIRROR_VAR:<11} {mirrors or '(not set)'}")
    lines.append(f"CUDA_VISIBLE_DEVICES {os.environ.get('CUDA_VISIBLE_DEVICES', '(not set)')}")
    text = "\n".join(lines)
    print(text)
    return text
