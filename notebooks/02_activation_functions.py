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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/02_activation_functions.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/02_activation_functions.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F02_activation_functions.ipynb)
# # 02 · Activation functions
#
# **Goals.** After this lesson you can
#
# * write down linear, sigmoid, tanh, ReLU, leaky ReLU and softmax, and their derivatives;
# * explain why a network needs a non-linear activation (stacked linear layers collapse into
#   one), and show it with numbers;
# * measure **saturation** (sigmoid slopes near 0) and **dead ReLUs** (units that never fire)
#   in a real Keras layer, and say what to do about them;
# * pick the output activation for regression, yes/no and multi-class problems.
#
# The functions live in `helpers/activations.py` (a dozen short NumPy functions); the
# course's tests check them against `keras.activations`.

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
import pandas as pd

from helpers import checks, exercises
from helpers.activations import (
    leaky_relu,
    leaky_relu_derivative,
    linear,
    linear_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softmax_jacobian,
    tanh,
    tanh_derivative,
)
from helpers.gradients import value_and_gradients

rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. The functions and their slopes
#
# An activation $f$ turns a neuron's pre-activation $z = \mathbf{w}\cdot\mathbf{x} + b$ into
# its output $a = f(z)$. Training (lessons 04-05) needs its derivative $f'(z)$ too, because
# the gradient of the loss flows back through every neuron multiplied by $f'(z)$.
#
# | name | $f(z)$ | $f'(z)$ | range | code |
# |---|---|---|---|---|
# | linear | $z$ | $1$ | $\mathbb{R}$ | `linear`, `linear_derivative` |
# | sigmoid | $\sigma(z) = \dfrac{1}{1 + e^{-z}}$ | $\sigma(z)\,(1 - \sigma(z))$ | $(0, 1)$ | `sigmoid`, `sigmoid_derivative` |
# | tanh | $\tanh(z) = \dfrac{e^{z} - e^{-z}}{e^{z} + e^{-z}}$ | $1 - \tanh^2(z)$ | $(-1, 1)$ | `tanh`, `tanh_derivative` |
# | ReLU | $\max(0, z)$ | $1$ if $z > 0$, else $0$ | $[0, \infty)$ | `relu`, `relu_derivative` |
# | leaky ReLU | $z$ if $z > 0$, else $\alpha z$ | $1$ if $z > 0$, else $\alpha$ | $\mathbb{R}$ | `leaky_relu`, `leaky_relu_derivative` |
# | softmax | $s_i = \dfrac{e^{z_i}}{\sum_j e^{z_j}}$ | $\dfrac{\partial s_i}{\partial z_j} = s_i(\delta_{ij} - s_j)$ | $(0,1)$, $\sum_i s_i = 1$ | `softmax`, `softmax_jacobian` |
#
# ReLU has a kink at $z = 0$ where no derivative exists; like TensorFlow, we use $0$ there
# (and $\alpha$ for leaky ReLU). The value at that one point is a convention, and libraries
# differ: JAX, for one, gives leaky ReLU the slope $1$ at exactly $z = 0$. Our default $\alpha = 0.01$; Keras' `keras.activations.leaky_relu`
# defaults to `negative_slope=0.2` and `keras.layers.LeakyReLU` to `0.3`, so pass it explicitly.

# %%
z = np.linspace(-6, 6, 1201)
pairs = {
    "linear": (linear, linear_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "ReLU": (relu, relu_derivative),
    "leaky ReLU (alpha = 0.1)": (
        lambda v: leaky_relu(v, alpha=0.1),
        lambda v: leaky_relu_derivative(v, alpha=0.1),
    ),
}
fig, axes = plt.subplots(1, 5, figsize=(18, 3.4), sharex=True)
for ax, (name, (f, f_prime)) in zip(axes, pairs.items(), strict=True):
    ax.plot(z, f(z), label="$f(z)$")
    ax.plot(z, f_prime(z), "--", label="$f'(z)$")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set(title=name, xlabel="z", ylim=(-1.5, 2.5))
    ax.legend(loc="upper left")
plt.tight_layout()
plt.show()

# %% [markdown]
# Every derivative formula above is checked against a **central difference**
# $\dfrac{f(z + h) - f(z - h)}{2h}$ with $h = 10^{-6}$, away from ReLU's kink:

# %%
h = 1e-6
z_check = z[np.abs(z) > 1e-3]
worst = {}
for name, (f, f_prime) in pairs.items():
    numeric = (f(z_check + h) - f(z_check - h)) / (2 * h)
    worst[name] = np.max(np.abs(f_prime(z_check) - numeric))
print({name: f"{error:.1e}" for name, error in worst.items()})

# %%
# Check: every analytic derivative matches its numerical estimate.
assert max(worst.values()) < 1e-8

# %% [markdown]
# **tanh, carefully.** $\tanh(z) = \dfrac{e^{z} - e^{-z}}{e^{z} + e^{-z}}$: difference over
# sum. The upside-down ratio $\dfrac{e^{z} + e^{-z}}{e^{z} - e^{-z}}$ is $\coth(z)$, a different
# function that blows up at $z = 0$. tanh is a rescaled sigmoid: $\tanh(z) = 2\sigma(2z) - 1$.
# Written as it stands, the formula fails for large $|z|$: $e^{800}$ overflows to `inf` and
# $\infty/\infty$ is `nan`. Dividing top and bottom by $e^{|z|}$ leaves only
# $e^{-2|z|} \le 1$, which cannot overflow:
# $\tanh(z) = \operatorname{sign}(z)\,\dfrac{1 - e^{-2|z|}}{1 + e^{-2|z|}}$.

# %%
z_mid = np.linspace(-5, 5, 11)
by_formula = (np.exp(z_mid) - np.exp(-z_mid)) / (np.exp(z_mid) + np.exp(-z_mid))
print("formula :", np.round(by_formula, 4))
print("tanh    :", np.round(tanh(z_mid), 4))
print(
    "coth(1) :",
    round((np.e + 1 / np.e) / (np.e - 1 / np.e), 4),
    " vs tanh(1):",
    round(tanh(1.0), 4),
)

# %%
# Check: the formula, helpers' tanh, NumPy's tanh and 2 sigmoid(2z) - 1 agree.
assert np.allclose(by_formula, tanh(z_mid)) and np.allclose(tanh(z_mid), np.tanh(z_mid))
assert np.allclose(tanh(z_mid), 2 * sigmoid(2 * z_mid) - 1)

# %% [markdown]
# **Written so that nothing overflows.** Coded literally, these formulas break for large
# $|z|$: $e^{-z}$ at $z = -1000$ is too big for a float and NumPy warns about an overflow.
# `helpers.activations` rewrites each formula into an equal one in which `exp` only ever sees
# numbers $\le 0$. Here is the sigmoid as it is written there:

# %%
print(inspect.getsource(sigmoid))
with np.errstate(over="ignore"):  # the naive formula overflows here: silence that one warning
    naive_sigmoid = 1 / (1 + np.exp(-np.array([-1000.0, 0.0, 1000.0])))
print("naive :", naive_sigmoid, "(correct here, but only after an overflow to inf)")
print("stable:", sigmoid([-1000.0, 0.0, 1000.0]))

# %% [markdown]
# **Same numbers as Keras.** The table lists the largest relative difference,
# $|\text{ours} - \text{keras}| / \max(1, |\text{keras}|)$, between each of our functions and its
# `keras.activations` counterpart on a fine grid in $[-6, 6]$ plus the extremes $\pm 100$ and
# $\pm 1000$.
# Keras computes in float32 by default (about 7 significant digits); we compute in float64.

# %%
z_all = np.concatenate([z, [-1000.0, -100.0, 100.0, 1000.0]])
keras_pairs = {
    "linear": (linear, keras.activations.linear),
    "sigmoid": (sigmoid, keras.activations.sigmoid),
    "tanh": (tanh, keras.activations.tanh),
    "relu": (relu, keras.activations.relu),
    "leaky_relu (0.2)": (
        lambda v: leaky_relu(v, alpha=0.2),
        lambda v: keras.activations.leaky_relu(v, negative_slope=0.2),
    ),
}
rows = []
for name, (ours, theirs) in keras_pairs.items():
    keras_out = keras.ops.convert_to_numpy(theirs(keras.ops.convert_to_tensor(z_all, "float32")))
    difference = np.abs(ours(z_all) - keras_out) / np.maximum(1.0, np.abs(keras_out))
    rows.append({"activation": name, "max relative difference": difference.max()})
comparison = pd.DataFrame(rows)
comparison

# %%
# Check: agreement to float32 precision, extremes included.
assert (comparison["max relative difference"] < 1e-6).all()

# %% [markdown]
# ## 2. Softmax
#
# Softmax turns a vector of $k$ scores (logits) into $k$ probabilities that sum to 1. Adding
# the same constant $c$ to every score changes nothing, because $e^{c}$ cancels between top and
# bottom. That is how it is computed safely: subtract $\max_j z_j$ first, so every exponent is
# $\le 0$. The naive formula overflows for large scores:

# %%
scores = np.array([1000.0, 0.0, -1000.0])
with np.errstate(over="ignore", invalid="ignore"):  # silence the warnings we expect here
    naive = np.exp(scores) / np.exp(scores).sum()
print("naive softmax :", naive)
print("stable softmax:", softmax(scores))
print("keras         :", keras.ops.convert_to_numpy(keras.activations.softmax(scores[None, :]))[0])

# %%
# Check: naive overflows to nan; the stable version gives the right answer.
assert np.isnan(naive).any()
assert np.allclose(softmax(scores), [1.0, 0.0, 0.0])
logits = rng.normal(size=5)
assert np.allclose(softmax(logits), softmax(logits + 123.0)) and np.isclose(
    softmax(logits).sum(), 1
)

# %% [markdown]
# Softmax couples its outputs: raising $z_j$ raises $s_j$ and lowers every other $s_i$. Its
# derivative is therefore a matrix, the Jacobian
# $J_{ij} = \partial s_i / \partial z_j = s_i(\delta_{ij} - s_j)$, i.e.
# $J = \operatorname{diag}(\mathbf{s}) - \mathbf{s}\mathbf{s}^\top$. Each column sums to 0,
# because the outputs always sum to 1. Compared with central differences:

# %%
z_vec = np.array([2.0, 1.0, 0.1])
J = softmax_jacobian(z_vec)
J_numeric = np.column_stack(
    [(softmax(z_vec + h * e) - softmax(z_vec - h * e)) / (2 * h) for e in np.eye(3)]
)
print(np.round(J, 4))
print(f"max difference to the numerical Jacobian: {np.abs(J - J_numeric).max():.1e}")

# %%
# Check: analytic Jacobian = numerical Jacobian, and its columns sum to 0.
assert np.allclose(J, J_numeric, atol=1e-8) and np.allclose(J.sum(axis=0), 0)

# %% [markdown]
# To plot softmax and its slopes like the other activations, move one score $z_0$ and hold
# $z_1 = 1$, $z_2 = 0$. Column 0 of the Jacobian gives the three slopes
# $\partial s_i / \partial z_0$: $s_0(1 - s_0)$ for $s_0$ itself (at most 0.25, exactly like
# the sigmoid's), and $-s_i s_0 \le 0$ for the two others.

# %%
z0 = np.linspace(-6, 6, 241)
s_curves = softmax(np.column_stack([z0, np.ones_like(z0), np.zeros_like(z0)]))
slopes = np.array([softmax_jacobian([v, 1.0, 0.0])[:, 0] for v in z0])  # d s_i / d z_0
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharex=True)
for i in range(3):
    axes[0].plot(z0, s_curves[:, i], label=f"$s_{i}$")
    axes[1].plot(z0, slopes[:, i], label=rf"$\partial s_{i} / \partial z_0$")
axes[0].set(title="softmax$(z_0, 1, 0)$", xlabel="$z_0$", ylabel="probability")
axes[1].set(title="its slopes with respect to $z_0$", xlabel="$z_0$", ylabel="slope")
for ax in axes:
    ax.axhline(0, color="grey", lw=0.5)
    ax.legend()
plt.tight_layout()
plt.show()

# %%
# Check: s_0 has the sigmoid-shaped slope s_0 (1 - s_0); the others fall; slopes sum to 0.
assert np.allclose(slopes[:, 0], s_curves[:, 0] * (1 - s_curves[:, 0]))
assert np.all(slopes[:, 1:] <= 0) and np.allclose(slopes.sum(axis=1), 0)

# %% [markdown]
# **Softmax or sigmoid?** Softmax is for *exclusive* classes (each sample is exactly one of
# $k$): its outputs compete and sum to 1. Sigmoid is for one yes/no question, or several
# independent ones (multi-label: a photo can contain a cat *and* a dog). With two classes they
# coincide: $\operatorname{softmax}(z, 0)_0 = \dfrac{e^{z}}{e^{z} + 1} = \sigma(z)$.

# %%
z_two = np.linspace(-5, 5, 21)
two_class = softmax(np.column_stack([z_two, np.zeros_like(z_two)]), axis=1)[:, 0]
# Check: a two-class softmax is a sigmoid of the score difference.
assert np.allclose(two_class, sigmoid(z_two))

# %% [markdown]
# ## 3. Why non-linearity?
#
# Two linear layers in a row, $\mathbf{h} = \mathbf{x} W_1 + \mathbf{b}_1$ and
# $\mathbf{y} = \mathbf{h} W_2 + \mathbf{b}_2$, are one linear layer in disguise:
#
# $$ \mathbf{y} = (\mathbf{x} W_1 + \mathbf{b}_1) W_2 + \mathbf{b}_2
#    = \mathbf{x} \underbrace{W_1 W_2}_{W} + \underbrace{\mathbf{b}_1 W_2 + \mathbf{b}_2}_{\mathbf{b}}. $$
#
# However many linear layers you stack, the network can only draw straight lines (lesson 01
# showed that is not enough for XOR). Numerically, with random weights:

# %%
n_in, n_hidden, n_out = 4, 16, 3
W1, b1 = rng.normal(size=(n_in, n_hidden)), rng.normal(size=n_hidden)
W2, b2 = rng.normal(size=(n_hidden, n_out)), rng.normal(size=n_out)
X = rng.normal(size=(200, n_in))

two_linear_layers = (X @ W1 + b1) @ W2 + b2
W, b = W1 @ W2, b1 @ W2 + b2
one_linear_layer = X @ W + b
print(
    "max difference, two linear layers vs one:", np.abs(two_linear_layers - one_linear_layer).max()
)

# With a ReLU between the layers, the best single linear map (least squares) no longer fits.
with_relu = relu(X @ W1 + b1) @ W2 + b2
X1 = np.column_stack([X, np.ones(len(X))])  # a column of ones for the bias
coef, *_ = np.linalg.lstsq(X1, with_relu, rcond=None)
relu_residual = np.abs(X1 @ coef - with_relu).max()
coef, *_ = np.linalg.lstsq(X1, two_linear_layers, rcond=None)
linear_residual = np.abs(X1 @ coef - two_linear_layers).max()
print(
    f"best linear fit, max error: linear stack {linear_residual:.1e}, ReLU stack {relu_residual:.2f}"
)

# %%
# Check: the linear stack collapses exactly; the ReLU stack does not.
assert np.allclose(two_linear_layers, one_linear_layer)
assert linear_residual < 1e-8 and relu_residual > 0.5

# %% [markdown]
# ## 4. Saturation: when the slope vanishes
#
# The sigmoid's slope is at most $\sigma'(0) = 0.25$ and falls to nearly 0 once $|z|$ exceeds
# about 5: the neuron is **saturated**, its output barely moves whatever its weights do, and
# the gradient that flows back through it is multiplied by almost 0. Through $L$ sigmoid layers
# the activation slopes alone multiply the gradient by at most $0.25^{L}$ (about $10^{-6}$ for
# $L = 10$): the *vanishing gradient* of [lesson 13](13_training_deep_networks.ipynb).
#
# How often does it happen? It depends on the size of $z$, hence on how the weights are
# initialised. Take a Keras `Dense` layer with 256 units on a batch of standardised inputs with
# 100 features, and measure the fraction of sigmoid slopes below 0.01 for two initialisations:
# weights drawn from $\mathcal{N}(0, 1)$ (so $z$ has a standard deviation near
# $\sqrt{100} = 10$), and Keras' default Glorot-uniform (variance $2 / (\text{fan-in} + \text{fan-out})$,
# which keeps $z$ near unit scale).

# %%
n_features, n_units, batch = 100, 256, 512
X_batch = rng.normal(size=(batch, n_features)).astype("float32")


def pre_activations(kernel_initializer, bias_initializer="zeros"):
    """z = X W + b of a freshly initialised Dense layer (no activation), as a NumPy array."""
    layer = keras.layers.Dense(
        n_units, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer
    )
    return keras.ops.convert_to_numpy(layer(X_batch))


z_big = pre_activations(keras.initializers.RandomNormal(stddev=1.0, seed=SEED))
z_glorot = pre_activations(keras.initializers.GlorotUniform(seed=SEED))
saturation = pd.DataFrame(
    {
        "initialisation": ["N(0, 1)", "Glorot uniform (Keras default)"],
        "std of z": [z_big.std(), z_glorot.std()],
        "fraction sigmoid'(z) < 0.01": [
            (sigmoid_derivative(z_big) < 0.01).mean(),
            (sigmoid_derivative(z_glorot) < 0.01).mean(),
        ],
        "mean sigmoid'(z)": [sigmoid_derivative(z_big).mean(), sigmoid_derivative(z_glorot).mean()],
    }
)
saturation

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
bins = np.linspace(-40, 40, 161)
axes[0].hist(z_big.ravel(), bins=bins, alpha=0.6, density=True, label="N(0, 1) weights")
axes[0].hist(z_glorot.ravel(), bins=bins, alpha=0.6, density=True, label="Glorot weights")
axes[0].set(title="pre-activations z", xlabel="z", ylabel="density", xlim=(-40, 40))
axes[0].legend()
axes[1].plot(z, sigmoid_derivative(z), color="k")
axes[1].axhline(0.01, color="r", ls=":", label="slope 0.01")
s_edge = (1 + np.sqrt(1 - 4 * 0.01)) / 2  # solves s (1 - s) = 0.01
z_edge = np.log(s_edge / (1 - s_edge))  # the z where sigmoid'(z) falls to 0.01
axes[1].set(title=f"sigmoid'(z): below 0.01 for |z| > {z_edge:.1f}", xlabel="z", ylabel="slope")
axes[1].legend()
plt.tight_layout()
plt.show()

# %%
# Check: the maximum slope is 0.25; big weights saturate most units, Glorot almost none.
assert np.isclose(sigmoid_derivative(z).max(), 0.25) and sigmoid_derivative(0.0) == 0.25
assert saturation.loc[0, "fraction sigmoid'(z) < 0.01"] > 0.5
assert saturation.loc[1, "fraction sigmoid'(z) < 0.01"] < 0.01

# %% [markdown]
# tanh saturates the same way (slope $\le 1$, near 0 for $|z| > 3$). ReLU does not saturate
# for $z > 0$, where its slope is exactly 1; that is a large part of why deep networks use it.
#
# ## 5. Dead ReLUs
#
# ReLU has the opposite problem: for $z < 0$ its slope is exactly 0. A unit whose $z$ is
# negative for **every** input never fires, passes back a zero gradient, so its weights never
# change: it is **dead**. A large negative bias (or a too-large learning-rate step that pushes
# the bias there) does it. We measure it on the same batch: a unit is dead if it is inactive
# on every sample of the batch.

# %%
dead = {}
for bias in [0.0, -1.0, -3.0]:
    z_layer = pre_activations(
        keras.initializers.GlorotUniform(seed=SEED), keras.initializers.Constant(bias)
    )
    dead[bias] = np.mean(np.all(z_layer <= 0, axis=0))  # inactive on every sample
print({f"bias {bias:+.0f}": f"{fraction:.1%} dead" for bias, fraction in dead.items()})

# %% [markdown]
# A dead unit gets exactly zero gradient. Let Keras's backend differentiate a loss through the
# bias $-3$ layer (`value_and_gradients` asks TensorFlow's `GradientTape` or JAX's `grad`,
# whichever backend runs): the weight gradient of every dead unit is 0. Leaky ReLU keeps a slope
# $\alpha$, so the same units still receive a (small) gradient and can recover.

# %%
dead_layer = keras.layers.Dense(
    n_units,
    kernel_initializer=keras.initializers.GlorotUniform(seed=SEED),
    bias_initializer=keras.initializers.Constant(-3.0),
)
dead_layer.build(X_batch.shape)  # creates dead_layer.kernel, which is asked for before any call


def kernel_gradient(activation) -> np.ndarray:
    def loss():
        return keras.ops.mean(keras.ops.square(activation(dead_layer(X_batch)) - 1.0))

    return value_and_gradients(loss, [dead_layer.kernel])[1][0]


gradient_norms = {
    "relu": np.linalg.norm(kernel_gradient(keras.activations.relu), axis=0),
    "leaky_relu": np.linalg.norm(
        kernel_gradient(lambda v: keras.activations.leaky_relu(v, negative_slope=0.01)), axis=0
    ),
}
dead_units = np.all(keras.ops.convert_to_numpy(dead_layer(X_batch)) <= 0, axis=0)
print(f"{dead_units.mean():.1%} of units dead")
print("weight-gradient norm of dead units, ReLU:   max", gradient_norms["relu"][dead_units].max())
print(
    "weight-gradient norm of dead units, leaky: min", gradient_norms["leaky_relu"][dead_units].min()
)

# %%
# Check: no dead units with bias 0; most die with bias -3; dead ReLUs get exactly zero gradient.
assert dead[0.0] < 0.05 and dead[-3.0] > 0.9
assert np.all(gradient_norms["relu"][dead_units] == 0)
assert np.all(gradient_norms["leaky_relu"][dead_units] > 0)


# %% [markdown]
# ## 6. Which activation where?
#
# | where | activation | why |
# |---|---|---|
# | hidden layers (default) | ReLU | cheap, slope 1 for $z > 0$, no saturation there |
# | hidden layers, many dead units | leaky ReLU (or ELU/GELU) | slope $\alpha$ for $z < 0$ keeps units trainable |
# | hidden layers of RNNs ([lesson 14](14_recurrent_networks.ipynb)) | tanh (and sigmoid gates) | bounded, zero-centred |
# | output, regression | linear | any real number |
# | output, yes/no (or independent multi-label) | sigmoid | one probability per question |
# | output, one of $k$ exclusive classes | softmax | $k$ probabilities that sum to 1 |
#
# For the last two, Keras can take the raw scores instead (`from_logits=True` in the loss):
# lesson 03 shows why that is numerically safer.

# %% [markdown]
# > **Common mistakes**
# >
# > * Writing tanh upside down: $\tanh(z) = (e^{z} - e^{-z})/(e^{z} + e^{-z})$; the inverse
# >   ratio is $\coth$.
# > * Stacking `Dense` layers without an activation and expecting a deeper model: they collapse
# >   into one linear map.
# > * Computing softmax as `np.exp(z) / np.exp(z).sum()`: it overflows for large scores.
# >   Subtract the maximum first (or let Keras do it).
# > * Sigmoid outputs with categorical cross-entropy for exclusive classes: use softmax, whose
# >   outputs sum to 1. Sigmoid is for independent yes/no outputs.
# > * Assuming Keras' leaky ReLU slope: `keras.activations.leaky_relu` uses 0.2 and
# >   `keras.layers.LeakyReLU` 0.3 by default, not the textbook 0.01.
# > * Sigmoid everywhere in a deep network with large initial weights: most units saturate and
# >   gradients vanish. Keep the default initialisers and use ReLU in hidden layers.
#
# ## Exercises
#
# **Exercise 1.** Implement tanh from exponentials (no `np.tanh`). It must also be right for
# large $|z|$, such as $z = \pm 800$.


# %%
def my_tanh(z):
    """tanh(z) from exponentials, elementwise."""
    raise NotImplementedError  # replace with your code


exercises.check_tanh(my_tanh)


# %% [markdown]
# **Exercise 2.** Implement the derivative of the sigmoid using only `sigmoid`.


# %%
def my_sigmoid_derivative(z):
    """d sigmoid / dz, elementwise."""
    raise NotImplementedError  # replace with your code


exercises.check_sigmoid_derivative(my_sigmoid_derivative)

# %% [markdown]
# **Exercise 3.** Two linear layers with the weights below collapse into one,
# $\mathbf{y} = \mathbf{x} W + \mathbf{b}$. Compute that single $W$ (shape (2, 2)) and
# $\mathbf{b}$ (shape (2,)).

# %%
EX_W1 = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]])
EX_b1 = np.array([0.5, 0.0, 1.0])
EX_W2 = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]])
EX_b2 = np.array([0.0, 3.0])

W_single = ...  # your answer
b_single = ...  # your answer
exercises.check_collapsed_layers(W_single, b_single, EX_W1, EX_b1, EX_W2, EX_b2)

# %% [markdown]
# **Exercise 4.** A network must say which of 10 digits an image shows. Which output
# activation? Answer `"linear"`, `"sigmoid"`, `"tanh"`, `"relu"` or `"softmax"`.

# %%
output_activation = ...  # your answer
HINT_4 = "The classes are exclusive: the 10 probabilities should sum to 1."
checks.check_digest(output_activation, "bfc8cd99861682b5", exercise="02.4", hint=HINT_4)


# %% [markdown]
# ## Solutions


# %%
# Exercise 1: tanh(z) = (1 - e^(-2z)) / (1 + e^(-2z)); on |z|, with tanh's sign put back (it is
# odd), no exponential overflows.
def my_tanh(z):
    """tanh(z) from exponentials, elementwise, without overflow for large |z|."""
    e = np.exp(-2 * np.abs(z))  # at most 1
    return np.sign(z) * (1 - e) / (1 + e)


assert exercises.check_tanh(my_tanh)


# %%
# Exercise 2: sigmoid'(z) = sigmoid(z) (1 - sigmoid(z)).
def my_sigmoid_derivative(z):
    """d sigmoid / dz, elementwise."""
    s = sigmoid(z)
    return s * (1 - s)


assert exercises.check_sigmoid_derivative(my_sigmoid_derivative)

# %%
# Exercise 3: (x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2).
W_single = EX_W1 @ EX_W2
b_single = EX_b1 @ EX_W2 + EX_b2
assert exercises.check_collapsed_layers(W_single, b_single, EX_W1, EX_b1, EX_W2, EX_b2)

# %%
# Exercise 4: softmax: ten exclusive classes, ten probabilities that sum to 1.
output_activation = "softmax"
assert checks.check_digest(output_activation, "bfc8cd99861682b5", exercise="02.4", hint=HINT_4)
