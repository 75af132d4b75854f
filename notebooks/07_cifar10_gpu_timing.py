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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/07_cifar10_gpu_timing.ipynb)
# # 07 · CIFAR-10, and how fast is fast: timing training on a CPU and a GPU
#
# **Goals.** After this lesson you can
#
# * train a dense network on CIFAR-10 with a validation split, test it once, and say
#   honestly what a dense network can and cannot do on photographs;
# * count the arithmetic of a dense network by hand (multiply-adds per sample, forward and
#   training) and check the count against the model's own layers;
# * time a computation so that the number means something: warm-up excluded, results
#   waited for, several repeats, median with its range, samples per second;
# * measure the practical peak of your processor with a large matrix product and say what
#   share of it a training step reaches, and how that share depends on the batch size;
# * compare a CPU and a GPU fairly when you have one, and know what you cannot conclude
#   when you do not.
#
# A widely copied tutorial times one epoch on a CPU and one on a GPU, once each, with the
# model built inside the timed cell and the first (graph-tracing) epoch included, and
# divides the two numbers. That is one anecdote per device, not a measurement. Here we
# measure, on *your* machine: every speed this notebook prints was measured here, when you
# ran it. The only other numbers are vendors' data-sheet peaks, labelled as such.
#
# **Data.** CIFAR-10 (Krizhevsky, 2009): 60 000 colour photographs of 32 × 32 pixels in ten
# classes (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck), 50 000 for
# training and 10 000 for testing; a 163 MB download, checked against its SHA-256.

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
import os
import statistics
import time
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.model_selection import train_test_split

from helpers import checks, flops, timing
from helpers.datasets import CIFAR10_CLASSES, StandInWarning, load_cifar10
from helpers.plots import plot_history, show_images

# %% [markdown]
# ## 1. Which devices does this machine have?
#
# TensorFlow names its devices `/CPU:0` (all CPU cores together) and `/GPU:0`, `/GPU:1`, …
# Everything below is measured on each device it finds.

# %%
GPUS = timing.gpu_details()
DEVICES = {"CPU": "/CPU:0"}
print(f"CPU: {os.cpu_count()} logical cores")
for gpu in GPUS:
    print(f"GPU: {gpu['name']} (compute capability {gpu['compute_capability']})")
if GPUS:
    DEVICES["GPU"] = GPUS[0]["device"]
else:
    print(
        "No GPU found: this run measures the CPU only and cannot say how much faster a GPU\n"
        "would be. To measure one for free, open this notebook in Colab and choose\n"
        "Runtime → Change runtime type → a GPU, then run it again from the top."
    )

# %% [markdown]
# ## 2. The data
#
# `load_cifar10` returns `uint8` images of shape $(N, 32, 32, 3)$ and integer labels
# $0 \dots 9$. If the data set cannot be downloaded, QUICK mode (used by the course's tests)
# falls back to a generated stand-in of the same shapes and says so loudly; full mode then
# stops with a message that says what to download.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", StandInWarning)
    (x_train_raw, y_train), (x_test_raw, y_test) = load_cifar10()
STAND_IN = any(issubclass(w.category, StandInWarning) for w in caught)
print("training images:", x_train_raw.shape, x_train_raw.dtype, "| test images:", x_test_raw.shape)
print("data:", "GENERATED STAND-IN (not CIFAR-10)" if STAND_IN else "CIFAR-10")

# %%
show_images(
    x_train_raw[:16], titles=[CIFAR10_CLASSES[label] for label in y_train[:16]], ncols=8
)
plt.show()

# %% [markdown]
# We hold out a stratified 10 % of the *training* images for validation; the test images
# wait until the very end. Then we standardise each colour channel,
# $x \mapsto (x - \mu_c) / \sigma_c$, with the mean $\mu_c$ and standard deviation
# $\sigma_c$ of the images we fit on. Centred inputs of unit scale suit the initial
# weights of a wide dense layer far better than raw values around 128. The validation and
# test images are transformed with the *same* two numbers per channel, never their own.

# %%
x_fit_raw, x_val_raw, y_fit, y_val = train_test_split(
    x_train_raw, y_train, test_size=0.1, stratify=y_train, random_state=helpers.seed()
)
channel_mean = x_fit_raw.mean(axis=(0, 1, 2))
channel_std = x_fit_raw.std(axis=(0, 1, 2))


def standardise(images: np.ndarray) -> np.ndarray:
    """Per-channel standardisation with the statistics of the fitting images, as float32."""
    mean, std = channel_mean.astype("float32"), channel_std.astype("float32")
    return (images.astype("float32") - mean) / std


x_fit, x_val, x_test = standardise(x_fit_raw), standardise(x_val_raw), standardise(x_test_raw)
print(f"{len(x_fit)} images to fit on, {len(x_val)} for validation, {len(x_test)} for the test")
print("channel means (R, G, B) of the fitting images:", channel_mean.round(1))

# %%
# Check: split without overlap, every class present, fitting images standardised
assert len(x_fit) + len(x_val) == len(x_train_raw)
assert set(np.unique(y_fit)) == set(range(10))
assert x_fit.dtype == np.float32
assert np.allclose(x_fit.mean(axis=(0, 1, 2), dtype=np.float64), 0, atol=1e-3)
assert np.allclose(x_fit.std(axis=(0, 1, 2), dtype=np.float64), 1, atol=1e-3)

# %% [markdown]
# ## 3. A dense network, and the arithmetic it costs
#
# `Flatten` turns each image into a vector of $32 \cdot 32 \cdot 3 = 3072$ numbers. Two wide
# ReLU layers of 1024 and 512 units follow, then 10 logits (softmax is left to the loss,
# `from_logits=True`, as in lesson 06). We compile with `jit_compile=False`, so that every
# device runs the same TensorFlow graph (XLA compilation is a separate topic).

# %%
LAYERS = (3072, 1024, 512, 10)


def build_model() -> keras.Model:
    """3072 pixels → 1024 ReLU → 512 ReLU → 10 logits, compiled with Adam."""
    model = keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3)),
            keras.layers.Flatten(),
            keras.layers.Dense(LAYERS[1], activation="relu"),
            keras.layers.Dense(LAYERS[2], activation="relu"),
            keras.layers.Dense(LAYERS[3]),  # logits
        ],
        name="cifar_dense",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=3e-4),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        jit_compile=False,
    )
    return model


model = build_model()
model.summary()

# %% [markdown]
# **Counting by hand.** A dense layer with $n_{\text{in}}$ inputs and $n_{\text{out}}$ units
# computes $z = W^\top a + b$: one multiply-add (MAC: a multiplication and an addition,
# 2 FLOPs) per weight. For one image the forward pass costs
#
# $$F = n_0 n_1 + n_1 n_2 + n_2 n_3
#     = 3072 \cdot 1024 + 1024 \cdot 512 + 512 \cdot 10 = 3\,675\,136 \text{ MACs}
#     \approx 7.35 \text{ MFLOP}.$$
#
# **Training costs about three forward passes.** For a batch of $B$ images a layer computes
# $Z = A W$ ($A$ is $B \times n_{\text{in}}$). Backpropagation then needs two more products
# of the same size: $\partial L / \partial W = A^\top \, \partial L / \partial Z$ (the weight
# gradient) and $\partial L / \partial A = \partial L / \partial Z \, W^\top$ (the gradient
# handed to the layer below). The first layer has nothing trainable below it: nobody needs
# the gradient with respect to the pixels, so TensorFlow does not compute it (a check
# below counts the products in TensorFlow's own gradient graph). Hence
#
# $$T = 3F - n_0 n_1 = 11\,025\,408 - 3\,145\,728 = 7\,879\,680 \text{ MACs}
#     \approx 15.8 \text{ MFLOP per image},$$
#
# only $2.14\,F$ here, because the first layer holds most of the weights. Bias additions,
# ReLUs, the loss and Adam's update cost a few operations per unit or per weight and
# *step*, not per weight and *image*; they are left out (the cell below sizes them).

# %%
FORWARD_BY_HAND = 3072 * 1024 + 1024 * 512 + 512 * 10
TRAINING_BY_HAND = 3 * FORWARD_BY_HAND - 3072 * 1024
flops.dense_table(model)

# %%
# Check: the helper, reading the model's layers, agrees with the hand count
assert flops.forward_macs(model) == FORWARD_BY_HAND
assert flops.training_macs(model) == TRAINING_BY_HAND
TRAIN_FLOPS_PER_SAMPLE = flops.FLOPS_PER_MAC * flops.training_macs(model)
print(f"training: {TRAIN_FLOPS_PER_SAMPLE / 1e6:.2f} MFLOP per image")

# %%
# Check: TensorFlow's own gradient graph holds exactly these products. We trace (without
# running) the gradient of the loss and count its matrix products: one per layer forward,
# two per layer backward, minus the first layer's input gradient that nothing needs.
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@tf.function(autograph=False)
def gradients(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    return tape.gradient(loss, model.trainable_variables)


graph = gradients.get_concrete_function(
    tf.TensorSpec((None, 32, 32, 3)), tf.TensorSpec((None,), tf.int32)
).graph
products = [op.name for op in graph.get_operations() if op.type == "MatMul"]
print(f"{len(products)} matrix products in the graph:", *products, sep="\n  ")
assert len(products) == 3 * 3 - 1

# %%
# What the count leaves out: Adam does roughly 10 operations per weight per step, shared by
# the B images of the batch. Small per image, and smaller the larger the batch.
for batch in (32, 256, 2048):
    extra = 10 * model.count_params() / batch
    print(
        f"batch {batch:>4}: Adam ≈ {extra / 1e6:.3f} MFLOP per image, "
        f"{extra / TRAIN_FLOPS_PER_SAMPLE:.1%} of the matrix products"
    )


# %% [markdown]
# ## 4. Training, with a validation split, tested once
#
# Early stopping watches the validation accuracy and restores the best epoch's weights. A
# small callback records the wall time of every epoch: the first one also traces the
# training graph, so it is not what an epoch costs (compare it with the others below).

# %%
class EpochClock(keras.callbacks.Callback):
    """Wall-clock seconds of every epoch (its validation pass included)."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


EPOCHS = 6 if QUICK else 20
BATCH = 128
clock = EpochClock()
stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=5, restore_best_weights=True)
history = model.fit(
    x_fit,
    y_fit,
    validation_data=(x_val, y_val),
    epochs=EPOCHS,
    batch_size=BATCH,
    callbacks=[stop, clock],
    verbose=0,
)
later = clock.seconds[1:]
print(f"trained {len(clock.seconds)} epochs; best validation accuracy at epoch {stop.best_epoch + 1}")
print(f"first epoch {clock.seconds[0]:.1f} s (includes tracing the graph)")
print(
    f"later epochs: median {statistics.median(later):.1f} s "
    f"(min {min(later):.1f}, max {max(later):.1f}) over {len(later)} epochs"
)

# %%
plot_history(history, metrics=("loss", "accuracy"), title="Dense network on CIFAR-10")
plt.show()

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy {test_accuracy:.3f} (ten classes: guessing gives 0.100)")
if STAND_IN:
    print("!! These images are a generated stand-in: this accuracy says nothing about CIFAR-10.")

# %%
# Check: clearly better than guessing
assert test_accuracy > 0.2

# %% [markdown]
# Whatever the accuracy above, a dense network is the wrong tool for photographs: it sees
# 3072 unrelated numbers, so a cat moved by two pixels is a new problem to it, and it
# over-fits fast (the gap between the training and validation curves above shows how fast). Convolutional
# networks (lesson 11) build in that neighbouring pixels belong together and do much
# better. The dense network stays useful here for another reason: its cost is almost all
# matrix products, which we can count exactly, so it is the ideal subject for measuring
# speed.
#
# ## 5. Timing done properly
#
# Four rules, all built into `helpers.timing.time_call`:
#
# 1. **Warm up.** The first call of a compiled step traces its graph and allocates memory.
# 2. **Wait for the result.** A GPU queues work and returns at once; a timing must read the
#    result back to the host before the clock stops.
# 3. **Repeat.** Report the median of several runs with their minimum and maximum.
# 4. **Time the computation, not the input pipeline.** The batch sits on the device already.
#
# Rule 1 in action: one training step, timed five times *without* warm-up, on a fresh model.

# %%
fresh = build_model()
x_batch, y_batch = tf.constant(x_fit[:BATCH]), tf.constant(y_fit[:BATCH])  # in memory already
cold = timing.time_call(lambda: fresh.train_on_batch(x_batch, y_batch), items=BATCH, warmup=0)
print("seconds per call:", ", ".join(f"{s:.3f}" for s in cold.seconds))
print(f"first call {cold.seconds[0] / cold.median:.0f}× the median of the five")

# %%
# Check: the first call (tracing) is slower than a typical one
assert cold.seconds[0] > cold.median

# %% [markdown]
# ### 5.1 The practical peak: a large matrix product
#
# Multiplying two $n \times n$ matrices takes $n^3$ multiply-adds, $2n^3$ FLOPs, and
# re-uses every number it loads $n$ times, so it keeps the arithmetic units busy rather
# than waiting for memory. The best rate over a few sizes is our yardstick: a training step
# of a dense network does little but such products, so on a quiet machine it can come close
# to this rate but not beat it by much. On a busy machine both measurements move, and a
# share above 100 % only says that the two saw different loads.
#
# We time the product with TensorFlow, the library that trains. A NumPy product would use
# another maths library with its own pool of threads, and running both at once measures
# their fight over the cores, not either of them.

# %%
# A GPU needs larger products, and several per timed run, to be kept busy.
SIZES = {"CPU": (512, 1024, 2048) if QUICK else (1024, 2048, 4096), "GPU": (2048, 4096, 8192)}
PRODUCTS = {"CPU": 1, "GPU": 20}
REPEATS = 3 if QUICK else 5
peak_tables = {
    label: timing.matmul_peak(SIZES[label], device=dev, repeats=REPEATS, products=PRODUCTS[label])
    for label, dev in DEVICES.items()
}
PEAK = {label: float(table["gflops"].max()) for label, table in peak_tables.items()}
for label, table in peak_tables.items():
    print(f"{label}: matmul peak {PEAK[label]:,.1f} GFLOP/s (median run, best size)")
    print(table.round(3).to_string(index=False), "\n")

# %% [markdown]
# ### 5.2 A batch-size sweep of the training step
#
# For each batch size $B$, `train_step_sweep` builds a fresh model on the device, puts $B$
# training images there once, and times runs of optimizer steps (`train_on_batch`, whose
# loss comes back to the host) covering about the same number of images at every $B$. The
# achieved rate is
#
# $$\text{achieved FLOP/s} = \text{images per second} \times 2T.$$
#
# A step costs a fixed *overhead* (Python, launching operations, Adam's update of all
# weights) plus *arithmetic* proportional to $B$. Small batches are dominated by the
# overhead; large ones by the arithmetic, and their matrix products are big enough to keep
# the device busy.

# %%
BATCH_SIZES = (32, 256, 1024) if QUICK else (32, 64, 128, 256, 512, 1024, 2048, 4096)
SAMPLES_PER_RUN = 1024 if QUICK else 4096
sweeps = {
    label: timing.train_step_sweep(
        build_model,
        x_fit,
        y_fit,
        BATCH_SIZES,
        flops_per_sample=TRAIN_FLOPS_PER_SAMPLE,
        samples_per_repeat=SAMPLES_PER_RUN,
        repeats=REPEATS,
        device=dev,
    )
    for label, dev in DEVICES.items()
}
for label, table in sweeps.items():
    table["share_of_peak"] = table["gflops"] / PEAK[label]
    print(label)
    print(table.round(3).to_string(index=False), "\n")

# %%
timing.plot_sweep(sweeps, peaks=PEAK, title="Dense network, one training step")
plt.show()

# %%
best = {label: table.loc[table["gflops"].idxmax()] for label, table in sweeps.items()}
for label, row in best.items():
    print(
        f"{label}: best batch size {int(row['batch_size'])}: {row['samples_per_s']:,.0f} images/s, "
        f"{row['gflops']:,.1f} GFLOP/s = {row['share_of_peak']:.0%} of the measured matmul peak"
    )
cpu = sweeps["CPU"]
print(
    f"CPU, batch {BATCH_SIZES[-1]} against batch {BATCH_SIZES[0]}: "
    f"{cpu['samples_per_s'].iloc[-1] / cpu['samples_per_s'].iloc[0]:.1f}× the images per second"
)

# %%
# Check: the sweep is self-consistent (rates within their min-max, positive)
for table in sweeps.values():
    assert (table["samples_per_s_min"] <= table["samples_per_s"]).all()
    assert (table["samples_per_s"] <= table["samples_per_s_max"]).all()
    assert (table["gflops"] > 0).all()

# %% [markdown]
# Read the sweep from left to right. Per image, the time of a step is
# $\text{overhead}/B + \text{arithmetic per image}$: the first term shrinks as the batch
# grows, so throughput rises until the arithmetic dominates; from there on it levels off,
# and it may even fall again once a step's data no longer fits in the processor's fast
# caches. The best share of the peak, printed above, tells you how well this device is used
# by this network; the error bars tell you how much to trust each point. Bigger is not
# free, though: each epoch then makes fewer updates, so a model may need more epochs (or a
# larger learning rate) to reach the same accuracy. The fastest batch size per image is
# not automatically the fastest way to a good model.
#
# ## 6. CPU against GPU
#
# Nominal peaks (TFLOP/s, dense, at boost clock) from NVIDIA's data sheets: *NVIDIA T4
# Tensor Core GPU*, *NVIDIA L4 Tensor Core GPU*, *NVIDIA A100 Tensor Core GPU* and *NVIDIA
# H100 Tensor Core GPU*. Where a data sheet prints only the figure "with sparsity" (L4;
# H100's TF32 and FP16), the dense figure is half of it, as its footnote says. These are
# vendor numbers, not measurements on your machine. On Ampere (A100) and later GPUs
# TensorFlow runs float32 matrix products as **TF32** by default (10-bit mantissa inputs,
# float32 accumulation), so a float32 model there must be compared with the TF32 column,
# not the FP32 one.

# %%
timing.nominal_peaks_table()

# %%
if not GPUS:
    print(
        "Not measured on this machine: GPU throughput, the CPU-to-GPU speed-up, the GPU's\n"
        "share of its peak, and mixed precision. Nothing above says anything about them.\n"
        "To measure them: Colab → Runtime → Change runtime type → GPU, then run all cells."
    )
else:
    gpu_name = GPUS[0]["name"]
    precision = timing.matmul_precision(
        "float32",
        GPUS[0]["compute_capability"],
        tf.config.experimental.tensor_float_32_execution_enabled(),
    )
    nominal = timing.nominal_peak(gpu_name, precision)
    row = best["GPU"]
    print(f"{gpu_name}: float32 products run as {precision.upper()}")
    if nominal is None:
        print("  this GPU (or mode) is not in the table: no nominal peak to compare with")
    else:
        print(
            f"  nominal {nominal:,.1f} TFLOP/s; measured matmul peak {PEAK['GPU'] / 1e3:,.1f} "
            f"TFLOP/s = {PEAK['GPU'] / 1e3 / nominal:.0%} of it; best training step "
            f"{row['gflops'] / 1e3:,.2f} TFLOP/s = {row['gflops'] / 1e3 / nominal:.0%} of it"
        )
    both = sweeps["CPU"].merge(sweeps["GPU"], on="batch_size", suffixes=("_cpu", "_gpu"))
    speedup = pd.DataFrame(
        {
            "batch_size": both["batch_size"],
            "speed-up (median)": both["samples_per_s_gpu"] / both["samples_per_s_cpu"],
            "lowest": both["samples_per_s_min_gpu"] / both["samples_per_s_max_cpu"],
            "highest": both["samples_per_s_max_gpu"] / both["samples_per_s_min_cpu"],
        }
    )
    print("\nGPU images/s ÷ CPU images/s ('lowest' and 'highest' pair the extreme runs):")
    print(speedup.round(1).to_string(index=False))

# %% [markdown]
# When a GPU was found, the table above gives the speed-up at every batch size, with the
# range that the slowest and fastest runs allow. At small batches a GPU mostly waits for the
# per-step overhead, which its arithmetic cannot shorten, so the speed-up depends on the
# batch size: a single "N× faster" without the batch size, the precision and the spread
# of repeated runs says little about the hardware.
#
# **Optional: mixed precision (GPU only).** With the policy `mixed_float16` the layers
# compute in float16 on the tensor cores and keep float32 weights; Keras scales the loss to
# keep small gradients representable. The cell runs only on a GPU.

# %%
RUN_MIXED_PRECISION = True
if GPUS and RUN_MIXED_PRECISION:
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        half_peak = timing.matmul_peak(
            SIZES["GPU"], dtype="float16", device=DEVICES["GPU"], repeats=REPEATS, products=20
        )
        half_sweep = timing.train_step_sweep(
            build_model,
            x_fit,
            y_fit,
            BATCH_SIZES[-3:],
            flops_per_sample=TRAIN_FLOPS_PER_SAMPLE,
            samples_per_repeat=SAMPLES_PER_RUN,
            repeats=REPEATS,
            device=DEVICES["GPU"],
        )
    finally:
        keras.mixed_precision.set_global_policy("float32")
    half_nominal = timing.nominal_peak(GPUS[0]["name"], "fp16")
    print(f"float16 matmul peak: {half_peak['gflops'].max() / 1e3:,.1f} TFLOP/s measured", end="")
    print(f" (nominal {half_nominal:,.1f})" if half_nominal else "")
    compare = half_sweep[["batch_size", "samples_per_s"]].merge(
        sweeps["GPU"][["batch_size", "samples_per_s"]], on="batch_size", suffixes=("_mixed", "_float32")
    )
    compare["mixed ÷ float32"] = compare["samples_per_s_mixed"] / compare["samples_per_s_float32"]
    print(compare.round(2).to_string(index=False))
else:
    print("Mixed precision: skipped (it needs a GPU with tensor cores).")

# %% [markdown]
# > **Common mistakes**
# >
# > * **Timing the first call.** It traces the graph and allocates memory: warm up first.
# >   Building the model inside the timed cell is the same mistake, bigger.
# > * **Timing the input pipeline.** Converting NumPy arrays, shuffling or reading files
# >   inside the timed region measures them, not the training step.
# > * **One run.** Other programs, clock boosts and caches move single timings by tens of
# >   per cent: repeat, report the median and the range.
# > * **Stopping the clock before the GPU has finished.** GPU work is asynchronous; read a
# >   result back (`.numpy()`, a Python `float`) before you stop the clock.
# > * **Comparing against the wrong peak.** A float32 model on an Ampere or later GPU runs
# >   its products as TF32; float16 runs on tensor cores at yet another rate; a data sheet's
# >   "with sparsity" figure is twice the dense one. And a nominal peak is a ceiling, not
# >   what the chip sustains: measure the practical peak too.
# > * **Timing NumPy next to TensorFlow.** Both start their own pools of maths threads;
# >   running them together measures the contention.
# > * **Sigmoid outputs with categorical cross-entropy** for ten exclusive classes: use
# >   logits and `from_logits=True`, as here.

# %% [markdown]
# ## Exercises
#
# **Exercise 1: forward cost.** A dense network 3072 → 256 (ReLU) → 10 logits. How many
# multiply-adds does one image cost in the forward pass (biases not counted)?

# %%
answer_forward = ...  # a whole number

checks.check_digest(
    answer_forward,
    "e4bccea032b613cf",
    hint="One multiply-add per weight: inputs × units for each Dense layer, summed.",
)

# %% [markdown]
# **Exercise 2: training cost.** For the same network, how many multiply-adds does one image
# cost in a training step, counted as in section 3?

# %%
answer_training = ...  # a whole number

checks.check_digest(
    answer_training,
    "e272a0796d655c88",
    hint=(
        "Three products per layer (forward, weight gradient, input gradient), except that"
        " the first layer needs no input gradient."
    ),
)

# %% [markdown]
# **Exercise 3: throughput.** A timed run of 20 training steps at batch size 128 took
# 0.5 s (the median of five runs, after warm-up). How many images per second is that?

# %%
answer_rate = ...  # a whole number

checks.check_digest(
    answer_rate, "705d0b6937f1c534", hint="Images processed in one run, divided by its time."
)

# %% [markdown]
# **Exercise 4: a suspiciously fast GPU.** Someone times `y = model(x)` on a GPU with
# `time.perf_counter()` before and after, and gets 0.2 ms whatever the batch size. What is
# most likely going on?
#
# * (a) The GPU is so fast that the batch size does not matter.
# * (b) The clock stopped when the work was queued, not when it was done.
# * (c) The GPU was not used at all.

# %%
answer_gpu = ...  # "a", "b" or "c"

checks.check_digest(
    answer_gpu,
    "9231756666f7b331",
    hint="Which of the four timing rules of section 5 does a plain perf_counter pair miss?",
)

# %% [markdown]
# **Exercise 5: overhead.** A training step at batch size 64 takes 10 ms; at batch size 1024
# it takes 80 ms. How many times more images per second does batch size 1024 process?
# (Two decimals.)

# %%
answer_ratio = ...  # a number

checks.check_digest(
    answer_ratio,
    "e5bf73c3fcdb1a48",
    decimals=2,
    hint="Images per second is the batch size divided by the step time; compare the two.",
)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: 3072 × 256 + 256 × 10
answer_forward = 3072 * 256 + 256 * 10
assert checks.check_digest(answer_forward, "e4bccea032b613cf", hint="see above")

# %%
# Exercise 2: forward + weight gradients (= forward) + the second layer's input gradient,
# i.e. 3 × forward − 3072 × 256. The helper agrees:
answer_training = 3 * answer_forward - 3072 * 256
small = keras.Sequential(
    [keras.Input(shape=(32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(256), keras.layers.Dense(10)]
)
assert flops.training_macs(small) == answer_training
assert checks.check_digest(answer_training, "e272a0796d655c88", hint="see above")

# %%
# Exercise 3: 20 steps × 128 images in 0.5 s
answer_rate = 20 * 128 / 0.5
assert checks.check_digest(answer_rate, "705d0b6937f1c534", hint="see above")

# %%
# Exercise 4: (b). The call returns once the GPU has queued the work; read the result back
# (e.g. y.numpy()) before stopping the clock, as helpers.timing.time_call does.
answer_gpu = "b"
assert checks.check_digest(answer_gpu, "9231756666f7b331", hint="see above")

# %%
# Exercise 5: 1024 / 0.080 s against 64 / 0.010 s. Sixteen times the images cost only eight
# times the time: the fixed overhead per step is shared by more images.
answer_ratio = (1024 / 0.080) / (64 / 0.010)
assert checks.check_digest(answer_ratio, "e5bf73c3fcdb1a48", decimals=2, hint="see above")

# %% [markdown]
# ## Results

# %%
numbers = {"test_accuracy": test_accuracy, "train_mflop_per_image": TRAIN_FLOPS_PER_SAMPLE / 1e6}
for label in DEVICES:
    key = label.lower()
    numbers[f"{key}_matmul_peak_gflops"] = PEAK[label]
    numbers[f"{key}_best_batch"] = best[label]["batch_size"]
    numbers[f"{key}_best_gflops"] = best[label]["gflops"]
    numbers[f"{key}_best_share"] = best[label]["share_of_peak"]
    for _, row in sweeps[label].iterrows():
        numbers[f"{key}_images_per_s_b{int(row['batch_size'])}"] = row["samples_per_s"]
helpers.record("07", **numbers)
