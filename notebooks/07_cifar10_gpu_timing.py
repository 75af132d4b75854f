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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/07_cifar10_gpu_timing.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/07_cifar10_gpu_timing.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F07_cifar10_gpu_timing.ipynb)
# # 07 · CIFAR-10, and how fast is fast: timing training on a CPU and a GPU
#
# **Goals.** After this lesson you can
#
# * train a dense network on CIFAR-10 with a validation split, test it once, and say
#   honestly what a dense network can and cannot do on photographs;
# * count the arithmetic of a dense network by hand (multiply-adds per sample, forward and
#   training) and check the count against the model's own layers;
# * time a computation so that the number means something: warm-up excluded, results
#   waited for, each run long enough, repeats interleaved, median with its range;
# * say where the time of a training step goes (the matrix products, the optimizer's
#   update, the Python harness around the step) and why a share of the FLOPs is not a share
#   of the time: arithmetic intensity against the device's ridge point;
# * measure the practical peak of your processor and say what share of it a training step
#   reaches, and how that share depends on the batch size;
# * compare a CPU and a GPU fairly when you have one, and know what you cannot conclude
#   when you do not.
#
# A widely copied tutorial times one epoch on a CPU and one on a GPU, once each, with the
# model built inside the timed cell and the first (graph-tracing) epoch included, and
# divides the two numbers. That is one anecdote per device, not a measurement. Here we
# measure, on *your* machine: every speed this notebook prints was measured here, when you
# ran it. The only other numbers are vendors' data-sheet figures, labelled as such.
#
# **Data.** CIFAR-10 (Krizhevsky, 2009): 60 000 colour photographs of 32 × 32 pixels in ten
# classes (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck), 50 000 for
# training and 10 000 for testing; the binary version, a 170 MB download
# (`cifar-10-binary.tar.gz`), checked against its SHA-256.
#
# **Backend.** The data, the network, the counts and the training run on any Keras backend.
# The graph check of section 3 and the timings of sections 5 and 6 (with exercise 6) drive
# TensorFlow itself: its devices, its compiled graphs. Those cells start with
# `%%needs_backend tensorflow` ([lesson 00](00_setup.ipynb)); on JAX each prints one line saying
# it was skipped and how to run it.

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
import functools
import statistics
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.model_selection import train_test_split

from helpers import checks, exercises, flops, timing
from helpers.datasets import CIFAR10_CLASSES, StandInWarning, load_cifar10
from helpers.environment import accelerators
from helpers.plots import plot_history, show_images
from helpers.training import EpochTimer

TENSORFLOW = keras.backend.backend() == "tensorflow"
if not TENSORFLOW:
    print(
        f"Keras runs on {keras.backend.backend()}: section 3's graph check and the timings of "
        "sections 5-6 drive TensorFlow's graphs and devices directly, so those cells will say "
        "they are skipped. To run them, set KERAS_BACKEND=tensorflow and restart the kernel."
    )

# %% [markdown]
# ## 1. Which machine is this?
#
# A share of a processor's peak means little until you know the processor. The cell prints
# the CPU's model; its cores (a virtual machine may present two hyper-threads of one
# physical core as two cores); the vector instructions a matrix product can use (one
# AVX-512 instruction does 16 float32 multiply-adds, one AVX2 instruction 8); and, on the
# TensorFlow backend, how many threads TensorFlow runs (0 means TensorFlow chooses, about one
# per core).
#
# TensorFlow names its devices `/CPU:0` (all CPU cores together) and `/GPU:0`, `/GPU:1`, …
# This lesson measures the CPU and, when there is one, the first GPU (`/GPU:0`); further
# GPUs are listed but not measured. (On JAX the cell lists the GPUs that JAX sees instead.)

# %%
CPU = timing.cpu_details()
print(f"CPU: {CPU['model']}")
print(
    f"  {CPU['logical_cores']} logical cores ({CPU['physical_cores'] or 'unknown'} physical), "
    f"{CPU['usable_cores']} usable here, nominal clock {CPU['mhz'] or 'unknown'} MHz"
)
print(f"  vector instructions: {', '.join(CPU['isa']) or 'none of those that matter here'}")
if TENSORFLOW:
    print(
        f"  TensorFlow threads: {tf.config.threading.get_intra_op_parallelism_threads()} within "
        f"an operation, {tf.config.threading.get_inter_op_parallelism_threads()} across them"
    )
GPUS = timing.gpu_details()
for gpu in GPUS:
    print(f"GPU {gpu['device']}: {gpu['name']} (compute capability {gpu['compute_capability']})")
for row in timing.nvidia_smi():  # clocks and power cap, when nvidia-smi is installed
    print(
        f"  {row['name']}: clock {row['clocks.sm']} (max {row['clocks.max.sm']}), "
        f"power cap {row['power.limit']}"
    )
DEVICES = timing.devices_to_measure(GPUS)  # TensorFlow's names: the timings drive TensorFlow
if not TENSORFLOW:  # TensorFlow's view of the devices would not be Keras's here
    print(f"GPUs that {keras.backend.backend()} sees:", accelerators() or "none")
else:
    print("measured below:", ", ".join(f"{label} ({name})" for label, name in DEVICES.items()))
    if not GPUS:
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
    (x_train_raw, y_train), (x_test_raw, y_test) = load_cifar10(quick=QUICK)
STAND_IN = any(issubclass(w.category, StandInWarning) for w in caught)
print("training images:", x_train_raw.shape, x_train_raw.dtype, "| test images:", x_test_raw.shape)
print("data:", "GENERATED STAND-IN (not CIFAR-10)" if STAND_IN else "CIFAR-10")

# %%
show_images(x_train_raw[:16], titles=[CIFAR10_CLASSES[label] for label in y_train[:16]], ncols=8)
plt.show()

# %% [markdown]
# We hold out a stratified 10 % of the *training* images for validation; the test images
# wait until the very end. Then we standardise each colour channel,
# $x \mapsto (x - \mu_c) / \sigma_c$, with the mean $\mu_c$ and standard deviation
# $\sigma_c$ of the images we fit on. Centred inputs of unit scale suit the initial
# weights of a wide dense layer far better than raw values around 128. The validation and
# test images are transformed with the *same* two numbers per channel, never their own.
#
# The statistics are summed in float64 (float32 sums over 46 million numbers lose digits),
# but a chunk of images at a time: `x.std()` on all 45 000 images at once would first
# build a float64 copy of them, 1.1 GB.

# %%
x_fit_raw, x_val_raw, y_fit, y_val = train_test_split(
    x_train_raw, y_train, test_size=0.1, stratify=y_train, random_state=SEED
)


def channel_moments(images: np.ndarray, chunk: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each colour channel, summed in float64 chunk by chunk."""
    total, squares = np.zeros(3), np.zeros(3)
    for start in range(0, len(images), chunk):
        part = images[start : start + chunk].reshape(-1, 3).astype(np.float64)
        total += part.sum(axis=0)
        squares += np.square(part).sum(axis=0)
    count = images.size // 3
    mean = total / count
    return mean, np.sqrt(squares / count - mean**2)


channel_mean, channel_std = channel_moments(x_fit_raw)


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
fit_mean, fit_std = channel_moments(x_fit)
assert np.allclose(fit_mean, 0, atol=1e-3) and np.allclose(fit_std, 1, atol=1e-3)
sample = x_fit_raw[:500]  # chunk by chunk gives what NumPy gives at once (small enough here)
sample_mean, sample_std = channel_moments(sample, chunk=64)
assert np.allclose(sample_mean, sample.mean(axis=(0, 1, 2)))
assert np.allclose(sample_std, sample.std(axis=(0, 1, 2)))

# %% [markdown]
# ## 3. A dense network, and the arithmetic it costs
#
# `Flatten` turns each image into a vector of $32 \cdot 32 \cdot 3 = 3072$ numbers. Two wide
# ReLU layers of 1024 and 512 units follow, then 10 logits (softmax is left to the loss,
# `from_logits=True`, as in lesson 06). The logits layer computes in float32 whatever
# precision the other layers use (section 6 uses that).
#
# **XLA, said out loud.** On the TensorFlow backend, Keras's default, `jit_compile="auto"`,
# compiles the training step with XLA when TensorFlow sees a GPU and leaves it off on a machine
# without one. (On JAX, `"auto"` always compiles with XLA, on a CPU too: JAX has no other
# compiler, and `jit_compile=False` there runs the step one operation at a time.) XLA fuses
# chains of element-wise operations (a bias and a ReLU; the dozen operations per weight of
# an optimizer's update) into a few kernels. On TensorFlow we set `jit_compile=False`
# explicitly, so that the main measurements run the same plain TensorFlow graph on every
# device; section 5 adds a row compiled with XLA on every device, which on a GPU is what Keras
# does by default. On JAX we keep Keras's `"auto"`: XLA, as every JAX program runs.

# %%
HIDDEN = (1024, 512)


def build_model(
    hidden: tuple[int, ...] = HIDDEN,
    *,
    shape: tuple[int, ...] = (32, 32, 3),
    optimizer: str = "adam",
    jit_compile: bool | str = False if TENSORFLOW else "auto",
) -> keras.Model:
    """Flattened pixels → ReLU layers of `hidden` units → 10 float32 logits, compiled."""
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}.")
    model = keras.Sequential(
        [
            keras.Input(shape=shape),  # one image's shape, as keras.Input takes it
            keras.layers.Flatten(),
            *(keras.layers.Dense(units, activation="relu") for units in hidden),
            keras.layers.Dense(10, dtype="float32"),  # logits
        ],
        name="cifar_dense",
    )
    model.compile(
        optimizer=(
            keras.optimizers.Adam(learning_rate=3e-4)
            if optimizer == "adam"
            else keras.optimizers.SGD(learning_rate=0.01)
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        jit_compile=jit_compile,
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
# ReLUs and the loss cost a few operations per *unit* and image, Adam's update about a
# dozen per *weight* and *step*: none of them costs anything per weight *and* image, so
# they are left out of $T$ (after the two checks below, a cell sizes Adam's share).

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
# %%needs_backend tensorflow
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
# What the count leaves out, in FLOPs: Adam updates every weight with 12 element-wise
# operations per step (section 5.3 lists them), whatever the batch size B.
PARAMS = model.count_params()
ADAM_FLOPS_PER_WEIGHT = 12
for batch in (32, 256, 2048):
    adam = ADAM_FLOPS_PER_WEIGHT * PARAMS
    share = adam / (adam + batch * TRAIN_FLOPS_PER_SAMPLE)
    print(f"batch {batch:>4}: Adam's update is {share:.1%} of a step's FLOPs")

# %% [markdown]
# A few per cent of the FLOPs. That does **not** make it a few per cent of the time: how
# long an operation takes depends on the bytes it moves as well as on the FLOPs it does,
# and Adam moves a lot of bytes for each FLOP. Section 5.3 measures its share of the time.
#
# ## 4. Training, with a validation split, tested once
#
# Early stopping watches the validation accuracy (the number this lesson reports) and
# restores the best epoch's weights. `EpochTimer` (from `helpers.training`) records each
# epoch's training pass, without its validation pass; the first one also traces the
# training graph, so it is left out of the median. Whether that shows depends on how long
# tracing takes next to an epoch: compare the first epoch with the range of the later ones.

# %%
EPOCHS = 6 if QUICK else 20
BATCH = 128
timer = EpochTimer()
stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=5, restore_best_weights=True)
history = model.fit(
    x_fit,
    y_fit,
    validation_data=(x_val, y_val),
    epochs=EPOCHS,
    batch_size=BATCH,
    callbacks=[stop, timer],
    verbose=0,
)
later = timer.seconds[1:]
FIT_IMAGES_PER_S = len(x_fit) / statistics.median(later)
print(
    f"trained {len(timer.seconds)} epochs; best validation accuracy at epoch {stop.best_epoch + 1}"
)
print(
    f"first epoch's training pass {timer.seconds[0]:.1f} s (includes tracing the step"
    f"{'' if TENSORFLOW else ' and compiling it with XLA'})"
)
print(
    f"later ones: median {statistics.median(later):.2f} s (min {min(later):.2f}, max "
    f"{max(later):.2f}) over {len(later)} epochs = {FIT_IMAGES_PER_S:,.0f} images/s"
)

# %%
plot_history(
    history,
    metrics=("loss", "accuracy"),
    title="Dense network on " + ("a GENERATED STAND-IN, not CIFAR-10" if STAND_IN else "CIFAR-10"),
)
plt.show()

# %% [markdown]
# The training curve above is not the accuracy on the fitting images: `fit` logs a running
# mean over each epoch, while the weights are still changing. To compare like with like,
# `evaluate` a sample of fitting images and the validation images with the same, final
# weights.

# %%
n_compare = len(x_val)
_, fit_accuracy = model.evaluate(x_fit[:n_compare], y_fit[:n_compare], verbose=0)
_, val_accuracy = model.evaluate(x_val, y_val, verbose=0)
print(
    f"final weights: accuracy {fit_accuracy:.3f} on {n_compare} fitting images, "
    f"{val_accuracy:.3f} on the validation images (gap {fit_accuracy - val_accuracy:+.3f})"
)

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
# 3072 unrelated numbers, so a cat moved by two pixels is a new problem to it. The gap
# between the two accuracies printed before the test says how much of what it learnt
# holds only for the images it was fitted on (on the generated stand-in of QUICK mode it
# says nothing about CIFAR-10). Convolutional networks (lesson 11) build in that
# neighbouring pixels belong together and do much better. The dense network stays useful
# here for another reason: its arithmetic is almost all matrix products, which we can count
# exactly, so it is a good subject for measuring speed.
#
# ## 5. Timing done properly
#
# Six rules, all built into `helpers.timing`:
#
# 1. **Warm up.** The first call of a compiled step traces its graph and allocates memory.
# 2. **Wait for the result.** A GPU queues work and returns at once; a timing must read the
#    result back to the host before the clock stops.
# 3. **Size each run by time, not by a count.** `timing.autorange` grows the number of
#    steps in a run (1, 2, 5, 10, 20, …, as Python's `timeit` does) until one run lasts at
#    least `MIN_SECONDS` (0.3 s; 0.1 s in QUICK mode). A fixed 4096 images would take
#    seconds on a laptop and a fraction of a millisecond on a large GPU, where the fixed
#    cost of starting a run and reading its result back would then be most of what is
#    measured.
# 4. **Repeat, interleaved.** Report the median of several runs with their minimum and
#    maximum, and time all configurations in a new shuffled order each round, so that a
#    drift of the machine widens every configuration's range instead of bending a curve.
#    The garbage collector is off while the clock runs.
# 5. **Time the computation, not the input pipeline.** The batch is copied to the device
#    once, before any clock starts.
# 6. **Know what you time.** `model.train_on_batch` runs one step per Python call and copies
#    the loss back to the host every step: it times the step *and* its harness.
#    `fit(..., steps_per_execution=K)` runs K steps inside one compiled call.
#
# Rule 1 in action: one training step, timed five times *without* warm-up, on a fresh model.

# %%
# %%needs_backend tensorflow
fresh = build_model()
# One copy to the default device (the GPU, if there is one); a plain tf.constant would stay
# in host memory and be copied again by every call.
x_batch, y_batch = timing.on_device(x_fit[:BATCH]), timing.on_device(y_fit[:BATCH])
cold = timing.time_call(lambda: fresh.train_on_batch(x_batch, y_batch), items=BATCH, warmup=0)
print("seconds per call:", ", ".join(f"{s:.3f}" for s in cold.seconds))
print(f"first call {cold.seconds[0] / cold.median:.0f}× the median of the five")

# %%
# %%needs_backend tensorflow
# Check: the first call (tracing) is slower than a typical one
assert cold.seconds[0] > cold.median

# %% [markdown]
# ### 5.1 Two yardsticks: a large matrix product and a memory stream
#
# Multiplying two $n \times n$ matrices takes $n^3$ multiply-adds, $2n^3$ FLOPs, and
# re-uses every number it loads $n$ times, so it keeps the arithmetic units busy rather
# than waiting for memory. The best rate over a few sizes is our yardstick for arithmetic:
# a training step of a dense network does little but such products, so on a quiet machine
# it can come close to this rate but not beat it by much. We time the product with
# TensorFlow, the library that trains: a NumPy product would use another maths library
# with its own pool of threads, and running both at once measures their fight over the
# cores.
#
# The second yardstick is memory. `timing.memory_bandwidth` adds one array to another in
# place, `v += w`: one FLOP per 12 bytes moved, so its speed is set by how fast memory
# delivers bytes. We stream arrays the size of the model's weights (they may fit in a large
# cache) and arrays far larger than any cache (main memory).
#
# The ratio of the two is the device's **ridge point**, in FLOPs per byte. A computation
# that does fewer FLOPs per byte it moves (its *arithmetic intensity*) waits for memory,
# however fast the arithmetic units are; one that does more waits for the arithmetic. This
# is the *roofline* view of Williams, Waterman and Patterson (2009). From data sheets, a
# data-centre GPU's ridge point is around 100 FLOP/byte (an A100: 156 TFLOP/s in TF32 over
# 1.6 to 2 TB/s); a CPU's is usually a few to a few tens: the cell measures yours.

# %%
# %%needs_backend tensorflow
SIZES = {"CPU": (512, 1024, 2048) if QUICK else (1024, 2048, 4096), "GPU": (2048, 4096, 8192)}
REPEATS = 3 if QUICK else 5
MIN_SECONDS = 0.1 if QUICK else 0.3  # the shortest timed run, in seconds
WEIGHTS_MB = 4 * PARAMS / 1e6  # the model's float32 weights
LARGE_MB = 256 if QUICK else 1024
PEAK, BANDWIDTH, WEIGHTS_BANDWIDTH = {}, {}, {}
for label, device in DEVICES.items():
    peak_table = timing.matmul_peak(
        SIZES[label], device=device, repeats=REPEATS, min_seconds=MIN_SECONDS
    )
    PEAK[label] = float(peak_table["gflops"].max())
    streams = {
        megabytes: timing.memory_bandwidth(
            megabytes, device=device, repeats=REPEATS, min_seconds=MIN_SECONDS
        )
        for megabytes in (WEIGHTS_MB, LARGE_MB)
    }
    WEIGHTS_BANDWIDTH[label] = streams[WEIGHTS_MB]["gb_per_s"]
    BANDWIDTH[label] = streams[LARGE_MB]["gb_per_s"]
    print(f"{label}: matmul peak {PEAK[label]:,.1f} GFLOP/s (median run, best size)")
    print(peak_table.round(3).to_string(index=False))
    print(
        f"{label}: memory {WEIGHTS_BANDWIDTH[label]:,.1f} GB/s with {WEIGHTS_MB:.1f} MB arrays, "
        f"{BANDWIDTH[label]:,.1f} GB/s with {LARGE_MB} MB arrays"
    )
    print(f"{label}: ridge point {PEAK[label] / BANDWIDTH[label]:.1f} FLOP/byte (main memory)\n")

# %% [markdown]
# ### 5.2 A batch-size sweep of the training step
#
# For each batch size $B$, `timing.train_step_sweep` builds a **fresh model** on the device
# (so no batch size inherits another's optimizer state or traced graph), copies the first
# $B$ training images there once, and times that model four ways:
#
# * `train_on_batch`: one Python call per step, the loss copied back to the host after
#   every step (which waits for the device);
# * `compiled`: many steps of the same model's `train_step` inside one compiled TensorFlow
#   loop, as `fit(..., steps_per_execution=K)` runs them, the loss read back once per run;
# * `xla`: the same loop with the step compiled by XLA;
# * `products`: the step's eight matrix products and nothing else, in a compiled loop: the
#   practical peak *for these shapes*.
#
# Every (way, batch size) pair is sized by time, and the runs of all of them are
# interleaved (rules 3 and 4). The achieved rate counts the products' FLOPs only,
#
# $$\text{achieved FLOP/s} = \text{images per second} \times 2T,$$
#
# while the time of a full step also pays for the update, the bias, ReLU and loss
# operations and, with `train_on_batch`, the harness. For a full step it is therefore the
# rate of *useful* model arithmetic, and its share of the measured peak says how close
# the step comes to a machine that does nothing but its products at the best rate the
# device knows.

# %%
# %%needs_backend tensorflow
BATCH_SIZES = (32, 128, 1024) if QUICK else (32, 64, 128, 256, 512, 1024, 2048, 4096)
LOOPS = ("train_on_batch", "compiled", "xla", "products")
sweeps = {}
for label, device in DEVICES.items():
    sweeps[label] = timing.train_step_sweep(
        build_model,
        x_fit,
        y_fit,
        BATCH_SIZES,
        loops=LOOPS,
        flops_per_sample=TRAIN_FLOPS_PER_SAMPLE,
        device=device,
        min_seconds=MIN_SECONDS,
        repeats=REPEATS,
    )
    sweeps[label]["share_of_peak"] = sweeps[label]["gflops"] / PEAK[label]
for label, table in sweeps.items():
    for column, what in (
        ("steps", "steps per timed run (chosen by autorange)"),
        ("samples_per_s", f"images per second (median of {REPEATS} runs)"),
        ("share_of_peak", f"share of the measured matmul peak, {PEAK[label]:,.0f} GFLOP/s"),
    ):
        print(f"{label}: {what}")
        wide = table.pivot(index="batch_size", columns="loop", values=column)[list(LOOPS)]
        print(wide.round(2).to_string(), "\n")

# %%
# %%needs_backend tensorflow
timing.plot_sweep(sweeps, peaks=PEAK, title="Dense network, one training step")
plt.show()

# %%
# %%needs_backend tensorflow
TARGET = 0.70  # the course's target: at the best batch size, the step reaches 70 % of the peak
best = {}
for label, table in sweeps.items():
    for loop in ("compiled", "train_on_batch"):
        rows = table[table["loop"] == loop]
        row = best[label, loop] = rows.loc[rows["gflops"].idxmax()]
        print(
            f"{label}, {loop}: best batch size {int(row['batch_size'])}: "
            f"{row['samples_per_s']:,.0f} images/s, {row['gflops']:,.1f} GFLOP/s = "
            f"{row['share_of_peak']:.1%} of the measured peak (runs: "
            f"{row['gflops_min'] / PEAK[label]:.1%} to {row['gflops_max'] / PEAK[label]:.1%}); "
            f"target {TARGET:.0%} {'reached' if row['share_of_peak'] >= TARGET else 'NOT reached'}"
        )

# %%
# %%needs_backend tensorflow
# Check: the sweep is self-consistent, and every timed run was sized by time
for table in sweeps.values():
    assert (table["samples_per_s_min"] <= table["samples_per_s"]).all()
    assert (table["samples_per_s"] <= table["samples_per_s_max"]).all()
    assert (table["gflops"] > 0).all()
    # (a run can come out shorter than the one that set its step count, not by a factor 4)
    assert (table["steps"] * table["step_ms"] / 1e3 >= 0.25 * MIN_SECONDS).all()

# %% [markdown]
# Read the sweep from left to right. Per image, a step costs a part that is fixed per
# *step*, divided by $B$, plus the arithmetic per image: throughput rises while the fixed
# part dominates and levels off once the arithmetic does. The four lines take the step
# apart:
#
# * `train_on_batch` against `compiled` is the **Python harness**: per step, a call into
#   Keras, a reset of the metrics, the launch of the compiled step and a wait for its loss.
#   It is about the same time per step at every batch size, so it weighs most at small
#   batches and on a device whose steps are short. At large batches it is smaller than the
#   spread of the runs (section 5.3).
# * `compiled` against `products` is what the step does besides its products: above all
#   the optimizer's update, then the bias, ReLU, loss and metric operations.
# * `products` alone is the practical peak for these shapes. A product with few rows uses
#   the processor less well than a large square one and moves more bytes per FLOP
#   (section 5.3), so even alone the products reach less of the square matmul peak at
#   small $B$.
# * `xla` against `compiled` is what fusing the element-wise operations changes. On this
#   2-core CPU it helps most at small batches, where the update and the element-wise
#   operations weigh most. At batch 4096, in full mode, it ran a little slower than the
#   plain compiled loop on every seed measured (see the README): fusion saves memory
#   traffic, and there the products dominate the step.
#
# The best batch size printed above is the largest one swept (4096 in full mode, 1024 in
# QUICK mode), and the throughput was still rising there on every seed measured: the step's
# true best may lie beyond the sweep, a little higher still.
#
# **What the error bars measure:** the slowest and the fastest of the runs of each point.
# The runs of all points of a device were interleaved in a new shuffled order each round,
# so a drift of the machine during the sweep widens every bar instead of bending a curve.
# They do not cover what changed between the sweep and the peak measured before it, or
# between today and another day: run the notebook twice to see that spread.
#
# Bigger is not free, though: each epoch then makes fewer updates, so a model may need more
# epochs (or a larger learning rate) to reach the same accuracy. The fastest batch size per
# image is not automatically the fastest way to a good model.
#
# ### 5.3 Where the time of a step goes
#
# Three more measurements split the step:
#
# * **The update alone.** The optimizer applies fixed gradients to all the weights, in a
#   compiled loop, with nothing else (`timing.update_timing`): for Adam, for plain SGD
#   ($w \leftarrow w - \eta g$), and for Adam compiled by XLA. It costs the same at every
#   batch size. Alone, its arrays can stay in the processor's caches from one update to
#   the next; inside a step they share the caches with the images, activations and
#   gradients, so this is a lower bound of what the update costs there (Exercise 6 measures
#   it from the outside).
# * **The harness floor.** The same network with tiny layers (8 inputs, two layers of 8
#   units, 10 logits), whose arithmetic is negligible: what remains of its step is the
#   fixed cost of driving a step of this shape, per `train_on_batch` call and per step of
#   the compiled loop.
# * From the sweep: the products alone, the compiled step and the `train_on_batch` step at
#   each batch size.
#
# Adam, as Keras writes it, is $m \mathrel{+}= (g - m)(1 - \beta_1)$,
# $v \mathrel{+}= (g^2 - v)(1 - \beta_2)$, $w \mathrel{-}= \alpha\, m / (\sqrt{v} + \epsilon)$:
# without XLA, TensorFlow runs that as 12 separate element-wise operations per weight
# tensor (subtract, multiply, add to $m$; square, subtract, multiply, add to $v$; multiply,
# square root, add, divide, subtract from $w$). Each reads one or two arrays as large as the
# weights and writes one: about 120 bytes of memory traffic per weight for 12 FLOPs, an
# arithmetic intensity of 0.1 FLOP/byte, far below any device's ridge point.

# %%
# %%needs_backend tensorflow
# 6 operations read two weight-sized arrays and write one (12 bytes per weight), 6 read one
# and write one (8 bytes)
ADAM_BYTES_PER_WEIGHT = 6 * 12 + 6 * 8
x_tiny = x_fit[:32].reshape(32, -1)[:, :8]
updates, floors = {}, {}
for label, device in DEVICES.items():
    settings = {"device": device, "min_seconds": MIN_SECONDS, "repeats": REPEATS}
    updates[label] = {
        "Adam": timing.update_timing(build_model, **settings),
        "SGD": timing.update_timing(functools.partial(build_model, optimizer="sgd"), **settings),
        "Adam, XLA": timing.update_timing(build_model, jit_compile=True, **settings),
    }
    floors[label] = timing.train_step_sweep(
        functools.partial(build_model, (8, 8), shape=(8,)),
        x_tiny,
        y_fit[:32],
        (32,),
        loops=("train_on_batch", "compiled"),
        **settings,
    ).set_index("loop")["step_ms"]
    print(f"{label}: one update of all {PARAMS:,} weights, alone")
    for name, update in updates[label].items():
        print(f"  {name:<10} {update.per_step * 1e3:7.2f} ms")
    adam_ms = updates[label]["Adam"].per_step * 1e3
    traffic = ADAM_BYTES_PER_WEIGHT * PARAMS
    print(
        f"  Adam at {WEIGHTS_BANDWIDTH[label]:,.1f} GB/s (the stream of weight-sized arrays) "
        f"would need {traffic / WEIGHTS_BANDWIDTH[label] / 1e6:.2f} ms for its "
        f"{traffic / 1e6:,.0f} MB of traffic; measured {adam_ms:.2f} ms = "
        f"{traffic / adam_ms / 1e6:,.1f} GB/s"
    )
    print(
        f"{label}: harness floor (tiny layers, batch 32): "
        f"{floors[label]['train_on_batch']:.3f} ms per train_on_batch call, "
        f"{floors[label]['compiled']:.3f} ms per step of the compiled loop\n"
    )

# %%
# %%needs_backend tensorflow
breakdown = {
    label: timing.time_breakdown(sweeps[label], updates[label]["Adam"].per_step * 1e3)
    for label in DEVICES
}
for label, table in breakdown.items():
    adam = ADAM_FLOPS_PER_WEIGHT * PARAMS
    table["Adam's share of FLOPs"] = adam / (adam + table.index * TRAIN_FLOPS_PER_SAMPLE)
    print(f"{label}: milliseconds per step, and Adam's share of the FLOPs and of the time")
    print(table.round(3).to_string(), "\n")

fig, axes = plt.subplots(1, len(breakdown), figsize=(6 * len(breakdown), 4), squeeze=False)
for ax, (label, table) in zip(axes[0], breakdown.items(), strict=True):
    parts = table[["products", "update", "other", "harness"]].clip(lower=0)
    (parts.T / table["train_on_batch"]).T.plot.bar(stacked=True, ax=ax, rot=0)
    ax.set_title(f"{label}: where a train_on_batch step goes")
    ax.set_xlabel("batch size")
    ax.set_ylabel("share of the step's time")
    ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

# %%
# %%needs_backend tensorflow
for label in DEVICES:
    ridge = PEAK[label] / BANDWIDTH[label]
    rows = []
    for batch in BATCH_SIZES:
        intensity = flops.training_intensity(model, batch)
        rows.append(
            {
                "batch_size": batch,
                "products' FLOP/byte": intensity,
                "limited by": "memory" if intensity < ridge else "arithmetic",
            }
        )
    print(f"{label}: ridge point {ridge:.1f} FLOP/byte (matmul peak / main-memory bandwidth)")
    print(pd.DataFrame(rows).round(1).to_string(index=False))
    adam_intensity = ADAM_FLOPS_PER_WEIGHT / ADAM_BYTES_PER_WEIGHT
    print(f"Adam's update: {adam_intensity:.1f} FLOP/byte: limited by memory\n")

# %% [markdown]
# Now the step can be read part by part.
#
# * **Adam's update** is a few per cent of the FLOPs, and a far larger share of the time at
#   small batches (the two columns of the table above): its time is set by the bytes it
#   moves, not by its FLOPs. Compare its measured time with the time its traffic would
#   take at the measured stream rate (printed above). Being a fixed cost per step, its
#   share falls as the batch grows. SGD, two element-wise operations per weight (multiply
#   the gradient by $\eta$, subtract the result from $w$), costs much less; XLA, which
#   fuses Adam's operations, makes it read and write each array fewer times. The `other`
#   column is what the compiled step adds to its products and to the update timed alone:
#   the bias, ReLU, loss and metric operations and, since the update timed alone is a lower
#   bound, whatever extra the update costs inside a step (Exercise 6 looks at that).
# * **The products** have an intensity of about $B/2$ FLOP/byte at small $B$ (the weight
#   matrix dominates the traffic: `flops.dense_intensity` gives each product's). Where that
#   is below the ridge point, they wait for memory; above it, mostly for arithmetic. The
#   roofline takes the slower of the two limits, as if moving bytes and computing overlapped
#   perfectly; just above the ridge point the traffic still costs part of the time, and a
#   product with few rows also uses the processor less well than a square one. Both keep
#   the products below the peak at small $B$. A GPU's ridge point is about ten times a
#   CPU's: there, by the same arithmetic, products below a batch of about 200 wait for
#   memory (an estimate from data sheets, not a measurement).
# * **The harness** of `train_on_batch` (the `harness` column) is a roughly fixed time per
#   step, of the order of the harness floor; compare it with the step times in the same
#   table. At large batches it is smaller than the spread of the runs, so the column there
#   is noise (a negative value is drawn as zero in the chart). On a fast GPU a 4096-image
#   step does its 65 GFLOP in about half a millisecond (an estimate from data sheets: an
#   A100 at 120 TFLOP/s), comparable to a `train_on_batch` call's fixed cost: there a
#   `train_on_batch` loop measures mostly the harness, and only a compiled loop measures
#   the GPU (without XLA, each of the step's many small operations is still launched one
#   by one).
#
# ### 5.4 The step against a whole epoch of `fit`
#
# Section 4 trained with `fit` at batch size 128, on TensorFlow's default device. Its epochs
# give images per second too, end to end: `fit` also slices and shuffles the NumPy arrays,
# turns each batch into a tensor (and copies it to the GPU when there is one), and calls the
# callbacks after every batch. But it does not copy each step's loss back to Python, as a
# `train_on_batch` loop does, so it can come close to that loop (the last column below says
# how close it came here); the compiled loop shows what is left to gain, and XLA what
# fusion would add. (In QUICK mode an epoch is only 36 steps, 35 full batches and one of
# 20 images, so whatever `fit` pays once per epoch weighs more.)

# %%
# %%needs_backend tensorflow
TRAINED_ON = "GPU" if "GPU" in DEVICES else "CPU"
sweep_at_batch = sweeps[TRAINED_ON].query("batch_size == @BATCH").set_index("loop")
print(f"{TRAINED_ON}, batch {BATCH}: images per second")
print(f"  fit, whole epochs (section 4)  {FIT_IMAGES_PER_S:>10,.0f}")
for loop in ("train_on_batch", "compiled", "xla"):
    rate = sweep_at_batch.loc[loop, "samples_per_s"]
    print(f"  {loop:<30} {rate:>10,.0f}   fit reaches {FIT_IMAGES_PER_S / rate:.0%} of it")

# %% [markdown]
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

# %% [markdown]
# When a GPU was found, the cell below compares the two devices batch size by batch size,
# with the range that the slowest and fastest runs allow. These are speed-ups of **the step
# on data already on each device**, not of training: `fit` also copies every batch from
# host memory to the GPU (a 4096-image float32 batch is 50 MB). The last line gives the
# end-to-end figure, `fit` against `fit`. At small batches the GPU waits on the fixed
# costs per step that its arithmetic cannot shorten, so a single "N× faster" without the
# batch size, the precision, the harness and the spread of repeated runs says little
# about the hardware.

# %%
# %%needs_backend tensorflow
if not GPUS:
    print(
        "Not measured on this machine: GPU throughput, the CPU-to-GPU speed-up, the GPU's\n"
        "share of its peak, XLA on a GPU and mixed precision. Nothing above says anything\n"
        "about them. To measure them: Colab → Runtime → Change runtime type → GPU, run all."
    )
else:
    gpu_name = GPUS[0]["name"]
    precision = timing.matmul_precision(
        "float32",
        GPUS[0]["compute_capability"],
        tf.config.experimental.tensor_float_32_execution_enabled(),
    )
    nominal = timing.nominal_peak(gpu_name, precision)
    row = best["GPU", "compiled"]
    print(f"{gpu_name}: float32 products run as {precision.upper()}")
    if nominal is None:
        print("  this GPU (or mode) is not in the table: no nominal peak to compare with")
    else:
        print(
            f"  nominal {nominal:,.1f} TFLOP/s; measured matmul peak {PEAK['GPU'] / 1e3:,.1f} "
            f"TFLOP/s = {PEAK['GPU'] / 1e3 / nominal:.0%} of it; best compiled step "
            f"{row['gflops'] / 1e3:,.2f} TFLOP/s = {row['gflops'] / 1e3 / nominal:.0%} of it"
        )
    for loop in ("compiled", "xla", "train_on_batch"):
        print(f"\nGPU images/s ÷ CPU images/s, {loop}, step on data already on the device:")
        speedup = timing.speedup_table(sweeps["CPU"], sweeps["GPU"], loop)
        print(speedup.round(1).to_string(index=False))
    cpu_fit = timing.fit_images_per_s(
        build_model, x_fit, y_fit, batch_size=BATCH, epochs=3, device=DEVICES["CPU"]
    )
    print(
        f"\nend to end, fit at batch {BATCH}: GPU {FIT_IMAGES_PER_S:,.0f} images/s (section 4), "
        f"CPU {cpu_fit['images_per_s']:,.0f}: {FIT_IMAGES_PER_S / cpu_fit['images_per_s']:.1f}×"
    )

# %% [markdown]
# **Optional: mixed precision (GPUs with tensor cores).** With the policy `mixed_float16` the
# layers compute in float16 on the tensor cores (compute capability 7.0 or more; a T4 is
# 7.5) and keep float32 weights; Keras scales the loss to keep small gradients
# representable, and our logits layer stays float32, as TensorFlow's guide advises for the
# output. Tensor cores work best when the layer widths are multiples of 8, as 3072, 1024
# and 512 are. From Ampere (8.0) on, `mixed_bfloat16` is an alternative that needs no loss
# scaling; a T4 has no tensor-core path for bfloat16. The cell runs only where it can.

# %%
# %%needs_backend tensorflow
RUN_MIXED_PRECISION = True
capability = GPUS[0]["compute_capability"] if GPUS else (0, 0)
if GPUS and RUN_MIXED_PRECISION and timing.matmul_precision("float16", capability, True):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        half_peak = timing.matmul_peak(
            SIZES["GPU"],
            dtype="float16",
            device=DEVICES["GPU"],
            repeats=REPEATS,
            min_seconds=MIN_SECONDS,
        )
        half_sweep = timing.train_step_sweep(
            build_model,
            x_fit,
            y_fit,
            BATCH_SIZES[-3:],
            loops=("compiled", "xla"),
            flops_per_sample=TRAIN_FLOPS_PER_SAMPLE,
            device=DEVICES["GPU"],
            min_seconds=MIN_SECONDS,
            repeats=REPEATS,
        )
    finally:
        keras.mixed_precision.set_global_policy("float32")
    half_nominal = timing.nominal_peak(GPUS[0]["name"], "fp16")
    print(f"float16 matmul peak: {half_peak['gflops'].max() / 1e3:,.1f} TFLOP/s measured", end="")
    print(f" (nominal {half_nominal:,.1f})" if half_nominal else "")
    compare = half_sweep[["loop", "batch_size", "samples_per_s"]].merge(
        sweeps["GPU"][["loop", "batch_size", "samples_per_s"]],
        on=["loop", "batch_size"],
        suffixes=("_mixed", "_float32"),
    )
    compare["mixed ÷ float32"] = compare["samples_per_s_mixed"] / compare["samples_per_s_float32"]
    print(compare.round(2).to_string(index=False))
elif GPUS and RUN_MIXED_PRECISION:
    print(f"Mixed precision: skipped (compute capability {capability}: no float16 tensor cores).")
else:
    print("Mixed precision: skipped (it needs a GPU with tensor cores).")

# %%
numbers = {"test_accuracy": test_accuracy, "train_mflop_per_image": TRAIN_FLOPS_PER_SAMPLE / 1e6}
for label in DEVICES if TENSORFLOW else ():  # the timings of sections 5-6
    key = label.lower()
    numbers[f"{key}_matmul_peak_gflops"] = PEAK[label]
    numbers[f"{key}_bandwidth_gb_s"] = BANDWIDTH[label]
    numbers[f"{key}_weights_bandwidth_gb_s"] = WEIGHTS_BANDWIDTH[label]
    for loop in ("compiled", "train_on_batch"):
        row = best[label, loop]
        numbers[f"{key}_{loop}_best_batch"] = row["batch_size"]
        numbers[f"{key}_{loop}_best_gflops"] = row["gflops"]
        numbers[f"{key}_{loop}_best_share"] = row["share_of_peak"]
    for name, update in updates[label].items():
        numbers[f"{key}_update_ms_{name.lower().replace(', ', '_')}"] = update.per_step * 1e3
    smallest = breakdown[label].iloc[0]
    numbers[f"{key}_adam_time_share_compiled_b{BATCH_SIZES[0]}"] = smallest["update_share_compiled"]
    numbers[f"{key}_adam_time_share_train_on_batch_b{BATCH_SIZES[0]}"] = smallest[
        "update_share_train_on_batch"
    ]
    numbers[f"{key}_floor_train_on_batch_ms"] = floors[label]["train_on_batch"]
    numbers[f"{key}_floor_compiled_ms"] = floors[label]["compiled"]
    for _, row in sweeps[label].iterrows():
        name = f"{key}_{row['loop']}_images_per_s_b{int(row['batch_size'])}"
        numbers[name] = row["samples_per_s"]
numbers["fit_images_per_s"] = FIT_IMAGES_PER_S
helpers.record("07", **numbers)

# %% [markdown]
# > **Common mistakes**
# >
# > * **Timing the first call.** It traces the graph and allocates memory: warm up first.
# >   Building the model inside the timed cell is the same mistake, bigger.
# > * **Timing the input pipeline.** Converting NumPy arrays, shuffling or reading files
# >   inside the timed region measures them, not the training step.
# > * **One run, or a fixed number of steps.** Other programs, clock boosts and caches move
# >   single timings by tens of per cent: repeat, report the median and the range. And a
# >   fixed step count that lasts a second on one device lasts a millisecond on another:
# >   size each run by time.
# > * **Stopping the clock before the GPU has finished.** GPU work is asynchronous; read a
# >   result back (`.numpy()`, a Python `float`) before you stop the clock.
# > * **Timing a `train_on_batch` loop and calling it the device's speed.** Every call
# >   carries a Python harness and a wait for the device; on a fast GPU that can be most of
# >   the time. Compare devices with a compiled loop (`steps_per_execution`).
# > * **Reading a share of FLOPs as a share of time.** Adam's update is a few per cent of
# >   the FLOPs and can be half of a small-batch step: it is limited by memory traffic.
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

HINT_1 = "One multiply-add per weight: inputs × units for each Dense layer, summed."
checks.check_digest(answer_forward, "fb1b966493f7b9c3", exercise="07.1", hint=HINT_1)

# %% [markdown]
# **Exercise 2: training cost.** For the same network, how many multiply-adds does one image
# cost in a training step, counted as in section 3?

# %%
answer_training = ...  # a whole number

HINT_2 = (
    "Three products per layer (forward, weight gradient, input gradient), except that"
    " the first layer needs no input gradient."
)
checks.check_digest(answer_training, "fca2f4e12b0edbf2", exercise="07.2", hint=HINT_2)

# %% [markdown]
# **Exercise 3: throughput.** A timed run of 20 training steps at batch size 128 took
# 0.5 s (the median of five runs, after warm-up). How many images per second is that?

# %%
answer_rate = ...  # a whole number

HINT_3 = "Images processed in one run, divided by its time."
checks.check_digest(answer_rate, "7a2ddf836ad48111", exercise="07.3", hint=HINT_3)

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

HINT_4 = "Which of the timing rules of section 5 does a plain perf_counter pair miss?"
checks.check_digest(answer_gpu, "4de1bacc03a26918", exercise="07.4", hint=HINT_4)

# %% [markdown]
# **Exercise 5: overhead.** A training step at batch size 64 takes 10 ms; at batch size 1024
# it takes 80 ms. How many times more images per second does batch size 1024 process?
# (Two decimals.)

# %%
answer_ratio = ...  # a number

HINT_5 = "Images per second is the batch size divided by the step time; compare the two."
checks.check_digest(answer_ratio, "e86bb3e179ada98e", exercise="07.5", decimals=2, hint=HINT_5)

# %% [markdown]
# **Exercise 6: Adam's share, measured from the outside.** Section 5.3 timed Adam's update
# alone. Check it another way: time the compiled step at the smallest batch size,
# `BATCH_SIZES[0]`, on the CPU with plain SGD instead of Adam
# (`functools.partial(build_model, optimizer="sgd")`), using `timing.train_step_sweep` as in
# section 5.2. What fraction of the Adam step's time does the switch save? (The Adam step is
# in `sweeps["CPU"]`.) The check then sets your measurement beside what the update timings
# of section 5.3 predict: two measurements of one effect, each with a timing's noise.

# %%
# %%needs_backend tensorflow
sgd_sweep = ...  # your timing.train_step_sweep(...) of the SGD model
answer_saving = ...  # a number between 0 and 1, from your own measurement

exercises.check_sgd_saving(answer_saving, sgd_sweep, sweeps["CPU"], updates["CPU"])

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: 3072 × 256 + 256 × 10
answer_forward = 3072 * 256 + 256 * 10
assert checks.check_digest(answer_forward, "fb1b966493f7b9c3", exercise="07.1", hint=HINT_1)

# %%
# Exercise 2: forward + weight gradients (= forward) + the second layer's input gradient,
# i.e. 3 × forward − 3072 × 256. The helper agrees:
answer_training = 3 * answer_forward - 3072 * 256
small = keras.Sequential(
    [
        keras.Input(shape=(32, 32, 3)),
        keras.layers.Flatten(),
        keras.layers.Dense(256),
        keras.layers.Dense(10),
    ]
)
assert flops.training_macs(small) == answer_training
assert checks.check_digest(answer_training, "fca2f4e12b0edbf2", exercise="07.2", hint=HINT_2)

# %%
# Exercise 3: 20 steps × 128 images in 0.5 s
answer_rate = 20 * 128 / 0.5
assert checks.check_digest(answer_rate, "7a2ddf836ad48111", exercise="07.3", hint=HINT_3)

# %%
# Exercise 4: (b). The call returns once the GPU has queued the work; read the result back
# (e.g. y.numpy()) before stopping the clock, as helpers.timing does.
answer_gpu = "b"
assert checks.check_digest(answer_gpu, "4de1bacc03a26918", exercise="07.4", hint=HINT_4)

# %%
# Exercise 5: 1024 / 0.080 s against 64 / 0.010 s. Sixteen times the images cost only eight
# times the time: the fixed cost per step is shared by more images.
answer_ratio = (1024 / 0.080) / (64 / 0.010)
assert checks.check_digest(
    answer_ratio, "e86bb3e179ada98e", exercise="07.5", decimals=2, hint=HINT_5
)

# %%
# %%needs_backend tensorflow
# Exercise 6: the same sweep, SGD instead of Adam, compiled loop, smallest batch, CPU. If the
# saving comes out larger than the update timings predict, the caches are a likely reason:
# timed alone, Adam's arrays stay in them from one update to the next; inside a step, the
# images, activations and gradients pass through them too.
sgd_sweep = timing.train_step_sweep(
    functools.partial(build_model, optimizer="sgd"),
    x_fit,
    y_fit,
    BATCH_SIZES[:1],
    loops=("compiled",),
    device=DEVICES["CPU"],
    min_seconds=MIN_SECONDS,
    repeats=REPEATS,
)
adam_step = sweeps["CPU"].query("loop == 'compiled'")["step_ms"].iloc[0]
sgd_step = sgd_sweep["step_ms"].iloc[0]
answer_saving = 1 - sgd_step / adam_step
print(
    f"batch {BATCH_SIZES[0]}, compiled step: Adam {adam_step:.2f} ms, SGD {sgd_step:.2f} ms: "
    f"SGD saves {answer_saving:.0%} of the step"
)
assert exercises.check_sgd_saving(answer_saving, sgd_sweep, sweeps["CPU"], updates["CPU"])
