"""Time computations the way a performance engineer would, on any device TensorFlow sees.

The rules, each one a mistake that makes a timing wrong:

* **Warm-up first.** The first call of a compiled function traces its graph and allocates
  memory; it is not what later calls cost. Every timing here runs ``warmup`` untimed calls.
* **Wait for the work.** On a GPU an operation returns as soon as it is *queued*; the
  clock must stop only once the result exists. Every result is read back to the host
  (``to_host``) before the clock stops.
* **Size a run by time, not by a count.** A fixed number of steps lasts 5 s on one device
  and 0.2 ms on another, where the fixed cost of starting and reading back swamps it.
  ``autorange`` grows the number of steps (1, 2, 5, 10, 20, ...) until one run lasts at
  least ``min_seconds``, as ``timeit.Timer.autorange`` does.
* **Repeat, interleaved.** One run is an anecdote. ``interleave`` times every configuration
  once per repeat, in a new shuffled order each time, so that a slow drift of the machine
  (another program, a clock that throttles) spreads over all of them instead of bending a
  curve; it reports the median of the repeats with their minimum and maximum. The garbage
  collector is off while the clock runs, as in ``timeit``.
* **Time the computation, not the input pipeline.** The sweeps put a batch on the device
  once and then time steps on it.
* **Know the harness.** ``model.train_on_batch`` is one Python call per step: it resets the
  metrics, runs the compiled step, and copies the loss back to the host, which waits for
  the device every step. ``model.fit(..., steps_per_execution=K)`` runs K steps inside one
  compiled call (a ``while`` loop in the graph). ``train_step_sweep`` times both (and the
  loop compiled by XLA), and the step's matrix products alone; ``update_timing`` times the
  optimizer's update alone.

``matmul_peak`` measures what a device really does on a large matrix product, the best
case for a dense network; ``memory_bandwidth`` what it streams through memory; their ratio
is the device's ridge point (FLOPs per byte). ``NOMINAL_PEAKS`` holds what vendors print.

Everything that runs a model needs Keras's TensorFlow backend (``require_tensorflow``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import random
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

Clock = Callable[[], float]
LOOPS = ("train_on_batch", "compiled", "xla", "products")
_LOOP_STYLES = {
    "train_on_batch": ("o", "-"),
    "compiled": ("s", "--"),
    "xla": ("D", "-."),
    "products": ("^", ":"),
}


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs (warm-up excluded), and what one run did.

    ``items`` is how many samples (or FLOPs, or bytes) one run processed; ``steps`` how
    many steps one run was made of.
    """

    seconds: tuple[float, ...]
    items: float = 1
    steps: int = 1

    @property
    def median(self) -> float:
        """The typical run: unlike the mean, one run slowed by something else barely moves it."""
        return statistics.median(self.seconds)

    @property
    def fastest(self) -> float:
        return min(self.seconds)

    @property
    def slowest(self) -> float:
        return max(self.seconds)

    @property
    def per_step(self) -> float:
        """Median seconds per step."""
        return self.median / self.steps

    @property
    def rate(self) -> float:
        """Items per second at the median time."""
        return self.items / self.median

    @property
    def rate_range(self) -> tuple[float, float]:
        """Items per second of the slowest and of the fastest run."""
        return self.items / self.slowest, self.items / self.fastest

    def __str__(self) -> str:
        low, high = self.rate_range
        steps = f" of {self.steps} steps" if self.steps != 1 else ""
        return (
            f"median {self.median * 1e3:.3g} ms (min {self.fastest * 1e3:.3g}, "
            f"max {self.slowest * 1e3:.3g}) over {len(self.seconds)} runs{steps} | "
            f"{self.rate:,.0f} items/s ({low:,.0f} to {high:,.0f})"
        )


def to_host(result: Any) -> Any:
    """Copy a result (tensor, variable, number, or a list/tuple/dict of them) to NumPy.

    Reading a value on the host has to wait until the device has computed it, which is
    what makes a timing of asynchronous (GPU) work honest.
    """
    if result is None:
        return None
    if isinstance(result, Mapping):
        return {key: to_host(value) for key, value in result.items()}
    if isinstance(result, (list, tuple)):
        return [to_host(value) for value in result]
    numpy = getattr(result, "numpy", None)
    if callable(numpy):
        return numpy()
    return np.asarray(result)


def _whole(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}.")
    return int(value)


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)


def _timed(fn: Callable[[], Any], clock: Clock) -> float:
    """Seconds of one call of ``fn`` with its result read back, garbage collector off."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        start = clock()
        to_host(fn())
        return clock() - start
    finally:
        if collecting:
            gc.enable()


def time_call(
    fn: Callable[[], Any],
    *,
    items: float = 1,
    repeats: int = 5,
    warmup: int = 1,
    clock: Clock = time.perf_counter,
) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeats`` timed ones.

    ``items`` is how many samples (or operations) one call processes, for the rate. Each
    call's result is read back to the host before the clock stops, so work that a device
    only queued is finished. ``clock`` is replaceable for tests.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function of no arguments, got {type(fn).__name__}.")
    repeats = _whole("repeats", repeats, 1)
    warmup = _whole("warmup", warmup, 0)
    items = _positive("items", items)
    for _ in range(warmup):
        to_host(fn())
    return Timing(tuple(_timed(fn, clock) for _ in range(repeats)), items)


def _step_counts(max_steps: int):
    """1, 2, 5, 10, 20, 50, ... up to ``max_steps`` (which always ends the sequence)."""
    base = 1
    while True:
        for factor in (1, 2, 5):
            if base * factor >= max_steps:
                yield max_steps
                return
            yield base * factor
        base *= 10


def autorange(
    run: Callable[[int], Any],
    *,
    min_seconds: float = 0.2,
    max_steps: int = 1_000_000,
    clock: Clock = time.perf_counter,
) -> int:
    """The smallest step count in 1, 2, 5, 10, 20, ... for which ``run(steps)`` lasts long enough.

    ``run(steps)`` must do ``steps`` steps and return something to read back. A run that
    lasts at least ``min_seconds`` makes the fixed cost of starting it and reading its
    result back small next to the steps, on a slow device and on a fast one alike.
    Returns ``max_steps`` if even that is quicker than ``min_seconds``.
    """
    if not callable(run):
        raise TypeError(f"run must be a function of the step count, got {type(run).__name__}.")
    min_seconds = _positive("min_seconds", min_seconds)
    max_steps = _whole("max_steps", max_steps, 1)
    for steps in _step_counts(max_steps):
        if _timed(lambda steps=steps: run(steps), clock) >= min_seconds:
            return steps
    return max_steps


def interleave(
    runs: Mapping[Hashable, Callable[[int], Any]],
    *,
    items_per_step: float | Mapping[Hashable, float] = 1,
    min_seconds: float = 0.25,
    repeats: int = 5,
    warmup: int = 1,
    seed: int = 0,
    clock: Clock = time.perf_counter,
) -> dict[Hashable, Timing]:
    """Time several configurations against each other, fairly.

    ``runs`` maps a name to ``run(steps)``, which does ``steps`` steps and returns something
    to read back. Each is warmed up (``warmup`` calls of ``run(1)``), then ``autorange``
    picks its step count so that one run lasts at least ``min_seconds``. Then come
    ``repeats`` rounds; each times every configuration once, in a new shuffled order
    (seeded by ``seed``), so that the spread of a configuration's runs includes the drift
    of the machine during the whole measurement, not only the jitter between neighbours.
    Returns a ``Timing`` per name (``items`` = ``items_per_step`` x steps).
    """
    if not runs:
        raise ValueError("runs is empty: give {'name': run(steps)} for each configuration.")
    repeats = _whole("repeats", repeats, 1)
    warmup = _whole("warmup", warmup, 0)
    keys = list(runs)
    for key in keys:
        if not callable(runs[key]):
            raise TypeError(f"runs[{key!r}] must be a function of the step count.")
    if isinstance(items_per_step, Mapping):
        missing = [key for key in keys if key not in items_per_step]
        if missing:
            raise ValueError(f"items_per_step has no entry for {missing}.")
        items = {key: _positive("items_per_step", items_per_step[key]) for key in keys}
    else:
        items = dict.fromkeys(keys, _positive("items_per_step", items_per_step))
    for key in keys:
        for _ in range(warmup):
            to_host(runs[key](1))
    steps = {key: autorange(runs[key], min_seconds=min_seconds, clock=clock) for key in keys}
    seconds: dict[Hashable, list[float]] = {key: [] for key in keys}
    shuffler = random.Random(seed)
    for _ in range(repeats):
        order = keys.copy()
        shuffler.shuffle(order)
        for key in order:
            run, count = runs[key], steps[key]
            seconds[key].append(_timed(lambda run=run, count=count: run(count), clock))
    return {key: Timing(tuple(seconds[key]), items[key] * steps[key], steps[key]) for key in keys}


def require_tensorflow() -> None:
    """Raise a clear error unless Keras runs on TensorFlow, which these timings drive directly.

    They place tensors with ``tf.device``, compile loops with ``tf.function`` and call a
    model's ``train_step`` inside them: TensorFlow-backend tools.
    """
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            f"Keras runs on the {backend!r} backend, but these timings use TensorFlow's devices"
            " and compiled graphs directly. Set KERAS_BACKEND=tensorflow before Python starts"
            " (or restart the kernel with it set)."
        )


def _device_scope(device: str | None):
    if device is None:
        return contextlib.nullcontext()
    import tensorflow as tf

    return tf.device(device)


def on_device(array: Any, device: str | None = None, dtype: str | None = None):
    """A tensor that lives on ``device`` (default: TensorFlow's default device, the GPU if any).

    ``tf.constant`` of a NumPy array stays in host memory, and every use on a GPU copies it
    over again; ``tf.identity`` run under ``tf.device`` makes the copy once, there.
    """
    import tensorflow as tf

    with _device_scope(device):
        return tf.identity(tf.convert_to_tensor(array, dtype=dtype))


def _scoped(device: str | None, run: Callable[[int], Any]) -> Callable[[int], Any]:
    """``run`` called under ``tf.device(device)``, so a later call still runs there."""

    def scoped(steps: int):
        with _device_scope(device):
            return run(steps)

    return scoped


# --- what the machine is -------------------------------------------------------------------

_ISA_FLAGS = (
    ("avx2", "AVX2"),
    ("fma", "FMA"),
    ("avx512f", "AVX-512"),
    ("avx512_bf16", "AVX-512 BF16"),
    ("avx512_fp16", "AVX-512 FP16"),
    ("amx_bf16", "AMX-BF16"),
    ("amx_tile", "AMX tiles"),
    ("asimd", "NEON"),
    ("sve", "SVE"),
)


def cpu_details(cpuinfo: str | None = None) -> dict[str, Any]:
    """What a reader of "% of peak" needs to know about the CPU.

    ``model``, ``logical_cores`` (what the operating system schedules on), ``physical_cores``
    (None when not visible; a virtual machine may hide that its cores are hyper-threads),
    ``usable_cores`` (the ones this process may run on), ``mhz`` (nominal, as reported; the
    real clock moves with load and temperature) and ``isa``: the vector instruction sets a
    matrix product can use. Read from ``/proc/cpuinfo`` on Linux (or from ``cpuinfo``, a
    text in that format); elsewhere only what Python's ``platform`` module knows.
    """
    import platform

    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as file:
                cpuinfo = file.read()
        except OSError:
            cpuinfo = ""
    blocks = [block for block in re.split(r"\n\s*\n", cpuinfo) if block.strip()]
    fields = []
    for block in blocks:
        entry = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                entry[key.strip().lower()] = value.strip()
        fields.append(entry)
    processors = [entry for entry in fields if "processor" in entry]
    first = processors[0] if processors else {}
    model = first.get("model name") or first.get("hardware") or platform.processor() or "unknown"
    cores = {(p.get("physical id"), p.get("core id")) for p in processors if "core id" in p}
    flags = set((first.get("flags") or first.get("features") or "").split())
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    try:
        mhz = float(first["cpu mhz"])
    except (KeyError, ValueError):
        mhz = None
    return {
        "model": model,
        "logical_cores": len(processors) or os.cpu_count(),
        "physical_cores": len(cores) or None,
        "usable_cores": usable,
        "mhz": mhz,
        "isa": [name for flag, name in _ISA_FLAGS if flag in flags],
    }


def gpu_details() -> list[dict[str, Any]]:
    """Name and compute capability of every GPU TensorFlow sees (an empty list on CPU)."""
    import tensorflow as tf

    found = []
    for number, gpu in enumerate(tf.config.list_physical_devices("GPU")):
        details = tf.config.experimental.get_device_details(gpu)
        found.append(
            {
                "device": f"/GPU:{number}",
                "name": details.get("device_name", gpu.name),
                "compute_capability": tuple(details.get("compute_capability", (0, 0))),
            }
        )
    return found


def devices_to_measure(gpus: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The devices a lesson measures: the CPU, and the first GPU if there is one.

    ``gpus`` is what ``gpu_details()`` returns. Further GPUs are not measured: one of a kind
    says what a GPU does, and two of a kind say nothing more unless they work together.
    """
    devices = {"CPU": "/CPU:0"}
    if gpus:
        devices["GPU"] = gpus[0]["device"]
    return devices


def nvidia_smi(runner: Callable[..., Any] = subprocess.run) -> list[dict[str, str]]:
    """Clocks and power cap of each NVIDIA GPU from ``nvidia-smi`` (an empty list without it).

    A GPU held below its top clock or capped in power (a T4 is capped at 70 W) reaches less
    than its data sheet says; these lines say whether that is the case. ``runner`` is
    replaceable for tests.
    """
    fields = ("name", "clocks.sm", "clocks.max.sm", "power.limit")
    if runner is subprocess.run and shutil.which("nvidia-smi") is None:
        return []
    try:
        result = runner(
            ["nvidia-smi", f"--query-gpu={','.join(fields)}", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if result.returncode != 0:
        return []
    rows = []
    for line in result.stdout.strip().splitlines():
        values = [value.strip() for value in line.split(",")]
        if len(values) == len(fields):
            rows.append(dict(zip(fields, values, strict=True)))
    return rows


# --- the yardsticks: a large product, a memory stream -------------------------------------


def matmul_peak(
    sizes: Sequence[int] = (1024, 2048, 4096),
    *,
    dtype: str = "float32",
    device: str | None = None,
    repeats: int = 5,
    warmup: int = 1,
    min_seconds: float = 0.25,
    seed: int = 0,
    clock: Clock = time.perf_counter,
) -> pd.DataFrame:
    """FLOP/s of square ``n x n`` matrix products on one device: the practical peak.

    A product of two ``n x n`` matrices takes ``n**3`` multiply-adds, ``2 n**3`` FLOPs, and
    re-uses each number it loads about ``n`` times, so it keeps the arithmetic units busy
    rather than waiting for memory; the best row of this table is close to the most the
    device can do. One timed run is as many products in a row as ``autorange`` needs to
    last ``min_seconds``, then one element of the last is read back (it cannot exist before
    every product queued before it is done). On a CPU, or for large products on a GPU, one
    product already lasts milliseconds; a small product on a large GPU (2048 x 2048 on an
    A100 or H100) lasts well under one, and only the many products per run keep the cost
    of launching and reading back out of its rate. Sizes are interleaved over the repeats.
    Returns one row per size: ``size``, ``products`` (per run), ``median_s`` (per run),
    ``gflops`` (at the median), ``gflops_min`` and ``gflops_max`` (slowest and fastest run).
    """
    import tensorflow as tf

    if not sizes:
        raise ValueError("sizes is empty: give matrix sizes such as (1024, 2048).")
    sizes = [_whole("every size", n, 1) for n in sizes]
    runs = {}
    with _device_scope(device):
        for n in sizes:
            generator = tf.random.Generator.from_seed(n)
            a = tf.cast(generator.normal((n, n)), dtype)
            b = tf.cast(generator.normal((n, n)), dtype)

            def run(steps, a=a, b=b):
                for _ in range(steps):
                    c = tf.matmul(a, b)
                return c[0, 0]

            runs[n] = _scoped(device, run)
    timings = interleave(
        runs,
        items_per_step={n: 2 * n**3 for n in sizes},
        min_seconds=min_seconds,
        repeats=repeats,
        warmup=warmup,
        seed=seed,
        clock=clock,
    )
    rows = []
    for n in sizes:
        timing = timings[n]
        low, high = timing.rate_range
        rows.append(
            {
                "size": n,
                "products": timing.steps,
                "median_s": timing.median,
                "gflops": timing.rate / 1e9,
                "gflops_min": low / 1e9,
                "gflops_max": high / 1e9,
            }
        )
    return pd.DataFrame(rows)


def memory_bandwidth(
    megabytes: float = 256,
    *,
    device: str | None = None,
    repeats: int = 5,
    warmup: int = 1,
    min_seconds: float = 0.25,
    clock: Clock = time.perf_counter,
) -> dict[str, float]:
    """GB/s that one device streams through memory: ``v += w`` on two float32 arrays.

    Each step reads both arrays and writes the first in place: 3 x ``megabytes`` of traffic
    for one addition per number, far too little arithmetic to keep the units busy, so the
    rate is set by memory. Arrays larger than the caches give the main memory's bandwidth;
    arrays that fit in a cache give more. The steps run inside one compiled loop (no
    per-step Python). Returns ``megabytes`` (per array), ``steps`` (per run), ``gb_per_s`` (at
    the median), ``gb_per_s_min`` and ``gb_per_s_max``.
    """
    import tensorflow as tf

    megabytes = _positive("megabytes", megabytes)
    n = max(1, int(megabytes * 1e6 // 4))
    with _device_scope(device):
        v = tf.Variable(tf.zeros(n))
        w = on_device(np.full(n, 1e-6, dtype=np.float32))

        @tf.function
        def loop(steps):
            for _ in tf.range(steps):
                v.assign_add(w)
            return v[0]

    def run(steps):
        return loop(tf.constant(steps))

    timing = interleave(
        {"stream": _scoped(device, run)},
        items_per_step=3 * 4 * n,
        min_seconds=min_seconds,
        repeats=repeats,
        warmup=warmup,
        clock=clock,
    )["stream"]
    low, high = timing.rate_range
    return {
        "megabytes": 4 * n / 1e6,
        "steps": timing.steps,
        "gb_per_s": timing.rate / 1e9,
        "gb_per_s_min": low / 1e9,
        "gb_per_s_max": high / 1e9,
    }


# --- a training step and its parts --------------------------------------------------------


def _dense_kernels(model: Any, n_features: int) -> list[tuple[Any, str, bool]]:
    """(kernel, compute dtype, trainable) of each Dense layer of a plain stack of them."""
    import keras

    chain = []
    width = n_features
    for layer in model.layers:
        if not layer.weights:
            continue
        if not isinstance(layer, keras.layers.Dense) or len(layer.kernel.shape) != 2:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}): timing the products alone"
                " needs a plain stack of Dense layers on flat inputs."
            )
        n_in, n_out = (int(d) for d in layer.kernel.shape)
        if n_in != width:
            raise ValueError(
                f"Layer {layer.name!r} takes {n_in} inputs but receives {width}: timing the"
                " products alone needs a plain stack of Dense layers on flat inputs."
            )
        chain.append((layer.kernel, layer.compute_dtype, bool(layer.trainable)))
        width = n_out
    if not chain:
        raise ValueError("The model has no Dense layer: there are no products to time.")
    return chain


def _products_loop(model: Any, xb: Any):
    """``run(steps)``: the matrix products of ``steps`` training steps, and nothing else.

    Per Dense layer: ``A @ W`` forward, then backward ``A.T @ dZ`` (if trainable) and
    ``dZ @ W.T`` (if a trainable layer lies below), as ``helpers.flops`` counts them. No
    bias, activation, loss or update. The weights are read inside the loop and every
    product feeds the returned number, so none can be skipped or hoisted out of the loop.
    """
    import tensorflow as tf

    flat = tf.reshape(xb, (xb.shape[0], -1))
    chain = _dense_kernels(model, int(flat.shape[1]))
    x = tf.Variable(tf.cast(flat, chain[0][1]), trainable=False)

    @tf.function
    def loop(steps):
        total = tf.zeros((), tf.float32)
        for _ in tf.range(steps):
            kernels = [tf.cast(kernel, dtype) for kernel, dtype, _ in chain]
            inputs = [x.read_value()]
            # each product in its layer's compute dtype (mixed precision keeps float32 logits)
            for kernel in kernels:
                inputs.append(tf.matmul(tf.cast(inputs[-1], kernel.dtype), kernel))
            grad = inputs.pop()
            for i in reversed(range(len(chain))):
                grad = tf.cast(grad, kernels[i].dtype)
                if chain[i][2]:
                    layer_input = tf.cast(inputs[i], kernels[i].dtype)
                    weight_grad = tf.matmul(layer_input, grad, transpose_a=True)
                    total += tf.cast(weight_grad[0, 0], tf.float32)
                if any(trainable for _, _, trainable in chain[:i]):
                    grad = tf.matmul(grad, kernels[i], transpose_b=True)
            total += tf.cast(grad[0, 0], tf.float32)
        return total

    def run(steps):
        return loop(tf.constant(steps))

    run.function = loop  # the compiled loop, for a look at its graph
    return run


def _compiled_loop(model: Any, xb: Any, yb: Any, jit_compile: bool | None = None):
    """``run(steps)``: ``steps`` training steps inside one compiled call, as ``fit`` with
    ``steps_per_execution=steps`` runs them, minus the input pipeline: a ``while`` loop in
    the graph around the model's own ``train_step``, compiled by XLA if ``jit_compile``
    (None: as the model was compiled)."""
    import tensorflow as tf

    if jit_compile is None:
        jit_compile = bool(model.jit_compile)
    step = tf.function(model.train_step, jit_compile=bool(jit_compile))

    @tf.function
    def loop(steps):
        def body(i, _):
            return i + 1, tf.cast(step((xb, yb))["loss"], tf.float32)

        start = (tf.constant(0), tf.constant(0.0))
        return tf.while_loop(lambda i, _: i < steps, body, start)[1]

    return lambda steps: loop(tf.constant(steps))


def _train_on_batch_loop(model: Any, xb: Any, yb: Any):
    """``run(steps)``: ``steps`` calls of ``model.train_on_batch``, one Python call per step."""

    def run(steps):
        for _ in range(steps):
            logs = model.train_on_batch(xb, yb)
        return logs

    return run


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
    training pass is timed by ``helpers.callbacks.EpochTimer``; the first, which traces the
    step, is left out. Returns ``images_per_s`` (median epoch), ``images_per_s_min``,
    ``images_per_s_max`` and ``epochs`` (how many were timed).
    """
    from helpers.callbacks import EpochTimer

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


def plot_sweep(
    sweeps: Mapping[str, pd.DataFrame],
    peaks: Mapping[str, float] | None = None,
    title: str = "",
    loops: Sequence[str] | None = None,
) -> plt.Figure:
    """Throughput (and achieved GFLOP/s, if measured) against batch size.

    One colour per device (``sweeps``: device label to ``train_step_sweep`` table), one line
    style per loop (only ``loops``, if given). Error bars span the slowest and fastest run;
    dashed horizontal lines mark each device's measured matmul peak (``peaks``: device label
    to GFLOP/s).
    """
    if not sweeps:
        raise ValueError("Nothing to plot: pass {'device label': train_step_sweep(...)}.")
    with_flops = all("gflops" in table for table in sweeps.values())
    fig, axes = plt.subplots(1, 2 if with_flops else 1, figsize=(12 if with_flops else 6, 4.2))
    axes = np.atleast_1d(axes)
    columns = [("samples_per_s", "samples per second")]
    if with_flops:
        columns.append(("gflops", "GFLOP/s (products' FLOPs / step time)"))
    order = list(sweeps)
    for colour, (label, table) in enumerate(sweeps.items()):
        groups = table.groupby("loop", sort=False) if "loop" in table else [("", table)]
        for loop, part in groups:
            if loops is not None and loop not in loops:
                continue
            marker, style = _LOOP_STYLES.get(loop, ("o", "-"))
            name = f"{label}, {loop}" if loop else label
            for ax, (column, ylabel) in zip(axes, columns, strict=False):
                middle = part[column].to_numpy()
                error = [middle - part[f"{column}_min"], part[f"{column}_max"] - middle]
                ax.errorbar(
                    part["batch_size"],
                    middle,
                    yerr=error,
                    marker=marker,
                    linestyle=style,
                    capsize=3,
                    color=f"C{colour}",
                    label=name,
                )
                ax.set_xscale("log", base=2)
                ax.set_xlabel("batch size")
                ax.set_ylabel(ylabel)
                ax.grid(alpha=0.3)
    if with_flops and peaks:
        for label, peak in peaks.items():
            colour = f"C{order.index(label)}" if label in order else "grey"
            axes[1].axhline(
                peak, linestyle="--", color=colour, alpha=0.6, label=f"{label}: matmul peak"
            )
    for ax in axes:
        ax.legend(fontsize=7)
    axes[0].set_title("Training throughput (median, min to max)")
    if with_flops:
        axes[1].set_title("Achieved FLOP/s against the measured peak")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- data-sheet peaks ----------------------------------------------------------------------

# Nominal dense peaks in TFLOP/s at boost clock, from NVIDIA's data sheets ("NVIDIA T4
# Tensor Core GPU", "NVIDIA L4 Tensor Core GPU", "NVIDIA A100 Tensor Core GPU", "NVIDIA
# H100 Tensor Core GPU"). Where a data sheet prints only the figure "with sparsity"
# (L4; H100 TF32 and FP16/BF16), the dense figure is half of it, as its footnote says.
# "fp16" is the FP16/BF16 tensor-core rate (T4: FP16 only). T4 has no TF32 mode.
NOMINAL_PEAKS: dict[str, dict[str, float | None]] = {
    "T4": {"fp32": 8.1, "tf32": None, "fp16": 65.0},
    "L4": {"fp32": 30.3, "tf32": 60.0, "fp16": 121.0},
    "A100": {"fp32": 19.5, "tf32": 156.0, "fp16": 312.0},
    "H100 SXM": {"fp32": 67.0, "tf32": 494.5, "fp16": 989.5},
    "H100 PCIe": {"fp32": 51.0, "tf32": 378.0, "fp16": 756.5},
}
PRECISIONS = ("fp32", "tf32", "fp16")


def nominal_peaks_table() -> pd.DataFrame:
    """``NOMINAL_PEAKS`` as a table (TFLOP/s; empty where the GPU has no such mode)."""
    table = pd.DataFrame(NOMINAL_PEAKS).T[list(PRECISIONS)]
    table.columns = ["FP32", "TF32 tensor", "FP16/BF16 tensor"]
    return table.rename_axis("GPU")


def gpu_model(device_name: str) -> str | None:
    """The row of ``NOMINAL_PEAKS`` for a GPU name as TensorFlow reports it, or None."""
    if not isinstance(device_name, str):
        raise TypeError(f"device_name must be a string, got {type(device_name).__name__}.")
    name = device_name.upper()
    if "H100" in name:
        if "NVL" in name:
            return None  # its own data sheet, not in the table
        return "H100 PCIe" if "PCIE" in name else "H100 SXM"
    for model in ("A100", "T4", "L4"):
        if re.search(rf"(?<![A-Z0-9]){model}(?![0-9])", name):
            return model
    return None


def matmul_precision(
    dtype: str, compute_capability: tuple[int, int], tf32_enabled: bool
) -> str | None:
    """Which row of a data sheet a matrix product runs at: 'fp32', 'tf32', 'fp16' or None.

    float16 runs on tensor cores from compute capability 7.0 (Volta, Turing: T4) on;
    bfloat16 only from 8.0 (Ampere) on. Below that neither has a tensor-core rate, and the
    answer is None: no data-sheet row applies (bfloat16 on a T4 runs, but slowly). float32
    runs as TF32 on Ampere and later GPUs (8.0 or more) unless TF32 was switched off, which
    TensorFlow does not do by default; on older GPUs it is plain FP32.
    """
    capability = tuple(compute_capability)
    if dtype in ("float16", "mixed_float16"):
        return "fp16" if capability >= (7, 0) else None
    if dtype in ("bfloat16", "mixed_bfloat16"):
        return "fp16" if capability >= (8, 0) else None
    if dtype != "float32":
        raise ValueError(f"Unknown dtype {dtype!r}: use float32, float16 or bfloat16.")
    return "tf32" if capability >= (8, 0) and tf32_enabled else "fp32"


def nominal_peak(device_name: str, precision: str | None) -> float | None:
    """Nominal TFLOP/s of a GPU at a precision, or None if not in the table (or no such mode).

    ``precision`` is what ``matmul_precision`` returns; None (no tensor-core rate) gives None.
    """
    if precision is None:
        return None
    if precision not in PRECISIONS:
        raise ValueError(f"Unknown precision {precision!r}: use one of {PRECISIONS}.")
    model = gpu_model(device_name)
    return None if model is None else NOMINAL_PEAKS[model][precision]
