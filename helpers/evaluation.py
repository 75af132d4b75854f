"""Honest evaluation of binary classifiers: stratified splits, per-class metrics, thresholds.

Conventions used throughout: labels are 0/1 with 1 the *positive* class (the one we care
about, e.g. "churns"); a score is the model's probability of class 1; a threshold ``t``
predicts class 1 when ``score >= t``. The threshold is a modelling choice, so it is chosen
on validation data and only then applied, once, to the test data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.model_selection import train_test_split


def _labels(y_true: Any) -> np.ndarray:
    """0/1 labels as a 1-D int array, or a clear error."""
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"Expected a non-empty 1-D array of labels, got shape {y.shape}.")
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise ValueError(
            f"Labels must be 0/1 (1 = positive class), got values {sorted(values, key=str)[:5]}."
            " Encode them first, e.g. (y == 'Yes').astype(int)."
        )
    return y.astype(int)


def _scores(y_score: Any, n: int) -> np.ndarray:
    """Scores as a 1-D float array of length ``n``; a Keras (n, 1) output is accepted."""
    s = np.asarray(y_score, dtype=float)
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim != 1 or len(s) != n:
        raise ValueError(
            f"Expected {n} scores (one probability per label), got shape {s.shape}."
            " For a two-column predict_proba output pass its column 1."
        )
    if not np.all(np.isfinite(s)):
        raise ValueError("Scores contain nan or inf: check the model's predictions.")
    return s


def train_val_test_split(
    X: Any, y: Any, val_size: float = 0.2, test_size: float = 0.2, seed: int = 42
) -> tuple:
    """Split into training, validation and test parts, each with the class rates of ``y``.

    ``val_size`` and ``test_size`` are fractions of *all* rows (0.2 and 0.2 give 60/20/20).
    Stratifying keeps a 27 % minority class at ~27 % in every part, so the three parts
    measure the same problem. Returns ``X_train, X_val, X_test, y_train, y_val, y_test``.
    """
    for name, size in (("val_size", val_size), ("test_size", test_size)):
        if not 0 < size < 1:
            raise ValueError(f"{name} must be a fraction between 0 and 1, got {size}.")
    if val_size + test_size >= 1:
        raise ValueError(
            f"val_size + test_size = {val_size + test_size} leaves no training rows: keep it < 1."
        )
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}: they must match row for row.")
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val_size / (1 - test_size), stratify=y_rest, random_state=seed
    )
    return X_train, X_val, X_test, y_train, y_val, y_test


def per_class_table(
    y_true: Any,
    y_score: Any,
    threshold: float = 0.5,
    class_names: Sequence[str] = ("negative", "positive"),
) -> pd.DataFrame:
    """Precision, recall, F1 and support of each class at ``threshold``, plus ROC-AUC and PR-AUC.

    The AUCs do not depend on the threshold. ROC-AUC is the same for both classes (swapping
    them mirrors the curve); PR-AUC is each class's own average precision, with that class's
    rate as its chance level, which makes it the more telling number for a rare class.
    """
    y = _labels(y_true)
    s = _scores(y_score, len(y))
    if len(class_names) != 2:
        raise ValueError(f"Give two class names (for 0 and 1), got {list(class_names)}.")
    predicted = (s >= threshold).astype(int)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y, predicted, labels=[0, 1], zero_division=0
    )
    table = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support},
        index=pd.Index(list(class_names), name=f"class (threshold {threshold:.2f})"),
    )
    table["roc_auc"] = metrics.roc_auc_score(y, s)
    table["pr_auc"] = [
        metrics.average_precision_score(1 - y, 1 - s),
        metrics.average_precision_score(y, s),
    ]
    return table


def binary_metrics(y_true: Any, y_score: Any, threshold: float = 0.5) -> dict[str, float]:
    """Headline numbers of one model at one threshold, focused on the positive class.

    One dict per model makes a comparison table: ``pd.DataFrame({name: binary_metrics(...)}).T``.
    """
    y = _labels(y_true)
    s = _scores(y_score, len(y))
    if not 0 <= threshold <= 1:  # also refuses nan
        raise ValueError(
            f"threshold must be between 0 and 1 (a probability), got {threshold}: e.g. 0.5, not 50."
        )
    if s.min() < 0 or s.max() > 1:
        raise ValueError(
            f"Scores must be probabilities in [0, 1], got values from {s.min():.3g} to"
            f" {s.max():.3g}. If they are logits, pass keras.ops.sigmoid(logits) (or"
            " 1 / (1 + np.exp(-logits)))."
        )
    return {
        **_at_threshold(y, s, threshold),
        "roc_auc": metrics.roc_auc_score(y, s),
        "pr_auc": metrics.average_precision_score(y, s),
    }


def _at_threshold(y: np.ndarray, s: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = (s >= threshold).astype(int)
    return {
        "threshold": float(threshold),
        "accuracy": metrics.accuracy_score(y, predicted),
        "precision": metrics.precision_score(y, predicted, zero_division=0),
        "recall": metrics.recall_score(y, predicted, zero_division=0),
        "f1": metrics.f1_score(y, predicted, zero_division=0),
    }


def threshold_table(
    y_true: Any, y_score: Any, thresholds: Sequence[float] | None = None
) -> pd.DataFrame:
    """Accuracy, precision, recall and F1 of the positive class at each threshold.

    Lowering the threshold flags more rows as positive: recall rises, precision (usually)
    falls, and F1 peaks somewhere in between. Default thresholds: 0.01 to 0.99.
    """
    y = _labels(y_true)
    s = _scores(y_score, len(y))
    grid = np.round(np.arange(0.01, 1.0, 0.01), 2) if thresholds is None else thresholds
    return pd.DataFrame([_at_threshold(y, s, t) for t in grid]).set_index("threshold")


def choose_threshold(y_true: Any, y_score: Any) -> float:
    """The threshold that maximises the positive class's F1 on the data given.

    Pass *validation* labels and scores: choosing on test data would tune the model to the
    test set and make its test score optimistic. Every distinct score is a candidate, so the
    result is exact on this data; ties go to the highest threshold (fewest positives).
    """
    y = _labels(y_true)
    s = _scores(y_score, len(y))
    if y.min() == y.max():
        raise ValueError("Both classes must be present to choose a threshold for F1.")
    precision, recall, thresholds = metrics.precision_recall_curve(y, s)
    # precision[i], recall[i] belong to thresholds[i]; the final (1, 0) point has no threshold.
    p, r = precision[:-1], recall[:-1]
    f1 = np.divide(2 * p * r, p + r, out=np.zeros_like(p), where=(p + r) > 0)
    best = np.flatnonzero(f1 == f1.max())[-1]
    return float(thresholds[best])


def bootstrap_f1(
    y_true: Any,
    predictions: Mapping[str, Any],
    reference: str | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Positive-class F1 of several 0/1 predictions on the same rows, with 95 % intervals.

    The rows are resampled with replacement ``n_boot`` times (the same resamples for every
    model, so the comparison is paired); the interval is the 2.5th to 97.5th percentile of
    F1 over the resamples. With ``reference``, a second interval is given for each model's F1
    minus the reference model's: an interval that contains 0 means the data cannot tell the
    two apart. It measures the uncertainty of a finite test set, not the seed-to-seed spread
    of training, which comes on top.
    """
    y = _labels(y_true)
    if n_boot < 100:
        raise ValueError(f"n_boot={n_boot} is too few resamples for a 95 % interval; use >= 100.")
    if reference is not None and reference not in predictions:
        raise KeyError(f"reference {reference!r} is not one of {sorted(predictions)}.")
    index = np.random.default_rng(seed).integers(0, len(y), size=(n_boot, len(y)))
    truth = y[index]
    boot, point = {}, {}
    for name, prediction in predictions.items():
        predicted = _scores(prediction, len(y))
        if not np.isin(predicted, (0, 1)).all():
            raise ValueError(f"predictions[{name!r}] must hold 0/1 decisions, not scores.")
        point[name] = metrics.f1_score(y, predicted, zero_division=0)
        flagged = predicted[index] == 1
        tp = np.sum(flagged & (truth == 1), axis=1)
        wrong = np.sum(flagged != (truth == 1), axis=1)  # FP + FN
        boot[name] = np.divide(
            2 * tp, 2 * tp + wrong, out=np.zeros(n_boot), where=(2 * tp + wrong) > 0
        )
    table = pd.DataFrame(
        {
            "f1": point,
            "f1 low": {n: np.percentile(b, 2.5) for n, b in boot.items()},
            "f1 high": {n: np.percentile(b, 97.5) for n, b in boot.items()},
        }
    )
    if reference is not None:
        difference = {n: b - boot[reference] for n, b in boot.items()}
        table[f"minus {reference}: low"] = {n: np.percentile(d, 2.5) for n, d in difference.items()}
        table[f"minus {reference}: high"] = {
            n: np.percentile(d, 97.5) for n, d in difference.items()
        }
    return table


def plot_roc_pr(y_true: Any, scores: Mapping[str, Any], title: str = "") -> plt.Figure:
    """ROC curve and precision-recall curve of one or more models, AUCs in the legend.

    ``scores`` maps a model name to its scores on the same rows. The dashed lines are a
    model that guesses: the diagonal for ROC, the positive rate for precision-recall.
    """
    y = _labels(y_true)
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for name, score in scores.items():
        s = _scores(score, len(y))
        fpr, tpr, _ = metrics.roc_curve(y, s)
        roc_ax.plot(fpr, tpr, label=f"{name} (AUC {metrics.roc_auc_score(y, s):.3f})")
        precision, recall, _ = metrics.precision_recall_curve(y, s)
        ap = metrics.average_precision_score(y, s)
        pr_ax.plot(recall, precision, label=f"{name} (AP {ap:.3f})")
    roc_ax.plot([0, 1], [0, 1], "k--", lw=1, label="chance")
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate (recall)", title="ROC")
    pr_ax.axhline(y.mean(), color="k", ls="--", lw=1, label=f"chance ({y.mean():.2f})")
    pr_ax.set(xlabel="recall", ylabel="precision", title="Precision-recall", ylim=(0, 1.02))
    for ax in (roc_ax, pr_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_thresholds(
    y_true: Any, y_score: Any, chosen: float | None = None, title: str = ""
) -> plt.Figure:
    """Precision, recall, F1 and accuracy of the positive class against the threshold.

    Where no row is predicted positive, precision is undefined (0 / 0): the curve has a gap
    there instead of a misleading drop to 0.
    """
    table = threshold_table(y_true, y_score)
    s = _scores(y_score, len(_labels(y_true)))
    none_flagged = np.array([not np.any(s >= t) for t in table.index])
    table.loc[none_flagged, "precision"] = np.nan
    fig, ax = plt.subplots(figsize=(7, 4))
    for column in table.columns:
        ax.plot(table.index, table[column], label=column, ls=":" if column == "accuracy" else "-")
    ax.axvline(0.5, color="grey", lw=1, ls="--", label="0.5")
    if chosen is not None:
        ax.axvline(chosen, color="k", lw=1.5, label=f"chosen {chosen:.2f}")
    ax.set(xlabel="threshold (predict positive when score ≥ threshold)", ylabel="score")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or "The decision threshold trades precision for recall")
    fig.tight_layout()
    return fig
