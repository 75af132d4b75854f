"""What several lessons' checkers share: label checks, reading a number, spotting library code."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import checks


def labels(y: Any, name: str) -> np.ndarray:
    """0/1 labels as a 1-D int array; a clear error for anything else (a bug of the lesson)."""
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.size == 0 or not np.isin(labels, (0, 1)).all():
        raise ValueError(f"{name} must be a non-empty 1-D array of 0/1 labels.")
    return labels.astype(int)


def borrowed(function: Any, *names: str) -> bool:
    """True (and says so) when the learner passed the library's own function, not theirs."""
    module = getattr(function, "__module__", "") or ""
    name = getattr(function, "__name__", "")
    # NumPy's ufuncs (np.tanh) carry no __module__ before NumPy 2: recognise them by their type
    library = isinstance(function, np.ufunc) or module.startswith(("helpers", "numpy"))
    if name in names and library:
        print(f"{checks.WRONG} That is the library's own `{name}`: write your own function.")
        return True
    return False


def number(answer: Any, *inputs: Any, hint: str) -> float | checks.Feedback:
    """``answer`` as a float, or the ``Feedback`` for the checker to return instead.

    When ``answer`` (or one of the learner's other ``inputs``, such as a table they had to
    compute) is still ``...`` or None, that is the "not answered yet" note; when ``answer`` is
    not a number, ``hint`` (say what kind of answer is asked for).
    """
    if any(value is None or value is Ellipsis for value in (answer, *inputs)):
        print(checks.TODO)
        return checks.Feedback(False)
    try:
        return float(answer)
    except (TypeError, ValueError):
        return checks.check_true(False, hint=hint)
