"""Lesson 07: the yardsticks: what a device really does, and what its data sheet promises.

``matmul_peak`` measures the FLOP/s of large matrix products (the best case for a dense
network), ``memory_bandwidth`` the GB/s a device streams through memory; their ratio is the
device's ridge point (FLOPs per byte). ``NOMINAL_PEAKS`` holds what vendors print, and
``matmul_precision`` says which of its rows a product runs at.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.timing.clock import Clock, _positive, _whole, interleave
from helpers.timing.devices import _device_scope, _scoped, on_device

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
