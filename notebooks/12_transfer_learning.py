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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/12_transfer_learning.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/12_transfer_learning.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F12_transfer_learning.ipynb)
# # 12 · Transfer learning: feature extraction and fine-tuning
#
# **Goals.** After this lesson you can
#
# * explain why the lower layers of a trained network are worth reusing on a new task, and
#   what *feature extraction* and *fine-tuning* each train;
# * pre-train a small CNN on MNIST digits 0-4 and transfer it to digits 5-9 learnt from a
#   handful of labelled images, next to the same network trained from scratch;
# * measure the gain over several label draws and report it with its spread and an interval,
#   saying what those draws can and cannot tell;
# * use an ImageNet model from `keras.applications` (MobileNetV2) correctly: upscaled inputs,
#   the model's own preprocessing, batch normalisation kept in inference mode (and what
#   training mode does to it, shown on one batch), features computed once, then the top
#   blocks fine-tuned at a low learning rate.
#
# **Data.** MNIST (real data) for the first part; MobileNetV2's ImageNet weights and
# CIFAR-10 for the second. All three are downloaded on first use and kept in a cache, so
# later runs work offline. Without them, QUICK mode still runs the second part on random
# weights and generated images (and says so); MNIST has no such stand-in.

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
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from helpers import checks, exercises, training
from helpers import mobilenet as mn
from helpers import transfer as tr
from helpers.convolution import macs_per_layer
from helpers.datasets import CIFAR10_CLASSES, load_cifar10, load_mnist
from helpers.plots import show_images

if QUICK:  # small enough for the test suite: the smallest budget only, 3 draws
    BUDGETS, N_DRAWS, PRETRAIN_EPOCHS = (5,), 3, 6
    SETTINGS = training.TrainSettings(steps=200, batch_size=16, max_epochs=30, patience=6)
else:
    BUDGETS, N_DRAWS, PRETRAIN_EPOCHS = (5, 15, 50, 150), 5, 10
    SETTINGS = training.TrainSettings(steps=200, batch_size=16, max_epochs=150, patience=15)
DRAWS = helpers.run_seeds(N_DRAWS, first=100 * SEED)  # another run seed, other label draws
print(f"label budgets (images per class): {BUDGETS}; {N_DRAWS} draws each; {SETTINGS}")

# %% [markdown]
# ## 1. The idea
#
# A classifier is a composition $f(x) = h_\phi(g_\theta(x))$: a **base** $g_\theta$ (the
# convolution blocks) turns an image into a vector of features, and a **head** $h_\phi$
# (here one dense layer) turns the features into one logit per class. Trained on many
# images, the lower layers of the base learn edges and strokes, the upper ones parts of
# shapes: features that are useful well beyond the classes they were trained on. Transfer
# learning keeps them for a new task that has few labels:
#
# | regime | starts from | trains | learning rate |
# |---|---|---|---|
# | from scratch | random $\theta$, random $\phi$ | $\theta$ and $\phi$ | $\eta$ |
# | feature extraction | $\theta_{\text{source}}$, random $\phi$ | $\phi$ only | $\eta$ |
# | fine-tuning | $\theta_{\text{source}}$, $\phi$ from feature extraction | the top of $\theta$ and $\phi$ | $\eta / 10$ |
#
# Feature extraction solves
# $\min_\phi \frac1n \sum_i L\big(h_\phi(g_{\theta_{\text{source}}}(x_i)),\, y_i\big)$ with
# the base fixed, so $z_i = g_{\theta_{\text{source}}}(x_i)$ can be **computed once** and the
# head trained on the stored $z_i$: the same optimisation, without running the base again
# at every epoch. That holds because nothing random happens between an image and its
# features here. With data augmentation (or dropout inside the base) every epoch would show
# the base new versions of the images, so the base would have to run again each epoch:
# computing features once buys speed and gives up augmentation.
#
# Fine-tuning then moves the top of the base a little, with a learning rate about ten times
# smaller, so that the features adapt without being destroyed; it starts from the trained
# head, because a random head would send large, random gradients into the pre-trained
# layers during the first steps. Unfreezing only the top is the simplest form of a wider
# idea: some recipes unfreeze gradually, a few more blocks from the top at each stage
# (TensorFlow's own tutorial unfreezes MobileNetV2 from its 100th layer of 154 on).
#
# **The training budget.** Every regime trains on **all** the labelled images of the
# budget for the same number of gradient steps (`SETTINGS.steps`, and at least
# `SETTINGS.min_epochs` epochs on larger budgets): one setting for all three regimes, not
# tuned for any of them. Fine-tuning continues from the head that feature extraction has
# just trained, so its head has had those steps as well, twice those of the model trained
# from scratch: that is what fine-tuning is (the table above), not an extra allowance.
# Why no validation split and early stopping, as in earlier lessons? Validation images
# would come out of the budget ("5 labels per class" means 5 in all), and with five per
# class a 20 % split leaves one validation image per class: its loss jumps from epoch to
# epoch, so early stopping keeps an epoch chosen by noise, and four images per class are
# left to learn from.
#
# ## 2. Two tasks from one data set: digits 0-4 and digits 5-9
#
# The *source* task is digits 0-4, with all their training images. The *target* task is
# digits 5-9, relabelled 0-4 (`split_digits` maps digit $5 + j$ to label $j$), of which we
# may label only $k$ images per class, drawn from the training split. The test images of
# digits 5-9 score every model once at the end.

# %%
(x_train_raw, y_train_raw), (x_test_raw, y_test_raw) = load_mnist(quick=QUICK)
SOURCE, TARGET = [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]
x_source, y_source = tr.split_digits(x_train_raw, y_train_raw, SOURCE)
x_pool, y_pool = tr.split_digits(x_train_raw, y_train_raw, TARGET)  # we draw labels from here
x_target_test, y_target_test = tr.split_digits(x_test_raw, y_test_raw, TARGET)
x_source, x_pool, x_target_test = (tr.as_images(x) for x in (x_source, x_pool, x_target_test))
print(f"source (0-4): {len(x_source):,} training images")
print(
    f"target (5-9): {len(x_pool):,} training images to draw labels from, "
    f"{len(x_target_test):,} test images"
)
show_images(
    x_pool[:12, ..., 0],
    titles=[f"digit {TARGET[j]} → label {j}" for j in y_pool[:12]],
    ncols=6,
)
plt.show()

# %%
# Check: the two tasks share no digit, labels are 0-4 in both, and nothing was lost
assert set(np.unique(y_source)) == set(np.unique(y_pool)) == set(range(5))
assert len(x_source) + len(x_pool) == len(x_train_raw)
assert np.array_equal(np.array(TARGET)[y_target_test], y_test_raw[y_test_raw >= 5])

# %% [markdown]
# ## 3. Pre-training the base on digits 0-4
#
# The base is two convolution blocks (32 and 64 filters) ending in
# $5 \times 5 \times 64 = 1600$ features: the last convolution block's maps, flattened. We do
# not put a dense layer into the base: trained on digits 0-4, it would specialise in telling
# *those* apart, while strokes and where they lie serve any digit. The head is one dense
# layer with 5 logits (`tr.build_head`; `tr.with_head` puts it on the base, calling the base
# with `training=False`: no change for this base, which has neither batch normalisation nor
# dropout, but the way MobileNetV2's base is called in section 6). The layers have names, so
# that fine-tuning can unfreeze the top of the base by name (`conv2`).


# %%
def build_base(image_shape=(28, 28, 1)):
    """Two convolution blocks: images in, 5 x 5 x 64 = 1,600 features out (flattened)."""
    return keras.Sequential(
        [
            keras.Input(shape=image_shape),
            keras.layers.Rescaling(1 / 255, name="scale"),
            keras.layers.Conv2D(32, 3, activation="relu", name="conv1"),
            keras.layers.MaxPooling2D(name="pool1"),
            keras.layers.Conv2D(64, 3, activation="relu", name="conv2"),
            keras.layers.MaxPooling2D(name="pool2"),
            keras.layers.Flatten(name="flatten"),
        ],
        name="base",
    )


def build_classifier(n_classes, image_shape=(28, 28, 1)):
    """A fresh base and head with random weights: the architecture of every regime."""
    base = build_base(image_shape)
    return tr.with_head(base, tr.build_head(base.output_shape[-1], n_classes))


# %% [markdown]
# The source task has thousands of labels, so here a tenth of them is kept aside for early
# stopping.

# %%
source_model = tr.compile_for_labels(build_classifier(len(SOURCE)), SETTINGS.learning_rate)
source_model.summary()
source_data = tr.budget_split(x_source, y_source, SEED, val_fraction=0.1)
pretrain = training.TrainSettings(max_epochs=PRETRAIN_EPOCHS, patience=2, batch_size=64)
start = time.perf_counter()
epochs_kept = training.fit_early_stopping(source_model, source_data, pretrain, SEED)
source_val_acc = tr.accuracy(source_model, source_data[2], source_data[3])
print(
    f"pre-training: {time.perf_counter() - start:.0f} s, best epoch {epochs_kept} "
    f"of at most {PRETRAIN_EPOCHS}; validation accuracy on digits 0-4: {source_val_acc:.3f}"
)
pretrained_base = source_model.get_layer("base")

# %%
# Check: the base gives 5 x 5 x 64 = 1,600 features, and it learnt its own task (chance is 0.2)
assert pretrained_base.output_shape == (None, 1600)
assert source_val_acc > 0.9

# %% [markdown]
# ## 4. One budget, one draw, three regimes
#
# `tr.Regimes` holds the three models of the table above; read it in `helpers/transfer.py`.
# It copies the pre-trained base, so `pretrained_base` itself is never changed; the model
# trained from scratch is a copy of the same architecture with fresh random weights. We draw the
# smallest budget once and train each regime on the very same images.

# %%
regimes = tr.Regimes(pretrained_base, n_classes=len(TARGET), settings=SETTINGS)
print("fine-tuning unfreezes:", regimes.unfrozen)
k_demo = BUDGETS[0]
chosen = tr.draw_per_class(y_pool, k_demo, seed=SEED)
demo_data = (x_pool[chosen], y_pool[chosen])
steps_per_epoch = -(-len(chosen) // SETTINGS.batch_size)  # batches per epoch, rounded up
epochs = max(SETTINGS.min_epochs, round(SETTINGS.steps / steps_per_epoch))
print(
    f"{k_demo} labelled images per class: {len(chosen)} to fit on, every regime for "
    f"{epochs} epochs ({epochs * steps_per_epoch} steps); fine-tuning starts from the head "
    "that feature extraction has just trained"
)
show_images(demo_data[0][:10, ..., 0], titles=[f"digit {TARGET[j]}" for j in demo_data[1][:10]])
plt.show()

# %%
# Check: exactly k images of every class, all from the training split
assert np.array_equal(np.bincount(y_pool[chosen]), [k_demo] * len(TARGET))
assert len(np.unique(chosen)) == len(chosen)

# %%
frozen_weights = [w.copy() for w in regimes.base.get_weights()]
demo_features = (regimes.features(x_pool[chosen]), y_pool[chosen])
target_test_features = regimes.features(x_target_test)
demo = {
    "scratch": tr.accuracy(regimes.scratch(demo_data, SEED), x_target_test, y_target_test),
    "feature_extraction": tr.accuracy(
        regimes.feature_extraction(demo_features, SEED), target_test_features, y_target_test
    ),
}
tuned = regimes.fine_tuning(demo_data, SEED)
demo["fine_tuning"] = tr.accuracy(tuned, x_target_test, y_target_test)
for regime, acc in demo.items():
    print(f"{tr.REGIME_LABELS[regime]:40} test accuracy {acc:.3f}")

# %% [markdown]
# What each regime changed is a fact we can check on the weights. Feature extraction cannot
# change the base, since its head learns from features computed once; but fine-tuning trains
# a model that contains the base, and had it shared the base's layers instead of copying
# their weights, it would have moved the very base that feature extraction reads. So: the
# base is still exactly as pre-trained after both regimes trained, and fine-tuning changed
# only the unfrozen top of its own copy.

# %%
# Check: the shared base is untouched after both regimes; fine-tuning moved conv2, not conv1
for before, after in zip(frozen_weights, regimes.base.get_weights(), strict=True):
    np.testing.assert_array_equal(before, after)
tuned_base = tuned.get_layer("base")
np.testing.assert_array_equal(
    tuned_base.get_layer("conv1").get_weights()[0],
    pretrained_base.get_layer("conv1").get_weights()[0],
)
assert not np.array_equal(
    tuned_base.get_layer("conv2").get_weights()[0],
    pretrained_base.get_layer("conv2").get_weights()[0],
)

# %% [markdown]
# One draw of a few images is an anecdote: another draw, or another initialisation, can
# reorder the three lines above. Hence the next section.
#
# ## 5. Every budget, several draws
#
# For each budget $k$ and each draw, `tr.compare_regimes` draws $k$ images per class and
# trains the three regimes on them. Because the three regimes of one draw saw the same
# images, we compare them **draw by draw**: the gain of a regime over training from scratch
# is $d_j = a^{\text{regime}}_j - a^{\text{scratch}}_j$ for draw $j$, reported as
# $\bar d \pm s_d$. With $n$ draws, a one-sample $t$-test of the $d_j$ against zero,
# $t = \bar d / (s_d / \sqrt{n})$ with $n - 1$ degrees of freedom, says whether the gain is
# distinguishable from noise, and $\bar d \pm t_{0.975,\,n-1}\, s_d / \sqrt{n}$ is a 95 %
# interval for the mean gain; with so few draws only a large and steady gain stands out.

# %%
start = time.perf_counter()
results = tr.compare_regimes(
    regimes, (x_pool, y_pool), (x_target_test, y_target_test), BUDGETS, DRAWS
)
print(f"{len(results)} trained models in {time.perf_counter() - start:.0f} s")
tr.summarise(results).round(3)

# %%
tr.plot_accuracy_vs_budget(results, title="MNIST 5-9 learnt from k labelled images per class")
plt.show()

# %%
gains = {
    regime: tr.paired_gain(results, regime) for regime in ("feature_extraction", "fine_tuning")
}
for regime, table in gains.items():
    print(f"{tr.REGIME_LABELS[regime]} minus from scratch, per draw:")
    print(table.round(3).to_string(), "\n")

# %%
# Check: every budget and draw has its three regimes, each scored on every test image
assert len(results) == len(BUDGETS) * len(DRAWS) * 3
assert results["accuracy"].between(0, 1).all()

# %% [markdown]
# **Reading the result.** The verdict below is printed from the numbers of this run, for
# each regime at each budget: "larger than its spread" when the mean gain exceeds the
# standard deviation of the gains over draws, "significant" when the $t$-test gives
# $p < 0.05$, and otherwise "not significant": a difference that another set of draws
# could well reverse. Each line is one test, and this run makes several (two regimes times
# the number of budgets): at the 5 % level one test in twenty comes out "significant" by
# chance when there is no gain at all, so the more tests, the more such false alarms. The
# Bonferroni threshold, 0.05 divided by the number of tests, is the strict reading that
# keeps the chance of *any* false alarm under 5 %; a line that passes it is marked.

# %%
n_tests = len(gains) * len(BUDGETS)
strict = 0.05 / n_tests
print(f"{n_tests} tests; Bonferroni threshold 0.05 / {n_tests} = {strict:.4f}")
for regime, table in gains.items():
    for k, row in table.iterrows():
        if row["significant"] and row["mean_gain"] > 0:
            verdict = "significant gain"
        elif row["significant"]:
            verdict = "significant LOSS"
        elif row["beyond_spread"]:
            verdict = "gain larger than its spread, but not significant"
        else:
            verdict = "not significant"
        if row["p_value"] < strict:
            verdict += f" (also below {strict:.4f})"
        print(
            f"k = {k:>3}: {regime:18} {row['mean_gain']:+.3f} ± {row['sd_gain']:.3f}, "
            f"95 % interval [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}] "
            f"(p = {row['p_value']:.3f}) → {verdict}"
        )
smallest = gains["fine_tuning"].loc[BUDGETS[0]]
smallest_fe = gains["feature_extraction"].loc[BUDGETS[0]]

# %% [markdown]
# Read the plot and the tables together. At the smallest budget a draw of five images per
# class can be lucky or unlucky, so expect the widest spread there; a gain counts only if it
# stands out of the spread of the *gains* in the tables. The plot's bars show another
# spread, each regime's accuracy over draws, which also holds how easy or hard each draw
# was; overlapping bars do not mean that the paired gain is noise (Exercise 3 shows what
# pairing changes). With more labels of its own, a network trained from scratch
# needs less of what another task taught it, so any gain should shrink as $k$ grows (QUICK
# mode runs the smallest budget only, with 3 draws instead of 5, from a base pre-trained on
# far fewer images; its gain is small, and in some runs it does not show at all, so read
# the sign and the interval printed above before believing either way; the full run draws
# the whole curve). And on MNIST the bar is high: look at how well the from-scratch line
# already does from a few images. Note also how close fine-tuning stays to feature
# extraction at every budget: the two lines nearly coincide, and their difference is far
# smaller than the gap between either of them and training from scratch. Moving `conv2` at
# the low learning rate changes little here; Exercise 3 asks whether the difference stands
# out of the noise.
#
# **What the draws can tell, and what they cannot.** Every draw above reuses the *one* base
# pre-trained in section 3: the draws vary the labelled images and the new weights, not the
# pre-training. So the $t$-tests and intervals answer "does *this* pre-trained base help on
# digits 5-9?". Whether pre-training on digits 0-4 helps in general, whatever base a
# pre-training run happens to produce, needs several pre-training runs: each seed of the
# lesson (`DLCOURSE_SEED`) pre-trains its own base on its own split, and the course's README
# reports these gains over seeds 0, 1 and 2. The draws also share the test images: every
# model is scored on the same ones, so the intervals leave out the test set's own sampling
# error, which another test set of the same size would add; next to the gain itself, that
# error weighs most where the gain is smallest (the largest budgets).
#
# The digits part's headline numbers are recorded here, before the MobileNetV2 part (which
# needs downloads):

# %%
by_regime = results[results["k"] == BUDGETS[0]].groupby("regime")["accuracy"].mean()
helpers.record(
    "12",
    smallest_budget=BUDGETS[0],
    acc_scratch=by_regime["scratch"],
    acc_feature_extraction=by_regime["feature_extraction"],
    acc_fine_tuning=by_regime["fine_tuning"],
    gain_fine_tuning=smallest["mean_gain"],
    gain_fine_tuning_sd_over_draws=smallest["sd_gain"],
    gain_feature_extraction=smallest_fe["mean_gain"],
    gain_feature_extraction_sd_over_draws=smallest_fe["sd_gain"],
    source_val_acc=source_val_acc,
)

# %% [markdown]
# ## 6. MobileNetV2 on CIFAR-10
#
# Real transfer learning starts from a network trained on a large data set: MobileNetV2,
# trained on ImageNet (1.28 million photographs, 1,000 classes), from `keras.applications`.
# Three details decide whether it works:
#
# * **Size.** ImageNet images are seen at 224 px; at CIFAR-10's 32 px the base's last
#   feature map would be $1 \times 1$ and its filters would see objects far smaller than
#   they were trained on. We upscale to 96 px (weights exist for 96, 128, 160, 192 and
#   224 px). The price of the small size: the published table of MobileNetV2's ImageNet
#   checkpoints gives 60.3 % top-1 accuracy at 96 px against 71.8 % at 224 px ($\alpha = 1$),
#   so the 96 px base is clearly the weaker one.
# * **The model's own preprocessing.** `keras.applications.mobilenet_v2.preprocess_input`
#   maps pixels from $[0, 255]$ to $[-1, 1]$, as in training. Other models expect other
#   inputs: always use the function that belongs to the model. CIFAR-10 is RGB, as
#   MobileNetV2 expects. Here the upscaling and this mapping are two layers at the front of
#   the model (`mn.mobilenet_preprocessing`); a check below compares them with
#   `preprocess_input`.
# * **Batch normalisation.** MobileNetV2 has a `BatchNormalization` layer after every
#   convolution, each with `momentum` 0.999. Called in *training* mode, such a layer
#   normalises with the mean and variance **of the current batch**, not with the averages
#   it stored from ImageNet: the network then computes another function than at inference,
#   and on small batches a noisy one. It also moves its stored averages towards the batch's:
#   stored $\leftarrow 0.999 \cdot$ stored $+ \, 0.001 \cdot$ batch, so one step replaces
#   0.1 % of them, and after $n$ steps the share $0.999^n$ of ImageNet's statistics is left
#   (88 % after 125 steps): a slow drift, not an overwrite. The cell after the data shows
#   both effects on one batch.
#
# Keras 3 has one rule for this: a `BatchNormalization` layer whose `trainable` is `False`
# always runs in inference mode, whatever `training` says. A frozen base is therefore safe
# either way; calling the base with `training=False` is what protects batch normalisation
# once its layers are unfrozen too (for example after `base.trainable = True`). Either
# guard alone keeps the statistics; the lesson uses both: the base is always called with
# `training=False`, and `tr.freeze_below` keeps its batch-normalisation layers frozen when it
# unfreezes the top.
#
# **The cost.** The width multiplier $\alpha$ scales the number of filters of the layers:
# $\alpha = 0.35$ (QUICK mode) keeps about a third of them, $\alpha = 1$ (full mode) all.
# It does not cut the multiply-adds to $0.35^2 \approx 1/8$. Only the $1 \times 1$
# convolutions, whose cost is input channels times output channels, shrink as $\alpha^2$;
# the depthwise $3 \times 3$ convolutions cost in proportion to their channels, so as
# $\alpha$; channel counts are rounded up to multiples of 8 (32 × 0.35 = 11.2 becomes 16);
# and for $\alpha \le 1$ the last $1 \times 1$ convolution keeps its 1,280 filters, which is
# why both widths give 1,280 features per image. Counted from the layers at 96 px (the
# print below does it for the base in use), $\alpha = 0.35$ costs 10.7 million
# multiply-adds per image against 55.0 million for $\alpha = 1$: about **a fifth**. At
# 224 px the counts are 58 and 299 million, as in the MobileNetV2 paper (59 and 300).
#
# In full mode the ImageNet weights and CIFAR-10 are required: if they cannot be
# downloaded, `load_mobilenet_base` or `load_cifar10` stops with a message saying what to
# do. In QUICK mode (the test suite, possibly offline) they fall back to random weights and
# generated images, and say so loudly: the numbers of this section then only show that the
# code runs.

# %%
if QUICK:
    SIZE, ALPHA, N_TRAIN, N_TEST, FT_EPOCHS, BATCH = 96, 0.35, 300, 100, 1, 32
else:
    SIZE, ALPHA, N_TRAIN, N_TEST, FT_EPOCHS, BATCH = 96, 1.0, 10_000, 5_000, 2, 64
mobilenet, pretrained = mn.load_mobilenet_base(SIZE, ALPHA, allow_untrained=QUICK)
last_map = mobilenet.get_layer("out_relu").output.shape[1:3]
macs = macs_per_layer(mobilenet)["macs"].sum()  # lesson 11's count, depthwise layers included
print(
    f"MobileNetV2 alpha={ALPHA} at {SIZE} px: "
    f"{'ImageNet weights' if pretrained else 'RANDOM weights (meaningless)'}; "
    f"{mobilenet.count_params():,} weights, "
    f"{macs / 1e6:.1f} million multiply-adds per image; last feature map "
    f"{last_map[0]} x {last_map[1]} (1 x 1 at 32 px); {mobilenet.output_shape[-1]} features"
)

# %%
(cifar_x_train, cifar_y_train), (cifar_x_test, cifar_y_test) = load_cifar10(quick=QUICK)
rng = np.random.default_rng(SEED)
pick_train = rng.choice(len(cifar_x_train), size=N_TRAIN, replace=False)
pick_test = rng.choice(len(cifar_x_test), size=N_TEST, replace=False)
cx_train, cy_train = cifar_x_train[pick_train], cifar_y_train[pick_train]
cx_test, cy_test = cifar_x_test[pick_test], cifar_y_test[pick_test]
print(f"{N_TRAIN:,} training and {N_TEST:,} test images, upscaled from 32 to {SIZE} px")
show_images(cx_train[:8], titles=[CIFAR10_CLASSES[c] for c in cy_train[:8]])
plt.show()

# %%
# Check: the preprocessing layers compute what MobileNetV2's own preprocess_input computes
sample = cx_train[:8]
np.testing.assert_allclose(
    keras.ops.convert_to_numpy(mn.mobilenet_preprocessing(SIZE)(sample.astype("float32"))),
    keras.ops.convert_to_numpy(mn.prepare_images(sample, SIZE)),  # resize + preprocess_input
    atol=1e-5,
)

# %% [markdown]
# **Batch normalisation in training mode, on one batch.** Right after loading, every layer
# of the base is trainable, batch normalisation included. We call it once with
# `training=True` on one batch and watch its first batch-normalisation layer, `bn_Conv1`,
# which normalises the output of the first convolution `Conv1`; then we put the stored
# statistics back. (With the random weights of QUICK mode the stored statistics are the
# initial ones, mean 0 and variance 1, far from any batch's, so the two modes give very
# different features; with ImageNet's statistics they are closer, but not the same.)

# %%
probe = mn.mobilenet_preprocessing(SIZE)(cx_train[:BATCH].astype("float32"))
bn = mobilenet.get_layer("bn_Conv1")
first_conv = keras.Model(mobilenet.input, mobilenet.get_layer("Conv1").output)
batch_mean = keras.ops.convert_to_numpy(keras.ops.mean(first_conv(probe), axis=(0, 1, 2)))
stored = [keras.ops.convert_to_numpy(v).copy() for v in mobilenet.non_trainable_weights]
mean_before = keras.ops.convert_to_numpy(bn.moving_mean).copy()
features_inference = keras.ops.convert_to_numpy(mobilenet(probe, training=False))
features_training = keras.ops.convert_to_numpy(mobilenet(probe, training=True))
mean_after = keras.ops.convert_to_numpy(bn.moving_mean).copy()
share_moved = np.sum((mean_after - mean_before) * (batch_mean - mean_before)) / np.sum(
    (batch_mean - mean_before) ** 2
)
cosine = np.sum(features_training * features_inference, axis=1) / (
    np.linalg.norm(features_training, axis=1) * np.linalg.norm(features_inference, axis=1)
)
print(
    f"momentum {bn.momentum}: one training-mode call moved bn_Conv1's stored mean "
    f"{share_moved:.2%} of the way to this batch's mean"
)
print(
    "the same images' features, training mode against inference mode: median cosine "
    f"similarity {np.median(cosine):.3f} (1 would be the same features)"
)
for variable, value in zip(mobilenet.non_trainable_weights, stored, strict=True):
    variable.assign(value)  # the stored statistics back, as loaded

# %%
# Check: one step moved the stored mean by exactly (1 - momentum) of the gap to the batch's
# mean, and with the statistics put back, inference gives the features of before
gap = batch_mean - mean_before
np.testing.assert_allclose(
    mean_after - mean_before, (1 - bn.momentum) * gap, rtol=1e-2, atol=1e-4 * np.abs(gap).max()
)
np.testing.assert_allclose(
    keras.ops.convert_to_numpy(mobilenet(probe, training=False)), features_inference, rtol=1e-5
)

# %% [markdown]
# **Features, computed once.** `mobilenet_features` runs the images through the
# preprocessing layers and `base(batch, training=False)` batch by batch, so that only one
# batch is ever upscaled: at 96 px in float32 one image takes 96 × 96 × 3 × 4 bytes, about
# 110 kB against 3 kB as a 32 px uint8 image, so the 10,000 training images of full mode
# upscaled at once would take 1.1 GB, and all 50,000 of CIFAR-10's 5.5 GB. On a CPU this
# forward pass is the expensive part, so it runs once per image, and its speed is worth
# knowing:

# %%
start = time.perf_counter()
train_feats, images_per_s = mn.mobilenet_features(mobilenet, cx_train, SIZE, batch_size=BATCH)
test_feats, _ = mn.mobilenet_features(mobilenet, cx_test, SIZE, batch_size=BATCH)
print(
    f"features of {N_TRAIN + N_TEST:,} images in {time.perf_counter() - start:.0f} s; "
    f"{images_per_s:.0f} images/s after the first batch"
)

# %%
# Thousands of labels (hundreds in QUICK mode): here a validation split can stop the head's
# training.
cifar_settings = training.TrainSettings(max_epochs=SETTINGS.max_epochs, patience=SETTINGS.patience)
feature_data = tr.budget_split(train_feats, cy_train, SEED, val_fraction=0.2)
cifar_head = tr.compile_for_labels(
    tr.build_head(train_feats.shape[1], len(CIFAR10_CLASSES)), cifar_settings.learning_rate
)
head_epoch = training.fit_early_stopping(cifar_head, feature_data, cifar_settings, SEED)
head_acc = tr.accuracy(cifar_head, test_feats, cy_test)
print(
    f"head on frozen MobileNetV2 features, weights of epoch {head_epoch} kept: "
    f"test accuracy {head_acc:.3f} (chance 0.100)"
)

# %% [markdown]
# **Fine-tuning the top blocks.** The head is put on top of the base, the last two inverted
# residual blocks and the final $1 \times 1$ convolution are unfrozen (not their batch
# normalisation), and the whole is trained for a few epochs at a learning rate ten times
# lower. Now every step runs the full network on upscaled images, forward and backward
# through the unfrozen part, which is why it comes after the cheap head, on few epochs.
# Early stopping watches the validation loss and keeps the best epoch's weights: the print
# says which epoch that was.

# %%
bn_before = {
    v.path: keras.ops.convert_to_numpy(v).copy() for v in mobilenet.weights if "moving" in v.path
}
bottom_before = mobilenet.get_layer("Conv1").get_weights()[0].copy()
unfrozen = tr.freeze_below(mobilenet, "block_15_expand")
classifier = tr.compile_for_labels(
    mn.mobilenet_classifier(mobilenet, cifar_head, SIZE), cifar_settings.fine_tune_learning_rate
)
print(
    f"unfrozen layers with weights: {len(unfrozen)}, from {unfrozen[0]} to {unfrozen[-1]}; "
    f"trainable weights {sum(int(np.prod(w.shape)) for w in classifier.trainable_weights):,}"
)
image_data = tr.budget_split(cx_train, cy_train, SEED, val_fraction=0.2)
tune_settings = training.TrainSettings(
    max_epochs=FT_EPOCHS,
    patience=1,
    batch_size=BATCH,
    fine_tune_learning_rate=cifar_settings.fine_tune_learning_rate,
)
start = time.perf_counter()
tune_epoch = training.fit_early_stopping(classifier, image_data, tune_settings, SEED)
tune_seconds = time.perf_counter() - start
tuned_acc = tr.accuracy(classifier, cx_test, cy_test)
print(
    f"fine-tuned for at most {FT_EPOCHS} epoch(s) in {tune_seconds:.0f} s; weights of epoch "
    f"{tune_epoch} kept (lowest validation loss): test accuracy {tuned_acc:.3f}"
)

# %%
# Check: batch normalisation kept its statistics and the bottom of the base did not move
for v in mobilenet.weights:
    if "moving" in v.path:
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(v), bn_before[v.path])
np.testing.assert_array_equal(mobilenet.get_layer("Conv1").get_weights()[0], bottom_before)
assert not any(
    isinstance(mobilenet.get_layer(n), keras.layers.BatchNormalization) for n in unfrozen
)

# %%
mobilenet_metrics = {"images_per_s": images_per_s}
if pretrained:
    print(
        f"ImageNet features: head {head_acc:.3f}, after fine-tuning {tuned_acc:.3f} "
        f"({tuned_acc - head_acc:+.3f}); chance is 0.100."
    )
    mobilenet_metrics |= {"head_accuracy": head_acc, "fine_tuned_accuracy": tuned_acc}
else:
    print("Random base: the accuracies above mean nothing. Run online for the real ones.")
helpers.record("12 MobileNetV2", **mobilenet_metrics)

# %% [markdown]
# > **Common mistakes**
# >
# > * Feeding CIFAR-10's 32 px images straight into MobileNet: it transfers poorly at that
# >   size. Upscale (96-160 px) and use the model's own `preprocess_input`.
# > * Forgetting `preprocess_input`, or using another model's: every family in
# >   `keras.applications` has its own (Exercise 2 compares two), and features computed on
# >   inputs the network never saw are poor features.
# > * Unfreezing a base that contains batch normalisation and calling it in training mode:
# >   the network then normalises every batch with that batch's own statistics, a different
# >   function from the one it was trained as, while its stored ImageNet statistics drift
# >   towards the new data. Keep its batch normalisation frozen, or call the base with
# >   `training=False`.
# > * Fine-tuning with a random head, or at the original learning rate: large early
# >   gradients wreck the pre-trained features. Train the head first, then unfreeze the top
# >   at a learning rate about ten times lower.
# > * Passing the test set as `validation_data`: early stopping then chooses on it. Hold
# >   out validation images from the training data, and when the budget is a few labels per
# >   class, stop after a fixed number of steps instead: early stopping on one validation
# >   image per class picks an epoch by chance.
# > * Claiming a transfer gain from one seed. Repeat over draws and report mean ± sd; and
# >   remember that draws from one pre-trained base say nothing about other pre-training
# >   runs.
# > * Loading models through TF-Hub's `hub.KerasLayer` in Keras 3: it breaks; use
# >   `keras.applications`.
#
# ## Exercises
#
# **Exercise 1: what fine-tuning would train.** Suppose the base's second convolution,
# `conv2`, had 128 filters instead of 64 (still 3 x 3 kernels on the 32 channels of
# `conv1`, its maps still pooled to 5 x 5 before flattening). Fine-tuning trains `conv2`
# and the head (5 logits). How many weights is that? Count them by hand.

# %%
answer_tuned_weights = ...  # a whole number

HINT_TUNED = (
    "A convolution has one k x k kernel per (input channel, filter) pair plus one bias per"
    " filter; a dense layer one weight per (input, output) pair plus one bias per output. The"
    " head's inputs are the flattened pooled maps of conv2."
)
checks.check_digest(answer_tuned_weights, "0636b3e7923ca527", exercise="12.1", hint=HINT_TUNED)

# %% [markdown]
# **Exercise 2: another model's preprocessing.** ResNet50 in `keras.applications` comes
# with its own `keras.applications.resnet50.preprocess_input`. Call it on one pure red
# pixel, `np.array([[[255.0, 0.0, 0.0]]])`, and on a black one, and compare with
# MobileNetV2's function. Which describes ResNet50's? Answer "a", "b" or "c":
#
# * (a) pixels to $[0, 1]$;
# * (b) pixels to $[-1, 1]$, as for MobileNetV2;
# * (c) the channels put in the opposite order, then a fixed number subtracted from each
#   channel, without scaling.

# %%
answer_preprocessing = ...  # "a", "b" or "c"

HINT_PREPROCESSING = (
    "Look at where the 255 of the red pixel ends up in the output, and at what a black pixel"
    " (all zeros) becomes."
)
checks.check_digest(
    answer_preprocessing, "0397758cc947e155", exercise="12.2", hint=HINT_PREPROCESSING
)

# %% [markdown]
# **Exercise 3: what pairing changes.** At the smallest budget, compare fine-tuning with
# feature extraction. The mean of the per-draw differences is the difference of the two
# means, paired or not; what pairing changes is the spread, and with it the $t$ statistic.
# Using the table `results`, compute the **paired** $t$ statistic of fine-tuning minus
# feature extraction at `BUDGETS[0]`, as in section 5, and, to compare, the unpaired one,
# $(\bar a - \bar b) / \sqrt{(s_a^2 + s_b^2) / n}$, which treats the two columns of accuracies
# as independent samples. Which is larger in absolute value here, and why?

# %%
answer_paired_t = ...  # a number

exercises.check_paired_t(answer_paired_t, results, "fine_tuning", BUDGETS[0], "feature_extraction")

# %% [markdown]
# **Exercise 4: how fast stored statistics drift.** Suppose the fine-tuning of section 6
# had left MobileNetV2's batch normalisation unfrozen and called the base in training mode.
# Read the momentum of its batch-normalisation layers from the model
# (`mobilenet.get_layer("bn_Conv1").momentum`). After how many training steps would less
# than half of ImageNet's contribution remain in a stored `moving_mean`? Give the smallest
# whole number of steps.

# %%
answer_steps = ...  # a whole number

HINT_STEPS = (
    "Section 6 says what share of the stored average one step keeps; after n steps that share"
    " has been applied n times. np.log helps to solve for n; then round the right way."
)
checks.check_digest(answer_steps, "0f0122bdba504e13", exercise="12.4", hint=HINT_STEPS)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1: conv2 has 3 * 3 * 32 * 128 + 128 weights; its pooled maps give 5 * 5 * 128 =
# 3,200 features, so the head has 3200 * 5 + 5.
answer_tuned_weights = (3 * 3 * 32 * 128 + 128) + (5 * 5 * 128 * 5 + 5)
assert checks.check_digest(
    answer_tuned_weights, "0636b3e7923ca527", exercise="12.1", hint=HINT_TUNED
)

# %%
# Exercise 2: (c): ResNet50 uses the "caffe" convention, channels in BGR order and ImageNet's
# mean pixel subtracted, no scaling; MobileNetV2's gives (b).
red = np.array([[[255.0, 0.0, 0.0]]])
print("ResNet50:", keras.applications.resnet50.preprocess_input(red.copy()).ravel())
print("MobileNetV2:", keras.applications.mobilenet_v2.preprocess_input(red.copy()).ravel())
answer_preprocessing = "c"
assert checks.check_digest(
    answer_preprocessing, "0397758cc947e155", exercise="12.2", hint=HINT_PREPROCESSING
)

# %%
# Exercise 3: pair each draw's two accuracies, then t of the differences; the unpaired t
# uses both columns' spreads over draws, which include how easy or hard each draw was.
first = results[results["k"] == BUDGETS[0]]
wide = first.pivot(index="draw", columns="regime", values="accuracy")
a, b = wide["fine_tuning"].to_numpy(), wide["feature_extraction"].to_numpy()
n, d = len(a), a - b
answer_paired_t = d.mean() / (d.std(ddof=1) / np.sqrt(n))
unpaired_t = (a.mean() - b.mean()) / np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / n)
print(
    f"sd of the differences {d.std(ddof=1):.4f}; sd of each column "
    f"{a.std(ddof=1):.4f} and {b.std(ddof=1):.4f}"
)
print(f"paired t {answer_paired_t:+.2f}, unpaired t {unpaired_t:+.2f}")
assert exercises.check_paired_t(
    answer_paired_t, results, "fine_tuning", BUDGETS[0], "feature_extraction"
)

# %%
# Exercise 4: each step keeps the share `momentum` of what was there, so ImageNet's part is
# momentum ** n after n steps; momentum ** n < 1/2 for n > log(1/2) / log(momentum).
momentum = mobilenet.get_layer("bn_Conv1").momentum
answer_steps = int(np.floor(np.log(0.5) / np.log(momentum))) + 1
print(
    f"momentum {momentum}: {momentum ** (answer_steps - 1):.4f} left after "
    f"{answer_steps - 1} steps, {momentum**answer_steps:.4f} after {answer_steps}"
)
assert checks.check_digest(answer_steps, "0f0122bdba504e13", exercise="12.4", hint=HINT_STEPS)
