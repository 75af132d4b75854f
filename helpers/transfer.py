"""Transfer learning, small enough for a CPU: reuse what a network learnt on one task for another.

Two settings, both in lesson 12:

* **MNIST 0-4 → 5-9 (offline, real data).** A small CNN *base* is pre-trained on digits 0-4;
  digits 5-9 (labels remapped to 0-4) are then learnt from a few labelled images per class in
  three *regimes*: from scratch (the same architecture, random weights), feature extraction
  (the pre-trained base frozen, a new head trained on its features) and fine-tuning (the top of
  the base unfrozen and trained further at a lower learning rate, starting from the feature
  extraction model).
* **MobileNetV2 on CIFAR-10.** An ImageNet base from ``keras.applications``: images upscaled,
  passed through the model's own ``preprocess_input``, the base always called with
  ``training=False`` so that its batch-normalisation statistics stay those of ImageNet.

Every regime is trained the same way: on all the labelled images of the budget, for the same
number of gradient steps (one setting for all regimes, not tuned per regime). Fine-tuning
continues from the head that feature extraction trained, so its head has had those steps too:
the usual practice, and the reason fine-tuning comes second. With five labels per class, a
validation split would hold one image per class, and early stopping on it keeps an epoch chosen
by noise while taking a fifth of the labels away. The test images are used once per trained
model, to score it, and never choose anything.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats
from sklearn.model_selection import train_test_split

from helpers.crossval import fit_in_memory

REGIMES = ("scratch", "feature_extraction", "fine_tuning")
REGIME_LABELS = {
    "scratch": "from scratch",
    "feature_extraction": "feature extraction (frozen base)",
    "fine_tuning": "fine-tuning (top unfrozen, lower LR)",
}


# ----------------------------------------------------------------------------- data
def _images_and_labels(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"Labels must be a 1-D array, got shape {y.shape}.")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} images but y has {len(y)} labels: they must match.")
    return x, y


def split_digits(
    x: np.ndarray, y: np.ndarray, digits: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """The images of ``digits`` only, labels renumbered 0, 1, ... in the order given.

    ``split_digits(x, y, [5, 6, 7, 8, 9])`` turns a 5 into label 0 and a 9 into label 4, so a
    five-way softmax head can learn them; ``digits[label]`` turns a label back into the digit.
    """
    x, y = _images_and_labels(x, y)
    digits = [int(d) for d in digits]
    if not digits or len(set(digits)) != len(digits):
        raise ValueError(f"Give distinct digits, e.g. [5, 6, 7, 8, 9]; got {digits}.")
    missing = [d for d in digits if not np.any(y == d)]
    if missing:
        raise ValueError(f"No image has label {missing}; the labels present are {np.unique(y)}.")
    keep = np.isin(y, digits)
    lookup = np.full(int(max(y.max(), max(digits))) + 1, -1, dtype=np.int64)
    lookup[digits] = np.arange(len(digits))
    return x[keep], lookup[y[keep]]


def draw_per_class(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Indices of ``k`` images of every class, drawn at random (reproducibly, from ``seed``).

    This is the *label budget*: what a person would label by hand. Another seed draws other
    images, which is one source of the spread the lesson measures.
    """
    y = np.asarray(y)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k (images per class) must be a positive whole number, got {k!r}.")
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if len(members) < k:
            raise ValueError(f"Class {label} has only {len(members)} images, fewer than k = {k}.")
        chosen.append(rng.choice(members, size=k, replace=False))
    return rng.permutation(np.concatenate(chosen))


def as_images(x: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) as float32 (N, 28, 28, 1), still 0-255 (the model rescales)."""
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise ValueError(f"Expected images (N, H, W) or (N, H, W, C), got shape {x.shape}.")
    return x.astype("float32")


# ----------------------------------------------------------------------------- the small CNN
def build_base(input_shape: tuple[int, int, int] = (28, 28, 1)) -> keras.Sequential:
    """Two convolution blocks: images in, 5 x 5 x 64 = 1,600 features out (flattened).

    The features are the last convolution block's maps, not a dense layer's: a dense layer
    trained on digits 0-4 specialises in telling those apart, while strokes and their positions
    serve any digit. The layers are named so that the top can be unfrozen by name (``conv2``).
    """
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Rescaling(1 / 255, name="scale"),
            keras.layers.Conv2D(32, 3, activation="relu", name="conv1"),
            keras.layers.MaxPooling2D(name="pool1"),
            keras.layers.Conv2D(64, 3, activation="relu", name="conv2"),
            keras.layers.MaxPooling2D(name="pool2"),
            keras.layers.Flatten(name="flatten"),
        ],
        name="base",
    )


def build_head(n_features: int, n_classes: int) -> keras.Sequential:
    """The classifier on top of the base: one dense layer, one logit per class.

    A single layer has few weights (1,601 per class here), the fewest a new task can get by
    with.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(n_classes, name="logits"),
        ],
        name="head",
    )


def with_head(base: keras.Model, head: keras.Model) -> keras.Model:
    """``base`` followed by ``head``: the whole classifier, logits out.

    The base is called with ``training=False``: layers that behave differently in training
    (batch normalisation, dropout) then stay in inference mode even while the base is trained.
    This small base has neither, so here it changes nothing; for MobileNetV2 it matters.
    """
    inputs = keras.Input(shape=base.input_shape[1:])
    features = base(inputs, training=False)
    return keras.Model(inputs, head(features), name=f"{base.name}_{head.name}")


def build_classifier(n_classes: int, input_shape=(28, 28, 1)) -> keras.Model:
    """A fresh base and head with random weights: the architecture of every regime."""
    base = build_base(input_shape)
    return with_head(base, build_head(base.output_shape[-1], n_classes))


def copy_model(model: keras.Model) -> keras.Model:
    """A new model with the same architecture and a copy of the weights (nothing shared)."""
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return clone


def freeze_below(base: keras.Model, first_trainable: str) -> list[str]:
    """Freeze every layer of ``base`` before the layer named ``first_trainable``.

    The layers from ``first_trainable`` on become trainable, except batch-normalisation layers,
    which stay frozen: their statistics belong to the data they were trained on. Returns the
    names of the layers left trainable that hold weights.
    """
    names = [layer.name for layer in base.layers]
    if first_trainable not in names:
        raise ValueError(f"{base.name} has no layer {first_trainable!r}; its layers: {names}.")
    base.trainable = True
    start = names.index(first_trainable)
    for number, layer in enumerate(base.layers):
        is_bn = isinstance(layer, keras.layers.BatchNormalization)
        layer.trainable = number >= start and not is_bn
    return [layer.name for layer in base.layers if layer.trainable and layer.weights]


def compile_for_labels(model: keras.Model, learning_rate: float) -> keras.Model:
    """Adam, sparse cross-entropy on logits, accuracy."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


# ----------------------------------------------------------------------------- training
@dataclass(frozen=True)
class TrainSettings:
    """How every regime is trained: the same procedure, so the comparison is fair.

    ``steps`` and ``min_epochs`` fix how long every regime trains on a label budget (see
    ``fit_fixed_steps``); ``max_epochs``, ``patience`` and ``val_fraction`` are for early
    stopping where validation data is plentiful (pre-training, the CIFAR-10 head).
    """

    steps: int = 200
    min_epochs: int = 20
    max_epochs: int = 200
    patience: int = 20
    batch_size: int = 16
    learning_rate: float = 1e-3
    fine_tune_learning_rate: float = 1e-4
    val_fraction: float = 0.2


def budget_split(
    x: np.ndarray, y: np.ndarray, seed: int, val_fraction: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the labelled budget into ``(x_fit, y_fit, x_val, y_val)``, stratified.

    The validation images come out of the budget: labels beyond it would be a budget of its own.
    """
    x, y = _images_and_labels(x, y)
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}.")
    x_fit, x_val, y_fit, y_val = train_test_split(
        x, y, test_size=val_fraction, stratify=y, random_state=seed
    )
    return x_fit, y_fit, x_val, y_val


def fit_early_stopping(
    model: keras.Model,
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    settings: TrainSettings,
    seed: int,
) -> int:
    """Train on ``data = (x_fit, y_fit, x_val, y_val)`` with early stopping on the validation
    loss (best weights restored); return the number of epochs kept."""
    x_fit, y_fit, x_val, y_val = data
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=settings.patience, restore_best_weights=True
    )
    history = fit_in_memory(
        model,
        x_fit,
        y_fit,
        validation_data=(x_val, y_val),
        epochs=settings.max_epochs,
        batch_size=min(settings.batch_size, len(x_fit)),
        callbacks=[stop],
        seed=seed,
    )
    return int(np.argmin(history.history["val_loss"])) + 1


def fit_fixed_steps(
    model: keras.Model, data: tuple[np.ndarray, np.ndarray], settings: TrainSettings, seed: int
) -> int:
    """Train on all of ``data = (x, y)`` for about ``settings.steps`` gradient steps, in whole
    epochs and at least ``settings.min_epochs`` of them; return the number of epochs.

    No validation split and no early stopping: with a handful of labels per class, either would
    spend labels on a choice that one image per class cannot make reliably. Every regime gets
    the same training: the same steps on small budgets, and on large ones enough epochs
    (``min_epochs``) to see every image many times.
    """
    x, y = _images_and_labels(*data)
    if not isinstance(settings.steps, (int, np.integer)) or settings.steps < 1:
        raise ValueError(f"settings.steps must be a positive whole number, got {settings.steps}.")
    batch_size = min(settings.batch_size, len(x))
    epochs = max(1, settings.min_epochs, round(settings.steps / math.ceil(len(x) / batch_size)))
    fit_in_memory(model, x, y, epochs=epochs, batch_size=batch_size, seed=seed)
    return epochs


def extract_features(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """What ``model`` computes for ``x`` in inference mode, batch by batch, as one NumPy array.

    ``model.predict`` compiles the forward pass once per model on every Keras backend, and
    always runs layers in inference mode (batch normalisation with its stored statistics,
    dropout off).
    """
    return np.asarray(model.predict(np.asarray(x), batch_size=batch_size, verbose=0))


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Share of images whose largest logit is the true class (inference mode)."""
    logits = extract_features(model, x)
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(y)))


def _restart(model: keras.Model, weights: list[np.ndarray]) -> None:
    """Give a compiled model new weights and a fresh optimiser (Adam's moments and step at 0).

    Re-using one compiled model for every draw avoids tracing its training step again each
    time, which on a CPU costs more than training on a few dozen images.
    """
    model.set_weights(weights)
    optimizer = model.optimizer
    if optimizer.built:
        for variable in optimizer.variables:
            if variable.name != "learning_rate":  # the step count and the moments
                variable.assign(keras.ops.zeros(variable.shape, variable.dtype))  # any backend


class Regimes:
    """The three ways to learn the new task, each a compiled model re-used across draws.

    * ``scratch(data, seed)``: base and head, fresh random weights, all trained;
    * ``feature_extraction(features, seed)``: a new head trained on features that the frozen
      pre-trained base computed once (the same model as base + head with the base frozen,
      without running the base again every epoch);
    * ``fine_tuning(data, seed)``: the pre-trained base with its layers from
      ``first_trainable`` on unfrozen, plus the head that ``feature_extraction`` trained
      last, trained further at the lower learning rate.

    ``data`` is ``(x, y)``, the labelled images of one budget, and ``features`` the same
    labels with the frozen base's features (``features(x), y``); every regime trains on all
    of them for ``settings.steps`` steps (``fit_fixed_steps``).
    Each method returns the trained model; it is overwritten by the next call.
    """

    def __init__(
        self,
        pretrained_base: keras.Model,
        n_classes: int,
        settings: TrainSettings,
        first_trainable: str = "conv2",
    ) -> None:
        self.settings = settings
        self.n_classes = n_classes
        self.base = copy_model(pretrained_base)
        self.base.trainable = False
        n_features = self.base.output_shape[-1]
        shape = self.base.input_shape[1:]
        self._scratch = compile_for_labels(
            build_classifier(n_classes, shape), settings.learning_rate
        )
        self._head = compile_for_labels(build_head(n_features, n_classes), settings.learning_rate)
        tuned_base = copy_model(pretrained_base)
        self.unfrozen = freeze_below(tuned_base, first_trainable)
        self._tuned = compile_for_labels(
            with_head(tuned_base, build_head(n_features, n_classes)),
            settings.fine_tune_learning_rate,
        )

    def features(self, x: np.ndarray) -> np.ndarray:
        """What the frozen pre-trained base computes for ``x`` (inference mode)."""
        return extract_features(self.base, x)

    def scratch(self, data: tuple, seed: int) -> keras.Model:
        keras.utils.set_random_seed(seed)
        _restart(self._scratch, keras.models.clone_model(self._scratch).get_weights())
        fit_fixed_steps(self._scratch, data, self.settings, seed)
        return self._scratch

    def feature_extraction(self, features: tuple, seed: int) -> keras.Model:
        keras.utils.set_random_seed(seed)
        _restart(self._head, keras.models.clone_model(self._head).get_weights())
        fit_fixed_steps(self._head, features, self.settings, seed)
        return self._head

    def fine_tuning(self, data: tuple, seed: int) -> keras.Model:
        if not self._head.optimizer.built:
            raise RuntimeError("Train the head first: call feature_extraction(...) before.")
        keras.utils.set_random_seed(seed)
        _restart(self._tuned, self.base.get_weights() + self._head.get_weights())
        fit_fixed_steps(self._tuned, data, self.settings, seed)
        return self._tuned


def compare_regimes(
    regimes: Regimes,
    pool: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    budgets: Sequence[int],
    draws: Sequence[int],
) -> pd.DataFrame:
    """Test accuracy of the three regimes for every label budget and every draw.

    ``pool`` holds the labelled images we may draw from (training split only), ``test`` the
    images that score each trained model once. For one (budget, draw) the three regimes get
    the very same images, so their accuracies can be compared draw by draw (paired).
    """
    x_pool, y_pool = _images_and_labels(*pool)
    x_test, y_test = _images_and_labels(*test)
    pool_features = regimes.features(x_pool)
    test_features = regimes.features(x_test)
    rows = []
    for k in budgets:
        for draw in draws:
            seed = 1000 * int(draw) + int(k)
            chosen = draw_per_class(y_pool, k, seed)
            data = (x_pool[chosen], y_pool[chosen])
            features = (pool_features[chosen], y_pool[chosen])
            scores = {
                "scratch": accuracy(regimes.scratch(data, seed), x_test, y_test),
                "feature_extraction": accuracy(
                    regimes.feature_extraction(features, seed), test_features, y_test
                ),
                "fine_tuning": accuracy(regimes.fine_tuning(data, seed), x_test, y_test),
            }
            rows += [
                {"k": int(k), "draw": int(draw), "regime": r, "accuracy": a}
                for r, a in scores.items()
            ]
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- reading results
def _check_results(results: pd.DataFrame) -> None:
    needed = {"k", "draw", "regime", "accuracy"}
    if not isinstance(results, pd.DataFrame) or not needed <= set(results.columns):
        raise ValueError(f"Expected the DataFrame of compare_regimes, with columns {needed}.")


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation of the test accuracy per regime and budget."""
    _check_results(results)
    table = results.groupby(["k", "regime"])["accuracy"].agg(["mean", "std", "count"])
    return table.unstack("regime").reorder_levels([1, 0], axis=1).sort_index(axis=1)


def paired_gain(
    results: pd.DataFrame, regime: str, baseline: str = "scratch", alpha: float = 0.05
) -> pd.DataFrame:
    """Gain of ``regime`` over ``baseline`` per budget, draw by draw: mean, sd, interval, t-test.

    The two regimes saw the same images in each draw, so the difference removes what makes
    a draw easy or hard. ``beyond_spread`` says whether the mean gain exceeds the sd of the
    gains (the course's target); ``ci_low``/``ci_high`` bound a ``1 - alpha`` t-interval for
    the mean gain; ``significant`` is a one-sample t-test of the gains against zero at level
    ``alpha`` (the interval then excludes 0), which with three draws needs a large and steady
    gain. All of it is conditional on the one pre-trained base the draws share.
    """
    _check_results(results)
    for name in (regime, baseline):
        if name not in set(results["regime"]):
            raise ValueError(f"No regime {name!r} in the results; there are {REGIMES}.")
    wide = results.pivot_table(index=["k", "draw"], columns="regime", values="accuracy")
    gains = (wide[regime] - wide[baseline]).rename("gain").reset_index()
    rows = []
    for k, group in gains.groupby("k"):
        g = group["gain"].to_numpy()
        sd = float(np.std(g, ddof=1)) if len(g) > 1 else float("nan")
        p = float(stats.ttest_1samp(g, 0.0).pvalue) if len(g) > 1 and sd > 0 else float("nan")
        half = (
            float(stats.t.ppf(1 - alpha / 2, len(g) - 1) * sd / math.sqrt(len(g)))
            if len(g) > 1
            else float("nan")
        )
        rows.append(
            {
                "k": int(k),
                "mean_gain": float(np.mean(g)),
                "sd_gain": sd,
                "ci_low": float(np.mean(g)) - half,
                "ci_high": float(np.mean(g)) + half,
                "draws": len(g),
                "p_value": p,
                "beyond_spread": bool(np.mean(g) > sd) if len(g) > 1 else False,
                "significant": bool(p < alpha) if np.isfinite(p) else False,
            }
        )
    return pd.DataFrame(rows).set_index("k")


def paired_and_unpaired_t(
    results: pd.DataFrame, regime: str, baseline: str, k: int
) -> tuple[float, float]:
    """The t statistic of ``regime`` minus ``baseline`` at budget ``k``: draws paired, and not."""
    _check_results(results)
    for name in (regime, baseline):
        if name not in set(results["regime"]):
            raise ValueError(f"No regime {name!r} in the results; there are {REGIMES}.")
    rows = results[results["k"] == k]
    if rows.empty:
        raise ValueError(f"No results for k = {k}; the budgets are {sorted(set(results['k']))}.")
    wide = rows.pivot(index="draw", columns="regime", values="accuracy")
    a, b = wide[regime].to_numpy(), wide[baseline].to_numpy()
    n, d = len(a), a - b
    if n < 2 or np.std(d) == 0:
        raise ValueError(f"A t statistic needs at least two draws whose differences vary; k = {k}.")
    paired = float(np.mean(d) / (np.std(d, ddof=1) / math.sqrt(n)))
    unpaired = float(
        (np.mean(a) - np.mean(b)) / math.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / n)
    )
    return paired, unpaired


def plot_accuracy_vs_budget(results: pd.DataFrame, title: str = "") -> plt.Figure:
    """Test accuracy against labelled images per class: every draw as a dot, mean ± sd as bars."""
    _check_results(results)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    budgets = np.sort(results["k"].unique())
    for number, regime in enumerate(r for r in REGIMES if r in set(results["regime"])):
        mine = results[results["regime"] == regime]
        shift = 1 + 0.05 * (number - 1)  # side by side on a log axis
        stats_k = mine.groupby("k")["accuracy"].agg(["mean", "std"]).reindex(budgets)
        ax.errorbar(
            budgets * shift,
            stats_k["mean"],
            yerr=stats_k["std"].fillna(0),
            marker="o",
            capsize=4,
            label=REGIME_LABELS[regime],
        )
        ax.scatter(mine["k"] * shift, mine["accuracy"], s=10, alpha=0.5, color="k", zorder=3)
    ax.set_xscale("log")
    ax.set_xticks(budgets, [str(k) for k in budgets])
    ax.minorticks_off()
    ax.set(xlabel="labelled images per class (log scale)", ylabel="test accuracy")
    ax.set_title(title or "Accuracy against the label budget (bars: mean ± sd; dots: draws)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- MobileNetV2
class WeightsUnavailable(RuntimeError):
    """The ImageNet weights of a ``keras.applications`` model could not be had."""


class UntrainedBaseWarning(UserWarning):
    """A base with random weights replaces the ImageNet one (QUICK mode only)."""


MOBILENET_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
MOBILENET_SIZES = (96, 128, 160, 192, 224)
MOBILENET_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)


def mobilenet_weights_file(size: int, alpha: float) -> str:
    """The file name under which Keras publishes (and caches) MobileNetV2's headless weights."""
    if size not in MOBILENET_SIZES or alpha not in MOBILENET_ALPHAS:
        raise ValueError(
            f"ImageNet weights exist for sizes {MOBILENET_SIZES} and widths alpha in "
            f"{MOBILENET_ALPHAS}; got size {size}, alpha {alpha}."
        )
    return f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{size}_no_top.h5"


def load_mobilenet_base(
    size: int = 96, alpha: float = 0.35, allow_untrained: bool = False
) -> tuple[keras.Model, bool]:
    """MobileNetV2 without its classifier, global-average-pooled: ``(base, pretrained)``.

    The ImageNet weights come through Keras, which downloads them once into
    ``~/.keras/models/`` (``$KERAS_HOME/models/``). When they cannot be had (offline), this
    raises ``WeightsUnavailable`` saying what to do, unless ``allow_untrained``: then it returns
    a base with *random* weights, announced loudly, whose features mean nothing (QUICK mode
    only, so that the lesson's code still runs in the test suite).
    """
    name = mobilenet_weights_file(size, alpha)
    try:
        path = keras.utils.get_file(name, MOBILENET_WEIGHTS_URL + name, cache_subdir="models")
    except Exception as error:  # get_file raises a bare Exception when the download fails
        why = str(error).splitlines()[0] if str(error) else type(error).__name__
        if not allow_untrained:
            raise WeightsUnavailable(
                f"The ImageNet weights of MobileNetV2 ({name}) could not be downloaded: {why}\n"
                "What to do: run this lesson once with internet access (Keras keeps the file in"
                " ~/.keras/models/), or download it from\n"
                f"  {MOBILENET_WEIGHTS_URL + name}\n"
                "on another machine and copy it into ~/.keras/models/ here."
            ) from error
        message = (
            "MobileNetV2's ImageNet weights could not be had, so QUICK mode uses an UNTRAINED "
            "base (random weights). Everything computed from it below, accuracy included, "
            "is MEANINGLESS: it only shows that the code runs."
        )
        print(f"{'!' * 78}\n{message}\nWhy: {why}\n{'!' * 78}")
        warnings.warn(message, UntrainedBaseWarning, stacklevel=2)
        path = None
    base = keras.applications.MobileNetV2(
        input_shape=(size, size, 3), alpha=alpha, include_top=False, weights=path, pooling="avg"
    )
    return base, path is not None


def prepare_images(images, size: int):
    """uint8 RGB images (N, H, W, 3) → upscaled to size x size, then MobileNetV2's own
    ``preprocess_input`` (pixels to [-1, 1]); works on arrays and tensors.

    CIFAR-10 is RGB, as MobileNetV2 expects: no channel flip. This is the reference that
    ``mobilenet_preprocessing`` reproduces with two layers.
    """
    resized = keras.ops.image.resize(keras.ops.cast(images, "float32"), (size, size))
    return keras.applications.mobilenet_v2.preprocess_input(resized)


def mobilenet_preprocessing(size: int) -> keras.Sequential:
    """``prepare_images`` as layers: bilinear ``Resizing`` to size x size, then
    ``Rescaling(1 / 127.5, offset=-1)``, which is what ``mobilenet_v2.preprocess_input`` computes.

    Layers, not a ``Lambda`` around a Python function, so that a model containing them saves
    and loads with Keras's default ``safe_mode``.
    """
    if not isinstance(size, (int, np.integer)) or size < 32:
        raise ValueError(f"size must be a whole number of pixels, at least 32; got {size!r}.")
    return keras.Sequential(
        [
            keras.layers.Resizing(size, size, interpolation="bilinear"),
            keras.layers.Rescaling(1 / 127.5, offset=-1.0),
        ],
        name="prepare",
    )


def _small_images_model(base: keras.Model, size: int, head: keras.Model | None = None):
    """Small RGB images in, ``base`` features (or ``head`` logits) out: upscaled and
    preprocessed inside the model, the base called with ``training=False``."""
    inputs = keras.Input(shape=(None, None, 3))
    features = base(mobilenet_preprocessing(size)(inputs), training=False)
    outputs = features if head is None else head(features)
    name = "mobilenet_v2_features" if head is None else "mobilenet_v2_transfer"
    return keras.Model(inputs, outputs, name=name)


def mobilenet_features(
    base: keras.Model, images: np.ndarray, size: int, batch_size: int = 64
) -> tuple[np.ndarray, float]:
    """Features of ``images`` from the frozen base, batch by batch: ``(features, images_per_s)``.

    Each batch is upscaled and preprocessed on the fly, inside the model, then passed through
    ``base(batch, training=False)``. At 96 pixels a side an image takes about 110 kB in
    float32 (the original, 32 pixels in uint8, 3 kB): the whole set upscaled at once would
    hold 1.1 GB for 10,000 images (5.5 GB for CIFAR-10's 50,000); one batch needs a few MB.
    The rate is measured on whole batches after the first, which compiles the forward pass;
    a last, smaller batch is left out of it, since a new batch shape compiles again.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"Expected RGB images (N, H, W, 3), got shape {images.shape}.")
    timed = (len(images) - batch_size) // batch_size * batch_size  # whole batches after the first
    if timed == 0:
        raise ValueError(
            f"Give at least two batches ({2 * batch_size} images), so the rate can be measured."
        )
    model = _small_images_model(base, size)
    images = images.astype("float32")
    parts = [extract_features(model, images[:batch_size], batch_size)]
    start = time.perf_counter()
    parts.append(extract_features(model, images[batch_size : batch_size + timed], batch_size))
    rate = timed / (time.perf_counter() - start)
    if batch_size + timed < len(images):
        parts.append(extract_features(model, images[batch_size + timed :], batch_size))
    return np.concatenate(parts), rate


def mobilenet_classifier(base: keras.Model, head: keras.Model, size: int) -> keras.Model:
    """Small RGB images in, logits out: upscale and preprocess (``mobilenet_preprocessing``),
    ``base(training=False)``, then ``head``. Built from layers only, so it saves and loads."""
    return _small_images_model(base, size, head)


def conv_macs(model: keras.Model) -> int:
    """Multiply-adds of one image's forward pass through ``model``'s convolutions and dense
    layers (nested models included), counted from the layers' shapes.

    ``Conv2D``: output positions x kernel area x input channels per group x filters;
    ``DepthwiseConv2D``: output positions x kernel area x channels x depth multiplier;
    ``Dense``: positions x inputs x units. Batch normalisation, activations, additions and
    pooling cost a few operations per value, not per weight and value, and are left out; the
    counts then agree with those published for MobileNetV2 (the tests compare them).
    """
    if not isinstance(model, keras.Model) or not model.built:
        raise ValueError("Give a built Keras model (one made from keras.Input, or called once).")
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += conv_macs(layer)
            continue
        if not isinstance(
            layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.Dense)
        ):
            continue
        # Every kernel holds one weight per multiply-add at one output position: (kh, kw,
        # c_in / groups, filters) for Conv2D, (kh, kw, c_in, multiplier) for DepthwiseConv2D,
        # (inputs, units) for Dense; the output's axes between batch and channels are positions.
        positions = math.prod(layer.output.shape[1:-1])
        total += int(positions) * math.prod(layer.kernel.shape)
    return total
