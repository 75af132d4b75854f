"""Lesson 07: training throughput against the batch size, and where a step's time goes.

``train_step_sweep`` times the loops of ``helpers.timing.loops`` for several batch sizes,
``update_timing`` the optimizer's update alone, ``fit_images_per_s`` the end-to-end rate of
``model.fit``. ``time_breakdown`` splits a step's time into its parts and ``speedup_table``
sets a GPU's sweep against a CPU's.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.timing.clock import Clock, Timing, _positive, _whole, interleave
from helpers.timing.devices import _device_scope, _scoped, on_device, require_tensorflow
from helpers.timing.loops import LOOPS, _compiled_loop, _products_loop, _train_on_batch_loop


def _check_data(x: Any, y: Any, sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}: give one label per sample.")
    if not sizes:
        raise ValueError("batch_sizes is empty: give e.g. (32, 128, 512).")
    if max(sizes) > len(x):
        raise ValueError(
            f"The largest batch size ({max(sizes)}) exceeds the {len(x)} samples given: "
            "pass more data or smaller batch sizes."
        )
    if not np.all(np.isfinite(x[: max(sizes)])):
        raise ValueError("x contains nan or inf: a timing on such data is meaningless.")
    return x, y


def _build(build_model: Callable[[], Any]):
    if not callable(build_model):
        raise TypeError("build_model must be a function that returns a new compiled model.")
    model = build_model()
    if not getattr(model, "compiled", False):
        raise ValueError("build_model() returned a model that is not compiled: compile it.")
    return model


def _rates(timing: Timing, flops_per_sample: float | None) -> dict[str, float]:
    low, high = timing.rate_range
    row = {
        "steps": timing.steps,
        "step_ms": timing.per_step * 1e3,
        "step_ms_min": timing.fastest / timing.steps * 1e3,
        "step_ms_max": timing.slowest / timing.steps * 1e3,
        "samples_per_s": timing.rate,
        "samples_per_s_min": low,
        "samples_per_s_max": high,
    }
    if flops_per_sample is not None:
        row["gflops"] = timing.rate * flops_per_sample / 1e9
        row["gflops_min"] = low * flops_per_sample / 1e9
        row["gflops_max"] = high * flops_per_sample / 1e9
    return row


def train_step_sweep(
    build_model: Callable[[], Any],
    x: Any,
    y: Any,
    batch_sizes: Sequence[int],
    *,
    loops: Sequence[str] = ("train_on_batch", "compiled", "products"),
    flops_per_sample: float | None = None,
    device: str | None = None,
    min_seconds: float = 0.25,
    repeats: int = 5,
    warmup: int = 1,
    seed: int = 0,
    clock: Clock = time.perf_counter,
) -> pd.DataFrame:
    """Training throughput of a compiled Keras model against the batch size, three ways.

    For each batch size ``b``, ``build_model()`` makes a fresh compiled model on ``device``
    (so no batch size inherits another's optimizer state or traced graph) and the first
    ``b`` rows of ``x, y`` are put on the device once. Then, for each of ``loops``:

    * ``"train_on_batch"``: one ``model.train_on_batch`` call per step. Each call resets the
      metrics, runs the compiled step and copies the loss back to the host, so the device
      is waited for every step: what a hand-written Python training loop costs.
    * ``"compiled"``: many steps of the same model's ``train_step`` inside one compiled
      call, as ``fit(..., steps_per_execution=K)`` runs them; the loss is read back once
      per run. The difference from ``train_on_batch`` is the Python harness.
    * ``"xla"``: the same, with the step compiled by XLA (``jit_compile=True``), which fuses
      chains of element-wise operations (bias and ReLU, the optimizer's update) into fewer
      kernels. Keras does this by default when it sees a GPU.
    * ``"products"``: only the step's matrix products (forward, weight and input
      gradients) in a compiled loop; needs a plain stack of Dense layers. Their rate is
      the practical peak *for these shapes*; what the full step adds is the update, the
      bias, activation and loss operations, and memory traffic.

    Every (loop, batch size) is sized by time and the runs are interleaved (see
    ``interleave``). Returns one row per loop and batch size: ``loop``, ``batch_size``,
    ``steps`` (per run), ``step_ms`` with ``step_ms_min`` and ``step_ms_max``,
    ``samples_per_s`` with ``samples_per_s_min`` and ``samples_per_s_max``, and with
    ``flops_per_sample`` (the products' FLOPs per sample) also ``gflops``, ``gflops_min``
    and ``gflops_max``: the products' FLOPs over the whole step's time.
    """
    require_tensorflow()
    if not callable(build_model):
        raise TypeError("build_model must be a function that returns a new compiled model.")
    sizes = [_whole("every batch size", b, 1) for b in batch_sizes]
    x, y = _check_data(x, y, sizes)
    loops = list(loops)
    unknown = [loop for loop in loops if loop not in LOOPS]
    if unknown or not loops:
        raise ValueError(f"Unknown loops {unknown or loops}: choose from {LOOPS}.")
    makers = {
        "train_on_batch": _train_on_batch_loop,
        "compiled": _compiled_loop,
        "xla": lambda model, xb, yb: _compiled_loop(model, xb, yb, jit_compile=True),
        "products": lambda model, xb, yb: _products_loop(model, xb),
    }
    runs, items = {}, {}
    for b in sizes:
        with _device_scope(device):
            model = _build(build_model)
            xb, yb = on_device(x[:b]), on_device(y[:b])
            if {"compiled", "xla"} & set(loops):
                model.train_on_batch(xb, yb)  # builds the optimizer's variables outside a graph
            for loop in loops:
                runs[loop, b] = _scoped(device, makers[loop](model, xb, yb))
                items[loop, b] = b
    timings = interleave(
        runs,
        items_per_step=items,
        min_seconds=min_seconds,
        repeats=repeats,
        warmup=warmup,
        seed=seed,
        clock=clock,
    )
    rows = [
        {"loop": loop, "batch_size": b, **_rates(timings[loop, b], flops_per_sample)}
        for loop in loops
        for b in sizes
    ]
    return pd.DataFrame(rows)


def update_timing(
    build_model: Callable[[], Any],
    *,
    device: str | None = None,
    jit_compile: bool | None = None,
    min_seconds: float = 0.25,
    repeats: int = 5,
    warmup: int = 1,
    seed: int = 0,
    clock: Clock = time.perf_counter,
) -> Timing:
    """The optimizer's update of all weights alone, without the rest of a training step.

    ``build_model()`` makes a fresh compiled model on ``device``; its optimizer applies fixed
    small random gradients to its trainable weights, ``steps`` times inside one compiled
    loop, compiled by XLA if ``jit_compile`` (None: as the model was compiled). What it
    costs does not depend on the batch size, only on the number of weights.
    ``Timing.per_step`` is the time of one update.
    """
    require_tensorflow()
    import tensorflow as tf

    with _device_scope(device):
        model = _build(build_model)
        optimizer = model.optimizer
        variables = model.trainable_variables
        if not variables:
            raise ValueError("The model has no trainable weights: there is nothing to update.")
        rng = np.random.default_rng(seed)
        grads = [
            on_device(1e-3 * rng.standard_normal(tuple(v.shape)), dtype=v.dtype) for v in variables
        ]
        if not optimizer.built:
            optimizer.build(variables)

        def apply():
            optimizer.apply(grads, variables)
            return optimizer.iterations

        if jit_compile is None:
            jit_compile = bool(model.jit_compile)
        step = tf.function(apply, jit_compile=bool(jit_compile))

        @tf.function
        def loop(steps):
            def body(i, _):
                return i + 1, tf.cast(step(), tf.int64)

            start = (tf.constant(0), tf.constant(0, tf.int64))
            return tf.while_loop(lambda i, _: i < steps, body, start)[1]

    return interleave(
        {"update": _scoped(device, lambda steps: loop(tf.constant(steps)))},
        min_seconds=min_seconds,
        repeats=repeats,
        warmup=warmup,
        seed=seed,
        clock=clock,
    )["update"]


def fit_images_per_s(
    build_model: Callable[[], Any],
    x: Any,
    y: Any,
    *,
    batch_size: int,
    epochs: int = 3,
    device: str | None = None,
) -> dict[str, float]:
    """Images per second of ``model.fit``'s training passes: the end-to-end rate.

    ``build_model()`` makes a fresh compiled model on ``device``, trained ``epochs`` epochs on
    NumPy arrays ``x, y``. ``fit`` slices and shuffles them, turns each batch into a tensor
    (and copies it to the device) and calls the callbacks, on top of the step. Each epoch's
    training pass is timed by ``helpers.training.EpochTimer``; the first, which traces the
    step, is left out. Returns ``images_per_s`` (median epoch), ``images_per_s_min``,
    ``images_per_s_max`` and ``epochs`` (how many were timed).
    """
    from helpers.training import EpochTimer

    epochs = _whole("epochs", epochs, 2)
    batch_size = _whole("batch_size", batch_size, 1)
    x, y = _check_data(x, y, [batch_size])
    timer = EpochTimer()
    with _device_scope(device):
        model = _build(build_model)
        model.fit(x, y, batch_size=batch_size, epochs=epochs, callbacks=[timer], verbose=0)
    seconds = timer.seconds[1:]
    return {
        "images_per_s": len(x) / statistics.median(seconds),
        "images_per_s_min": len(x) / max(seconds),
        "images_per_s_max": len(x) / min(seconds),
        "epochs": len(seconds),
    }


def time_breakdown(table: pd.DataFrame, update_ms: float) -> pd.DataFrame:
    """Where a step's time goes, per batch size, in milliseconds per step.

    ``table`` is a ``train_step_sweep`` with the loops ``train_on_batch``, ``compiled`` and
    ``products``; ``update_ms`` the optimizer's
    update alone (``update_timing(...).per_step * 1e3``). Columns: ``products`` (the matrix
    products alone), ``update``, ``other`` (what the compiled step adds to both: bias,
    activations, loss, metrics, the memory traffic between them; parts timed alone can
    overlap inside a step, so it may come out slightly negative), ``harness``
    (``train_on_batch`` minus the compiled step: Python and one wait for the device per
    step), ``train_on_batch`` (the whole), and the update's share of the compiled and of
    the ``train_on_batch`` step.
    """
    update_ms = _positive("update_ms", update_ms)
    needed = {"train_on_batch", "compiled", "products"}
    missing = needed - set(table.get("loop", pd.Series(dtype=str)))
    if missing:
        raise ValueError(f"The sweep lacks the loops {sorted(missing)}: run {sorted(needed)}.")
    step = table.pivot(index="batch_size", columns="loop", values="step_ms")
    return pd.DataFrame(
        {
            "products": step["products"],
            "update": update_ms,
            "other": step["compiled"] - step["products"] - update_ms,
            "harness": step["train_on_batch"] - step["compiled"],
            "train_on_batch": step["train_on_batch"],
            "update_share_compiled": update_ms / step["compiled"],
            "update_share_train_on_batch": update_ms / step["train_on_batch"],
        }
    )


def speedup_table(cpu: pd.DataFrame, gpu: pd.DataFrame, loop: str = "compiled") -> pd.DataFrame:
    """GPU images/s over CPU images/s per batch size, for one loop of two sweeps.

    ``lowest`` pairs the GPU's slowest run with the CPU's fastest, ``highest`` the reverse:
    the range that the repeats allow. It is the speed-up of the step on data already on
    each device, not of training, which also moves every batch to the device.
    """
    for name, table in (("cpu", cpu), ("gpu", gpu)):
        if "loop" not in table or loop not in set(table["loop"]):
            raise ValueError(f"The {name} sweep has no {loop!r} rows.")
    both = cpu[cpu["loop"] == loop].merge(
        gpu[gpu["loop"] == loop], on="batch_size", suffixes=("_cpu", "_gpu")
    )
    if both.empty:
        raise ValueError("The two sweeps share no batch size.")
    return pd.DataFrame(
        {
            "batch_size": both["batch_size"],
            "speed-up (median)": both["samples_per_s_gpu"] / both["samples_per_s_cpu"],
            "lowest": both["samples_per_s_min_gpu"] / both["samples_per_s_max_cpu"],
            "highest": both["samples_per_s_max_gpu"] / both["samples_per_s_min_cpu"],
        }
    )
