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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/06_mnist_dense.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/06_mnist_dense.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F06_mnist_dense.ipynb)
# # 06 · Handwritten digits (MNIST) with a dense network
#
# **Goals.** After this lesson you can
#
# * load MNIST, look at it (images, pixel range, class counts) and scale it to $[0, 1]$;
# * build a dense network with `keras.Input`, `Flatten` and `Dense` layers and count its
#   parameters by hand;
# * explain why the last layer outputs *logits* and the loss is told so with
#   `from_logits=True`;
# * train with a validation split, a decaying learning rate and early stopping, then evaluate
#   **once** on the test set;
# * read learning curves and a confusion matrix, and look at the digits the model gets wrong;
# * save a trained model to a `.keras` file and load it back.
#
# MNIST: 70 000 greyscale images of handwritten digits, 28 × 28 pixels, 60 000 for training
# and 10 000 for testing (LeCun, Cortes & Burges). The full data set is a 12 MB download
# (the training images are 9.9 MB of it). QUICK mode uses only the official 10 000 test images (1.6 MB), split again into
# training and test parts, so it runs anywhere in seconds on real data.

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
import tempfile

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split

from helpers import checks, exercises
from helpers.datasets import load_mnist
from helpers.plots import plot_confusion_matrix, plot_history, show_images

# %% [markdown]
# ## 1. The data
#
# `load_mnist` returns NumPy arrays: images as `uint8` of shape $(N, 28, 28)$ and labels
# as integers $0 \dots 9$. It checks every downloaded file against its published SHA-256,
# so a truncated download is caught instead of silently training on garbage.

# %%
(x_train_raw, y_train), (x_test_raw, y_test) = load_mnist(quick=QUICK)
print("training images:", x_train_raw.shape, x_train_raw.dtype, "| labels:", y_train.shape)
print("test images:    ", x_test_raw.shape, x_test_raw.dtype, "| labels:", y_test.shape)
print("pixel values from", x_train_raw.min(), "to", x_train_raw.max())

# %%
show_images(x_train_raw[:24], titles=[f"label {d}" for d in y_train[:24]], ncols=12)
plt.show()

# %% [markdown]
# Each image is a grid of $28 \times 28 = 784$ brightness values, 0 (black background)
# to 255 (white ink). The classes are roughly, not exactly, balanced: about a tenth each,
# so a model that always answers "1" would score about 11 %, and guessing gives 10 %.

# %%
counts = np.bincount(y_train, minlength=10)
fig, ax = plt.subplots(figsize=(6, 2.8))
ax.bar(range(10), counts)
ax.set_xticks(range(10))
ax.set_xlabel("digit")
ax.set_ylabel("training images")
ax.set_title("Class counts in the training set")
plt.show()
print("share of the most common digit:", f"{counts.max() / counts.sum():.3f}")

# %% [markdown]
# **Scaling.** We divide by 255 so every input lies in $[0, 1]$. With raw values up to 255
# the first layer's weighted sums are 255 times larger than with scaled inputs, far beyond
# the scale the initialiser is designed for (inputs of about unit size), so the early
# gradients are huge and training is erratic. We also convert to
# `float32`, the type the network computes in.

# %%
x_train = x_train_raw.astype("float32") / 255.0
x_test = x_test_raw.astype("float32") / 255.0

# %%
# Check: scaled to [0, 1], nothing else changed
assert x_train.min() == 0.0 and x_train.max() == 1.0
assert x_train.shape == x_train_raw.shape and x_train.dtype == np.float32
assert set(np.unique(y_train)) == set(range(10))

# %% [markdown]
# **A validation set, now.** We hold out a stratified 10 % of the training images (seeded
# with `SEED`, so the split is reproducible). Everything that looks at a model's
# answers before the very end (the untrained model below, early stopping, the error
# analysis) uses these images. The test set is used once, in section 5.

# %%
x_fit, x_val, y_fit, y_val = train_test_split(
    x_train, y_train, test_size=0.1, stratify=y_train, random_state=SEED
)
print(f"{len(x_fit)} images to fit on, {len(x_val)} for validation, {len(x_test)} for the test")

# %% [markdown]
# ## 2. The model
#
# `Flatten` turns each $28 \times 28$ image into a vector $x \in \mathbb{R}^{784}$. A hidden
# `Dense` layer with $h$ ReLU units and an output `Dense` layer with 10 units compute
#
# $$a = \operatorname{ReLU}(W_1 x + b_1), \qquad z = W_2 a + b_2, \qquad
#   p_k = \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=0}^{9} e^{z_j}},$$
#
# with $W_1 \in \mathbb{R}^{h \times 784}$, $b_1 \in \mathbb{R}^{h}$,
# $W_2 \in \mathbb{R}^{10 \times h}$, $b_2 \in \mathbb{R}^{10}$. The ten numbers $z$ are the
# **logits**; softmax turns them into probabilities $p$ that are positive and sum to 1. The
# digits are mutually exclusive classes, so softmax (not ten independent sigmoids) is the
# right output, and the loss for an image of digit $y$ is the categorical cross-entropy
#
# $$L = -\log p_y = -z_y + \log \sum_{j=0}^{9} e^{z_j}.$$
#
# The right-hand form is why we leave softmax *out* of the model and pass
# `from_logits=True` to the loss: Keras then computes $\log\sum e^{z_j}$ directly (the
# "log-sum-exp" trick, subtracting $\max_j z_j$ first), which never takes the log of a
# probability that has rounded to 0. The labels are integers $0 \dots 9$, not one-hot
# vectors, so the loss is the *sparse* categorical cross-entropy.
#
# The layer sizes give the parameter count: $784h + h$ for the hidden layer and $10h + 10$
# for the output layer.
#
# One extra layer, `Dropout(0.2)`, sits between the two: during training it switches off a
# random 20 % of the hidden units at every step, so the network cannot lean on a few of
# them, and at prediction time it does nothing. It has no parameters. Lesson 09 explains
# and measures it; here it is simply part of a well-tried recipe (Keras's classic MNIST
# example uses the same 20 % after each dense layer).

# %%
HIDDEN = 512


def build_model() -> keras.Model:
    """784 inputs → HIDDEN ReLU units (20 % dropout) → 10 logits (compiled in section 3)."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(HIDDEN, activation="relu"),
            keras.layers.Dropout(0.2),  # active during training only
            keras.layers.Dense(10),  # logits: softmax is applied inside the loss
        ],
        name="mnist_dense",
    )


model = build_model()
model.summary()

# %%
# Check: the parameter count matches the formula
assert model.count_params() == (784 * HIDDEN + HIDDEN) + (10 * HIDDEN + 10)

# %% [markdown]
# **A model that was never trained answers at random.** Its weights are random numbers, so
# `predict` runs fine and returns confident-looking nonsense. Its accuracy is that of
# guessing, give or take: 10 % on average, but one set of random weights tends to favour a
# few digits, so a particular untrained network can land anywhere from a few % to around
# 20 % (the share of its answers per digit is printed too).

# %%
untrained_pred = model.predict(x_val, verbose=0).argmax(axis=1)
untrained_accuracy = float(np.mean(untrained_pred == y_val))
print(f"accuracy before training (validation images): {untrained_accuracy:.3f}")
print(
    "share of its answers per digit:",
    np.round(np.bincount(untrained_pred, minlength=10) / len(untrained_pred), 2),
)

# %%
# Check: an untrained model is no better than guessing (10 %, give or take)
assert untrained_accuracy < 0.25

# %% [markdown]
# ## 3. Training: a validation split, a decaying learning rate and early stopping
#
# Three choices make the training recipe.
#
# * **Batches of 128 images.** Each step averages 128 gradients, a less noisy direction than
#   32 would give, and an epoch is 422 steps on the full data instead of 1,688
#   ([lesson 05](05_gd_variants_optimizers.ipynb) measured both effects). QUICK mode, with
#   under a seventh of the images, uses batches of 32: on its 800 validation images (mean
#   over seeds 0-2) batches of 32 scored 0.955 and batches of 128 0.950, a difference below
#   one standard error of an accuracy measured on 800 images (about 0.008), so the choice is
#   a weak one; the smaller batches also give its short epochs four times as many steps.
# * **A learning rate that decays.** Adam starts at 0.001 and the rate follows half a cosine
#   down to 0 over the `EPOCHS` planned epochs: large steps while the network is far from a
#   good solution, ever smaller ones at the end, where a constant rate would keep the weights
#   bouncing around at lesson 05's noise floor.
# * **Early stopping on the validation set.** After every epoch Keras measures the loss and
#   accuracy on the **validation set** held out in section 1. `EarlyStopping` stops once the
#   validation accuracy has not improved for `patience` epochs and, with
#   `restore_best_weights=True`, rolls the model back to its best epoch (Keras restores it at
#   the end of training even if it never stopped early). With a decaying rate the validation
#   accuracy tends to keep creeping up, so the run may well use every planned epoch: then early
#   stopping's job is to keep the best epoch's weights rather than the last's.
#
# We watch the validation *accuracy*, the number we care about: a classifier's validation loss
# often bottoms out a few epochs earlier, because the network keeps growing more confident on
# the few images it gets wrong while it gets more of the others right. The test set plays no
# part in any of this: it is used once, at the end.

# %%
EPOCHS, BATCH = 30, (32 if QUICK else 128)
steps = EPOCHS * -(-len(x_fit) // BATCH)  # batches per epoch (rounded up) times epochs
model.compile(
    optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps)),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),  # softmax inside
    metrics=["accuracy"],
)
stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=5, restore_best_weights=True)
history = model.fit(
    x_fit,
    y_fit,
    validation_data=(x_val, y_val),
    epochs=EPOCHS,
    batch_size=BATCH,
    callbacks=[stop],
    verbose=0,
)
best_epoch = stop.best_epoch + 1
epochs_run = len(history.history["loss"])
print(
    f"trained {epochs_run} of at most {EPOCHS} epochs; best validation accuracy at epoch "
    f"{best_epoch}; "
    + (
        "early stopping fired"
        if stop.stopped_epoch > 0
        else "early stopping did not fire: the epoch limit came first"
    )
)
print(f"validation accuracy at that epoch: {history.history['val_accuracy'][stop.best_epoch]:.4f}")

# %%
plot_history(history, metrics=("loss", "accuracy"), title="MNIST, dense network")
plt.show()

# %% [markdown]
# Read the printed lines with the curves. The training loss falls epoch after epoch; the
# validation curves improve quickly at first and then much more slowly until they level off.
# On QUICK mode's small training set that happens well before the end of the schedule, while
# the training loss keeps falling. If early stopping fired, the validation accuracy had not
# improved for `patience` epochs: further epochs were fitting the training images rather than
# digits. If the run used every planned epoch, the schedule ended it, with the learning rate
# down to 0. Either way the model now holds the weights of the epoch with the best validation
# accuracy. The training curves are measured with dropout active and averaged over each epoch
# while the weights change, so they sit a little below what the finished network does on its
# training images.
#
# ## 4. What the model gets wrong (validation images)
#
# Before the test set, we look at the mistakes on the **validation** images: what we learn
# here could well change the model (a bigger layer, more epochs), so it must not come from
# the test set. `predict` returns logits; the predicted class is the largest,
# $\hat y = \arg\max_k z_k$ (softmax does not change the order). For probabilities apply
# softmax explicitly.

# %%
logits = model.predict(x_val, verbose=0)
probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=1))
y_pred = logits.argmax(axis=1)
assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
print(f"validation accuracy: {np.mean(y_pred == y_val):.4f}")

plot_confusion_matrix(
    y_val,
    y_pred,
    labels=[str(d) for d in range(10)],
    title="MNIST validation set: true (rows) vs predicted (columns)",
)
plt.show()

# %% [markdown]
# The diagonal holds the correct answers. The largest off-diagonal cells name the digit
# pairs the network mixes up; below are the mistakes it was most sure about.

# %%
wrong = np.flatnonzero(y_pred != y_val)
most_confident = wrong[np.argsort(-probabilities[wrong, y_pred[wrong]])][:24]
show_images(
    x_val[most_confident],
    titles=[
        f"pred {y_pred[i]} ({probabilities[i, y_pred[i]]:.2f})\ntrue {y_val[i]}"
        for i in most_confident
    ],
    ncols=8,
)
plt.show()
print(f"{len(wrong)} of {len(y_val)} validation images misclassified")

# %% [markdown]
# Several of these are hard for people too; others show the limits of a network that
# sees 784 unrelated numbers: it has no notion that neighbouring pixels belong together
# or that a digit shifted by two pixels is the same digit. Convolutional networks
# ([lesson 11](11_convolutional_networks.ipynb)) build that in.
#
# ## 5. One evaluation on the test set
#
# Every choice is made; now, once, the test images.

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss {test_loss:.4f} | test accuracy {test_accuracy:.4f}")

# %%
# Check: the course's target (full data: 60 000 training images; QUICK: 8 000 of the
# official test images for training, 2 000 for testing). It held on every seed measured
# (README), in full mode by 30 to 40 of the 10 000 test images, in QUICK mode by 9 to 23 of
# the 2 000: there the margin is about one standard error, so another seed may miss it.
target = 0.95 if QUICK else 0.980
assert test_accuracy >= target, f"test accuracy {test_accuracy:.4f} is below {target}"

# %% [markdown]
# ## 6. Save and reload
#
# `model.save("name.keras")` writes the architecture, the weights and the compile settings
# (optimizer state included) into one zip file; `keras.models.load_model` restores it. We
# write to a temporary folder so nothing lands in the course's repository.

# %%
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "mnist_dense.keras"
    model.save(path)
    print(f"saved {path.name}: {path.stat().st_size / 1e6:.1f} MB")
    reloaded = keras.models.load_model(path)

reloaded_logits = reloaded.predict(x_val, verbose=0)

# %%
# Check: the reloaded model computes exactly what the trained one does
np.testing.assert_allclose(reloaded_logits, logits, rtol=0, atol=1e-6)
assert np.array_equal(reloaded_logits.argmax(axis=1), y_pred)

# %%
helpers.record("06", test_accuracy=test_accuracy)

# %% [markdown]
# > **Common mistakes**
# >
# > * Feeding raw 0–255 pixels: scale to $[0, 1]$ (and convert to `float32`) first.
# > * A softmax output layer *and* `from_logits=True`: the loss is told it receives logits
# >   but receives probabilities. On plain arrays that is a second softmax; inside a model on
# >   the TensorFlow backend Keras notices, warns and uses the layer's logits instead, which
# >   hides the mistake rather than fixing it (lesson 03 shows both). Either logits with
# >   `from_logits=True` (as here) or softmax with `from_logits=False`.
# > * Sigmoid outputs with categorical cross-entropy for exclusive classes: use softmax.
# > * One-hot labels with `SparseCategoricalCrossentropy`, or integer labels with
# >   `CategoricalCrossentropy`: the shapes do not match. Integers go with *sparse*.
# > * Using the test set as `validation_data`: early stopping then chooses the epoch on the
# >   test images, and the test score is no longer an honest estimate.
# > * Training a fixed number of epochs without looking at a validation curve.
# > * Calling `predict` on a model that was never trained: it runs and gives random answers.
# > * Saving in the legacy HDF5 format (`.h5`); Keras 3 uses the `.keras` format.

# %% [markdown]
# ## Exercises
#
# **Exercise 1: count parameters.** A dense layer from the 784 pixels to 64 units: how many
# trainable parameters does it have?

# %%
answer_params = ...  # a whole number
HINT_1 = "Every unit has one weight per input and one bias."
checks.check_digest(answer_params, "9d8aebdf41734063", exercise="06.1", hint=HINT_1)

# %% [markdown]
# **Exercise 2: one digit's accuracy from the confusion matrix.** `cm` below is the
# *validation* confusion matrix (rows: true digit, columns: predicted digit). Of the
# validation images that really show an 8, what share did the network read as 8 (the
# *recall* of digit 8)? Compute it from `cm` alone.

# %%
cm = confusion_matrix(y_val, y_pred, labels=range(10))
recall_of_8 = ...  # a number between 0 and 1
exercises.check_class_recall(recall_of_8, cm, 8)

# %% [markdown]
# **Exercise 3: the worst confusion.** Which pair (true digit, predicted digit), with the
# two different, is the most frequent mistake in `cm`? Enter it as a tuple
# `(true, predicted)`. If several pairs tie, any of them is right.

# %%
answer_pair = ...  # e.g. (4, 9)
exercises.check_worst_confusion(answer_pair, cm)

# %% [markdown]
# **Exercise 4: which output and loss?** Ten exclusive classes, integer labels. Which
# combination is right?
#
# * (a) `Dense(10, activation="sigmoid")` and `BinaryCrossentropy()`
# * (b) `Dense(10)` and `SparseCategoricalCrossentropy(from_logits=True)`
# * (c) `Dense(10, activation="softmax")` and `SparseCategoricalCrossentropy(from_logits=True)`

# %%
answer_output = ...  # "a", "b" or "c"
HINT_4 = "Exclusive classes need softmax exactly once: in the model or in the loss, not both."
checks.check_digest(answer_output, "ddc2e3b0667d99d4", exercise="06.4", hint=HINT_4)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: 784 weights per unit, 64 units, plus one bias per unit.
answer_params = 784 * 64 + 64
assert checks.check_digest(answer_params, "9d8aebdf41734063", exercise="06.1", hint=HINT_1)

# %%
# Exercise 2: the diagonal cell of row 8 over the whole row.
recall_of_8 = cm[8, 8] / cm[8].sum()
print(f"recall of digit 8: {recall_of_8:.4f}")
assert exercises.check_class_recall(recall_of_8, cm, 8)

# %%
# Exercise 3
mistakes = cm.copy()
np.fill_diagonal(mistakes, 0)
answer_pair = tuple(int(i) for i in np.unravel_index(mistakes.argmax(), mistakes.shape))
print(f"most frequent mistake: a true {answer_pair[0]} read as {answer_pair[1]}")
assert exercises.check_worst_confusion(answer_pair, cm)

# %%
# Exercise 4: (b). (a) treats the digits as ten independent yes/no questions; (c) tells the
# loss it gets logits when it gets probabilities (see the common mistakes above).
answer_output = "b"
assert checks.check_digest(answer_output, "ddc2e3b0667d99d4", exercise="06.4", hint=HINT_4)
