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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/09_dropout_sonar.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/09_dropout_sonar.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F09_dropout_sonar.ipynb)
# # 09 · Dropout, and comparing two models honestly on a small data set
#
# **Goals.** After this lesson you can
#
# * make over-fitting visible: learning curves, and training against test accuracy, both
#   measured with `model.evaluate`;
# * explain *inverted* dropout (what Keras does at training and at inference time) and
#   check it on a tensor;
# * compare two models on a data set of 208 rows with repeated stratified k-fold
#   cross-validation, with the scaler and early stopping kept inside each fold;
# * read a paired comparison (the same folds for both models) and report the result
#   honestly, whichever model wins.
#
# **Data.** The UCI "Connectionist Bench (Sonar, Mines vs. Rocks)" set (Gorman &
# Sejnowski, 1988): 208 sonar returns, each summarised by the energy in 60 frequency bands
# (values in $[0, 1]$), bounced off either a metal cylinder ("M", a mine) or a rock ("R").

# %%
# Set-up (the same cell opens every lesson): make the course's `helpers` importable (on Colab or
# Kaggle, fetch the course first), then seed everything, quiet TensorFlow and read QUICK mode.
import os
import subprocess
import sys
from pathlib import Path

COURSE_REPO = "https://github.com/dl-course/dl-course"  # as in pyproject.toml; a fork edits both
HOSTED = "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ  # Colab, Kaggle


def is_course_folder(folder: Path) -> bool:  # the course's own helpers, not any folder of that name
    project = folder / "pyproject.toml"
    return (
        (folder / "helpers" / "environment.py").is_file()
        and project.is_file()
        and ('name = "dlcourse-helpers"' in project.read_text(encoding="utf-8"))
    )


if HOSTED and not is_course_folder(Path("dl-course")):  # (Binder starts in the course folder)
    clone = subprocess.run(
        ["git", "clone", "--depth", "1", COURSE_REPO, "dl-course"], capture_output=True, text=True
    )
    if clone.returncode != 0:
        raise RuntimeError(
            f"Could not clone the course from {COURSE_REPO}:\n{clone.stderr}"
            "Check the address (on Kaggle, also turn on Internet in the notebook's "
            "settings); for a fork, set COURSE_REPO above to the fork's."
        )
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "dl-course"], check=True)
for folder in (Path.cwd(), *Path.cwd().parents, Path("dl-course").resolve()):
    if is_course_folder(folder):
        sys.path.insert(0, str(folder))
        break
try:
    import helpers
except ModuleNotFoundError as error:
    raise ModuleNotFoundError(
        f"{error}. Install the course: in the course folder run "
        "pip install -r requirements.txt, then restart the kernel."
    ) from error

QUICK, SEED = helpers.setup()

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats
from sklearn.preprocessing import StandardScaler

from helpers import checks, exercises
from helpers.crossval import cross_validate
from helpers.datasets import load_sonar
from helpers.evaluation import train_val_test_split
from helpers.plots import plot_history
from helpers.training import fit_in_memory

# %% [markdown]
# ## 1. The data

# %%
sonar = load_sonar()
print(sonar.shape)
print(sonar["label"].value_counts().to_string())
sonar.head(3)

# %%
x = sonar.drop(columns="label").to_numpy(dtype="float32")
y = (sonar["label"] == "M").to_numpy().astype("int64")  # 1 = mine, 0 = rock

fig, ax = plt.subplots(figsize=(8, 3))
for label, name in ((1, "mine (M)"), (0, "rock (R)")):
    ax.plot(x[y == label].mean(axis=0), label=f"{name}, mean of {np.sum(y == label)} returns")
ax.set_xlabel("frequency band")
ax.set_ylabel("energy")
ax.set_title("Average sonar return per class")
ax.legend()
plt.show()

# %%
# Check: 208 returns, 60 bands in [0, 1], both classes present
assert x.shape == (208, 60) and set(np.unique(y)) == {0, 1}
assert x.min() >= 0 and x.max() <= 1

# %% [markdown]
# The two averages differ, but individual returns overlap a lot: it is a hard problem with
# very few examples, 60 features for 208 rows. That is exactly where a large network learns
# the training rows by heart.
#
# ## 2. Over-fitting, made visible
#
# One stratified split into training (60 %), validation (20 %) and test (20 %) rows. The
# scaler is fit on the training rows only, then applied to all three parts.
#
# The network is deliberately large for 124 rows: 60 inputs, 512 ReLU units, one sigmoid
# output: 60 · 512 + 512 weights and biases in the hidden layer, then 512 + 1 in the output,
# 31 745 in all, some 250 per training row. We train it for a fixed, generous number of
# epochs *without* early stopping, to watch what happens. `train_and_plot` trains a model so
# and draws its curves; section 3 trains the dropout network with it too, the same way.
# `fit_in_memory` (from `helpers/training.py`) is
# `model.fit(x, y, validation_data=..., epochs=..., batch_size=...)` with the rows fed through
# one `tf.data` pipeline; on a table this small that is several times faster than handing
# Keras NumPy arrays.

# %%
x_train, x_val, x_test, y_train, y_val, y_test = train_val_test_split(
    x, y, val_size=0.2, test_size=0.2, seed=SEED
)
scaler = StandardScaler().fit(x_train)
x_train_s, x_val_s, x_test_s = (scaler.transform(part) for part in (x_train, x_val, x_test))
print(f"rows: {len(x_train)} training, {len(x_val)} validation, {len(x_test)} test")
assert (len(x_train), len(x_val), len(x_test)) == (124, 42, 42)

HIDDEN = 512
DEMO_EPOCHS = 100  # long enough, in both modes, for the rise in validation loss to show
BATCH_SIZE = 16


def build_plain() -> keras.Model:
    """A big dense network and nothing to stop it over-fitting."""
    model = keras.Sequential(
        [
            keras.Input(shape=(60,)),
            keras.layers.Dense(HIDDEN, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="plain",
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def train_and_plot(model: keras.Model, title: str) -> keras.callbacks.History:
    """Train on the training rows for DEMO_EPOCHS epochs, scored on the validation rows; plot."""
    history = fit_in_memory(
        model,
        x_train_s,
        y_train,
        validation_data=(x_val_s, y_val),
        epochs=DEMO_EPOCHS,
        batch_size=BATCH_SIZE,
    )
    plot_history(history, metrics=("loss", "accuracy"), title=title)
    plt.show()
    return history


plain = build_plain()
history_plain = train_and_plot(plain, "No dropout")

# %% [markdown]
# The training loss heads for zero while the validation loss reaches its minimum early and
# then climbs: the network keeps getting *more confident* on rows it has memorised, and
# more confidently wrong on new ones. Training and test accuracy, both measured with
# `model.evaluate`, show the gap:

# %%
val_loss_plain = np.array(history_plain.history["val_loss"])
train_acc_plain = plain.evaluate(x_train_s, y_train, verbose=0)[1]
test_acc_plain = plain.evaluate(x_test_s, y_test, verbose=0)[1]
print(f"best validation loss at epoch {val_loss_plain.argmin() + 1} of {DEMO_EPOCHS}")
print(f"no dropout: training accuracy {train_acc_plain:.3f} | test accuracy {test_acc_plain:.3f}")

# %%
# Check: the big network memorises the training rows and its validation loss rises again
assert train_acc_plain >= 0.99
assert val_loss_plain[-1] > 1.2 * val_loss_plain.min()

# %% [markdown]
# ## 3. Dropout
#
# During training a `Dropout(rate)` layer sets each of its inputs to zero with probability
# $r$ (the rate), independently at every step, so no unit can rely on any particular other
# unit being there. Keras implements **inverted dropout**: with a mask
# $m_i \sim \text{Bernoulli}(1 - r)$,
#
# $$\tilde{x}_i = \begin{cases} \dfrac{m_i\, x_i}{1 - r} & \text{during training} \\[1ex]
#   x_i & \text{at inference,} \end{cases}
#   \qquad \mathbb{E}[\tilde{x}_i] = (1 - r)\,\frac{x_i}{1 - r} = x_i .$$
#
# The kept units are scaled **up** by $1/(1-r)$ during training, so each unit's expected
# input is the same in training and at inference, and **nothing** is scaled at inference:
# the layer simply passes its input through. (The original paper instead scaled the
# weights by $1 - r$ at test time; the two are equivalent in expectation.)
#
# Let us check that on a tensor. `training=True` is what `fit` uses; `predict` and
# `evaluate` call the layer with `training=False`.

# %%
RATE = 0.4
x_demo = np.random.default_rng(SEED).uniform(1.0, 2.0, size=(1, 10_000)).astype("float32")
dropout = keras.layers.Dropout(RATE, seed=SEED)
during_training = keras.ops.convert_to_numpy(dropout(x_demo, training=True))
at_inference = keras.ops.convert_to_numpy(dropout(x_demo, training=False))

kept = during_training != 0
print(f"share of units dropped: {1 - kept.mean():.3f} (rate {RATE})")
print(f"a kept unit: {x_demo[kept][0]:.4f} → {during_training[kept][0]:.4f}")
print(f"mean: input {x_demo.mean():.4f} | training {during_training.mean():.4f}")

# %%
# Check: inverted dropout, as in the formula
np.testing.assert_allclose(during_training[kept], x_demo[kept] / (1 - RATE), rtol=1e-6)
np.testing.assert_array_equal(at_inference, x_demo)  # nothing scaled at inference
assert abs((1 - kept.mean()) - RATE) < 0.03  # about a fraction `rate` dropped
assert abs(during_training.mean() / x_demo.mean() - 1) < 0.03  # the mean is preserved


# %% [markdown]
# The same network with dropout: 20 % on the inputs (each sonar band may be missing) and
# 50 % on the hidden units, the rates of the original paper.


# %%
def build_dropout() -> keras.Model:
    """The same network with dropout on the inputs and on the hidden layer."""
    model = keras.Sequential(
        [
            keras.Input(shape=(60,)),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(HIDDEN, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="dropout",
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


with_dropout = build_dropout()
history_dropout = train_and_plot(with_dropout, "With dropout")

fig, ax = plt.subplots(figsize=(6, 3.5))
epochs = np.arange(1, DEMO_EPOCHS + 1)
ax.plot(epochs, history_plain.history["val_loss"], label="no dropout")
ax.plot(epochs, history_dropout.history["val_loss"], label="dropout")
ax.set(xlabel="epoch", ylabel="validation loss", title="Validation loss, same split")
ax.grid(alpha=0.3)
ax.legend()
plt.show()

# %% [markdown]
# **Reading training metrics correctly.** The loss and accuracy in `fit`'s logs are
# averaged over the epoch's batches *with dropout active*: they describe a thinned network,
# not the one `predict` uses. `evaluate` runs with dropout off. On the training rows the
# two differ (the accuracies may both have reached 1 by now; the losses still differ):

# %%
log_loss_train, log_acc_train = (history_dropout.history[k][-1] for k in ("loss", "accuracy"))
eval_loss_train, train_acc_dropout = with_dropout.evaluate(x_train_s, y_train, verbose=0)
test_acc_dropout = with_dropout.evaluate(x_test_s, y_test, verbose=0)[1]
print(f"dropout, training rows: fit's log loss {log_loss_train:.4f} accuracy {log_acc_train:.3f}")
print(
    f"                        evaluate  loss {eval_loss_train:.4f} accuracy {train_acc_dropout:.3f}"
)
print(
    f"dropout:    training accuracy {train_acc_dropout:.3f} | test accuracy {test_acc_dropout:.3f}"
)
print(f"no dropout: training accuracy {train_acc_plain:.3f} | test accuracy {test_acc_plain:.3f}")
val_loss_dropout = np.array(history_dropout.history["val_loss"])
print(
    f"validation loss at the last epoch: no dropout {val_loss_plain[-1]:.3f}, "
    f"dropout {val_loss_dropout[-1]:.3f}"
)

# %%
# Check: fit's log describes the network with units dropped, hence its higher loss
assert log_loss_train > eval_loss_train

# %% [markdown]
# Compare the two validation-loss curves and the two test accuracies, but **do not read
# much into them**: each comes from 42 rows, so one return more or less correct moves an
# accuracy by $1/42 \approx 2.4$ points, and another split tells another story. The
# standard error of an accuracy $p$ measured on $n$ independent rows is
#
# $$\operatorname{SE}(p) = \sqrt{\frac{p\,(1 - p)}{n}} \approx \sqrt{\frac{0.8 \times 0.2}{42}}
#   \approx 0.06,$$
#
# so one model's accuracy on one split is uncertain by several points either way (with a
# 52-row test set, one row is still ~2 points). A conclusion drawn from one unseeded run on
# one split is mostly noise. We need many splits.

# %%
print(
    f"one test row is worth {1 / len(y_test):.3f} of accuracy; "
    f"SE at p = 0.8: {np.sqrt(0.8 * 0.2 / len(y_test)):.3f}"
)

# %% [markdown]
# That is the noise of *one* accuracy. The *difference* between two models scored on the same
# rows is a paired question, and what matters is where they **disagree**: rows both get right,
# or both get wrong, cancel out. Let $b$ be the rows only dropout gets right and $c$ the rows
# only the plain network gets right; the difference in accuracy is $(b - c)/n$. If the two
# models were equally good, each disagreement would be a coin flip, so *McNemar's exact test*
# asks how likely a split at least as lopsided as $b$ vs $c$ is among $b + c$ fair coin flips
# (a binomial test):

# %%
right_plain = (plain.predict(x_test_s, verbose=0)[:, 0] >= 0.5) == y_test
right_dropout = (with_dropout.predict(x_test_s, verbose=0)[:, 0] >= 0.5) == y_test
only_dropout = int(np.sum(right_dropout & ~right_plain))
only_plain = int(np.sum(right_plain & ~right_dropout))
disagreements = only_dropout + only_plain
mcnemar_p = stats.binomtest(only_dropout, disagreements).pvalue if disagreements else 1.0
print(
    f"the two models disagree on {disagreements} of {len(y_test)} test rows: "
    f"dropout alone right on {only_dropout}, no dropout alone right on {only_plain}; "
    f"McNemar's exact p = {mcnemar_p:.2f}"
)

# %% [markdown]
# With a handful of disagreements even a lopsided split is weak evidence (read the printed
# $p$; 0.05 or less would be needed to call the difference real). And it would only speak for
# *this* split of 208 rows: another split gives other rows to disagree on.

# %% [markdown]
# ## 4. Repeated stratified k-fold cross-validation
#
# $k$-fold cross-validation cuts the rows into $k$ parts (*folds*); each fold is the test set
# once while a fresh model trains on the other $k-1$. *Stratified*: every fold keeps the
# mine/rock ratio. *Repeated*: the whole procedure runs $R$ times with different cuts, so we
# get $kR$ scores. Everything that learns from data stays inside the fold:
#
# 1. the fold's training rows are split again (stratified, 80/20) into rows to fit on and
#    validation rows for early stopping, which restores the best epoch's weights: the
#    fold's test rows are never used to choose anything;
# 2. the `StandardScaler` is fit on the rows to fit on only;
# 3. the trained model is scored once on the fold's test rows with `model.evaluate`.
#
# `helpers.crossval.cross_validate` does exactly this (read it: it is short). Both models
# get the same `random_state`, hence the **same folds**, so their scores can be compared
# fold by fold.

# %%
N_SPLITS, N_REPEATS = (3, 1) if QUICK else (5, 2)
CV_SETTINGS = dict(
    random_state=SEED,
    n_splits=N_SPLITS,
    n_repeats=N_REPEATS,
    epochs=60 if QUICK else 300,
    patience=10 if QUICK else 20,
    batch_size=BATCH_SIZE,
)
start = time.perf_counter()
cv_plain = cross_validate(build_plain, x, y, **CV_SETTINGS)
cv_dropout = cross_validate(build_dropout, x, y, **CV_SETTINGS)
print(f"cross-validation took {time.perf_counter() - start:.0f} s")
print("no dropout:", cv_plain)
print("dropout:   ", cv_dropout)
print(
    "epochs kept by early stopping, median: "
    f"no dropout {np.median(cv_plain.best_epochs):.0f}, "
    f"dropout {np.median(cv_dropout.best_epochs):.0f}"
)

# %%
# Check: both models were scored on the very same folds, every row tested once per repeat
assert len(cv_plain.scores) == len(cv_dropout.scores) == N_SPLITS * N_REPEATS
for a, b in zip(cv_plain.test_indices, cv_dropout.test_indices, strict=True):
    assert np.array_equal(a, b)
assert sorted(np.concatenate(cv_plain.test_indices[:N_SPLITS])) == list(range(len(y)))

# %% [markdown]
# ## 5. The paired comparison
#
# For fold $j$ let $d_j = a^{\text{dropout}}_j - a^{\text{plain}}_j$. Both models saw the
# same rows in fold $j$, so $d_j$ removes the part of the variation that comes from the
# fold being easy or hard. We report $\bar d \pm s_d$ over the $n = kR$ folds.
#
# The folds are not independent (they share training rows), so the usual $t$-test is too
# optimistic. The *corrected resampled* $t$-statistic of Nadeau & Bengio (2003) inflates
# the variance by the ratio of test to training rows, $n_2/n_1 = 1/(k-1)$; Bouckaert & Frank
# (2004) apply it to repeated $k$-fold cross-validation, with all $n = kR$ fold differences:
#
# $$t = \frac{\bar d}{\sqrt{\left(\frac{1}{n} + \frac{n_2}{n_1}\right) s_d^2}},
#   \qquad \text{with } n - 1 \text{ degrees of freedom.}$$

# %%
differences = cv_dropout.scores - cv_plain.scores
mean_diff, sd_diff = differences.mean(), differences.std(ddof=1)
n_folds = len(differences)
t_stat = mean_diff / np.sqrt((1 / n_folds + 1 / (N_SPLITS - 1)) * sd_diff**2)
p_value = 2 * stats.t.sf(abs(t_stat), df=n_folds - 1)
wins, ties = int(np.sum(differences > 0)), int(np.sum(differences == 0))
print(f"dropout − no dropout, per fold: {mean_diff:+.3f} ± {sd_diff:.3f} (mean ± sd)")
print(
    f"dropout better on {wins}, equal on {ties}, worse on {n_folds - wins - ties} "
    f"of {n_folds} folds; corrected t = {t_stat:.2f}, p = {p_value:.2f}"
)

# %% [markdown]
# The plot shows each fold as a dot. The **box plots** summarise them: the box spans the
# middle half of the folds (first to third quartile), the line in it is the median, the
# triangle the mean, and the whiskers reach the most extreme folds within 1.5 box-lengths of
# the box (folds beyond that are drawn as circles). Left: each model's fold accuracies, a
# grey line joining the two scores of the same fold. Right: the per-fold difference; folds
# above the dashed line are ones where dropout did better.

# %%
fig, (ax_scores, ax_diff) = plt.subplots(1, 2, figsize=(10, 4), width_ratios=(2, 1))
rng = np.random.default_rng(SEED)
for position, result in ((0, cv_plain), (1, cv_dropout)):
    ax_scores.boxplot(result.scores, positions=[position], widths=0.5, showmeans=True)
jitter = rng.uniform(-0.06, 0.06, len(differences))  # the same offset for a fold's pair
for j, a, b in zip(jitter, cv_plain.scores, cv_dropout.scores, strict=True):
    ax_scores.plot([j, 1 + j], [a, b], color="grey", alpha=0.4, lw=1)
for position, result in ((0, cv_plain), (1, cv_dropout)):
    ax_scores.scatter(position + jitter, result.scores, s=14, zorder=3)
ax_scores.set_xticks([0, 1], ["no dropout", "dropout"])
ax_scores.set_ylabel("test accuracy of the fold")
ax_scores.set_title(f"{N_REPEATS} × {N_SPLITS}-fold CV (lines join the same fold)")
ax_diff.boxplot(differences, positions=[0], widths=0.5, showmeans=True)
ax_diff.scatter(jitter, differences, s=14, zorder=3)
ax_diff.axhline(0, color="k", lw=1, ls="--")
ax_diff.set_xticks([0], ["dropout − no dropout"])
ax_diff.set_ylabel("difference in the fold's test accuracy")
ax_diff.set_title("Per-fold difference")
for ax in (ax_scores, ax_diff):
    ax.grid(alpha=0.3, axis="y")
fig.tight_layout()
plt.show()

# %%
if mean_diff == 0:
    print("dropout and no dropout tie: the same mean accuracy over the same folds.")
else:
    better, worse = ("dropout", "no dropout") if mean_diff > 0 else ("no dropout", "dropout")
    verdict = (
        "and the corrected test calls the difference significant at the 5 % level"
        if p_value < 0.05
        else "on average, but the corrected test cannot tell it from noise"
    )
    print(
        f"{better} beats {worse} by {abs(mean_diff):.3f} of accuracy {verdict} "
        f"(p = {p_value:.2f}, corrected resampled t-test)."
    )
best_cv = max(cv_plain.mean, cv_dropout.mean)

# %%
# Check: the course's target for the better model (full mode: 2 × 5-fold CV)
if not QUICK:
    assert best_cv >= 0.83, f"best mean CV accuracy {best_cv:.3f} is below 0.83"

# %% [markdown]
# **What to conclude.** Over-fitting is plain to see in one run: the big network without
# dropout memorises its 124 training rows and its validation loss climbs. Dropout changes
# the curves, but whether it gives *better accuracy* once early stopping has done its job
# for both models (early stopping is a regulariser too) is a smaller effect, and only the
# cross-validated, paired numbers can say how large it is. The two lines below are **two
# different comparisons**, not two estimates of one number: the first pits the models against
# each other after a fixed 100 epochs without early stopping, on one split; the second after
# early stopping, over many folds.

# %%
print(
    f"one split of 42 test rows, no early stopping: dropout − no dropout = "
    f"{test_acc_dropout - test_acc_plain:+.3f}"
)
print(
    f"{N_REPEATS} × {N_SPLITS}-fold CV, paired, with early stopping:     dropout − no dropout = "
    f"{mean_diff:+.3f} ± {sd_diff:.3f}"
)

# %% [markdown]
# Their gap has two sources, and these runs cannot separate them: the procedures differ (early
# stopping already restrains the network without dropout, so it leaves dropout less to fix),
# and one split of 42 test rows is noisy (one row is 2.4 points; the spread of the
# cross-validated difference above shows how far single folds scatter). For the question "does
# dropout help this network, trained properly?", the cross-validated line, with its spread, is
# the result to report.

# %%
helpers.record(
    "09",
    cv_acc_plain=cv_plain.mean,
    cv_sd_plain=cv_plain.std,
    cv_acc_dropout=cv_dropout.mean,
    cv_sd_dropout=cv_dropout.std,
    cv_diff_dropout_minus_plain=mean_diff,
    cv_diff_sd=sd_diff,
)

# %% [markdown]
# > **Common mistakes**
# >
# > * Reading training accuracy from `fit`'s logs when the model has dropout: it is measured
# >   with dropout active. Compare training and test accuracy with `evaluate` on both.
# > * Thinking Keras scales activations by $1-r$ at inference. It uses *inverted* dropout:
# >   kept units are scaled by $1/(1-r)$ during training and nothing happens at inference.
# > * Drawing a conclusion from one unseeded run on one small test set: on 42 or 52 rows one
# >   sample is about 2 points. Use repeated, stratified cross-validation, report
# >   mean ± sd, and compare the two models on the same folds.
# > * Fitting the scaler on all rows before cross-validation: the test folds then leak into
# >   the scaling. Fit it inside each fold on the training rows only.
# > * Early stopping on the fold's test rows (or the test set): that chooses the epoch on
# >   the data used for the score. Hold out a validation part of the training rows.
# > * A fixed 100 epochs with no validation set is not a training procedure: use a
# >   validation split and `EarlyStopping(restore_best_weights=True)`.
# > * Putting dropout after the output layer, or using rates so high (0.8 and more on a
# >   small layer) that the network cannot learn at all.

# %% [markdown]
# ## Exercises
#
# **Exercise 1: the scale of a kept unit.** A `Dropout(0.25)` layer receives the value
# $3.0$ during training and keeps it. What value does it pass on?

# %%
answer_kept = ...  # a number, to 2 decimals
HINT_KEPT = "Kept values are scaled so that the expected output equals the input (section 3)."
checks.check_digest(answer_kept, "af667b01a5074412", exercise="09.1", hint=HINT_KEPT, decimals=2)


# %% [markdown]
# **Exercise 2: dropout by hand.** Complete `my_dropout(x, mask, rate)`: `mask` holds 1
# for kept and 0 for dropped units; return what a Keras `Dropout(rate)` layer outputs during
# training with that mask. The check compares it with what Keras `Dropout` layers give on
# a few inputs (the mask is read off each layer's output: its zeros).


# %%
def my_dropout(x, mask, rate):
    # Your code: apply the mask and the inverted-dropout scaling.
    raise NotImplementedError


exercises.check_dropout(my_dropout)

# %% [markdown]
# **Exercise 3: where does the scaler go?** In cross-validation, the `StandardScaler` is fit
#
# * (a) once on all 208 rows, before the folds are made;
# * (b) in every fold, on that fold's training rows only;
# * (c) in every fold, on that fold's test rows, since those are what we score.

# %%
answer_scaler = ...  # "a", "b" or "c"
HINT_SCALER = "Anything fit on a row that is later used for scoring lets the score peek at it."
checks.check_digest(answer_scaler, "de473228d06a40cc", exercise="09.3", hint=HINT_SCALER)

# %% [markdown]
# **Exercise 4: how much is one row worth?** A common way to run this experiment holds out
# a quarter of the 208 rows, 52, as the test set. By how much does the accuracy on those 52
# rows change when one more row is classified correctly? (A fraction, e.g. 0.05 for 5
# points.)

# %%
answer_one_row = ...  # a number, to 3 decimals
HINT_ONE_ROW = "Accuracy is (number correct) / (number of rows); change the count by one."
checks.check_digest(
    answer_one_row, "fd6f300f032ea7ab", exercise="09.4", hint=HINT_ONE_ROW, decimals=3
)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: kept with probability 0.75, so scaled by 1 / 0.75.
answer_kept = 3.0 / (1 - 0.25)  # 4.0
assert checks.check_digest(
    answer_kept, "af667b01a5074412", exercise="09.1", hint=HINT_KEPT, decimals=2
)


# %%
# Exercise 2
def my_dropout(x, mask, rate):
    return x * mask / (1 - rate)


assert exercises.check_dropout(my_dropout)

# %%
# Exercise 3: (b). (a) leaks the test folds' means and spreads into training; (c) scores a
# model on data it was fit to.
answer_scaler = "b"
assert checks.check_digest(answer_scaler, "de473228d06a40cc", exercise="09.3", hint=HINT_SCALER)

# %%
# Exercise 4: one row of 52 is about 1.9 points of accuracy.
answer_one_row = 1 / 52
assert checks.check_digest(
    answer_one_row, "fd6f300f032ea7ab", exercise="09.4", hint=HINT_ONE_ROW, decimals=3
)
assert checks.check_digest(
    0.0192, "fd6f300f032ea7ab", exercise="09.4", hint=HINT_ONE_ROW, decimals=3
)  # rounded is fine
