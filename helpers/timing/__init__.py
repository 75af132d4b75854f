"""Lesson 07: time computations as a performance engineer would, on any device TensorFlow sees.

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

One module per concern, every name importable from ``helpers.timing`` itself:

==============  ==============================================================================
``clock``       ``Timing``, ``time_call``, ``autorange``, ``interleave``, ``to_host``
``devices``     ``require_tensorflow``, ``on_device``, ``cpu_details``, ``gpu_details``,
                ``nvidia_smi``, ``devices_to_measure``
``peaks``       ``matmul_peak``, ``memory_bandwidth``, ``NOMINAL_PEAKS``, ``gpu_model``,
                ``matmul_precision``, ``nominal_peak``, ``nominal_peaks_table``
``loops``       ``LOOPS``: a training step run four ways (``train_on_batch``, compiled, XLA,
                its matrix products alone)
``sweeps``      ``train_step_sweep``, ``update_timing``, ``fit_images_per_s``,
                ``time_breakdown``, ``speedup_table``
``plotting``    ``plot_sweep``
==============  ==============================================================================
"""

from helpers.timing.clock import Clock, Timing, autorange, interleave, time_call, to_host
from helpers.timing.devices import (
    cpu_details,
    devices_to_measure,
    gpu_details,
    nvidia_smi,
    on_device,
    require_tensorflow,
)
from helpers.timing.loops import LOOPS
from helpers.timing.peaks import (
    NOMINAL_PEAKS,
    PRECISIONS,
    gpu_model,
    matmul_peak,
    matmul_precision,
    memory_bandwidth,
    nominal_peak,
    nominal_peaks_table,
)
from helpers.timing.plotting import plot_sweep
from helpers.timing.sweeps import (
    fit_images_per_s,
    speedup_table,
    time_breakdown,
    train_step_sweep,
    update_timing,
)

__all__ = [
    "LOOPS",
    "NOMINAL_PEAKS",
    "PRECISIONS",
    "Clock",
    "Timing",
    "autorange",
    "cpu_details",
    "devices_to_measure",
    "fit_images_per_s",
    "gpu_details",
    "gpu_model",
    "interleave",
    "matmul_peak",
    "matmul_precision",
    "memory_bandwidth",
    "nominal_peak",
    "nominal_peaks_table",
    "nvidia_smi",
    "on_device",
    "plot_sweep",
    "require_tensorflow",
    "speedup_table",
    "time_breakdown",
    "time_call",
    "to_host",
    "train_step_sweep",
    "update_timing",
]
