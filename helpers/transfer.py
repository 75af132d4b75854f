"""Lesson 12: transfer learning on a CPU, reusing what a network learnt for another task.

Two settings (the small CNN's architecture is in the lesson itself); this module holds the first:

* **MNIST 0-4 → 5-9 (offline, real data).** A small CNN *base* is pre-trained on digits 0-4;
  digits 5-9 (labels remapped to 0-4) are then learnt from a few labelled images per class in
  three *regimes*: from scratch (the same architecture, random weights), feature extraction
  (the pre-trained base frozen, a new head trained on its features) and fine-tuning (the top of
  the base unfrozen and trained further at a lower learning rate, starting from the feature
  extraction model).
* **MobileNetV2 on CIFAR-10** (``helpers.mobilenet``), which reuses ``build_head``,
  ``with_head``, ``extract_features`` and ``freeze_below`` from here.

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
from collections.abc import Sequence

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats
from sklearn.model_selection import train_test_split

from helpers.training import TrainSettings, fit_fixed_steps, reset_training

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


# ----------------------------------------------------------------------------- base and head
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
        fresh_base = keras.models.clone_model(pretrained_base)  # same layers, new random weights
        self._scratch = compile_for_labels(
            with_head(fresh_base, build_head(n_features, n_classes)), settings.learning_rate
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
        reset_training(self._scratch, keras.models.clone_model(self._scratch).get_weights())
        fit_fixed_steps(self._scratch, data, self.settings, seed)
        return self._scratch

    def feature_extraction(self, features: tuple, seed: int) -> keras.Model:
        keras.utils.set_random_seed(seed)
        reset_training(self._head, keras.models.clone_model(self._head).get_weights())
        fit_fixed_steps(self._head, features, self.settings, seed)
        return self._head

    def fine_tuning(self, data: tuple, seed: int) -> keras.Model:
        if not self._head.optimizer.built:
            raise RuntimeError("Train the head first: call feature_extraction(...) before.")
        keras.utils.set_random_seed(seed)
        reset_training(self._tuned, self.base.get_weights() + self._head.get_weights())
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
