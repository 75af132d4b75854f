"""helpers.timeseries: no look-ahead anywhere (splits, scaler, windows, baselines), metrics."""

import keras
import numpy as np
import pandas as pd
import pytest

from helpers import timeseries as ts


def _daily(start="1987-01-01", end="1990-12-31", seed=0):
    index = pd.date_range(start, end, freq="D")
    values = np.random.default_rng(seed).normal(10, 3, len(index))
    return pd.Series(values, index=index)


def _monthly(n=48):
    index = pd.date_range("1949-01-01", periods=n, freq="MS")
    return pd.Series(100 + np.arange(n, dtype=float) + 10 * (np.arange(n) % 12 == 6), index=index)


# ------------------------------------------------------------------------ splits and scaling
def test_split_is_chronological_and_complete():
    series = _daily()
    train, val, test = ts.split_by_dates(series, "1988-12-31", "1989-12-31")
    assert train.index.max() < val.index.min() and val.index.max() < test.index.min()
    assert len(train) + len(val) + len(test) == len(series)
    assert set(val.index.year) == {1989} and set(test.index.year) == {1990}


def test_split_errors():
    series = _daily()
    with pytest.raises(ValueError, match="before"):
        ts.split_by_dates(series, "1990-01-01", "1989-01-01")
    with pytest.raises(ValueError, match="test period is empty"):
        ts.split_by_dates(series, "1988-12-31", "1991-12-31")
    with pytest.raises(TypeError, match="pandas Series"):
        ts.split_by_dates(series.to_numpy(), "1988-12-31", "1989-12-31")
    with pytest.raises(ValueError, match="gaps"):
        ts.split_by_dates(series.drop(series.index[[10, 500]]), "1988-12-31", "1989-12-31")
    with pytest.raises(ValueError, match="sorted"):
        ts.split_by_dates(series[::-1], "1988-12-31", "1989-12-31")


def test_scaler_learns_from_the_training_period_only():
    series = _daily()
    changed = series.copy()
    changed[changed.index > "1988-12-31"] += 100.0  # the future is very different
    a = ts.TrainingScaler("1988-12-31").fit(series)
    b = ts.TrainingScaler("1988-12-31").fit(changed)
    assert (a.mean_, a.scale_) == (b.mean_, b.scale_)
    train = series[:"1988-12-31"]
    np.testing.assert_allclose(a.transform(train).mean(), 0, atol=1e-12)
    np.testing.assert_allclose(a.transform(train).std(ddof=0), 1)
    np.testing.assert_allclose(a.inverse_transform(a.transform(series)), series)
    with pytest.raises(RuntimeError, match="fit"):
        ts.TrainingScaler("1988-12-31").transform(series)
    with pytest.raises(ValueError, match="fewer than 2"):
        ts.TrainingScaler("1900-01-01").fit(series)


# ------------------------------------------------------------------------------------ windows
@pytest.mark.parametrize(("window", "horizon"), [(1, 1), (5, 1), (30, 1), (7, 3)])
def test_no_target_ever_appears_in_its_own_input_window(window, horizon):
    """Feed the time step numbers themselves: each window must hold only steps before its target."""
    steps = np.arange(400, dtype="float32")
    x, y, positions = ts.make_windows(steps, steps, window, horizon)
    assert np.array_equal(y, positions)  # the target of each window is step `positions`
    inputs = x[:, :, 0]
    assert np.all(inputs < y[:, None])  # every input strictly before its target ...
    assert not np.any(inputs == y[:, None])  # ... so the target is never among the inputs
    assert np.array_equal(inputs[:, -1] + horizon, y)  # and the last input is `horizon` back
    assert np.all(np.diff(inputs, axis=1) == 1)  # consecutive steps, in order
    assert len(y) == 400 - window - horizon + 1  # every possible window, none lost


def test_windows_equal_keras_timeseries_dataset_from_array():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 3)).astype("float32")
    target = rng.normal(size=200).astype("float32")
    window, horizon = 12, 2
    x, y, _ = ts.make_windows(features, target, window, horizon)
    dataset = keras.utils.timeseries_dataset_from_array(
        features[:-horizon], target[window + horizon - 1 :], window, batch_size=1000, shuffle=False
    )
    x_keras, y_keras = (np.asarray(a) for a in next(iter(dataset)))
    np.testing.assert_array_equal(x, x_keras)
    np.testing.assert_array_equal(y, y_keras)


def test_windows_for_a_period_reach_back_but_never_forward():
    series = _daily()
    steps = np.arange(len(series), dtype="float32")
    x, y, dates = ts.windows_for_period(steps, series, 30, "1990-01-01", "1990-12-31")
    assert dates.min() == pd.Timestamp("1990-01-01") and dates.max() == pd.Timestamp("1990-12-31")
    target_steps = series.index.get_indexer(dates)
    np.testing.assert_array_equal(y, series.to_numpy(dtype="float32")[target_steps])
    assert np.all(x[:, :, 0] < target_steps[:, None])
    assert x[0, 0, 0] == target_steps[0] - 30  # the first 1990 window starts in 1989


def test_window_errors():
    with pytest.raises(ValueError, match="horizon"):
        ts.make_windows(np.arange(10), np.arange(10), 3, horizon=0)
    with pytest.raises(ValueError, match="aligned"):
        ts.make_windows(np.arange(10), np.arange(9), 3)
    with pytest.raises(ValueError, match="too short"):
        ts.make_windows(np.arange(5), np.arange(5), 5)
    with pytest.raises(ValueError, match="window"):
        ts.make_windows(np.arange(10), np.arange(10), 0)


# ---------------------------------------------------------------------------------- baselines
def test_persistence_and_seasonal_naive():
    series = _daily()
    np.testing.assert_array_equal(ts.persistence(series).to_numpy()[1:], series.to_numpy()[:-1])
    naive = ts.seasonal_naive(series)
    assert naive["1990-03-05"] == series["1989-03-05"]
    assert naive["1989-02-28"] == series["1988-02-28"]
    assert naive["1988-02-29"] == series["1987-02-28"]  # no 29 Feb in 1987
    assert naive[:"1987-12-31"].isna().all()


def _with_future_changed(series, after):
    changed = series.copy()
    changed[changed.index > after] = -50.0
    return changed


def test_seasonal_average_uses_the_training_period_only():
    series = _daily()
    raw = ts.seasonal_average(series, "1988-12-31")
    train = series[:"1988-12-31"]
    assert raw["1990-07-04"] == pytest.approx(
        train[train.index.strftime("%m-%d") == "07-04"].mean()
    )
    for smooth in (1, 15):
        a = ts.seasonal_average(series, "1988-12-31", smooth=smooth)
        b = ts.seasonal_average(
            _with_future_changed(series, "1988-12-31"), "1988-12-31", smooth=smooth
        )
        pd.testing.assert_series_equal(a, b)
    smoothed = ts.seasonal_average(series, "1988-12-31", smooth=3)
    days = raw[:"1987-12-31"]  # 1987 has no 29 Feb, which the 3-day mean of 1 March also uses
    assert smoothed["1990-07-04"] == pytest.approx(days["1987-07-03":"1987-07-05"].mean())
    assert smoothed["1990-01-01"] == pytest.approx(
        np.mean([raw["1987-12-31"], raw["1987-01-01"], raw["1987-01-02"]])
    )  # wraps round the new year
    monthly = ts.seasonal_average(_monthly(), "1950-12-31", by="month")
    assert monthly["1952-07-01"] == pytest.approx((116 + 128) / 2)
    with pytest.raises(ValueError, match="odd"):
        ts.seasonal_average(series, "1988-12-31", smooth=4)
    with pytest.raises(ValueError, match="by must"):
        ts.seasonal_average(series, "1988-12-31", by="week")


def test_seasonal_naive_growth_by_hand_and_without_the_present():
    series = _monthly()
    forecast = ts.seasonal_naive_growth(series)
    v = series.to_numpy()
    t = 30
    assert forecast.iloc[t] == pytest.approx(v[t - 12] * v[18:30].sum() / v[6:18].sum())
    assert forecast.iloc[:24].isna().all()
    changed = series.copy()
    changed.iloc[t:] = 1e6  # the value being forecast and everything after it
    assert ts.seasonal_naive_growth(changed).iloc[t] == forecast.iloc[t]


# ------------------------------------------------------------------------------------ metrics
def test_metrics_by_hand():
    truth, pred = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 1.0])
    assert ts.mae(truth, pred) == pytest.approx(4 / 3)
    assert ts.rmse(truth, pred) == pytest.approx(np.sqrt(10 / 3))
    assert ts.mape(truth, pred) == pytest.approx(100 * (1 + 0 + 0.75) / 3)
    assert ts.forecast_scores(truth, pred, with_mape=True)["MAPE %"] == pytest.approx(175 / 3)
    assert set(ts.forecast_scores(truth, pred)) == {"MAE", "RMSE"}


def test_metric_errors():
    with pytest.raises(ValueError, match="undefined"):
        ts.mape([0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="NaN"):
        ts.mae([1.0, np.nan], [1.0, 1.0])
    with pytest.raises(ValueError, match="align"):
        ts.rmse([1.0, 2.0], [1.0])


def test_persistence_exercise_check(capsys):
    series = _daily()
    train = series[:"1988-12-31"].to_numpy()
    right = float(np.mean(np.abs(np.diff(train))))
    assert ts.check_persistence_mae(right, series, "1988-12-31")
    assert not ts.check_persistence_mae(right + 0.1, series, "1988-12-31")
    assert not ts.check_persistence_mae(..., series, "1988-12-31")
    assert f"{right:.3f}" not in capsys.readouterr().out  # the feedback never shows the answer
