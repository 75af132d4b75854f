"""Time computations the way a performance engineer would, on any device TensorFlow sees.

Four rules, each one a mistake that makes a timing wrong:

* **Warm-up first.** The first call of a compiled function traces its graph and allocates
  memory; it is not what later calls cost. ``time_call`` runs ``warmup`` untimed calls.
* **Wait for the work.** On a GPU an operation returns as soon as it is *queued*; the
  clock must stop only once the result exists. ``time_call`` reads every result back to
  the host (``to_host``) before it stops the clock.
* **Repeat.** One run is an anecdote: ``time_call`` reports the median of ``repeats`` runs
  with their minimum and maximum, and the rate (items per second) at the median.
* **Time the computation, not the input pipeline.** ``train_step_sweep`` puts a batch on
  the device once and then times optimizer steps on it.

``matmul_peak`` measures what a device really does on a large matrix product, the best
case for a dense network; ``NOMINAL_PEAKS`` holds what vendors print on data sheets.
"""

from __future__ import annotations

import contextlib
import math
import re
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs (warm-up excluded) and the items each run did."""

    seconds: tuple[float, ...]
    items: float = 1

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
    def rate(self) -> float:
        """Items per second at the median time."""
        return self.items / self.median

    @property
    def rate_range(self) -> tuple[float, float]:
        """Items per second of the slowest and of the fastest run."""
        return self.items / self.slowest, self.items / self.fastest

    def __str__(self) -> str:
        low, high = self.rate_range
        return (
            f"median {self.median * 1e3:.3g} ms (min {self.fastest * 1e3:.3g}, "
            f"max {self.slowest * 1e3:.3g}) over {len(self.seconds)} runs | "
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


def time_call(
    fn: Callable[[], Any],
    *,
    items: float = 1,
    repeats: int = 5,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
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
    if not (isinstance(items, (int, float, np.number)) and np.isfinite(items) and items > 0):
        raise ValueError(f"items must be a positive number, got {items!r}.")
    for _ in range(warmup):
        to_host(fn())
    seconds = []
    for _ in range(repeats):
        start = clock()
        to_host(fn())
        seconds.append(clock() - start)
    return Timing(tuple(seconds), items)


def _device_scope(device: str | None):
    if device is None:
        return contextlib.nullcontext()
    import tensorflow as tf

    return tf.device(device)


def _on_device(array: Any, dtype: str | None = None):
    """A tensor that lives on the current device (``tf.identity`` runs there and keeps it)."""
    import tensorflow as tf

    return tf.identity(tf.convert_to_tensor(array, dtype=dtype))


def matmul_peak(
    sizes: Sequence[int] = (1024, 2048, 4096),
    *,
    dtype: str = "float32",
    device: str | None = None,
    repeats: int = 5,
    warmup: int = 1,
    products: int = 1,
) -> pd.DataFrame:
    """FLOP/s of square ``n x n`` matrix products on one device: the practical peak.

    A product of two ``n x n`` matrices takes ``n**3`` multiply-adds, ``2 n**3`` FLOPs.
    Large products keep every core (or GPU unit) busy with little memory traffic per
    operation, so the best row of this table is close to the most the device can do.
    One timed run computes ``products`` products in a row and then reads one element of
    the last back; on a GPU, where one product takes well under a millisecond, several
    products per run keep the fixed cost of launching and reading back out of the rate.
    Returns one row per size: ``size``, ``median_s`` (per run), ``gflops`` (at the
    median), ``gflops_min`` and ``gflops_max`` (slowest and fastest run).
    """
    import tensorflow as tf

    if not sizes:
        raise ValueError("sizes is empty: give matrix sizes such as (1024, 2048).")
    products = _whole("products", products, 1)
    rows = []
    for n in sizes:
        n = _whole("every size", n, 1)
        with _device_scope(device):
            generator = tf.random.Generator.from_seed(n)
            a = tf.cast(generator.normal((n, n)), dtype)
            b = tf.cast(generator.normal((n, n)), dtype)

            def run(a=a, b=b):
                for _ in range(products):
                    c = tf.matmul(a, b)
                # One element read back: cheap to copy, and it cannot exist before the
                # product (and, on a GPU's queue, every product before it) is done.
                return c[0, 0]

            timing = time_call(run, items=products * 2 * n**3, repeats=repeats, warmup=warmup)
        low, high = timing.rate_range
        rows.append(
            {
                "size": n,
                "median_s": timing.median,
                "gflops": timing.rate / 1e9,
                "gflops_min": low / 1e9,
                "gflops_max": high / 1e9,
            }
        )
    return pd.DataFrame(rows)


def train_step_sweep(
    build_model: Callable[[], Any],
    x: Any,
    y: Any,
    batch_sizes: Sequence[int],
    *,
    flops_per_sample: float | None = None,
    samples_per_repeat: int = 4096,
    repeats: int = 5,
    warmup: int = 1,
    device: str | None = None,
) -> pd.DataFrame:
    """Training throughput of a compiled Keras model against the batch size.

    ``build_model()`` must return a freshly compiled model (the sweep trains it, so do not
    pass the model you want to keep). For each batch size ``b`` the first ``b`` rows of
    ``x, y`` are put on the device once; one timed run is ``ceil(samples_per_repeat / b)``
    calls of ``model.train_on_batch`` (one optimizer step each, results returned to the
    host), so every batch size processes about the same number of samples. The first
    call at a new batch size traces a new graph: that is what ``warmup`` absorbs.

    Returns one row per batch size: ``batch_size``, ``steps`` (per run), ``step_ms``
    (median time per step), ``samples_per_s`` with ``samples_per_s_min`` and
    ``samples_per_s_max``, and with ``flops_per_sample`` also ``gflops`` (achieved, at
    the median), ``gflops_min`` and ``gflops_max``.
    """
    if not callable(build_model):
        raise TypeError("build_model must be a function that returns a new compiled model.")
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}: give one label per sample.")
    sizes = [_whole("every batch size", b, 1) for b in batch_sizes]
    if not sizes:
        raise ValueError("batch_sizes is empty: give e.g. (32, 128, 512).")
    if max(sizes) > len(x):
        raise ValueError(
            f"The largest batch size ({max(sizes)}) exceeds the {len(x)} samples given: "
            "pass more data or smaller batch sizes."
        )
    if not np.all(np.isfinite(x[: max(sizes)])):
        raise ValueError("x contains nan or inf: a timing on such data is meaningless.")
    samples_per_repeat = _whole("samples_per_repeat", samples_per_repeat, 1)
    rows = []
    with _device_scope(device):
        model = build_model()
        if not getattr(model, "compiled", False):
            raise ValueError("build_model() returned a model that is not compiled: compile it.")
        for b in sizes:
            xb, yb = _on_device(x[:b]), _on_device(y[:b])
            steps = math.ceil(samples_per_repeat / b)

            def run(xb=xb, yb=yb, steps=steps):
                for _ in range(steps):
                    loss = model.train_on_batch(xb, yb)
                return loss

            timing = time_call(run, items=b * steps, repeats=repeats, warmup=warmup)
            low, high = timing.rate_range
            row = {
                "batch_size": b,
                "steps": steps,
                "step_ms": timing.median / steps * 1e3,
                "samples_per_s": timing.rate,
                "samples_per_s_min": low,
                "samples_per_s_max": high,
            }
            if flops_per_sample is not None:
                row["gflops"] = timing.rate * flops_per_sample / 1e9
                row["gflops_min"] = low * flops_per_sample / 1e9
                row["gflops_max"] = high * flops_per_sample / 1e9
            rows.append(row)
    return pd.DataFrame(rows)


def plot_sweep(
    sweeps: Mapping[str, pd.DataFrame],
    peaks: Mapping[str, float] | None = None,
    title: str = "",
) -> plt.Figure:
    """Throughput (and achieved GFLOP/s, if measured) against batch size, one line per device.

    Error bars span the slowest and fastest run; dashed lines mark each device's measured
    matmul peak (``peaks``: device label to GFLOP/s).
    """
    if not sweeps:
        raise ValueError("Nothing to plot: pass {'device label': train_step_sweep(...)}.")
    with_flops = all("gflops" in table for table in sweeps.values())
    fig, axes = plt.subplots(1, 2 if with_flops else 1, figsize=(11 if with_flops else 6, 4))
    axes = np.atleast_1d(axes)
    for label, table in sweeps.items():
        columns = [("samples_per_s", "samples per second")]
        if with_flops:
            columns.append(("gflops", "achieved GFLOP/s"))
        for ax, (column, ylabel) in zip(axes, columns, strict=False):
            middle = table[column].to_numpy()
            error = [middle - table[f"{column}_min"], table[f"{column}_max"] - middle]
            ax.errorbar(table["batch_size"], middle, yerr=error, marker="o", capsize=3, label=label)
            ax.set_xscale("log", base=2)
            ax.set_xlabel("batch size")
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
    if with_flops and peaks:
        order = list(sweeps)
        for label, peak in peaks.items():
            colour = f"C{order.index(label)}" if label in order else "grey"
            axes[1].axhline(peak, linestyle="--", color=colour, label=f"{label}: matmul peak")
    for ax in axes:
        ax.legend(fontsize=8)
    axes[0].set_title("Training throughput (median, min to max)")
    if with_flops:
        axes[1].set_title("Achieved FLOP/s against the measured peak")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


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


def matmul_precision(dtype: str, compute_capability: tuple[int, int], tf32_enabled: bool) -> str:
    """Which row of a data sheet a matrix product runs at: 'fp32', 'tf32' or 'fp16'.

    float16 and bfloat16 run on tensor cores ('fp16'). float32 runs as TF32 on Ampere and
    later GPUs (compute capability 8.0 or more) unless TF32 was switched off, which
    TensorFlow does not do by default; on older GPUs it is plain FP32.
    """
    if dtype in ("float16", "bfloat16", "mixed_float16", "mixed_bfloat16"):
        return "fp16"
    if dtype != "float32":
        raise ValueError(f"Unknown dtype {dtype!r}: use float32, float16 or bfloat16.")
    return "tf32" if tuple(compute_capability) >= (8, 0) and tf32_enabled else "fp32"


def nominal_peak(device_name: str, precision: str) -> float | None:
    """Nominal TFLOP/s of a GPU at a precision, or None if not in the table (or no such mode)."""
    if precision not in PRECISIONS:
        raise ValueError(f"Unknown precision {precision!r}: use one of {PRECISIONS}.")
    model = gpu_model(device_name)
    return None if model is None else NOMINAL_PEAKS[model][precision]


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
