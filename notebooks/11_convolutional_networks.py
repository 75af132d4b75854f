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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/11_convolutional_networks.ipynb)
# # 11 · Convolutional networks
#
# **Goals.** After this lesson you can
#
# * compute by hand what a `Conv2D` layer computes (a cross-correlation), with strides and
#   padding, and what max and average pooling compute; and name the flip that would make it
#   a convolution;
# * predict a layer's output size, $\lfloor (n + 2p - k)/s \rfloor + 1$, and its number of
#   parameters, $(k \cdot k \cdot c_\text{in} + 1) \cdot c_\text{out}$;
# * build a small CNN for MNIST in Keras 3 and compare it with lesson 06's dense network:
#   parameters, accuracy, time per epoch;
# * look inside a trained CNN: its learned filters and the feature maps of one digit;
# * put data augmentation (`keras.layers.Random*`) *inside* a model, and check that it acts
#   during training only;
# * say what batch normalisation and augmentation measurably buy, over several seeds.
#
# Data: a photograph that ships with scikit-learn, MNIST (as in lesson 06: QUICK mode uses the
# official 10 000 test images split again into 8 000 / 2 000) and CIFAR-10 (60 000 colour
# images 32 × 32 of 10 classes, 163 MB; Krizhevsky 2009). When CIFAR-10 cannot be had, QUICK
# mode replaces it with a generated stand-in and says so loudly: its numbers then say nothing
# about CIFAR-10.

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
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.signal import convolve2d
from sklearn.datasets import load_sample_image
from sklearn.model_selection import train_test_split

from helpers import checks, exercises
from helpers.callbacks import BatchLosses, EpochTimer
from helpers.convolution import average_pool2d, conv2d, conv_params, max_pool2d, output_size
from helpers.datasets import StandInWarning, load_cifar10, load_mnist
from helpers.plots import plot_history, show_images

# %% [markdown]
# ## 1. Convolution by hand
#
# A dense layer connects every pixel to every unit: it does not know that neighbouring pixels
# belong together, and a digit shifted by two pixels looks like a new input. A convolutional
# layer builds both facts in. It slides a small window of weights, the **kernel** or
# **filter**, over the image and computes one weighted sum per position:
#
# $$y_{i,j} = b + \sum_{a=0}^{k-1} \sum_{b'=0}^{k-1} \sum_{c=0}^{c_\text{in}-1}
#   x_{i s + a,\; j s + b',\; c}\; w_{a, b', c}.$$
#
# The same $k \times k \times c_\text{in}$ weights are used at every position (**weight
# sharing**), so a filter that detects an edge detects it anywhere in the image. A layer with
# $c_\text{out}$ filters produces $c_\text{out}$ such maps, the **feature maps**.
#
# **The flip.** In mathematics and signal processing, a *convolution* flips the kernel first:
# $(x * w)_{i,j} = \sum_{a,b'} x_{i - a,\, j - b'}\, w_{a, b'}$, i.e. it slides
# `w[::-1, ::-1]`. What is written above, with no flip, is a **cross-correlation**, and it is
# what `keras.layers.Conv2D` (and every deep-learning library) computes under the name
# "convolution". For a network it makes no difference, because the kernel is learned: it would
# simply learn the flipped kernel. It matters when you copy a hand-made filter from a textbook.
#
# **Stride and padding.** With stride $s$ the window jumps $s$ pixels at a time. `"valid"`
# padding adds nothing, so the window only visits positions where it fits; `"same"` adds zeros
# around the image so that the output has $\lceil n/s \rceil$ positions (for $s = 1$: the
# input size). With $p$ zeros on each side, an axis of $n$ pixels gives
#
# $$n_\text{out} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1 .$$
#
# **Pooling** shrinks a feature map: max pooling keeps the largest value of each window
# (usually $2 \times 2$ with stride 2, halving height and width), average pooling the mean.
# It has no parameters.
#
# `helpers/convolution.py` implements all of this in NumPy in about a hundred lines (read
# it: `conv2d` loops over the $k \times k$ offsets of the window, not over the pixels). Here
# we apply it to a real photograph.

# %%
photo = load_sample_image("china.jpg")  # ships with scikit-learn: (427, 640, 3) uint8
grey = photo @ np.array([0.299, 0.587, 0.114]) / 255.0  # luminance in [0, 1]
grey = average_pool2d(grey, 2)  # half the size, to keep things fast
print("photo", photo.shape, "→ grey image", grey.shape)

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])  # left → right change
FILTERS = {
    "vertical edges (Sobel x)": SOBEL_X,
    "horizontal edges (Sobel y)": SOBEL_X.T,
    "blur (5 × 5 box)": np.full((5, 5), 1 / 25),
}
feature_maps = {name: conv2d(grey, kernel) for name, kernel in FILTERS.items()}
for name, fmap in feature_maps.items():
    print(f"{name:28s} output {fmap.shape}")

# %%
fig, axes = plt.subplots(1, 4, figsize=(16, 3.4))
axes[0].imshow(grey, cmap="gray")
axes[0].set_title("input (grey)")
for ax, (name, fmap) in zip(axes[1:], feature_maps.items(), strict=True):
    shown = np.abs(fmap) if "edges" in name else fmap
    ax.imshow(shown, cmap="gray")
    ax.set_title(name + (": |output|" if "edges" in name else ""))
for ax in axes:
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# The Sobel x filter is $-1, -2, -1$ on the left and $+1, +2, +1$ on the right: on a flat
# region the two sides cancel, and it answers strongly where brightness changes from left to
# right, i.e. along *vertical* edges. Its transpose finds horizontal edges. The box filter averages 25 neighbours and blurs. Each output is smaller than
# the input by $k - 1$ pixels per axis: that is `"valid"` padding.
#
# **The flip, checked.** SciPy's `convolve2d` is a true convolution. It equals our
# cross-correlation with the kernel flipped, and for the Sobel filter, whose flip is its
# negative, the two give opposite signs. The blur is symmetric: there the flip changes nothing.

# %%
true_convolution = convolve2d(grey, SOBEL_X, mode="valid")
flipped = SOBEL_X[::-1, ::-1]
print("Sobel x flipped equals its negative:", np.array_equal(flipped, -SOBEL_X))

# %%
# Check: convolution = cross-correlation with the flipped kernel; for Sobel x, the sign flips
np.testing.assert_allclose(true_convolution, conv2d(grey, flipped), atol=1e-12)
np.testing.assert_allclose(true_convolution, -feature_maps["vertical edges (Sobel x)"], atol=1e-12)
blur = FILTERS["blur (5 × 5 box)"]
np.testing.assert_allclose(convolve2d(grey, blur, mode="valid"), feature_maps["blur (5 × 5 box)"])

# %% [markdown]
# **Pooling the edge map.** Max pooling with a $2 \times 2$ window keeps the strongest edge
# response of every block; average pooling smooths it. Both halve each side.

# %%
edges = np.abs(feature_maps["vertical edges (Sobel x)"])
pooled = {"max pool 2 × 2": max_pool2d(edges, 2), "average pool 2 × 2": average_pool2d(edges, 2)}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
for ax, (name, image) in zip(axes, {"|Sobel x| output": edges, **pooled}.items(), strict=True):
    ax.imshow(image, cmap="gray")
    ax.set_title(f"{name} {image.shape}")
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Do the hand-written versions compute what Keras computes?
#
# We give `keras.layers.Conv2D` a random kernel and bias, copy its weights into our `conv2d`,
# and compare on a colour crop of the photo (3 input channels, 4 filters), for strides 1, 2, 3
# and both paddings; the same for the two pooling layers. Keras computes in `float32`, our
# NumPy code in `float64`: the differences should be rounding only, a few times $10^{-7}$ for
# values of order 1. We assert they stay below $10^{-5}$.

# %%
crop = photo[100:141, 250:297].astype("float32")[None] / 255.0  # (1, 41, 47, 3)
rows = []
for stride in (1, 2, 3):
    for padding in ("valid", "same"):
        layer = keras.layers.Conv2D(4, 3, strides=stride, padding=padding)
        layer.build(crop.shape)
        kernel = layer.get_weights()[0]
        bias = np.random.default_rng(stride).normal(size=4).astype("float32")
        layer.set_weights([kernel, bias])
        pairs = {
            "Conv2D": (layer(crop), conv2d(crop, kernel, bias, stride, padding)),
            "MaxPooling2D": (
                keras.layers.MaxPooling2D(3, stride, padding)(crop),
                max_pool2d(crop, 3, stride, padding),
            ),
            "AveragePooling2D": (
                keras.layers.AveragePooling2D(3, stride, padding)(crop),
                average_pool2d(crop, 3, stride, padding),
            ),
        }
        for name, (keras_out, ours) in pairs.items():
            keras_out = keras.ops.convert_to_numpy(keras_out)
            rows.append(
                {
                    "layer": name,
                    "stride": stride,
                    "padding": padding,
                    "Keras shape": keras_out.shape,
                    "our shape": ours.shape,
                    "max |difference|": float(np.max(np.abs(keras_out - ours))),
                }
            )
comparison = pd.DataFrame(rows)
comparison

# %%
# Check: same shapes, and the same numbers up to float32 rounding (tolerance 1e-5)
assert (comparison["Keras shape"] == comparison["our shape"]).all()
assert comparison["max |difference|"].max() < 1e-5
print(f"largest difference over all cases: {comparison['max |difference|'].max():.1e}")

# %% [markdown]
# ### Output sizes and parameter counts
#
# The two formulas, checked against what Keras reports for a few layers on a $28 \times 28$
# greyscale input (MNIST's size). A convolutional layer's parameter count does not depend on
# the image size at all: $(k \cdot k \cdot c_\text{in} + 1) \cdot c_\text{out}$, one weight per
# position of the window and input channel, plus one bias, per filter.

# %%
size_rows = []
for filters, k, stride, padding in [
    (32, 3, 1, "valid"),
    (32, 3, 1, "same"),
    (16, 5, 2, "valid"),
    (8, 3, 2, "same"),
    (64, 7, 3, "valid"),
]:
    probe = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Conv2D(filters, k, strides=stride, padding=padding)]
    )
    size_rows.append(
        {
            "filters": filters,
            "k": k,
            "stride": stride,
            "padding": padding,
            "Keras output": probe.output_shape[1:],
            "formula output": (output_size(28, k, stride, padding),) * 2 + (filters,),
            "Keras params": probe.count_params(),
            "formula params": conv_params(k, 1, filters),
        }
    )
sizes = pd.DataFrame(size_rows)
sizes

# %%
# Check: both formulas agree with Keras in every row
assert (sizes["Keras output"] == sizes["formula output"]).all()
assert (sizes["Keras params"] == sizes["formula params"]).all()

# %% [markdown]
# ## 2. A CNN for MNIST, next to lesson 06's dense network
#
# Same data and split as lesson 06, with one change: a `Conv2D` layer expects a channel axis,
# so the images become $(N, 28, 28, 1)$. A validation split (10 %, stratified, seeded) comes
# out of the training images; the test images wait for the end of the section.

# %%
(x_train_raw, y_train), (x_test_raw, y_test) = load_mnist()
x_train = x_train_raw[..., None].astype("float32") / 255.0  # (N, 28, 28, 1) in [0, 1]
x_test = x_test_raw[..., None].astype("float32") / 255.0
x_fit, x_val, y_fit, y_val = train_test_split(
    x_train, y_train, test_size=0.1, stratify=y_train, random_state=helpers.seed()
)
print(f"{len(x_fit)} images to fit on, {len(x_val)} for validation, {len(x_test)} for the test")

# %% [markdown]
# The CNN is two blocks of *convolution → ReLU → 2 × 2 max pooling* (the second block with
# twice as many filters as the first: 32 and 64 in full mode, 16 and 32 in QUICK mode, to
# stay within its time), then the feature maps
# are flattened into one vector and a dense layer maps them to 10 logits (softmax lives in the
# loss, `from_logits=True`, as in lesson 06). The first block sees $3 \times 3$ pixels; after
# pooling, the second block's $3 \times 3$ window covers $8 \times 8$ pixels of the digit, so
# deeper layers combine edges into strokes and loops. The shapes follow from the formula:
# $28 \xrightarrow{\text{conv } 3} 26 \xrightarrow{\text{pool}} 13 \xrightarrow{\text{conv } 3}
# 11 \xrightarrow{\text{pool}} 5$.

# %%
LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def build_cnn(
    filters=(16, 32), batch_norm=False, augmentation=None, dropout=0.25, global_pool=False
) -> keras.Sequential:
    """Blocks of Conv2D(3 × 3) [→ BatchNormalization] → ReLU → MaxPooling2D, then 10 logits.

    Not compiled: each experiment compiles it with its own optimizer. With ``augmentation``
    (a model of ``keras.layers.Random*`` layers) it is the first layer, so it is applied to
    every training batch and skipped by ``evaluate`` and ``predict``.
    """
    layers = [keras.Input((28, 28, 1))]
    if augmentation is not None:
        layers.append(augmentation)
    for number, width in enumerate(filters, start=1):
        # with batch norm the convolution's bias is redundant: BN subtracts the mean anyway
        layers.append(keras.layers.Conv2D(width, 3, use_bias=not batch_norm, name=f"conv{number}"))
        if batch_norm:
            layers.append(keras.layers.BatchNormalization(momentum=0.9, name=f"bn{number}"))
        layers.append(keras.layers.ReLU(name=f"relu{number}"))
        layers.append(keras.layers.MaxPooling2D(2, name=f"pool{number}"))
    layers.append(keras.layers.GlobalAveragePooling2D() if global_pool else keras.layers.Flatten())
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(10, name="logits"))
    return keras.Sequential(layers)


def build_dense() -> keras.Sequential:
    """Lesson 06's network: 784 inputs → 512 ReLU units (20 % dropout) → 10 logits."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10),
        ]
    )


MNIST_FILTERS = (16, 32) if QUICK else (32, 64)
cnn = build_cnn(MNIST_FILTERS)
dense = build_dense()
cnn.summary()

# %%
# Check: the parameter count is the formula's, layer by layer
side = output_size(output_size(output_size(output_size(28, 3), 2, 2), 3), 2, 2)  # 28→26→13→11→5
first, second = MNIST_FILTERS
expected_params = (
    conv_params(3, 1, first) + conv_params(3, first, second) + (side * side * second + 1) * 10
)
assert cnn.count_params() == expected_params, (cnn.count_params(), expected_params)
print(f"CNN: {cnn.count_params():,} parameters | dense network: {dense.count_params():,}")

# %% [markdown]
# Both are trained the same way: batches of 64 and Adam, with a learning rate that starts at
# 0.003 and decays to 0 along a cosine over the planned epochs (large steps first, fine ones
# at the end); early stopping watches the validation *loss*, which moves more smoothly than
# the validation accuracy, and restores the best weights. `EpochTimer` (in
# `helpers/callbacks.py`) measures each epoch's training pass with `time.perf_counter`,
# without the validation pass, and `per_epoch()` reports the median over the epochs *after
# the first*: the first one also traces and compiles the training step.

# %%
EPOCHS = 12 if QUICK else 8
BATCH = 64


def train(model, x, y, epochs, learning_rate=1e-3, callbacks=(), **fit_args):
    """Compile with Adam and the logits loss, fit, return the history.

    The learning rate decays from ``learning_rate`` to 0 along a cosine over all the planned
    steps: large steps while far from a minimum, small ones to settle into it at the end.
    """
    steps = epochs * -(-len(x) // BATCH)  # batches per epoch (rounded up) times epochs
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    model.compile(keras.optimizers.Adam(schedule), loss=LOSS, metrics=["accuracy"])
    return model.fit(
        x, y, epochs=epochs, batch_size=BATCH, callbacks=list(callbacks), verbose=0, **fit_args
    )


results = {}
histories = {}
for name, model in {"dense (lesson 06)": dense, "CNN": cnn}.items():
    timer = EpochTimer()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    histories[name] = train(
        model, x_fit, y_fit, EPOCHS, 3e-3, callbacks=[timer, stop], validation_data=(x_val, y_val)
    )
    results[name] = {
        "parameters": model.count_params(),
        "epochs run": len(timer.seconds),
        "best epoch": stop.best_epoch + 1,
        "validation accuracy": histories[name].history["val_accuracy"][stop.best_epoch],
        "seconds per epoch": timer.per_epoch(),
        "first epoch (s)": timer.seconds[0],
    }
pd.DataFrame(results).T

# %%
fig = plot_history(histories["CNN"], metrics=("loss", "accuracy"), title="MNIST, CNN")
plt.show()

# %% [markdown]
# Now, once, the test set: it chooses nothing, it only reports.

# %%
for name, model in {"dense (lesson 06)": dense, "CNN": cnn}.items():
    results[name]["test accuracy"] = model.evaluate(x_test, y_test, verbose=0)[1]
summary = pd.DataFrame(results).T
cnn_test_accuracy = summary.loc["CNN", "test accuracy"]
dense_test_accuracy = summary.loc["dense (lesson 06)", "test accuracy"]
summary

# %%
# Check: the course's targets, 0.990 in full mode (60 000 training images), 0.980 in QUICK
# mode (8 000 of the official test images for training, 2 000 for testing)
target = 0.980 if QUICK else 0.990
print(f"CNN test accuracy {cnn_test_accuracy:.4f} (target {target})")
assert cnn_test_accuracy >= target, f"CNN test accuracy {cnn_test_accuracy:.4f} < {target}"

# %%
ratio = summary.loc["dense (lesson 06)", "parameters"] / summary.loc["CNN", "parameters"]
gap = cnn_test_accuracy - dense_test_accuracy
slower = (
    summary.loc["CNN", "seconds per epoch"] / summary.loc["dense (lesson 06)", "seconds per epoch"]
)
print(f"The dense network has {ratio:.1f} times as many parameters as the CNN.")
print(
    f"Test accuracy: CNN {'above' if gap > 0 else 'not above'} the dense network "
    f"by {100 * gap:+.2f} points."
)
print(f"One training epoch of the CNN takes {slower:.1f} times as long as the dense network's.")

# %% [markdown]
# The CNN has far fewer parameters, because each filter is reused at every position; it
# spends more *computation* per image for the same reason: every filter is applied at every
# position. The printed lines above give this run's numbers (times on a shared machine
# vary from run to run; the ratio is the more stable number).
#
# ## 3. What the CNN learned
#
# The filters of the first layer are $3 \times 3$ kernels, like our hand-made Sobel and
# blur filters, but learned. Below: the first 16 kernels (blue negative, red positive), what
# they make of one validation digit, then the first 16 feature maps of the second block.

# %%
kernels = cnn.get_layer("conv1").get_weights()[0][:, :, 0, :]  # (3, 3, filters)
limit = np.abs(kernels).max()
fig, axes = plt.subplots(1, 16, figsize=(16, 1.4))
for i, ax in enumerate(axes.flat):
    ax.imshow(kernels[:, :, i], cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(str(i), fontsize=8)
    ax.axis("off")
fig.suptitle(f"Learned 3 × 3 kernels of conv1 ({kernels.shape[-1]} in all, 16 shown)")
plt.show()

# %%
digit = x_val[:1]  # a validation digit: the test set is kept for the final score
probe = keras.Model(cnn.inputs[0], [cnn.get_layer("relu1").output, cnn.get_layer("relu2").output])
maps1, maps2 = (keras.ops.convert_to_numpy(m)[0] for m in probe(digit))
print("feature maps: after block 1", maps1.shape, "| after block 2", maps2.shape)
show_images(digit[..., 0], titles=[f"validation digit, label {y_val[0]}"], ncols=1)
plt.show()
show_images(np.moveaxis(maps1[:, :, :16], -1, 0), titles=[f"conv1 #{i}" for i in range(16)])
plt.show()
show_images(np.moveaxis(maps2[:, :, :16], -1, 0), titles=[f"conv2 #{i}" for i in range(16)])
plt.show()

# %%
# Check: each conv1 map is our hand-written cross-correlation of the digit with that kernel,
# plus the bias, through ReLU
conv1_bias = cnn.get_layer("conv1").get_weights()[1]
by_hand = np.maximum(conv2d(digit[0], kernels[:, :, None, :], conv1_bias), 0.0)
np.testing.assert_allclose(maps1, by_hand, atol=1e-5)

# %% [markdown]
# The first layer's maps are the digit seen through its learned filters: compare the kernels
# with the Sobel filters of section 1 (look for kernels positive on one side and negative on
# the other) and each map with the digit. The second block's maps are coarser ($11 \times 11$)
# and less recognisable: each unit combines all the maps of the first block over an
# $8 \times 8$ patch of the digit.
#
# ## 4. Batch normalisation: what it measurably does
#
# A `BatchNormalization` layer standardises each channel over the current batch (and, for
# images, over all positions), then lets the network rescale it with two learned numbers per
# channel, $\gamma$ and $\beta$:
#
# $$\hat x = \frac{x - \mu_\text{batch}}{\sqrt{\sigma^2_\text{batch} + \epsilon}}, \qquad
#   y = \gamma \hat x + \beta .$$
#
# During training it uses the batch's own mean and variance, and keeps moving averages of
# them; `evaluate` and `predict` use those averages instead, so one image's prediction does
# not depend on the rest of its batch. Keras's default `momentum=0.99` makes the averages
# forget slowly: right for long training, but after a few hundred steps they still remember
# their starting values (0 and 1) and evaluation goes wrong. Our short runs use 0.9.
#
# **Why does it help?** The original paper (Ioffe & Szegedy, 2015) said BN reduces "internal
# covariate shift", the drift of each layer's input distribution while earlier layers learn.
# That explanation is contested: Santurkar et al. (2018) injected random shifts after BN
# layers, restoring the drift, and training stayed just as fast; they argue instead that BN
# makes the loss surface smoother. What is not contested, and what we measure here, is the
# effect: **training goes faster and higher learning rates become usable**.
#
# The experiment: the same small CNN (three conv blocks, global average pooling), with and
# without BN, trained with plain SGD at a normal and at a high learning rate on a slice of the
# MNIST training images. We plot the loss of every training batch (`BatchLosses` in
# `helpers/callbacks.py`), and report the validation accuracy at the end.

# %%
BN_IMAGES = 1000 if QUICK else 6000
BN_EPOCHS = 3 if QUICK else 5
LEARNING_RATES = {"normal": 0.05, "high": 0.5}

bn_curves, bn_rows = {}, []
for lr_name, learning_rate in LEARNING_RATES.items():
    for batch_norm in (False, True):
        keras.utils.set_random_seed(helpers.seed())  # both networks start from the same draw
        model = build_cnn((16, 32, 64), batch_norm=batch_norm, dropout=0, global_pool=True)
        model.compile(keras.optimizers.SGD(learning_rate), loss=LOSS, metrics=["accuracy"])
        recorder = BatchLosses()
        model.fit(
            x_fit[:BN_IMAGES],
            y_fit[:BN_IMAGES],
            epochs=BN_EPOCHS,
            batch_size=64,
            callbacks=[recorder],
            verbose=0,
        )
        label = f"{'with' if batch_norm else 'without'} BN"
        bn_curves[lr_name, label] = recorder.losses
        bn_rows.append(
            {
                "learning rate": f"{lr_name} ({learning_rate})",
                "batch norm": label,
                "final training loss (last 10 batches)": float(np.mean(recorder.losses[-10:])),
                "validation accuracy": model.evaluate(x_val, y_val, verbose=0)[1],
            }
        )
bn_table = pd.DataFrame(bn_rows)
bn_table

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6), sharey=True)
for ax, (lr_name, learning_rate) in zip(axes, LEARNING_RATES.items(), strict=True):
    for label in ("without BN", "with BN"):
        ax.plot(bn_curves[lr_name, label], label=label, alpha=0.8)
    ax.set_title(f"SGD, {lr_name} learning rate ({learning_rate})")
    ax.set_xlabel("training step (batch)")
    ax.set_ylim(0, 3)
    ax.grid(alpha=0.3)
    ax.legend()
axes[0].set_ylabel("training loss of the batch")
fig.tight_layout()
plt.show()

# %%
accuracy_of = bn_table.set_index(["learning rate", "batch norm"])["validation accuracy"]
for lr_name, learning_rate in LEARNING_RATES.items():
    key = f"{lr_name} ({learning_rate})"
    without, with_bn = accuracy_of[key, "without BN"], accuracy_of[key, "with BN"]
    verdict = "BN ahead" if with_bn > without else "BN not ahead"
    print(
        f"{lr_name:6s} learning rate: validation accuracy {without:.3f} without BN, "
        f"{with_bn:.3f} with BN ({verdict})"
    )


# %% [markdown]
# Read the curves and the printed lines together. The number to look at is how far each
# curve has fallen after a given number of steps, and how much it jumps from batch to batch.
# One seed is one draw: the course's measurement over seeds is in the README.
#
# ## 5. Data augmentation on a small training set
#
# With few training images, a network memorises them. **Augmentation** shows it a slightly
# different version of each image at every epoch: shifted and rotated a little, changes
# that keep the label (no horizontal flips for digits: a flipped 2 is not a 2). In Keras 3
# these are layers, `keras.layers.Random*`, placed **inside the model**: active when the model
# is called with `training=True` (what `fit` does), and the identity in `evaluate` and
# `predict`. Here is what they do to one digit:

# %%
def mnist_augmentation() -> keras.Sequential:
    """Small shifts (up to 10 % of the side) and rotations (up to ± 0.04 turn = ± 14°)."""
    return keras.Sequential(
        [
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
            keras.layers.RandomRotation(0.04, fill_mode="constant"),
        ],
        name="augmentation",
    )


augment = mnist_augmentation()
copies = np.repeat(x_fit[:1], 8, axis=0)
augmented = keras.ops.convert_to_numpy(augment(copies, training=True))
show_images(
    np.concatenate([copies[:1], augmented])[..., 0],
    titles=["original"] + [f"augmented {i}" for i in range(1, 9)],
    ncols=9,
)
plt.show()

# %% [markdown]
# The experiment: few training images per run, the CNN with and without augmentation, trained
# the same fixed number of epochs (learning rate from 0.003, as for MNIST), over three seeds
# (each seed draws a different small training set and different initial weights, the same
# for both variants). We compare accuracy on the validation images, which no run trains on.

# %%
SMALL = 250 if QUICK else 1000
SMALL_EPOCHS = 8 if QUICK else 30
SEEDS = [helpers.seed() + i for i in range(3)]

aug_rows = []
for run_seed in SEEDS:
    x_small, _, y_small, _ = train_test_split(
        x_fit, y_fit, train_size=SMALL, stratify=y_fit, random_state=run_seed
    )
    for augmented_run in (False, True):
        keras.utils.set_random_seed(run_seed)
        model = build_cnn((16, 32), augmentation=mnist_augmentation() if augmented_run else None)
        train(model, x_small, y_small, SMALL_EPOCHS, 3e-3)
        aug_rows.append(
            {
                "seed": run_seed,
                "augmentation": "with" if augmented_run else "without",
                "validation accuracy": model.evaluate(x_val, y_val, verbose=0)[1],
            }
        )
aug_table = pd.DataFrame(aug_rows).pivot(
    index="seed", columns="augmentation", values="validation accuracy"
)
aug_table["gain"] = aug_table["with"] - aug_table["without"]
aug_table

# %%
aug_summary = aug_table.agg(["mean", "std"])
gain_mean, gain_sd = aug_summary.loc["mean", "gain"], aug_summary.loc["std", "gain"]
for column in ("without", "with"):
    print(
        f"{column:8s} augmentation: {aug_summary.loc['mean', column]:.3f} "
        f"± {aug_summary.loc['std', column]:.3f} (mean ± sd over {len(SEEDS)} seeds)"
    )
winner = "with augmentation" if gain_mean > 0 else "without augmentation"
clear = abs(gain_mean) > 2 * gain_sd
print(
    f"gain: {gain_mean:+.3f} ± {gain_sd:.3f}; ahead: {winner}, "
    f"{'by more than twice' if clear else 'by less than twice'} the seed-to-seed sd"
)

# %% [markdown]
# The printed lines say which variant won, by how much, and whether that is clearly more
# than the seed-to-seed spread. (With so few images, a fixed number of epochs and strong
# augmentation, the augmented network can also still be *under*-fitting when the run ends: it
# sees a harder task, and may need more epochs than the plain one to show its benefit.)
#
# ## 6. CIFAR-10: batch normalisation and augmentation in one model
#
# Colour photos of 10 classes (plane, car, bird, cat, deer, dog, frog, horse, ship, truck).
# The model takes raw pixels: augmentation (horizontal flips, which keep these labels, and
# small shifts) comes first, then `Rescaling` to $[0, 1]$, then three blocks of
# *convolution → batch normalisation → ReLU → pooling*. Everything is inside the model, so
# `predict` on a new photo needs no separate preprocessing. The `BatchNormalization` layers
# use `momentum=0.9` instead of Keras's default 0.99 because `evaluate` and `predict` use their
# moving averages, and with 0.9 these forget their starting values within a few dozen
# training steps ($0.9^{50} \approx 0.005$) where 0.99 needs several hundred
# ($0.99^{50} \approx 0.6$), more than a short run (QUICK mode's) has.
#
# It is trained like the MNIST networks (Adam, a learning rate decaying along a cosine, early
# stopping on the validation loss), starting from a learning rate of 0.001.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    (xc_train_raw, yc_train), (xc_test_raw, yc_test) = load_cifar10()
STAND_IN = any(issubclass(w.category, StandInWarning) for w in caught)
if QUICK:  # fewer images, to stay within QUICK mode's time
    xc_train_raw, yc_train = xc_train_raw[:1000], yc_train[:1000]
xc_train, xc_test = xc_train_raw.astype("float32"), xc_test_raw.astype("float32")
xc_fit, xc_val, yc_fit, yc_val = train_test_split(
    xc_train, yc_train, test_size=0.1, stratify=yc_train, random_state=helpers.seed()
)
print(
    f"{'GENERATED STAND-IN' if STAND_IN else 'CIFAR-10'}: {len(xc_fit)} to fit on, "
    f"{len(xc_val)} for validation, {len(xc_test)} for the test"
)


# %%
def build_cifar_cnn() -> keras.Model:
    """Augmentation → rescaling → 3 × (Conv2D → BN → ReLU → MaxPool) → dropout → 10 logits."""
    augmentation = keras.Sequential(
        [keras.layers.RandomFlip("horizontal"), keras.layers.RandomTranslation(0.1, 0.1)],
        name="augmentation",
    )
    inputs = keras.Input((32, 32, 3))
    x = augmentation(inputs)
    x = keras.layers.Rescaling(1 / 255)(x)
    for width in (24, 48, 96):
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.3)(x)
    return keras.Model(inputs, keras.layers.Dense(10)(x), name="cifar_cnn")


cifar_model = build_cifar_cnn()
print(f"{cifar_model.count_params():,} parameters")

# %% [markdown]
# **Is the augmentation really applied in training, and really off at prediction time?**
# The same 8 images through the augmentation block twice with `training=True`: the outputs
# differ from each other and from the input. With `training=False`: the input, unchanged.
# And `predict`, twice on the same images, gives identical answers.

# %%
batch = xc_fit[:8]
augmentation_block = cifar_model.get_layer("augmentation")
train_a, train_b, inference = (
    keras.ops.convert_to_numpy(augmentation_block(batch, training=flag))
    for flag in (True, True, False)
)
show_images(
    np.concatenate([batch[:4], train_a[:4], train_b[:4]]).clip(0, 255) / 255,
    titles=[f"{kind} {i}" for kind in ("input", "train call 1", "train call 2") for i in range(4)],
    ncols=4,
)
plt.show()

# %%
# Check: active with training=True, the identity with training=False; predict is deterministic
assert not np.allclose(train_a, train_b) and not np.allclose(train_a, batch)
np.testing.assert_array_equal(inference, batch)
np.testing.assert_allclose(
    cifar_model.predict(batch, verbose=0), cifar_model.predict(batch, verbose=0), atol=1e-6
)

# %%
CIFAR_EPOCHS = 4 if QUICK else 8
cifar_timer = EpochTimer()
cifar_stop = keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=3, restore_best_weights=True
)
cifar_history = train(
    cifar_model,
    xc_fit,
    yc_fit,
    CIFAR_EPOCHS,
    1e-3,
    callbacks=[cifar_timer, cifar_stop],
    validation_data=(xc_val, yc_val),
)
plot_history(
    cifar_history,
    metrics=("loss", "accuracy"),
    title="CIFAR-10 CNN" + (" (GENERATED STAND-IN, not CIFAR-10)" if STAND_IN else ""),
)
plt.show()
print(f"{cifar_timer.per_epoch():.1f} s per training epoch after the first")

# %% [markdown]
# The training curves are measured on augmented images, with dropout active; the validation
# curves on the images as they are. Now the test set, once:

# %%
cifar_test_accuracy = cifar_model.evaluate(xc_test, yc_test, verbose=0)[1]
if STAND_IN:
    print(
        f"test accuracy on the GENERATED STAND-IN: {cifar_test_accuracy:.3f}. "
        "This says nothing about CIFAR-10."
    )
else:
    print(f"CIFAR-10 test accuracy: {cifar_test_accuracy:.3f} (the course's target: 0.75)")

# %% [markdown]
# The course's target for this network on the real CIFAR-10 (full mode) is a test accuracy
# of at least 0.75. It is measured by learners who run the lesson online, with the real
# download; on a machine without it, QUICK mode's stand-in says nothing about that number.

# %% [markdown]
# > **Common mistakes**
# >
# > * Calling cross-correlation "convolution" and then copying a textbook kernel without
# >   flipping it: an asymmetric filter (Sobel) then answers with the opposite sign.
# > * Forgetting the channel axis: `Conv2D` wants $(N, H, W, C)$; MNIST's $(N, 28, 28)$ needs
# >   `[..., None]`.
# > * Defining augmentation layers and never putting them in the model (or applying them to
# >   the test images by hand): then nothing is augmented, or the test set is.
# > * Augmentations that change the label: horizontal flips are fine for cats and trucks,
# >   wrong for digits and text.
# > * Passing the test set as `validation_data`: early stopping then chooses on the test
# >   images. Split the validation images off the training images.
# > * Judging a BN network by a few hundred steps with `momentum=0.99`: its moving averages
# >   have not caught up, and `evaluate` looks far worse than training.
# > * Explaining BN by "internal covariate shift" as if it were established: teach what is
# >   measured (faster training, usable higher learning rates).
# > * Comparing two set-ups on one seed: the difference can be noise. Repeat over seeds and
# >   report mean ± sd.
# > * A time per epoch that includes the first epoch: it also traces the training step.

# %% [markdown]
# ## Exercises
#
# **Exercise 1: shapes and parameters.** A `Conv2D(16, 5, strides=2)` layer (padding
# `"valid"`) is applied to a $32 \times 32 \times 3$ colour image. What is the height of its
# output, and how many trainable parameters does it have? Work it out with the formulas.

# %%
answer_height = ...  # a whole number
answer_conv_params = ...  # a whole number

checks.check_digest(
    answer_height,
    "14a5708dae30a917", exercise="11.1",
    hint="n_out = floor((n + 2p - k) / s) + 1, with p = 0 for 'valid'.",
)
checks.check_digest(
    answer_conv_params,
    "a44bd8bfc98b03d6", exercise="11.1",
    hint="Each of the 16 filters has k·k·c_in weights and one bias.",
)

# %% [markdown]
# **Exercise 2: receptive field.** In the MNIST CNN, `conv1` ($3 \times 3$) is followed by
# $2 \times 2$ max pooling (stride 2) and `conv2` ($3 \times 3$). One unit of `conv2`'s output
# depends on a square of how many pixels *per side* of the input image?

# %%
answer_receptive = ...  # a whole number: the side of the square

checks.check_digest(
    answer_receptive,
    "3f91c27e3ef6b8ea", exercise="11.2",
    hint="Work backwards: 3 neighbouring conv2 inputs are 3 pooled values; each "
    "pooled value covers 2 conv1 outputs, neighbours 2 apart; each conv1 output "
    "sees 3 pixels.",
)


# %% [markdown]
# **Exercise 3: max pooling in one line.** Write `my_max_pool(x)` for a batch
# $(N, H, W, C)$ with even $H$ and $W$: $2 \times 2$ windows, stride 2, without loops. The
# check compares it with `keras.layers.MaxPooling2D` on random batches.

# %%
def my_max_pool(x):
    raise NotImplementedError  # your code: x.reshape(...) then .max(axis=...)


exercises.check_max_pool(my_max_pool)

# %% [markdown]
# **Exercise 4: augmentation at prediction time.** A trained model starts with
# `RandomRotation(0.1)`. You call `model.predict(images)` twice on the same images. Which is
# right?
#
# * (a) the two results differ, because the images are rotated at random each time;
# * (b) the two results are identical, because `Random*` layers are the identity outside
#   training;
# * (c) the two results are identical only if you fixed the random seed first.

# %%
answer_predict = ...  # "a", "b" or "c"

checks.check_digest(
    answer_predict,
    "c04d17e60ef6f544", exercise="11.4",
    hint="Look at the check cell of section 6: what did training=False return?",
)

# %% [markdown]
# **Exercise 5: parameters of batch normalisation.** A `BatchNormalization` layer after a
# `Conv2D` with 64 filters: how many of its weights does the optimizer train?

# %%
answer_bn_trainable = ...  # a whole number

checks.check_digest(
    answer_bn_trainable,
    "ac7480422d6ddb6f", exercise="11.5",
    hint="Per channel, γ and β are learned; the moving mean and variance are "
    "updated by averaging, not by gradients.",
)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: floor((32 - 5) / 2) + 1 = 14; (5 * 5 * 3 + 1) * 16 = 1216.
answer_height = output_size(32, 5, 2)
answer_conv_params = conv_params(5, 3, 16)
print(answer_height, answer_conv_params)
assert checks.check_digest(answer_height, "14a5708dae30a917", exercise="11.1", hint="see above")
assert checks.check_digest(answer_conv_params, "a44bd8bfc98b03d6", exercise="11.1", hint="see above")

# %%
# Exercise 2: conv2 sees 3 pooled values; they span 2 * (3 - 1) + 2 = 6 conv1 outputs;
# those span 6 + (3 - 1) = 8 pixels.
answer_receptive = 8
assert checks.check_digest(answer_receptive, "3f91c27e3ef6b8ea", exercise="11.2", hint="see above")


# %%
# Exercise 3
def my_max_pool(x):
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


assert exercises.check_max_pool(my_max_pool)

# %%
# Exercise 4: (b). Random* layers act only when the model is called with training=True,
# which fit does and evaluate / predict do not; no seed is needed for that.
answer_predict = "b"
assert checks.check_digest(answer_predict, "c04d17e60ef6f544", exercise="11.4", hint="see above")

# %%
# Exercise 5: 64 γ and 64 β are trained; the 64 + 64 moving statistics are not.
answer_bn_trainable = 2 * 64
bn_layer = keras.layers.BatchNormalization()
bn_layer.build((None, 5, 5, 64))
print(
    "trainable:",
    sum(int(np.prod(w.shape)) for w in bn_layer.trainable_weights),
    "| all:",
    bn_layer.count_params(),
)
assert checks.check_digest(answer_bn_trainable, "ac7480422d6ddb6f", exercise="11.5", hint="see above")

# %% [markdown]
# ## Results

# %%
bn_high = accuracy_of[f"high ({LEARNING_RATES['high']})"]
metrics = {
    "cnn_test_accuracy": cnn_test_accuracy,
    "dense_test_accuracy": dense_test_accuracy,
    "cnn_seconds_per_epoch": results["CNN"]["seconds per epoch"],
    "dense_seconds_per_epoch": results["dense (lesson 06)"]["seconds per epoch"],
    "bn_high_lr_val_accuracy_without": bn_high["without BN"],
    "bn_high_lr_val_accuracy_with": bn_high["with BN"],
    "augmentation_val_accuracy_without": aug_summary.loc["mean", "without"],
    "augmentation_val_accuracy_with": aug_summary.loc["mean", "with"],
}
prefix = "cifar10_standin_" if STAND_IN else "cifar10_"
metrics[prefix + "test_accuracy"] = cifar_test_accuracy
helpers.record("11", **metrics)
