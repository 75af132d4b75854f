# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/14_recurrent_networks.ipynb)
# # 14 · Recurrent networks on real time series
#
# **Goals.** After this lesson you can
#
# * split a time series by dates (train on the past, judge on the future) and fit every
#   transform on the training period only;
# * build input windows that never contain their own target, and check it;
# * score honest baselines first (persistence, seasonal naive, the seasonal average) and say
#   when a network has learned nothing beyond them;
# * write the SimpleRNN, LSTM and GRU equations and check them against Keras weight for weight;
# * compare SimpleRNN, LSTM, GRU and a 1-D convolution over several seeds, choose on
#   validation data, and score the test year once;
# * see why a network fed raw levels cannot follow a trend, and what a log transform and
#   seasonal differencing change.
#
# **Data.** Daily minimum temperatures in Melbourne, 1981–1990 (Australian Bureau of
# Meteorology, 3,650 days), and the monthly totals of international airline passengers,
# 1949–1960 (Box & Jenkins), in thousands.

# %%
# Set-up (the same cell opens every lesson): make the course's `helpers` importable (in Colab,
# fetch the course first), then seed everything, quiet TensorFlow and read QUICK mode.
import subprocess
import sys
from pathlib import Path

COURSE_REPO = "https://github.com/dl-course/dl-course"  # as in pyproject.toml; a fork edits both


def is_course_folder(folder: Path) -> bool:  # the course's own helpers, not any folder of that name
    project = folder / "pyproject.toml"
    return (folder / "helpers" / "environment.py").is_file() and project.is_file() and (
        'name = "dlcourse-helpers"' in project.read_text(encoding="utf-8"))


if "google.colab" in sys.modules and not is_course_folder(Path("dl-course")):
    clone = subprocess.run(["git", "clone", "--depth", "1", COURSE_REPO, "dl-course"],
                           capture_output=True, text=True)
    if clone.returncode != 0:
        raise RuntimeError(f"Could not clone the course from {COURSE_REPO}:\n{clone.stderr}"
                           "Check the address; for a fork, set COURSE_REPO above to the fork's.")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "dl-course"], check=True)
for folder in (Path.cwd(), *Path.cwd().parents, Path("dl-course").resolve()):
    if is_course_folder(folder):
        sys.path.insert(0, str(folder))
        break
try:
    import helpers
except ModuleNotFoundError as error:
    raise ModuleNotFoundError(f"{error}. Install the course: in the course folder run "
                              "pip install -r requirements.txt, then restart the kernel.") from error

QUICK = helpers.setup()

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers import checks
from helpers import timeseries as ts
from helpers.crossval import fit_in_memory
from helpers.datasets import load_airline_passengers, load_daily_min_temperatures
from helpers.recurrent import run_layer

SEED = helpers.seed()
# Three training runs per model (two in QUICK mode), with seeds of their own: 3·SEED,
# 3·SEED + 1, 3·SEED + 2, so that runs of the lesson with different seeds share none.
SEEDS = [3 * SEED + k for k in range(2 if QUICK else 3)]

# %% [markdown]
# ## 1. The temperature series
#
# One value per day. The file has no 31 December in the leap years 1984 and 1988; windows
# and "the day before" need a regular calendar, so we re-index to every day and fill those
# two days by linear interpolation between their neighbours. Both lie in the training
# period, and we say so.

# %%
raw = load_daily_min_temperatures()["temperature"]
temperature = raw.asfreq("D")
filled = temperature.index[temperature.isna()]
temperature = temperature.interpolate()
print(
    f"{len(raw)} days in the file, {len(temperature)} in the calendar; filled: "
    f"{[str(d.date()) for d in filled]}"
)
print(f"zero values: {int((temperature == 0).sum())} (they will matter for MAPE)")

fig, (ax_all, ax_year) = plt.subplots(1, 2, figsize=(13, 3.5), width_ratios=(2, 1))
ax_all.plot(temperature, lw=0.4)
ax_all.set(title="Daily minimum temperature, Melbourne", ylabel="°C")
ax_year.plot(temperature["1989"], lw=0.8)
ax_year.set(title="One year (1989): season plus day-to-day noise")
for ax in (ax_all, ax_year):
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %%
# Check: a regular daily calendar 1981-1990, the two missing days filled, nothing else
assert len(temperature) == 3652 and temperature.index.freqstr == "D"
assert [str(d.date()) for d in filled] == ["1984-12-31", "1988-12-31"]
assert not temperature.isna().any()

# %% [markdown]
# ## 2. A chronological split
#
# A model is used on days after the ones it learned from, so it is judged that way:
#
# | period | dates | used for |
# |---|---|---|
# | training | 1981–1988 | fitting weights, scalers, seasonal averages |
# | validation | 1989 | early stopping and every choice we make |
# | test | 1990 | scored once, at the end |
#
# A *shuffled* split would put days of 1990 into training, next to days of 1990 in the test
# set: the model could interpolate between neighbours instead of forecasting.

# %%
TRAIN_END, VAL_END = "1988-12-31", "1989-12-31"
train, val, test = ts.split_by_dates(temperature, TRAIN_END, VAL_END)
print(f"training {len(train)} days, validation {len(val)}, test {len(test)}")

fig, ax = plt.subplots(figsize=(13, 3))
for part, label in ((train, "training"), (val, "validation"), (test, "test")):
    ax.plot(part, lw=0.4, label=label)
ax.set(ylabel="°C", title="Train on the past, validate on 1989, test on 1990")
ax.legend(loc="upper left", ncol=3)
plt.show()

# %%
# Check: periods in time order, no day in two of them, none lost
assert train.index.max() < val.index.min() and val.index.max() < test.index.min()
assert len(train) + len(val) + len(test) == len(temperature)

# %% [markdown]
# ## 3. Honest baselines first
#
# Before any network, the forecasts that need no learning at all. Each forecasts day $t$
# (one day ahead) from what is known at the end of day $t-1$:
#
# * **persistence**: $\hat y_t = y_{t-1}$, "tomorrow is like today";
# * **seasonal naive**: $\hat y_t = y_{t - 1\,\text{year}}$, the same date a year before;
# * **seasonal average**: the average of the training years (1981–1988) for that calendar
#   day. Eight values per calendar day make a noisy average, so we also try smoothing it
#   with a moving mean over neighbouring days, and **choose the width on validation data**.
#
# A network that does not beat the best of these has learned nothing useful.
#
# The scores: mean absolute error, $\text{MAE} = \frac1n\sum_t |\hat y_t - y_t|$, and root
# mean squared error, $\text{RMSE} = \sqrt{\frac1n\sum_t (\hat y_t - y_t)^2}$, both in °C;
# RMSE punishes large misses more.

# %%
smooth_choices = (1, 7, 15, 31)
val_mae_by_width = {
    width: ts.mae(val, ts.seasonal_average(temperature, TRAIN_END, smooth=width)[val.index])
    for width in smooth_choices
}
SMOOTH = min(val_mae_by_width, key=val_mae_by_width.get)
print("validation MAE of the seasonal average by smoothing width (days):")
print({width: round(score, 3) for width, score in val_mae_by_width.items()})
print(f"chosen on validation data: {SMOOTH} days")

baselines = {
    "persistence": ts.persistence(temperature),
    "seasonal naive": ts.seasonal_naive(temperature),
    "seasonal average (raw)": ts.seasonal_average(temperature, TRAIN_END),
    f"seasonal average ({SMOOTH}-day smoothed)": ts.seasonal_average(
        temperature, TRAIN_END, smooth=SMOOTH
    ),
}
pd.DataFrame(
    {name: ts.forecast_scores(val, forecast[val.index]) for name, forecast in baselines.items()}
).T.round(3)

# %% [markdown]
# These are validation scores (1989); the test year waits until the end. Why no MAPE, the
# *percentage* error $\frac{100}{n}\sum_t |\hat y_t - y_t| / |y_t|$? Melbourne has nights at
# exactly 0 °C, and MAPE divides by the truth:

# %%
try:
    ts.mape(temperature, baselines["persistence"].fillna(0))
except ValueError as error:
    print("MAPE refused:", error)

# %% [markdown]
# (And on a Celsius scale a "percentage" has no meaning anyway: 2 °C is not twice 1 °C.)
#
# ## 4. What the network sees: windows, without look-ahead
#
# We do not ask the network to rediscover the season. It gets, for each of the last $W$
# days, three numbers, all known at forecast time:
#
# 1. the day's **deviation** from the (chosen) seasonal average, $d_t = y_t - s_t$, divided
#    by the standard deviation of $d$ over the training period (`ts.TrainingScaler`, which
#    refuses to look past 1988);
# 2. and 3. $\sin$ and $\cos$ of $2\pi \cdot \text{day of year} / 365.25$, so that 31
#    December and 1 January are neighbours.
#
# It predicts the next day's scaled deviation; adding the seasonal average back gives the
# forecast in °C. Window $i$ holds days $i, \dots, i+W-1$ and its target is day $i+W$:
#
# $$\big(x_i, \dots, x_{i+W-1}\big) \;\longmapsto\; d_{i+W}.$$

# %%
WINDOW = 14
seasonal = baselines[f"seasonal average ({SMOOTH}-day smoothed)"]
deviation = temperature - seasonal
scaler = ts.TrainingScaler(TRAIN_END).fit(deviation)
scaled = scaler.transform(deviation)
angle = 2 * np.pi * temperature.index.day_of_year.to_numpy() / 365.25
features = np.column_stack([scaled.to_numpy(), np.sin(angle), np.cos(angle)]).astype("float32")


def period_windows(start: str, end: str):
    """Windows whose target day lies in [start, end]; inputs may reach into the period before."""
    return ts.windows_for_period(features, scaled, WINDOW, start, end)


x_train, y_train, days_train = period_windows("1981-01-01", TRAIN_END)
x_val, y_val, days_val = period_windows("1989-01-01", VAL_END)
x_test, y_test, days_test = period_windows("1990-01-01", "1990-12-31")
print(f"windows: x_train {x_train.shape}, x_val {x_val.shape}, x_test {x_test.shape}")
print(f"scaler (training period only): mean {scaler.mean_:.3f} °C, sd {scaler.scale_:.3f} °C")

# %% [markdown]
# The same windows from Keras's own `keras.utils.timeseries_dataset_from_array`, and a
# direct proof that no window contains its target: make windows of the day *numbers*
# themselves and compare them with their target's number.

# %%
keras_windows = keras.utils.timeseries_dataset_from_array(
    features[:-1], scaled.to_numpy()[WINDOW:], WINDOW, batch_size=len(features), shuffle=False
)
x_keras, y_keras = (np.asarray(a) for a in next(iter(keras_windows)))
x_all, y_all, target_positions = ts.make_windows(features, scaled.to_numpy(), WINDOW)
day_numbers = np.arange(len(temperature))
x_days, y_days, _ = ts.make_windows(day_numbers, day_numbers, WINDOW)
print(f"Keras made {len(x_keras)} windows, the helper {len(x_all)}")
print(
    f"last input day − target day: from {int((x_days[:, -1, 0] - y_days).min())} "
    f"to {int((x_days[:, -1, 0] - y_days).max())}"
)

# %%
# Check: identical to Keras's windows, and every input day strictly before its target day
np.testing.assert_array_equal(x_all, x_keras)
np.testing.assert_allclose(y_all, y_keras)
assert np.all(x_days[:, :, 0] < y_days[:, None])
assert (days_train.max() < days_val.min()) and (days_val.max() < days_test.min())

# %% [markdown]
# ## 5. Recurrent cells, by hand
#
# A recurrent layer reads the window one step at a time and carries a **state** $h_t$
# from step to step; the same weights are used at every step. With $x_t$ a row vector
# (batch rows), Keras's conventions are:
#
# **SimpleRNN**: $\;h_t = \tanh(x_t W + h_{t-1} U + b)$.
#
# Its gradient through $T$ steps is a product of $T$ Jacobians
# $\operatorname{diag}(1 - h_t^2)\,U^\top$, which shrinks (or grows) geometrically: the
# SimpleRNN struggles to use anything far back.
#
# **LSTM** adds a cell state $c_t$ updated *additively* through gates, with $\sigma$ the
# logistic function and Keras's gate order input, forget, candidate, output:
#
# $$\begin{aligned}
# i_t &= \sigma(x_t W_i + h_{t-1} U_i + b_i), &
# f_t &= \sigma(x_t W_f + h_{t-1} U_f + b_f), \\
# g_t &= \tanh(x_t W_g + h_{t-1} U_g + b_g), &
# o_t &= \sigma(x_t W_o + h_{t-1} U_o + b_o), \\
# c_t &= f_t \odot c_{t-1} + i_t \odot g_t, &
# h_t &= o_t \odot \tanh(c_t).
# \end{aligned}$$
#
# When $f_t \approx 1$ and $i_t \approx 0$ the cell state passes unchanged, and so does its
# gradient.
#
# **GRU** merges cell and hidden state, with an update gate $z$ and a reset gate $r$
# (Keras's order $z, r, \tilde h$):
#
# $$z_t = \sigma(x_t W_z + h_{t-1} U_z + b_z), \quad
#   r_t = \sigma(x_t W_r + h_{t-1} U_r + b_r), \quad
#   h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t,$$
#
# and two conventions for the candidate $\tilde h_t$:
#
# * `reset_after=True` (**Keras's default**, and cuDNN's):
#   $\tilde h_t = \tanh\!\big(x_t W_h + b_h + r_t \odot (h_{t-1} U_h + b'_h)\big)$,
#   with two bias vectors (a bias of shape $(2, 3u)$);
# * `reset_after=False` (the original paper's):
#   $\tilde h_t = \tanh\!\big(x_t W_h + (r_t \odot h_{t-1})\, U_h + b_h\big)$.
#
# `helpers/recurrent.py` writes these in NumPy (read it: each step is a few lines). We
# give Keras layers random weights, biases included, and compare. The NumPy code runs in
# float64 and Keras in float32, so we accept differences up to $10^{-5}$; a wrong gate order
# or bias convention gives differences of order 0.1.

# %%
rng = np.random.default_rng(SEED)
x_cells = rng.normal(size=(4, WINDOW, 3)).astype("float32")
layers_by_hand = {
    "SimpleRNN": ("simple_rnn", keras.layers.SimpleRNN(8), True),
    "LSTM": ("lstm", keras.layers.LSTM(8), True),
    "GRU, reset_after=True": ("gru", keras.layers.GRU(8, reset_after=True), True),
    "GRU, reset_after=False": ("gru", keras.layers.GRU(8, reset_after=False), False),
}
cell_errors = {}
for name, (kind, layer, reset_after) in layers_by_hand.items():
    layer(x_cells)  # builds the weights
    layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.get_weights()])
    by_keras = keras.ops.convert_to_numpy(layer(x_cells))
    by_hand = run_layer(kind, x_cells, layer.get_weights(), reset_after=reset_after)
    cell_errors[name] = float(np.abs(by_hand - by_keras).max())
    shapes = [w.shape for w in layer.get_weights()]
    print(f"{name:<23} weights {shapes}: max |NumPy − Keras| = {cell_errors[name]:.1e}")

# %%
# Check: the equations above are what Keras computes (tolerance 1e-5)
assert max(cell_errors.values()) < 1e-5

# %% [markdown]
# ## 6. Four networks, three seeds each
#
# SimpleRNN, LSTM and GRU with 32 units, each followed by one linear output, and for
# comparison a **1-D convolution** over the same window (16 filters of width 3, then one
# linear output over all of them) that has no recurrence at all. All are trained to
# minimise MAE (the score we report) with Adam, and early stopping on the 1989 windows
# restores the best epoch's weights. Every model trains once per seed (three seeds; two,
# with fewer epochs and only the training years 1985–1988, in QUICK mode); `fit_in_memory`
# (from `helpers/crossval.py`) is `model.fit` with the windows fed through one shuffled
# `tf.data` pipeline.

# %%
UNITS = 32
EPOCHS, PATIENCE = (3, 1) if QUICK else (40, 5)
FIT_FROM = "1985-01-01" if QUICK else "1981-01-01"  # first target day trained on
BATCH_SIZE = 64
KINDS = ("SimpleRNN", "LSTM", "GRU", "Conv1D")
RECURRENT = ("SimpleRNN", "LSTM", "GRU")


def build_forecaster(kind: str, window: int, n_features: int, units: int = UNITS) -> keras.Model:
    """One hidden layer of the given kind, then a linear output: one number per window."""
    inputs = keras.Input(shape=(window, n_features))
    if kind == "SimpleRNN":
        hidden = keras.layers.SimpleRNN(units)(inputs)
    elif kind == "LSTM":
        hidden = keras.layers.LSTM(units)(inputs)
    elif kind == "GRU":
        hidden = keras.layers.GRU(units)(inputs)
    elif kind == "Conv1D":
        hidden = keras.layers.Conv1D(16, 3, activation="relu")(inputs)
        hidden = keras.layers.Flatten()(hidden)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden), name=kind)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="mae")
    return model


def train_forecaster(
    kind, seed, x_fit, y_fit, x_check, y_check, window, epochs, patience, batch_size
):
    """Seed, build and fit one model with early stopping on (x_check, y_check)."""
    keras.utils.set_random_seed(seed)
    model = build_forecaster(kind, window, x_fit.shape[-1])
    stop = keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)
    history = fit_in_memory(
        model,
        x_fit,
        y_fit,
        validation_data=(x_check, y_check),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=[stop],
        seed=seed,
    )
    return model, history


def predict(model, x):
    """The model's outputs as a flat array (a direct call: on a few hundred windows it is
    faster than `model.predict`, which first builds a prediction pipeline)."""
    return keras.ops.convert_to_numpy(model(x, training=False))[:, 0]


def to_celsius(scaled_prediction, days):
    """Undo the scaling and add the seasonal average back: a forecast in °C."""
    return scaler.inverse_transform(np.ravel(scaled_prediction)) + seasonal[days].to_numpy()


fit_rows = days_train >= pd.Timestamp(FIT_FROM)
x_fit, y_fit = x_train[fit_rows], y_train[fit_rows]
models, histories, val_rows = {}, {}, []
start = time.perf_counter()
for kind in KINDS:
    for seed in SEEDS:
        model, history = train_forecaster(
            kind, seed, x_fit, y_fit, x_val, y_val, WINDOW, EPOCHS, PATIENCE, BATCH_SIZE
        )
        models[kind, seed], histories[kind, seed] = model, history
        forecast = to_celsius(predict(model, x_val), days_val)
        val_rows.append(
            {
                "model": kind,
                "seed": seed,
                "epochs": len(history.history["loss"]),
                **ts.forecast_scores(val[days_val], forecast),
            }
        )
print(f"{len(models)} models trained in {time.perf_counter() - start:.0f} s")
print("parameters: " + ", ".join(f"{k} {models[k, SEEDS[0]].count_params()}" for k in KINDS))
val_table = pd.DataFrame(val_rows)
val_summary = val_table.groupby("model", sort=False)[["MAE", "RMSE", "epochs"]].agg(["mean", "std"])
val_summary.round(3)

# %%
fig, axes = plt.subplots(1, len(KINDS), figsize=(14, 3), sharey=True)
for ax, kind in zip(axes, KINDS, strict=True):
    for seed in SEEDS:
        ax.plot(histories[kind, seed].history["val_loss"], label=f"seed {seed}")
    ax.set(title=kind, xlabel="epoch")
    ax.grid(alpha=0.3)
axes[0].set_ylabel("validation MAE (scaled)")
axes[0].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# **Choosing, on validation data only.** The recurrent model with the lowest mean
# validation MAE over the seeds is "our" recurrent model; the best baseline is also the
# one with the lowest validation MAE. Nothing below changes these choices.

# %%
val_mae = val_summary[("MAE", "mean")]
best_recurrent = val_mae[list(RECURRENT)].idxmin()
val_baseline_mae = {name: ts.mae(val, f[val.index]) for name, f in baselines.items()}
best_baseline_on_val = min(val_baseline_mae, key=val_baseline_mae.get)
print(
    f"recurrent model chosen on 1989: {best_recurrent} "
    f"(validation MAE {val_mae[best_recurrent]:.3f} °C)"
)
print(
    f"best baseline on 1989: {best_baseline_on_val} "
    f"(validation MAE {val_baseline_mae[best_baseline_on_val]:.3f} °C)"
)

# %% [markdown]
# ## 7. The test year, once
#
# Now, and only now, 1990: every baseline and every trained model, one table, mean ± sd over
# the seeds for the networks (a baseline has no seed).

# %%
test_rows = []
for name, forecast in baselines.items():
    test_rows.append({"forecaster": name, **ts.forecast_scores(test, forecast[test.index])})
test_forecasts = {}
for (kind, seed), model in models.items():
    test_forecasts[kind, seed] = to_celsius(predict(model, x_test), days_test)
    test_rows.append(
        {"forecaster": kind, **ts.forecast_scores(test[days_test], test_forecasts[kind, seed])}
    )
test_table = pd.DataFrame(test_rows).groupby("forecaster", sort=False).agg(["mean", "std"])
test_table.round(3)

# %%
baseline_test_mae = {name: ts.mae(test, f[test.index]) for name, f in baselines.items()}
best_baseline_test = min(baseline_test_mae.values())
chosen_test_mae = test_table.loc[best_recurrent, ("MAE", "mean")]
improvement = 1 - chosen_test_mae / best_baseline_test
print(
    f"best of the baselines on 1990: MAE {best_baseline_test:.3f} °C "
    f"({min(baseline_test_mae, key=baseline_test_mae.get)})"
)
print(
    f"{best_recurrent} (chosen on 1989): MAE {chosen_test_mae:.3f} "
    f"± {test_table.loc[best_recurrent, ('MAE', 'std')]:.3f} °C over {len(SEEDS)} seeds"
)
print(
    f"{improvement:+.1%} below the best baseline; the course's target is at least 10 %: "
    f"{'reached' if improvement >= 0.10 else 'NOT reached'} in this run"
    + (" (QUICK mode: few epochs)" if QUICK else "")
)

# %%
fig, (ax_year, ax_zoom) = plt.subplots(2, 1, figsize=(13, 7))
first_forecast = test_forecasts[best_recurrent, SEEDS[0]]
zoom = slice(150, 210)  # two winter months
for ax, part in ((ax_year, slice(None)), (ax_zoom, zoom)):
    ax.plot(days_test[part], test[days_test].to_numpy()[part], color="k", lw=1, label="truth")
    ax.plot(
        days_test[part],
        baselines["persistence"][days_test].to_numpy()[part],
        lw=0.8,
        alpha=0.7,
        label="persistence",
    )
    ax.plot(
        days_test[part],
        seasonal[days_test].to_numpy()[part],
        lw=1.2,
        label=f"seasonal average ({SMOOTH}-day)",
    )
    ax.plot(days_test[part], first_forecast[part], lw=1, label=f"{best_recurrent}, seed {SEEDS[0]}")
    ax.set_ylabel("°C")
    ax.grid(alpha=0.3)
ax_year.set_title("1990, the test year: one-day-ahead forecasts")
ax_zoom.set_title("Two months of it")
ax_year.legend(ncol=4, loc="upper center")
fig.tight_layout()
plt.show()

# %%
# Check: the test year was scored with every forecaster on the same 365 days
assert len(days_test) == len(test) == 365 and np.all(days_test == test.index)
assert set(test_table.index) == set(baselines) | set(KINDS)

# %% [markdown]
# **Reading the table.** Compare each network with the best baseline, not with the worst:
# beating the seasonal naive forecast (a single year ago is a noisy guess) is easy;
# beating persistence and the smoothed seasonal average is not. The networks predict the
# deviation from the seasonal average from the last two weeks; in the plot above their
# forecast mostly stays near the seasonal average, pulled towards the last few days. Look at the sd column
# too: differences between the network types that are not larger than their seed-to-seed
# spread are noise, whichever comes out on top in one run.
#
# ## 8. A trending series: airline passengers
#
# 144 months; the number of passengers grows year after year and its seasonal swing grows
# with it. Training period 1949–1958, validation 1959, test 1960. This series has no zeros,
# so MAPE is defined. The fourth baseline is made for trends: seasonal naive scaled by the
# last year-over-year growth,
#
# $$\hat y_t = y_{t-12} \cdot \frac{\sum_{k=1}^{12} y_{t-k}}{\sum_{k=13}^{24} y_{t-k}}.$$

# %%
passengers = load_airline_passengers()["passengers"].astype(float)
AIR_TRAIN_END, AIR_VAL_END = "1958-12-31", "1959-12-31"
air_train, air_val, air_test = ts.split_by_dates(passengers, AIR_TRAIN_END, AIR_VAL_END)
air_baselines = {
    "persistence": ts.persistence(passengers),
    "seasonal naive": ts.seasonal_naive(passengers),
    "monthly average (training years)": ts.seasonal_average(passengers, AIR_TRAIN_END, by="month"),
    "seasonal naive × growth": ts.seasonal_naive_growth(passengers),
}
print(f"highest month in training: {air_train.max():.0f}; in the test year: {air_test.max():.0f}")
pd.DataFrame(
    {
        name: ts.forecast_scores(air_val, f[air_val.index], with_mape=True)
        for name, f in air_baselines.items()
    }
).T.round(2)

# %% [markdown]
# Validation (1959) scores above. The monthly average of the training years is far off: it
# forecasts the *average* year of 1949–1958, while the series has moved on.
#
# **Raw levels.** Scaled levels in, the next scaled level out. In 1960 the inputs lie above
# anything seen in training (the highest training month is printed above), and nothing in
# training showed the network what follows "higher than ever": its tanh units are pushed
# towards saturation and it extrapolates poorly, so it tends to fall short of the new peaks.
# Compare the highest raw-level forecast with the true 1960 peak, printed below.
#
# **Log and seasonal differencing.** $\log y_t$ turns the growing seasonal swing into a
# constant one (growth by a factor becomes a step of constant size), and the seasonal
# difference $\delta_t = \log y_t - \log y_{t-12}$ removes both the season and the trend:
# what is left is the year-over-year growth rate, which stays in the same range in 1960 as
# before. The network forecasts $\hat\delta_t$ and the forecast in passengers is
# $\hat y_t = y_{t-12}\, e^{\hat\delta_t}$, from a value known at forecast time.
#
# Both use a GRU of 16 units on windows of 12 months, scalers fitted on the training period,
# early stopping on 1959, the seeds above (only the first in QUICK mode).

# %%
AIR_WINDOW = 12
AIR_EPOCHS, AIR_PATIENCE = (15, 10) if QUICK else (150, 20)
AIR_SEEDS = SEEDS[:1] if QUICK else SEEDS


def air_forecasts(series, start, back_transform):
    """Train a GRU on windows of `series` per seed; return 1960 forecasts in passengers."""
    air_scaler = ts.TrainingScaler(AIR_TRAIN_END).fit(series)
    z = air_scaler.transform(series)
    values = z.to_numpy()
    x_fit, y_fit, _ = ts.windows_for_period(values, z, AIR_WINDOW, start, AIR_TRAIN_END)
    x_chk, y_chk, _ = ts.windows_for_period(values, z, AIR_WINDOW, "1959-01-01", AIR_VAL_END)
    x_air, _, months = ts.windows_for_period(values, z, AIR_WINDOW, "1960-01-01", "1960-12-31")
    forecasts = []
    for seed in AIR_SEEDS:
        model, _ = train_forecaster(
            "GRU", seed, x_fit, y_fit, x_chk, y_chk, AIR_WINDOW, AIR_EPOCHS, AIR_PATIENCE, 16
        )
        predicted = air_scaler.inverse_transform(predict(model, x_air))
        forecasts.append(back_transform(predicted, months))
    return np.array(forecasts), months


start = time.perf_counter()
raw_forecasts, air_months = air_forecasts(passengers, "1949-01-01", lambda p, months: p)
log_passengers = np.log(passengers)
growth = (log_passengers - log_passengers.shift(12)).dropna()
diff_forecasts, _ = air_forecasts(
    growth,
    "1950-01-01",
    lambda p, months: passengers.shift(12)[months].to_numpy() * np.exp(p),
)
print(f"{2 * len(AIR_SEEDS)} GRUs trained in {time.perf_counter() - start:.0f} s")

# %%
air_rows = [
    {"forecaster": name, **ts.forecast_scores(air_test, f[air_test.index], with_mape=True)}
    for name, f in air_baselines.items()
]
for name, forecasts in (
    ("GRU on raw levels", raw_forecasts),
    ("GRU on log seasonal differences", diff_forecasts),
):
    air_rows += [
        {"forecaster": name, **ts.forecast_scores(air_test, f, with_mape=True)} for f in forecasts
    ]
air_table = pd.DataFrame(air_rows).groupby("forecaster", sort=False).agg(["mean", "std"])
air_table.round(2)

# %%
fig, ax = plt.subplots(figsize=(12, 4))
ax.plot(passengers["1957":], color="k", lw=1.2, label="truth")
ax.plot(air_months, raw_forecasts[0], "o-", ms=3, label="GRU on raw levels")
ax.plot(air_months, diff_forecasts[0], "o-", ms=3, label="GRU on log seasonal differences")
ax.plot(air_baselines["seasonal naive × growth"]["1960"], "--", label="seasonal naive × growth")
ax.axhline(air_train.max(), color="grey", lw=0.8, ls=":", label="highest training month")
ax.set(ylabel="passengers (thousands)", title=f"1960, the test year (seed {AIR_SEEDS[0]})")
ax.grid(alpha=0.3)
ax.legend(fontsize=8)
plt.show()

raw_mae = air_table.loc["GRU on raw levels", ("MAE", "mean")]
diff_mae = air_table.loc["GRU on log seasonal differences", ("MAE", "mean")]
growth_mae = air_table.loc["seasonal naive × growth", ("MAE", "mean")]
print(
    f"highest 1960 forecast, raw levels: {raw_forecasts.max(axis=1).mean():.0f}; "
    f"true 1960 peak: {air_test.max():.0f}"
)
print(
    f"MAE 1960: raw levels {raw_mae:.1f}, log seasonal differences {diff_mae:.1f}, "
    f"seasonal naive × growth {growth_mae:.1f}"
)
winner = min(
    ("raw levels", raw_mae),
    ("log seasonal differences", diff_mae),
    ("seasonal naive × growth", growth_mae),
    key=lambda item: item[1],
)[0]
print(f"lowest MAE of the three in this run: {winner}")

# %%
# Check: the test year leaves the training range (the raw-level network must extrapolate),
# and the growth baseline uses only the past (its forecast exists from the third year on)
assert air_test.max() > air_train.max()
assert air_baselines["seasonal naive × growth"][:"1950-12-31"].isna().all()

# %% [markdown]
# **What the airline series teaches.** Compare the three lines printed above. Transforming
# the series so that what the network must predict looks the same in the test year as in
# training (log, then seasonal difference) is what lets it follow the trend; the raw-level
# network has no way to know that the future lies above its training range. With only 96
# to 108 training windows, a simple baseline that builds in the growth directly is hard to
# beat: if the growth baseline has the lowest MAE, the honest conclusion is that, on this
# little data, the network has not earned its place.

# %% [markdown]
# > **Common mistakes**
# >
# > * A shuffled train/test split of a time series, or a scaler (or seasonal average, or any
# >   transform) fitted on the whole series: the test period leaks into training. Split by
# >   dates; fit on the training period only.
# > * A window that contains its own target (an off-by-one in the slicing): the network
# >   then "forecasts" perfectly in training and fails in use. Check it as in section 4.
# > * No baselines: a network's MAE means nothing alone. A forecaster that does not beat
# >   persistence and the seasonal average has learned nothing.
# > * Choosing the model, the epoch or the smoothing by its test score: choose on validation
# >   data and score the test year once.
# > * Comparing network types on one seed: report mean ± sd over seeds.
# > * MAPE on a series with zeros (or on a scale like °C, where percentages mean nothing).
# > * Feeding a trending series as raw levels: the future leaves the training range. Take
# >   logs and differences, forecast those, and transform back.
# > * Mixing up the GRU conventions: Keras's default `reset_after=True` applies the reset
# >   gate after the recurrent matrix product and has two bias vectors.

# %% [markdown]
# ## Exercises
#
# **Exercise 1: counting weights.** How many trainable parameters has
# `keras.layers.GRU(20)` (Keras's default, `reset_after=True`) on inputs with 5 features
# per time step? Count them from the equations of section 5, not with Keras.

# %%
answer_gru_params = ...  # a whole number

HINT_PARAMS = (
    "Each of the 3 blocks (z, r, candidate) has an input matrix (features × units) and a "
    "recurrent matrix (units × units); mind how many bias vectors reset_after=True has."
)
checks.check_digest(answer_gru_params, "f9d30a24c6a4e037", hint=HINT_PARAMS)

# %% [markdown]
# **Exercise 2: a baseline by hand.** Compute the MAE (°C) of persistence over the
# *training* period, 2 January 1981 to 31 December 1988 (the first day has no day before
# it). Use `train` from section 2.

# %%
answer_persistence_mae = ...  # a number in °C

ts.check_persistence_mae(answer_persistence_mae, temperature, TRAIN_END)

# %% [markdown]
# **Exercise 3: spot the look-ahead.** Which of these leak information from the test
# period (or from the target) into the forecast? Answer with a set of letters, e.g.
# `{"a", "c"}`.
#
# * (a) fitting `StandardScaler` on the whole series, then splitting by dates;
# * (b) an input window of days $t-14, \dots, t$ to forecast day $t$;
# * (c) the seasonal average computed from the training years only;
# * (d) the inputs of the first windows of 1990 reaching back into December 1989;
# * (e) choosing the smoothing width of the seasonal average by its MAE on 1990.

# %%
answer_leaks = ...  # a set of letters

HINT_LEAKS = (
    "Ask of each: does anything measured on or after the forecast day, or in the "
    "test year, enter the forecast or a choice?"
)
checks.check_digest(answer_leaks, "a4bf505ebb17f380", hint=HINT_LEAKS)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: 3 blocks × (5·20 input weights + 20·20 recurrent weights + 2·20 biases)
answer_gru_params = 3 * (5 * 20 + 20 * 20 + 2 * 20)  # 1620
assert checks.check_digest(answer_gru_params, "f9d30a24c6a4e037", hint=HINT_PARAMS)
gru_check = keras.Sequential([keras.Input((WINDOW, 5)), keras.layers.GRU(20)])
assert gru_check.count_params() == answer_gru_params

# %%
# Exercise 2
answer_persistence_mae = float(np.mean(np.abs(train.to_numpy()[1:] - train.to_numpy()[:-1])))
assert ts.check_persistence_mae(answer_persistence_mae, temperature, TRAIN_END)

# %%
# Exercise 3: (a) the scaler learns 1990's mean and spread; (b) the window contains day t,
# its own target; (e) the test year chooses a setting. (c) and (d) use only the past.
answer_leaks = {"a", "b", "e"}
assert checks.check_digest(answer_leaks, "a4bf505ebb17f380", hint=HINT_LEAKS)

# %% [markdown]
# ## Results

# %%
helpers.record(
    "14",
    test_mae_best_baseline=best_baseline_test,
    test_mae_chosen_recurrent=chosen_test_mae,
    improvement_over_best_baseline=improvement,
    **{f"test_mae_{k.lower()}": test_table.loc[k, ("MAE", "mean")] for k in KINDS},
    test_mae_persistence=baseline_test_mae["persistence"],
    test_mae_seasonal_average=baseline_test_mae[f"seasonal average ({SMOOTH}-day smoothed)"],
    smoothing_days=SMOOTH,
    air_mae_raw_levels=raw_mae,
    air_mae_log_seasonal_diff=diff_mae,
    air_mae_naive_growth=growth_mae,
)
