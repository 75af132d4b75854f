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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/01_neurons_perceptrons.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/01_neurons_perceptrons.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F01_neurons_perceptrons.ipynb)
# # 01 · Neurons and perceptrons
#
# **Goals.** After this lesson you can
#
# * compute what one artificial neuron outputs: a weighted sum plus a bias, passed through an
#   activation function;
# * tell a *neuron* (any activation, a graded output) from a *perceptron* (a step activation,
#   a yes/no output, and its own learning rule);
# * train a perceptron from scratch with the perceptron rule, and watch it learn AND and OR;
# * explain, with a three-line proof, why it can never learn XOR, and how two layers can.
#
# Everything here runs on four-point data sets made in the notebook: no download, no
# training time.

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

from helpers import activations, checks, exercises
from helpers.neurons import Neuron, Perceptron, TwoLayerNetwork, step, xor_network

# %% [markdown]
# ## 1. One neuron: a weighted sum plus a bias
#
# A neuron receives $n$ inputs $x_1, \dots, x_n$. It multiplies each by a **weight** $w_i$
# (how much that input matters, and in which direction), adds a **bias** $b$ (how easily the
# neuron fires when all inputs are 0), and passes the result $z$, the *pre-activation*,
# through an **activation function** $f$:
#
# $$ z = \sum_{i=1}^{n} w_i x_i + b = \mathbf{w} \cdot \mathbf{x} + b, \qquad a = f(z). $$
#
# In code, `z = x @ w + b` and `a = f(z)`. Let us work one example through by hand:
# $\mathbf{x} = (1, 2, 3)$, $\mathbf{w} = (0.5, 0.1, -0.4)$, $b = 0.2$.
#
# $$ z = 0.5 \cdot 1 + 0.1 \cdot 2 + (-0.4) \cdot 3 + 0.2 = 0.5 + 0.2 - 1.2 + 0.2 = -0.3 $$

# %%
x = np.array([1.0, 2.0, 3.0])
w = np.array([0.5, 0.1, -0.4])
b = 0.2

products = w * x  # w_i x_i, one per input
z = products.sum() + b
print("w_i x_i =", products, "  z =", round(z, 10))

sigmoid_a = activations.sigmoid(z)
tanh_a = activations.tanh(z)
relu_a = activations.relu(z)
print(f"sigmoid(z) = {sigmoid_a:.4f}   tanh(z) = {tanh_a:.4f}   ReLU(z) = {relu_a:.1f}")

# %%
# Check: the worked example (a common slip is z = -0.7, forgetting that 0.1 * 2 = +0.2).
assert np.isclose(z, -0.3)
assert round(float(sigmoid_a), 4) == 0.4256
assert round(float(tanh_a), 4) == -0.2913
assert relu_a == 0.0

# %% [markdown]
# The same neuron as a small object from `helpers.neurons`, and as a Keras layer: a
# `keras.layers.Dense(1)` layer *is* a neuron. Its weights are a kernel of shape
# (inputs, units) = (3, 1) and a bias of shape (1,). Setting them to our $\mathbf{w}$ and $b$
# gives the same output.

# %%
neuron = Neuron(w, b, activation="sigmoid")
dense = keras.layers.Dense(1, activation="sigmoid")
dense.build((None, 3))
dense.set_weights([w.reshape(3, 1), np.array([b])])
keras_a = float(dense(x[None, :])[0, 0])  # Keras wants a batch: shape (1, 3)
print(f"helpers.neurons.Neuron: {neuron(x):.6f}   keras Dense: {keras_a:.6f}")

# %%
# Check: Keras agrees with our neuron (to float32 precision, Keras' default).
assert np.isclose(neuron(x), keras_a, atol=1e-6)

# %% [markdown]
# ## 2. A neuron versus a perceptron
#
# | | neuron (modern) | perceptron (Rosenblatt, 1958) |
# |---|---|---|
# | computes | $z = \mathbf{w}\cdot\mathbf{x} + b$ | the same $z$ |
# | activation | any smooth-ish $f$: sigmoid, tanh, ReLU, ... (lesson 02) | step: $\hat y = 1$ if $z \ge 0$, else $0$ |
# | output | a graded number (e.g. a probability) | a hard class, 0 or 1 |
# | learns by | gradient descent on a loss (lessons 03-05) | the perceptron rule below |
# | trainable in deep stacks? | yes: the slope $f'(z)$ tells each weight how to change | no: the step's slope is 0 (undefined at 0), so it carries no signal |
#
# Both draw a **straight line** $\mathbf{w}\cdot\mathbf{x} + b = 0$ through input space
# (a plane, or hyperplane, with more inputs). The perceptron says which side a point is on;
# a sigmoid neuron also says how far, as a confidence between 0 and 1.

# %%
grid = np.linspace(-1.0, 2.0, 301)
xx1, xx2 = np.meshgrid(grid, grid)
points = np.column_stack([xx1.ravel(), xx2.ravel()])
w_demo, b_demo = np.array([1.0, 1.0]), -1.5

fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, act, title in zip(
    axes, ["step", "sigmoid"], ["perceptron: step", "neuron: sigmoid"], strict=True
):
    out = Neuron(w_demo, b_demo, activation=act)(points).reshape(xx1.shape)
    image = ax.contourf(xx1, xx2, out, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
    ax.plot(grid, -(w_demo[0] * grid + b_demo) / w_demo[1], "k--", label="z = 0")
    ax.set(title=f"{title}, w = (1, 1), b = -1.5", xlabel="$x_1$", xlim=(-1, 2), ylim=(-1, 2))
    ax.legend(loc="lower left")
axes[0].set_ylabel("$x_2$")
fig.colorbar(image, ax=axes, label="output")
plt.show()

# %% [markdown]
# ## 3. The perceptron rule
#
# The perceptron starts with $\mathbf{w} = \mathbf{0}$, $b = 0$ and visits the training points
# one by one. For a point $(\mathbf{x}, y)$ with label $y \in \{0, 1\}$ it predicts
# $\hat y = \operatorname{step}(\mathbf{w}\cdot\mathbf{x} + b)$ and updates
#
# $$ \mathbf{w} \leftarrow \mathbf{w} + \eta\,(y - \hat y)\,\mathbf{x}, \qquad
#    b \leftarrow b + \eta\,(y - \hat y). $$
#
# * A correct prediction has $y - \hat y = 0$: nothing changes.
# * A missed positive ($y=1, \hat y=0$) adds $\eta\mathbf{x}$: $z$ for this $\mathbf{x}$ grows
#   by $\eta(\lVert\mathbf{x}\rVert^2 + 1)$, pushing the line past the point.
# * A false alarm ($y=0, \hat y=1$) subtracts it.
#
# One pass over the data is an **epoch**. Training stops after an epoch with no mistake.
# **Perceptron convergence theorem:** if some line separates the two classes, this happens
# after finitely many updates. Here is the whole algorithm as written in `helpers/neurons.py`:

# %%
print(inspect.getsource(Perceptron.fit))

# %% [markdown]
# The four inputs of a two-input logic gate, and three targets:

# %%
X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y_and = np.array([0.0, 0.0, 0.0, 1.0])
y_or = np.array([0.0, 1.0, 1.0, 1.0])
y_xor = np.array([0.0, 1.0, 1.0, 0.0])
eta = 1.0  # the learning rate; with w and b starting at 0, any eta > 0 gives the same lines

# %%
gates = {"AND": y_and, "OR": y_or}
perceptrons, gate_errors = {}, {}
for name, y in gates.items():
    perceptron = Perceptron(n_features=2, learning_rate=eta, max_epochs=100)
    errors = perceptron.fit(X, y)
    perceptrons[name], gate_errors[name] = perceptron, errors
    print(
        f"{name}: mistakes per epoch {errors} -> w = {perceptron.weights}, b = {perceptron.bias},"
        f" predictions {perceptron.predict(X)}"
    )

# %%
# Check: both gates are learned exactly and training stopped by itself.
for name, y in gates.items():
    assert perceptrons[name].converged_
    assert np.array_equal(perceptrons[name].predict(X), y)


# %%
def plot_gate(ax, X, y, weights=None, bias=None, title=""):
    """Points coloured by class; if given, the line w1 x1 + w2 x2 + b = 0 and the side z >= 0."""
    if weights is not None:
        z_grid = (points @ weights + bias).reshape(xx1.shape)
        ax.contourf(xx1, xx2, step(z_grid), levels=[-0.5, 0.5, 1.5], colors=["#dde8f5", "#f8dddd"])
        ax.contour(xx1, xx2, z_grid, levels=[0.0], colors="k", linestyles="--")
        ax.plot([], [], "k--", label="learned line z = 0")
    for label, marker, colour in [(0, "o", "tab:blue"), (1, "s", "tab:red")]:
        mask = y == label
        ax.scatter(X[mask, 0], X[mask, 1], s=150, marker=marker, c=colour, label=f"y = {label}")
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$x_1$", ylabel="$x_2$", title=title)
    ax.set_aspect("equal")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8)


fig, axes = plt.subplots(1, 3, figsize=(13, 4))
for ax, (name, y) in zip(axes, gates.items(), strict=False):
    p = perceptrons[name]
    plot_gate(ax, X, y, p.weights, p.bias, f"{name}: w = {p.weights}, b = {p.bias:g}")
plot_gate(axes[2], X, y_xor, title="XOR: which line?")
plt.tight_layout()
plt.show()

# %% [markdown]
# The shaded red side is where $z \ge 0$, so the perceptron answers 1. The rule stops at the
# first line that makes no mistake, and nothing in it asks for a safety margin. Look at $z$ on
# the four points: where it is exactly 0, the line runs straight through a point, which still
# counts as class 1 because $\operatorname{step}(0) = 1$.

# %%
for name, p in perceptrons.items():
    print(f"{name}: z = w . x + b on the four points = {X @ p.weights + p.bias}")

# %% [markdown]
# ## 4. XOR: no line can do it
#
# XOR is 1 when exactly one input is 1. Look at the right-hand plot: the red squares sit on one
# diagonal, the blue circles on the other. Let us train anyway, for many epochs.

# %%
xor_epochs = 200
xor_perceptron = Perceptron(n_features=2, learning_rate=eta, max_epochs=xor_epochs)
xor_errors = xor_perceptron.fit(X, y_xor)
shown = 30  # epochs drawn in the plot
print("mistakes in the first 12 epochs:", xor_errors[:12])
print(f"mistakes per epoch in epochs {shown + 1}-{xor_epochs}:", sorted(set(xor_errors[shown:])))
print("fewest mistakes in any epoch:", min(xor_errors), "| converged:", xor_perceptron.converged_)

fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(np.arange(1, shown + 1), xor_errors[:shown], ".-", label=f"XOR (first {shown} epochs)")
for name, errors in gate_errors.items():
    ax.plot(np.arange(1, len(errors) + 1), errors, "o-", label=name)
ax.set(
    xlabel="epoch", ylabel="mistakes in the epoch", title="Perceptron training", ylim=(-0.2, 4.2)
)
ax.legend()
plt.show()

# %%
# Check: XOR never reaches an epoch without mistakes (this is a theorem, not luck: see below).
assert len(xor_errors) == xor_epochs and min(xor_errors) >= 1
assert not xor_perceptron.converged_

# %% [markdown]
# **Why, in three lines.** Suppose some $w_1, w_2, b$ classified all four points correctly,
# with $\hat y = 1 \iff w_1 x_1 + w_2 x_2 + b \ge 0$. The four points demand
#
# $$ (0,0) \mapsto 0:\; b < 0, \qquad (1,1) \mapsto 0:\; w_1 + w_2 + b < 0, $$
# $$ (1,0) \mapsto 1:\; w_1 + b \ge 0, \qquad (0,1) \mapsto 1:\; w_2 + b \ge 0. $$
#
# Adding the last two gives $w_1 + w_2 + 2b \ge 0$, so $w_1 + w_2 + b \ge -b > 0$, which
# contradicts $w_1 + w_2 + b < 0$. No line separates XOR. An epoch without mistakes would mean
# the current $\mathbf{w}, b$ classify all four points, so **every** epoch has at least one
# mistake, and the perceptron cycles for ever: the plot above is forced by the maths.
#
# ## 5. Two layers solve XOR
#
# XOR = "OR, but not AND". Each of those *is* linearly separable, so one neuron each can compute
# them; a second layer combines their answers:
#
# $$ h_1 = \operatorname{step}(x_1 + x_2 - 0.5) \;(\text{OR}), \qquad
#    h_2 = \operatorname{step}(x_1 + x_2 - 1.5) \;(\text{AND}), \qquad
#    \hat y = \operatorname{step}(h_1 - h_2 - 0.5). $$
#
# In matrix form, $\mathbf{h} = \operatorname{step}(\mathbf{x} W_1 + \mathbf{b}_1)$ and
# $\hat y = \operatorname{step}(\mathbf{h} \cdot \mathbf{w}_2 + b_2)$ with
# $W_1 = \begin{pmatrix} 1 & 1 \\ 1 & 1 \end{pmatrix}$, $\mathbf{b}_1 = (-0.5, -1.5)$,
# $\mathbf{w}_2 = (1, -1)$, $b_2 = -0.5$: the code below reads them from `xor_network()`.

# %%
net = xor_network()
print("W1 =", net.W1.tolist(), " b1 =", net.b1, " w2 =", net.W2, " b2 =", net.b2)
print(" x1 x2 | h1 (OR) h2 (AND) | y_hat  y (XOR)")
for x_row, h_row, y_hat, y_true in zip(X, net.hidden(X), net(X), y_xor, strict=True):
    print(
        f" {x_row[0]:2.0f} {x_row[1]:2.0f} | {h_row[0]:5.0f} {h_row[1]:8.0f}  | {y_hat:4.0f} {y_true:6.0f}"
    )

# %%
# Check: the two-layer network computes XOR on all four inputs. Four cases, all checked:
# for a function on {0, 1}^2, that is a proof.
assert np.array_equal(net(X), y_xor)
assert np.array_equal(net.hidden(X), np.column_stack([y_or, y_and]))

# %% [markdown]
# Its decision regions: the two hidden lines cut the plane into three bands, and the output
# neuron keeps the middle one. The right panel replaces every step by a sigmoid (weights
# scaled up by 10 so it is nearly as sharp): the same regions, now with graded confidence, and
# with slopes that gradient descent could use to *learn* such weights (lessons 04-05).

# %%
smooth = TwoLayerNetwork(10 * net.W1, 10 * net.b1, 10 * net.W2, 10 * net.b2, "sigmoid", "sigmoid")
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
for ax, model, title in [(axes[0], net, "step units"), (axes[1], smooth, "sigmoid units")]:
    regions = model(points).reshape(xx1.shape)
    ax.contourf(xx1, xx2, regions, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    for bias, style, unit in zip(net.b1, ["-", ":"], ["h1 (OR)", "h2 (AND)"], strict=True):
        ax.plot(grid, -bias - grid, "k" + style, lw=1, label=f"{unit} line")  # x1 + x2 + b = 0
    plot_gate(ax, X, y_xor, title=f"XOR by two layers ({title})")
    ax.set(xlim=(-1, 2), ylim=(-1, 2))
plt.show()

# %%
# Check: the smooth network gives the right class with confidence above 0.99 on all four points.
assert np.array_equal(smooth(X) > 0.5, y_xor == 1)
assert np.all(np.abs(smooth(X) - y_xor) < 0.01)

# %% [markdown]
# > **Common mistakes**
# >
# > * Mis-adding the worked example: $0.5 + 0.2 - 1.2 + 0.2 = -0.3$, not $-0.7$. Write out
# >   each product $w_i x_i$ first.
# > * Forgetting the bias: without $b$ every line passes through the origin, and even AND
# >   becomes impossible: the point $(0,0)$ always gets $z = 0$, so the step outputs 1 there.
# > * Calling a sigmoid neuron a perceptron: the perceptron has a step output and its own
# >   rule; a neuron trained by gradient descent needs an activation with a useful slope.
# > * Reading "the perceptron did not converge in 100 epochs" as "it needs more epochs": for XOR
# >   (or any data no line separates) it *never* converges; for separable data it always does.
# > * Mixing up shapes: Keras stores a `Dense` kernel as (inputs, units), so one neuron with
# >   three inputs has a kernel of shape (3, 1), and its input must be a batch `(n, 3)`.
#
# ## Exercises
#
# **Exercise 1.** A neuron has $\mathbf{x} = (2, -1, 0.5)$, $\mathbf{w} = (0.3, 0.8, -1.0)$ and
# $b = 0.1$. Compute its pre-activation $z$ by hand (or with NumPy, without `Neuron`), to 2
# decimals.

# %%
z_ex1 = ...  # your answer
HINT_1 = "Multiply each input by its weight, add the three products, then add b."
checks.check_digest(z_ex1, "4debc2eb1c449a9b", exercise="01.1", hint=HINT_1, decimals=2)


# %% [markdown]
# **Exercise 2.** Write one step of the perceptron rule: given $\mathbf{w}$, $b$, one point
# $\mathbf{x}$ with label $y$ and the learning rate $\eta$, return the new weights and the new
# bias joined in one array, `np.append(w_new, b_new)`. Use `step` for the prediction.


# %%
def perceptron_update(w, b, x, y, eta):
    """Return np.append(w_new, b_new) after one perceptron-rule step on (x, y)."""
    raise NotImplementedError  # replace with your code


exercises.check_perceptron_update(perceptron_update)

# %% [markdown]
# **Exercise 3.** Choose weights and a bias so that a single perceptron computes NAND
# ("not both": 1, 1, 1, 0 on the four inputs in the order of `X`).

# %%
y_nand = np.array([1.0, 1.0, 1.0, 0.0])
nand_w = ...  # your answer: two weights, e.g. np.array([?, ?])
nand_b = ...  # your answer: one number

answered = nand_w is not ... and nand_b is not ...
nand_out = Neuron(nand_w, nand_b, "step")(X) if answered else ...  # your perceptron's outputs
HINT_3 = (
    "Write the four conditions, as in the XOR proof: z >= 0 at (0,0), (0,1), (1,0) and"
    " z < 0 at (1,1). Start with b (the (0,0) case), then pick w1 = w2."
)
checks.check_value(nand_out, y_nand, hint=HINT_3)

# %% [markdown]
# **Exercise 4.** Which of these can a *single* perceptron learn exactly? NAND is "not both"
# (exercise 3) and XNOR is "not XOR" (1 when the two inputs are equal: 1, 0, 0, 1 on `X`).
# Answer with a set of names from `{"AND", "OR", "NAND", "XOR", "XNOR"}`.

# %%
learnable = ...  # your answer, e.g. {"AND"}
HINT_4 = "Plot each gate's four points: can one straight line split the 1s from the 0s?"
checks.check_digest(learnable, "12133ea8ae724296", exercise="01.4", hint=HINT_4)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: 0.6 - 0.8 - 0.5 + 0.1 = -0.6
z_ex1 = 0.3 * 2.0 + 0.8 * (-1.0) + (-1.0) * 0.5 + 0.1
assert checks.check_digest(z_ex1, "4debc2eb1c449a9b", exercise="01.1", hint=HINT_1, decimals=2)


# %%
# Exercise 2
def perceptron_update(w, b, x, y, eta):
    """Return np.append(w_new, b_new) after one perceptron-rule step on (x, y)."""
    y_hat = step(np.dot(w, x) + b)
    return np.append(w + eta * (y - y_hat) * x, b + eta * (y - y_hat))


assert exercises.check_perceptron_update(perceptron_update)

# %%
# Exercise 3: z >= 0 unless both inputs are 1
nand_w, nand_b = np.array([-1.0, -1.0]), 1.5
nand_out = Neuron(nand_w, nand_b, "step")(X)
assert checks.check_value(nand_out, y_nand, hint=HINT_3)

# %%
# Exercise 4: XOR and XNOR put each class on a diagonal, which no line separates.
learnable = {"AND", "OR", "NAND"}
assert checks.check_digest(learnable, "12133ea8ae724296", exercise="01.4", hint=HINT_4)
