"""Automatic feedback for exercises: say whether an answer is right, give a hint if not.

A check never prints the expected answer: the hint says where to look instead. Every
check prints its verdict and returns a ``Feedback`` that is truthy when the answer is right
(so a solution cell can ``assert`` it); it never raises on a wrong or missing answer, so a
notebook with unanswered exercises still runs top to bottom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

RIGHT = "✅ Correct!"
WRONG = "❌ Not yet."
TODO = "✏️  Not answered yet: replace the `...` with your answer, then run this cell again."


class Feedback:
    """The verdict of a check: truthy when right. Jupyter shows nothing more for it, because
    the check has already printed its message."""

    def __init__(self, ok: bool) -> None:
        self.ok = ok

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"Feedback(ok={self.ok})"

    def _ipython_display_(self) -> None:
        """Display nothing: an exercise cell ending in a check would otherwise echo True/False."""


def _unanswered(answer: Any) -> bool:
    return answer is None or answer is Ellipsis


def _report(ok: bool, hint: str, detail: str = "") -> Feedback:
    if ok:
        print(RIGHT)
    else:
        print(f"{WRONG} {detail}".rstrip())
        print(f"   Hint: {hint}")
    return Feedback(ok)


def _close(answer: Any, expected: Any, rtol: float, atol: float) -> tuple[bool, str]:
    """Compare numbers or arrays; the detail names the shape or dtype problem, not the value."""
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return False, f"Expected a number or an array of numbers, got {type(answer).__name__}."
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        return False, f"Your answer has shape {got.shape}, the expected one has {want.shape}."
    if not np.all(np.isfinite(got)):
        return False, "Your answer contains nan or inf."
    return bool(np.allclose(got, want, rtol=rtol, atol=atol)), ""


def check_value(
    answer: Any, expected: Any, *, hint: str, rtol: float = 1e-4, atol: float = 1e-8
) -> Feedback:
    """Check a number or array against the expected one within a tolerance."""
    if _unanswered(answer):
        print(TODO)
        return Feedback(False)
    ok, detail = _close(answer, expected, rtol, atol)
    return _report(ok, hint, detail)


def check_choice(answer: Any, expected: Any, *, hint: str) -> Feedback:
    """Check a multiple-choice answer (a letter, a word or a set of them), case-insensitively."""
    if _unanswered(answer):
        print(TODO)
        return Feedback(False)

    def normal(value: Any) -> Any:
        if isinstance(value, str):
            return value.strip().lower()
        if isinstance(value, Iterable):
            return frozenset(normal(v) for v in value)
        return value

    return _report(normal(answer) == normal(expected), hint)


def check_function(
    function: Callable[..., Any],
    reference: Callable[..., Any],
    inputs: Iterable[tuple],
    *,
    hint: str,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> Feedback:
    """Call the learner's function and the reference on the same inputs and compare results.

    Each item of ``inputs`` is a tuple of positional arguments. The first input on which the
    two disagree is named (its shape, not the expected output), so the learner can reproduce it.
    """
    if _unanswered(function):
        print(TODO)
        return Feedback(False)
    for number, args in enumerate(inputs, start=1):
        try:
            got = function(*args)
        except NotImplementedError:
            print(TODO)
            return Feedback(False)
        except Exception as error:  # the learner's code may fail in any way: report it
            return _report(
                False, hint, f"Test input {number} raised {type(error).__name__}: {error}"
            )
        ok, detail = _close(got, reference(*args), rtol, atol)
        if not ok:
            shapes = ", ".join(str(np.shape(a)) for a in args)
            return _report(
                False, hint, f"Test input {number} (argument shapes {shapes}) differs. {detail}"
            )
    return _report(True, hint)


def check_true(condition: bool, *, hint: str) -> Feedback:
    """Check a property the learner's result must have (e.g. 'the loss went down')."""
    return _report(bool(condition), hint)
