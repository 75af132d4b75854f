"""Lesson 14: forecasting without look-ahead: time splits, windows, honest baselines, metrics.

Everything here takes a pandas ``Series`` with a regular ``DatetimeIndex`` (one value per day
or per month, no gaps) and respects the arrow of time:

* ``split_by_dates`` cuts the series into training, validation and test *periods*;
* ``TrainingScaler`` learns its mean and spread from the training period only;
* ``make_windows`` builds (input window, target) pairs whose inputs all lie strictly before
  their target, and ``windows_for_period`` keeps the pairs whose target falls in a period;
* the baselines (persistence, seasonal naive, the training-period seasonal average, seasonal
  naive times the last or the mean training year-over-year growth) use only values known at
  forecast time;
* ``LinearAutoregression`` is the linear model fed the same input windows as a network;
* ``mae``, ``rmse`` and ``mape`` score a forecast; MAPE refuses a series with zeros;
* ``block_bootstrap`` puts an interval on a score computed from consecutive, correlated days
  (it lives in ``helpers.intervals``; ``helpers.timeseries.block_bootstrap`` is the same).
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from helpers.intervals import Interval, block_bootstrap, moving_block_indices  # noqa: F401

# The intervals of lesson 14's scores, importable from here as well (ts.block_bootstrap).
from helpers.losses import mean_absolute_error


class Periods(NamedTuple):
    """The three chronological periods of a series."""

    train: pd.Series
    val: pd.Series
    test: pd.Series


def _inferred_freq(index: pd.DatetimeIndex) -> str | None:
    """The index's regular spacing, or None (pandas 3 warns that the return type will change)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return index.inferred_freq


def regular_series(series: Any, name: str = "series") -> pd.Series:
    """Check that ``series`` is a pandas Series on a sorted, gap-free DatetimeIndex."""
    if not isinstance(series, pd.Series):
        raise TypeError(
            f"{name} must be a pandas Series with a DatetimeIndex, got {type(series).__name__}:"
            " select one column, e.g. df['temperature']."
        )
    if not isinstance(series.index, pd.DatetimeIndex):
        raise TypeError(f"{name} needs a DatetimeIndex (dates), got {type(series.index).__name__}.")
    if not series.index.is_monotonic_increasing or series.index.has_duplicates:
        raise ValueError(f"{name}'s dates must be sorted and unique: call .sort_index() first.")
    if len(series) > 2 and series.index.freq is None and _inferred_freq(series.index) is None:
        raise ValueError(
            f"{name} has gaps or an irregular spacing: make it regular first, e.g. "
            "series.asfreq('D').interpolate(), and say so."
        )
    return series


def split_by_dates(series: pd.Series, train_end: str, val_end: str) -> Periods:
    """Cut a series into training (up to ``train_end``), validation (up to ``val_end``) and test.

    The cut is by dates, never shuffled: the model is trained on the past and judged on the
    future, as it will be used. Dates are inclusive, e.g. ``train_end="1988-12-31"``.
    """
    series = regular_series(series)
    train_end_ts, val_end_ts = pd.Timestamp(train_end), pd.Timestamp(val_end)
    if not train_end_ts < val_end_ts:
        raise ValueError(f"train_end ({train_end}) must come before val_end ({val_end}).")
    periods = Periods(
        series[series.index <= train_end_ts],
        series[(series.index > train_end_ts) & (series.index <= val_end_ts)],
        series[series.index > val_end_ts],
    )
    for label, part in zip(Periods._fields, periods, strict=True):
        if part.empty:
            raise ValueError(
                f"the {label} period is empty: the series runs from {series.index[0].date()} to"
                f" {series.index[-1].date()}; choose train_end and val_end inside that range."
            )
    return periods


class TrainingScaler:
    """Standardise with the mean and standard deviation of the training period only.

    Fitting a scaler on the whole series lets the test period's level and spread leak into
    training; this one refuses to learn from anything after ``train_end``.
    """

    def __init__(self, train_end: str) -> None:
        self.train_end = pd.Timestamp(train_end)
        self.mean_: float | None = None
        self.scale_: float | None = None

    def fit(self, series: pd.Series) -> TrainingScaler:
        """Learn mean and sd from the values dated up to ``train_end`` (the rest is ignored)."""
        series = regular_series(series)
        train = series[series.index <= self.train_end].to_numpy(dtype=float)
        if len(train) < 2:
            raise ValueError("fewer than 2 values up to train_end: nothing to learn a scale from.")
        if not np.all(np.isfinite(train)):
            raise ValueError("the training period contains NaN or inf: fill or drop them first.")
        self.mean_, self.scale_ = float(train.mean()), float(train.std())
        if self.scale_ == 0:
            raise ValueError("the training period is constant: its standard deviation is 0.")
        return self

    def _fitted(self) -> tuple[float, float]:
        if self.mean_ is None or self.scale_ is None:
            raise RuntimeError("call fit(series) before transform / inverse_transform.")
        return self.mean_, self.scale_

    def transform(self, values: Any) -> Any:
        """(values − training mean) / training sd; keeps a Series a Series."""
        mean, scale = self._fitted()
        return (values - mean) / scale

    def inverse_transform(self, values: Any) -> Any:
        """Back to the original units: values · sd + mean."""
        mean, scale = self._fitted()
        return values * scale + mean


def make_windows(
    features: Any, target: Any, window: int, horizon: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Input windows of ``window`` steps and the target ``horizon`` steps after each window.

    Returns ``x`` of shape (n, window, n_features), ``y`` of shape (n,) and ``positions``, the
    position in the series of each target. Window ``i`` holds rows ``i .. i+window-1`` of
    ``features`` and its target is ``target[i + window - 1 + horizon]``: every input lies
    strictly before its target, so no window contains the value it must predict. It gives the
    same pairs as ``keras.utils.timeseries_dataset_from_array(features[:-horizon],
    target[window + horizon - 1:], window)``, as NumPy arrays.
    """
    features = np.asarray(features, dtype="float32")
    target = np.asarray(target, dtype="float32")
    if features.ndim == 1:
        features = features[:, None]
    if features.ndim != 2 or target.ndim != 1:
        raise ValueError(
            f"features must be (time,) or (time, n_features) and target (time,); got shapes "
            f"{features.shape} and {target.shape}."
        )
    if len(features) != len(target):
        raise ValueError(
            f"features has {len(features)} time steps but target has {len(target)}: they must "
            "be aligned step for step."
        )
    if not (isinstance(window, (int, np.integer)) and window >= 1):
        raise ValueError(f"window must be a whole number ≥ 1, got {window!r}.")
    if not (isinstance(horizon, (int, np.integer)) and horizon >= 1):
        raise ValueError(f"horizon must be ≥ 1 (0 would put the target in its window): {horizon}.")
    n = len(target) - window - horizon + 1
    if n < 1:
        raise ValueError(f"a series of {len(target)} steps is too short for window {window}.")
    x = np.lib.stride_tricks.sliding_window_view(features, window, axis=0)[:n]
    x = np.ascontiguousarray(x.transpose(0, 2, 1))  # (n, window, n_features)
    positions = np.arange(n) + window - 1 + horizon
    return x, target[positions], positions


def windows_for_period(
    features: Any, target: pd.Series, window: int, start: str, end: str, horizon: int = 1
) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """The windows of ``make_windows`` whose *target* date lies in [start, end].

    The inputs of the first targets of a period reach back into the period before it: those
    values are known at forecast time, so that is not look-ahead. Returns x, y and the target
    dates.
    """
    target = regular_series(target, "target")
    x, y, positions = make_windows(features, target.to_numpy(), window, horizon)
    dates = target.index[positions]
    keep = (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))
    if not keep.any():
        raise ValueError(f"no target date between {start} and {end}.")
    return x[keep], y[keep], dates[keep]


# ---------------------------------------------------------------------------------- baselines
def persistence(series: pd.Series) -> pd.Series:
    """Forecast each step by the step before it ("tomorrow is like today")."""
    return regular_series(series).shift(1)


def seasonal_naive(series: pd.Series, years: int = 1) -> pd.Series:
    """Forecast each date by the value on the same date ``years`` before (29 Feb → 28 Feb)."""
    series = regular_series(series)
    earlier = series.index - pd.DateOffset(years=years)
    return pd.Series(series.reindex(earlier).to_numpy(), index=series.index)


def _season_key(index: pd.DatetimeIndex, by: str) -> np.ndarray:
    if by == "day":
        return np.asarray(index.strftime("%m-%d"))
    if by == "month":
        return np.asarray(index.month)
    raise ValueError(f"by must be 'day' or 'month', got {by!r}.")


def seasonal_average(
    series: pd.Series, train_end: str, by: str = "day", smooth: int = 1
) -> pd.Series:
    """Forecast each date by the training-period average for its calendar day (or month).

    Only values dated up to ``train_end`` are averaged. With ``smooth`` > 1 (odd) the averages
    are then smoothed by a moving mean of that many neighbouring calendar days, wrapping round
    the new year: 8 years give only 8 values per calendar day, so the raw average is noisy.
    """
    series = regular_series(series)
    if not (isinstance(smooth, (int, np.integer)) and smooth >= 1 and smooth % 2 == 1):
        raise ValueError(f"smooth must be an odd whole number ≥ 1, got {smooth!r}.")
    train = series[series.index <= pd.Timestamp(train_end)]
    if train.empty:
        raise ValueError(f"no values up to train_end={train_end}.")
    averages = train.groupby(_season_key(train.index, by)).mean().sort_index()
    if smooth > 1:
        values, k = averages.to_numpy(), smooth // 2
        wrapped = np.r_[values[-k:], values, values[:k]]
        smoothed = np.convolve(wrapped, np.ones(smooth) / smooth, mode="valid")
        averages = pd.Series(smoothed, index=averages.index)
    return pd.Series(averages.reindex(_season_key(series.index, by)).to_numpy(), index=series.index)


def seasonal_naive_growth(series: pd.Series, season: int = 12) -> pd.Series:
    """Seasonal naive scaled by the last year-over-year growth, for a trending series.

    Forecast of step t: y[t − season] · (sum of the last ``season`` values) / (sum of the
    ``season`` values before those). Both sums end at t − 1, so only the past is used.
    """
    series = regular_series(series)
    values = series.to_numpy(dtype=float)
    forecast = np.full(len(values), np.nan)
    for t in range(2 * season, len(values)):
        last_year = values[t - season : t].sum()
        year_before = values[t - 2 * season : t - season].sum()
        forecast[t] = values[t - season] * last_year / year_before
    return pd.Series(forecast, index=series.index)


def seasonal_naive_mean_growth(series: pd.Series, train_end: str, season: int = 12) -> pd.Series:
    """Seasonal naive times the mean year-over-year growth of the training period.

    Forecast of step t: y[t − season] · exp(g), where g is the mean of
    log(y[s] / y[s − season]) over the training steps s (dated up to ``train_end``) that have a
    value a season before. One growth rate, learned from the training period only, and no
    network: it is what a model of log seasonal differences that always predicted their
    training mean would forecast.
    """
    series = regular_series(series)
    if not (isinstance(season, (int, np.integer)) and season >= 1):
        raise ValueError(f"season must be a whole number ≥ 1, got {season!r}.")
    values = series.to_numpy(dtype=float)
    if not np.all(values[np.isfinite(values)] > 0):
        raise ValueError("growth is a ratio of values: the series must be positive (no log of 0).")
    n_train = int(np.sum(series.index <= pd.Timestamp(train_end)))
    if n_train <= season:
        raise ValueError(
            f"{n_train} training steps up to {train_end}: at least {season + 1} are needed for one"
            " year-over-year growth."
        )
    log_values = np.log(values)
    growth = float(np.mean(log_values[season:n_train] - log_values[: n_train - season]))
    forecast = np.full(len(values), np.nan)
    forecast[season:] = values[:-season] * np.exp(growth)
    return pd.Series(forecast, index=series.index)


# ---------------------------------------------------------------------------- a linear model
class LinearAutoregression:
    """The linear forecast from a whole input window, fitted by least squares.

    ``fit(x, y)`` takes the same arrays a network is trained on, ``x`` of shape
    (n, window, n_features) and ``y`` of shape (n,), and finds the weights ``coef_`` (one per
    input value, in the order of ``x.reshape(n, -1)``) and ``intercept_`` that minimise the
    squared error. With the window of past deviations as its only feature this is an
    autoregression AR(window). A network fed the same windows has earned its place only if it
    beats this model: anything it does better comes from its non-linearity or its recurrence.
    """

    def __init__(self) -> None:
        self.coef_: np.ndarray | None = None
        self.intercept_: float | None = None

    @staticmethod
    def _design(x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim < 2 or len(x) == 0:
            raise ValueError(f"x must be (n, window) or (n, window, n_features), got {x.shape}.")
        flat = x.reshape(len(x), -1)
        if not np.all(np.isfinite(flat)):
            raise ValueError("x contains NaN or inf: fill or drop those windows first.")
        return flat

    def fit(self, x: Any, y: Any) -> LinearAutoregression:
        """Least-squares weights and intercept (``numpy.linalg.lstsq``; minimum-norm if x is
        rank-deficient, e.g. when two input columns always move together)."""
        flat = self._design(x)
        target = np.asarray(y, dtype=float).ravel()
        if len(target) != len(flat):
            raise ValueError(f"x has {len(flat)} windows but y has {len(target)} targets.")
        if not np.all(np.isfinite(target)):
            raise ValueError("y contains NaN or inf.")
        if len(flat) <= flat.shape[1]:
            raise ValueError(
                f"{len(flat)} windows for {flat.shape[1] + 1} parameters: the fit would be exact"
                " and meaningless; use more windows or a shorter window."
            )
        design = np.column_stack([flat, np.ones(len(flat))])
        solution, *_ = np.linalg.lstsq(design, target, rcond=None)
        self.coef_, self.intercept_ = solution[:-1], float(solution[-1])
        return self

    def predict(self, x: Any) -> np.ndarray:
        """One forecast per window, shape (n,)."""
        if self.coef_ is None or self.intercept_ is None:
            raise RuntimeError("call fit(x, y) before predict.")
        flat = self._design(x)
        if flat.shape[1] != len(self.coef_):
            raise ValueError(
                f"x has {flat.shape[1]} values per window; the model was fitted on "
                f"{len(self.coef_)}."
            )
        return flat @ self.coef_ + self.intercept_

    @property
    def n_params(self) -> int:
        """Number of fitted numbers (weights and intercept), to set beside a network's."""
        if self.coef_ is None:
            raise RuntimeError("call fit(x, y) first.")
        return len(self.coef_) + 1


# ------------------------------------------------------------------------------------ metrics
def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    truth = np.asarray(y_true, dtype=float).ravel()
    pred = np.asarray(y_pred, dtype=float).ravel()
    if truth.shape != pred.shape:
        raise ValueError(f"y_true has {truth.size} values, y_pred {pred.size}: align them first.")
    if truth.size == 0:
        raise ValueError("no values to score.")
    if not (np.all(np.isfinite(truth)) and np.all(np.isfinite(pred))):
        raise ValueError(
            "NaN or inf in y_true or y_pred: a baseline has no forecast for the first steps"
            " (nothing before them); score a period that starts later."
        )
    return truth, pred


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error, in the series' units (lesson 03's MAE, after the checks above)."""
    truth, pred = _pair(y_true, y_pred)
    return float(mean_absolute_error(truth, pred))


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error, in the series' units; punishes large misses more than MAE."""
    truth, pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((pred - truth) ** 2)))


def mape(y_true: Any, y_pred: Any) -> float:
    """Mean absolute percentage error, in %. Undefined where the truth is 0, so that is refused."""
    truth, pred = _pair(y_true, y_pred)
    zeros = int(np.sum(truth == 0))
    if zeros:
        raise ValueError(
            f"MAPE divides by the true values and {zeros} of them are 0: it is undefined for "
            "this series. Report MAE and RMSE instead."
        )
    return float(100 * np.mean(np.abs((pred - truth) / truth)))


def forecast_scores(y_true: Any, y_pred: Any, with_mape: bool = False) -> dict[str, float]:
    """MAE and RMSE (and MAPE if asked) of one forecast, as a dict for a results table."""
    scores = {"MAE": mae(y_true, y_pred), "RMSE": rmse(y_true, y_pred)}
    if with_mape:
        scores["MAPE %"] = mape(y_true, y_pred)
    return scores
