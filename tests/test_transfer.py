"""Transfer helpers: exact data splits and draws, freezing that really freezes, honest gains."""

import keras
import numpy as np
import pandas as pd
import pytest

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
    model = tr.compile_for_labels(tr.build_classifier(2), 1e-3)
    few = tr.TrainSettings(steps=10, min_epochs=1, batch_size=8)
    assert tr.fit_fixed_steps(model, (x, y), few, 0) == 2
    assert model.optimizer.iterations.numpy() == 10
    longer = tr.TrainSettings(steps=10, min_epochs=3, batch_size=8)
    assert tr.fit_fixed_steps(model, (x, y), longer, 0) == 3  # at least min_epochs
    assert model.optimizer.iterations.numpy() == 10 + 15
    with pytest.raises(ValueError, match="steps"):
        tr.fit_fixed_steps(model, (x, y), tr.TrainSettings(steps=0), 0)


def test_as_images_adds_the_channel_and_refuses_other_shapes():
    x, _ = digits()
    assert tr.as_images(x).shape == (60, 28, 28, 1) and tr.as_images(x).dtype == np.float32
    with pytest.raises(ValueError, match="Expected images"):
        tr.as_images(np.zeros((3, 4)))


def test_classifier_shapes_and_parameter_count():
    model = tr.build_classifier(5)
    assert model.output_shape == (None, 5)
    base = model.get_layer("base")
    assert base.output_shape == (None, 1600)
    assert model.get_layer("head").count_params() == 1600 * 5 + 5


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
    pretrained = tr.build_classifier(2).get_layer("base")
    settings = tr.TrainSettings(steps=10, min_epochs=1, batch_size=8)
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
    regimes = tr.Regimes(tr.build_classifier(2).get_layer("base"), 2, tr.TrainSettings())
    x, y = small_task()
    with pytest.raises(RuntimeError, match="head first"):
        regimes.fine_tuning((x, y), seed=0)


def test_head_on_stored_features_equals_head_on_frozen_base():
    keras.utils.set_random_seed(1)
    x, _ = small_task()
    base = tr.build_classifier(2).get_layer("base")
    base.trainable = False
    head = tr.build_head(1600, 2)
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


def test_check_gain_accepts_the_right_value_only(capsys):
    results = fake_results()
    assert tr.check_gain(0.10, results, "fine_tuning", 5)
    assert not tr.check_gain(0.5, results, "fine_tuning", 5)
    # fine-tuning minus feature extraction at k = 5: 0.1 + 0.01 * draw + gain, averaged
    assert tr.check_gain(0.21, results, "fine_tuning", 5, baseline="feature_extraction")
    assert not tr.check_gain(0.10, results, "fine_tuning", 5, baseline="feature_extraction")
    assert "0.21" not in capsys.readouterr().out  # the verdict never shows the answer


def test_mobilenet_weights_file_names_the_published_file():
    assert tr.mobilenet_weights_file(96, 0.35) == (
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"
    )
    with pytest.raises(ValueError, match="exist for sizes"):
        tr.mobilenet_weights_file(32, 1.0)


def _no_download(*args, **kwargs):
    raise Exception("URL fetch failure: no network")  # what keras.utils.get_file raises


def test_load_mobilenet_base_fails_clearly_without_weights(monkeypatch):
    monkeypatch.setattr(keras.utils, "get_file", _no_download)
    with pytest.raises(tr.WeightsUnavailable, match="What to do"):
        tr.load_mobilenet_base(96, 0.35)


def test_load_mobilenet_base_untrained_only_when_allowed_and_loudly(monkeypatch, capsys):
    monkeypatch.setattr(keras.utils, "get_file", _no_download)
    with pytest.warns(tr.UntrainedBaseWarning):
        base, pretrained = tr.load_mobilenet_base(96, 0.35, allow_untrained=True)
    assert not pretrained and base.output_shape == (None, 1280)
    assert "MEANINGLESS" in capsys.readouterr().out


def test_prepare_images_upscales_and_maps_to_minus_one_one():
    images = np.zeros((2, 32, 32, 3), np.uint8)
    images[1] = 255
    out = keras.ops.convert_to_numpy(tr.prepare_images(images, 96))
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
    features, rate = tr.mobilenet_features(base, images, 96, batch_size=4)
    assert features.shape == (10, 1280) and rate > 0
    expected = keras.ops.convert_to_numpy(base(tr.prepare_images(images, 96), training=False))
    np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-5)
    for before, v in zip(moving, base.non_trainable_weights, strict=True):
        np.testing.assert_array_equal(before, keras.ops.convert_to_numpy(v))
    with pytest.raises(ValueError, match="RGB"):
        tr.mobilenet_features(base, images[..., 0], 96)
