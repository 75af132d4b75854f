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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/15_input_pipelines.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/15_input_pipelines.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F15_input_pipelines.ipynb)
# # 15 · Input pipelines
#
# **Goals.** After this lesson you can
#
# * build a `tf.data` pipeline from arrays in memory and from image files on disk: list the
#   files, read, decode, resize, augment, shuffle, batch;
# * say what `map(..., num_parallel_calls=AUTOTUNE)`, `cache()`, `prefetch()` and `AUTOTUNE`
#   do, and where each belongs in the chain;
# * measure where an epoch's time goes, waiting for the next batch against computing the
#   training step, and compare the measurement with a simple model: the *sum* of the two
#   without overlap, the *larger* of the two with it;
# * recognise three pitfalls by what they do to the data: a shuffle buffer smaller than the
#   data's sort order, `cache()` after a random augmentation (and its twin, a random op with
#   no seed of its own), and a pipeline whose order or randomness depends on thread timing;
#   and build the reproducible version, checked by assertions;
# * write a `keras.utils.PyDataset`, the backend-neutral alternative, and say what its
#   `workers` and `use_multiprocessing` do;
# * feed `model.fit` from `tf.data` on Keras's JAX backend as well as on TensorFlow.
#
# **Data.** MNIST, as in lesson 06, written once as PNG files, one folder per digit, into a
# temporary folder that the lesson creates, reads in sections 3 to 9 and then deletes. Full
# mode writes all 70,000 images; QUICK mode, which the test suite runs, 10,000 (MNIST's official
# test images, split into 8,000 to train on and 2,000 to test on).

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
import gc
import math
import os
import random
import tempfile
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from PIL import Image
from sklearn.model_selection import train_test_split

from helpers import checks, exercises
from helpers.datasets import load_mnist
from helpers.plots import show_images
from helpers.training import reset_training

AUTOTUNE = tf.data.AUTOTUNE
BATCH = 128
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
print(
    f"tf.data runs on TensorFlow {tf.__version__}; Keras trains on {keras.backend.backend()}; "
    f"this process may use {CORES} CPU cores"
)

# %% [markdown]
# ## 1. A producer and a consumer
#
# A training step needs a batch. Before it can have one, something must read the files,
# decode them, perhaps resize and augment each image, and stack them: the **input
# pipeline** produces batches, the **training step** consumes them. Call $D$ the time to
# prepare one batch, $C$ the time of one training step and $n$ the number of steps in an
# epoch. A loop that does one after the other takes
#
# $$T_\text{naive} \approx n\,(D + C).$$
#
# If the next batch is prepared *while* the current step runs (a buffer of ready batches
# between the two, **prefetching**), the slower of the two sets the pace:
#
# $$T_\text{overlap} \approx D + n\,\max(D, C),$$
#
# where $D$ is the first batch, which nothing can hide. That holds only if the two do not
# compete for the same hardware: a step on a GPU while the CPU prepares data, or spare CPU
# cores. Three more tools change $D$ itself: a **parallel map** prepares several images at
# once, which divides $D$ by up to $p$ on $p$ free cores; a **cache** keeps the result of the
# deterministic, expensive part (reading and decoding) in memory after the first epoch, so
# that later epochs pay only for what comes after it; and doing less per image. No pipeline
# can make an epoch shorter than its steps, $nC$, so the largest speed-up any of them can
# bring over the naive loop is
#
# $$\frac{T_\text{naive}}{T_\text{best}} \le \frac{D + C}{C},$$
#
# which is 2 when preparing a batch costs as much as a step. Section 4 tunes the preparation
# towards that case, with both times measured in the same loop as the race (under load their
# ratio can still drift: the race prints it as it came out), and measures how close each tool
# comes on this machine.
#
# | `tf.data` call | what it does | where it goes |
# |---|---|---|
# | `Dataset.from_tensor_slices(x)` | one element per row of `x` (arrays, or a list of file names) | first |
# | `.shuffle(buffer, seed=...)` | holds `buffer` elements, outputs a random one, reads the next in its place; a new order every epoch | on something cheap (file names), or right after `cache()`; a buffer as large as the data's sort order (best: all of it) |
# | `.map(f, num_parallel_calls=AUTOTUNE)` | applies `f` to every element, several at once; the output order stays the input order unless `deterministic=False` | per-image work: decode, resize, augment |
# | `.cache()` | keeps every element of the first complete pass in memory (`cache(filename)`: on disk); later passes read them back | after the expensive *deterministic* work, before anything random |
# | `.batch(b)` | stacks `b` consecutive elements into one | after per-image work |
# | `.prefetch(AUTOTUNE)` | prepares batches ahead, in a background thread, while the consumer works | last |
#
# `tf.data.AUTOTUNE` lets `tf.data` choose the number of parallel calls or the buffer size
# while the pipeline runs, from what it measures.

# %% [markdown]
# ## 2. From arrays in memory
#
# The simplest source is an array that is already in memory. `from_tensor_slices` makes one
# element per row; every call after it returns a *new* dataset, a description of the work,
# which runs only when something iterates over it (a `for` loop, `model.fit`). A validation
# split (10 %, stratified, seeded) comes out of the training images, as in lessons 06 and 11;
# the test images wait for section 9.

# %%
(x_train, y_train), (x_test, y_test) = load_mnist(quick=QUICK)
x_fit, x_val, y_fit, y_val = train_test_split(
    x_train, y_train, test_size=0.1, stratify=y_train, random_state=SEED
)
print(
    f"{len(x_fit):,} images to fit on, {len(x_val):,} for validation, {len(x_test):,} for the test"
)

from_arrays = tf.data.Dataset.from_tensor_slices((x_fit, y_fit))
print("one element:", from_arrays.element_spec)
print(f"{int(from_arrays.cardinality()):,} elements")


def scale(image, label):
    """uint8 (28, 28) or (28, 28, 1) → float32 (28, 28, 1) in [0, 1], label → int32: what this
    lesson's models take (one dtype everywhere, so that Keras traces each step only once)."""
    image = tf.cast(image, tf.float32) / 255.0
    return tf.reshape(image, (28, 28, 1)), tf.cast(label, tf.int32)


in_order = list(from_arrays.map(scale).batch(BATCH).as_numpy_iterator())
print(
    f"{len(in_order)} batches; the first holds images {in_order[0][0].shape} and labels "
    f"{in_order[0][1].shape}, the last {in_order[-1][0].shape}: the rest of the division"
)

# %%
# Check: without shuffle, a pipeline gives the rows in their order, every one exactly once,
# and scaling in TensorFlow gives what NumPy gives in float32
images_in_order = np.concatenate([x for x, _ in in_order])[..., 0]
np.testing.assert_array_equal(np.concatenate([y for _, y in in_order]), y_fit)
np.testing.assert_array_equal(images_in_order, x_fit.astype(np.float32) / np.float32(255))
assert len(in_order) == math.ceil(len(x_fit) / BATCH)

# %% [markdown]
# **Feeding `fit`.** A dataset of `(images, labels)` batches goes straight into `model.fit`,
# which takes one batch per step and starts a new pass over the dataset every epoch. It works on
# either backend: on TensorFlow, Keras's compiled training function asks the pipeline's
# iterator for the next batch itself; on JAX, Keras iterates over the dataset in Python and
# converts each batch to NumPy arrays before handing it to the compiled JAX step
# (`TFDatasetAdapter.get_jax_iterator` in Keras's source). Either way the pipeline itself runs
# in `tf.data`'s own threads, which is why TensorFlow is installed and imported on every backend
# in this course. The
# training pipeline below shuffles (seeded), scales in parallel, batches and prefetches; the
# validation pipeline only scales and batches. The model is a small dense network, 784 inputs →
# 256 ReLU units → 10 logits; the same network, put back to the same initial weights each time
# (`reset_training`), is trained again in sections 5, 8 and 9.

# %%
LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def build_dense(*widths: int) -> keras.Sequential:
    """784 inputs → Dense(w, ReLU) for each width → 10 logits (softmax lives in the loss)."""
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(width, activation="relu") for width in widths]
    return keras.Sequential([*layers, keras.layers.Dense(10)])


def compiled(model: keras.Model, learning_rate: float = 1e-3) -> keras.Model:
    model.compile(keras.optimizers.Adam(learning_rate), loss=LOSS, metrics=["accuracy"])
    return model


train_from_arrays = (
    from_arrays.shuffle(len(x_fit), seed=SEED)
    .map(scale, num_parallel_calls=AUTOTUNE)
    .batch(BATCH)
    .prefetch(AUTOTUNE)
)
val_data = tf.data.Dataset.from_tensor_slices((x_val, y_val)).map(scale).batch(1024).cache()
small_model = compiled(build_dense(256))
START_WEIGHTS = small_model.get_weights()  # every run of this network starts from these
array_history = small_model.fit(  # the dataset shuffles itself: fit's shuffle is for arrays
    train_from_arrays, validation_data=val_data, epochs=1, shuffle=False, verbose=0
)
print(
    f"Keras on {keras.backend.backend()}, fed by tf.data: validation accuracy after one epoch "
    f"{array_history.history['val_accuracy'][-1]:.3f}"
)

# %% [markdown]
# (`model.fit(x, y, batch_size=..., shuffle=True)` on arrays builds a similar pipeline inside
# Keras; an explicit one is what lets you add decoding, augmentation and caching.)
#
# ## 3. From files on disk
#
# Real image collections are often folders of files, too many to hold in memory decoded. We
# make one from MNIST: every image becomes a PNG file in a folder named after its digit, the
# layout that `keras.utils.image_dataset_from_directory` expects too. The folder is a temporary
# one (`tempfile.TemporaryDirectory`, in your system's folder for temporary files; its name is
# printed below), deleted at the end of section 9. If the lesson stops before, Python deletes it
# when the kernel shuts down normally; a kernel that is killed leaves it behind, to delete by
# hand. Each file is named after the row of the array it came from, so that we can check what
# we read back.

# %%
WORKDIR = tempfile.TemporaryDirectory(prefix="dlcourse-15-")
FOLDER = Path(WORKDIR.name)
SPLITS = {"fit": (x_fit, y_fit), "val": (x_val, y_val), "test": (x_test, y_test)}


def write_pngs(split: str, images: np.ndarray, labels: np.ndarray) -> None:
    """images[i] → FOLDER/split/<label>/<i>.png (lossless: PNG keeps every pixel value)."""
    for digit in range(10):
        (FOLDER / split / str(digit)).mkdir(parents=True, exist_ok=True)
    for row, (image, label) in enumerate(zip(images, labels, strict=True)):
        png = tf.io.encode_png(image[..., None])  # (28, 28, 1) uint8 → PNG bytes
        tf.io.write_file(str(FOLDER / split / str(label) / f"{row:05d}.png"), png)


start = time.perf_counter()
for split, (images, labels) in SPLITS.items():
    write_pngs(split, images, labels)
written = sorted(FOLDER.glob("*/*/*.png"))
data_bytes = sum(path.stat().st_size for path in written)
print(f"wrote {len(written):,} PNG files in {time.perf_counter() - start:.1f} s into {FOLDER}")
print(f"{data_bytes / 1e6:.1f} MB of PNG data, {data_bytes / len(written):.0f} bytes per file")
if hasattr(written[0].stat(), "st_blocks"):  # Linux and macOS: the space the files occupy
    disk_bytes = sum(path.stat().st_blocks * 512 for path in written)
    print(f"{disk_bytes / 1e6:.1f} MB on disk: a file takes at least one block of the file system")


# %% [markdown]
# Many tiny files are the worst case for a file system: each takes at least one block of the
# disk, however small it is (compare the two sizes printed above, where the system reports
# both), and each costs an *open* and a *read* before any decoding.
# Large data sets are therefore often packed into a few big files of records (TensorFlow's
# `TFRecord` format, read with `tf.data.TFRecordDataset`), which a pipeline reads in long
# sequential runs. The pipeline stages that follow are the same.
#
# **Listing.** Sorting the names lists the files folder by folder: all the 0s, then all the 1s,
# and so on. `tf.data.Dataset.list_files` gives the same order with `shuffle=False`; its
# default, `shuffle=True` without a `seed`, shuffles them with a seed you did not choose
# (section 7 shows what that means).


# %%
def list_pngs(split: str) -> list[str]:
    """The split's files in sorted order: class by class."""
    return sorted(str(path) for path in (FOLDER / split).glob("*/*.png"))


fit_paths, val_paths, test_paths = (list_pngs(split) for split in SPLITS)
listed = tf.data.Dataset.list_files(str(FOLDER / "fit" / "*" / "*.png"), shuffle=False)
listed = [path.decode() for path in listed.as_numpy_iterator()]
print(f"{len(fit_paths):,} files to fit on; the first and the last:")
print(" ", fit_paths[0], "\n ", fit_paths[-1])

# %% [markdown]
# **Reading, decoding, resizing.** `tf.io.read_file` returns a file's bytes,
# `tf.io.decode_png` turns them into a `uint8` array, and the label is the name of the file's
# folder. `tf.image.resize` brings an image to the model's input size; a folder of photographs
# of many sizes needs it, while MNIST's files are all 28 × 28, so here it changes nothing (we
# check that below; the picture shows what it does to other sizes).

# %%
IMAGE_SIZE = 28


def read_png(path):
    """A file → (image uint8 (28, 28, 1), label): the label is the name of its folder."""
    image = tf.io.decode_png(tf.io.read_file(path), channels=1)
    label = tf.strings.to_number(tf.strings.split(path, os.sep)[-2], out_type=tf.int32)
    return image, label


def prepare(image, label):
    """uint8 → float32 in [0, 1], resized to IMAGE_SIZE × IMAGE_SIZE (bilinear)."""
    image = tf.cast(image, tf.float32) / 255.0
    return tf.image.resize(image, (IMAGE_SIZE, IMAGE_SIZE)), label


decoded = tf.data.Dataset.from_tensor_slices(fit_paths).map(read_png, num_parallel_calls=AUTOTUNE)
file_images, file_labels = (np.concatenate(part) for part in zip(*decoded.batch(1024), strict=True))
file_rows = np.array([int(Path(path).stem) for path in fit_paths])  # the array row of each file
print(f"decoded {len(file_images):,} images {file_images.shape[1:]} {file_images.dtype}")

one_digit = file_images[len(file_images) // 2]
fig, axes = plt.subplots(1, 4, figsize=(10, 3.2), layout="constrained")
axes[0].imshow(one_digit[..., 0], cmap="gray")
axes[0].set_title(f"decoded file, label {file_labels[len(file_images) // 2]}")
for ax, size in zip(axes[1:], (14, 28, 56), strict=True):
    resized = tf.image.resize(tf.cast(one_digit, tf.float32) / 255.0, (size, size)).numpy()
    ax.imshow(resized[..., 0], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"tf.image.resize to {size} × {size}")
for ax in axes:
    ax.axis("off")
fig.suptitle("One file read back, and resized to three sizes")
plt.show()

# %%
# Check: list_files(shuffle=False) lists the sorted order; every file decodes to exactly the
# pixels it was written from and carries its folder's label; the files come sorted by class;
# resizing 28 × 28 to 28 × 28 changes nothing
assert listed == fit_paths
np.testing.assert_array_equal(file_images[..., 0], x_fit[file_rows])
np.testing.assert_array_equal(file_labels, y_fit[file_rows])
assert np.all(np.diff(file_labels) >= 0)
prepared, _ = prepare(file_images[0], file_labels[0])
np.testing.assert_array_equal(prepared.numpy(), file_images[0] / np.float32(255))

# %% [markdown]
# ## 4. Where an epoch's time goes
#
# Now the measurement. Its parts:
#
# * **A training step of known cost.** A dense network 784 → 1280 → 1280 → 10, trained with
#   `train_on_batch` on batches of 64; $C$ is the median time of one step in the instrument
#   below, on a cached, prefetched pipeline whose batches are ready when the step asks.
# * **Preparation of tunable cost.** Each image is read and decoded from its file, scaled, and
#   then blurred `ROUNDS` times with a 3 × 3 box filter, a stand-in for the heavier work of
#   real pipelines (decoding large JPEG photos, cropping, resizing, colour conversions), which
#   our tiny PNGs do not have. We measure $D$, the time to prepare one batch with nothing else
#   running (after the first batch of a pass, which also pays for starting the pass), without
#   blurring and with a few rounds, between the epochs that measure $C$, and set `ROUNDS` so
#   that, by a straight line through those two measurements, $D$ comes as close to $C$ as whole
#   rounds allow (0 rounds if $D$ is within half a round of $C$, or above it, already); then
#   once more from the naive pipeline's own split in the instrument (below).
# * **A random augmentation**, cheap: each image moves by up to 2 pixels in each direction
#   (padding, then a crop at a random place). Section 7 explains how its randomness is seeded.
# * **Four pipelines** over the same 10 batches of files (60 in full mode), each an "epoch":
#
# | pipeline | what it does |
# |---|---|
# | naive | shuffle the names, then read, decode and blur one image after the other, shift, batch; nothing overlaps |
# | prefetch | naive + `prefetch(AUTOTUNE)`: the next batch is prepared during the step |
# | parallel + prefetch | the two maps with `num_parallel_calls=AUTOTUNE`, and prefetch |
# | tuned: cache + parallel + prefetch | read, decode and blur once, cache; then each epoch shuffle the cached images, shift them (parallel), batch, prefetch |
#
# `tf.data` also optimises a pipeline by itself before running it. According to the
# documentation of `tf.data.experimental.OptimizationOptions`, its defaults include
# `map_parallelization` (run a map in parallel when its function is *stateless*: no random
# state, no side effects) and `inject_prefetch` (add a prefetch at the end), so the naive code
# is not quite naive as `tf.data` runs it. To time exactly what each pipeline's code says, the
# pipelines of the race run with these automatic optimisations off
# (`apply_default_optimizations = False`); the calibration below also times the naive code with
# them on. How much they gain depends on how many cores are free; the calibration's last
# printed line shows it for this machine.
#
# **The instrument.** A loop like `fit`'s, written out so that each step's time can be split:
# the time spent in `next()` waiting for the batch, and the time of the training step itself
# (`train_on_batch` returns the loss as a number, so the clock stops only once the step has
# finished). Each pipeline first runs untimed (the cached ones a whole epoch, to fill their
# caches); then each is timed for several epochs, in a new random order in each round, so that
# a change of the machine's load spreads over all of them. A pipeline's speed-up is computed
# within each round, against the naive pipeline's epoch of the same round. `fit` does not take
# its batches quite like this loop (on TensorFlow it pulls them inside its compiled training
# function), so after the race `fit` itself times the naive and the tuned pipelines, as a
# cross-check of the instrument.

# %%
TIME_STEPS = 10 if QUICK else 60  # batches per timed epoch
TIME_BATCH = 64  # images per batch in this section
REPEATS = 3 if QUICK else 5  # timed epochs per pipeline
timing_paths = [str(p) for p in np.random.default_rng(SEED).permutation(fit_paths)]
timing_paths = timing_paths[: TIME_STEPS * TIME_BATCH]
BLUR = tf.fill([3, 3, 1, 1], 1.0 / 9.0)  # 3 × 3 box filter, for tf.nn.conv2d
NO_AUTOMATIC = tf.data.Options()
NO_AUTOMATIC.experimental_optimization.apply_default_optimizations = False


def blurred(image, rounds):
    """`rounds` passes of a 3 × 3 box blur: the knob that sets the work per image."""
    x = image[None]  # (1, 28, 28, 1)
    for _ in tf.range(rounds):  # a tf.while_loop once traced
        x = tf.nn.conv2d(x, BLUR, strides=1, padding="SAME")
    return x[0]


def load(path, rounds=0):
    """path → (image float32 (28, 28, 1), label): read, decode, scale, and blur `rounds` times."""
    image, label = prepare(*read_png(path))
    return (blurred(image, rounds) if rounds else image), label


def add_seeds(dataset, seed):
    """Pairs every element with a random seed of its own (two integers): new seeds every epoch,
    the same sequence of them for every pipeline built with the same `seed` (section 7)."""
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    return tf.data.Dataset.zip((dataset, seeds))


def random_shift(element, seed):
    """Moves the image (first part of `element`) by up to 2 pixels in each direction: pad with
    2 zeros on every side, crop 28 × 28 at a random place drawn from the element's own seed."""
    image, *rest = element
    padded = tf.pad(image, [[2, 2], [2, 2], [0, 0]])
    return (tf.image.stateless_random_crop(padded, tf.shape(image), seed), *rest)


# %%
def file_pipeline(
    paths,
    *,
    seed=SEED,
    rounds=0,
    parallel=True,
    cache=True,
    prefetch=True,
    augment=True,
    automatic=True,
    with_index=False,
    batch_size=BATCH,
):
    """Files → (images, labels) batches: shuffled, decoded (and blurred), shifted at random.

    parallel: maps with num_parallel_calls=AUTOTUNE; cache: decode once, then shuffle the
    cached images (else shuffle the names); automatic=False: tf.data's own optimisations off;
    with_index: batches of (images, labels, file positions in `paths`), to check the order.
    """
    calls = AUTOTUNE if parallel else None
    if with_index:  # (path, its position in `paths`) → (image, label, position)
        data = tf.data.Dataset.from_tensor_slices((list(paths), tf.range(len(paths))))
        read = lambda path, index: (*load(path, rounds), index)  # noqa: E731
    else:
        data = tf.data.Dataset.from_tensor_slices(list(paths))
        read = lambda path: load(path, rounds)  # noqa: E731
    if not cache:
        data = data.shuffle(len(paths), seed=seed)  # shuffling names is cheap
    data = data.map(read, num_parallel_calls=calls)
    if cache:
        data = data.cache().shuffle(len(paths), seed=seed)  # a new order of the cached images
    if augment:
        data = add_seeds(data, seed).map(random_shift, num_parallel_calls=calls)
    data = data.batch(batch_size)
    if prefetch:
        data = data.prefetch(AUTOTUNE)
    return data if automatic else data.with_options(NO_AUTOMATIC)


# %%
def timed_epoch(pipeline, model):
    """One epoch of train_on_batch steps: (seconds, one row per step of [asked for the batch,
    got it, step done], in seconds since the epoch began)."""
    marks = []
    collecting = gc.isenabled()
    gc.disable()  # no garbage collection inside the timed epoch
    start = time.perf_counter()
    batches = pipeline.as_numpy_iterator()
    while True:
        asked = time.perf_counter()
        batch = next(batches, None)
        if batch is None:
            break
        arrived = time.perf_counter()
        model.train_on_batch(*batch)  # returns the loss as a number: the step has finished
        marks.append((asked, arrived, time.perf_counter()))
    seconds = time.perf_counter() - start
    if collecting:
        gc.enable()
    return seconds, np.array(marks) - start


def split_per_step(runs) -> tuple[float, float]:
    """(waiting, computing) seconds per step of timed epochs: the median over the epochs of
    each epoch's mean time in next() and in the step."""
    return tuple(
        float(np.median([np.mean(m[:, i + 1] - m[:, i]) for _, m in runs])) for i in (0, 1)
    )


# %% [markdown]
# **Calibration.** $C$ first: the median step of timed epochs over a cached, prefetched
# pipeline (no blurring), in the instrument the race uses. Between those epochs, $D$ for 0 and
# for 4 blur rounds (passes of the naive pipeline alone, no training), and the number of rounds
# that makes $D \approx C$ by a straight line through the two. Then that setting is checked
# where it matters: the naive pipeline runs in the instrument, and its own split (time in
# `next()`, time in the step) corrects `ROUNDS` once, aiming $D$ alone at the step's time
# there, scaled by how much longer (or shorter) the preparation took there than alone. Last, at
# the final setting: the naive pipeline's split in the instrument once more (its in-race
# $D / C$ is printed), and $D$ alone, with `tf.data`'s automatic optimisations off and on.


# %%
def naive_pipeline(rounds: int, automatic: bool = False):
    return file_pipeline(
        timing_paths,
        rounds=rounds,
        parallel=False,
        cache=False,
        prefetch=False,
        automatic=automatic,
        batch_size=TIME_BATCH,
    )


def data_pass(pipeline) -> float:
    """Seconds per batch of one pass, nothing else running, after the pass's first batch
    (which also pays for starting the pass)."""
    batches = pipeline.as_numpy_iterator()
    next(batches)
    start = time.perf_counter()
    count = sum(1 for _ in batches)
    return (time.perf_counter() - start) / count


def data_time(rounds: int, automatic: bool = False, passes: int = 2) -> float:
    """Seconds to prepare one batch with the naive pipeline's code alone: median of passes."""
    pipeline = naive_pipeline(rounds, automatic)
    return float(np.median([data_pass(pipeline) for _ in range(passes)]))


def split_in_race(rounds: int, epochs: int) -> tuple[float, float]:
    """(waiting, computing) per step of the naive pipeline at `rounds`, in the instrument."""
    naive = naive_pipeline(rounds)
    timed_epoch(naive.take(2), timing_model)  # warm-up, untimed, as in the race
    return split_per_step([timed_epoch(naive, timing_model) for _ in range(epochs)])


# %%
CALIBRATION_EPOCHS = 3 if QUICK else 7  # epochs that time C, each followed by the D passes
PROBE = 4
timing_model = compiled(build_dense(1280, 1280))
steady = file_pipeline(timing_paths, automatic=False, batch_size=TIME_BATCH)  # cached, prefetched
probes = {rounds: naive_pipeline(rounds) for rounds in (0, PROBE)}
for _ in steady:  # fill its cache: a whole pass
    pass
timed_epoch(steady.take(2), timing_model)  # warm-up: the step traced
steps, per_batch = [], {rounds: [] for rounds in probes}
for _ in range(CALIBRATION_EPOCHS):
    marks = timed_epoch(steady, timing_model)[1]
    steps.extend(marks[:, 2] - marks[:, 1])
    for rounds, probe in probes.items():
        per_batch[rounds].append(data_pass(probe))
C = float(np.median(steps))
d_plain, d_probe = (float(np.median(times)) for times in per_batch.values())
per_round = max((d_probe - d_plain) / PROBE, 1e-6)
first_rounds = int(np.clip(round((C - d_plain) / per_round), 0, 200))
first_d, first_c = split_in_race(first_rounds, epochs=2)
alone_over_race = (d_plain + first_rounds * per_round) / first_d  # D alone / D in the instrument
ROUNDS = int(np.clip(round((first_c * alone_over_race - d_plain) / per_round), 0, 200))
race_d, race_c = split_in_race(ROUNDS, epochs=2 if QUICK else 3)
D = data_time(ROUNDS, passes=3)
D_automatic = data_time(ROUNDS, automatic=True)

# %%
low, high = np.percentile(steps, [25, 75])
print(
    f"training step C = {C * 1e3:.1f} ms (median of {len(steps)} steps in "
    f"{CALIBRATION_EPOCHS} epochs of a cached, prefetched pipeline; middle half "
    f"{low * 1e3:.1f} to {high * 1e3:.1f})"
)
print(
    f"preparing a batch alone: {d_plain * 1e3:.1f} ms without blurring, {per_round * 1e3:.2f} ms "
    f"more per blur round → {first_rounds} rounds; there the naive pipeline waited "
    f"{first_d * 1e3:.1f} ms and computed {first_c * 1e3:.1f} ms per step → ROUNDS = {ROUNDS}"
)
print(
    f"ROUNDS = {ROUNDS}: D alone = {D * 1e3:.1f} ms; in the instrument the naive pipeline waited "
    f"{race_d * 1e3:.1f} ms and computed {race_c * 1e3:.1f} ms per step: "
    f"in-race D / C = {race_d / race_c:.2f}"
)
print(f"the same naive code with tf.data's automatic optimisations on: {D_automatic * 1e3:.1f} ms")

# %% [markdown]
# **The race.** The four pipelines, and two more that ask the model's question where its
# assumption holds: preparing a batch takes as long, but uses no CPU at all. Each batch arrives
# only after a wait of $C$ (a `time.sleep` in a `tf.py_function`), as files do from a slow
# network store; the images themselves come from a cache, so these two pipelines compute almost
# nothing: "waiting: naive" waits in `next()`, "waiting: prefetch" waits in a background
# thread. All six run one timed epoch each per round, in a shuffled order.

# %%
VARIANTS = {
    "naive": dict(parallel=False, cache=False, prefetch=False),
    "prefetch": dict(parallel=False, cache=False, prefetch=True),
    "parallel + prefetch": dict(parallel=True, cache=False, prefetch=True),
    "tuned: cache + parallel + prefetch": dict(parallel=True, cache=True, prefetch=True),
}
TUNED = "tuned: cache + parallel + prefetch"
WAIT = C  # the waiting race: each batch arrives after C seconds


def arrives_late(images, labels):
    """The batch, handed over after a wait of WAIT seconds that uses no CPU."""
    (images,) = tf.py_function(lambda x: (time.sleep(WAIT), x)[1], [images], [tf.float32])
    return tf.ensure_shape(images, [None, 28, 28, 1]), labels


waiting_source = file_pipeline(  # cached, as the tuned pipeline, but not prefetched
    timing_paths, rounds=ROUNDS, prefetch=False, automatic=False, batch_size=TIME_BATCH
)


def waiting_pipeline(parallel: bool, prefetch: bool):
    calls = AUTOTUNE if parallel else None
    data = waiting_source.map(arrives_late, num_parallel_calls=calls)
    return (data.prefetch(AUTOTUNE) if prefetch else data).with_options(NO_AUTOMATIC)


WAITING = {"waiting: naive": (False, False), "waiting: prefetch": (False, True)}


# %%
pipelines = {
    name: file_pipeline(
        timing_paths, rounds=ROUNDS, automatic=False, batch_size=TIME_BATCH, **settings
    )
    for name, settings in VARIANTS.items()
}
pipelines |= {name: waiting_pipeline(*settings) for name, settings in WAITING.items()}
for _ in pipelines[TUNED].concatenate(waiting_source):  # fill both caches: a whole pass each
    pass
for pipeline in pipelines.values():  # warm-up: functions traced, threads started
    timed_epoch(pipeline.take(2), timing_model)
epochs = {name: [] for name in pipelines}
shuffler = random.Random(SEED)
start = time.perf_counter()
for _ in range(REPEATS):
    order = list(pipelines)
    shuffler.shuffle(order)
    for name in order:
        epochs[name].append(timed_epoch(pipelines[name], timing_model))
print(f"{REPEATS} rounds of {len(pipelines)} epochs in {time.perf_counter() - start:.1f} s")

# %%
rows = {}
for name, runs in epochs.items():
    naive = "waiting: naive" if name.startswith("waiting") else "naive"
    seconds = np.array([s for s, _ in runs])
    speedups = np.array([s for s, _ in epochs[naive]]) / seconds  # round by round
    rows[name] = {
        "epoch s (median)": np.median(seconds),
        "epoch s (min)": seconds.min(),
        "epoch s (max)": seconds.max(),
        "per step ms": 1e3 * np.median(seconds) / TIME_STEPS,
        "waiting ms/step": 1e3 * np.median([np.mean(m[:, 1] - m[:, 0]) for _, m in runs]),
        "computing ms/step": 1e3 * np.median([np.mean(m[:, 2] - m[:, 1]) for _, m in runs]),
        "speed-up (median)": np.median(speedups),
        "speed-up (min)": speedups.min(),
        "speed-up (max)": speedups.max(),
    }
timing_table = pd.DataFrame(rows).T
# The model's inputs, as measured in the race itself (same load as the others): the naive
# pipeline's own waiting (its D) and computing (its C) per step
model_inputs = {
    group: timing_table.loc[naive, ["waiting ms/step", "computing ms/step"]].to_numpy()
    for group, naive in (("computes", "naive"), ("waits", "waiting: naive"))
}
for name in timing_table.index:
    d, c = model_inputs["waits" if name.startswith("waiting") else "computes"]
    t = timing_table.loc[name, ["waiting ms/step", "computing ms/step"]].sum()
    timing_table.loc[name, "model: no overlap"] = d + c
    timing_table.loc[name, "model: full overlap"] = max(d, c)
    timing_table.loc[name, "preparation hidden or removed"] = (d + c - t) / d
timing_table.round(3)

# %%
fig, axes = plt.subplots(
    1, 3, figsize=(16, 5.2), width_ratios=(1.2, 0.9, 1.4), layout="constrained"
)
groups = {"computes": list(VARIANTS), "waits": list(WAITING)}
titles = {
    "computes": "Preparing a batch computes (CPU work)",
    "waits": "Preparing a batch waits (no CPU)",
}
for ax, (group, names) in zip(axes[:2], groups.items(), strict=True):
    part = timing_table.loc[names]
    waiting = part["waiting ms/step"].to_numpy()
    computing = part["computing ms/step"].to_numpy()
    other = np.maximum(part["per step ms"].to_numpy() - waiting - computing, 0)
    where = np.arange(len(names))
    ax.bar(where, waiting, color="tab:red", label="waiting for the batch (next)")
    ax.bar(where, computing, bottom=waiting, color="tab:blue", label="training step")
    ax.bar(
        where, other, bottom=waiting + computing, color="tab:gray", label="starting the epoch, loop"
    )
    d, c = model_inputs[group]
    ax.axhline(d + c, color="k", ls="--", lw=1, label="model, no overlap: D + C")
    ax.axhline(max(d, c), color="k", ls=":", lw=1, label="model, full overlap: max(D, C)")
    labels = [n.replace("waiting: ", "").replace(": ", ":\n").replace(" + ", " +\n") for n in names]
    ax.set_xticks(where, labels, fontsize=8)
    ax.set_ylabel("ms per step (median epoch)")
    ax.set_title(titles[group], fontsize=10)
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=5, fontsize=8)
shown = ["naive", "prefetch", TUNED, "waiting: prefetch"]
for row, name in enumerate(shown):
    typical = np.argsort([seconds for seconds, _ in epochs[name]])[REPEATS // 2]  # median epoch
    marks = epochs[name][typical][1][:8] * 1e3  # its first 8 steps, in ms
    axes[2].broken_barh([(a, b - a) for a, b, _ in marks], (row - 0.35, 0.3), color="tab:red")
    axes[2].broken_barh([(b, c - b) for _, b, c in marks], (row + 0.05, 0.3), color="tab:blue")
axes[2].set_yticks(range(len(shown)), [n.replace(": ", ":\n") for n in shown], fontsize=8)
axes[2].set_xlabel("ms since the epoch began")
axes[2].set_title(
    "The first 8 steps of a median epoch:\nwaiting (red, lower), computing (blue, upper)",
    fontsize=10,
)
axes[2].invert_yaxis()
fig.suptitle("Where a training step's time goes")
plt.show()

# %%
for group, (d, c) in model_inputs.items():
    given = (
        f"D alone = {D * 1e3:.1f}" if group == "computes" else f"sleep per batch = {WAIT * 1e3:.1f}"
    )
    print(
        f"preparation that {group}: in the race the naive pipeline waited {d:.1f} ms and "
        f"computed {c:.1f} ms per step, D / C = {d / c:.2f} (calibration: {given} ms, "
        f"C = {C * 1e3:.1f} ms)"
    )
for name, row in timing_table.iterrows():
    steps_own = row["waiting ms/step"] + row["computing ms/step"]
    print(
        f"{name:35s} waiting + computing {steps_own:5.1f} ms per step | model: no overlap "
        f"{row['model: no overlap']:.1f}, full overlap {row['model: full overlap']:.1f} | "
        f"{row['preparation hidden or removed']:4.0%} of the preparation hidden or removed | "
        f"speed-up {row['speed-up (median)']:.2f} ({row['speed-up (min)']:.2f} to "
        f"{row['speed-up (max)']:.2f})"
    )
tuned = timing_table.loc[TUNED]
d, c = model_inputs["computes"]
print(
    f"\nthe model's ceiling, (D + C) / C = {(d + c) / c:.2f} if every pipeline's step took the "
    f"naive one's C; the tuned pipeline: {tuned['speed-up (median)']:.2f} (range "
    f"{tuned['speed-up (min)']:.2f} to {tuned['speed-up (max)']:.2f} over {REPEATS} rounds)"
)

# %%
# Check: every pipeline gave TIME_STEPS batches in every timed epoch, and the instrument is
# consistent (each step's marks in time order, all within the epoch)
for name, runs in epochs.items():
    for seconds, marks in runs:
        assert len(marks) == TIME_STEPS, (name, len(marks))
        assert np.all(np.diff(marks.ravel()) >= 0) and marks[-1, 2] <= seconds

# %% [markdown]
# **Cross-check with `fit`.** The same naive and tuned pipelines, each epoch now run by
# `model.fit(..., epochs=1, verbose=0)`, in three rounds, both pipelines in each round (in a
# shuffled order), the same number of steps per epoch for both (two passes over the timing files
# in QUICK mode, where one pass is short), and the ratio of their epoch times set beside the
# instrument's speed-up of the tuned pipeline. The two need not agree: on TensorFlow `fit` takes
# each batch inside its compiled training function, without the trip through Python and NumPy
# that the instrument's `next()` makes, and on both backends `fit` adds its own work around the
# steps (callbacks, setting up the epoch), a cost that counts for more in the shorter epochs.

# %%
FIT_PASSES = 2 if QUICK else 1  # passes over the timing files per timed fit epoch
fit_runs = {name: pipelines[name].repeat(FIT_PASSES) for name in ("naive", TUNED)}
for data in fit_runs.values():  # warm-up: fit's own training function traced
    timing_model.fit(data.take(2), epochs=1, shuffle=False, verbose=0)
fit_seconds = {name: [] for name in fit_runs}
for _ in range(3):
    order = list(fit_runs)
    shuffler.shuffle(order)
    for name in order:
        start = time.perf_counter()
        timing_model.fit(fit_runs[name], epochs=1, shuffle=False, verbose=0)
        fit_seconds[name].append(time.perf_counter() - start)
fit_speedups = np.array(fit_seconds["naive"]) / np.array(fit_seconds[TUNED])  # round by round
fit_naive, fit_tuned = (np.median(seconds) for seconds in fit_seconds.values())
print(
    f"model.fit, {FIT_PASSES * TIME_STEPS} steps per epoch: naive {fit_naive:.2f} s, tuned "
    f"{fit_tuned:.2f} s per epoch (medians of 3) → speed-up "
    f"{np.median(fit_speedups):.2f} ({fit_speedups.min():.2f} to {fit_speedups.max():.2f}); "
    f"the instrument: {tuned['speed-up (median)']:.2f} ({tuned['speed-up (min)']:.2f} to "
    f"{tuned['speed-up (max)']:.2f})"
)

# %% [markdown]
# **Reading the measurement.** The model needs $D$ and $C$; it takes them from the naive pipeline's
# own split in the race (its time in `next()` and in the step, measured under the same load as the
# others), and the first two printed lines set them beside the calibration's: $D$ alone and $C$ for
# the pipelines that compute, and for those that wait, the sleep per batch they were given (a
# setting, not a measurement). The calibration tuned the naive pipeline's split towards $D / C = 1$
# in the same instrument just before the race, but under load the ratio can drift between the two
# measurements: compare the in-race $D / C$ of the calibration's third line with the race's first
# line. The model's two lines are drawn on the bars. For each pipeline, $t$ is its time per step
# spent waiting plus computing (the grey part, starting each epoch's iterator and the loop around
# the step, is left out of the model but not of the speed-ups, which compare whole epochs), and
# "hidden or removed" is $(D + C - t)/D$: 0 % is no gain over doing one thing after the other, 100 %
# a step as short as the training step alone. Overlap alone can hide at most $\min(D, C)/D$ (all of
# the preparation only when $D \le C$); more needs a shorter preparation: less work (the cache) or
# more free cores working on it (a parallel map). A share above 100 %, or a speed-up above the
# printed ceiling, means that the training step itself ran faster than in the naive pipeline's
# epochs (compare the blue parts of the bars).
#
# **Waiting overlaps, computing competes.** When preparing a batch is *waiting* (right-hand
# group), little competes for the cores: prefetching hides the wait behind the step, and the
# time per step moves towards the model's $\max(D, C)$. When preparing a batch is *computing*
# (left-hand group), prefetching moves that work into the time of the step: the red part of the
# bar shrinks, and where the blue part grows beyond the naive pipeline's, the pipeline's threads
# took cores from the step. That happens when there are fewer free cores than both sides need.
# On a machine with 2 cores, like the one this course is tested on (the number of cores is
# printed at the top of the lesson), the step and the pipeline share the same cores and a
# parallel map adds threads without adding cores, so how much prefetching hides depends on how
# busy the cores are: anything from most of what overlap can hide to nothing (compare the blue
# parts of the bars, and the printed ranges, which show how much the load of the machine moves
# these numbers from one round to the next). The cure that needs no free core removes work
# instead of moving it: the cache, which decodes and blurs each file once instead of every
# epoch. Its first epoch still does all that work; the speed-ups above are those of the epochs
# after it.
#
# **With more cores or a GPU.** With $p$ free cores, a parallel map divides the computing part
# of $D$ by up to $p$, and prefetching overlaps it with the step: the epoch approaches
# $n \max(D/p, C)$. A GPU runs the step on the device and leaves the CPU's cores to the
# pipeline, which is the waiting case above: the overlap model holds. And since a GPU's step is
# short, $D$ easily becomes the larger term: a fast accelerator fed by a naive pipeline spends
# most of its time waiting. Run this notebook on such a machine and the table measures it there.
#
# **Measuring your own pipeline.** Time the pipeline alone (iterate over it without training)
# and the step alone (on batches that are ready when it asks: one batch kept in memory, or a
# cached, prefetched pipeline, as above): if the pipeline alone is slower, no change to the
# model will make training faster. On the TensorFlow backend, the TensorFlow
# Profiler's input-pipeline analyser splits the time of `fit`'s steps the same way.

# %% [markdown]
# ## 5. Pitfall 1: a shuffle buffer smaller than the sort order
#
# `shuffle(buffer)` does not shuffle the whole data set: it fills a buffer with the first
# `buffer` elements, outputs one of them at random, reads the next element into its place, and
# so on. Its first output is one of the first `buffer` elements; the first batch of $b$
# elements comes from the first `buffer` + $b - 1$. Our files are sorted by class, with about
# as many files per digit as a tenth of the data (the usual case for a folder per class).
# With a buffer of 1,000, a common value in tutorials, what does an epoch look like? We
# shuffle the decoded images in file order (held in memory, so that this section costs little)
# with that buffer and with a buffer of the whole data, and count the digits in each batch.

# %%
SMALL_BUFFER = 1_000
sorted_data = tf.data.Dataset.from_tensor_slices((file_images, file_labels))  # class by class


def shuffled(buffer: int):
    return (
        sorted_data.shuffle(buffer, seed=SEED).map(scale, num_parallel_calls=AUTOTUNE).batch(BATCH)
    )


BUFFERS = {
    f"buffer {SMALL_BUFFER:,}": SMALL_BUFFER,
    f"buffer {len(fit_paths):,} (all)": len(fit_paths),
}
make_up = {
    name: [np.bincount(y, minlength=10) for _, y in shuffled(buffer).as_numpy_iterator()]
    for name, buffer in BUFFERS.items()
}
for name, counts in make_up.items():
    first = np.flatnonzero(counts[0])
    print(f"{name}: digits in the first batch {first.tolist()}")

# %% [markdown]
# And what it does to training: the same network from the same initial weights, trained for
# one epoch on each order, scored on the validation images.

# %%
buffer_results = {}
for name, buffer in BUFFERS.items():
    reset_training(small_model, START_WEIGHTS)
    small_model.fit(shuffled(buffer), epochs=1, shuffle=False, verbose=0)
    predicted = small_model.predict(val_data, verbose=0).argmax(axis=1)
    buffer_results[name] = {
        "validation accuracy": float(np.mean(predicted == y_val)),
        "predicted share": np.bincount(predicted, minlength=10) / len(predicted),
    }
    last_digits = buffer_results[name]["predicted share"][8:].sum()
    print(
        f"{name}: validation accuracy after one epoch "
        f"{buffer_results[name]['validation accuracy']:.3f}; it predicts an 8 or a 9 for "
        f"{last_digits:.0%} of the validation images ({np.mean(y_val >= 8):.0%} are 8s and 9s)"
    )

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 3.8), width_ratios=(1, 1, 0.8))
for ax, (name, counts) in zip(axes[:2], make_up.items(), strict=True):
    shown_counts = np.array(counts).T  # (10 digits, batches)
    image = ax.imshow(shown_counts, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set(xlabel="batch of the epoch", ylabel="digit", title=f"Digits per batch, {name}")
    ax.set_yticks(range(10))
    fig.colorbar(image, ax=ax, label="images in the batch")
for offset, (name, result) in zip((-0.2, 0.2), buffer_results.items(), strict=True):
    axes[2].bar(np.arange(10) + offset, result["predicted share"], width=0.4, label=name)
axes[2].axhline(0.1, color="k", lw=0.8, ls=":")
axes[2].set(
    xlabel="digit predicted",
    ylabel="share of validation images",
    title="What the network predicts after one epoch",
)
axes[2].set_xticks(range(10))
axes[2].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Check: each epoch still holds every image exactly once (a shuffle loses nothing), and the
# first batch of the small buffer holds only digits of the first SMALL_BUFFER + BATCH - 1 files
for counts in make_up.values():
    np.testing.assert_array_equal(np.sum(counts, axis=0), np.bincount(file_labels, minlength=10))
small_first = set(np.flatnonzero(make_up[f"buffer {SMALL_BUFFER:,}"][0]))
assert small_first <= set(file_labels[: SMALL_BUFFER + BATCH - 1])
assert len(np.flatnonzero(make_up[f"buffer {len(fit_paths):,} (all)"][0])) >= 8
# ... and the walk through the classes costs the network far more than sampling noise could
# explain: QUICK mode, seed 42: 0.32 (TensorFlow) and 0.35 (JAX) against 0.87-0.88; seeds 0-2,
# both backends: 0.37-0.40 against 0.89-0.90; full mode 0.10 against 0.95 (seed 42)
small_accuracy, full_accuracy = (r["validation accuracy"] for r in buffer_results.values())
assert small_accuracy < full_accuracy - 0.2, (small_accuracy, full_accuracy)

# %% [markdown]
# With the small buffer the epoch walks through the digits in file order: the left picture is
# a diagonal band, where a shuffle of everything (middle) gives every batch about a tenth of
# each digit. The network trained on the band learns the digits one after the other, and each
# stretch of one digit pulls its predictions towards that digit. Compare, in the lines printed
# above and in the right-hand picture, how often each network predicts the last digits of the
# walk, 8 and 9, with how often they occur, and the two validation accuracies. Training longer
# does not remove the cause: every epoch repeats the same walk and ends on the same digits.
# The cure: shuffle with a buffer as large as the data, on something cheap (the file names,
# before decoding) or on the cached images; or store the files already shuffled. A buffer of
# the whole data costs memory for that many elements: file names cost next to nothing, decoded
# images what `cache()` holds anyway.
#
# ## 6. Pitfall 2: `cache()` after a random augmentation
#
# `cache()` stores the elements of the first complete pass and replays them. Put it *after*
# the random shift, and every epoch replays the shifts of the first one: the augmentation is
# random once, then frozen. Put it *before*, and only the deterministic work is stored; the
# shift is drawn anew each epoch. On 256 images, three passes each:

# %%
demo = tf.data.Dataset.from_tensor_slices((file_images[::23][:256], file_labels[::23][:256]))
demo = demo.map(scale)
cache_after = add_seeds(demo, SEED).map(random_shift).cache()  # wrong
cache_before = add_seeds(demo.cache(), SEED).map(random_shift)  # right


def epoch_pixels(dataset) -> np.ndarray:
    return np.stack([image for image, *_ in dataset.as_numpy_iterator()])


after = [epoch_pixels(cache_after) for _ in range(3)]
before = [epoch_pixels(cache_before) for _ in range(3)]
changed = np.mean(np.any(before[0] != before[1], axis=(1, 2, 3)))
print(
    f"cache after the shift:  epoch 2 equals epoch 1 pixel for pixel: {np.array_equal(*after[:2])}"
)
print(f"cache before the shift: {changed:.0%} of the images differ between epoch 1 and epoch 2")
fig = show_images(
    np.concatenate([[a[5] for a in after], [b[5] for b in before]])[..., 0],
    titles=[f"cache after, epoch {e}" for e in (1, 2, 3)]
    + [f"cache before, epoch {e}" for e in (1, 2, 3)],
    ncols=6,
)
fig.suptitle("One training image in three epochs", y=1.12)
plt.show()

# %%
# Check: cache after the shift replays epoch 1 exactly; cache before it, the epochs differ
np.testing.assert_array_equal(after[0], after[1])
np.testing.assert_array_equal(after[0], after[2])
assert not np.array_equal(before[0], before[1])


# %% [markdown]
# An image keeps its shift when the draw happens to repeat: with 5 × 5 possible shifts, about
# one image in 25 does by chance, hence the share printed a little below 100 %.
#
# **The same symptom from another cause.** `helpers.setup()` called
# `keras.utils.set_random_seed`, which also sets TensorFlow's global seed (on every backend:
# Keras does it because `tf.data` pipelines are used with every backend). A random op *without
# a seed of its own*, such as `tf.random.uniform` in a map, then gets its seed from the global
# one when the map's function is traced, and the reported behaviour of `tf.data` is that every
# new pass over the dataset restarts that op's random sequence from the same point
# (tensorflow/tensorflow#44195): the same "random" shifts every epoch, as with the misplaced
# cache. The line below says whether the TensorFlow you run does so.


# %%
def unseeded_shift(image, label):
    """A random shift drawn by tf.random.uniform, a stateful op with no seed of its own."""
    corner = tf.random.uniform([2], 0, 5, dtype=tf.int32)
    padded = tf.pad(image, [[2, 2], [2, 2], [0, 0]])
    return tf.slice(padded, [corner[0], corner[1], 0], [28, 28, 1]), label


unseeded = demo.cache().map(unseeded_shift)
frozen = np.array_equal(epoch_pixels(unseeded), epoch_pixels(unseeded))
print(f"tf.random.uniform without a seed, epoch 2 equals epoch 1: {frozen}")


# %% [markdown]
# On the TensorFlow versions tried for this course (2.18, the oldest it supports, and 2.21) it
# prints `True`. The shifts of this lesson avoid both causes: each element gets a seed of its
# own from `tf.data.Dataset.random(seed=..., rerandomize_each_iteration=True)`, which draws new
# seeds every epoch (its default, `rerandomize_each_iteration=False`, would draw the same ones
# every epoch), and a *stateless* op (`tf.image.stateless_random_crop`) turns each seed into a
# shift.
#
# ## 7. Pitfall 3: pipelines that are not reproducible
#
# A pipeline is reproducible when building it again with the same seeds gives the same
# batches, in the same order, with the same pixels. Three things break that, and all three are
# easy to miss, because each batch still looks right.
#
# **Order that depends on thread timing.** A parallel map computes several elements at once,
# and they finish in an order that depends on how long each takes and on the machine. By
# default (`deterministic=True`) the map still returns them in input order, waiting for a slow
# element if it must. With `deterministic=False` (or `tf.data.Options().deterministic = False`
# for the whole pipeline) it returns whatever is ready, which can be faster and is not
# reproducible. To see it, elements whose work differs: one in four gets 40 blur rounds, the
# others one.


# %%
def uneven_work(index):
    """Returns the index after work that depends on it: 40 blur rounds for one index in four."""
    image = tf.fill([28, 28, 1], tf.cast(index, tf.float32))
    rounds = tf.where(index % 4 == 0, 40, 1)
    return index, tf.reduce_sum(blurred(image, rounds))


def arrival_order(deterministic: bool) -> list[int]:
    work = tf.data.Dataset.range(200).map(
        uneven_work, num_parallel_calls=4, deterministic=deterministic
    )
    return [int(index) for index, _ in work.as_numpy_iterator()]


kept = arrival_order(deterministic=True)
loose = [arrival_order(deterministic=False) for _ in range(2)]
for number, order in enumerate(loose, start=1):
    moved = sum(a != b for a, b in zip(order, range(200), strict=True))
    print(
        f"deterministic=False, pass {number}: starts {order[:12]} ... ({moved} of 200 out of place)"
    )
print(f"deterministic=True:           starts {kept[:12]} ...")

# %%
# Check: deterministic=True (the default) keeps the input order even with uneven work;
# deterministic=False still yields every element exactly once
assert kept == list(range(200))
assert all(sorted(order) == list(range(200)) for order in loose)


# %% [markdown]
# **Randomness that depends on thread timing.** A Keras augmentation layer such as
# `keras.layers.RandomTranslation(..., seed=SEED)` works inside a `tf.data` map on every
# backend, and it is seeded; but it draws from *one* random state that it updates at every
# call. Called from a parallel map, the threads take turns at that state in whatever order they
# happen to run, so which image gets which draw can change from one run to the next, even though
# the order of the images does not (tensorflow/tensorflow#34909 reports the same for a
# `tf.random.Generator` shared by a parallel map). Built twice and compared:


# %%
def keras_shifted(parallel: bool):
    layer = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=SEED)
    calls = AUTOTUNE if parallel else None
    return demo.map(lambda image, label: (layer(image), label), num_parallel_calls=calls)


same_sequential = np.array_equal(
    epoch_pixels(keras_shifted(False)), epoch_pixels(keras_shifted(False))
)
parallel_runs = [epoch_pixels(keras_shifted(True)) for _ in range(2)]
differing = int(np.sum(np.any(parallel_runs[0] != parallel_runs[1], axis=(1, 2, 3))))
print(f"seeded Keras layer, sequential map: two builds give the same images: {same_sequential}")
print(f"seeded Keras layer, parallel map: {differing} of {len(parallel_runs[0])} images differ")

# %%
# Check: in a sequential map the seeded layer is reproducible
assert same_sequential

# %% [markdown]
# **Seeds that are not given.** `shuffle(n)` without a seed, after `set_random_seed`, takes
# the global seed and an operation seed that TensorFlow draws, for each op that needs one, from
# a sequence the global seed starts: the whole notebook run again repeats its orders, but two
# pipelines built one after the other in the same session shuffle differently:

# %%
unseeded_orders = [
    [int(i) for i in tf.data.Dataset.range(10).shuffle(10).as_numpy_iterator()] for _ in range(2)
]
seeded_orders = [
    [int(i) for i in tf.data.Dataset.range(10).shuffle(10, seed=SEED).as_numpy_iterator()]
    for _ in range(2)
]
print("shuffle(10) without a seed, built twice:", *unseeded_orders)
print("shuffle(10, seed=SEED), built twice:    ", *seeded_orders)

# %% [markdown]
# **The reproducible pipeline.** `file_pipeline` (section 4) avoids all three: a seeded
# `shuffle`, deterministic parallel maps, and an augmentation that draws nothing from a shared
# state, because every element carries its own seed from `Dataset.random`, *zipped on before*
# the parallel map, so that which thread handles an element does not matter. Built twice, two
# epochs each, on 1,024 files, with the file index of every image kept:

# %%
check_paths = [str(p) for p in np.random.default_rng(SEED + 1).permutation(fit_paths)[:1024]]
check_labels = np.array([int(Path(path).parent.name) for path in check_paths])


def two_epochs(pipeline) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(images, labels, file indices) of two consecutive epochs."""
    return [
        tuple(np.concatenate(part) for part in zip(*pipeline.as_numpy_iterator(), strict=True))
        for _ in range(2)
    ]


builds = [two_epochs(file_pipeline(check_paths, with_index=True)) for _ in range(2)]
first_1, first_2 = builds[0]
by_file = [images[np.argsort(indices)] for images, _, indices in builds[0]]  # in file order
print(f"first files of epoch 1: {first_1[2][:10].tolist()}; of epoch 2: {first_2[2][:10].tolist()}")
print(
    "files whose image differs between epoch 1 and epoch 2: "
    f"{np.mean(np.any(by_file[0] != by_file[1], axis=(1, 2, 3))):.0%}"
)

# %%
# Check: two builds give identical epochs (order, labels and pixels); each epoch holds every
# file exactly once, with its own label; epoch 2 has a new order and new shifts
for epoch_a, epoch_b in zip(*builds, strict=True):
    for part_a, part_b in zip(epoch_a, epoch_b, strict=True):
        np.testing.assert_array_equal(part_a, part_b)
for _, labels, indices in builds[0]:
    assert sorted(indices.tolist()) == list(range(len(check_paths)))
    np.testing.assert_array_equal(labels, check_labels[indices])
assert not np.array_equal(first_1[2], first_2[2])
assert not np.array_equal(by_file[0], by_file[1])


# %% [markdown]
# Bit-for-bit reproducibility of the *training* also needs deterministic kernels on the
# device (on NVIDIA GPUs some are not by default; `tf.config.experimental.enable_op_determinism`
# switches TensorFlow to deterministic ones); the pipeline is the part asserted here.
#
# ## 8. `keras.utils.PyDataset`: the backend-neutral alternative
#
# When the data needs Python (a library that reads a medical image format, say), or when you
# would rather not write TensorFlow code, Keras offers `keras.utils.PyDataset`: a class with
# `__len__` (batches per epoch) and `__getitem__(index)` (the batch at that position, as NumPy
# arrays), and optionally `on_epoch_end`, which `fit` calls after every epoch. It works the
# same on every backend. Below, one that reads the PNG files with Pillow, shifts each image by up
# to 2 pixels in NumPy, and uses a new order every epoch. Every random choice is computed from
# `(seed, epoch)` and the batch index, never from a shared state, so batches are the same
# whichever thread computes them.
#
# Parallelism is set by arguments of the constructor, passed on with `super().__init__(**kwargs)`:
#
# * `workers`: how many threads (or processes) call `__getitem__` ahead of the training
#   step; with `workers=1` (the default) and `use_multiprocessing=False`, Keras calls
#   `__getitem__` itself when it needs the next batch (on the TensorFlow backend, through a
#   `tf.data` generator with a prefetch, so even then the next batch can be prepared during a
#   step);
# * `use_multiprocessing`: processes instead of threads. Python threads run Python code one at
#   a time (the GIL), so threads help when `__getitem__` mostly waits for files or runs NumPy and
#   Pillow code that releases the GIL; pure-Python work needs processes, which need a
#   `PyDataset` that can be pickled and cost start-up time and memory;
# * `max_queue_size`: how many prepared batches may wait (default 10).
#
# The batches come back in the order of their indices whatever the number of workers (Keras's
# `OrderedEnqueuer`), unless `fit` shuffles that order (below).
# In the Keras 3 versions whose sources were checked, 3.8 (the oldest this course supports) and
# 3.15, these three are arguments of the constructor. In Keras 2 they were arguments of `fit()`,
# used with `keras.utils.Sequence`; Keras 3's `fit()` has no such arguments (`keras.utils.Sequence`
# is now another name for `PyDataset`). One more difference to know: `fit(shuffle=True)`, the
# default, shuffles the order of a `PyDataset`'s *batches* each epoch (whole batches, with Python's
# `random`); shuffling the samples is `on_epoch_end`'s job. We shuffle ourselves and pass
# `shuffle=False`. And `on_epoch_end` is not an epoch counter: in the Keras versions tried (3.8 and
# 3.15, both backends), `fit` also calls it once before the first epoch (when it resets its epoch
# iterator), so the count printed below is one more than the epochs. For shuffling that does no
# harm; a `PyDataset` that must know the epoch can take it from a callback instead.


# %%
class PngDigits(keras.utils.PyDataset):
    """Batches of PNG files read with Pillow; a new order each epoch, all from `seed`."""

    def __init__(self, paths, batch_size, seed, shift=0, **kwargs):
        super().__init__(**kwargs)  # workers, use_multiprocessing, max_queue_size
        self.paths = list(paths)
        self.labels = np.array([int(Path(path).parent.name) for path in self.paths], np.int32)
        self.batch_size, self.seed, self.shift = batch_size, seed, shift
        self.epoch = 0

    def __len__(self):
        return math.ceil(len(self.paths) / self.batch_size)

    def order(self) -> np.ndarray:
        """This epoch's order of the files: a function of (seed, epoch) alone."""
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.paths))

    def __getitem__(self, index):
        rows = self.order()[index * self.batch_size : (index + 1) * self.batch_size]
        images = np.stack([np.asarray(Image.open(self.paths[row])) for row in rows])
        if self.shift:
            s = self.shift
            rng = np.random.default_rng([self.seed, self.epoch, index])
            corners = rng.integers(0, 2 * s + 1, size=(len(rows), 2))
            padded = np.pad(images, ((0, 0), (s, s), (s, s)))
            images = np.stack(
                [padded[i, r : r + 28, c : c + 28] for i, (r, c) in enumerate(corners)]
            )
        return images[..., None].astype("float32") / 255.0, self.labels[rows]

    def on_epoch_end(self):
        self.epoch += 1


PY_EPOCHS = 2
py_train = PngDigits(fit_paths, BATCH, seed=SEED, shift=2, workers=2)
py_val = PngDigits(val_paths, 1024, seed=SEED)
reset_training(small_model, START_WEIGHTS)
start = time.perf_counter()
py_history = small_model.fit(
    py_train, validation_data=py_val, epochs=PY_EPOCHS, shuffle=False, verbose=0
)
print(
    f"PyDataset with 2 worker threads on {keras.backend.backend()}: {PY_EPOCHS} epochs in "
    f"{time.perf_counter() - start:.1f} s, validation accuracy "
    f"{py_history.history['val_accuracy'][-1]:.3f}; on_epoch_end was called {py_train.epoch} times"
)

# %%
# Check: every epoch's batches hold every file exactly once, with its folder's label; the
# same seed and epoch give the same batch; another epoch, another order
fresh = PngDigits(fit_paths, BATCH, seed=SEED, shift=2)
epoch_rows = [fresh.order()[i * BATCH : (i + 1) * BATCH] for i in range(len(fresh))]
assert sorted(np.concatenate(epoch_rows).tolist()) == list(range(len(fit_paths)))
for i in (0, len(fresh) // 2, len(fresh) - 1):  # a few batches: their labels are their files'
    np.testing.assert_array_equal(fresh[i][1], file_labels[epoch_rows[i]])
twin = PngDigits(fit_paths, BATCH, seed=SEED, shift=2)
for part_a, part_b in zip(fresh[3], twin[3], strict=True):
    np.testing.assert_array_equal(part_a, part_b)
twin.on_epoch_end()
assert not np.array_equal(fresh.order(), twin.order())

# %% [markdown]
# ## 9. Everything together: training from the files
#
# The tuned pipeline of section 4, without the blur: files read and decoded once, cached,
# shuffled with a buffer of the whole data and a seed, shifted at random every epoch with
# per-element seeds, batched and prefetched. Validation files go through a pipeline without
# shuffling or shifts. Early stopping watches the validation accuracy and keeps the best
# epoch's weights; the test files are scored once, at the end. Then the temporary folder of PNG
# files is deleted: the rest of the lesson works on what is already in memory.

# %%
FINAL_EPOCHS = 4 if QUICK else 15


def eval_pipeline(paths):
    """Files → (images, labels) batches in file order: no shuffle, no augmentation."""
    data = tf.data.Dataset.from_tensor_slices(list(paths)).map(
        read_png, num_parallel_calls=AUTOTUNE
    )
    return data.map(prepare, num_parallel_calls=AUTOTUNE).batch(1024).cache().prefetch(AUTOTUNE)


reset_training(small_model, START_WEIGHTS)
stopping = keras.callbacks.EarlyStopping(
    monitor="val_accuracy", patience=3, restore_best_weights=True
)
start = time.perf_counter()
final_history = small_model.fit(
    file_pipeline(fit_paths),
    validation_data=eval_pipeline(val_paths),
    epochs=FINAL_EPOCHS,
    callbacks=[stopping],
    shuffle=False,  # the pipeline shuffles
    verbose=0,
)
final_seconds = time.perf_counter() - start
best_epoch = int(np.argmax(final_history.history["val_accuracy"])) + 1
print(
    f"{len(final_history.history['loss'])} epochs in {final_seconds:.1f} s; best validation "
    f"accuracy {max(final_history.history['val_accuracy']):.4f} at epoch {best_epoch}"
)
test_accuracy = small_model.evaluate(eval_pipeline(test_paths), verbose=0)[1]
print(f"test accuracy, once: {test_accuracy:.4f}")
WORKDIR.cleanup()  # the lesson is done with the files (run section 3 again to rewrite them)
print(f"deleted {FOLDER}: {not FOLDER.exists()}")

# %%
helpers.record(
    "15",
    step_ms=C * 1e3,
    data_ms=D * 1e3,
    data_over_step=D / C,
    data_over_step_in_race=race_d / race_c,
    data_ms_automatic_optimisations=D_automatic * 1e3,
    blur_rounds=ROUNDS,
    tuned_speedup=tuned["speed-up (median)"],
    tuned_speedup_min=tuned["speed-up (min)"],
    tuned_speedup_max=tuned["speed-up (max)"],
    tuned_hidden_share=tuned["preparation hidden or removed"],
    fit_tuned_speedup=np.median(fit_speedups),
    fit_tuned_speedup_min=fit_speedups.min(),
    fit_tuned_speedup_max=fit_speedups.max(),
    **{
        f"{key}_{column}": timing_table.loc[name, label]
        for key, name in (
            ("prefetch", "prefetch"),
            ("parallel", "parallel + prefetch"),
            ("waiting_prefetch", "waiting: prefetch"),
        )
        for column, label in (
            ("speedup", "speed-up (median)"),
            ("speedup_min", "speed-up (min)"),
            ("speedup_max", "speed-up (max)"),
            ("hidden_share", "preparation hidden or removed"),
        )
    },
    small_buffer_val_accuracy=buffer_results[f"buffer {SMALL_BUFFER:,}"]["validation accuracy"],
    full_buffer_val_accuracy=buffer_results[f"buffer {len(fit_paths):,} (all)"][
        "validation accuracy"
    ],
    test_accuracy=test_accuracy,
)

# %% [markdown]
# > **Common mistakes**
# >
# > * `shuffle(1000)` on data sorted by class (a folder per class, listed in order): batches
# >   walk through the classes in order and the network learns them one after the other.
# >   Shuffle with a buffer as large as the data, on the file names or the cached images.
# > * `shuffle` after `batch`: it shuffles whole batches, each still made of neighbouring files.
# > * `cache()` after a random augmentation: the first epoch's random images are replayed
# >   every epoch. Cache the deterministic work (reading, decoding, resizing); augment after it.
# > * A random op without a seed of its own inside `map` (`tf.random.uniform`) under a global
# >   seed: the same "random" values every epoch. And `Dataset.random(seed)` without
# >   `rerandomize_each_iteration=True`: the same seeds every epoch.
# > * Seeded augmentation with shared state (a Keras `Random*` layer, a `tf.random.Generator`)
# >   in a parallel map: seeded, and still not reproducible. Give every element its own seed.
# > * `deterministic=False`, or `list_files` / `shuffle` / `image_dataset_from_directory`
# >   without a seed, and then wondering why two runs differ.
# > * Reading a timing of `fit` as the model's speed when the step waits for data: time the
# >   pipeline alone and the step alone first.
# > * Counting on more threads on a small machine: on 2 cores the pipeline's threads and the
# >   training step share the same cores. The cache, which removes work, needs no free core.
# > * `prefetch` in the middle of the chain instead of at its end, or not at all.
# > * A `PyDataset` whose `__init__` does not call `super().__init__(**kwargs)` (Keras warns,
# >   and `workers` is ignored), or whose randomness comes from a generator shared by its
# >   worker threads.

# %% [markdown]
# ## Exercises
#
# **Exercise 1: the model, on a bigger machine.** An epoch has 1,000 steps. A training step
# takes 20 ms on a GPU. Preparing one batch takes 60 ms of work on one CPU core, and the
# machine has 8 cores free for the pipeline. The pipeline maps in parallel on $p$ cores and
# prefetches. By the model of section 1 (ignore the first batch), (a) by what factor is the
# epoch shorter than with the naive pipeline, with all 8 cores; (b) what is the smallest $p$
# that gives that same epoch time?

# %%
answer_speedup = ...  # (a) a number, to 1 decimal
answer_cores = ...  # (b) a whole number

HINT_1 = (
    "Naive: every step pays preparation plus step. With overlap, the slower of the two sets the "
    "pace, and a parallel map on p cores divides the preparation by p. When does the step "
    "become the slower one?"
)
checks.check_digest(answer_speedup, "77b281aceaed28ab", exercise="15.1", decimals=1, hint=HINT_1)
checks.check_digest(answer_cores, "127ad529ea184870", exercise="15.1", hint=HINT_1)

# %% [markdown]
# **Exercise 2: how large a buffer?** The files of `fit_paths` are sorted by digit, and
# `file_labels` holds their labels in that order. What is the smallest `shuffle` buffer with
# which the *first* batch of `BATCH` images could contain a 9? Work it out from how `shuffle`
# fills its buffer (section 5); `file_labels` tells you where the 9s begin.

# %%
answer_buffer = ...  # a whole number

exercises.check_smallest_buffer(answer_buffer, file_labels, BATCH)


# %% [markdown]
# **Exercise 3: a training pipeline.** Write `my_pipeline(paths, decode, augment,
# batch_size, seed)`, returning a `tf.data.Dataset` of `(images, labels)` batches to train on,
# for files sorted by class. The checker gives you the two functions: `decode(path)` returns
# `(image, label)`; `augment(image, seed)` returns the image randomly changed, the change drawn
# from `seed`, a tensor of two integers. (`add_seeds` from section 4 is yours to use.) The
# checker writes 400 small PNG files of its own and tests from the outside that every epoch
# holds every file once with its label, that the first batch mixes the classes, that the files
# are read only in the first epoch (it deletes them after that epoch), that the second epoch
# brings a new order and new augmentations, that two pipelines built with the same seed give
# the same epochs, and that another seed gives another order. Speed is not tested: measure it
# as in section 4.


# %%
def my_pipeline(paths, decode, augment, batch_size, seed):
    raise NotImplementedError  # your pipeline here


exercises.check_training_pipeline(my_pipeline)

# %% [markdown]
# **Exercise 4: reproducible or not?** Which of these pipelines are *guaranteed* to give
# exactly the same batches (same order, same pixel values) when built twice, one after the
# other, in the same session after `keras.utils.set_random_seed(42)`? Answer with a set of
# letters, e.g. `{"a", "c"}`.
#
# * (a) `files.shuffle(n)` with no seed, then decode and batch;
# * (b) `files.shuffle(n, seed=1)`, then decode and batch;
# * (c) `files.map(decode, num_parallel_calls=AUTOTUNE, deterministic=False)`, then batch (no
#   randomness at all in `decode`);
# * (d) decode, then `map` with a `keras.layers.RandomTranslation(0.1, 0.1, seed=1)` layer and
#   `num_parallel_calls=AUTOTUNE`, then batch;
# * (e) decode, then `Dataset.zip` with `Dataset.random(seed=1).batch(2)` (its other arguments
#   left at their defaults), then a `map` of `stateless_random_crop` with each element's seed
#   and `num_parallel_calls=AUTOTUNE`, then batch.

# %%
answer_reproducible = ...  # a set of letters

HINT_4 = (
    "For each one, ask: is every random choice made from a seed that the code gives, and can the "
    "order or a draw depend on which thread runs first? Compare two builds, not two epochs."
)
checks.check_digest(answer_reproducible, "a2c844dc63f357eb", exercise="15.4", hint=HINT_4)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: naive 60 + 20 = 80 ms per step. With 8 cores, max(60 / 8, 20) = 20 ms: 4.0 times
# shorter; the step is then the slower side. max(60 / p, 20) = 20 from 60 / p <= 20, i.e. p >= 3:
# beyond 3 cores the pipeline waits for the GPU, not the other way round.
answer_speedup = (60 + 20) / max(60 / 8, 20)
answer_cores = math.ceil(60 / 20)
assert checks.check_digest(
    answer_speedup, "77b281aceaed28ab", exercise="15.1", decimals=1, hint=HINT_1
)
assert checks.check_digest(answer_cores, "127ad529ea184870", exercise="15.1", hint=HINT_1)

# %%
# Exercise 2: the first batch is drawn from the first buffer + BATCH - 1 files, so it can hold
# the first 9 (at position first_nine) once buffer + BATCH - 1 > first_nine.
first_nine = int(np.argmax(file_labels == 9))
answer_buffer = first_nine - BATCH + 2
for trial in range(2):  # tf.data agrees: with a buffer one smaller, no seed puts a 9 there
    batches = sorted_data.shuffle(answer_buffer - 1, seed=trial).batch(BATCH)
    assert 9 not in next(iter(batches))[1].numpy()
assert exercises.check_smallest_buffer(answer_buffer, file_labels, BATCH)


# %%
# Exercise 3: decode and cache (the files are read once), shuffle all of the cached images with
# the seed (a new order every epoch), give every element its own seed and augment after the
# cache (new changes every epoch, the same for the same seed), batch, prefetch.
def my_pipeline(paths, decode, augment, batch_size, seed):
    data = tf.data.Dataset.from_tensor_slices(list(paths))
    data = data.map(decode, num_parallel_calls=AUTOTUNE).cache().shuffle(len(paths), seed=seed)
    data = add_seeds(data, seed).map(
        lambda element, element_seed: (augment(element[0], element_seed), element[1]),
        num_parallel_calls=AUTOTUNE,
    )
    return data.batch(batch_size).prefetch(AUTOTUNE)


assert exercises.check_training_pipeline(my_pipeline)


# %%
# Exercise 4: (b) and (e). (a) draws the next operation seed of the global sequence, so a
# second build shuffles differently; (c) returns elements in the order they finish; (d) shares
# one random state between threads. (b) and (e) make every random choice from a given seed, and
# the parallel map of (e) neither reorders nor shares state. But (e) is reproducible and frozen:
# without rerandomize_each_iteration=True, Dataset.random gives the same seeds, hence the same
# crops, every epoch (section 6's symptom once more). tf.data agrees, on 64 images:
def option_e():
    seeds = tf.data.Dataset.random(seed=1).batch(2)
    images = demo.take(64)
    return tf.data.Dataset.zip((images, seeds)).map(random_shift, num_parallel_calls=AUTOTUNE)


builds_e = [option_e() for _ in range(2)]
epochs_e = [[epoch_pixels(build) for _ in range(2)] for build in builds_e]
np.testing.assert_array_equal(epochs_e[0][0], epochs_e[1][0])  # two builds: the same
np.testing.assert_array_equal(epochs_e[0][0], epochs_e[0][1])  # two epochs: the same as well
answer_reproducible = {"b", "e"}
assert checks.check_digest(answer_reproducible, "a2c844dc63f357eb", exercise="15.4", hint=HINT_4)
