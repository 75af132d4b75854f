"""Exercise checkers of lesson 06."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import checks


def check_class_recall(answer: Any, cm: Any, label: int) -> checks.Feedback:
    """``answer``: the share of the images of class ``label`` that the confusion matrix
    ``cm`` (rows: true class, columns: predicted class) counts as correctly classified."""
    cm = np.asarray(cm, dtype=float)
    return checks.check_value(
        answer,
        cm[label, label] / cm[label].sum(),
        rtol=1e-9,
        hint="Row `label` of cm counts every image that really is that digit; the one cell"
        " of that row on the diagonal counts those read correctly.",
    )


def check_worst_confusion(answer: Any, cm: Any) -> checks.Feedback:
    """``answer = (true, predicted)``: a most frequent mistake in ``cm`` (ties all count)."""
    cm = np.asarray(cm)
    mistakes = cm - np.diag(np.diag(cm))
    hint = (
        "The mistakes are the off-diagonal cells of cm: set the diagonal to 0 (a copy) and"
        " look for the largest cell; np.unravel_index turns a flat argmax into (row, column)."
    )
    if answer is None or answer is Ellipsis:
        print(checks.TODO)
        return checks.Feedback(False)
    try:
        true, predicted = (int(d) for d in answer)
    except (TypeError, ValueError):
        return checks.check_true(False, hint="Enter a tuple of two digits, (true, predicted).")
    valid = 0 <= true < len(cm) and 0 <= predicted < len(cm) and true != predicted
    return checks.check_true(valid and mistakes[true, predicted] == mistakes.max(), hint=hint)
