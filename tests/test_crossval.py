"""helpers.crossval: folds, no leakage into the scaler, reproducibility, clear errors."""

import keras
import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from helpers.crossval import CVResult, cross_validate

N_ROWS = 40


class SpyScaler(StandardScaler):
    """A StandardScaler that remembers which rows (column 0 holds the row number) it saw."""

    made: list["SpyScaler"] = []

    def fit(self, X, y=None, sample_weight=None):
        SpyScaler.made.append(self)
        self.fit_rows = set(X[:, 0].astype(int))
        self.transformed_rows: set[int] = set()
        return super().fit(X, y, sample_weight)

    def transform(self, X, copy=None):
        self.transformed_rows |= set(X[:, 0].astype(int))
        return super().transform(X, copy)


def _data(n=N_ROWS):
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    x = np.column_stack([np.arange(n), y + rng.normal(0, 0.5, n), rng.normal(0, 1, n)])
    return x, y


def _build():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


SETTINGS = dict(n_splits=2, n_repeats=2, epochs=2, patience=1, batch_size=8)


@pytest.fixture(scope="module")
def spied():
    SpyScaler.made.clear()
    x, y = _data()
    result = cross_validate(_build, x, y, random_state=0, make_scaler=SpyScaler, **SETTINGS)
    return result, list(SpyScaler.made)


def test_one_score_per_fold(spied):
    result, _ = spied
    assert isinstance(result, CVResult)
    assert result.scores.shape == (4,) and result.best_epochs.shape == (4,)
    assert np.all((result.scores >= 0) & (result.scores <= 1))
    assert "over 4 folds" in str(result)


def test_each_repeat_tests_every_row_once(spied):
    result, _ = spied
    for repeat in range(2):
        tested = np.concatenate(result.test_indices[2 * repeat : 2 * repeat + 2])
        assert sorted(tested) == list(range(N_ROWS))


def test_scaler_is_fit_on_training_rows_only(spied):
    result, scalers = spied
    assert len(scalers) == 4, "one fresh scaler per fold"
    for scaler, test_idx in zip(scalers, result.test_indices, strict=True):
        test_rows = set(test_idx.tolist())
        assert scaler.fit_rows.isdisjoint(test_rows), "the scaler saw test rows"
        # it scales the test rows (to score them) and the validation rows, but learns from neither
        assert test_rows <= scaler.transformed_rows
        validation_rows = scaler.transformed_rows - scaler.fit_rows - test_rows
        assert validation_rows, "early stopping needs validation rows of its own"
        assert len(scaler.fit_rows) + len(validation_rows) + len(test_rows) == N_ROWS


def test_same_seed_same_scores(spied):
    result, _ = spied
    x, y = _data()
    # a repeat's folds do not depend on how many repeats follow, so one repeat is enough
    again = cross_validate(_build, x, y, random_state=0, **{**SETTINGS, "n_repeats": 1})
    np.testing.assert_array_equal(again.scores, result.scores[:2])
    for a, b in zip(again.test_indices, result.test_indices, strict=False):
        np.testing.assert_array_equal(a, b)


def test_repeats_reshuffle_the_folds(spied):
    result, _ = spied
    first, second = result.test_indices[0], result.test_indices[2]
    assert not np.array_equal(np.sort(first), np.sort(second))
    assert not np.array_equal(np.sort(first), np.sort(result.test_indices[3]))


@pytest.mark.parametrize(
    "x, y, kwargs, message",
    [
        (np.zeros(40), np.arange(40) % 2, {}, "2-D"),
        (np.zeros((40, 3)), np.arange(39) % 2, {}, "one label per row"),
        (np.full((40, 3), np.nan), np.arange(40) % 2, {}, "finite"),
        (np.zeros((40, 3)), np.zeros(40), {}, "single class"),
        (np.zeros((40, 3)), (np.arange(40) < 3).astype(int), {}, "rarest class has 3"),
        (np.zeros((40, 3)), np.arange(40) % 2, {"n_splits": 1}, "n_splits >= 2"),
    ],
)
def test_bad_input_is_named(x, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cross_validate(_build, x, y, random_state=0, **kwargs)


def test_uncompiled_model_is_refused():
    def build_uncompiled():
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])

    x, y = _data()
    with pytest.raises(TypeError, match="compile"):
        cross_validate(build_uncompiled, x, y, random_state=0, **SETTINGS)


def test_missing_metric_is_named():
    x, y = _data()
    with pytest.raises(KeyError, match="auc"):
        cross_validate(_build, x, y, random_state=0, metric="auc", **SETTINGS)


@pytest.mark.parametrize(
    "labels, message",
    [
        (lambda y: 2 * y - 1, "class numbers 0, 1"),  # {-1, +1}
        (lambda y: np.where(y == 1, "M", "R"), "class numbers 0, 1"),  # strings
        (lambda y: y + 0.5, "class numbers 0, 1"),
    ],
    ids=["minus-one-plus-one", "strings", "fractions"],
)
def test_labels_must_be_class_numbers(labels, message):
    x, y = _data()
    with pytest.raises(ValueError, match=message):
        cross_validate(_build, x, labels(y), random_state=0, n_splits=2, n_repeats=1, epochs=1)


@pytest.mark.parametrize("random_state", [None, 1.5, "0"])
def test_random_state_must_be_a_whole_number(random_state):
    x, y = _data()
    with pytest.raises(TypeError, match="random_state must be a whole number"):
        cross_validate(_build, x, y, random_state=random_state, n_splits=2, n_repeats=1)
