"""Exercise checkers of lesson 14."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers import checks
from helpers.timeseries import mae, persistence, regular_series


def check_persistence_mae(answer: Any, series: pd.Series, train_end: str) -> checks.Feedback:
    """Exercise check: the MAE of persistence over the training period, computed out of sight.

    The first training day has no day before it, so it is left out.
    """
    train = regular_series(series)[: pd.Timestamp(train_end)]
    expected = mae(train.iloc[1:], persistence(train).iloc[1:])
    hint = (
        "Persistence forecasts each day by the day before: compare train.iloc[1:] with "
        "train.shift(1).iloc[1:] (or helpers' persistence), then average the absolute errors."
    )
    return checks.check_value(answer, expected, rtol=1e-3, hint=hint)
