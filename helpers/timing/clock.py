"""Lesson 07: the clock and how to read it: warm-up, waiting for results, runs sized by time.

``time_call`` times one function; ``autorange`` finds how many steps make a run long enough;
``interleave`` times several configurations against each other in shuffled rounds. Every
timed region has its result read back to the host (``to_host``) before the clock stops, with
the garbage collector off, and returns a ``Timing``: the seconds of each run and what one run
did.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

Clock = Callable[[], float]


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


def _step_counts(max_steps: int) -> Iterator[int]:
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
