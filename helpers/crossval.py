"""Lesson 09: cross-validate a Keras model on a small table, scaling and stopping inside each fold.

Why: on a data set of a few hundred rows, one train/test split gives a score that moves by
several points with the split (on 52 test rows one sample is ~2 points). Repeated
stratified k-fold cross-validation trains a fresh model on every fold and reports the
spread. Everything that learns from data (the scaler, early stopping) sees only the
fold's training rows; the fold's test rows are touched once, to score the final model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from helpers.training import fit_in_memory


@dataclass(frozen=True)
class CVResult:
    """Scores of a cross-validation, one per fold, in the order the folds were made."""

    scores: np.ndarray
    best_epochs: np.ndarray
    test_indices: list[np.ndarray] = field(repr=False)
    n_splits: int
    n_repeats: int

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def std(self) -> float:
        return float(np.std(self.scores, ddof=1))

    def __str__(self) -> str:
        return (
            f"{self.mean:.3f} ± {self.std:.3f} (mean ± sd over {len(self.scores)} folds: "
            f"{self.n_repeats} repeats × {self.n_splits} folds)"
        )


def _check_inputs(
    x: np.ndarray, y: np.ndarray, n_splits: int, n_repeats: int, random_state: object
) -> None:
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer):
        raise TypeError(
            f"random_state must be a whole number, got {random_state!r}: it seeds the folds"
            " and each fold's model, so that the scores can be repeated and compared."
        )
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D table (rows, features), got shape {x.shape}.")
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(
            f"y must be 1-D with one label per row of x ({len(x)} rows), got shape {y.shape}."
        )
    if not np.issubdtype(x.dtype, np.number) or not np.all(np.isfinite(x)):
        raise ValueError("x must hold finite numbers only: encode categories and fill gaps first.")
    if n_splits < 2 or n_repeats < 1:
        raise ValueError(f"Need n_splits >= 2 and n_repeats >= 1, got {n_splits} and {n_repeats}.")
    classes, counts = np.unique(y, return_counts=True)
    if len(counts) < 2:
        raise ValueError("y holds a single class: there is nothing to classify.")
    numeric = y.dtype == bool or (
        np.issubdtype(y.dtype, np.number) and not np.issubdtype(y.dtype, np.complexfloating)
    )
    if not numeric or not np.array_equal(classes, np.arange(len(classes))):
        shown = ", ".join(map(repr, classes[:5].tolist()))
        raise ValueError(
            f"y must hold class numbers 0, 1, ... (0/1 for a yes/no target), got {shown}:"
            " encode the labels first, e.g. (y == 'M').astype(int) or (y + 1) // 2 for -1/+1."
        )
    if counts.min() < n_splits:
        raise ValueError(
            f"The rarest class has {counts.min()} rows, fewer than n_splits={n_splits}: "
            "every fold needs at least one. Use fewer folds."
        )


def cross_validate(
    build_fn: Callable[[], keras.Model],
    x: np.ndarray,
    y: np.ndarray,
    *,
    random_state: int,
    n_splits: int = 5,
    n_repeats: int = 3,
    epochs: int = 300,
    batch_size: int = 16,
    patience: int = 30,
    validation_fraction: float = 0.2,
    metric: str = "accuracy",
    make_scaler: Callable[[], Any] = StandardScaler,
    verbose: bool = False,
) -> CVResult:
    """Repeated stratified k-fold cross-validation of the model that ``build_fn`` makes.

    For every fold: split the fold's training rows again (stratified) into rows to fit on
    and a validation part for early stopping; fit the scaler on the rows to fit on only;
    seed, build and train a fresh compiled model (``build_fn()``) with early stopping on
    the validation loss, keeping the best weights; then score it once on the fold's test
    rows with ``model.evaluate`` (``metric`` must be one of the model's compiled metrics).

    Each fold seeds Keras with ``random_state + fold number``, so the same call gives the same
    scores, and two models cross-validated with the same ``random_state`` see the very same
    folds: their scores can be compared fold by fold.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    _check_inputs(x, y, n_splits, n_repeats, random_state)
    folds = RepeatedStratifiedKFold(
        n_splits=n_splits, n_repeats=n_repeats, random_state=random_state
    )
    scores, best_epochs, test_indices = [], [], []
    for fold, (train_idx, test_idx) in enumerate(folds.split(x, y)):
        fit_idx, val_idx = train_test_split(
            train_idx,
            test_size=validation_fraction,
            stratify=y[train_idx],
            random_state=random_state + fold,
        )
        scaler = make_scaler().fit(x[fit_idx])
        keras.utils.set_random_seed(random_state + fold)
        model = build_fn()
        if not isinstance(model, keras.Model) or not model.compiled:
            raise TypeError(
                "build_fn must return a new compiled keras.Model, "
                f"got {type(model).__name__}: call model.compile(...) before returning it."
            )
        stop = keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=True
        )
        fit_in_memory(
            model,
            scaler.transform(x[fit_idx]),
            y[fit_idx],
            validation_data=(scaler.transform(x[val_idx]), y[val_idx]),
            epochs=epochs,
            batch_size=batch_size,
            callbacks=[stop],
            seed=random_state + fold,
        )
        result = model.evaluate(
            scaler.transform(x[test_idx]).astype("float32"),
            y[test_idx],
            verbose=0,
            return_dict=True,
        )
        if metric not in result:
            raise KeyError(
                f"The model reports {sorted(result)}, not {metric!r}: compile it with "
                f"metrics=[{metric!r}] or pass one of those as metric=."
            )
        scores.append(result[metric])
        best_epochs.append(stop.best_epoch + 1)
        test_indices.append(test_idx)
        if verbose and (fold + 1) % n_splits == 0:
            repeat = (fold + 1) // n_splits
            print(f"repeat {repeat}/{n_repeats}: mean {metric} so far {np.mean(scores):.3f}")
    return CVResult(
        scores=np.array(scores),
        best_epochs=np.array(best_epochs),
        test_indices=test_indices,
        n_splits=n_splits,
        n_repeats=n_repeats,
    )
