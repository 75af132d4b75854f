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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/16_multi_device_training.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/16_multi_device_training.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F16_multi_device_training.ipynb)
# # 16 · Training on more than one device
#
# **Goals.** After this lesson you can
#
# * explain data parallelism from first principles: replicas, a global batch cut into one shard
#   per replica, gradients averaged by an *all-reduce*, and check by hand that the average of
#   the shards' gradients is the gradient of the whole batch;
# * say why the batch size and the learning rate move together, and see it in training curves;
# * train with `tf.distribute.MirroredStrategy` on two logical CPU devices, show that one step
#   on two replicas gives the weights of one step on one device with the same global batch, and
#   what changes when the per-replica batch is kept or the network has batch normalisation;
# * shard a model with `keras.distribution` (`DataParallel`, `ModelParallel`, `DeviceMesh`,
#   `LayoutMap`) on JAX, assert the sharding you asked for, and avoid the `LayoutMap` key that
#   silently matches nothing; know which backends `keras.distribution` works on;
# * describe a cluster to its processes (where to meet, how many they are, which one each is)
#   and run an all-reduce between two processes on this machine;
# * predict the speed-up on real GPUs with a scaling model, instead of reading one into timings
#   of logical devices that share the same CPU cores.
#
# **Data.** MNIST, its training images only (in QUICK mode, which the test suite uses, 8,000
# images taken from the official test set), 80 % to train on and 20 % to validate on. No number
# in this lesson is a test score, so the loader's test split is never used.
#
# **How this notebook runs.** Cutting one machine into several devices must happen before the
# library that owns the devices starts, and the set-up cell below has already started
# TensorFlow (and, on the JAX backend, JAX). Sections 3 to 5 therefore write small scripts into
# a temporary folder and run them in fresh Python processes: a cell shows each script, the next
# one runs it and prints what it printed. Every section runs on either Keras backend.

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
import atexit
import shutil
import socket
import tempfile
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers import checks, exercises
from helpers.convolution import full_float32
from helpers.flops import training_macs
from helpers.gradients import value_and_gradients

BACKEND = keras.backend.backend()
WORKDIR = Path(tempfile.mkdtemp(prefix="lesson16_"))  # the scripts, their data and their results
atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)  # removed when the kernel stops
COURSE = Path(helpers.__file__).resolve().parents[1]  # the scripts import the course's helpers
print(
    f"Keras runs on {BACKEND}; the scripts of this lesson go to {WORKDIR} (until the kernel stops)"
)

# %%
(images, labels), _ = helpers.datasets.load_mnist(quick=QUICK)  # the test split stays unused
order = np.random.default_rng(SEED).permutation(len(images))
val_rows, fit_rows = order[: len(order) // 5], order[len(order) // 5 :]
x = (images.reshape(len(images), -1) / 255.0).astype("float32")
y = labels.astype("int32")
x_fit, y_fit, x_val, y_val = x[fit_rows], y[fit_rows], x[val_rows], y[val_rows]
DATA = WORKDIR / "mnist_fit.npz"  # what the scripts of sections 3 to 5 read: 4,096 of the images
np.savez_compressed(DATA, x=images[fit_rows[:4096]], y=labels[fit_rows[:4096]])
print(f"{len(x_fit):,} images to train on, {len(x_val):,} to validate on")

# %% [markdown]
# The network of the whole lesson: 784 pixels, 128 ReLU units, 10 logits. Its layers and the
# model carry names, so that its variables have fixed *paths* (`mlp/hidden/kernel`, ...), which
# section 4 needs; each layer has its own seeded initialiser, so that every copy built with the
# same seed starts from the same weights.

# %%
HIDDEN = 128


def build_mlp(seed: int) -> keras.Model:
    """The lesson's network, 784 -> 128 (ReLU) -> 10 logits, the same weights for the same seed."""
    return keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(
                HIDDEN, kernel_initializer=keras.initializers.GlorotUniform(seed), name="hidden"
            ),
            keras.layers.ReLU(),
            keras.layers.Dense(
                10, kernel_initializer=keras.initializers.GlorotUniform(seed + 1), name="logits"
            ),
        ],
        name="mlp",
    )


model = build_mlp(SEED)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)  # the mean over a batch
for variable in model.weights:
    print(f"{variable.path:<20} {tuple(variable.shape)}")

# %% [markdown]
# ## 1. Data parallelism by hand
#
# With $N$ devices, data parallelism keeps a full copy of the network, a **replica**, on every
# device. Each training step takes a **global batch** of $B$ examples and cuts it into $N$
# shards $S_1, \dots, S_N$ of $b = B/N$ examples, one per replica. Each replica computes the
# gradient of the mean loss over its own shard,
#
# $$g_k = \nabla_w L_k, \qquad L_k = \frac{1}{b}\sum_{i \in S_k} \ell_i(w),$$
#
# and the replicas then average their gradients. The loss of the whole batch is the mean of
# the shards' means (every shard has $b$ examples), so the average *is* the whole batch's
# gradient:
#
# $$L = \frac{1}{B}\sum_{i=1}^{B} \ell_i(w) = \frac{1}{N}\sum_{k=1}^{N} L_k
# \quad\Longrightarrow\quad \nabla_w L = \frac{1}{N}\sum_{k=1}^{N} g_k .$$
#
# Every replica receives that same average and applies the same update
# $w \leftarrow w - \eta\,\nabla_w L$, so replicas that start equal stay equal: once the
# initial weights are copied to every device, only gradients travel between them. The
# operation "every device contributes an array and every device receives their sum (or mean)"
# is an **all-reduce**. A common algorithm, the
# *ring* all-reduce, passes pieces of the array around a ring of devices in $2(N-1)$ steps; each
# device sends, and receives, $2\frac{N-1}{N}$ times the array's size in all: once the size for
# 2 devices, and less than twice it for any number. Section 6 turns that into a prediction of
# speed.
#
# Two things break the equality. Shards of different sizes (the last batch of an epoch, cut
# unevenly): the batch's mean loss is then no longer the plain mean of the shards' means, so
# neither is its gradient (section 3 measures the difference; exercise 1 repairs it). And
# *summing* the replicas' gradients of mean losses gives $N$ times the gradient: $N$ times too
# large a step.
#
# The check below cuts one batch of 64 images into two shards of 32 and compares, on this
# kernel's backend, the whole batch's gradient with each shard's and with their average.

# %%
BATCH, REPLICAS = 64, 2
x_batch, y_batch = x_fit[:BATCH], y_fit[:BATCH]
shards = np.array_split(np.arange(BATCH), REPLICAS)  # rows 0-31 and 32-63


def exact_float32():
    """Full float32 matrix products while a check runs: on recent NVIDIA GPUs both backends may
    otherwise round their inputs to TF32, about three decimal digits (lesson 07)."""
    if BACKEND == "jax":
        import jax

        return jax.default_matmul_precision("float32")
    return full_float32()


def gradient(rows) -> list[np.ndarray]:
    """The gradient of the mean loss over some rows of the batch, one array per weight."""
    with exact_float32():
        _, grads = value_and_gradients(
            lambda: loss_fn(y_batch[rows], model(x_batch[rows])), model.trainable_variables
        )
    return [np.asarray(g) for g in grads]


def relative_gap(a: np.ndarray, b: np.ndarray) -> float:
    """The largest |a - b|, relative to the largest |b|."""
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


whole = gradient(np.arange(BATCH))
per_replica = [gradient(rows) for rows in shards]
averaged = [np.mean(g, axis=0) for g in zip(*per_replica, strict=True)]  # the all-reduce (mean)
summed = [np.sum(g, axis=0) for g in zip(*per_replica, strict=True)]  # the mistake (sum)
gaps = pd.DataFrame(
    {
        "largest |gradient|": [np.max(np.abs(w)) for w in whole],
        # with two shards g1 - g = (g1 - g2) / 2 = -(g2 - g): both replicas are this far off
        "either replica alone": [
            relative_gap(g, w) for g, w in zip(per_replica[0], whole, strict=True)
        ],
        "sum of both": [relative_gap(s, w) for s, w in zip(summed, whole, strict=True)],
        "mean of both": [relative_gap(m, w) for m, w in zip(averaged, whole, strict=True)],
    },
    index=[v.path for v in model.trainable_variables],
)
print("Largest gap from the whole batch's gradient, relative to its largest entry:")
gaps.style.format("{:.2e}")

# %%
rng = np.random.default_rng(SEED)
picked = rng.choice(whole[0].size, size=2000, replace=False)  # 2,000 entries of the first kernel
reference = whole[0].ravel()[picked]
fig, ax = plt.subplots(figsize=(6, 5))
for k, grads in enumerate(per_replica, start=1):
    ax.scatter(reference, grads[0].ravel()[picked], s=4, alpha=0.4, label=f"replica {k} alone")
ax.scatter(reference, averaged[0].ravel()[picked], s=4, color="k", label="mean of the two")
ax.set(
    xlabel="gradient of the whole batch of 64",
    ylabel="gradient from the shards of 32",
    title="Each replica's gradient is noisy; their mean is the batch's",
)
ax.legend(markerscale=3)
ax.grid(alpha=0.3)
plt.show()

# %%
# Check: the mean of the two replicas' gradients is the whole batch's gradient, to within 1e-5
# of its largest entry (float32 rounds each number to about 1e-7 of itself); each replica
# alone is far from it, and the sum is twice it
GRADIENT_TOLERANCE = 1e-5
assert gaps["mean of both"].max() < GRADIENT_TOLERANCE
assert gaps["either replica alone"].min() > 100 * GRADIENT_TOLERANCE
assert all(np.allclose(s, 2 * w, rtol=1e-4, atol=1e-7) for s, w in zip(summed, whole, strict=True))

# %% [markdown]
# ## 2. Batch size and learning rate move together
#
# With $N$ replicas that each keep the batch they had on one device, the global batch is $N$
# times larger, and one pass over the data (an epoch) makes $N$ times fewer updates. Why the
# learning rate should then grow too: $k$ steps of plain SGD on batches $B_1, \dots, B_k$ move
# the weights by
#
# $$w_k = w_0 - \eta \sum_{j=1}^{k} \nabla L_{B_j}(w_{j-1})
#   \;\approx\; w_0 - k\eta\, \nabla L_{B_1 \cup \dots \cup B_k}(w_0),$$
#
# one step on the $k$ times larger batch with a $k$ times larger rate, as long as the gradient
# changes little during those $k$ steps. The **linear scaling rule** multiplies the learning
# rate by the factor the batch grew by. Goyal et al. (2017, *Accurate, Large Minibatch SGD:
# Training ImageNet in 1 Hour*) trained ResNet-50 with batches of up to 8,192 images this way,
# with the rate raised gradually over the first 5 epochs (a warm-up), because the approximation
# fails while the weights still change fast. It is a rule of thumb: beyond some batch size,
# different for each problem, larger batches stop paying off (McCandlish et al. 2018, *An
# Empirical Model of Large-Batch Training*). What a larger batch does buy is a less noisy
# gradient: the mean of $B$ independent per-example gradients has $1/B$ of their variance.
#
# Three trainings from the same initial weights, over the same number of epochs: batch 32 at a
# rate of 0.05, batch 256 at the same rate, and batch 256 at $8 \times 0.05$. Validation data
# only (no test images).

# %%
EPOCHS_BATCH = 2 if QUICK else 5
BASE_RATE = 0.05
recipes = {  # name: (batch size, learning rate of plain SGD)
    "batch 32, rate 0.05": (32, BASE_RATE),
    "batch 256, rate 0.05": (256, BASE_RATE),
    "batch 256, rate 0.4 (8 × 0.05)": (256, 8 * BASE_RATE),
}
curves, updates, start_weights = {}, {}, {}
start = time.perf_counter()
for name, (batch, rate) in recipes.items():
    keras.utils.set_random_seed(SEED)  # the same order of examples for every recipe
    net = build_mlp(SEED)  # the same initial weights for every recipe
    start_weights[name] = net.get_weights()
    net.compile(keras.optimizers.SGD(rate), loss_fn, metrics=["accuracy"])
    history = net.fit(
        x_fit,
        y_fit,
        batch_size=batch,
        epochs=EPOCHS_BATCH,
        validation_data=(x_val, y_val),
        verbose=0,
    )
    curves[name] = history.history["val_accuracy"]
    updates[name] = EPOCHS_BATCH * int(np.ceil(len(x_fit) / batch))
print(f"{len(recipes)} trainings of {EPOCHS_BATCH} epochs in {time.perf_counter() - start:.0f} s")
pd.DataFrame(
    {
        "updates": updates,
        "validation accuracy, last epoch": {k: v[-1] for k, v in curves.items()},
    }
).round(4)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for name, accuracies in curves.items():
    epochs = np.arange(1, len(accuracies) + 1)
    ax.plot(epochs, accuracies, "o-", label=f"{name}: {updates[name]:,} updates")
ax.set(
    xlabel="epoch (passes over the same training images)",
    ylabel="validation accuracy",
    xticks=np.arange(1, EPOCHS_BATCH + 1),
    title="Same epochs, 8 times fewer updates: scale the rate with the batch",
)
ax.legend()
ax.grid(alpha=0.3)
plt.show()
small, large, scaled = (curves[name][-1] for name in recipes)
print(
    f"after {EPOCHS_BATCH} epochs, batch 256 at the unchanged rate ends {large - small:+.3f} "
    f"from batch 32; with the rate scaled by 8 it ends {scaled - small:+.3f}"
)

# %%
# Check: the three recipes started from identical weights, and the large batches made 8 times
# fewer updates per epoch (the last, partial batch of an epoch counts as one)
first = start_weights["batch 32, rate 0.05"]
assert all(
    all(np.array_equal(a, b) for a, b in zip(first, w, strict=True)) for w in start_weights.values()
)
assert 7.9 < updates["batch 32, rate 0.05"] / updates["batch 256, rate 0.05"] <= 8

# %% [markdown]
# Per epoch, the large batch at the unchanged rate makes 8 times fewer updates with the same
# rate as the small batch, and the line above says where that left it. Scaling the rate lets
# each large-batch update do the work of several small ones; how much of the gap that closes
# depends on the problem, the number of epochs and the seed. Section 3 shows that adding
# replicas while each keeps its batch *is* such a larger batch.
#
# ## 3. Two replicas with `tf.distribute.MirroredStrategy`
#
# `MirroredStrategy` does section 1 with TensorFlow's devices. It keeps a copy of every variable
# on each device it is given ("mirrored" variables), cuts each global batch into one shard per
# replica, runs the training step on all replicas at once, all-reduces the gradients and applies
# the same update everywhere. On a machine with two GPUs it would be given `/gpu:0` and
# `/gpu:1`; here the script cuts the CPU into two **logical devices** with
# `tf.config.set_logical_device_configuration`. They share the same CPU cores: they show the
# mechanics and the numbers exactly, and say nothing about the speed of two real devices
# (section 6).
#
# Two things Keras does under a strategy: the `batch_size` given to `fit` is the **global**
# batch, which the strategy cuts between the replicas; and each replica's mean loss is divided
# by the number of replicas before the replicas' gradients are *summed*
# (`scale_loss_for_distribution` in Keras's `losses/loss.py`, the sum in its TensorFlow
# optimizer), which makes the mean of section 1.
#
# **Why a fresh process.** TensorFlow fixes its devices when its runtime starts: the first time
# anything lists its logical devices, creates a tensor or runs an operation. This kernel's
# set-up cell started it on the TensorFlow backend (and JAX with its own devices on the JAX
# backend), and a device split asked for afterwards does not happen:

# %%
# A device split asked for too late, in this kernel, whose backend has already started
if BACKEND == "tensorflow":
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        too_late = "accepted"
    except RuntimeError as error:
        too_late = f"RuntimeError: {error}"
    print(f"Splitting the CPU now: {too_late}")
    print(f"TensorFlow still sees {len(tf.config.list_logical_devices('CPU'))} CPU device(s)")
else:
    import jax

    devices_before = len(jax.devices("cpu"))
    saved_flags = os.environ.get("XLA_FLAGS")
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    devices_after = len(jax.devices("cpu"))
    if saved_flags is None:  # leave the environment (which the scripts inherit) as it was
        del os.environ["XLA_FLAGS"]
    else:
        os.environ["XLA_FLAGS"] = saved_flags
    too_late = f"JAX saw {devices_before} CPU device(s), and sees {devices_after} after the flag"
    print(f"XLA_FLAGS now asks for 4 CPU devices: {too_late}, with no warning")

# %%
# Check: the late split changed nothing (TensorFlow refuses it; JAX ignores it, silently)
if BACKEND == "tensorflow":
    assert too_late.startswith("RuntimeError") and len(tf.config.list_logical_devices("CPU")) == 1
else:
    assert devices_after == devices_before

# %% [markdown]
# The script below, run in a fresh process, splits the CPU first and then, from the same
# initial weights, compares single training steps (plain SGD, so that weights differ exactly
# when gradients do):
#
# 1. one device with a batch of 64, against two replicas with a *global* batch of 64 (32 each);
# 2. two replicas that keep 64 examples each (a global batch of 128), against one device with
#    64 and with 128;
# 3. the network with a `BatchNormalization` layer, whose statistics each replica computes on
#    its own shard by default (`synchronized=False`), or on the global batch
#    (`synchronized=True`, an option of the TensorFlow backend only).
#
# It also tries `keras.distribution` on the TensorFlow backend (section 4 explains what that
# is), counts the size of a bigger network, and times training steps, both for section 6.
#
# `run_script` runs a script in a fresh Python process with this notebook's environment (QUICK
# mode, seed, data folders) plus the Keras backend the script needs, prints what it printed,
# stops it with a clear message if it runs too long, and returns the results it wrote.

# %%
TF_TIMEOUT = 300 if QUICK else 900  # seconds; a hang stops with a message instead of blocking


def read_result(path: Path) -> dict:
    """What a script wrote: its results, as JSON."""
    import json

    return json.loads(path.read_text())


def run_script(script: Path, backend: str, timeout: float) -> dict:
    """Run one of this lesson's scripts in a fresh Python process; return the results it wrote.

    The process inherits this notebook's environment (QUICK mode, seed, data folders), gets
    KERAS_BACKEND, and imports the course's helpers from COURSE. It is stopped after `timeout`
    seconds.
    """
    result_file = WORKDIR / f"{script.stem}.json"
    result_file.unlink(missing_ok=True)
    python_path = os.pathsep.join(filter(None, [str(COURSE), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": python_path}
    start = time.perf_counter()
    try:
        child = subprocess.run(
            [sys.executable, str(script), str(DATA), str(result_file)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(
            f"{script.name} did not finish within {timeout} s and was stopped. Run it by hand "
            f"to see where it waits: KERAS_BACKEND={backend} python {script} {DATA} out.json"
        ) from None
    print(child.stdout.rstrip())
    if child.returncode != 0:
        raise RuntimeError(
            f"{script.name} failed (exit code {child.returncode}); the end of what it printed "
            f"to stderr:\n{child.stderr[-4000:]}"
        )
    print(
        f"[{script.name}: {time.perf_counter() - start:.1f} s in a fresh process, imports included]"
    )
    return read_result(result_file)


TF_SCRIPT = WORKDIR / "tf_replicas.py"

# %% [markdown]
# The script comes in six cells: the first (`%%writefile`) starts the file, the others
# (`%%writefile -a`) append to it, so run them in order. First the device split, before
# anything else starts TensorFlow's runtime, then the data and the network.

# %%
# %%writefile "{TF_SCRIPT}"
"""Lesson 16, section 3: data parallelism with tf.distribute.MirroredStrategy on two logical CPU
devices. Usage: KERAS_BACKEND=tensorflow python tf_replicas.py DATA.npz RESULT.json"""
import json
import sys
import warnings

import tensorflow as tf

# First of all, before TensorFlow's runtime starts: hide any GPU (every device of this script is
# a CPU, so that every comparison is like for like) and cut the CPU into two logical devices.
tf.config.set_visible_devices([], "GPU")
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras
import numpy as np

import helpers

QUICK, SEED = helpers.quick_mode(), helpers.seed()
data = np.load(sys.argv[1])
x = (data["x"].reshape(len(data["x"]), -1) / 255.0).astype("float32")
y = data["y"].astype("int32")
result = {}


def build(seed, batch_norm=None):
    """The lesson's network; batch_norm=False or True adds BatchNormalization(synchronized=...)."""
    layers = [
        keras.Input((784,)),
        keras.layers.Dense(
            128, kernel_initializer=keras.initializers.GlorotUniform(seed), name="hidden"
        ),
    ]
    if batch_norm is not None:
        layers.append(keras.layers.BatchNormalization(synchronized=batch_norm, name="norm"))
    layers += [
        keras.layers.ReLU(),
        keras.layers.Dense(
            10, kernel_initializer=keras.initializers.GlorotUniform(seed + 1), name="logits"
        ),
    ]
    net = keras.Sequential(layers, name="mlp")
    net.compile(keras.optimizers.SGD(0.1), keras.losses.SparseCategoricalCrossentropy(True))
    return net


def train(strategy, weights, images, batch_size, batch_norm=None):
    """The weights after one epoch of fit on the first `images` images, from `weights` (one
    step when images == batch_size)."""
    with strategy.scope():  # the model's variables belong to the strategy
        net = build(SEED, batch_norm)
    net.set_weights(weights)
    net.fit(x[:images], y[:images], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    return net.get_weights()


def largest_difference(a, b):
    return max(float(np.max(np.abs(u - v))) for u, v in zip(a, b, strict=True))


# %% [markdown]
# Next, the strategy over the two logical devices, how it cuts a global batch, and the first
# two comparisons. A model's variables belong to a strategy when the model is built inside
# `strategy.scope()`; `tf.distribute.get_strategy()` outside any scope is the default "strategy"
# of one device.

# %%
# %%writefile -a "{TF_SCRIPT}"
print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
print("logical CPU devices:", [d.name for d in tf.config.list_logical_devices("CPU")])
two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
default = tf.distribute.get_strategy()  # no strategy: one device
print(f"MirroredStrategy: {two.num_replicas_in_sync} replicas in sync")
batches = two.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices(x[:64]).batch(64))
shards = two.experimental_local_results(next(iter(batches)))
result["shard_rows"] = [int(s.shape[0]) for s in shards]
print(f"a global batch of 64 reaches the replicas as shards of {result['shard_rows']} rows")

# 1 and 2: one step on one device and on two replicas, from the same weights
start = build(SEED).get_weights()
one_64, two_64 = train(default, start, 64, 64), train(two, start, 64, 64)
one_128, two_128 = train(default, start, 128, 128), train(two, start, 128, 128)
result["step_size"] = largest_difference(one_64, start)
result["same_global_batch"] = largest_difference(two_64, one_64)
result["kept_per_replica_vs_64"] = largest_difference(two_128, one_64)
result["kept_per_replica_vs_128"] = largest_difference(two_128, one_128)
print(f"one step of SGD moves the weights by up to {result['step_size']:.1e}; largest differences:")
print(f"  1 device, batch 64  | 2 replicas x 32 (global 64):  {result['same_global_batch']:.1e}")
print(
    f"  1 device, batch 64  | 2 replicas x 64 (global 128): {result['kept_per_replica_vs_64']:.1e}"
)
print(
    f"  1 device, batch 128 | 2 replicas x 64 (global 128): {result['kept_per_replica_vs_128']:.1e}"
)

# %% [markdown]
# Then an epoch of 64 + 33 images with `batch_size=64`, whose last batch of 33 the strategy cuts
# unevenly, against one device; how far section 1's *unweighted* mean of the two shards'
# gradients lies from the gradient of the whole last batch (which one device uses), both
# computed by hand from the weights after the first step, and so how far apart it predicts the
# two last steps to end; and a first batch that does not split evenly.

# %%
# %%writefile -a "{TF_SCRIPT}"
one_97, two_97 = train(default, start, 97, 64), train(two, start, 97, 64)
rows = tf.data.Dataset.from_tensor_slices(np.arange(64, 97)).batch(33)
parts = [
    t.numpy()
    for t in two.experimental_local_results(next(iter(two.experimental_distribute_dataset(rows))))
]
loss_fn, after_first = keras.losses.SparseCategoricalCrossentropy(from_logits=True), build(SEED)
after_first.set_weights(one_64)  # both runs' weights after their first, even step


def gradients(rows):
    with tf.GradientTape() as tape:
        loss = loss_fn(y[rows], after_first(x[rows]))
    return [g.numpy() for g in tape.gradient(loss, after_first.trainable_variables)]


shard_grads, sizes = [gradients(part) for part in parts], [len(part) for part in parts]
unweighted = [np.mean(g, axis=0) for g in zip(*shard_grads, strict=True)]
whole_batch = gradients(np.arange(64, 97))  # the last batch's gradient, as one device has it
result["uneven_shards"] = sizes
result["uneven_last_batch"] = largest_difference(two_97, one_97)
result["uneven_predicted"] = 0.1 * largest_difference(unweighted, whole_batch)  # rate 0.1
print(
    f"  1 device | 2 replicas, 64 + 33 images, the 33 cut into {sizes}:"
    f" {result['uneven_last_batch']:.1e} (unweighted mean predicts {result['uneven_predicted']:.1e})"
)
with two.scope():
    net = build(SEED)
try:
    net.fit(x[:63], y[:63], batch_size=63, epochs=1, verbose=0)
    result["uneven_first_batch"] = "trained"
except Exception as error:  # what fit does with a first batch of 63 on two replicas
    message = str(error).split("}}")[-1].strip().split(".")[0]  # its first sentence
    result["uneven_first_batch"] = f"{type(error).__name__}: {message}"
print(f"  2 replicas, a first batch of 63 images: {result['uneven_first_batch']}")

# %% [markdown]
# Then batch normalisation, per replica and synchronized, and `keras.distribution` on the
# TensorFlow backend, asking for the first kernel to be split between the two devices.

# %%
# %%writefile -a "{TF_SCRIPT}"
# 3: batch normalisation, statistics per replica or of the global batch
for synchronized in (False, True):
    start_bn = build(SEED, batch_norm=synchronized).get_weights()
    gap = largest_difference(
        train(two, start_bn, 64, 64, synchronized), train(default, start_bn, 64, 64, synchronized)
    )
    result[f"batch_norm_synchronized_{synchronized}"] = gap
    print(f"  batch norm, synchronized={synchronized!s:<5} 1 device | 2 replicas:   {gap:.1e}")

# keras.distribution on the TensorFlow backend (section 4)
mesh = keras.distribution.DeviceMesh((1, 2), ["batch", "model"], ["cpu:0", "cpu:1"])
layout_map = keras.distribution.LayoutMap(mesh)
layout_map["mlp/hidden/kernel"] = (None, "model")  # asks for the kernel's columns to be split
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        distribution = keras.distribution.ModelParallel(layout_map=layout_map)
    except AttributeError as error:  # Keras 3.8 to 3.14 (see the lesson)
        result["tf_distribution"] = f"{type(error).__name__}: {error}"
    else:
        with distribution.scope():
            net = build(SEED)
            net.set_weights(start)
            net.fit(x[:64], y[:64], batch_size=64, epochs=1, shuffle=False, verbose=0)
        kernel = net.get_layer("hidden").kernel
        result["tf_distribution"] = "accepted"
        result["tf_distribution_asked"] = list(distribution.get_variable_layout(kernel).axes)
        result["tf_distribution_kernel_shape"] = list(kernel.value.shape)
        result["tf_distribution_devices"] = sorted({v.value.device for v in net.weights})
        result["tf_distribution_vs_one_device"] = largest_difference(net.get_weights(), one_64)
result["tf_distribution_warnings"] = [str(w.message) for w in caught]
print(f"keras.distribution.ModelParallel on the TensorFlow backend: {result['tf_distribution']}")
if result["tf_distribution"] == "accepted":
    print(f"  the LayoutMap asks for the kernel split as {result['tf_distribution_asked']};")
    print(
        f"  the kernel is one {result['tf_distribution_kernel_shape']} tensor, and every weight"
        f" is on {result['tf_distribution_devices']}; warnings: {len(caught)}"
    )

# %% [markdown]
# Last, for section 6: the size of a bigger network, ResNet-50 (quick to build here), and the
# time of a training step with and without replicas. Every `fit` call has a fixed cost besides
# its steps, so a callback notes when each step ends, and a step's time is the median interval
# between consecutive steps of one call. The rules of lesson 07 apply: warm-up calls first,
# then rounds in which every set-up runs once, in a new shuffled order each round.

# %%
# %%writefile -a "{TF_SCRIPT}"
import random
import time

from helpers.convolution import macs_per_layer

# A bigger network, counted (its weights are random: only shapes matter here)
resnet = keras.applications.ResNet50(weights=None)
result["resnet50_params"] = int(resnet.count_params())
result["resnet50_macs"] = int(macs_per_layer(resnet)["macs"].sum())
print(
    f"ResNet-50: {result['resnet50_params']:,} weights, "
    f"{result['resnet50_macs']:,} multiply-adds per 224 x 224 image"
)

# Time per training step: one device without a strategy, one replica, two replicas, all with a
# global batch of 256
stream = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(256, drop_remainder=True)
stream = stream.prefetch(2)
STEPS, ROUNDS = (20, 3) if QUICK else (100, 7)


class StepClock(keras.callbacks.Callback):
    """Notes the time at which each training step of a fit call ends."""

    def on_train_begin(self, logs=None):
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def time_steps(net, steps):
    """Median seconds per step of one fit call, and the rest of the call (its set-up)."""
    clock, start = StepClock(), time.perf_counter()
    net.fit(stream, steps_per_epoch=steps, shuffle=False, verbose=0, callbacks=[clock])
    per_step = float(np.median(np.diff(clock.ends)))
    return per_step, time.perf_counter() - start - steps * per_step


# %%
# %%writefile -a "{TF_SCRIPT}"
nets = {"one device": build(SEED)}
for name, strategy in (
    ("1 replica", tf.distribute.MirroredStrategy(["/cpu:0"])),
    ("2 replicas", two),
):
    with strategy.scope():
        nets[name] = build(SEED)
for net in nets.values():
    time_steps(net, 3)  # warm-up: the first call traces and compiles the step
per_step, set_up = {name: [] for name in nets}, {name: [] for name in nets}
shuffler = random.Random(SEED)
for _ in range(ROUNDS):
    for name in shuffler.sample(list(nets), len(nets)):  # a new order in every round
        step, fixed = time_steps(nets[name], STEPS)
        per_step[name].append(1e3 * step)
        set_up[name].append(1e3 * fixed)
result["per_step_ms"], result["set_up_ms"] = per_step, set_up
result["ratio_two_to_one_device"] = [
    two_ms / one_ms
    for two_ms, one_ms in zip(per_step["2 replicas"], per_step["one device"], strict=True)
]
for name, ms in per_step.items():
    print(
        f"{name:<10}: {np.median(ms):.2f} ms per step (rounds: {min(ms):.2f} to {max(ms):.2f}),"
        f" {np.median(set_up[name]):.0f} ms of set-up per fit call"
    )

with open(sys.argv[2], "w") as file:
    json.dump(result, file)

# %%
tf_result = run_script(TF_SCRIPT, "tensorflow", TF_TIMEOUT)

# %% [markdown]
# What the numbers say:
#
# * **Same global batch, same step.** Two replicas with 32 images each end one step where one
#   device with all 64 does, to float32 rounding, as section 1 predicted. The `fit` call was the
#   same in both cases (`batch_size=64`): under the strategy it is the global batch.
# * **Same per-replica batch, a different step.** Two replicas that keep 64 images each train on
#   a global batch of 128: their step is one device's step on 128 images, not on 64. Adding
#   replicas this way is training with a larger batch, and section 2's rule applies.
# * **An uneven last batch, an unweighted mean.** The epoch of 64 + 33 images ends with a batch
#   of 33, cut into shards of 17 and 16. Keras divides each replica's mean loss by the number
#   of replicas whatever its shard's size, so the all-reduce makes the *unweighted* mean of the
#   two shards' mean gradients, not the batch's gradient: the last step differs from one
#   device's, by exactly what that unweighted mean predicts (both printed). Exercise 1 writes
#   the right combination. The cure in practice: a number of examples that is a multiple of
#   the global batch, or the last partial batch dropped (`drop_remainder=True` in `tf.data`).
#   The line after it shows what `fit` does when even the first batch does not split evenly;
#   with Keras 3.8 and 3.15 it stops with an error.
# * **Batch normalisation is per replica.** By default each replica normalises its shard with
#   the shard's own mean and variance, 32 images instead of 64, so the step differs from one
#   device's. `synchronized=True` all-reduces the statistics at every step and gives the
#   single-device step back.

# %%
# Check: one step on two replicas gives the weights of one step on one device with the same
# global batch, to within 1e-6 (a step moves them by orders of magnitude more); keeping the
# per-replica batch gives the step of the doubled batch; an uneven last batch gives the step of
# the unweighted mean; batch norm needs synchronized=True
WEIGHT_TOLERANCE = 1e-6
assert tf_result["shard_rows"] == [32, 32] and sorted(tf_result["uneven_shards"]) == [16, 17]
assert tf_result["uneven_last_batch"] > 100 * WEIGHT_TOLERANCE
assert abs(tf_result["uneven_last_batch"] - tf_result["uneven_predicted"]) < WEIGHT_TOLERANCE
assert tf_result["step_size"] > 1000 * WEIGHT_TOLERANCE
assert tf_result["same_global_batch"] < WEIGHT_TOLERANCE
assert tf_result["kept_per_replica_vs_128"] < WEIGHT_TOLERANCE
assert tf_result["kept_per_replica_vs_64"] > 100 * WEIGHT_TOLERANCE
assert tf_result["batch_norm_synchronized_True"] < WEIGHT_TOLERANCE
assert tf_result["batch_norm_synchronized_False"] > 100 * WEIGHT_TOLERANCE

# %% [markdown]
# The script also tried `keras.distribution.ModelParallel` (section 4) on the TensorFlow
# backend, asking for the first kernel's columns to be split over the two devices. What happens
# depends on the Keras version, and it is never what was asked:
#
# * **Keras 3.8 to 3.14:** creating the distribution raises
#   `AttributeError: module 'keras.src.backend.tensorflow.distribution_lib' has no attribute
#   'num_processes'` (reported as keras-team/keras#18983, closed).
# * **Keras 3.15:** the distribution is accepted, training runs, no warning is given, and it is
#   ignored: the kernel stays one whole tensor on one device, and the step equals one device's
#   step without any distribution.
#
# The line it printed above says which case this Keras is in.

# %%
# Check: on the TensorFlow backend keras.distribution either fails to start (Keras 3.8 to 3.14)
# or is accepted and ignored: the kernel asked to be split is whole, on a single device
KERAS_VERSION = tuple(int(part) for part in keras.__version__.split(".")[:2])
if tf_result["tf_distribution"] == "accepted":
    assert KERAS_VERSION >= (3, 15)
    assert tf_result["tf_distribution_asked"] == [None, "model"]
    assert tf_result["tf_distribution_kernel_shape"] == [784, HIDDEN]
    assert len(tf_result["tf_distribution_devices"]) == 1
    assert tf_result["tf_distribution_vs_one_device"] < WEIGHT_TOLERANCE
else:
    assert KERAS_VERSION < (3, 15) and "num_processes" in tf_result["tf_distribution"]

# %% [markdown]
# ## 4. Sharding with `keras.distribution` on JAX
#
# `keras.distribution` is Keras 3's own distribution API. Its pieces:
#
# * a **`DeviceMesh`**: the devices arranged in a grid whose axes have names, e.g. 4 devices as
#   a $2 \times 2$ mesh with axes `("batch", "model")`;
# * a **layout** per variable: for each of its dimensions, the mesh axis it is split along, or
#   `None` (not split). A `LayoutMap` gives layouts by variable path; its keys are regular
#   expressions;
# * **`DataParallel`**: a 1-D mesh, every weight replicated on every device, each batch split
#   along its first dimension, as in section 3;
# * **`ModelParallel`**: the weights split as the `LayoutMap` says, any weight it does not match
#   replicated, and the batch split along the mesh axis `batch_dim_name`.
#
# **Which backends.** In the installed Keras, and in every version from 3.8 (the oldest this
# course supports) to 3.15, only JAX implements it: `keras/src/backend/jax/distribution_lib.py`
# places each variable and batch as a sharded `jax.Array`. The TensorFlow backend's file opens
# with `"""!!!DO NOT USE!!!` and leaves its `distribute_value` as a `# TODO` (section 3 showed
# what that means in practice); the PyTorch, NumPy and OpenVINO backends have none
# (`distribution_lib = None` in `keras/src/backend/__init__.py`).
#
# **What JAX does with it.** Each weight becomes a `jax.Array` whose *sharding* says which
# device holds which block. The training step is still written for the whole global batch;
# `jax.jit` compiles it and XLA's partitioner cuts it into one program per device, adding the
# communication the layouts need (the gradients' all-reduce for replicated weights; gathers and
# sums where a product meets a split weight). Unlike section 3, batch normalisation therefore
# sees the global batch: the script checks that too.
#
# **Simulated devices.** `XLA_FLAGS=--xla_force_host_platform_device_count=4` makes XLA's CPU
# backend present four devices. JAX reads the flag once, when it creates its CPU backend (at
# the first device query or computation); set later it is ignored without a word, as section 3
# showed for the JAX kernel. The script sets it before importing JAX.
#
# **The model-parallel layout.** The script splits the hidden layer's kernel by columns and its
# bias with them (each device computes some of the 128 units), and the output layer's kernel by
# rows (each device uses its own units; XLA adds up the partial products), the classic split of
# a two-layer block. On a $2 \times 2$ mesh the 4 devices hold 2 copies of that split model
# (the `batch` axis) and each copy sees half of each batch. Keras 3.8 and 3.9 place the shards
# of a batch on such a 2-D mesh in an arbitrary device order (they pair them with a set of
# devices), so the two devices that share a copy of the model can receive different rows and
# the step comes out wrong; Keras 3.10 rewrote that code (keras-team/keras#21263). On those two
# versions the script uses a $1 \times 4$ mesh, all four devices splitting one model.

# %%
JAX_SCRIPT = WORKDIR / "jax_sharding.py"

# %% [markdown]
# The script, in four cells to run in order. First the simulated devices, before JAX starts,
# then the data and the network (the same as in section 3, without the synchronized option).

# %%
# %%writefile "{JAX_SCRIPT}"
"""Lesson 16, section 4: keras.distribution on JAX over four simulated CPU devices.
Usage: KERAS_BACKEND=jax python jax_sharding.py DATA.npz RESULT.json"""
import json
import os
import sys
import warnings

# Before JAX starts: four CPU devices (read once, when JAX creates its CPU backend), and the
# CPU only, even on a machine with a GPU.
flags = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
os.environ["XLA_FLAGS"] = flags.strip()
os.environ["JAX_PLATFORMS"] = "cpu"

import jax
import keras
import numpy as np
from keras.distribution import DataParallel, DeviceMesh, LayoutMap, ModelParallel

import helpers

SEED = helpers.seed()
VERSION = tuple(int(part) for part in keras.__version__.split(".")[:2])
data = np.load(sys.argv[1])
x = (data["x"][:64].reshape(64, -1) / 255.0).astype("float32")
y = data["y"][:64].astype("int32")
result = {}


def build(seed, batch_norm=False):
    """The lesson's network (batch_norm=True puts BatchNormalization after the hidden layer)."""
    layers = [
        keras.Input((784,)),
        keras.layers.Dense(
            128, kernel_initializer=keras.initializers.GlorotUniform(seed), name="hidden"
        ),
    ]
    if batch_norm:
        layers.append(keras.layers.BatchNormalization(name="norm"))
    layers += [
        keras.layers.ReLU(),
        keras.layers.Dense(
            10, kernel_initializer=keras.initializers.GlorotUniform(seed + 1), name="logits"
        ),
    ]
    net = keras.Sequential(layers, name="mlp")
    net.compile(keras.optimizers.SGD(0.1), keras.losses.SparseCategoricalCrossentropy(True))
    return net


# %% [markdown]
# Three small tools: one training step under a distribution (or none), the largest difference
# between two sets of weights, and the sharding each weight got: its *partition spec*, one
# entry per dimension (the mesh axis that dimension is split along, or `None`), and the shapes
# of the blocks the devices hold.


# %%
# %%writefile -a "{JAX_SCRIPT}"
def one_step(distribution, weights, batch_norm=False):
    """The model after one fit step on the 64 images, under `distribution` (None: one device)."""
    if distribution is None:
        net = build(SEED, batch_norm)
        net.set_weights(weights)
        net.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
        return net
    with distribution.scope():  # variables created and trained under the distribution
        net = build(SEED, batch_norm)
        net.set_weights(weights)
        net.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
    return net


def largest_difference(a, b):
    return max(float(np.max(np.abs(u - v))) for u, v in zip(a, b, strict=True))


def sharding(net):
    """Each weight's partition spec (one entry per dimension) and the shapes of its shards."""
    found = {}
    for v in net.weights:
        spec = list(v.value.sharding.spec) + [None] * (len(v.shape) - len(v.value.sharding.spec))
        shards = [list(s.data.shape) for s in v.value.addressable_shards]
        found[v.path] = {"spec": spec, "shards": shards}
    return found


# %% [markdown]
# `DataParallel` over the four devices, against one device, then the same with batch
# normalisation. `distribute_tensor` puts a batch where `fit` puts it, to show its shards.

# %%
# %%writefile -a "{JAX_SCRIPT}"
devices = keras.distribution.list_devices()
print(f"JAX {jax.__version__}, Keras {keras.__version__}: devices {devices}")
start = build(SEED).get_weights()
one_device = one_step(None, start).get_weights()

# DataParallel: every weight replicated on all devices, each batch cut along its first axis
data_parallel = DataParallel(devices=devices)
net = one_step(data_parallel, start)
result["dp_sharding"] = sharding(net)
result["dp_devices_per_weight"] = [len(v.value.sharding.device_set) for v in net.weights]
result["dp_vs_one_device"] = largest_difference(net.get_weights(), one_device)
batch = keras.distribution.distribute_tensor(x, data_parallel.get_data_layout(x.shape))
result["dp_batch_shards"] = [list(s.data.shape) for s in batch.addressable_shards]
print(
    f"DataParallel: each weight on {result['dp_devices_per_weight']} devices, whole;"
    f" a batch of 64 is cut into shards of {[s[0] for s in result['dp_batch_shards']]} rows"
)
print(f"  one step, largest difference from one device: {result['dp_vs_one_device']:.1e}")
start_bn = build(SEED, batch_norm=True).get_weights()
result["dp_batch_norm_vs_one_device"] = largest_difference(
    one_step(data_parallel, start_bn, True).get_weights(),
    one_step(None, start_bn, True).get_weights(),
)
print(
    f"  with batch norm (statistics of the global batch): {result['dp_batch_norm_vs_one_device']:.1e}"
)

# %% [markdown]
# `ModelParallel` with keys that spell the variables' full paths, then with keys as short as
# some guides write them.

# %%
# %%writefile -a "{JAX_SCRIPT}"
# ModelParallel: the hidden layer split by units over the mesh axis "model"
mesh_shape = (2, 2) if VERSION >= (3, 10) else (1, 4)  # 3.8 and 3.9: see the lesson
mesh = DeviceMesh(mesh_shape, ["batch", "model"], devices)
layout_map = LayoutMap(mesh)
layout_map["mlp/hidden/kernel"] = (None, "model")  # (784, 128): columns split
layout_map["mlp/hidden/bias"] = ("model",)  # (128,): split with the columns
layout_map["mlp/logits/kernel"] = ("model", None)  # (128, 10): rows split
net = one_step(ModelParallel(layout_map=layout_map, batch_dim_name="batch"), start)
result["mesh_shape"] = list(mesh_shape)
result["mp_sharding"] = sharding(net)
result["mp_vs_one_device"] = largest_difference(net.get_weights(), one_device)
print(f"ModelParallel on a {mesh_shape[0]} x {mesh_shape[1]} mesh ('batch', 'model'):")
for path, found in result["mp_sharding"].items():
    print(f"  {path:<18} split as {str(found['spec']):<17} shards {found['shards']}")
print("  which device holds which block of mlp/hidden/kernel (784 rows, 128 columns):")
jax.debug.visualize_array_sharding(net.get_layer("hidden").kernel.value, use_color=False)
print(f"  one step, largest difference from one device: {result['mp_vs_one_device']:.1e}")

# The trap: keys written as short as some guides write them
short_map = LayoutMap(mesh)
short_map["hidden/kernel"] = (None, "model")
short_map["logits/kernel"] = ("model", None)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with ModelParallel(layout_map=short_map, batch_dim_name="batch").scope():
        net = build(SEED)
result["short_sharding"] = sharding(net)
result["short_lookup"] = {v.path: short_map[v.path] is not None for v in net.weights}
result["short_warnings"] = [str(w.message) for w in caught]
split = [path for path, found in result["short_sharding"].items() if any(found["spec"])]
print(
    f"keys 'hidden/kernel' and 'logits/kernel': weights split: {split or 'none'};"
    f" Python warnings: {len(caught)}"
)

with open(sys.argv[2], "w") as file:
    json.dump(result, file)

# %%
JAX_TIMEOUT = 300  # seconds
jax_result = run_script(JAX_SCRIPT, "jax", JAX_TIMEOUT)

# %% [markdown]
# Under `DataParallel` each weight is whole on all four devices and each batch of 64 is cut
# into four shards of 16; under `ModelParallel` the three weights named in the `LayoutMap` are
# split as asked, and the picture shows which devices hold which columns (on a $2 \times 2$
# mesh each block is on two devices, one per copy of the model). In both cases one step gives
# the single-device step to float32 rounding, and so does, under `DataParallel`, the network
# with batch normalisation, whose statistics XLA computes over the global batch.
#
# **The silent `LayoutMap` trap.** The last two keys, `"hidden/kernel"` and `"logits/kernel"`,
# look like the layers' names, but the variables' paths start with the model's name:
# `mlp/hidden/kernel`. Since Keras 3.14 a key must match the **whole** path (`re.fullmatch`,
# keras-team/keras#22164), so these keys match nothing, every weight stays replicated, and
# nothing warns: the model trains, on every device, in full. Keras 3.8 to 3.13 searched the key
# anywhere in the path (`re.search`), so there the same keys did match; Keras's own docstrings
# of those versions wrote keys such as `'dense.*kernel'`, which from 3.14 on match no
# variable of a `Sequential` model. The defence works on every version: print the paths
# (`[v.path for v in model.weights]`), write keys that match them from the first character to
# the last (the full path, or e.g. `".*/hidden/kernel"`), and **assert the sharding** after
# building the model, as the check below does.

# %%
# Check: the sharding asked for is the sharding obtained, one step equals one device's step,
# and the short keys leave every weight replicated without a warning (Keras >= 3.14; on older
# versions they matched)
model_axis = jax_result["mesh_shape"][1]
expected = {
    "mlp/hidden/kernel": ([None, "model"], [784, HIDDEN // model_axis]),
    "mlp/hidden/bias": (["model"], [HIDDEN // model_axis]),
    "mlp/logits/kernel": (["model", None], [HIDDEN // model_axis, 10]),
    "mlp/logits/bias": ([None], [10]),
}
for path, (spec, shard) in expected.items():
    found = jax_result["mp_sharding"][path]
    assert found["spec"] == spec and all(s == shard for s in found["shards"]), (path, found)
assert all(not any(f["spec"]) for f in jax_result["dp_sharding"].values())
assert all(count == 4 for count in jax_result["dp_devices_per_weight"])
assert [s[0] for s in jax_result["dp_batch_shards"]] == [16, 16, 16, 16]
for key in ("dp_vs_one_device", "mp_vs_one_device", "dp_batch_norm_vs_one_device"):
    assert jax_result[key] < WEIGHT_TOLERANCE, key
short_split = {p: any(f["spec"]) for p, f in jax_result["short_sharding"].items()}
assert short_split == jax_result["short_lookup"]  # replicated exactly where no key matched
assert not any("layout" in w.lower() for w in jax_result["short_warnings"])
if KERAS_VERSION >= (3, 14):
    assert not any(short_split.values())  # matched nothing: every weight replicated
else:
    assert short_split["mlp/hidden/kernel"] and short_split["mlp/logits/kernel"]

# %% [markdown]
# ## 5. More than one machine
#
# With several machines, each runs one process (or one per GPU) of the *same* program. Before
# they can all-reduce anything, the processes must find each other and agree on who is who. A
# **cluster description** tells every process three things: where to meet, how many processes
# there are, and which one it is.
#
# * **TensorFlow** reads them from the environment variable `TF_CONFIG`, a JSON text that lists
#   every worker's address and names this process's own entry (see the table below). Each worker
#   starts a server at its own address and connects to the others;
#   `tf.distribute.MultiWorkerMirroredStrategy` reads `TF_CONFIG` when it is created. With
#   Keras 3, though, `model.fit` under that strategy stopped working: with Keras 3.15.1 on
#   TensorFlow 2.21, and with Keras 3.8 on TensorFlow 2.18, two local workers fail in `fit`
#   with `ValueError: Attempt to convert a value (PerReplica:{...}) with an unsupported type`,
#   raised where Keras builds the model from a first batch
#   (`_maybe_symbolic_build` in `keras/src/backend/tensorflow/trainer.py`); the question is open
#   as keras-team/keras#20585. So this section does not run it.
# * **JAX** is told by `jax.distributed.initialize(coordinator_address, num_processes,
#   process_id)`. Process 0 runs a small coordination service at the coordinator's address;
#   the others connect to it, and from then on `jax.devices()` lists the devices of *every*
#   process and `jax.local_devices()` this process's own. Keras wraps the same call as
#   `keras.distribution.initialize(job_addresses, num_processes, process_id)` (or reads the
#   environment variables `KERAS_DISTRIBUTION_JOB_ADDRESSES`, `KERAS_DISTRIBUTION_NUM_PROCESSES`
#   and `KERAS_DISTRIBUTION_PROCESS_ID`); on Cloud TPUs and under SLURM, JAX finds all three by
#   itself.
#
# For two machines, `machine-a` and `machine-b`, with process 0 on `machine-a`:
#
# | | on machine-a | on machine-b |
# |---|---|---|
# | TensorFlow: `TF_CONFIG` | `{"cluster": {"worker": ["machine-a:12345", "machine-b:12345"]}, "task": {"type": "worker", "index": 0}}` | the same, with `"index": 1` |
# | JAX | `jax.distributed.initialize("machine-a:12345", num_processes=2, process_id=0)` | the same, with `process_id=1` |
#
# In both, every process runs its own input pipeline and feeds only its own part of each global
# batch; both libraries can cut a `tf.data` pipeline between the processes for you (TensorFlow's
# auto-sharding under `MultiWorkerMirroredStrategy`; the `auto_shard_dataset` argument of
# `keras.distribution.DataParallel`), and a pipeline of your own must do it itself.

# %% [markdown]
# What does run here: two processes on this machine, each with one CPU device, that find each
# other through a coordinator on a free port of `127.0.0.1` (no network is needed), and do
# section 1's step between processes. Each computes the gradient of a small model's mean loss
# (a softmax regression, written in plain JAX) on its own half of a batch of 64 images, the two
# gradients are averaged by an all-reduce across the processes, and each process checks the
# result against the whole batch's gradient. On CPUs, JAX runs computations that span processes
# through the Gloo library; JAX 0.4.38 (the oldest version this course supports) must be told
# so, JAX 0.10 uses it by default, and the script says so on every version.

# %%
WORKER_SCRIPT = WORKDIR / "worker.py"

# %% [markdown]
# The worker script, in two cells to run in order. First, joining the cluster: this is where
# the cluster description is used.

# %%
# %%writefile "{WORKER_SCRIPT}"
"""Lesson 16, section 5: one of the processes of a data-parallel step.
Usage: python worker.py PROCESS_ID NUM_PROCESSES COORDINATOR_HOST:PORT DATA.npz RESULT.json SEED"""
import hashlib
import json
import os
import sys
import time

os.environ["JAX_PLATFORMS"] = "cpu"  # one CPU device per process, even on a machine with a GPU
import jax
import jax.numpy as jnp
import numpy as np

process_id, num_processes, coordinator = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
start = time.perf_counter()
jax.config.update("jax_cpu_collectives_implementation", "gloo")  # (see the text above)
jax.distributed.initialize(
    coordinator_address=coordinator,  # process 0 serves here, the others connect to it
    num_processes=num_processes,
    process_id=process_id,
    initialization_timeout=60,  # seconds to wait for the others before failing
)
connected = time.perf_counter() - start

data = np.load(sys.argv[4])
x = (data["x"][:64].reshape(64, -1) / 255.0).astype("float32")
y = data["y"][:64].astype("int32")
mine = slice(process_id * 64 // num_processes, (process_id + 1) * 64 // num_processes)
rng = np.random.default_rng(int(sys.argv[6]))  # the lesson's seed: the same weights everywhere
params = {"w": rng.normal(0, 0.01, (784, 10)).astype("float32"), "b": np.zeros(10, "float32")}

# %% [markdown]
# Then the step: each process's gradient on its own half, the all-reduce between the
# processes, and what each process reports.


# %%
# %%writefile -a "{WORKER_SCRIPT}"
def loss(params, x, y):
    """Softmax regression: the mean cross-entropy over the rows of x."""
    logits = x @ params["w"] + params["b"]
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


grad_fn = jax.jit(jax.grad(loss))
local_grad = grad_fn(params, x[mine], y[mine])  # this process's half of the batch

# The all-reduce: a global array with one row per process (each process holds its own row),
# and its mean over that axis, which XLA computes by communication between the processes.
mesh = jax.sharding.Mesh(np.array(jax.devices()), ("processes",))
one_row_each = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("processes"))
everywhere = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
mean_over_processes = jax.jit(lambda a: a.mean(axis=0), out_shardings=everywhere)


def all_reduce_mean(local):
    rows = jax.make_array_from_process_local_data(one_row_each, np.asarray(local)[None])
    return np.asarray(mean_over_processes(rows).addressable_data(0))


mean_grad = {name: all_reduce_mean(g) for name, g in local_grad.items()}
whole_grad = grad_fn(params, x, y)  # for the check: the whole batch, here in one process
new_params = {name: params[name] - 0.1 * mean_grad[name] for name in params}
result = {
    "process_index": jax.process_index(),
    "process_count": jax.process_count(),
    "local_devices": [str(d) for d in jax.local_devices()],
    "global_devices": [str(d) for d in jax.devices()],
    "rows": [mine.start, mine.stop],
    "gap": max(
        float(np.max(np.abs(mean_grad[k] - whole_grad[k])) / np.max(np.abs(whole_grad[k])))
        for k in params
    ),
    "local_gap": max(
        float(np.max(np.abs(local_grad[k] - whole_grad[k])) / np.max(np.abs(whole_grad[k])))
        for k in params
    ),
    "weights_sha256": hashlib.sha256(
        b"".join(new_params[k].tobytes() for k in sorted(params))
    ).hexdigest(),
    "seconds_to_connect": connected,
}
print(
    f"process {result['process_index']} of {result['process_count']}: rows {result['rows']}, "
    f"local devices {result['local_devices']}, all devices {result['global_devices']}; "
    f"connected in {connected:.1f} s; gap from the whole batch's gradient, all-reduced: "
    f"{result['gap']:.1e}, its own half alone: {result['local_gap']:.1e}"
)
with open(sys.argv[5], "w") as file:
    json.dump(result, file)
jax.distributed.shutdown()

# %%
WORKERS, WORKER_TIMEOUT = 2, 180  # processes; seconds for all of them together


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing uses now (the system picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


coordinator = f"127.0.0.1:{free_port()}"
outputs = [WORKDIR / f"worker{i}.json" for i in range(WORKERS)]
logs = [(WORKDIR / f"worker{i}.out", WORKDIR / f"worker{i}.err") for i in range(WORKERS)]
for path in outputs:
    path.unlink(missing_ok=True)
start = time.perf_counter()
workers = []
for i, (out, (stdout_path, stderr_path)) in enumerate(zip(outputs, logs, strict=True)):
    # each worker writes what it prints to files of its own: no pipe can fill up and block it
    with open(stdout_path, "w") as stdout, open(stderr_path, "w") as stderr:
        command = [sys.executable, str(WORKER_SCRIPT), str(i), str(WORKERS), coordinator]
        command += [str(DATA), str(out), str(SEED)]
        workers.append(subprocess.Popen(command, env=os.environ, stdout=stdout, stderr=stderr))
try:
    for worker in workers:
        remaining = WORKER_TIMEOUT - (time.perf_counter() - start)
        worker.wait(timeout=max(remaining, 1))
except subprocess.TimeoutExpired:
    for worker in workers:
        worker.kill()
        worker.wait()
    raise RuntimeError(
        f"The {WORKERS} worker processes did not finish within {WORKER_TIMEOUT} s and were "
        f"stopped: they may not have reached the coordinator at {coordinator} (a firewall that "
        "blocks local connections, or a port taken in the meantime). Run again to retry; what "
        f"they printed is in {WORKDIR}, worker*.out and worker*.err."
    ) from None
for worker, (stdout_path, stderr_path) in zip(workers, logs, strict=True):
    printed = stdout_path.read_text()
    print("\n".join(line for line in printed.splitlines() if not line.startswith("[Gloo]")))
    if worker.returncode != 0:
        raise RuntimeError(
            f"A worker failed (exit code {worker.returncode}):\n{stderr_path.read_text()[-4000:]}"
        )
print(f"[{WORKERS} processes, coordinator at {coordinator}: {time.perf_counter() - start:.1f} s]")
worker_results = [read_result(path) for path in outputs]

# %%
# Check: each process knew the cluster (2 processes, 1 device of its own, 2 in all, its own
# id), the all-reduced gradient is the whole batch's gradient (same tolerance as section 1)
# while each half alone is not, and both processes end with bit-identical weights
assert sorted(r["process_index"] for r in worker_results) == list(range(WORKERS))
for r in worker_results:
    assert r["process_count"] == WORKERS
    assert len(r["local_devices"]) == 1 and len(r["global_devices"]) == WORKERS
    assert r["gap"] < GRADIENT_TOLERANCE and r["local_gap"] > 100 * GRADIENT_TOLERANCE
assert len({r["weights_sha256"] for r in worker_results}) == 1

# %% [markdown]
# ## 6. Speed: what was measured, and what to expect
#
# **Measured here.** Two logical devices cut from one CPU share its cores, which a single
# device's step can already use: splitting a step between them brings no new hardware, and adds
# the work of cutting the batch, all-reducing the gradients and keeping two copies in step. The
# script of section 3 timed training steps of the lesson's network with a global batch of 256
# in three set-ups: one device without a strategy, `MirroredStrategy` with one replica, and with
# two. Each `fit` call also costs a fixed set-up time, whatever its number of steps, so a step's
# time is measured inside the calls, between the ends of consecutive steps (median over a
# call), and the set-up is what remains of the call; both are printed.
#
# The middle set-up separates two costs that the paragraph above only names. `MirroredStrategy`
# with one replica has no second copy and nothing to all-reduce between devices, so its gap to
# one device is the price of the strategy's own machinery; the gap between one and two replicas
# is what the second replica adds (cutting the batch, the all-reduce, the second copy's work on
# the same cores). This timing does not split that second gap further.

# %%
step_table = pd.DataFrame(
    {
        name: {
            "median ms per step": np.median(ms),
            "lowest": min(ms),
            "highest": max(ms),
            "set-up per fit call, ms": np.median(tf_result["set_up_ms"][name]),
            "rounds": len(ms),
        }
        for name, ms in tf_result["per_step_ms"].items()
    }
).T
ratio = np.array(tf_result["ratio_two_to_one_device"])
print(
    f"two replicas / one device, time per step: median {np.median(ratio):.2f} "
    f"(rounds: {ratio.min():.2f} to {ratio.max():.2f}); measured on this machine's CPU "
    f"({os.cpu_count()} cores), with whatever else ran on it"
)
fig, ax = plt.subplots(figsize=(6, 3.5))
names = list(tf_result["per_step_ms"])
medians = step_table["median ms per step"].to_numpy(dtype=float)
spread = [
    medians - step_table["lowest"].to_numpy(float),
    step_table["highest"].to_numpy(float) - medians,
]
ax.bar(names, medians, yerr=spread, capsize=6, color=["C0", "C1", "C2"])
ax.set(
    ylabel="ms per training step (batch 256)",
    title="Time per training step on this CPU (median, range over rounds)",
)
ax.grid(axis="y", alpha=0.3)
plt.show()
step_table.round(2)

# %% [markdown]
# **What to expect on real devices: a scaling model.** With a fixed global batch, $N$ replicas
# each do $1/N$ of the arithmetic, and then all-reduce the gradients. A step takes about
#
# $$T(N) \;=\; \frac{T_\text{compute}}{N} \;+\; \underbrace{2\,\frac{N-1}{N}\,
#   \frac{S}{\beta} \;+\; 2(N-1)\,\alpha}_{\text{ring all-reduce, } 0 \text{ for } N = 1},$$
#
# where $S$ is the size of the gradients in bytes (4 per weight in float32), $\beta$ the
# bandwidth between the devices and $\alpha$ the latency of one of the ring's $2(N-1)$
# messages. The speed-up is $T(1)/T(N)$ and the **efficiency** $T(1) / (N\,T(N))$, the share of
# the ideal $N$-fold speed-up. The model is pessimistic in one way: some frameworks (PyTorch's
# `DistributedDataParallel`, Horovod) start all-reducing the last layers' gradients while the
# backward pass still computes the first layers' (overlap). It is optimistic in others: no
# input pipeline, no slow replica that the others wait for, the compute split perfectly.
#
# Below it predicts two workloads with a global batch of 256: this lesson's network and
# ResNet-50 (its weights and multiply-adds counted by the script of section 3), on 1 to 64
# GPUs with two interconnects. $T_\text{compute}$ is the training arithmetic (2 FLOPs per
# multiply-add; for ResNet-50 about 3 forward passes per training step, for the MLP lesson 07's
# exact count `training_macs`, about 2 forward passes, since its first layer, which holds almost
# all of its weights, needs no gradient for the pixels) divided by an **assumed** sustained
# 50 TFLOP/s per GPU; $\alpha$ is an **assumed** 5 µs. These are the model's inputs, not
# measurements: change them and run the cell again. For a network as small as this lesson's
# the compute term is too short to be real (0.10 GFLOP at 50 TFLOP/s is about 2 µs): the model
# leaves out the fixed cost of launching each operation on a GPU, which does not shrink with
# $N$. Its times for the MLP are therefore too short, and its efficiencies too low; what stands,
# under these assumptions, is that two or more GPUs would not make the MLP's step faster.

# %%
GPU_FLOPS = 50e12  # assumed sustained FLOP/s of one GPU on these steps
LATENCY = 5e-6  # assumed seconds per message of the ring
LINKS = {"PCIe 4.0 x16, 25 GB/s": 25e9, "NVLink class, 250 GB/s": 250e9}  # assumed bandwidths
GLOBAL_BATCH = 256


def allreduce_seconds(n_bytes: float, replicas: int, bandwidth: float, latency: float) -> float:
    """Ring all-reduce: 2(N-1)/N of the data in and out of each device, in 2(N-1) messages."""
    if replicas == 1:
        return 0.0
    return 2 * (replicas - 1) / replicas * n_bytes / bandwidth + 2 * (replicas - 1) * latency


def step_seconds(flops: float, n_bytes: float, replicas: int, bandwidth: float) -> float:
    """The scaling model: the compute split N ways, plus the gradients' all-reduce."""
    return flops / GPU_FLOPS / replicas + allreduce_seconds(n_bytes, replicas, bandwidth, LATENCY)


workloads = {  # name: (FLOPs of one training step, bytes of the gradients)
    "this lesson's MLP": (
        2 * training_macs(model) * GLOBAL_BATCH,
        4 * model.count_params(),
    ),
    "ResNet-50, 224 x 224": (
        2 * 3 * tf_result["resnet50_macs"] * GLOBAL_BATCH,
        4 * tf_result["resnet50_params"],
    ),
}
GPUS = [1, 2, 4, 8, 16, 32, 64]
rows = []
for workload, (flops, n_bytes) in workloads.items():
    for link, bandwidth in LINKS.items():
        one = step_seconds(flops, n_bytes, 1, bandwidth)
        for n in GPUS:
            t = step_seconds(flops, n_bytes, n, bandwidth)
            rows.append(
                {
                    "workload": workload,
                    "interconnect": link,
                    "GPUs": n,
                    "ms per step": 1e3 * t,
                    "speed-up": one / t,
                    "efficiency": one / (n * t),
                }
            )
model_table = pd.DataFrame(rows)
for workload, (flops, n_bytes) in workloads.items():
    print(
        f"{workload}: {flops / 1e9:,.2f} GFLOP per step, {n_bytes / 1e6:,.1f} MB of gradients,"
        f" {flops / n_bytes:,.0f} FLOP per byte all-reduced"
    )
print("PREDICTED by the scaling model (not measured); efficiency:")
model_table[model_table["GPUs"].isin([2, 4, 8])].pivot_table(
    index=["workload", "interconnect"], columns="GPUs", values="efficiency"
).round(3)

# %%
fig, ax = plt.subplots(figsize=(10, 4))
for (workload, link), group in model_table.groupby(["workload", "interconnect"], sort=False):
    style = "-" if "ResNet" in workload else "--"
    ax.plot(group["GPUs"], group["efficiency"], style, marker="o", label=f"{workload}, {link}")
measured_speedup = 1 / np.median(ratio)
ax.plot([2], [measured_speedup / 2], "k*", ms=12, label="measured here: 2 logical CPU devices")
print(
    f"measured here, 2 logical CPU devices: speed-up {measured_speedup:.2f} "
    f"(rounds: {1 / ratio.max():.2f} to {1 / ratio.min():.2f}), efficiency {measured_speedup / 2:.2f}"
)
ax.set_xscale("log", base=2)
ax.set(
    xticks=GPUS,
    xticklabels=GPUS,
    ylim=(0, 1.05),
    xlabel="GPUs (global batch 256)",
    ylabel="efficiency = speed-up / GPUs",
    title="Scaling model (predicted, assumptions in the text) and one measurement",
)
ax.legend(fontsize=8, bbox_to_anchor=(1.02, 1), loc="upper left")
ax.grid(alpha=0.3)
fig.tight_layout()  # makes room for the legend beside the axes
plt.show()

# %%
# Check: the model behaves as its formula says: efficiency 1 on one GPU, falling with more
# GPUs, higher with the faster link and for the network with more arithmetic per weight
for (workload, link), group in model_table.groupby(["workload", "interconnect"]):
    efficiency = group.sort_values("GPUs")["efficiency"].to_numpy()
    assert np.isclose(efficiency[0], 1) and np.all(np.diff(efficiency) < 0), (workload, link)
at_8 = model_table[model_table["GPUs"] == 8].set_index(["workload", "interconnect"])["efficiency"]
for workload in workloads:
    assert at_8[(workload, "NVLink class, 250 GB/s")] > at_8[(workload, "PCIe 4.0 x16, 25 GB/s")]
for link in LINKS:
    assert at_8[("ResNet-50, 224 x 224", link)] > at_8[("this lesson's MLP", link)]

# %% [markdown]
# Two lessons from the model. The work per byte decides: a dense layer does one multiply-add
# per weight and example, so this lesson's network has little arithmetic to set against a
# gradient all-reduce, while a convolution reuses each weight at every position of the image,
# which gives ResNet-50 far more arithmetic per byte of gradient (the FLOP per byte printed
# above). The MLP's row does not even need the bytes: its compute (about 2 µs per step) is
# below the ring's latency alone, $2(N-1)\alpha$ = 10 µs on 2 GPUs, so its efficiency stays
# low on the faster link too. And the link decides: the same model on the same GPUs keeps a
# larger share of its ideal speed-up with the faster interconnect. The one point measured here
# (the star) is two halves of one CPU, and says nothing about GPUs: a speed-up can only be
# claimed for devices that were measured.

# %%
helpers.record(
    "16",
    gradient_mean_of_shards_gap=gaps["mean of both"].max(),
    tf_step_size=tf_result["step_size"],
    tf_two_replicas_same_global_batch=tf_result["same_global_batch"],
    tf_two_replicas_kept_batch_vs_batch_64=tf_result["kept_per_replica_vs_64"],
    tf_two_replicas_kept_batch_vs_batch_128=tf_result["kept_per_replica_vs_128"],
    tf_batch_norm_per_replica=tf_result["batch_norm_synchronized_False"],
    tf_batch_norm_synchronized=tf_result["batch_norm_synchronized_True"],
    jax_data_parallel=jax_result["dp_vs_one_device"],
    jax_model_parallel=jax_result["mp_vs_one_device"],
    jax_data_parallel_batch_norm=jax_result["dp_batch_norm_vs_one_device"],
    jax_short_keys_split=sum(short_split.values()),
    tf_uneven_last_batch=tf_result["uneven_last_batch"],
    tf_uneven_last_batch_predicted=tf_result["uneven_predicted"],
    two_processes_gradient_gap=max(r["gap"] for r in worker_results),
    step_ms_one_device=np.median(tf_result["per_step_ms"]["one device"]),
    step_ms_two_replicas=np.median(tf_result["per_step_ms"]["2 replicas"]),
    ratio_two_replicas_median=np.median(ratio),
    ratio_two_replicas_low=ratio.min(),
    ratio_two_replicas_high=ratio.max(),
    **dict(
        zip(
            ["val_accuracy_batch_32", "val_accuracy_batch_256", "val_accuracy_batch_256_rate_x8"],
            [c[-1] for c in curves.values()],
            strict=True,
        )
    ),
    predicted_efficiency_resnet50_8_pcie=at_8[("ResNet-50, 224 x 224", "PCIe 4.0 x16, 25 GB/s")],
    predicted_efficiency_resnet50_8_nvlink=at_8[("ResNet-50, 224 x 224", "NVLink class, 250 GB/s")],
    predicted_efficiency_mlp_8_pcie=at_8[("this lesson's MLP", "PCIe 4.0 x16, 25 GB/s")],
)

# %% [markdown]
# > **Common mistakes**
# >
# > * Passing the per-replica batch to `fit`: under `MirroredStrategy` and `keras.distribution`,
# >   `batch_size` is the global batch, cut between the replicas.
# > * Adding replicas without touching the learning rate: with each replica keeping its batch,
# >   the global batch grows and an epoch has fewer updates. Scale the rate (linear scaling,
# >   with a warm-up) and check on validation data; it is a rule of thumb, not a law.
# > * Summing the replicas' gradients of *mean* losses in a hand-written loop (a step $N$ times
# >   too large; Keras's `fit` divides by $N$ for you), or averaging the gradients of unequal
# >   shards as if they were equal, which `fit` under `MirroredStrategy` does for an uneven
# >   last batch: make the data a multiple of the global batch, or drop the remainder.
# > * Expecting batch normalisation under `MirroredStrategy` to use the global batch: each
# >   replica normalises with its own shard's statistics unless `synchronized=True`.
# > * Cutting devices after the runtime started: TensorFlow raises a `RuntimeError`; JAX ignores
# >   a late `XLA_FLAGS` without a word. Do it first thing, in a fresh process.
# > * Using `keras.distribution` on the TensorFlow backend: depending on the Keras version it
# >   fails to start or is silently ignored; it works on JAX.
# > * A `LayoutMap` key that does not match the variable's whole path: the weight stays
# >   replicated, with no warning. Print the paths, and assert the sharding you asked for.
# > * Promising a speed-up from logical devices that share one CPU, or from one timing: time
# >   steps (not calls), interleave and repeat the set-ups, give the spread, and say which
# >   device was measured. For real hardware, predict with a scaling model and then measure.

# %% [markdown]
# ## Exercises
#
# **Exercise 1: unequal shards.** Section 3 showed that `fit` under `MirroredStrategy` averages
# the replicas' gradients without weights, which is wrong when the last batch of an epoch is
# cut unevenly. Write `combine_gradients(gradients, sizes)` that does it right: `gradients`
# holds one array per replica, the gradient of that replica's *mean* loss over its own shard;
# `sizes` holds how many examples each shard had. Return the gradient of the mean loss over
# the whole batch.


# %%
def combine_gradients(gradients, sizes):
    """The whole batch's gradient from the replicas' gradients of their shards' mean losses."""
    raise NotImplementedError  # your code here


exercises.check_combine_gradients(combine_gradients)

# %% [markdown]
# **Exercise 2: moving a recipe to 8 GPUs.** A recipe trains on one GPU with `batch_size=64`
# and plain SGD at a learning rate of 0.05. You move it to a machine with 8 GPUs under
# `MirroredStrategy` and keep 64 examples per GPU. Which `batch_size` do you pass to
# `model.fit`, and which learning rate does the linear scaling rule of section 2 give?

# %%
answer_batch_size = ...  # a whole number
answer_learning_rate = ...  # a number
exercises.check_scaled_recipe(
    answer_batch_size,
    answer_learning_rate,
    replicas=8,
    per_replica_batch=64,
    base_batch=64,
    base_learning_rate=0.05,
)

# %% [markdown]
# **Exercise 3: a `LayoutMap` key for every Keras version.** Write *one* `LayoutMap` key (a
# regular expression) that selects both weights of the lesson's hidden layer, its kernel
# `mlp/hidden/kernel` and its bias `mlp/hidden/bias`, and no weight of the output layer, both
# under the rule of Keras 3.8 to 3.13 (the key may match anywhere in the path) and under the
# rule of Keras 3.14 and later (the key must match the whole path).

# %%
answer_key = ...  # a string
exercises.check_layout_key(
    answer_key, [v.path for v in model.weights], ["mlp/hidden/kernel", "mlp/hidden/bias"]
)

# %% [markdown]
# **Exercise 4: what raises the efficiency?** In the scaling model of section 6, with the
# global batch fixed, which of these changes raise the *efficiency* $T(1)/(N\,T(N))$? Answer
# with a set of letters, e.g. `{"a", "b"}`.
#
# * (a) a faster interconnect (more GB/s between the GPUs);
# * (b) more GPUs;
# * (c) a larger global batch, on the same GPUs;
# * (d) a network that does more arithmetic per weight, with the same number of weights (for
#   example convolutions instead of dense layers);
# * (e) all-reducing the gradients as 16-bit numbers instead of 32-bit ones;
# * (f) faster GPUs (more FLOP/s), with the same interconnect.

# %%
answer_levers = ...  # a set of letters
HINT_4 = (
    "Efficiency is the share of a step spent computing: compute / N divided by (compute / N +"
    " all-reduce time). For each change, ask which of the two terms it changes, and in which"
    " direction."
)
checks.check_digest(answer_levers, "6fa111a20ad81293", exercise="16.4", hint=HINT_4)

# %% [markdown]
# ## Solutions


# %%
# Exercise 1: each shard's mean loss times its size is its share of the batch's sum of losses,
# so the batch's mean is the mean of the shards' means weighted by their sizes
def combine_gradients(gradients, sizes):
    """The whole batch's gradient from the replicas' gradients of their shards' mean losses."""
    sizes = np.asarray(sizes, dtype=float)
    return sum(n * np.asarray(g) for n, g in zip(sizes, gradients, strict=True)) / sizes.sum()


assert exercises.check_combine_gradients(combine_gradients)

# %%
# Exercise 2: fit takes the global batch, 8 x 64 = 512, which is 512 / 64 = 8 times the
# recipe's batch, so the rule multiplies the rate by 8: 8 x 0.05 = 0.4
answer_batch_size = 8 * 64
answer_learning_rate = 0.05 * answer_batch_size / 64
assert exercises.check_scaled_recipe(
    answer_batch_size,
    answer_learning_rate,
    replicas=8,
    per_replica_batch=64,
    base_batch=64,
    base_learning_rate=0.05,
)

# %%
# Exercise 3: spell the path from its first character to its last, the layer's name included
# (so that no other layer's weight matches); ".*" stands for the weight's name
answer_key = "mlp/hidden/.*"
assert exercises.check_layout_key(
    answer_key, [v.path for v in model.weights], ["mlp/hidden/kernel", "mlp/hidden/bias"]
)
# ... and the installed Keras's own LayoutMap selects exactly those two
key_map = keras.distribution.LayoutMap(None)
key_map[answer_key] = (None, "model")
assert [v.path for v in model.weights if key_map[v.path] is not None] == [
    "mlp/hidden/kernel",
    "mlp/hidden/bias",
]

# %%
# Exercise 4: efficiency = (compute / N) / (compute / N + all-reduce). (a) and (e) shrink the
# all-reduce; (c) and (d) grow the compute for the same bytes. (b) shrinks compute / N and grows
# the all-reduce's 2(N-1)/N. (f) makes each step faster but shrinks only the compute, so the
# all-reduce takes a larger share: faster, yet less efficient.
answer_levers = {"a", "c", "d", "e"}
assert checks.check_digest(answer_levers, "6fa111a20ad81293", exercise="16.4", hint=HINT_4)
