"""Lesson 14: an interval on a score of consecutive, correlated days: the moving-block bootstrap.

Errors of a forecast on neighbouring days are alike, so resampling single days would pretend
to more independent evidence than there is and give an interval that is too narrow.
``block_bootstrap`` resamples runs of ``block`` consecutive days instead
(``moving_block_indices``), paired across forecasters, and returns an ``Interval``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np


class Interval(NamedTuple):
    """A statistic and the ends of its bootstrap interval."""

    estimate: float
    low: float
    high: float


def moving_block_indices(n: int, block: int, n_resamples: int, seed: int = 0) -> np.ndarray:
    """Row indices of ``n_resamples`` moving-block bootstrap samples of a series of ``n`` steps.

    Each sample (one row of the result, length ``n``) glues together blocks of ``block``
    consecutive positions whose starts are drawn uniformly from 0 .. n − block, and is cut to
    ``n``. Keeping neighbours together keeps the day-to-day correlation of errors that a
    day-by-day bootstrap would destroy (and with it, an interval that is too narrow).
    """
    for name, value in (("n", n), ("block", block), ("n_resamples", n_resamples)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}.")
    if block > n:
        raise ValueError(f"block ({block}) is longer than the series ({n}).")
    rng = np.random.default_rng(seed)
    blocks_per_sample = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(n_resamples, blocks_per_sample))
    return (starts[:, :, None] + np.arange(block)).reshape(n_resamples, -1)[:, :n]


def block_bootstrap(
    columns: Any,
    statistic: Callable[[np.ndarray], Any],
    *,
    block: int = 14,
    n_resamples: int = 2000,
    level: float = 0.9,
    seed: int = 0,
) -> Interval:
    """Percentile interval, by the moving-block bootstrap, of a statistic of column means.

    ``columns`` is (n, k): one row per time step, e.g. the absolute errors of two forecasters
    on the same days. Rows are resampled together (paired) in blocks of ``block`` steps.
    ``statistic`` maps column means, an array whose last axis has length k, to one number per
    leading index: MAE is the mean of absolute errors, so a gain ``lambda m: 1 - m[..., 0] /
    m[..., 1]`` or a difference ``lambda m: m[..., 0] - m[..., 1]`` is such a statistic.
    Returns the statistic on the original data and the central ``level`` interval.
    """
    values = np.asarray(columns, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or len(values) < 2:
        raise ValueError(f"columns must be (n, k) with n ≥ 2 time steps, got shape {values.shape}.")
    if not np.all(np.isfinite(values)):
        raise ValueError("columns contain NaN or inf: score the same, complete days for all.")
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1 (e.g. 0.9), got {level}.")
    estimate = float(statistic(values.mean(axis=0)))
    indices = moving_block_indices(len(values), block, n_resamples, seed)
    resampled = np.asarray(statistic(values[indices].mean(axis=1)), dtype=float)
    if resampled.shape != (n_resamples,):
        raise ValueError(
            "statistic must work on a stack of mean vectors (use m[..., 0], not m[0]) and "
            f"return one number each; got shape {resampled.shape}."
        )
    low, high = np.quantile(resampled, [(1 - level) / 2, (1 + level) / 2])
    return Interval(estimate, float(low), float(high))
