"""helpers.timeseries: no look-ahead anywhere (splits, scaler, windows, baselines), metrics."""

import keras
import numpy as np
import pandas as pd
import pytest

from helpers import exercises
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
    assert exercises.check_persistence_mae(right, series, "1988-12-31")
    assert not exercises.check_persistence_mae(right + 0.1, series, "1988-12-31")
    assert not exercises.check_persistence_mae(..., series, "1988-12-31")
    assert f"{right:.3f}" not in capsys.readouterr().out  # the feedback never shows the answer


# ------------------------------------------------------------------ the constant-growth baseline
def test_seasonal_naive_mean_growth_by_hand_and_from_training_only():
    index = pd.date_range("1949-01-01", periods=48, freq="MS")
    values = 100 * 1.1 ** (np.arange(48) / 12) * (1 + 0.2 * (np.arange(48) % 12 == 6))
    series = pd.Series(values, index=index)
    forecast = ts.seasonal_naive_mean_growth(series, "1950-12-31")
    # the training period 1949-1950 has 12 year-over-year ratios, each exactly 1.1
    growth = np.mean(np.log(values[12:24] / values[:12]))
    assert growth == pytest.approx(np.log(1.1))
    assert forecast.iloc[30] == pytest.approx(values[18] * 1.1)
    np.testing.assert_allclose(
        forecast.iloc[12:], values[12:]
    )  # a steady growth is forecast exactly
    assert forecast.iloc[:12].isna().all()
    changed = series.copy()
    changed["1951-01-01":] *= 3.0  # the future is very different: the growth rate must not move
    refit = ts.seasonal_naive_mean_growth(changed, "1950-12-31")
    assert refit.iloc[30] == pytest.approx(changed.iloc[18] * 1.1)
    with pytest.raises(ValueError, match="positive"):
        ts.seasonal_naive_mean_growth(series - 200, "1950-12-31")
    with pytest.raises(ValueError, match="at least 13"):
        ts.seasonal_naive_mean_growth(series, "1949-12-31")


# ------------------------------------------------------------------------------ linear model
def test_linear_autoregression_recovers_a_known_recursion():
    """Noise-free AR(2) data: least squares must find its coefficients and intercept exactly."""
    values = np.zeros(300)
    values[:2] = [1.0, -0.5]
    for t in range(2, 300):
        values[t] = 0.3 + 0.6 * values[t - 1] - 0.2 * values[t - 2] + np.sin(t)  # rich inputs
    driver = np.sin(np.arange(300))
    target = values - driver  # values[t] - sin(t) = 0.3 + 0.6 v[t-1] - 0.2 v[t-2]
    x, y, _ = ts.make_windows(values, target, 2)
    model = ts.LinearAutoregression().fit(x.astype(float), y)
    # the float32 windows limit the precision to about 1e-6
    np.testing.assert_allclose(model.coef_, [-0.2, 0.6], atol=1e-5)
    assert model.intercept_ == pytest.approx(0.3, abs=1e-5)
    assert model.n_params == 3


def test_linear_autoregression_equals_lstsq_and_sklearn():
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(3)
    x = rng.normal(size=(80, 5, 2))
    y = x[:, -1, 0] * 0.8 + rng.normal(0, 0.1, 80)
    model = ts.LinearAutoregression().fit(x, y)
    design = np.column_stack([x.reshape(80, -1), np.ones(80)])
    expected, *_ = np.linalg.lstsq(design, y, rcond=None)
    np.testing.assert_allclose(model.coef_, expected[:-1], atol=1e-10)
    reference = LinearRegression().fit(x.reshape(80, -1), y)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-8)
    assert model.intercept_ == pytest.approx(reference.intercept_, abs=1e-8)
    x_new = rng.normal(size=(7, 5, 2))
    np.testing.assert_allclose(model.predict(x_new), reference.predict(x_new.reshape(7, -1)))
    # least squares: the residuals are orthogonal to every input column and sum to zero
    residuals = y - model.predict(x)
    np.testing.assert_allclose(design.T @ residuals, 0, atol=1e-9)


def test_linear_autoregression_errors():
    x, y = np.ones((10, 3, 1)), np.ones(10)
    with pytest.raises(RuntimeError, match="fit"):
        ts.LinearAutoregression().predict(x)
    with pytest.raises(ValueError, match="targets"):
        ts.LinearAutoregression().fit(x, y[:-1])
    with pytest.raises(ValueError, match="meaningless"):
        ts.LinearAutoregression().fit(np.ones((3, 3, 1)), np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        ts.LinearAutoregression().fit(np.full((10, 3, 1), np.nan), y)
    model = ts.LinearAutoregression().fit(np.random.default_rng(0).normal(size=(10, 3, 1)), y)
    with pytest.raises(ValueError, match="fitted on 3"):
        model.predict(np.ones((2, 4, 1)))


# ------------------------------------------------------------------------------ the bootstrap
def test_moving_block_indices_are_runs_of_consecutive_days():
    n, block = 50, 7
    idx = ts.moving_block_indices(n, block, 200, seed=1)
    assert idx.shape == (200, n) and idx.min() >= 0 and idx.max() <= n - 1
    runs = idx[:, : (n // block) * block].reshape(200, -1, block)
    assert np.all(np.diff(runs, axis=-1) == 1)  # every block: consecutive positions
    np.testing.assert_array_equal(idx, ts.moving_block_indices(n, block, 200, seed=1))
    # a block as long as the series leaves only one possible sample: the series itself
    np.testing.assert_array_equal(ts.moving_block_indices(n, n, 3), np.tile(np.arange(n), (3, 1)))
    # starts are uniform over 0 .. n - block: every one of them occurs
    assert set(np.unique(idx[:, 0])) == set(range(n - block + 1))
    with pytest.raises(ValueError, match="longer"):
        ts.moving_block_indices(5, 6, 10)
    with pytest.raises(ValueError, match="block"):
        ts.moving_block_indices(5, 0, 10)


def test_block_bootstrap_by_hand_and_against_theory():
    rng = np.random.default_rng(0)
    errors = np.column_stack([rng.exponential(1.0, 365), rng.exponential(1.2, 365)])
    gain = ts.block_bootstrap(errors, lambda m: 1 - m[..., 0] / m[..., 1], block=14, seed=0)
    assert gain.estimate == pytest.approx(1 - errors[:, 0].mean() / errors[:, 1].mean())
    assert gain.low < gain.estimate < gain.high
    # block = 1 is the ordinary bootstrap: for a mean its interval is close to ±1.645 standard
    # errors (independent data); with blocks of 14 on independent data it is about as wide
    values = rng.normal(0, 1, 2000)
    se = values.std() / np.sqrt(len(values))
    for block in (1, 14):
        mean = ts.block_bootstrap(values, lambda m: m[..., 0], block=block, n_resamples=4000)
        assert (mean.high - mean.low) / (2 * 1.645 * se) == pytest.approx(1.0, abs=0.12)
    # positively correlated data: the block interval widens, as it should; day by day is too narrow
    ar = np.zeros(2000)
    for t in range(1, 2000):
        ar[t] = 0.7 * ar[t - 1] + rng.normal()
    by_day = ts.block_bootstrap(ar, lambda m: m[..., 0], block=1)
    by_block = ts.block_bootstrap(ar, lambda m: m[..., 0], block=30)
    assert (by_block.high - by_block.low) > 1.8 * (
        by_day.high - by_day.low
    )  # theory: √(1.7/0.3) ≈ 2.4


def test_block_bootstrap_errors():
    errors = np.ones((30, 2))
    with pytest.raises(ValueError, match="level"):
        ts.block_bootstrap(errors, lambda m: m[..., 0], level=90)
    with pytest.raises(ValueError, match="NaN"):
        ts.block_bootstrap(np.full((30, 2), np.nan), lambda m: m[..., 0])
    with pytest.raises(ValueError, match=r"m\[\.\.\., 0\]"):
        ts.block_bootstrap(errors, lambda m: m[0], block=5)
