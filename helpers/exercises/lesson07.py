"""Exercise checkers of lesson 07."""

from __future__ import annotations

from typing import Any

from helpers import checks
from helpers.exercises import common


def check_sgd_saving(answer: Any, sgd_sweep: Any, adam_sweep: Any, updates: Any) -> checks.Feedback:
    """``answer``: the share of the compiled Adam step at the smallest batch size of
    ``adam_sweep`` that a switch to SGD saves, as measured by the learner in ``sgd_sweep``.

    Right when the answer is what the two sweeps say (1 - SGD step / Adam step, compiled
    loop, that batch size, to 0.01) and SGD is the faster. The lesson's update timings
    (``updates["Adam"]``, ``updates["SGD"]``, ``per_step`` in seconds) predict the saving from
    the other side; the feedback puts the two side by side rather than failing on their
    difference, since two timings taken minutes apart agree only within a timing's noise.
    """
    hint = (
        "Time the compiled loop (loops=('compiled',)) at BATCH_SIZES[0] on the CPU with the SGD"
        " model, then compare its step_ms with the Adam model's compiled step_ms at the same"
        " batch size in sweeps['CPU']."
    )
    value = common.number(answer, sgd_sweep, hint="Answer with one number between 0 and 1.")
    if isinstance(value, checks.Feedback):
        return value
    adam = adam_sweep[adam_sweep["loop"] == "compiled"].sort_values("batch_size")
    if adam.empty:
        raise ValueError("adam_sweep has no 'compiled' rows: pass the sweep of section 5.2.")
    batch, adam_step = adam["batch_size"].iloc[0], float(adam["step_ms"].iloc[0])
    try:
        rows = sgd_sweep[(sgd_sweep["loop"] == "compiled") & (sgd_sweep["batch_size"] == batch)]
    except (TypeError, KeyError, IndexError):
        return checks.check_true(False, hint="sgd_sweep should be what train_step_sweep returns.")
    if rows.empty:
        return checks.check_true(False, hint=hint)
    measured = 1 - float(rows["step_ms"].iloc[0]) / adam_step
    if measured <= 0:
        print(f"{checks.WRONG} In your sweep SGD is not faster than Adam: was the machine busy?")
        return checks.check_true(False, hint="Run your sweep again, with nothing else running.")
    verdict = checks.check_true(abs(value - measured) <= 0.01, hint=hint)
    if verdict:
        predicted = (updates["Adam"].per_step - updates["SGD"].per_step) / (adam_step / 1e3)
        print(
            f"   Measured from the outside, SGD saves {measured:.0%} of the step; the update"
            f" timings of section 5.3 predict {predicted:.0%}."
        )
    return verdict
