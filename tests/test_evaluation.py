"""Splits keep class rates and share no rows; metrics match scikit-learn; thresholds exact."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

from helpers import evaluation as ev


@pytest.fixture
def toy():
    rng = np.random.default_rng(0)
    y = (rng.random(1000) < 0.27).astype(int)
    score = np.clip(0.3 * y + rng.normal(0.35, 0.2, size=1000), 0, 1)
    return y, score


def test_split_sizes_rates_and_no_overlap(toy):
    y, _ = toy
    X = pd.DataFrame({"row": np.arange(len(y))})
    X_train, X_val, X_test, y_train, y_val, y_test = ev.train_val_test_split(X, y, 0.2, 0.2, 3)
    assert (len(X_train), len(X_val), len(X_test)) == (600, 200, 200)
    for part in (y_train, y_val, y_test):
        assert abs(part.mean() - y.mean()) < 0.01  # stratified: rate within one row's worth
    ids = [set(part["row"]) for part in (X_train, X_val, X_test)]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert len(ids[0] | ids[1] | ids[2]) == len(y)
    np.testing.assert_array_equal(y[X_test["row"].to_numpy()], y_test)  # rows stay aligned


def test_split_depends_on_seed_only(toy):
    y, _ = toy
    X = np.arange(len(y))
    first = ev.train_val_test_split(X, y, seed=1)
    again = ev.train_val_test_split(X, y, seed=1)
    other = ev.train_val_test_split(X, y, seed=2)
    np.testing.assert_array_equal(first[2], again[2])
    assert not np.array_equal(first[2], other[2])


@pytest.mark.parametrize(
    ("val_size", "test_size", "message"),
    [(0.0, 0.2, "val_size"), (0.2, 1.5, "test_size"), (0.5, 0.5, "no training rows")],
)
def test_split_rejects_bad_sizes(val_size, test_size, message):
    with pytest.raises(ValueError, match=message):
        ev.train_val_test_split(np.arange(10), np.arange(10) % 2, val_size, test_size)


def test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="row for row"):
        ev.train_val_test_split(np.arange(10), np.arange(9) % 2)


def test_per_class_table_matches_sklearn(toy):
    y, score = toy
    table = ev.per_class_table(y, score, threshold=0.45, class_names=("stays", "churns"))
    report = metrics.classification_report(y, score >= 0.45, output_dict=True)
    for row, label in (("stays", "0"), ("churns", "1")):
        assert table.loc[row, "precision"] == pytest.approx(report[label]["precision"])
        assert table.loc[row, "recall"] == pytest.approx(report[label]["recall"])
        assert table.loc[row, "f1"] == pytest.approx(report[label]["f1-score"])
        assert table.loc[row, "support"] == report[label]["support"]
    np.testing.assert_allclose(table["roc_auc"], metrics.roc_auc_score(y, score))
    pr_churn = metrics.average_precision_score(y, score)
    pr_stays = metrics.average_precision_score(1 - y, -score)
    assert table.loc["churns", "pr_auc"] == pytest.approx(pr_churn)
    assert table.loc["stays", "pr_auc"] == pytest.approx(pr_stays)


def test_binary_metrics_match_sklearn_and_accept_keras_shape(toy):
    y, score = toy
    got = ev.binary_metrics(y, score.reshape(-1, 1), threshold=0.4)
    predicted = score >= 0.4
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(y, predicted))
    assert got["precision"] == pytest.approx(metrics.precision_score(y, predicted))
    assert got["recall"] == pytest.approx(metrics.recall_score(y, predicted))
    assert got["f1"] == pytest.approx(metrics.f1_score(y, predicted))
    assert got["roc_auc"] == pytest.approx(metrics.roc_auc_score(y, score))


def test_always_negative_model_has_zero_f1():
    y = np.array([0, 0, 0, 1])
    got = ev.binary_metrics(y, np.array([0.1, 0.2, 0.3, 0.2]))
    assert got["accuracy"] == 0.75 and got["f1"] == 0.0 and got["recall"] == 0.0


def test_threshold_table_is_monotone_in_recall(toy):
    y, score = toy
    table = ev.threshold_table(y, score)
    assert list(table.columns) == ["accuracy", "precision", "recall", "f1"]
    assert table.index[0] == 0.01 and table.index[-1] == 0.99 and len(table) == 99
    assert np.all(np.diff(table["recall"].to_numpy()) <= 0)  # higher threshold, fewer positives
    row = table.loc[0.3]
    assert row["f1"] == pytest.approx(metrics.f1_score(y, score >= 0.3))


def test_choose_threshold_on_hand_made_case():
    # Scores 0.9, 0.8 (pos), 0.7 (neg), 0.6 (pos), 0.2, 0.1 (neg).
    # t=0.8: P=1, R=2/3, F1=0.8. t=0.6: P=3/4, R=1, F1=6/7 ≈ 0.857 is the best.
    y = np.array([1, 1, 0, 1, 0, 0])
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    assert ev.choose_threshold(y, score) == 0.6
    assert ev.binary_metrics(y, score, 0.6)["f1"] == pytest.approx(6 / 7)


def test_choose_threshold_is_the_grid_maximum(toy):
    y, score = toy
    best = ev.choose_threshold(y, score)
    f1_best = metrics.f1_score(y, score >= best)
    candidates = np.unique(score)
    assert f1_best == pytest.approx(max(metrics.f1_score(y, score >= t) for t in candidates))


@pytest.mark.parametrize(
    ("y", "score", "message"),
    [
        (np.array(["No", "Yes"]), np.array([0.1, 0.9]), "0/1"),
        (np.array([0, 1, 2]), np.array([0.1, 0.5, 0.9]), "0/1"),
        (np.array([0, 1]), np.array([0.1, 0.5, 0.9]), "Expected 2 scores"),
        (np.array([0, 1]), np.array([[0.9, 0.1], [0.2, 0.8]]), "column 1"),
        (np.array([0, 1]), np.array([0.1, np.nan]), "nan"),
        (np.array([], dtype=int), np.array([]), "non-empty"),
    ],
)
def test_bad_inputs_get_clear_errors(y, score, message):
    with pytest.raises(ValueError, match=message):
        ev.binary_metrics(y, score)


def test_choose_threshold_needs_both_classes():
    with pytest.raises(ValueError, match="Both classes"):
        ev.choose_threshold(np.array([0, 0, 0]), np.array([0.1, 0.2, 0.3]))


def test_plots_draw_expected_lines(toy):
    y, score = toy
    fig = ev.plot_roc_pr(y, {"model": score, "noise": np.linspace(0, 1, len(y))})
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3  # two models + chance
    fig2 = ev.plot_thresholds(y, score, chosen=0.4)
    assert len(fig2.axes[0].lines) == 6  # 4 metrics + 0.5 + chosen
    plt.close("all")


@pytest.mark.parametrize("threshold", [50, -0.1, 1.5, float("nan")])
def test_binary_metrics_threshold_must_be_a_probability(threshold):
    with pytest.raises(ValueError, match=r"threshold must be between 0 and 1"):
        ev.binary_metrics([0, 1, 1], [0.1, 0.8, 0.6], threshold=threshold)


def test_binary_metrics_rejects_logits_as_scores():
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\].*sigmoid"):
        ev.binary_metrics([0, 1, 1], [-2.0, 3.0, 0.4])
    assert ev.binary_metrics([0, 1], [0.0, 1.0], threshold=1)["accuracy"] == 1.0  # edges allowed


def test_plot_thresholds_leaves_undefined_precision_blank():
    y = np.array([0, 1, 0, 1])
    score = np.array([0.1, 0.2, 0.3, 0.4])  # nothing is flagged above 0.4
    fig = ev.plot_thresholds(y, score)
    precision = next(line for line in fig.axes[0].lines if line.get_label() == "precision")
    x, values = precision.get_xdata(), precision.get_ydata()
    assert np.all(np.isnan(values[x > 0.4])) and not np.any(np.isnan(values[x <= 0.4]))
    plt.close("all")


def test_bootstrap_f1_point_matches_sklearn_and_intervals_bracket_it(toy):
    y, score = toy
    decisions = {"a": (score >= 0.5).astype(int), "b": (score >= 0.4).astype(int)}
    table = ev.bootstrap_f1(y, decisions, reference="a", n_boot=500, seed=1)
    for name, predicted in decisions.items():
        assert np.isclose(table.loc[name, "f1"], metrics.f1_score(y, predicted))
        assert table.loc[name, "f1 low"] < table.loc[name, "f1"] < table.loc[name, "f1 high"]
    # a model minus itself is exactly 0 on every resample
    assert table.loc["a", "minus a: low"] == table.loc["a", "minus a: high"] == 0.0
    assert table.loc["b", "minus a: low"] < table.loc["b", "minus a: high"]


def test_bootstrap_f1_interval_shrinks_with_more_rows():
    rng = np.random.default_rng(0)
    widths = []
    for n in (200, 5000):
        y = (rng.random(n) < 0.3).astype(int)
        predicted = np.where(rng.random(n) < 0.8, y, 1 - y)
        table = ev.bootstrap_f1(y, {"m": predicted}, n_boot=400)
        widths.append(table.loc["m", "f1 high"] - table.loc["m", "f1 low"])
    assert widths[1] < widths[0] / 3


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"predictions": {"m": [0.2, 0.7, 0.1, 0.9]}}, ValueError, "0/1 decisions"),
        ({"predictions": {"m": [0, 1, 0, 1]}, "reference": "x"}, KeyError, "reference"),
        ({"predictions": {"m": [0, 1, 0, 1]}, "n_boot": 10}, ValueError, "too few"),
    ],
)
def test_bootstrap_f1_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        ev.bootstrap_f1([0, 1, 0, 1], **kwargs)
