"""Record a lesson's headline numbers so the README's results table comes from real runs.

A notebook ends with e.g. ``helpers.record("08", accuracy=acc, roc_auc=auc)``: it prints the
numbers and, when ``DLCOURSE_RESULTS`` names a file, appends them there as one JSON line
with the seed and mode, for ``python -m tools.measure`` to summarise.
"""

from __future__ import annotations

import json

from helpers.settings import quick_mode, results_file, seed


def record(lesson: str, **metrics: float) -> None:
    """Print a lesson's metrics and append them to ``$DLCOURSE_RESULTS`` if it is set.

    Returns nothing, so that a notebook cell ending with it shows the printed line only.
    """
    if not metrics:
        raise ValueError("record() needs at least one metric, e.g. record('06', accuracy=0.98).")
    row = {"lesson": lesson, "seed": seed(), "quick": quick_mode()}
    row.update({name: float(value) for name, value in metrics.items()})
    print(
        "Result:", ", ".join(f"{name} = {_shown(float(value))}" for name, value in metrics.items())
    )
    target = results_file()
    if target:
        with target.open("a", encoding="utf-8") as file:
            file.write(json.dumps(row) + "\n")


def _shown(value: float) -> str:
    """Four decimals, or four significant digits where four decimals would show 0.0000."""
    return f"{value:.4f}" if value == 0 or abs(value) >= 1e-3 else f"{value:.3e}"
