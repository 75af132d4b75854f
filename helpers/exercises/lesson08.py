"""Exercise checkers of lesson 08."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import checks
from helpers.exercises import common


def _counts(y_true: Any, p: Any, threshold: float) -> tuple[int, int, int]:
    y = common.labels(y_true, "y_true")
    flagged = np.asarray(p, dtype=float).reshape(-1) >= threshold
    return (
        int(np.sum(flagged & (y == 1))),
        int(np.sum(flagged & (y == 0))),
        int(np.sum(~flagged & (y == 1))),
    )


def check_precision_recall_f1(
    precision: Any, recall: Any, f1: Any, y_true: Any, p: Any, threshold: float
) -> checks.Feedback:
    """The positive class's precision, recall and F1 when flagging ``p >= threshold``."""
    tp, fp, fn = _counts(y_true, p, threshold)
    results = [
        checks.check_value(
            precision,
            tp / max(tp + fp, 1),
            hint="Of the customers flagged (TP + FP), the share who churned.",
        ),
        checks.check_value(
            recall,
            tp / max(tp + fn, 1),
            hint="Of the customers who churned (TP + FN), the share flagged.",
        ),
        checks.check_value(
            f1,
            2 * tp / max(2 * tp + fp + fn, 1),
            hint="The harmonic mean of precision and recall (section 5); or 2TP / (2TP + FP + FN).",
        ),
    ]
    return checks.Feedback(all(results))


def check_f1_at(function: Callable[..., Any], y_true: Any, p: Any) -> checks.Feedback:
    """``function(y_true, p, t)``: the positive class's F1 at threshold ``t``; 0 when there
    is no true positive (including when nothing is flagged)."""
    y = common.labels(y_true, "y_true")
    p = np.asarray(p, dtype=float).reshape(-1)

    def reference(yt, pt, t):
        tp, fp, fn = _counts(yt, pt, t)
        return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)

    cases = [
        (y, p, 0.5),
        (y, p, float(np.median(p))),
        (y, p, 0.2),
        (y, p, 1.01),  # nothing flagged: no true positive
        (np.zeros(4, int), np.array([0.9, 0.1, 0.8, 0.2]), 0.5),
    ]  # no churner at all
    return checks.check_function(
        function,
        reference,
        cases,
        hint="Count TP, FP, FN with boolean masks, then F1 = 2TP/(2TP+FP+FN); return 0 when"
        " TP is 0 (the formula would divide 0 by 0 when nothing is flagged and nobody churns).",
    )


def check_share_flagged(answer: Any, p: Any, threshold: float) -> checks.Feedback:
    """``answer``: the share of rows with ``p >= threshold``."""
    p = np.asarray(p, dtype=float).reshape(-1)
    return checks.check_value(
        answer,
        float(np.mean(p >= threshold)),
        rtol=1e-9,
        hint="The model calls a customer when the score is >= the threshold; the mean of a"
        " boolean array is the share of True values.",
    )
