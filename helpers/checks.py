"""Automatic feedback for exercises: say whether an answer is right, give a hint if not.

A check never prints the expected answer: the hint says where to look instead. Every
check prints its verdict and returns a ``Feedback`` that is truthy when the answer is right
(so a solution cell can ``assert`` it); it never raises on a wrong or missing answer, so a
notebook with unanswered exercises still runs top to bottom.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

RIGHT = "✅ Correct!"
WRONG = "❌ Not yet."
TODO = "✏️  Not answered yet: replace the `...` with your answer, then run this cell again."
TODO_CODE = (
    "✏️  Not answered yet: replace `raise NotImplementedError` with your code, then run this"
    " cell again."
)


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

    got, want = normal(answer), normal(expected)
    if isinstance(got, str) and isinstance(want, frozenset):
        got = frozenset({got})  # one word for a question whose answer is a set
    return _report(got == want, hint)


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
        except NotImplementedError:  # the stub as given: its body is still to be written
            print(TODO_CODE)
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


_SALT = "dlcourse-answer:"


def _canonical(value: Any, decimals: int | None) -> str:
    """One spelling per answer: words stripped and lower-cased, numbers rounded, sets sorted.

    A one-element array counts as its number; a whole number may carry float noise
    (5119.9999999 is 5120); a number that rounds to zero is "0", never "-0".
    """
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (set, frozenset, list, tuple)):
        return "{" + ",".join(sorted(_canonical(v, decimals) for v in value)) + "}"
    number = float(value)
    if decimals is None:
        nearest = round(number) if np.isfinite(number) else number
        if not np.isfinite(number) or abs(number - nearest) > 1e-9 * max(1.0, abs(number)):
            raise ValueError(f"this question wants a whole number, and {value!r} is not one.")
        return str(int(nearest))
    return f"{round(number, decimals) + 0.0:.{decimals}f}"  # + 0.0 turns -0.0 into 0.0


def answer_digest(answer: Any, decimals: int | None = None, *, exercise: str) -> str:
    """The salted fingerprint that a hidden-answer check compares against.

    An exercise stores only this digest, so reading the cell does not give the answer away.
    The salt holds the exercise's id (lesson and number, e.g. ``"06.4"``), so two exercises
    with the same answer ("b", 8, ...) have different digests and one solved exercise gives
    no other away. Authors compute it once: ``python -c "from helpers.checks import
    answer_digest as d; print(d(0.4256, decimals=3, exercise='05.2'))"``.
    """
    text = f"{_SALT}{_exercise_id(exercise)}:{_canonical(answer, decimals)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _exercise_id(exercise: Any) -> str:
    if not isinstance(exercise, str) or not re.fullmatch(r"\d\d\.\d+", exercise):
        raise ValueError(
            f"exercise must be the lesson and the exercise's number, e.g. '06.4'; got {exercise!r}."
        )
    return exercise


def check_digest(
    answer: Any,
    digest: str | Iterable[str],
    *,
    exercise: str,
    hint: str,
    decimals: int | None = None,
) -> Feedback:
    """Check an answer against a stored digest (see ``answer_digest``), never the answer itself.

    ``digest`` may also be several digests, one per acceptable answer (e.g. two losses that
    both fit a problem). ``exercise`` is the id the digests were made with (``"06.4"``).

    Whole numbers, words and sets compare exactly (case and order ignored); a single word
    also matches a set of that one word. With ``decimals``
    a number is rounded to that many places and one unit of the last place either way is
    accepted, so 0.4256 asked "to 3 decimals" passes as 0.425, 0.426 or 0.427.
    """
    _exercise_id(exercise)  # a wrong id is the author's mistake: say so before anything else
    if _unanswered(answer):
        print(TODO)
        return Feedback(False)
    try:
        if decimals is None:
            candidates = [answer_digest(answer, exercise=exercise)]
            if isinstance(answer, str):  # one word for a question whose answer is a set
                candidates.append(answer_digest({answer}, exercise=exercise))
        else:
            number, unit = float(answer), 10.0**-decimals
            if not np.isfinite(number):
                return _report(False, hint, "Your answer is nan or inf.")
            candidates = [
                answer_digest(number + k * unit, decimals, exercise=exercise) for k in (-1, 0, 1)
            ]
    except (TypeError, ValueError) as error:
        return _report(False, hint, f"Could not read your answer: {error}")
    accepted = {digest} if isinstance(digest, str) else set(digest)
    return _report(not accepted.isdisjoint(candidates), hint)


def check_true(condition: bool, *, hint: str) -> Feedback:
    """Check a property the learner's result must have (e.g. 'the loss went down')."""
    return _report(bool(condition), hint)
