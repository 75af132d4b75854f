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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/04_gradient_descent.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/04_gradient_descent.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F04_gradient_descent.ipynb)
# # 04 · Gradient descent
#
# **Goals.** After this lesson you can
#
# * derive the gradient of the mean binary cross-entropy of a sigmoid neuron (logistic
#   regression) with respect to its weights and bias, and check it numerically;
# * train that neuron from scratch with gradient descent, $w \leftarrow w - \eta\,\partial L/\partial w$;
# * recognise a learning rate that is too small, about right, or too large from the loss curve;
# * show that Keras, given the same model, initial weights, learning rate and epochs, ends at
#   the same weights as your own code;
# * train the neuron on a real table (breast-cancer diagnoses) with a scaler fit on the
#   training split only.
#
# Everything runs in seconds on a laptop CPU; nothing is downloaded.

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

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from helpers import checks, descent, exercises
from helpers.activations import sigmoid
from helpers.descent import gradient, gradient_descent, loss, numerical_gradient

rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. The idea: walk downhill on the loss
#
# A model with parameters $w$ and $b$ has a loss $L(w, b)$: one number that says how badly it
# fits the training data. Training means finding parameters with a small loss. The **gradient**
# $\partial L/\partial w$ points in the direction in which $L$ grows fastest, so a small step the
# other way lowers the loss. Gradient descent repeats that step:
#
# $$
# w \leftarrow w - \eta\,\frac{\partial L}{\partial w}, \qquad
# b \leftarrow b - \eta\,\frac{\partial L}{\partial b}.
# $$
#
# The **learning rate** $\eta > 0$ sets the step size. Note the order of the symbols: it is
# the derivative *of the loss with respect to the weight*, $\partial L/\partial w$, and we step
# *against* it (minus sign).
#
# ## 2. The model: one sigmoid neuron
#
# For $n$ samples with $d$ features each, stacked as the rows of $X$ ($n \times d$), the neuron
# computes a weighted sum plus bias and squashes it into a probability:
#
# $$
# z = Xw + b, \qquad \hat y = \sigma(z) = \frac{1}{1 + e^{-z}},
# $$
#
# with $w \in \mathbb{R}^d$, $b \in \mathbb{R}$, and $\sigma$ applied to each entry. With labels
# $y_i \in \{0, 1\}$ its loss is the mean binary cross-entropy (lesson 03):
#
# $$
# L(w, b) = -\frac{1}{n}\sum_{i=1}^{n} \Big[\, y_i \log \hat y_i + (1 - y_i) \log (1 - \hat y_i) \Big].
# $$
#
# This is logistic regression: one neuron, trained by minimising cross-entropy.
#
# ## 3. Deriving the gradient
#
# Take one sample and write $\ell_i = -[y_i \log \hat y_i + (1 - y_i)\log(1 - \hat y_i)]$ with
# $\hat y_i = \sigma(z_i)$. Two facts:
#
# * the sigmoid's derivative is $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$, so
#   $\dfrac{\partial \hat y_i}{\partial z_i} = \hat y_i (1 - \hat y_i)$;
# * $\dfrac{\partial \ell_i}{\partial \hat y_i} = -\dfrac{y_i}{\hat y_i} + \dfrac{1 - y_i}{1 - \hat y_i}
#   = \dfrac{\hat y_i - y_i}{\hat y_i (1 - \hat y_i)}$.
#
# By the chain rule the two denominators cancel:
#
# $$
# \frac{\partial \ell_i}{\partial z_i}
# = \frac{\partial \ell_i}{\partial \hat y_i}\,\frac{\partial \hat y_i}{\partial z_i}
# = \hat y_i - y_i .
# $$
#
# Since $z_i = \sum_j X_{ij} w_j + b$, we have $\partial z_i/\partial w_j = X_{ij}$ and
# $\partial z_i/\partial b = 1$. Averaging over the $n$ samples:
#
# $$
# \frac{\partial L}{\partial w_j} = \frac{1}{n}\sum_{i=1}^{n} X_{ij}\,(\hat y_i - y_i)
# \quad\Longleftrightarrow\quad
# \frac{\partial L}{\partial w} = \frac{1}{n} X^\top(\hat y - y),
# \qquad
# \frac{\partial L}{\partial b} = \frac{1}{n}\sum_{i=1}^{n} (\hat y_i - y_i).
# $$
#
# The gradient is the error $\hat y - y$, weighted by the inputs. Here is the code that
# computes it (`error` is $\hat y - y$; the `linear` branch is for lesson 05's regression):

# %%
print(inspect.getsource(descent._gradient))

# %% [markdown]
# ## 4. Checking a gradient numerically
#
# A derivation can be wrong in a dozen small ways (a missing $1/n$, a sign, a transpose).
# The **central difference** catches them: for each coordinate $w_j$, nudge it by a tiny $h$
# both ways and measure how the loss changes,
#
# $$
# \frac{\partial L}{\partial w_j} \approx \frac{L(w + h e_j, b) - L(w - h e_j, b)}{2h},
# $$
#
# where $e_j$ is the $j$-th unit vector. Two errors compete in it:
#
# * the **truncation** error of the formula, which shrinks like $h^2$;
# * **round-off**: each loss value is stored with a relative error of about
#   $\varepsilon \approx 2.2 \times 10^{-16}$ (float64), and dividing the difference by
#   $2h$ magnifies that to about $\varepsilon\,|L| / h$, which *grows* as $h$ shrinks.
#
# Their sum is smallest near $h \approx \varepsilon^{1/3} \approx 10^{-5}$. With the
# $h = 10^{-6}$ used here a correct gradient agrees to about $10^{-9}$ or better; a wrong one is
# off by far more. The plot after the check shows both errors.

# %%
X_check = rng.normal(size=(50, 3))
y_check = rng.integers(0, 2, size=50).astype(float)


def loss_of(theta):
    """The loss as a function of all parameters at once, theta = (w1, w2, w3, b)."""
    return loss(X_check, y_check, theta[:-1], theta[-1])


worst = 0.0
for _ in range(5):  # five random points theta = (w, b)
    theta = rng.normal(size=4)
    grad_w, grad_b = gradient(X_check, y_check, theta[:-1], theta[-1])
    analytic = np.r_[grad_w, grad_b]
    numeric = numerical_gradient(loss_of, theta)
    worst = max(worst, np.abs(analytic - numeric).max())
    print(f"analytic (∂L/∂w, ∂L/∂b) = {np.round(analytic, 6)}")
    print(f"central differences     = {np.round(numeric, 6)}")
print(f"largest difference over 5 points: {worst:.1e}")

# %%
# Check: the derived gradient agrees with central differences.
assert worst < 1e-7, worst

# %%
theta = np.random.default_rng(0).normal(size=4)  # its own generator: rng's draws stay as they were
exact = np.r_[gradient(X_check, y_check, theta[:-1], theta[-1])]
steps = np.logspace(-13, -1, 25)
fd_error = [np.abs(numerical_gradient(loss_of, theta, h=h) - exact).max() for h in steps]
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ax.loglog(steps, fd_error, "o-", label="central difference − exact")
ax.loglog(
    steps,
    np.finfo(float).eps * loss_of(theta) / steps,
    "--",
    label=r"round-off $\approx\varepsilon|L|/h$",
)
ax.set(xlabel="step h", ylabel="largest error", title="Too small an h is as bad as too large")
ax.legend(fontsize=8)
plt.show()


# %%
# Check: round-off dominates at tiny h, truncation at large h; 1e-6 is near the bottom.
def error_at(h):
    return fd_error[int(np.argmin(np.abs(np.log10(steps) - np.log10(h))))]


assert error_at(1e-12) > 100 * error_at(1e-6) and error_at(1e-1) > 100 * error_at(1e-6)

# %% [markdown]
# ## 5. Data with known true parameters
#
# To know whether training *works*, we generate data from a logistic model whose parameters we
# choose: $w_\text{true} = (2, -3)$, $b_\text{true} = 0.5$. Each label is drawn as
# $y_i \sim \text{Bernoulli}(\sigma(x_i^\top w_\text{true} + b_\text{true}))$, so the classes
# overlap, as in real data. A well-trained neuron should recover these parameters, up to the
# sampling noise of a finite data set.

# %%
W_TRUE = np.array([2.0, -3.0])
B_TRUE = 0.5
N = 4000

X = rng.normal(size=(N, 2))
y = (rng.random(N) < sigmoid(X @ W_TRUE + B_TRUE)).astype(float)
print(f"X: {X.shape}, share of label 1: {y.mean():.3f}")

# %% [markdown]
# Train from a random start with $\eta = 3$ for 300 epochs. Each epoch here is one update on
# the full data set (*batch* gradient descent; lesson 05 splits the data into smaller batches).

# %%
ETA, EPOCHS = 3.0, 300
w0, b0 = rng.normal(size=2), 0.0  # the initial weights; Keras will start from the same ones

result = gradient_descent(X, y, learning_rate=ETA, epochs=EPOCHS, w0=w0, b0=b0)
final_grad_w, final_grad_b = gradient(X, y, result.w, result.b)
print(f"start:     w = {np.round(w0, 3)}, b = {b0:.3f}")
print(f"learned:   w = {np.round(result.w, 3)}, b = {result.b:.3f}")
print(f"true:      w = {W_TRUE}, b = {B_TRUE}")
print(
    f"loss {result.losses[0]:.4f} -> {result.losses[-1]:.4f}; "
    f"gradient size at the end: {np.abs(np.r_[final_grad_w, final_grad_b]).max():.1e}"
)

# %% [markdown]
# How close *should* the estimate be? Even the exact minimiser of the loss differs from the
# true parameters, because 4000 samples are a finite draw. Statistics gives the typical size
# of that difference, the **standard error** of each parameter:
#
# $$ \text{SE} = \sqrt{\operatorname{diag}\Big[\big(\tilde X^\top S \tilde X\big)^{-1}\Big]}, $$
#
# the square roots of the diagonal of the *inverse* matrix (not the inverse of its diagonal):
#
# * $\tilde X = [X \;\; 1]$: the inputs with a column of ones for the bias;
# * $S = \operatorname{diag}\big(\hat y_i (1 - \hat y_i)\big)$: how uncertain each prediction is;
# * $\tilde X^\top S \tilde X / n$ is also the Hessian of $L$ (section 6 uses it).
#
# The check: a correct fit lies within 4 standard errors of the truth for all three parameters,
# except with probability about $2 \cdot 10^{-4}$, whatever the seed.

# %%
X1 = np.c_[X, np.ones(N)]  # [X 1]
y_hat = sigmoid(X @ result.w + result.b)
hessian = X1.T @ (X1 * (y_hat * (1 - y_hat))[:, None]) / N
standard_errors = np.sqrt(np.diag(np.linalg.inv(hessian * N)))
estimate, truth = np.r_[result.w, result.b], np.r_[W_TRUE, B_TRUE]
for name, e, t, se in zip(["w1", "w2", "b"], estimate, truth, standard_errors, strict=True):
    print(f"{name}: estimate {e:+.3f}, true {t:+.3f}, off by {abs(e - t) / se:.1f} standard errors")

# %%
# Check: training converged (gradient ≈ 0) and recovered the true parameters.
assert np.abs(np.r_[final_grad_w, final_grad_b]).max() < 1e-5
assert np.all(np.abs(estimate - truth) < 4 * standard_errors)
assert np.all(np.diff(result.losses) <= 1e-12), "the full-batch loss should never go up here"

# %%
fig, (ax_loss, ax_data) = plt.subplots(1, 2, figsize=(11, 4))
ax_loss.plot(result.epoch_losses)
ax_loss.set(xlabel="epoch", ylabel="mean binary cross-entropy", title="Training loss")
ax_loss.grid(alpha=0.3)

ax_data.scatter(*X[y == 0].T, s=4, alpha=0.4, label="y = 0")
ax_data.scatter(*X[y == 1].T, s=4, alpha=0.4, label="y = 1")
x1 = np.linspace(-3.5, 3.5, 2)
for (w_line, b_line), style, name in [
    ((W_TRUE, B_TRUE), "k-", "true boundary"),
    ((result.w, result.b), "r--", "learned boundary"),
]:
    # The boundary is where z = w1·x1 + w2·x2 + b = 0, i.e. ŷ = 0.5.
    ax_data.plot(x1, -(w_line[0] * x1 + b_line) / w_line[1], style, label=name)
ax_data.set(
    xlim=(-3.5, 3.5),
    ylim=(-3.5, 3.5),
    xlabel="$x_1$",
    ylabel="$x_2$",
    title="Data and decision boundary",
)
ax_data.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 6. The learning rate
#
# Run the same problem from the same start with three learning rates.

# %%
RATES = {"too small (η = 0.05)": 0.05, "about right (η = 3)": 3.0, "too large (η = 60)": 60.0}
lr_runs = {
    name: gradient_descent(X, y, learning_rate=eta, epochs=100, w0=w0, b0=b0)
    for name, eta in RATES.items()
}

fig, ax = plt.subplots(figsize=(7, 4))
for name, run in lr_runs.items():
    ax.plot(run.epoch_losses, label=name)
ax.set(
    xlabel="epoch",
    ylabel="training loss",
    title="Same model, same start, three learning rates",
    yscale="log",
)
ax.grid(alpha=0.3)
ax.legend()
plt.show()

# %% [markdown]
# * **Too small**: every step lowers the loss, but so little that after 100 epochs it is far
#   from the minimum. It would get there, thousands of epochs later.
# * **About right**: the loss drops fast and settles.
# * **Too large**: the loss jumps up and down and need not settle at all. At some epoch it
#   can even touch the level where the η = 3 run settles, but it cannot stay there: close to
#   the valley floor each step overshoots it and lands on the other side, higher up, and the
#   run is thrown off again. The next cell counts the epochs in which the loss went up. (For
#   this model the gradient is bounded, so the weights bounce around instead of growing
#   exponentially. In a linear regression a too-large step makes the loss grow exponentially;
#   exercise 3 finds where that starts.)
#
# Where does "too large" start? Near the minimum the loss is close to a quadratic bowl whose
# curvature is given by the Hessian $H = \frac{1}{n}\tilde X^\top S \tilde X$ computed above.
# Gradient descent on a bowl converges only if $\eta < 2/\lambda_\text{max}$, where
# $\lambda_\text{max}$ is the largest eigenvalue of $H$: along that direction a step of
# $\eta\lambda_\text{max} > 2$ times the distance to the floor overshoots by more than it gains.

# %%
lambda_max = np.linalg.eigvalsh(hessian).max()
print(
    f"largest curvature λ_max = {lambda_max:.4f}  ->  stable for η < 2/λ_max = {2 / lambda_max:.1f}"
)
for name, run in lr_runs.items():
    ups = int(np.sum(np.diff(run.epoch_losses) > 0))
    print(f"{name:22s} final loss {run.epoch_losses[-1]:.4f}, loss went up in {ups} epochs")

# %%
# Check: the three regimes look as described.
small, right, large = lr_runs.values()
assert np.all(np.diff(small.epoch_losses) < 0) and small.losses[-1] > right.losses[-1] + 0.05
assert np.all(np.diff(right.epoch_losses) <= 1e-12) and right.losses[-1] < result.losses[-1] + 1e-4
assert RATES["too large (η = 60)"] > 2 / lambda_max > RATES["about right (η = 3)"]
assert np.sum(np.diff(large.epoch_losses) > 0) >= 10, "the too-large rate should bounce"


# %% [markdown]
# ## 7. The same model in Keras
#
# In Keras the neuron is `Dense(1, activation="sigmoid")`: its kernel is $w$ (shape $(d, 1)$)
# and its bias is $b$. We set the *same* initial weights, use plain `SGD` with the same
# learning rate and `BinaryCrossentropy`, and train on the full data set as one batch for the
# same number of epochs. Keras computes the same gradients by automatic differentiation, so it
# should end at the same weights: up to float32 rounding, since Keras trains in float32 and our
# NumPy code in float64.
#
# To feed the whole set as one batch per epoch, we wrap it in a `tf.data.Dataset` holding a
# single batch, repeat it, and take one step per epoch. `model.fit(X, y, batch_size=len(X),
# epochs=EPOCHS, shuffle=False)` makes exactly the same updates, but rebuilds its input
# pipeline every epoch, which costs far more than the update itself here.


# %%
def keras_neuron(n_features: int, w_start: np.ndarray, b_start: float, eta: float) -> keras.Model:
    """A sigmoid neuron in Keras, starting from given weights, trained by plain SGD."""
    model = keras.Sequential(
        [keras.Input(shape=(n_features,)), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.layers[0].set_weights([w_start.reshape(-1, 1), np.array([b_start])])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=eta), loss=keras.losses.BinaryCrossentropy()
    )
    return model


def fit_full_batch(model: keras.Model, X: np.ndarray, y: np.ndarray, epochs: int):
    """One update per epoch on the whole training set, as our batch gradient descent does."""
    whole = tf.data.Dataset.from_tensors((X.astype("float32"), y.astype("float32")))
    return model.fit(whole.repeat(), epochs=epochs, steps_per_epoch=1, shuffle=False, verbose=0)


model = keras_neuron(2, w0, b0, ETA)
history = fit_full_batch(model, X, y, EPOCHS)
kernel, bias = model.layers[0].get_weights()
keras_params = np.r_[kernel.ravel(), bias]
gap = np.abs(keras_params - estimate).max()
print(f"ours:  {np.round(estimate, 6)}")
print(f"Keras: {np.round(keras_params, 6)}")
print(f"largest difference: {gap:.1e}")

# %%
# Check: Keras ends at the same weights, within float32 rounding.
TOLERANCE = 1e-5
assert gap < TOLERANCE, gap
# Keras' logged loss of epoch k is the loss *before* its update: our losses[k - 1].
assert np.allclose(history.history["loss"], result.losses[:-1], atol=1e-5)

# %% [markdown]
# ## 8. A real table: breast-cancer diagnoses
#
# scikit-learn ships the Wisconsin breast-cancer data set: 569 tumours, 30 numeric features
# computed from a cell image, and a label (1 = benign, 0 = malignant). We hold out a
# stratified 20 % test split, and **fit the scaler on the training split only**: its means and
# standard deviations are part of the model, and computing them on the test rows would let the
# test set leak into training.
#
# Standardising matters for gradient descent itself: the raw features have wildly different
# scales (their standard deviations are printed below), so one learning rate would be far too
# large for some weights and far too small for others.

# %%
cancer = load_breast_cancer()
X_train_raw, X_test_raw, y_train, y_test = train_test_split(
    cancer.data,
    cancer.target.astype(float),
    test_size=0.2,
    stratify=cancer.target,
    random_state=SEED,
)
scaler = StandardScaler().fit(X_train_raw)  # training split only
X_train, X_test = scaler.transform(X_train_raw), scaler.transform(X_test_raw)
raw_scales = scaler.scale_  # the standard deviation of each raw feature on the training split
print(f"train {X_train.shape}, test {X_test.shape}")
print(
    f"raw feature standard deviations range from {raw_scales.min():.3g} to "
    f"{raw_scales.max():.0f}: a factor of {raw_scales.max() / raw_scales.min():,.0f}"
)

# %%
CANCER_ETA, CANCER_EPOCHS = 0.5, 500
w_start = np.zeros(X_train.shape[1])
cancer_run = gradient_descent(
    X_train, y_train, learning_rate=CANCER_ETA, epochs=CANCER_EPOCHS, w0=w_start, b0=0.0
)
ours_test_pred = (descent.predict(X_test, cancer_run.w, cancer_run.b) >= 0.5).astype(float)
ours_accuracy = np.mean(ours_test_pred == y_test)

cancer_model = keras_neuron(X_train.shape[1], w_start, 0.0, CANCER_ETA)
cancer_history = fit_full_batch(cancer_model, X_train, y_train, CANCER_EPOCHS)
keras_test_pred = (cancer_model.predict(X_test, verbose=0).ravel() >= 0.5).astype(float)
keras_accuracy = np.mean(keras_test_pred == y_test)
cancer_kernel, cancer_bias = cancer_model.layers[0].get_weights()
cancer_gap = np.abs(
    np.r_[cancer_kernel.ravel(), cancer_bias] - np.r_[cancer_run.w, cancer_run.b]
).max()

print(f"test accuracy, our gradient descent: {ours_accuracy:.4f}")
print(f"test accuracy, Keras:                {keras_accuracy:.4f}")
print(
    f"largest weight difference: {cancer_gap:.1e}; "
    f"test predictions that differ: {int(np.sum(ours_test_pred != keras_test_pred))}"
)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(cancer_run.epoch_losses, label="our gradient descent (float64)")
ax.plot(np.arange(CANCER_EPOCHS), cancer_history.history["loss"], "--", label="Keras SGD (float32)")
ax.set(xlabel="epoch", ylabel="training loss", yscale="log", title="Breast cancer: training loss")
ax.grid(alpha=0.3)
ax.legend()
plt.show()

# %%
# Check: a useful classifier, and the same one in Keras.
assert ours_accuracy >= 0.93, ours_accuracy
assert cancer_gap < 1e-4, cancer_gap
assert np.sum(ours_test_pred != keras_test_pred) <= 1

# %%
helpers.record("04", test_accuracy=ours_accuracy, keras_test_accuracy=keras_accuracy)

# %% [markdown]
# > **Common mistakes**
# >
# > * Writing the gradient upside down: it is $\partial L/\partial w$ (how the loss changes
# >   when the weight changes), not $\partial w/\partial L$.
# > * The wrong sign: the update is $w \leftarrow w - \eta\,\partial L/\partial w$. With a plus
# >   sign the loss goes *up* every step.
# > * Forgetting the $1/n$ of the mean: the gradient then grows with the data set, and a
# >   learning rate that worked on 100 rows diverges on 10 000.
# > * Trusting a hand-derived gradient without a numerical check; use central differences
# >   $(L(w + h) - L(w - h))/2h$, not the less accurate one-sided $(L(w + h) - L(w))/h$.
# > * Picking the learning rate once and never looking at the loss curve: a curve that barely
# >   moves means "too small", one that jumps up and down means "too large".
# > * Not standardising features of very different scales, or fitting the scaler on all the
# >   data before splitting: the test rows then shape the training features.
# > * Computing $\log \sigma(z)$ naively: for large $|z|$, $\sigma(z)$ rounds to 0 or 1 and the
# >   log gives $-\infty$. Compute the loss from $z$ (logits), as `helpers.descent.loss` does.
#
# ## Exercises
#
# **Exercise 1: one step by hand.** Three samples, two features, start at $w = (0, 0)$,
# $b = 0$, learning rate $\eta = 0.5$:
# $X = \begin{pmatrix} 1 & 2 \\ -1 & 0 \\ 0 & 1 \end{pmatrix}$, $y = (1, 0, 1)$.
# Compute $\hat y$, then $\partial L/\partial w$ and $\partial L/\partial b$ with the formulas of
# section 3, then the new parameters. Enter them as `[w1, w2, b]`.

# %%
X_ex = np.array([[1.0, 2.0], [-1.0, 0.0], [0.0, 1.0]])
y_ex = np.array([1.0, 0.0, 1.0])

new_params = ...  # [w1, w2, b] after one step

exercises.check_one_gradient_step(new_params, X_ex, y_ex, learning_rate=0.5)


# %% [markdown]
# **Exercise 2: write the gradient yourself.** Complete `my_gradient_w(X, y, w, b)` so that it
# returns $\partial L/\partial w$ (an array of shape $(d,)$) using only NumPy and `sigmoid`. The
# check compares it with *central differences* of the loss on several random inputs, so it
# tests your code against the definition of the derivative, not against our formula.


# %%
def my_gradient_w(X, y, w, b):
    # Your code: return ∂L/∂w for the mean binary cross-entropy of σ(Xw + b).
    raise NotImplementedError


exercises.check_gradient_w(my_gradient_w)

# %% [markdown]
# **Exercise 3: where does "too large" start?** For a *linear* model with mean squared error,
# $L = \frac{1}{n}\lVert Xw - y\rVert^2$, the Hessian is the constant matrix
# $H = \frac{2}{n} X^\top X$ and gradient descent converges exactly when
# $\eta < 2/\lambda_\text{max}(H)$. For the matrix `X_lin` below, compute that threshold
# (hint: `np.linalg.eigvalsh`).

# %%
X_lin = np.random.default_rng(1).normal(size=(200, 3)) * np.array([1.0, 2.0, 0.5])

eta_threshold = ...  # your answer

exercises.check_stable_learning_rate(eta_threshold, X_lin)

# %% [markdown]
# **Exercise 4: read the notation.** Which update makes the loss go *down*?
#
# * (a) $w \leftarrow w + \eta\,\partial L/\partial w$
# * (b) $w \leftarrow w - \eta\,\partial L/\partial w$
# * (c) $w \leftarrow w - \eta\,\partial w/\partial L$

# %%
answer_update = ...  # "a", "b" or "c"
HINT_4 = "The gradient ∂L/∂w points uphill (towards larger loss). Which way do you want to go?"
checks.check_digest(answer_update, "56b6a6a5b1c7f0f8", exercise="04.4", hint=HINT_4)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: ŷ = (0.5, 0.5, 0.5), ŷ − y = (−0.5, 0.5, −0.5).
y_hat_ex = sigmoid(X_ex @ np.zeros(2) + 0.0)
grad_w_ex = X_ex.T @ (y_hat_ex - y_ex) / 3  # (−1/3, −1/2)
grad_b_ex = np.mean(y_hat_ex - y_ex)  # −1/6
new_params = np.r_[np.zeros(2) - 0.5 * grad_w_ex, 0.0 - 0.5 * grad_b_ex]  # (1/6, 1/4, 1/12)
print(new_params)
assert exercises.check_one_gradient_step(new_params, X_ex, y_ex, learning_rate=0.5)
# the same step as the lesson's gradient_descent takes:
one_step = gradient_descent(X_ex, y_ex, learning_rate=0.5, epochs=1)
assert np.allclose(new_params, np.r_[one_step.w, one_step.b])


# %%
# Exercise 2
def my_gradient_w(X, y, w, b):
    error = sigmoid(X @ w + b) - y
    return X.T @ error / len(y)


assert exercises.check_gradient_w(my_gradient_w)

# %%
# Exercise 3
H_lin = 2 / len(X_lin) * X_lin.T @ X_lin
eta_threshold = 2 / np.linalg.eigvalsh(H_lin).max()
print(f"gradient descent on this problem converges for η < {eta_threshold:.3f}")
assert exercises.check_stable_learning_rate(eta_threshold, X_lin)

# %%
# Exercise 4: (b). Stepping along +∂L/∂w climbs; ∂w/∂L is not the gradient at all.
answer_update = "b"
assert checks.check_digest(answer_update, "56b6a6a5b1c7f0f8", exercise="04.4", hint=HINT_4)
