"""Transfer helpers: exact data splits and draws, freezing that really freezes, honest gains."""

import keras
import numpy as np
import pandas as pd
import pytest

from helpers import exercises, training
from helpers import mobilenet as mn
from helpers import transfer as tr


def digits(n_per_class: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(10), n_per_class).astype(np.uint8)
    x = rng.integers(0, 256, size=(len(y), 28, 28), dtype=np.uint8)
    return x, y


def test_split_digits_keeps_only_those_and_renumbers_in_order():
    x, y = digits()
    xs, ys = tr.split_digits(x, y, [5, 6, 7, 8, 9])
    assert len(xs) == len(ys) == 30
    np.testing.assert_array_equal(np.array([5, 6, 7, 8, 9])[ys], y[y >= 5])
    np.testing.assert_array_equal(xs, x[y >= 5])
    _, yr = tr.split_digits(x, y, [9, 3])  # the order given decides the labels
    assert set(yr) == {0, 1} and np.all(yr[:6] == 1)  # label 3 comes first in y


@pytest.mark.parametrize("bad", [[], [5, 5], [11]])
def test_split_digits_refuses_bad_digits(bad):
    x, y = digits()
    with pytest.raises(ValueError):
        tr.split_digits(x, y, bad)


def test_split_digits_refuses_mismatched_lengths():
    x, y = digits()
    with pytest.raises(ValueError, match="must match"):
        tr.split_digits(x[:-1], y, [1, 2])


def test_draw_per_class_draws_k_distinct_per_class_reproducibly():
    _, y = digits(n_per_class=20)
    chosen = tr.draw_per_class(y, 7, seed=3)
    assert len(np.unique(chosen)) == len(chosen) == 70
    np.testing.assert_array_equal(np.bincount(y[chosen]), [7] * 10)
    np.testing.assert_array_equal(chosen, tr.draw_per_class(y, 7, seed=3))
    assert not np.array_equal(np.sort(chosen), np.sort(tr.draw_per_class(y, 7, seed=4)))


@pytest.mark.parametrize("k", [0, 21, 2.5])
def test_draw_per_class_refuses_impossible_budgets(k):
    _, y = digits(n_per_class=20)
    with pytest.raises(ValueError):
        tr.draw_per_class(y, k, seed=0)


def test_budget_split_is_stratified_and_complete():
    x, y = digits(n_per_class=10)
    x_fit, y_fit, x_val, y_val = tr.budget_split(x, y, seed=0, val_fraction=0.2)
    np.testing.assert_array_equal(np.bincount(y_val), [2] * 10)
    assert len(x_fit) + len(x_val) == len(x)
    with pytest.raises(ValueError, match="val_fraction"):
        tr.budget_split(x, y, seed=0, val_fraction=1.5)


def test_fit_fixed_steps_uses_every_image_for_the_steps_asked():
    keras.utils.set_random_seed(0)
    x, y = small_task()  # 40 images: 5 batches of 8 per epoch
    model = tr.compile_for_labels(build_classifier(2), 1e-3)
    few = training.TrainSettings(steps=10, min_epochs=1, batch_size=8)
    assert training.fit_fixed_steps(model, (x, y), few, 0) == 2
    assert model.optimizer.iterations.numpy() == 10
    longer = training.TrainSettings(steps=10, min_epochs=3, batch_size=8)
    assert training.fit_fixed_steps(model, (x, y), longer, 0) == 3  # at least min_epochs
    assert model.optimizer.iterations.numpy() == 10 + 15
    with pytest.raises(ValueError, match="steps"):
        training.fit_fixed_steps(model, (x, y), training.TrainSettings(steps=0), 0)


def test_as_images_adds_the_channel_and_refuses_other_shapes():
    x, _ = digits()
    assert tr.as_images(x).shape == (60, 28, 28, 1) and tr.as_images(x).dtype == np.float32
    with pytest.raises(ValueError, match="Expected images"):
        tr.as_images(np.zeros((3, 4)))


def build_classifier(n_classes: int) -> keras.Model:
    """A small stand-in for lesson 12's CNN (which lives in the lesson): a base with named
    layers up to ``conv2`` and ``flatten``, and the one-layer head of ``tr.build_head``."""
    base = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Rescaling(1 / 255, name="scale"),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv1"),
            keras.layers.MaxPooling2D(name="pool1"),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv2"),
            keras.layers.MaxPooling2D(name="pool2"),
            keras.layers.Flatten(name="flatten"),
        ],
        name="base",
    )
    return tr.with_head(base, tr.build_head(base.output_shape[-1], n_classes))


def test_head_on_base_shapes_and_parameter_count():
    model = build_classifier(5)
    assert model.output_shape == (None, 5)
    assert model.get_layer("base").output_shape == (None, 200)  # 5 x 5 x 8
    assert model.get_layer("head").count_params() == 200 * 5 + 5


def test_freeze_below_freezes_bottom_and_keeps_batch_norm_frozen():
    base = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(2, 3, name="low"),
            keras.layers.Conv2D(2, 3, name="high"),
            keras.layers.BatchNormalization(name="high_bn"),
        ]
    )
    assert tr.freeze_below(base, "high") == ["high"]
    assert not base.get_layer("low").trainable and not base.get_layer("high_bn").trainable
    with pytest.raises(ValueError, match="no layer"):
        tr.freeze_below(base, "nope")


def small_task(seed: int = 0):
    """Two classes that differ by a bright square: learnable from a few images."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], 20)
    x = rng.uniform(0, 60, size=(40, 28, 28, 1)).astype("float32")
    x[y == 1, 5:15, 5:15] += 150
    return x, y


def test_regimes_freeze_what_they_say_and_restart_each_time():
    keras.utils.set_random_seed(0)
    x, y = small_task()
    pretrained = build_classifier(2).get_layer("base")
    settings = training.TrainSettings(steps=10, min_epochs=1, batch_size=8)
    regimes = tr.Regimes(pretrained, 2, settings)
    data = (x, y)
    base_before = [w.copy() for w in regimes.base.get_weights()]
    features = (regimes.features(x), y)
    head = regimes.feature_extraction(features, seed=0)
    first_head = [w.copy() for w in head.get_weights()]
    tuned = regimes.fine_tuning(data, seed=0)
    for before, after in zip(base_before, regimes.base.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)  # the frozen copy never moves
    tuned_base = tuned.get_layer("base")
    np.testing.assert_array_equal(
        tuned_base.get_layer("conv1").get_weights()[0],
        pretrained.get_layer("conv1").get_weights()[0],
    )
    assert not np.array_equal(
        tuned_base.get_layer("conv2").get_weights()[0],
        pretrained.get_layer("conv2").get_weights()[0],
    )
    # same seed, same data: a restarted model reaches exactly the same weights
    again = regimes.feature_extraction(features, seed=0)
    for a, b in zip(first_head, again.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert regimes._head.optimizer.learning_rate.numpy() == pytest.approx(1e-3)


def test_fine_tuning_before_a_head_is_refused():
    regimes = tr.Regimes(build_classifier(2).get_layer("base"), 2, training.TrainSettings())
    x, y = small_task()
    with pytest.raises(RuntimeError, match="head first"):
        regimes.fine_tuning((x, y), seed=0)


def test_head_on_stored_features_equals_head_on_frozen_base():
    keras.utils.set_random_seed(1)
    x, _ = small_task()
    base = build_classifier(2).get_layer("base")
    base.trainable = False
    head = tr.build_head(base.output_shape[-1], 2)
    whole = tr.with_head(base, head)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(head(tr.extract_features(base, x))),
        tr.extract_features(whole, x),
        rtol=1e-5,
        atol=1e-5,
    )


def fake_results():
    rows = []
    gains = {5: [0.10, 0.12, 0.08], 50: [0.03, -0.04, 0.02]}
    for k, ks in gains.items():
        for draw, g in enumerate(ks):
            rows += [
                {"k": k, "draw": draw, "regime": "scratch", "accuracy": 0.6 + 0.01 * draw},
                {"k": k, "draw": draw, "regime": "fine_tuning", "accuracy": 0.6 + 0.01 * draw + g},
                {"k": k, "draw": draw, "regime": "feature_extraction", "accuracy": 0.5},
            ]
    return pd.DataFrame(rows)


def test_paired_gain_is_per_draw_and_says_when_not_significant():
    table = tr.paired_gain(fake_results(), "fine_tuning")
    assert table.loc[5, "mean_gain"] == pytest.approx(0.10)
    assert table.loc[5, "sd_gain"] == pytest.approx(0.02)
    assert table.loc[5, "beyond_spread"] and table.loc[5, "significant"]
    assert table.loc[50, "mean_gain"] == pytest.approx(0.01 / 3)
    assert not table.loc[50, "beyond_spread"] and not table.loc[50, "significant"]
    with pytest.raises(ValueError, match="No regime"):
        tr.paired_gain(fake_results(), "magic")
    with pytest.raises(ValueError, match="columns"):
        tr.paired_gain(pd.DataFrame({"x": [1]}), "fine_tuning")


def test_summarise_and_plot_run_on_results():
    summary = tr.summarise(fake_results())
    assert summary.loc[5, ("scratch", "count")] == 3
    fig = tr.plot_accuracy_vs_budget(fake_results())
    assert len(fig.axes) == 1


def test_paired_gain_gives_a_t_interval_that_agrees_with_the_test():
    table = tr.paired_gain(fake_results(), "fine_tuning")
    # k = 5: gains 0.10, 0.12, 0.08: mean 0.10, sd 0.02, t(0.975, 2) = 4.3027
    half = 4.302653 * 0.02 / np.sqrt(3)
    assert table.loc[5, "ci_low"] == pytest.approx(0.10 - half, rel=1e-5)
    assert table.loc[5, "ci_high"] == pytest.approx(0.10 + half, rel=1e-5)
    for k, row in table.iterrows():  # significant exactly when the interval excludes zero
        assert row["significant"] == (row["ci_low"] > 0 or row["ci_high"] < 0), k


def test_check_paired_t_accepts_the_paired_value_and_names_the_unpaired_one(capsys):
    results = fake_results()
    # k = 5: fine-tuning 0.6 + 0.01 * draw + gain; feature extraction 0.5 on every draw
    a = np.array([0.70, 0.73, 0.70])
    d = a - 0.5
    paired = d.mean() / (d.std(ddof=1) / np.sqrt(3))
    unpaired = (a.mean() - 0.5) / np.sqrt((a.var(ddof=1) + 0.0) / 3)
    check = exercises.check_paired_t
    assert check(paired, results, "fine_tuning", 5, "feature_extraction")
    assert not check(paired * 1.1, results, "fine_tuning", 5, "feature_extraction")
    capsys.readouterr()
    # a constant baseline makes both the same; draws that differ a lot in difficulty (as a
    # draw of a few images does) make the unpaired t much smaller than the paired one
    sc = np.array([0.5, 0.6, 0.7])
    ft = sc + np.array([0.05, 0.06, 0.04])
    results = pd.DataFrame(
        [{"k": 5, "draw": j, "regime": "scratch", "accuracy": sc[j]} for j in range(3)]
        + [{"k": 5, "draw": j, "regime": "fine_tuning", "accuracy": ft[j]} for j in range(3)]
    )
    g = ft - sc
    paired_sc = g.mean() / (g.std(ddof=1) / np.sqrt(3))
    unpaired_sc = (ft.mean() - sc.mean()) / np.sqrt((ft.var(ddof=1) + sc.var(ddof=1)) / 3)
    assert abs(paired_sc - unpaired_sc) > 1
    assert check(paired_sc, results, "fine_tuning", 5)
    assert not check(unpaired_sc, results, "fine_tuning", 5)
    out = capsys.readouterr().out
    assert "independent samples" in out
    for value in (paired, unpaired, paired_sc, unpaired_sc):  # the verdicts never show answers
        assert f"{value:.2f}" not in out and f"{value:.3f}" not in out
    assert not check(..., results, "fine_tuning", 5)
    assert "Not answered" in capsys.readouterr().out
    assert not check("ten", results, "fine_tuning", 5)
    with pytest.raises(ValueError, match="No results for k"):
        check(1.0, results, "fine_tuning", 7)
    with pytest.raises(ValueError, match="No regime"):
        check(1.0, results, "fine_tuning", 5, "feature_extraction")  # not in these results


def test_mobilenet_weights_file_names_the_published_file():
    assert mn.mobilenet_weights_file(96, 0.35) == (
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"
    )
    with pytest.raises(ValueError, match="exist for sizes"):
        mn.mobilenet_weights_file(32, 1.0)


def _no_download(*args, **kwargs):
    raise Exception("URL fetch failure: no network")  # what keras.utils.get_file raises


def test_load_mobilenet_base_fails_clearly_without_weights(monkeypatch):
    monkeypatch.setattr(keras.utils, "get_file", _no_download)
    with pytest.raises(mn.WeightsUnavailable, match="What to do"):
        mn.load_mobilenet_base(96, 0.35)


def test_load_mobilenet_base_untrained_only_when_allowed_and_loudly(monkeypatch, capsys):
    monkeypatch.setattr(keras.utils, "get_file", _no_download)
    with pytest.warns(mn.UntrainedBaseWarning):
        base, pretrained = mn.load_mobilenet_base(96, 0.35, allow_untrained=True)
    assert not pretrained and base.output_shape == (None, 1280)
    assert "MEANINGLESS" in capsys.readouterr().out


def test_prepare_images_upscales_and_maps_to_minus_one_one():
    images = np.zeros((2, 32, 32, 3), np.uint8)
    images[1] = 255
    out = keras.ops.convert_to_numpy(mn.prepare_images(images, 96))
    assert out.shape == (2, 96, 96, 3)
    np.testing.assert_allclose(out[0], -1.0)
    np.testing.assert_allclose(out[1], 1.0, rtol=1e-6)


def test_mobilenet_features_runs_in_inference_mode_and_measures_a_rate():
    keras.utils.set_random_seed(0)
    base = keras.applications.MobileNetV2(
        input_shape=(96, 96, 3), alpha=0.35, include_top=False, weights=None, pooling="avg"
    )
    images = np.random.default_rng(0).integers(0, 256, (10, 32, 32, 3), dtype=np.uint8)
    moving = [keras.ops.convert_to_numpy(v).copy() for v in base.non_trainable_weights]
    features, rate = mn.mobilenet_features(base, images, 96, batch_size=4)
    assert features.shape == (10, 1280) and rate > 0
    expected = keras.ops.convert_to_numpy(base(mn.prepare_images(images, 96), training=False))
    np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-5)
    for before, v in zip(moving, base.non_trainable_weights, strict=True):
        np.testing.assert_array_equal(before, keras.ops.convert_to_numpy(v))
    with pytest.raises(ValueError, match="RGB"):
        mn.mobilenet_features(base, images[..., 0], 96)
    with pytest.raises(ValueError, match="two batches"):  # no whole batch to time after the first
        mn.mobilenet_features(base, images[:7], 96, batch_size=4)


def test_mobilenet_preprocessing_layers_equal_the_models_own_preprocess_input():
    images = np.random.default_rng(1).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    layers = keras.ops.convert_to_numpy(mn.mobilenet_preprocessing(96)(images.astype("float32")))
    reference = keras.ops.convert_to_numpy(mn.prepare_images(images, 96))
    assert layers.shape == (3, 96, 96, 3)
    np.testing.assert_allclose(layers, reference, atol=1e-5)
    with pytest.raises(ValueError, match="size"):
        mn.mobilenet_preprocessing(8)


def tiny_image_base():
    """A stand-in for MobileNetV2 (any input size, batch norm inside), fast to build."""
    return keras.Sequential(
        [
            keras.Input((96, 96, 3)),
            keras.layers.Conv2D(4, 3, strides=4, name="c"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.GlobalAveragePooling2D(),
        ],
        name="tiny",
    )


def test_mobilenet_classifier_saves_and_loads_in_safe_mode(tmp_path):
    keras.utils.set_random_seed(0)
    model = mn.mobilenet_classifier(tiny_image_base(), tr.build_head(4, 3), 96)
    images = np.random.default_rng(2).integers(0, 256, (5, 32, 32, 3)).astype("float32")
    before = tr.extract_features(model, images)
    assert before.shape == (5, 3)
    path = tmp_path / "transfer.keras"
    model.save(path)
    loaded = keras.models.load_model(path)  # safe_mode is on by default: no Lambda allowed
    np.testing.assert_allclose(tr.extract_features(loaded, images), before, rtol=1e-5, atol=1e-6)
    assert not any(isinstance(layer, keras.layers.Lambda) for layer in model.layers)


def test_extract_features_runs_in_inference_mode():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dropout(0.5), keras.layers.BatchNormalization()]
    )
    x = np.random.default_rng(3).normal(size=(40, 6)).astype("float32")
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(tr.extract_features(model, x, batch_size=16), expected, rtol=1e-6)
