"""Exercise checkers of lesson 12."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from helpers import checks
from helpers.transfer import paired_and_unpaired_t


def check_paired_t(
    answer: Any, results: pd.DataFrame, regime: str, k: int, baseline: str = "scratch"
) -> checks.Feedback:
    """Exercise check: the paired t statistic of ``regime`` against ``baseline`` at budget ``k``.

    The reference is computed here, out of the learner's sight, from the same ``results``. An
    answer equal to the unpaired (Welch) statistic is told that it ignores the pairing; neither
    value is ever printed.
    """
    paired, unpaired = paired_and_unpaired_t(results, regime, baseline, k)
    hint = (
        "Pair first: one difference per draw (a pivot on 'draw' and 'regime', then subtract the"
        " columns), then apply section 5's t formula to those differences (np.std with ddof=1)."
    )
    try:
        value = float(answer)
    except (TypeError, ValueError):  # not answered yet, or not a number: check_value says which
        return checks.check_value(answer, paired, rtol=1e-4, atol=1e-6, hint=hint)
    if not math.isclose(paired, unpaired, rel_tol=1e-3) and math.isclose(
        value, unpaired, rel_tol=1e-4, abs_tol=1e-6
    ):
        print(
            f"{checks.WRONG} That is the t statistic of two independent samples: it compares "
            "the two means with both spreads over draws and ignores that each draw gave both "
            "regimes the same images."
        )
        print(f"   Hint: {hint}")
        return checks.Feedback(False)
    return checks.check_value(value, paired, rtol=1e-4, atol=1e-6, hint=hint)
