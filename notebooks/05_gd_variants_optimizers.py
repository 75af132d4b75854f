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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/05_gd_variants_optimizers.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/05_gd_variants_optimizers.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F05_gd_variants_optimizers.ipynb)
# # 05 · Batch, stochastic and mini-batch gradient descent; optimizers
#
# **Goals.** After this lesson you can
#
# * write batch, stochastic and mini-batch gradient descent as one loop with a `batch_size`;
# * compare them fairly: loss against the number of updates *and* against wall time;
# * explain what one update costs and why mini-batches of a few dozen to a few hundred
#   samples are the usual choice;
# * write the update rules of SGD with momentum, RMSprop and Adam exactly as Keras does, and
#   show that your code and `keras.optimizers` take the same steps.
#
# Data: the diabetes table that ships with scikit-learn (442 patients, 10 features, a disease
# progression score), a synthetic table for timing, and a two-parameter loss you can see.

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
import inspect
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from helpers import checks, exercises, optimizers
from helpers.descent import gradient, gradient_descent, loss, minibatches
from helpers.optimizers import SGD, Adam, RMSprop, trajectory

rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. Three ways to estimate the gradient
#
# The loss is a mean over the $n$ training samples, $L(w) = \frac{1}{n}\sum_{i=1}^n \ell_i(w)$, so
# its gradient is a mean too. Computing it exactly touches every sample. Instead we can estimate
# it from a **batch** $B$ of $k$ samples and step on the estimate:
#
# $$
# g_B = \frac{1}{k}\sum_{i \in B} \frac{\partial \ell_i}{\partial w}, \qquad
# w \leftarrow w - \eta\, g_B .
# $$
#
# If $B$ is drawn at random, $g_B$ is right *on average* (its expectation is
# $\partial L/\partial w$) but noisy; the noise shrinks as $k$ grows. One **epoch** shuffles the
# data and walks through it in $\lceil n/k \rceil$ batches, so every sample is used once:
#
# | variant | batch size $k$ | updates per epoch | each update |
# |---|---|---|---|
# | batch GD | $n$ | 1 | exact gradient, expensive |
# | stochastic GD (SGD) | 1 | $n$ | very noisy, cheap |
# | mini-batch GD | e.g. 32 | $\lceil n/32 \rceil$ | a little noisy, cheap, vectorised |
#
# (Keras' `batch_size=32` default is mini-batch descent; the optimizer named `SGD` does
# whatever batch size `fit` feeds it.) One helper runs all three. The shuffling:

# %%
print(inspect.getsource(minibatches))
epoch = list(minibatches(10, 4, np.random.default_rng(0)))
print("one epoch of 10 samples in batches of 4:", [b.tolist() for b in epoch])

# %%
# Check: every sample appears exactly once per epoch.
for _ in range(3):
    assert sorted(np.concatenate(list(minibatches(10, 4, rng))).tolist()) == list(range(10))

# %% [markdown]
# ## 2. A real regression problem
#
# The diabetes data: 10 features (age, sex, BMI, blood pressure and six blood measurements)
# and a score of disease progression a year later. We take the unscaled features, split off a
# 20 % test set, then fit the scalers on the training split only: the features to mean 0 and
# standard deviation 1, and the target too, so that a mean squared error of 1 means "no better
# than predicting the training mean".
#
# The model is linear, $\hat y = Xw + b$, with the mean squared error
# $L(w, b) = \frac{1}{n}\sum_i (\hat y_i - y_i)^2$, whose gradient is
# $\partial L/\partial w = \frac{2}{n} X^\top (\hat y - y)$ and
# $\partial L/\partial b = \frac{2}{n}\sum_i(\hat y_i - y_i)$ (same derivation as lesson 04, with
# $\partial \ell_i/\partial \hat y_i = 2(\hat y_i - y_i)$). Its exact minimum $L^\ast$ is known from
# least squares, so we can measure how far each run is from it.

# %%
X_raw, y_raw = load_diabetes(return_X_y=True, scaled=False)
X_train_raw, X_test_raw, y_train_raw, y_test_raw = train_test_split(
    X_raw, y_raw, test_size=0.2, random_state=SEED
)
x_scaler = StandardScaler().fit(X_train_raw)  # training split only
y_mean, y_std = y_train_raw.mean(), y_train_raw.std()
X_train, X_test = x_scaler.transform(X_train_raw), x_scaler.transform(X_test_raw)
y_train, y_test = (y_train_raw - y_mean) / y_std, (y_test_raw - y_mean) / y_std
n = len(X_train)

X1 = np.c_[X_train, np.ones(n)]  # a column of ones for the bias
solution, *_ = np.linalg.lstsq(X1, y_train, rcond=None)
L_STAR = loss(X_train, y_train, solution[:-1], solution[-1], model="linear")
eigenvalues = np.linalg.eigvalsh(2 / n * X1.T @ X1)  # the Hessian of L
print(f"train {X_train.shape}, test {X_test.shape}; least-squares minimum L* = {L_STAR:.4f}")
print(
    f"Hessian eigenvalues from {eigenvalues.min():.3f} to {eigenvalues.max():.2f} "
    f"(ratio {eigenvalues.max() / eigenvalues.min():.0f}): "
    f"batch GD is stable for η < {2 / eigenvalues.max():.3f}"
)

# %% [markdown]
# Some features are strongly correlated (the blood measurements), so the loss is a long, narrow
# valley: its curvature differs by the ratio printed above between directions. That makes
# this small problem a fair test for the optimizers of section 5.
#
# ## 3. Batch, stochastic and mini-batch descent side by side
#
# Each variant runs 30 epochs from $w = 0$, $b = 0$ with its own learning rate: the noisier the
# gradient, the smaller the step must be to settle close to the minimum. Every update is timed.
# To keep the timing fair, each variant first runs one untimed epoch: the first calls of a
# function pay one-off costs (memory allocation, cold caches) that would otherwise be charged
# to whichever variant happens to run first.

# %%
EPOCHS = 30
VARIANTS = {  # name: (batch size, learning rate)
    "batch (k = n)": (n, 0.2),
    "mini-batch (k = 32)": (32, 0.02),
    "stochastic (k = 1)": (1, 0.002),
}
runs = {}
for name, (k, eta) in VARIANTS.items():
    for epochs in (1, EPOCHS):  # a warm-up epoch, then the measured run
        runs[name] = gradient_descent(
            X_train,
            y_train,
            model="linear",
            batch_size=k,
            learning_rate=eta,
            epochs=epochs,
            seed=SEED,
        )

# %%
# Log axes cannot show 0 updates or 0 seconds, so the curves start after the first update; the
# dotted line marks the loss at the common start w = 0, b = 0.
fig, (ax_updates, ax_epochs, ax_time) = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
for name, run in runs.items():
    excess = run.losses - L_STAR
    updates = np.arange(1, len(excess))
    ax_updates.plot(updates, excess[1:], label=name, lw=1)
    ax_epochs.plot(updates / run.updates_per_epoch, excess[1:], label=name, lw=1)
    ax_time.plot(1000 * run.elapsed[1:], excess[1:], label=name, lw=1)
for ax in (ax_updates, ax_epochs, ax_time):
    ax.axhline(
        runs["batch (k = n)"].losses[0] - L_STAR,
        color="0.4",
        ls=":",
        lw=1,
        label="start (w = 0, b = 0)",
    )
ax_updates.set(
    xscale="log",
    yscale="log",
    xlabel="number of updates",
    ylabel="training loss − L*",
    title="Progress per update",
)
ax_epochs.set(
    xscale="log", yscale="log", xlabel="epochs (passes over the data)", title="Progress per epoch"
)
ax_time.set(
    xscale="log",
    yscale="log",
    xlabel="wall time of the updates (ms)",
    title="Progress per unit of time",
)
for ax in (ax_updates, ax_epochs, ax_time):
    ax.grid(alpha=0.3, which="both")
    ax.legend()
fig.tight_layout()
plt.show()

# %%
print(
    f"{'variant':22s} {'updates':>8s} {'µs/update':>10s} {'ms/epoch':>9s} {'final L − L*':>13s} "
    f"{'test MSE':>9s}"
)
test_mse = {}
for name, run in runs.items():
    test_mse[name] = loss(X_test, y_test, run.w, run.b, model="linear")
    per_update = np.median(run.seconds)
    print(
        f"{name:22s} {len(run.seconds):8d} {1e6 * per_update:10.1f} "
        f"{1e3 * run.seconds.sum() / EPOCHS:9.2f} {run.losses[-1] - L_STAR:13.4f} "
        f"{test_mse[name]:9.4f}"
    )
print(
    f"{'least squares':22s} {'':8s} {'':10s} {'':9s} {0:13.4f} "
    f"{loss(X_test, y_test, solution[:-1], solution[-1], model='linear'):9.4f}"
)
cost_ratio = np.median(runs["batch (k = n)"].seconds) / np.median(
    runs["stochastic (k = 1)"].seconds
)
print(
    f"one batch update uses {n} times as many rows as a stochastic one, "
    f"and costs {cost_ratio:.1f} times as much"
)

# %%
# Check: each variant made the expected number of updates and got close to the minimum.
for name, (k, _) in VARIANTS.items():
    assert len(runs[name].seconds) == EPOCHS * int(np.ceil(n / k)), name
    assert runs[name].losses[-1] - L_STAR < 0.05, name
assert np.all(np.diff(runs["batch (k = n)"].losses) <= 1e-12), "batch GD on MSE never goes up"
assert np.any(np.diff(runs["stochastic (k = 1)"].losses) > 0), "single-sample steps are noisy"
after_one_epoch = {name: run.losses[run.updates_per_epoch] - L_STAR for name, run in runs.items()}
after_ten_updates = {name: run.losses[10] - L_STAR for name, run in runs.items()}
assert after_ten_updates["batch (k = n)"] < after_ten_updates["stochastic (k = 1)"]
assert after_one_epoch["stochastic (k = 1)"] < after_one_epoch["batch (k = n)"]

# %% [markdown]
# **Reading the three panels.**
#
# * *Per update* (left), batch descent is far ahead: each of its steps uses the exact
#   gradient, with a learning rate 100 times that of the single-sample run.
# * *Per epoch* (middle), the order reverses. In one pass over the data batch descent makes
#   one update, mini-batch descent $\lceil n/32 \rceil$ and stochastic descent $n$: the noisy
#   variants get most of the way to the minimum within their first epoch, before they have
#   seen each sample once. A noisy step in roughly the right direction is still progress.
#   Their curves then wobble: with a constant learning rate the gradient noise keeps them
#   bouncing around the minimum, at a *noise floor*. For batches of equal size drawn at random,
#   the floor grows with the step size and shrinks with the batch size, roughly in proportion
#   to $\eta / k$ (the noise of $g_B$ has variance $\propto 1/k$, and each step scales it by
#   $\eta$). Look again, though: the mini-batch curve does not settle below the stochastic one,
#   as its $\eta / k$ ($0.02/32 \approx 6 \times 10^{-4}$ against $0.002$) predicts. The
#   measurement after this list shows why.
# * *Per second* (right) the picture changes again. On this tiny table one update costs nearly the
#   same **whatever** its batch size: the full batch has hundreds of times as many rows as a
#   single sample, yet its update costs only a few times as much (the line under the table).
#   About ten microseconds of Python and NumPy overhead per update (the table's µs/update)
#   dwarf the arithmetic on at most 353 rows. So an epoch of stochastic descent costs hundreds
#   of overhead-bound updates while batch descent pays once. (The times are measured, so if
#   the computer is busy with something else, a curve shows a flat stretch where one update
#   waited.)
#
# **The noise floor, measured.** Start a noisy run *at* the least-squares minimum: every bit of
# excess loss it then shows comes from the noise of its steps. Below, each variant runs 20
# epochs from $(w^\ast, b^\ast)$ and we average its excess loss over all its updates; a third
# run repeats the mini-batch one with `drop_last=True`, which skips each epoch's smaller last
# batch.

# %%
FLOOR_RUNS = {  # name: (batch size, learning rate, skip the smaller last batch)
    "stochastic (k = 1)": (1, 0.002, False),
    "mini-batch (k = 32)": (32, 0.02, False),
    "mini-batch (k = 32), last batch dropped": (32, 0.02, True),
}
floor = {}
for name, (k, eta, drop_last) in FLOOR_RUNS.items():
    run = gradient_descent(
        X_train,
        y_train,
        model="linear",
        batch_size=k,
        learning_rate=eta,
        epochs=20,
        w0=solution[:-1],
        b0=solution[-1],
        drop_last=drop_last,
        seed=SEED,
    )
    floor[name] = float(np.mean(run.losses[1:] - L_STAR))
    print(f"{name:40s} η/k = {eta / k:.1e}   mean excess loss {floor[name]:.4f}")
print(f"{n} training rows = {n // 32} × 32 + {n % 32}")

# %%
# Check: with equal batches the mini-batch floor is well below the stochastic one, as η/k
# says; the one-row last batch raises it several times over.
dropped = floor["mini-batch (k = 32), last batch dropped"]
assert dropped < floor["stochastic (k = 1)"] / 2
assert dropped < floor["mini-batch (k = 32)"] / 3

# %% [markdown]
# The culprit is the last batch. The 353 training rows make 11 batches of 32 and **one batch of
# a single row**, and that step averages one sample's gradient with the mini-batch learning
# rate: an $\eta / k$ of $0.02$, ten times the stochastic run's, once every epoch. Its kick takes
# many of the following steps to fade. Skip it (the skipped row changes from epoch to epoch,
# since every epoch reshuffles) and the floor drops several times over, below the stochastic
# one as $\eta / k$ predicts. Keras's `fit` on arrays keeps the smaller last batch, as our loop
# does; `tf.data`'s `batch(..., drop_remainder=True)` drops it. With a large data set it hardly
# matters, but with a few hundred rows and a learning rate tuned for full batches it does. And
# $\eta / k$ is only a rough guide: it assumes equal-sized batches drawn independently of each
# other.
#
# Which wins depends on the cost of one update, measured next.
#
# ## 4. What one update costs
#
# One update computes $g_B$ from $k$ rows of $d$ features: about $2 k d$ multiply-adds ($k d$
# for the predictions $Xw$, as many again for $X^\top$ times the errors), plus a fixed overhead
# (Python, function calls, memory allocation). Timing the gradient on a larger synthetic table
# for a range of batch sizes shows both parts.
#
# One trap first. NumPy's matrix products run in a BLAS library with its own pool of threads,
# and this notebook has also loaded TensorFlow (for Keras), which starts thread pools of its
# own. On a machine with few cores the two pools compete for them, and a large product can take
# many times longer than its arithmetic needs: a timing taken like that measures the
# contention, not the algorithm. So we time with NumPy's BLAS limited to one thread
# (`threadpoolctl`, which scikit-learn installs), and show the difference once at the end.
# Each time is the fastest of several repeats: other programs on the computer can only make a
# run slower, never faster.

# %%
N_BIG, D_BIG = (20_000, 50) if QUICK else (200_000, 50)
X_big = rng.normal(size=(N_BIG, D_BIG))
y_big = X_big @ rng.normal(size=D_BIG) + rng.normal(size=N_BIG)
w_big = np.zeros(D_BIG)


def seconds_per_update(k: int, repeats: int) -> float:
    """Fastest wall time of one mini-batch gradient of k rows (indexing included), over repeats.

    The fastest run is the one the rest of the machine disturbed least (Python's `timeit`
    advises the same). Call it inside `threadpool_limits(1, user_api="blas")` to time the
    algorithm alone."""
    times = []
    for rows in [rng.choice(N_BIG, size=k, replace=False) for _ in range(repeats)]:
        start = time.perf_counter()
        gradient(X_big[rows], y_big[rows], w_big, 0.0, model="linear")
        times.append(time.perf_counter() - start)
    return float(np.min(times))


batch_sizes = [k for k in (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536) if k < N_BIG] + [N_BIG]
with threadpool_limits(limits=1, user_api="blas"):  # no competition with TensorFlow's threads
    cost = np.array([seconds_per_update(k, repeats=20 if k < 10_000 else 9) for k in batch_sizes])

fig, (ax_cost, ax_rate) = plt.subplots(1, 2, figsize=(12, 4))
ax_cost.loglog(batch_sizes, 1e6 * cost, "o-")
ax_cost.set(xlabel="batch size k", ylabel="µs per update", title="Cost of one update")
ax_rate.loglog(batch_sizes, np.array(batch_sizes) / cost, "o-")
ax_rate.set(xlabel="batch size k", ylabel="samples per second", title="Throughput")
for ax in (ax_cost, ax_rate):
    ax.grid(alpha=0.3, which="both")
fig.tight_layout()
plt.show()
for k, c in zip(batch_sizes, cost, strict=True):
    print(f"k = {k:6d}: {1e6 * c:9.1f} µs per update, {k / c:12,.0f} samples/s")
contended = seconds_per_update(N_BIG, repeats=5)  # NumPy's default threads, TensorFlow loaded
print(
    f"the full batch ({N_BIG} rows) with NumPy's default BLAS threads: {1e3 * contended:.1f} ms"
    f" per update, against {1e3 * cost[-1]:.1f} ms with one thread"
)

# %%
# Check: small batches are overhead-bound (k = 64 costs little more than k = 1), and
# processing the data in big batches gets through far more samples per second.
assert cost[batch_sizes.index(64)] < 4 * cost[0]
throughput = np.array(batch_sizes) / cost
assert throughput.max() > 20 * throughput[0]

# %% [markdown]
# Up to a few dozen rows the cost per update is flat: the overhead dominates, so a single-sample
# update wastes almost all of it. For large batches the cost grows in proportion to $k$, and the
# throughput (samples per second) stops improving. (The last printed line compares the full
# batch with NumPy's default threads: if it is much slower than with one thread, that is the
# thread contention described above, which has nothing to do with descent.) On a GPU the flat region extends to batches of
# thousands, because thousands of multiply-adds run in parallel.
#
# That is why mini-batches are the default: a batch of a few dozen samples costs hardly more
# per update than one sample, a few hundred only a few times more (compare k = 256 with k = 1
# above), yet it gives a much less noisy gradient and still makes many updates per epoch. The
# full batch makes only one update per pass over the data, which on a large data set is slow
# progress for a lot of work. (Very large batches also need their learning rate retuned, often
# scaled up with the batch and warmed up, as in Goyal et al. 2017, "Accurate, Large Minibatch
# SGD"; and they can generalise a little worse, Keskar et al. 2017.)
#
# ## 5. Optimizers: better steps from the same gradients
#
# Plain descent takes a step proportional to the current gradient. In a long narrow valley that
# is a poor direction: steep across the valley, shallow along it. A learning rate small enough
# not to bounce across the valley crawls along it. The optimizers below change the step, not the
# gradient. We write them exactly as Keras 3 does, with $g$ the gradient
# $\partial L/\partial w$ of the current batch and all state starting at 0:
#
# **SGD** (`keras.optimizers.SGD(learning_rate=η)`): $\;w \leftarrow w - \eta\, g$.
#
# **Momentum** (`SGD(learning_rate=η, momentum=μ)`): a velocity $v$ accumulates past steps, so
# consistent directions build up speed and zig-zags cancel:
#
# $$ v \leftarrow \mu v - \eta\, g, \qquad w \leftarrow w + v. $$
#
# **Nesterov momentum** (`SGD(learning_rate=η, momentum=μ, nesterov=True)`): the same
# velocity, but the step looks ahead along it, adding the momentum once more and the current
# gradient step:
#
# $$ v \leftarrow \mu v - \eta\, g, \qquad w \leftarrow w + \mu v - \eta\, g. $$
#
# **RMSprop** (`RMSprop(learning_rate=η, rho=ρ, epsilon=ε)`): divide each coordinate's step by a
# running root mean square of its gradients, so steep and shallow directions move at similar
# speeds. Keras puts $\varepsilon$ inside the root:
#
# $$ s \leftarrow \rho\, s + (1 - \rho)\, g^2, \qquad w \leftarrow w - \frac{\eta\, g}{\sqrt{s + \varepsilon}}. $$
#
# **Adam** (`Adam(learning_rate=η, beta_1=β₁, beta_2=β₂, epsilon=ε)`): momentum on the gradient
# ($m$) and RMSprop's scaling ($v$), with a bias correction because both start at 0. At step
# $t = 1, 2, \dots$ Keras computes
#
# $$
# m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2,
# \qquad \alpha_t = \eta\,\frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}, \qquad
# w \leftarrow w - \frac{\alpha_t\, m}{\sqrt{v} + \varepsilon}.
# $$
#
# The Adam paper (Kingma & Ba) gives both forms. Its Algorithm 1 writes the step with
# $\hat m = m/(1 - \beta_1^t)$, $\hat v = v/(1 - \beta_2^t)$ and
# $\eta\,\hat m/(\sqrt{\hat v} + \varepsilon)$; the end of its section 2 gives the more
# efficient form above, with the corrections folded into $\alpha_t$ and $\hat\varepsilon$ added
# to $\sqrt{v}$. Keras uses that second form. The two differ only in where $\varepsilon$ sits. Squares, roots and divisions act on each coordinate.
# The code, e.g. Adam's, writes the moment updates as Keras does, $m \leftarrow m + (1 - \beta_1)(g - m)$,
# which is the same $\beta_1 m + (1 - \beta_1) g$ rearranged:

# %%
print(inspect.getsource(optimizers.Adam.update))

# %% [markdown]
# ### A valley you can see
#
# A two-parameter loss shows what each rule does: the quadratic
# $L(\theta) = \tfrac{1}{2}\,\theta^\top A\, \theta$ whose curvatures are 1 and 100 along two
# axes turned by 30°, so its gradient $A\theta$ mixes both parameters. (A quadratic is what any
# smooth loss looks like close to its minimum.) Each optimizer gets the learning rate, from a
# small grid, that brings it lowest over its last 20 of 150 steps (the mean loss over those
# steps, so that an oscillating curve is not judged by where one swing happens to end);
# momentum uses $\mu = 0.9$ and the others Keras' defaults.

# %%
angle = np.deg2rad(30)
rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
A = rotation @ np.diag([1.0, 100.0]) @ rotation.T
THETA0 = np.array([-2.0, 1.0])
STEPS = 150


def valley_loss(points: np.ndarray) -> np.ndarray:
    """L(θ) = ½ θᵀAθ for each row θ of points."""
    return 0.5 * np.einsum("ij,jk,ik->i", points, A, points)


def valley_gradient(params: list[np.ndarray]) -> list[np.ndarray]:
    return [A @ params[0]]


MAKERS = {
    "SGD": lambda eta: SGD(eta),
    "momentum (μ = 0.9)": lambda eta: SGD(eta, momentum=0.9),
    "RMSprop": lambda eta: RMSprop(eta),
    "Adam": lambda eta: Adam(eta),
}
GRID = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]
best_eta, paths = {}, {}
for name, make in MAKERS.items():
    final = {}
    for eta in GRID:
        with np.errstate(over="ignore", invalid="ignore"):  # too-large rates blow up
            final[eta] = valley_loss(trajectory(make(eta), [THETA0], valley_gradient, STEPS))[
                -20:
            ].mean()
    best_eta[name] = min((eta for eta in GRID if np.isfinite(final[eta])), key=final.get)
    paths[name] = trajectory(make(best_eta[name]), [THETA0], valley_gradient, STEPS)
    print(
        f"{name:20s} best η = {best_eta[name]:<6} loss after {STEPS} steps: "
        f"{valley_loss(paths[name])[-1]:.2e}"
    )

# %%
fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(13, 4.8))
grid_1, grid_2 = np.meshgrid(np.linspace(-2.5, 1.5, 200), np.linspace(-2.1, 1.3, 200))
surface = valley_loss(np.c_[grid_1.ravel(), grid_2.ravel()]).reshape(grid_1.shape)
ax_path.contour(grid_1, grid_2, surface, levels=np.geomspace(0.01, 150, 14), colors="0.75")
for name, path in paths.items():
    ax_path.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, label=name)
    ax_loss.plot(valley_loss(path), label=f"{name}, η = {best_eta[name]}")
ax_path.plot(0, 0, "k*", ms=12)
ax_path.set(
    xlim=(-2.5, 1.5),
    ylim=(-2.1, 1.3),
    xlabel="θ₁",
    ylabel="θ₂",
    title="Paths on the loss surface (minimum at ★)",
)
ax_path.set_aspect("equal")  # equal axes: the valley's true shape and angle
ax_path.legend(fontsize=8, loc="lower right")
ax_loss.set(yscale="log", xlabel="step", ylabel="loss", title="Loss per step")
ax_loss.grid(alpha=0.3)
ax_loss.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Check: on this valley, momentum and Adam beat plain SGD by a wide margin.
final_loss = {name: valley_loss(path)[-1] for name, path in paths.items()}
assert final_loss["momentum (μ = 0.9)"] < final_loss["SGD"] / 10
assert final_loss["Adam"] < final_loss["SGD"] / 10

# %% [markdown]
# Plain SGD's learning rate is capped by the steep direction ($\eta < 2/100$), so it crawls along
# the shallow one. Momentum builds up speed along the valley floor, where successive gradients
# agree, while across the valley they alternate in sign and partly cancel: it overshoots (the
# wide swings in the plot) but ends orders of magnitude lower. Adam combines momentum with a
# rescaling of each coordinate. RMSprop
# rescales but has no momentum: with a constant learning rate its steps near the minimum stay
# about $\eta$ in size, so it hovers rather than settles. No optimizer wins everywhere; Adam's
# appeal is that its defaults work reasonably on many problems without tuning.
#
# ### Same steps as Keras
#
# Now the proof that these update rules are the ones Keras uses. Each hand-written optimizer
# walks 150 steps on the valley; we record the gradient at every point of its path and hand the
# same gradients, in the same order, to its `keras.optimizers` twin, which starts from the same
# point. If the rules are the same, the two paths coincide point by point. Keras keeps the
# parameters in float32 and we in float64, so they agree up to float32 rounding. (Letting
# Keras follow the gradients at its *own* points would also test the rule, but near the minimum
# RMSprop's hovering amplifies tiny rounding differences into visibly different paths.) We
# also use non-default hyperparameters, so that a rule that only happens to match at the
# defaults would be caught.

# %%
PAIRS = {
    "SGD": (SGD(best_eta["SGD"]), keras.optimizers.SGD(best_eta["SGD"])),
    "momentum": (
        SGD(0.005, momentum=0.8),
        keras.optimizers.SGD(0.005, momentum=0.8),
    ),
    "momentum (Nesterov)": (
        SGD(0.005, momentum=0.8, nesterov=True),
        keras.optimizers.SGD(0.005, momentum=0.8, nesterov=True),
    ),
    "RMSprop": (RMSprop(best_eta["RMSprop"]), keras.optimizers.RMSprop(best_eta["RMSprop"])),
    "RMSprop (ρ = 0.8, ε = 1e-3)": (
        RMSprop(0.05, rho=0.8, epsilon=1e-3),
        keras.optimizers.RMSprop(0.05, rho=0.8, epsilon=1e-3),
    ),
    "Adam": (Adam(best_eta["Adam"]), keras.optimizers.Adam(best_eta["Adam"])),
    "Adam (β₁ = 0.8, β₂ = 0.99, ε = 1e-4)": (
        Adam(0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-4),
        keras.optimizers.Adam(0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-4),
    ),
}
KERAS_TOLERANCE = 1e-4


def replay(recorded: list) -> callable:
    """A gradient function that ignores where it is asked and returns the recorded gradients."""
    steps = iter(recorded)
    return lambda params: next(steps)


differences = {}
for name, (ours, theirs) in PAIRS.items():
    our_path = trajectory(ours, [THETA0], valley_gradient, STEPS)
    recorded = [valley_gradient([point]) for point in our_path[:-1]]
    keras_path = trajectory(theirs, [THETA0], replay(recorded), STEPS)  # float32 variables
    differences[name] = np.abs(our_path - keras_path).max()
    print(f"{name:38s} largest difference over {STEPS} steps: {differences[name]:.1e}")

# %%
# Check: every hand-written optimizer takes the same steps as keras.optimizers.
for name, difference in differences.items():
    assert difference < KERAS_TOLERANCE, (name, difference)

# %% [markdown]
# ### On the real problem
#
# The same four optimizers, with mini-batches of 32, on the diabetes regression of section 3.
# Here too each gets its learning rate from a small grid (best training loss after 10 epochs).

# %%
DIABETES_EPOCHS = 10
diabetes_runs = {}
for name, make in MAKERS.items():
    candidates = {
        eta: gradient_descent(
            X_train,
            y_train,
            model="linear",
            batch_size=32,
            epochs=DIABETES_EPOCHS,
            optimizer=make(eta),
            seed=SEED,
        )
        for eta in (0.001, 0.003, 0.01, 0.03, 0.1)
    }
    eta = min(candidates, key=lambda e: np.nan_to_num(candidates[e].losses[-1], nan=np.inf))
    diabetes_runs[f"{name}, η = {eta}"] = candidates[eta]

fig, ax = plt.subplots(figsize=(7, 4))
for name, run in diabetes_runs.items():
    ax.plot(
        np.arange(len(run.losses)) / run.updates_per_epoch, run.losses - L_STAR, lw=1, label=name
    )
ax.set(
    yscale="log",
    xlabel="epoch",
    ylabel="training loss − L*",
    title="Diabetes regression, mini-batches of 32",
)
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=8)
plt.show()
for name, run in diabetes_runs.items():
    print(f"{name:30s} test MSE {loss(X_test, y_test, run.w, run.b, model='linear'):.4f}")

# %% [markdown]
# On a small, well-scaled regression the differences are modest: once the features are
# standardised, plain mini-batch SGD with a tuned learning rate is competitive, and all four end
# within noise of the least-squares solution. The optimizers earn their keep on harder losses,
# like the valley above and the deep networks of the coming lessons.

# %%
minibatch_run = runs["mini-batch (k = 32)"]
r2 = 1 - np.mean((X_test @ minibatch_run.w + minibatch_run.b - y_test) ** 2) / np.mean(
    (y_test - y_test.mean()) ** 2
)
helpers.record("05", minibatch_test_mse=test_mse["mini-batch (k = 32)"], minibatch_test_r2=r2)

# %% [markdown]
# > **Common mistakes**
# >
# > * Not shuffling: walking through sorted or grouped data in the same order every epoch
# >   gives biased, correlated batch gradients. Reshuffle every epoch (Keras' `fit` does, for
# >   array inputs, with `shuffle=True`, its default).
# > * Comparing variants per epoch only: an epoch of stochastic descent makes $n$ updates, one of
# >   batch descent makes one. Compare per update *and* per second.
# > * Keeping the learning rate of full-batch descent when switching to small batches: noisier
# >   gradients need smaller steps (or a decaying learning rate).
# > * Mixing up momentum conventions: Keras stores $v \leftarrow \mu v - \eta g$ and adds it;
# >   other texts store $v \leftarrow \mu v + g$ and subtract $\eta v$ (the same steps while
# >   $\eta$ is constant, but not once a schedule changes $\eta$), and some average,
# >   $v \leftarrow \mu v + (1 - \mu) g$, which makes every step $1 - \mu$ times smaller for the
# >   same $\eta$. Check the convention before copying a learning rate.
# > * Assuming Adam's $\varepsilon$ sits where the paper's Algorithm 1 puts it: Keras uses the
# >   paper's section-2 form, adding it to $\sqrt{v}$ after folding the bias correction into
# >   the step size, and RMSprop adds it *inside* the
# >   root. With the default $\varepsilon = 10^{-7}$ this rarely matters; with a large
# >   $\varepsilon$ it does.
# > * Believing Adam always wins: it is a good default, but tuned SGD with momentum often matches
# >   or beats it; look at the curves.
# > * Fitting the scaler (or the target's mean and standard deviation) on all the data before
# >   splitting: the test set then leaks into training.
#
# ## Exercises
#
# **Exercise 1: updates per epoch.** The training split has 353 rows. How many updates does one
# epoch of mini-batch descent with `batch_size=50` make (the last batch kept)?

# %%
updates_per_epoch = ...  # a whole number
HINT_1 = "Every sample is used once per epoch, in batches of 50; the last batch may be smaller."
checks.check_digest(updates_per_epoch, "455a341241874f64", exercise="05.1", hint=HINT_1)

# %% [markdown]
# **Exercise 2: one Adam step by hand.** A parameter $w = 1$ has gradient $g = 0.5$ at the first
# step ($t = 1$). With `Adam(learning_rate=0.1, epsilon=0.01)` (so $\eta = 0.1$,
# $\varepsilon = 0.01$ and the default $\beta_1 = 0.9$, $\beta_2 = 0.999$), compute $m$, $v$,
# $\alpha_1$ and the new $w$ with Keras' formulas of section 5. (The large $\varepsilon$ is on
# purpose: it makes visible where Keras adds it.)

# %%
w_after_adam = ...  # the new value of w, to 4 decimals
HINT_2 = (
    "m and v start at 0, so after one step m = (1 − β₁)·g and v = (1 − β₂)·g²;"
    " α₁ = η·√(1 − β₂)/(1 − β₁); then w − α₁·m/(√v + ε), with ε added to √v itself"
    " (Keras' form of section 5, not Algorithm 1's bias-corrected √v̂)."
)
checks.check_digest(w_after_adam, "9b1be0be9124aa42", exercise="05.2", hint=HINT_2, decimals=4)

# %% [markdown]
# **Exercise 3: the learning rate that diverges.** For the diabetes regression, batch descent
# is stable only for $\eta < 2/\lambda_\text{max}$ (section 2). Which of these learning rates
# makes batch descent *diverge* (the loss grows without bound)? Run `gradient_descent` with
# `batch_size=len(X_train)` for 50 epochs for each if you like, and answer with the value.

# %%
CANDIDATES = [0.05, 0.1, 0.2, 0.3]
diverging_eta = ...  # one of CANDIDATES
exercises.check_diverging_rate(diverging_eta, CANDIDATES, X_train)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: ceil(353 / 50) = 8 (seven batches of 50 and one of 3).
updates_per_epoch = int(np.ceil(len(X_train) / 50))
print(updates_per_epoch)
assert checks.check_digest(updates_per_epoch, "455a341241874f64", exercise="05.1", hint=HINT_1)

# %%
# Exercise 2
g, eta, beta_1, beta_2, epsilon = 0.5, 0.1, 0.9, 0.999, 0.01
m = (1 - beta_1) * g  # 0.05
v = (1 - beta_2) * g**2  # 0.00025, so √v ≈ 0.0158
alpha_1 = eta * np.sqrt(1 - beta_2) / (1 - beta_1)  # ≈ 0.0316
w_after_adam = 1.0 - alpha_1 * m / (np.sqrt(v) + epsilon)
# The paper's form adds ε to √v̂ = |g| = 0.5 instead, and steps almost the full η.
m_hat, v_hat = m / (1 - beta_1), v / (1 - beta_2)
w_paper = 1.0 - eta * m_hat / (np.sqrt(v_hat) + epsilon)
print(f"new w, Keras: {w_after_adam:.6f}; the paper's form would give {w_paper:.6f}")
assert checks.check_digest(
    w_after_adam, "9b1be0be9124aa42", exercise="05.2", hint=HINT_2, decimals=4
)
# ... and it is the step Keras itself takes:
keras_adam = keras.optimizers.Adam(learning_rate=0.1, epsilon=0.01)
keras_w = trajectory(keras_adam, [np.array([1.0])], lambda p: [np.array([0.5])], 1)[-1, 0]
assert np.isclose(w_after_adam, keras_w, rtol=1e-6)

# %%
# Exercise 3: compare each candidate with 2/λ_max (printed in section 2).
threshold = 2 / eigenvalues.max()
for eta in CANDIDATES:
    run = gradient_descent(X_train, y_train, model="linear", learning_rate=eta, epochs=50)
    print(f"η = {eta}: loss after 50 epochs {run.losses[-1]:.3g} (stable: {eta < threshold})")
diverging_eta = max(CANDIDATES, key=lambda eta: eta / threshold)
assert exercises.check_diverging_rate(diverging_eta, CANDIDATES, X_train)
