"""Plots that several lessons share: learning curves, confusion matrices, image grids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator


def plot_history(history: Any, metrics: Sequence[str] = ("loss",), title: str = "") -> plt.Figure:
    """Training and validation curves of a Keras ``History`` (or its ``.history`` dict).

    One panel per metric; the validation curve is drawn when ``fit`` had validation data,
    so over-fitting shows as the two curves drifting apart.
    """
    logs = getattr(history, "history", history)
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise KeyError(f"History has no {missing}; it has {sorted(logs)}. Pass one of those.")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], label=f"training {metric}")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], label=f"validation {metric}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    y_true: Sequence[int],
    y_pred: Sequence[int],
    labels: Sequence[str] | None = None,
    title: str = "Confusion matrix",
) -> plt.Figure:
    """Counts of true (rows) against predicted (columns) classes, with the counts written in."""
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(6, 5))
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, display_labels=labels, ax=ax, colorbar=False, cmap="Blues"
    )
    ax.set_title(title)
    fig.tight_layout()
    return fig


def show_images(
    images: np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    cmap: str = "gray",
) -> plt.Figure:
    """A grid of images (N, H, W) or (N, H, W, C) with an optional title under each."""
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(
            f"Expected a non-empty batch of images (N, H, W[, C]), got shape {images.shape}."
        )
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"Got {len(images)} images but {len(titles)} titles.")
    ncols = min(ncols, len(images))
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols, 1.9 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap=cmap if images.ndim == 3 else None)
            if titles is not None:
                ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig


# --- text descriptions of figures (alt text), for readers who cannot see them ---------------

ALT_TEXT_ATTRIBUTE = "dlcourse_alt_text"
MAX_PANELS_DESCRIBED = 6  # a longer text tires more than it tells
MAX_TITLES_LISTED = 20


def set_alt_text(fig: plt.Figure, text: str) -> plt.Figure:
    """Give a figure its own description, used instead of the one derived from it.

    For a figure whose titles and labels do not say what it shows (a grid of pictures, a
    drawing), so that a reader using a screen reader is told what a sighted reader sees.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("The alt text must be a non-empty string that says what the figure shows.")
    setattr(fig, ALT_TEXT_ATTRIBUTE, " ".join(text.split()))
    return fig


def _clean(text: str) -> str:
    """A label as it reads aloud: one line, without the $ that mark mathematics."""
    return " ".join(text.replace("$", "").split())


def _kinds(ax: plt.Axes) -> list[str]:
    from matplotlib.collections import LineCollection, PathCollection, QuadMesh
    from matplotlib.contour import ContourSet
    from matplotlib.patches import Rectangle

    found = {
        "image": bool(ax.images),
        "line plot": bool(ax.lines) or any(isinstance(c, LineCollection) for c in ax.collections),
        "scatter plot": any(isinstance(c, PathCollection) for c in ax.collections),
        "bar chart": any(isinstance(p, Rectangle) for p in ax.patches),
        "colour map": any(isinstance(c, (QuadMesh, ContourSet)) for c in ax.collections),
    }
    return [kind for kind, present in found.items() if present]


def _describe_axes(ax: plt.Axes) -> str:
    titles = [_clean(ax.get_title(loc)) for loc in ("left", "center", "right")]
    parts = [f"'{title}'" for title in titles if title]
    x, y = _clean(ax.get_xlabel()), _clean(ax.get_ylabel())
    if x and y:
        parts.append(f"{y} against {x}")
    elif x or y:
        parts.append(f"x: {x}" if x else f"y: {y}")
    parts.extend(_kinds(ax))
    legend = ax.get_legend()
    entries = [_clean(t.get_text()) for t in legend.get_texts()] if legend else []
    if any(entries):
        parts.append("legend: " + ", ".join(e for e in entries if e))
    return "; ".join(parts) or "empty"


def describe_figure(fig: plt.Figure) -> str:
    """A figure in words, for its alt text: titles, axis labels, legends, panels, plot kinds.

    A screen reader reads this where a sighted reader sees the picture. It is derived from
    what the figure says about itself, so a figure with titles and labelled axes describes
    itself well; ``set_alt_text`` gives one that does not its own words.
    """
    given = getattr(fig, ALT_TEXT_ATTRIBUTE, None)
    if given:
        return given
    panels = [
        ax
        for ax in fig.axes
        if ax.get_visible() and ax.get_label() != "<colorbar>" and (ax.has_data() or ax.axison)
    ]
    suptitle = _clean(fig.get_suptitle())
    head = "Figure" + (f" '{suptitle}'" if suptitle else "")
    if not panels:
        sentences = [f"{head} with nothing drawn in it."]
    elif len(panels) == 1:
        sentences = [f"{head}: {_describe_axes(panels[0])}."]
    elif all(_kinds(ax) == ["image"] and not ax.axison for ax in panels):  # a grid of pictures
        titles = [_clean(ax.get_title()) for ax in panels]
        named = f", titled: {', '.join(titles[:MAX_TITLES_LISTED])}" if any(titles) else ""
        if any(titles) and len(titles) > MAX_TITLES_LISTED:
            named += f" and {len(titles) - MAX_TITLES_LISTED} more"
        sentences = [f"{head} with a grid of {len(panels)} images{named}."]
    else:
        sentences = [f"{head} with {len(panels)} panels."]
        for number, ax in enumerate(panels[:MAX_PANELS_DESCRIBED], 1):
            sentences.append(f"Panel {number}: {_describe_axes(ax)}.")
        if len(panels) > MAX_PANELS_DESCRIBED:
            sentences.append(f"{len(panels) - MAX_PANELS_DESCRIBED} more panels.")
    legends = [_clean(t.get_text()) for legend in fig.legends for t in legend.get_texts()]
    if any(legends):
        sentences.append("Legend: " + ", ".join(e for e in legends if e) + ".")
    return " ".join(sentences)


def _alt_text_bundle(fig: plt.Figure) -> tuple[dict, dict]:
    # No data of its own: IPython's PNG formatter still draws the image; this adds its metadata.
    return {}, {"image/png": {"alt": describe_figure(fig)}}


def describe_figures() -> bool:
    """Make every matplotlib figure shown in this notebook carry its description as alt text.

    Registers, on the running IPython's display formatter, a hook that adds output metadata
    ``{"image/png": {"alt": describe_figure(fig)}}`` to each figure displayed; the course's
    website writes it into the page's ``<img alt="...">``. It only adds metadata, so figures
    look exactly as before. Returns False, and does nothing, outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python without IPython installed
        return False
    shell = get_ipython()
    if shell is None:
        return False
    from matplotlib.figure import Figure

    shell.display_formatter.mimebundle_formatter.for_type(Figure, _alt_text_bundle)
    return True
