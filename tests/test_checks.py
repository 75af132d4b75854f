"""Exercise feedback: right answers pass, wrong ones get the hint, the answer is never shown."""

import numpy as np
import pytest

from helpers import checks

HINT = "look at the sign"
EX = "99.1"  # the exercise id these tests salt their digests with


def test_value_right_and_wrong(capsys):
    assert checks.check_value(0.4256, 0.42555748, hint=HINT)
    assert checks.RIGHT in capsys.readouterr().out
    assert not checks.check_value(0.5, 0.42555748, hint=HINT)
    out = capsys.readouterr().out
    assert checks.WRONG in out and HINT in out and "0.4255" not in out


def test_unanswered_is_not_an_error(capsys):
    assert not checks.check_value(..., 1.0, hint=HINT)
    assert not checks.check_function(..., np.tanh, [(1.0,)], hint=HINT)
    assert not checks.check_choice(None, "a", hint=HINT)
    assert capsys.readouterr().out.count("Not answered yet") == 3


def test_value_shape_and_type_problems_are_named(capsys):
    assert not checks.check_value([1.0, 2.0], [1.0, 2.0, 3.0], hint=HINT)
    assert "shape (2,)" in capsys.readouterr().out
    assert not checks.check_value("abc", 1.0, hint=HINT)
    assert "got str" in capsys.readouterr().out
    assert not checks.check_value(np.nan, 1.0, hint=HINT)
    assert "nan" in capsys.readouterr().out


def test_choice_ignores_case_and_order():
    assert checks.check_choice(" B ", "b", hint=HINT)
    assert checks.check_choice(["ReLU", "tanh"], {"tanh", "relu"}, hint=HINT)
    assert not checks.check_choice("a", "b", hint=HINT)


def test_function_compared_on_every_input(capsys):
    inputs = [(np.array([0.0, 1.0]),), (np.array([-3.0, 30.0]),)]
    assert checks.check_function(np.tanh, np.tanh, inputs, hint=HINT)

    def wrong_for_large(x):
        return np.where(np.abs(x) > 10, 0.0, np.tanh(x))

    assert not checks.check_function(wrong_for_large, np.tanh, inputs, hint=HINT)
    assert "Test input 2" in capsys.readouterr().out


def test_function_that_raises_is_reported(capsys):
    def broken(x):
        raise ZeroDivisionError("oops")

    assert not checks.check_function(broken, np.tanh, [(1.0,)], hint=HINT)
    assert "ZeroDivisionError: oops" in capsys.readouterr().out


def test_function_not_implemented_counts_as_unanswered(capsys):
    def todo(x):
        raise NotImplementedError

    assert not checks.check_function(todo, np.tanh, [(1.0,)], hint=HINT)
    out = capsys.readouterr().out
    assert "Not answered yet" in out and "raise NotImplementedError" in out  # what to replace


def test_true(capsys):
    assert checks.check_true(3 < 4, hint=HINT)
    assert not checks.check_true(False, hint=HINT)
    assert HINT in capsys.readouterr().out


def test_feedback_is_truthy_and_displays_nothing_more():
    right, wrong = checks.check_true(True, hint=HINT), checks.check_true(False, hint=HINT)
    assert bool(right) is True and bool(wrong) is False
    assert repr(right) == "Feedback(ok=True)"
    assert right._ipython_display_() is None


def test_digest_hides_the_answer_and_accepts_it(capsys):
    digest = checks.answer_digest(0.4256, decimals=3, exercise=EX)
    assert "0.42" not in digest and len(digest) == 16
    for right in (0.4256, 0.426, 0.425, 0.427):
        assert checks.check_digest(right, digest, exercise=EX, hint=HINT, decimals=3), right
    for wrong in (0.43, -0.4256, 0.7, float("nan")):
        assert not checks.check_digest(wrong, digest, exercise=EX, hint=HINT, decimals=3), wrong
    assert "0.42" not in capsys.readouterr().out


def test_digest_of_words_sets_and_whole_numbers():
    assert checks.check_digest(
        " ReLU ", checks.answer_digest("relu", exercise=EX), exercise=EX, hint=HINT
    )
    assert checks.check_digest(
        ["b", "A"], checks.answer_digest({"a", "b"}, exercise=EX), exercise=EX, hint=HINT
    )
    assert checks.check_digest(
        7850, checks.answer_digest(7850, exercise=EX), exercise=EX, hint=HINT
    )
    assert not checks.check_digest(
        7851, checks.answer_digest(7850, exercise=EX), exercise=EX, hint=HINT
    )
    assert not checks.check_digest(
        ..., checks.answer_digest(1, exercise=EX), exercise=EX, hint=HINT
    )
    assert not checks.check_digest(
        "seven", checks.answer_digest(7, exercise=EX), exercise=EX, hint=HINT
    )
    assert not checks.check_digest(
        2.5, checks.answer_digest(2, exercise=EX), exercise=EX, hint=HINT
    )


def test_one_word_for_a_set_question():
    assert checks.check_digest(
        "Train", checks.answer_digest({"train"}, exercise=EX), exercise=EX, hint=HINT
    )
    assert not checks.check_digest(
        "test", checks.answer_digest({"train"}, exercise=EX), exercise=EX, hint=HINT
    )
    assert not checks.check_digest(
        "train", checks.answer_digest({"train", "test"}, exercise=EX), exercise=EX, hint=HINT
    )
    assert checks.check_choice("train", {"train"}, hint=HINT)
    assert not checks.check_choice("train", {"train", "test"}, hint=HINT)


def test_digest_with_several_right_answers():
    both = [checks.answer_digest("mae", exercise=EX), checks.answer_digest("huber", exercise=EX)]
    assert checks.check_digest("Huber", both, exercise=EX, hint=HINT)
    assert checks.check_digest("mae", both, exercise=EX, hint=HINT)
    assert not checks.check_digest("mse", both, exercise=EX, hint=HINT)


def test_digest_reads_answers_as_a_learner_writes_them(capsys):
    """Float noise on a whole number, a one-element array, and a rounded negative zero."""
    assert checks.check_digest(
        5119.999999999, checks.answer_digest(5120, exercise=EX), exercise=EX, hint=HINT
    )
    assert checks.check_digest(
        np.array([5120.0]), checks.answer_digest(5120, exercise=EX), exercise=EX, hint=HINT
    )
    assert checks.check_digest(
        np.float32(0.25),
        checks.answer_digest(0.25, 2, exercise=EX),
        exercise=EX,
        hint=HINT,
        decimals=2,
    )
    assert checks.answer_digest(-0.0004, decimals=3, exercise=EX) == checks.answer_digest(
        0.0, decimals=3, exercise=EX
    )
    capsys.readouterr()
    assert not checks.check_digest(
        353 / 32, checks.answer_digest(12, exercise=EX), exercise=EX, hint=HINT
    )
    out = capsys.readouterr().out
    assert "wants a whole number" in out and "decimals" not in out
    assert not checks.check_digest(
        float("inf"), checks.answer_digest(12, exercise=EX), exercise=EX, hint=HINT
    )


def test_the_same_answer_in_two_exercises_has_two_digests(capsys):
    """The salt holds the exercise: solving one "b" question gives no other "b" away."""
    here, there = (
        checks.answer_digest("b", exercise="06.4"),
        checks.answer_digest("b", exercise="07.4"),
    )
    assert here != there
    assert checks.check_digest("b", here, exercise="06.4", hint=HINT)
    assert not checks.check_digest("b", here, exercise="07.4", hint=HINT)
    assert checks.answer_digest(8, exercise="11.2") != checks.answer_digest(8, exercise="05.1")


@pytest.mark.parametrize("exercise", ["6.4", "06", "06.x", "lesson 6", None, 6.4])
def test_a_malformed_exercise_id_is_explained(exercise):
    with pytest.raises(ValueError, match="e.g. '06.4'"):
        checks.answer_digest(1, exercise=exercise)
    with pytest.raises(ValueError, match="e.g. '06.4'"):
        checks.check_digest(..., "0" * 16, exercise=exercise, hint=HINT)
