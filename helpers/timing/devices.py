"""Lesson 07: the devices: where work runs (TensorFlow's placement) and what the machine is.

``require_tensorflow`` refuses other Keras backends with a clear message; ``on_device`` puts an
array on a device once. ``cpu_details``, ``gpu_details`` and ``nvidia_smi`` say what a reader
of "% of peak" needs to know about the processors; ``devices_to_measure`` picks the CPU and
the first GPU.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from typing import Any


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


def _device_scope(device: str | None) -> contextlib.AbstractContextManager:
    if device is None:
        return contextlib.nullcontext()
    import tensorflow as tf

    return tf.device(device)


def on_device(array: Any, device: str | None = None, dtype: str | None = None) -> Any:
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
