"""Lesson 07: the plot of a sweep: throughput and achieved FLOP/s against the batch size."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

_LOOP_STYLES = {
    "train_on_batch": ("o", "-"),
    "compiled": ("s", "--"),
    "xla": ("D", "-."),
    "products": ("^", ":"),
}  # (marker, line style) of each of helpers.timing.loops.LOOPS


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
