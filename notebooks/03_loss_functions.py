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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/03_loss_functions.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/03_loss_functions.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F03_loss_functions.ipynb)
# # 03 · Loss functions
#
# **Goals.** After this lesson you can
#
# * compute mean squared error, mean absolute error, binary, categorical and sparse
#   categorical cross-entropy and the hinge loss by hand, and get the same numbers as
#   `keras.losses`;
# * choose the loss that fits a problem and its output activation;
# * explain why $\log 0$ and large logits break naive code, what clipping does, and why
#   `from_logits=True` is the numerically stable choice;
# * tell what a Keras *model* does with a sigmoid or softmax output (it is not always what the
#   same formula does on plain arrays).
#
# The NumPy versions are in `helpers/losses.py`; every one is tested against Keras.

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
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers import checks, exercises
from helpers import losses as L
from helpers.activations import sigmoid, softmax
from helpers.gradients import value_and_gradients

rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. One number per sample, then the mean
#
# A loss compares the targets $y$ with the model's predictions $\hat y$. It first gives one
# number per sample, $\ell_i$, then averages over the batch of $n$ samples:
#
# $$ L = \frac{1}{n} \sum_{i=1}^{n} \ell_i . $$
#
# That mean is what `keras.losses.MeanSquaredError()` and friends return (their default
# reduction, `"sum_over_batch_size"`), and what `helpers.losses` returns; pass
# `reduction="none"` to see the $\ell_i$. Training (lessons 04-05) moves the weights to make
# $L$ smaller.
#
# ## 2. Regression: MSE and MAE
#
# $$ \text{MSE} = \frac{1}{n}\sum_{i=1}^{n} (y_i - \hat y_i)^2, \qquad
#    \text{MAE} = \frac{1}{n}\sum_{i=1}^{n} |y_i - \hat y_i| . $$

# %%
y_reg = np.array([3.0, -0.5, 2.0, 7.0])
y_hat_reg = np.array([2.5, 0.0, 2.0, 8.0])

mse_by_hand = np.mean((y_reg - y_hat_reg) ** 2)  # (0.25 + 0.25 + 0 + 1) / 4
mae_by_hand = np.mean(np.abs(y_reg - y_hat_reg))  # (0.5 + 0.5 + 0 + 1) / 4
print("MSE:", mse_by_hand, L.mean_squared_error(y_reg, y_hat_reg))
print("MAE:", mae_by_hand, L.mean_absolute_error(y_reg, y_hat_reg))

# %%
# Check: the hand computation.
assert mse_by_hand == 0.375 and mae_by_hand == 0.5

# %% [markdown]
# MSE squares the errors, so one large error dominates; MAE grows linearly and is less swayed
# by outliers, and it is in the target's own units. One bad prediction shows the difference:

# %%
y_hat_outlier = y_hat_reg.copy()
y_hat_outlier[3] = 17.0  # one prediction off by 10
print(
    f"with one outlier: MSE {L.mean_squared_error(y_reg, y_hat_outlier):.3f}"
    f" (was {mse_by_hand:.3f}), MAE {L.mean_absolute_error(y_reg, y_hat_outlier):.3f}"
    f" (was {mae_by_hand:.3f})"
)
errors = np.linspace(-3, 3, 301)
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(errors, errors**2, label=r"squared error $(y - \hat y)^2$")
ax.plot(errors, np.abs(errors), label=r"absolute error $|y - \hat y|$")
ax.set(xlabel=r"error $y - \hat y$", ylabel="per-sample loss", title="MSE vs MAE")
ax.legend()
plt.show()

# %% [markdown]
# ## 3. Binary cross-entropy
#
# For yes/no targets $y_i \in \{0, 1\}$ and predicted probabilities $p_i = P(y_i = 1)$ from a
# sigmoid output:
#
# $$ \text{BCE} = -\frac{1}{n}\sum_{i=1}^{n} \big[\, y_i \log p_i + (1 - y_i)\log(1 - p_i) \,\big]. $$
#
# Only one term is active per sample: $-\log p_i$ if $y_i = 1$, $-\log(1 - p_i)$ if $y_i = 0$.
# A confident right answer costs almost nothing; a confident wrong one costs a lot.

# %%
y_bin = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
z_bin = np.array([2.2, -1.4, 0.4, 4.6, -0.4])  # raw scores (logits) of a model
p_bin = sigmoid(z_bin)  # probabilities after the sigmoid

bce_by_hand = -np.mean(y_bin * np.log(p_bin) + (1 - y_bin) * np.log(1 - p_bin))
print("p =", p_bin.round(3), " BCE by hand:", bce_by_hand)

p = np.linspace(0.001, 0.999, 500)
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(p, -np.log(p), label="y = 1: $-\\log p$")
ax.plot(p, -np.log(1 - p), label="y = 0: $-\\log(1 - p)$")
ax.set(xlabel="predicted probability p", ylabel="per-sample loss", title="Binary cross-entropy")
ax.legend()
plt.show()

# %% [markdown]
# ## 4. Categorical and sparse categorical cross-entropy
#
# For $k$ exclusive classes, a softmax output gives $p_{ic}$, the probability that sample $i$
# is of class $c$. With one-hot targets $y_{ic}$ (1 for the true class, 0 elsewhere):
#
# $$ \text{CCE} = -\frac{1}{n}\sum_{i=1}^{n}\sum_{c=1}^{k} y_{ic}\log p_{ic}
#               = -\frac{1}{n}\sum_{i=1}^{n} \log p_{i, t_i}, $$
#
# where $t_i$ is the true class. *Sparse* categorical cross-entropy is the same loss with the
# labels stored as the class numbers $t_i$ instead of one-hot rows: use whichever matches your
# labels.

# %%
t_cat = np.array([0, 2, 1, 2])  # class numbers t_i
y_cat = np.eye(3)[t_cat]  # the same labels one-hot encoded
z_cat = np.array([[2.0, 1.0, 0.1], [0.5, 0.2, 3.0], [1.0, 1.5, -0.5], [2.5, 0.0, 0.3]])
p_cat = softmax(z_cat)

cce_by_hand = -np.mean(np.sum(y_cat * np.log(p_cat), axis=1))
sparse_by_hand = -np.mean(np.log(p_cat[np.arange(len(t_cat)), t_cat]))
print("one-hot targets:\n", y_cat)
print("CCE by hand:", cce_by_hand, " sparse by hand:", sparse_by_hand)

# %%
# Check: one-hot and sparse labels give the same loss.
assert np.isclose(cce_by_hand, sparse_by_hand)

# %% [markdown]
# ## 5. Hinge loss
#
# The hinge loss (of support vector machines) takes labels $y_i \in \{-1, +1\}$ and raw scores
# $s_i$; it asks for the right sign *with a margin*:
#
# $$ \text{hinge} = \frac{1}{n}\sum_{i=1}^{n} \max(0,\; 1 - y_i s_i). $$
#
# A sample with $y_i s_i \ge 1$ costs nothing. Labels must be $\pm 1$: with a label 0 the
# product $y_i s_i$ is 0 whatever the score, so that sample always costs exactly 1 and teaches
# the model nothing. `keras.losses.hinge` silently converts $\{0, 1\}$ labels to
# $\{-1, +1\}$ (and uses any other values unchanged); `helpers.losses.hinge` refuses anything but
# $\pm 1$ and says to map 0/1 labels with $2y - 1$.

# %%
y_pm1 = 2 * y_bin - 1  # {0, 1} -> {-1, +1}
hinge_by_hand = np.mean(np.maximum(0.0, 1.0 - y_pm1 * z_bin))
print("labels:", y_pm1, " hinge by hand:", hinge_by_hand)
wrong_labels_naive = np.mean(np.maximum(0.0, 1.0 - y_bin * z_bin))  # 0/1 labels, unconverted
print("the same formula fed 0/1 labels:", wrong_labels_naive, "(every y = 0 sample costs 1)")
try:
    L.hinge(y_bin, z_bin)
except ValueError as error:
    print("helpers.losses.hinge with 0/1 labels ->", error)

# %% [markdown]
# ## 6. By hand, helpers, Keras: the same numbers
#
# The table puts the three side by side on the arrays above. Keras' loss objects compute in
# float32 (about 7 significant digits); the hand and helpers columns are float64.

# %%
keras_results = {
    "MSE": keras.losses.MeanSquaredError()(y_reg, y_hat_reg),
    "MAE": keras.losses.MeanAbsoluteError()(y_reg, y_hat_reg),
    "binary CE": keras.losses.BinaryCrossentropy()(y_bin, p_bin),
    "categorical CE": keras.losses.CategoricalCrossentropy()(y_cat, p_cat),
    "sparse categorical CE": keras.losses.SparseCategoricalCrossentropy()(t_cat, p_cat),
    "hinge": keras.losses.Hinge()(y_pm1, z_bin),
}
table = pd.DataFrame(
    {
        "by hand": [
            mse_by_hand,
            mae_by_hand,
            bce_by_hand,
            cce_by_hand,
            sparse_by_hand,
            hinge_by_hand,
        ],
        "helpers.losses": [
            L.mean_squared_error(y_reg, y_hat_reg),
            L.mean_absolute_error(y_reg, y_hat_reg),
            L.binary_cross_entropy(y_bin, p_bin),
            L.categorical_cross_entropy(y_cat, p_cat),
            L.sparse_categorical_cross_entropy(t_cat, p_cat),
            L.hinge(y_pm1, z_bin),
        ],
        "keras.losses": [float(value) for value in keras_results.values()],
    },
    index=list(keras_results),
)
table["relative difference"] = (table["helpers.losses"] - table["keras.losses"]).abs() / table[
    "keras.losses"
]
table

# %%
# Check: hand = helpers (float64), and both = Keras to float32 precision.
assert np.allclose(table["by hand"], table["helpers.losses"], rtol=1e-12)
assert (table["relative difference"] < 1e-6).all()

# %% [markdown]
# ## 7. Which loss when?
#
# | problem | output layer | loss (Keras) | labels |
# |---|---|---|---|
# | regression | linear | `MeanSquaredError` (or `MeanAbsoluteError` with outliers) | real numbers |
# | yes/no, or several independent yes/no (multi-label) | sigmoid, or none with `from_logits=True` | `BinaryCrossentropy` | 0/1 per output |
# | one of $k$ exclusive classes, one-hot labels | softmax, or none with `from_logits=True` | `CategoricalCrossentropy` | one-hot rows |
# | one of $k$ exclusive classes, integer labels | softmax, or none with `from_logits=True` | `SparseCategoricalCrossentropy` | 0 .. k-1 |
# | yes/no with a margin (SVM-style) | linear (raw score) | `Hinge` | -1/+1 |
#
# ## 8. Numerical stability
#
# ### log of 0
#
# A model that is sure and right can output $p = 1.0$ exactly (float rounding), and a sure and
# wrong one $p = 0.0$. The naive formula then computes $\log 0 = -\infty$, and $0 \cdot \log 0$
# is `nan`. Keras (and `helpers.losses`) clip probabilities to
# $[\epsilon, 1 - \epsilon]$ with $\epsilon = 10^{-7}$ (`keras.config.epsilon()`), so the worst
# possible per-sample loss is $-\log 10^{-7} \approx 16.1$.

# %%
y_edge = np.array([1.0, 0.0, 1.0])
p_edge = np.array([1.0, 1.0, 0.0])  # right and sure, wrong and sure, wrong and sure
with np.errstate(divide="ignore", invalid="ignore"):  # the warnings we are about to cause
    naive_terms = -(y_edge * np.log(p_edge) + (1 - y_edge) * np.log(1 - p_edge))
print("naive per-sample BCE  :", naive_terms, "-> mean", naive_terms.mean())
clipped = L.binary_cross_entropy(y_edge, p_edge, reduction="none")
print("clipped (helpers)     :", clipped.round(3))
keras_edge = float(keras.losses.BinaryCrossentropy()(y_edge, p_edge))
keras_edge_terms = keras.ops.convert_to_numpy(  # the loss object computes in float32
    keras.losses.BinaryCrossentropy(reduction=None)(y_edge[:, None], p_edge[:, None])
)
print("per sample (keras)    :", keras_edge_terms.round(3))
print("mean: helpers", round(clipped.mean(), 4), " keras", round(keras_edge, 4))
print("keras.config.epsilon() =", keras.config.epsilon())
print(f"in float32, 1 - 1e-7 is stored as 1 - {1 - float(np.float32(1 - 1e-7)):.3g}")

# %%
# Check: naive is nan; clipped and Keras are finite and agree (Keras clips in float32).
assert np.isnan(naive_terms.mean())
assert np.all(np.isfinite(clipped)) and np.isclose(clipped.max(), -np.log(L.EPSILON))
assert np.isclose(clipped.mean(), keras_edge, rtol=1e-2)
assert abs(keras_edge_terms[1] - clipped[1]) > 0.1  # the float32 edge, second digit

# %% [markdown]
# (Keras' loss object computes in float32, which rounds $1 - 10^{-7}$ to
# $1 - 1.19 \times 10^{-7}$: for the sample clipped at the upper edge (true 0, predicted 1.0)
# its per-sample loss is $-\log(1.19 \times 10^{-7}) \approx 15.94$ instead of float64's
# $16.12$, different in the second digit, as the two printed rows show. Away from the edges
# they agree to float32 precision, about 7 digits.)
#
# ### Logits and `from_logits=True`
#
# On plain arrays of probabilities (your own NumPy code, or a Keras loss handed numbers that
# did not come out of a Keras activation), clipping keeps the loss finite but makes it wrong:
# it caps every mistake at about 16, and once a probability is clipped its gradient is 0, so a badly wrong, confident model stops learning
# from that sample. The fix is to let the loss see the raw score $z$ (the *logit*) and never
# form $p = \sigma(z)$ at all. Since $\log \sigma(z) = z - \log(1 + e^{z})$ and
# $\log(1 - \sigma(z)) = -\log(1 + e^{z})$, one sample's BCE is
#
# $$ \ell(z, y) = -y \log\sigma(z) - (1 - y)\log\big(1 - \sigma(z)\big) = \log(1 + e^{z}) - z\,y . $$
#
# $e^{z}$ still overflows for large $z$, so take the larger of $1$ and $e^{z}$ out of the log,
# $\log(1 + e^{z}) = \max(z, 0) + \log\big(1 + e^{-|z|}\big)$:
#
# $$ \ell(z, y) = \max(z, 0) - z\,y + \log\!\big(1 + e^{-|z|}\big), $$
#
# exact for every $z$, with no overflow and no clipping. Its slope is
# $\partial \ell / \partial z = \sigma(z) - y$: close to $\pm 1$ for a confident mistake,
# however confident, so the model keeps learning from it. In Keras: no activation on the last
# layer and `BinaryCrossentropy(from_logits=True)`. The same holds for softmax and categorical
# cross-entropy, where $\log p_c = z_c - \log\sum_j e^{z_j}$ (log-sum-exp, with the max
# subtracted).

# %%
z_big = np.array([5.0, 10.0, 20.0, 40.0, 100.0])
y_zero = np.zeros_like(z_big)  # all wrong: the model is sure of class 1, the truth is 0
stability = pd.DataFrame(
    {
        "logit z": z_big,
        "sigmoid(z)": sigmoid(z_big),
        "BCE from probability": L.binary_cross_entropy(y_zero, sigmoid(z_big), reduction="none"),
        "BCE from logits": L.binary_cross_entropy(
            y_zero, z_big, from_logits=True, reduction="none"
        ),
        "keras from_logits": keras.ops.convert_to_numpy(
            keras.losses.binary_crossentropy(y_zero[:, None], z_big[:, None], from_logits=True)
        ),
    }
)
stability

# %%
z_line = np.linspace(-5, 60, 400)
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(
    z_line,
    L.binary_cross_entropy(np.zeros_like(z_line), z_line, True, reduction="none"),
    label="from logits (exact)",
)
ax.plot(
    z_line,
    L.binary_cross_entropy(np.zeros_like(z_line), sigmoid(z_line), reduction="none"),
    "--",
    label="from probabilities (clipped)",
)
ax.set(
    xlabel="logit z (true label y = 0)",
    ylabel="per-sample BCE",
    title=f"Confident mistakes: clipping caps the loss at {-np.log(L.EPSILON):.1f}",
)
ax.legend()
plt.show()

# %%
# Check: from logits the loss keeps growing like z; from probabilities it is capped at ~16.1.
from_logits = stability["BCE from logits"].to_numpy()
assert np.allclose(from_logits, stability["keras from_logits"], rtol=1e-6)
assert np.isclose(from_logits[-1], 100.0) and np.isclose(from_logits[3], 40.0)
assert stability["BCE from probability"].max() <= -np.log(L.EPSILON) + 1e-9
# The gradient from logits is sigmoid(z) - y: still ~1 for a confident mistake.
assert np.allclose(L.binary_cross_entropy_logit_gradient(y_zero, z_big, reduction="none")[2:], 1.0)

# %% [markdown]
# The categorical case, with one extreme sample: the model puts a score of 1000 on class 0,
# the truth is class 2. The naive softmax overflows; the probability route is capped at 16.1;
# from logits the loss is the exact $2000$.

# %%
z_extreme = np.array([[1000.0, 0.0, -1000.0]])
y_extreme = np.array([[0.0, 0.0, 1.0]])
with np.errstate(over="ignore", invalid="ignore"):
    naive_softmax = np.exp(z_extreme) / np.exp(z_extreme).sum()
print("naive softmax:", naive_softmax)
print("CCE from probabilities:", L.categorical_cross_entropy(y_extreme, softmax(z_extreme)))
cce_logits = L.categorical_cross_entropy(y_extreme, z_extreme, from_logits=True)
keras_cce = float(keras.losses.CategoricalCrossentropy(from_logits=True)(y_extreme, z_extreme))
print("CCE from logits:", cce_logits, " keras:", keras_cce)

# %%
# Check: from logits, exact and equal to Keras.
assert np.isnan(naive_softmax).any()
assert cce_logits == 2000.0 and np.isclose(keras_cce, 2000.0)

# %% [markdown]
# ### Softmax, not sigmoid, with categorical cross-entropy
#
# For exclusive classes the $k$ probabilities must sum to 1, which a softmax guarantees and
# $k$ independent sigmoids do not. On plain arrays, the four ways of wiring output and loss
# give three different numbers: the two right wirings agree, and each wrong one gives a number
# of its own:

# %%
z_row = z_cat[:1]  # logits [2.0, 1.0, 0.1], true class 0
y_row = y_cat[:1]
variants = {
    "softmax + CCE (right)": L.categorical_cross_entropy(y_row, softmax(z_row)),
    "logits + from_logits=True (right, stable)": L.categorical_cross_entropy(y_row, z_row, True),
    "sigmoid + CCE (wrong)": L.categorical_cross_entropy(y_row, sigmoid(z_row)),
    "softmax + from_logits=True (wrong)": L.categorical_cross_entropy(y_row, softmax(z_row), True),
}
print("sigmoid outputs", sigmoid(z_row).round(3), "sum to", sigmoid(z_row).sum().round(3))
pd.Series(variants, name="loss on plain arrays").round(4)

# %%
# Check: the two right ways agree; the two wrong ways give other numbers.
right = variants["softmax + CCE (right)"]
assert np.isclose(right, variants["logits + from_logits=True (right, stable)"])
assert not np.isclose(right, variants["sigmoid + CCE (wrong)"], rtol=1e-2)
assert not np.isclose(right, variants["softmax + from_logits=True (wrong)"], rtol=1e-2)


# %% [markdown]
# (Keras' `CategoricalCrossentropy` first rescales each row to sum to 1, so sigmoid outputs
# give a number, but not the softmax model's: the classes no longer compete.)
#
# ### What a Keras *model* does on TensorFlow: it reads the logits behind the activation
#
# Inside a model the story is different, on the TensorFlow backend. When the last layer has a
# `sigmoid` or `softmax` activation, Keras stores the pre-activation $z$ (the logits) on the
# output tensor, and its cross-entropy losses **use those logits** instead of the
# probabilities. So inside a model, "sigmoid + categorical cross-entropy" is computed as
# softmax cross-entropy, and `from_logits=True` after a softmax layer applies no second
# softmax (Keras warns instead). Only the TensorFlow backend's cross-entropy code looks for
# stored logits; on the JAX and PyTorch backends it computes from the values it is given, so
# there a model's loss is exactly Keras's loss on its output array. The same four wirings, as
# one-layer models fed $z$ (the table says which backend ran it):


# %%
def one_activation_model(activation: str) -> keras.Model:
    """A model that only applies `activation` to its input: the input plays the logits."""
    inputs = keras.Input(shape=(3,))
    return keras.Model(inputs, keras.layers.Activation(activation)(inputs))


wirings = {
    "softmax + CCE (right)": ("softmax", False),
    "logits + from_logits=True (right, stable)": ("linear", True),
    "sigmoid + CCE (wrong)": ("sigmoid", False),
    "softmax + from_logits=True (wrong)": ("softmax", True),
}
in_model = {}
for name, (activation, from_logits) in wirings.items():
    model = one_activation_model(activation)
    model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=from_logits))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss_value = model.evaluate(z_row, y_row, verbose=0)
    outputs = keras.ops.convert_to_numpy(model(z_row))  # the model's output as a plain array
    in_model[name] = {
        "on plain arrays": variants[name],
        "Keras loss on the output array": float(model.loss(y_row, outputs)),
        "inside a Keras model": loss_value,
        "Keras warned": any("from_logits" in str(w.message) for w in caught),
    }
print("Keras backend:", keras.backend.backend())
pd.DataFrame(in_model).T.round(4)

# %% [markdown]
# On TensorFlow the two wrong wirings give one number inside the model (the softmax
# cross-entropy of the logits, with a warning for the second) and another on the output
# array; on JAX the last two loss columns agree in every row.
#
# The binary case shows the same, and the gradient with it: true label 0, logit $z = 40$ (a
# very confident mistake). Where the loss only sees the probability, it is clipped and its
# gradient with respect to $z$ is 0; where Keras can find $z$, the loss is the exact 40 and
# the gradient $\sigma(z) - y \approx 1$. Which paths are rescued is worth knowing exactly.
# On the TensorFlow backend, Keras's cross-entropy looks for the logits in two places: a tensor
# made by a *Keras* activation (a layer's `activation=`, `keras.ops.sigmoid`,
# `keras.activations.sigmoid`) carries them along, even outside any model; and inside a
# `tf.function` graph (how `fit` and most custom training loops run) Keras also finds them
# behind TensorFlow's own operation of the matching kind: a sigmoid for binary cross-entropy,
# a softmax for the categorical ones. The probability from `tf.sigmoid` called eagerly
# carries nothing, and neither does a NumPy array. Four paths, one logit (the two `tf.sigmoid`
# paths exist on the TensorFlow backend only; on the others both Keras paths get the clipped
# loss and no gradient):

# %%
z_40 = keras.Variable([[40.0]])
y_0 = np.array([[0.0]], "float32")
sigmoid_model = one_activation_model("sigmoid")
bce = keras.losses.BinaryCrossentropy()


def loss_and_gradient(forward) -> dict:
    """BCE of forward(z) and its gradient with respect to z, on the running backend."""
    value, (gradient,) = value_and_gradients(lambda: bce(y_0, forward(z_40)), [z_40])
    return {"loss": value, "d loss / d z": float(gradient[0, 0])}


binary_rows = {
    "keras.ops.sigmoid, eager": loss_and_gradient(keras.ops.sigmoid),
    "inside a model (sigmoid layer)": loss_and_gradient(sigmoid_model),
}
if keras.backend.backend() == "tensorflow":  # TensorFlow's own sigmoid, eagerly and in a graph
    import tensorflow as tf

    def tf_sigmoid_loss_and_gradient():
        with tf.GradientTape() as tape:
            value = bce(y_0, tf.sigmoid(z_40.value))
        return value, tape.gradient(value, z_40.value)

    for name, step in [
        ("tf.sigmoid, eager", tf_sigmoid_loss_and_gradient),
        (
            "tf.sigmoid, inside tf.function",
            tf.function(tf_sigmoid_loss_and_gradient, autograph=False),
        ),
    ]:
        value, gradient = step()
        binary_rows[name] = {"loss": float(value), "d loss / d z": float(gradient[0, 0])}
else:
    print(
        f"Skipped: the tf.sigmoid rows need Keras's tensorflow backend and this kernel runs "
        f"{keras.backend.backend()}. To see them, set KERAS_BACKEND=tensorflow before Keras is "
        "imported and restart the kernel (lesson 00)."
    )
print("Keras backend:", keras.backend.backend())
pd.DataFrame(binary_rows).T.round(3)

# %%
# Check: on TensorFlow, where Keras finds the logits it computes from them, and an eager
# tf.sigmoid gets the clipped loss and no gradient; on the other backends every path gets the
# clipped loss (-log of Keras's epsilon 1e-7 = 16.1; 15.9 once float32 rounds 1 - 1e-7) and no
# gradient: no rescue there.
table = pd.DataFrame(in_model).T
model_losses = table["inside a Keras model"].astype(float)
keras_on_arrays = table["Keras loss on the output array"].astype(float)
clipped = -np.log(1e-7)
if keras.backend.backend() == "tensorflow":
    assert np.allclose(model_losses, right, rtol=1e-5)  # all four equal softmax CE
    assert in_model["softmax + from_logits=True (wrong)"]["Keras warned"]
    for name in [
        "keras.ops.sigmoid, eager",
        "inside a model (sigmoid layer)",
        "tf.sigmoid, inside tf.function",
    ]:
        assert np.isclose(binary_rows[name]["loss"], 40.0), name
        assert np.isclose(binary_rows[name]["d loss / d z"], 1.0), name
    not_rescued = ["tf.sigmoid, eager"]
else:
    not_rescued = list(binary_rows)
    assert np.allclose(model_losses, keras_on_arrays, rtol=1e-5)  # the model changes nothing
for name in not_rescued:
    assert abs(binary_rows[name]["loss"] - clipped) < 0.2, name
    assert binary_rows[name]["d loss / d z"] == 0.0, name

# %% [markdown]
# **Why the advice stands anyway: no activation on the last layer, `from_logits=True`.**
# The rescue is a convenience of one backend (TensorFlow; on the JAX and PyTorch backends the
# loss receives the probabilities, naive behaviour included) and of the paths above. Wherever
# the probabilities are plain numbers the naive behaviour of the previous section is what you
# get: a loss computed on `model.predict` outputs, your own NumPy code, an eager `tf.sigmoid`,
# another backend. And a model whose code says "sigmoid + categorical cross-entropy" but is
# silently trained as softmax is a model whose code misleads its reader. Logits with
# `from_logits=True` mean the same thing on every backend and path, and are stable by
# construction. For probabilities at prediction time, apply the sigmoid or softmax to the
# model's output yourself (lesson 06).

# %% [markdown]
# ### Empty batches
#
# The mean over no samples is undefined. Keras returns `nan` for an empty batch of shape
# `(0,)`; `helpers.losses` raises an error that says so, because a silent `nan` usually hides
# a filtering bug upstream.

# %%
empty = np.zeros(0)
print("keras:", float(keras.losses.MeanSquaredError()(empty, empty)))
try:
    L.mean_squared_error(empty, empty)
except ValueError as error:
    print("helpers:", error)

# %% [markdown]
# > **Common mistakes**
# >
# > * Sigmoid outputs with categorical cross-entropy over exclusive classes: use softmax (or
# >   logits with `from_logits=True`). Inside a TensorFlow-backend model Keras quietly
# >   computes softmax cross-entropy instead, which hides the mistake, not fixes it.
# > * A softmax (or sigmoid) output layer *and* `from_logits=True`: on plain arrays the
# >   activation is applied twice; inside a TensorFlow-backend model Keras warns and uses the
# >   layer's logits (on the other backends the activation is applied twice there too).
# >   `from_logits=True` means the last layer has no activation.
# > * On TensorFlow, believing the clipped, zero-gradient numbers of a plain array describe
# >   training, or the reverse: check which of the paths your code takes. (On JAX they do
# >   describe training: the model row of the $z = 40$ table gets them too.)
# > * Hinge loss with 0/1 labels: it expects $-1/+1$. Map with $2y - 1$.
# > * One-hot labels with `SparseCategoricalCrossentropy` or integer labels with
# >   `CategoricalCrossentropy`: match the loss to how the labels are stored.
# > * Writing $\log p$ in your own code without clipping or logits: one $p = 0$ makes the whole
# >   batch's loss `inf` or `nan`.
# > * Targets of shape `(n,)` against predictions of shape `(n, 1)` in NumPy: broadcasting makes
# >   an `(n, n)` table and a wrong loss. Keras reshapes for you; NumPy code must not rely on it.
#
# ## Exercises
#
# **Exercise 1.** Compute the mean squared error of the predictions below by hand (NumPy
# allowed, `helpers.losses` not), to 3 decimals.

# %%
EX_Y = np.array([1.0, 2.0, 3.0, 4.0])
EX_Y_HAT = np.array([1.5, 1.5, 3.0, 6.0])

mse_answer = ...  # your answer
HINT_1 = "Square each difference y - y_hat, then average the four squares."
checks.check_digest(mse_answer, "976b5f6824e1136e", exercise="03.1", hint=HINT_1, decimals=3)


# %% [markdown]
# **Exercise 2.** Implement the numerically stable binary cross-entropy *from logits*, one
# number per sample, without computing a sigmoid. It must stay finite for $z = \pm 1000$.


# %%
def my_bce_from_logits(y, z):
    """Per-sample binary cross-entropy of labels y and logits z."""
    raise NotImplementedError  # replace with your code


exercises.check_bce_from_logits(my_bce_from_logits)

# %% [markdown]
# **Exercise 3.** Pick the loss for each problem. Answer with one of `"mse"`, `"mae"`,
# `"huber"`, `"binary_crossentropy"`, `"categorical_crossentropy"`,
# `"sparse_categorical_crossentropy"`, `"hinge"`. (Huber loss, `keras.losses.Huber`, is squared
# for small errors and linear for large ones.)
#
# * (a) Predict a house's price; a few listings have absurd prices you cannot remove and you do
#   not want them to dominate.
# * (b) Decide whether an e-mail is spam; the model ends in one sigmoid unit.
# * (c) Recognise which of 10 digits an image shows; the labels are the integers 0-9.

# %%
loss_a = ...  # your answer
loss_b = ...  # your answer
loss_c = ...  # your answer
HINTS_3 = [
    "Which regression losses grow only linearly with a large error?",
    "One probability for a yes/no question.",
    "Exclusive classes, labels stored as integers.",
]
checks.check_digest(
    loss_a, ["e48071bf596fa7c7", "53160e9116071e39"], exercise="03.3", hint=HINTS_3[0]
)
checks.check_digest(loss_b, "f83c9568b312e470", exercise="03.3", hint=HINTS_3[1])
checks.check_digest(loss_c, "aec0695f2d250311", exercise="03.3", hint=HINTS_3[2])

# %% [markdown]
# **Exercise 4.** The labels below are 0/1. Convert them for the hinge loss and compute the
# mean hinge loss with `L.hinge` (to 3 decimals). Then compare with what `keras.losses.Hinge`
# gives on the raw 0/1 labels, which it converts silently.

# %%
EX_LABELS_01 = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
EX_SCORES = np.array([0.8, -2.0, 0.3, 1.5, -0.2])

hinge_answer = ...  # your answer
HINT_4 = (
    "L.hinge wants labels -1/+1: section 5 gives the map from 0/1. Pass the mapped"
    " labels and the scores."
)
checks.check_digest(hinge_answer, "c572102658414306", exercise="03.4", hint=HINT_4, decimals=3)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: (0.25 + 0.25 + 0 + 4) / 4 = 1.125
mse_answer = np.mean((EX_Y - EX_Y_HAT) ** 2)
assert checks.check_digest(mse_answer, "976b5f6824e1136e", exercise="03.1", hint=HINT_1, decimals=3)


# %%
# Exercise 2: max(z, 0) - z y + log(1 + e^(-|z|)), the form that never overflows.
def my_bce_from_logits(y, z):
    """Per-sample binary cross-entropy of labels y and logits z."""
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


assert exercises.check_bce_from_logits(my_bce_from_logits)

# %%
# Exercise 3: (a) "mae" or "huber": both grow only linearly for large errors.
loss_a, loss_b, loss_c = "mae", "binary_crossentropy", "sparse_categorical_crossentropy"
assert checks.check_digest(
    loss_a, ["e48071bf596fa7c7", "53160e9116071e39"], exercise="03.3", hint=HINTS_3[0]
)
assert checks.check_digest(loss_b, "f83c9568b312e470", exercise="03.3", hint=HINTS_3[1])
assert checks.check_digest(loss_c, "aec0695f2d250311", exercise="03.3", hint=HINTS_3[2])

# %%
# Exercise 4: the labels mapped to -1/+1 by 2y - 1, as section 5 does.
hinge_answer = L.hinge(2 * EX_LABELS_01 - 1, EX_SCORES)
print(
    "helpers:",
    hinge_answer,
    " keras on 0/1 labels:",
    float(keras.losses.Hinge()(EX_LABELS_01, EX_SCORES)),
)
assert checks.check_digest(
    hinge_answer, "c572102658414306", exercise="03.4", hint=HINT_4, decimals=3
)
