"""The NumPy convolution and pooling of helpers.convolution agree with Keras's own layers.

Keras computes in float32 and the NumPy versions in float64, on inputs of order 1 with at
most 3 * 3 * 3 = 27 products per output: agreement is asserted to rtol = atol = 1e-5.
"""

import itertools

import keras
import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from helpers.convolution import (
    average_pool2d,
    conv2d,
    conv_params,
    full_float32,
    macs_per_layer,
    max_pool2d,
    output_size,
    padding_amounts,
    pool2d,
)

TOL = {"rtol": 1e-5, "atol": 1e-5}
STRIDES = (1, 2, 3, (1, 2))
PADDINGS = ("valid", "same")


def _images(shape=(2, 11, 10, 3), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


@pytest.mark.parametrize(
    ("stride", "padding", "kernel_size"),
    list(itertools.product(STRIDES, PADDINGS, (3, (2, 4), 1))),
)
def test_conv2d_matches_keras(stride, padding, kernel_size):
    x = _images()
    layer = keras.layers.Conv2D(4, kernel_size, strides=stride, padding=padding)
    expected = keras.ops.convert_to_numpy(layer(x))  # builds the layer with random weights
    rng = np.random.default_rng(1)
    kernel, _ = layer.get_weights()
    bias = rng.normal(size=4).astype(np.float32)  # a non-zero bias, so it is tested too
    layer.set_weights([kernel, bias])
    expected = keras.ops.convert_to_numpy(layer(x))
    got = conv2d(x, kernel, bias, stride=stride, padding=padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **TOL)


@pytest.mark.parametrize(
    ("stride", "padding", "pool_size", "mode"),
    list(itertools.product((None, 1, 2, 3), PADDINGS, (2, 3, (2, 3)), ("max", "average"))),
)
def test_pooling_matches_keras(stride, padding, pool_size, mode):
    x = _images(seed=2)
    layer_class = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    layer = layer_class(pool_size=pool_size, strides=stride, padding=padding)
    expected = keras.ops.convert_to_numpy(layer(x))
    got = pool2d(x, pool_size, stride, padding, mode=mode)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **TOL)


def test_shorthands_and_single_images():
    x = _images((7, 9, 2), seed=3)
    np.testing.assert_array_equal(max_pool2d(x), pool2d(x, mode="max"))
    np.testing.assert_array_equal(
        average_pool2d(x, 3, 1, "same"), pool2d(x, 3, 1, "same", "average")
    )
    grey = x[:, :, 0]
    kernel = np.arange(9.0).reshape(3, 3)
    assert conv2d(grey, kernel).shape == (5, 7)
    assert max_pool2d(grey).shape == (3, 4)
    assert conv2d(x, np.ones((3, 3, 2, 5))).shape == (5, 7, 5)


def test_cross_correlation_is_convolution_with_the_kernel_flipped():
    rng = np.random.default_rng(4)
    image, kernel = rng.normal(size=(8, 9)), rng.normal(size=(3, 3))
    np.testing.assert_allclose(conv2d(image, kernel), correlate2d(image, kernel, "valid"))
    np.testing.assert_allclose(
        conv2d(image, kernel[::-1, ::-1]), convolve2d(image, kernel, "valid")
    )
    assert not np.allclose(conv2d(image, kernel), convolve2d(image, kernel, "valid"))


def test_a_tiny_case_by_hand():
    image = np.array([[1, 2, 0], [0, 1, 3], [4, 0, 1]], dtype=float)
    kernel = np.array([[1, 0], [0, -1]], dtype=float)
    np.testing.assert_array_equal(conv2d(image, kernel), [[0, -1], [0, 0]])  # x[i,j] - x[i+1,j+1]
    np.testing.assert_array_equal(max_pool2d(image, 2, 1), [[2, 3], [4, 3]])
    np.testing.assert_array_equal(average_pool2d(image, 2, 2, "same"), [[1, 1.5], [2, 1]])


@pytest.mark.parametrize(
    ("n", "k", "stride", "padding"),
    list(itertools.product((5, 6, 7, 28, 32), (1, 2, 3, 5), (1, 2, 3), PADDINGS + (1, 2))),
)
def test_output_size_matches_keras_shapes(n, k, stride, padding):
    if k > n:
        return
    if isinstance(padding, int):
        layers = [keras.layers.ZeroPadding2D(padding), keras.layers.Conv2D(1, k, strides=stride)]
        formula = (n + 2 * padding - k) // stride + 1  # the formula as the lesson writes it
        assert output_size(n, k, stride, padding) == formula
    else:
        layers = [keras.layers.Conv2D(1, k, strides=stride, padding=padding)]
    model = keras.Sequential([keras.Input((n, n, 1)), *layers])
    assert model.output_shape[1:3] == (output_size(n, k, stride, padding),) * 2


def test_same_padding_puts_the_extra_zero_after():
    assert padding_amounts(6, 3, 2, "same") == (0, 1)
    assert padding_amounts(5, 4, 1, "same") == (1, 2)
    assert padding_amounts(5, 3, 1, "valid") == (0, 0)
    assert padding_amounts(5, 3, 1, 2) == (2, 2)


@pytest.mark.parametrize(
    ("kernel_size", "c_in", "c_out"), [(3, 1, 32), (3, 32, 64), (5, 3, 16), ((1, 7), 8, 4)]
)
def test_conv_params_matches_count_params(kernel_size, c_in, c_out):
    layer = keras.layers.Conv2D(c_out, kernel_size)
    layer.build((None, 12, 12, c_in))
    assert conv_params(kernel_size, c_in, c_out) == layer.count_params()
    no_bias = keras.layers.Conv2D(c_out, kernel_size, use_bias=False)
    no_bias.build((None, 12, 12, c_in))
    assert conv_params(kernel_size, c_in, c_out, bias=False) == no_bias.count_params()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: conv2d(np.ones((5, 5, 3)), np.ones((3, 3, 2, 4))), "channels"),
        (lambda: conv2d(np.ones((5, 5)), np.ones((3, 3, 1))), "kernel must have shape"),
        (lambda: conv2d(np.ones(5), np.ones((3, 3))), "must be an image"),
        (lambda: conv2d(np.full((5, 5), np.nan), np.ones((3, 3))), "nan"),
        (lambda: conv2d(np.array([["a"]]), np.ones((1, 1))), "numbers"),
        (lambda: conv2d(np.ones((5, 5, 1)), np.ones((3, 3, 1, 2)), np.ones(3)), "bias"),
        (lambda: conv2d(np.ones((5, 5)), np.ones((3, 3)), stride=0), "stride"),
        (lambda: conv2d(np.ones((5, 5)), np.ones((3, 3)), padding="full"), "padding"),
        (lambda: conv2d(np.ones((2, 2)), np.ones((3, 3))), "does not fit"),
        (lambda: pool2d(np.ones((4, 4)), mode="median"), "mode"),
        (lambda: conv_params(3, 0, 4), "c_in"),
        (lambda: output_size(5, 3, 1, -1), "padding"),
    ],
)
def test_bad_input_is_explained(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_macs_per_layer_equal_the_hand_count():
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.Sequential([keras.layers.RandomTranslation(0.1, 0.1)]),  # nested, no kernel
            keras.layers.Conv2D(8, 3, name="a"),  # 26 x 26 positions, 3*3*1*8 weights
            keras.layers.BatchNormalization(),  # left out
            keras.layers.MaxPooling2D(2),  # 13 x 13
            keras.layers.Conv2D(16, 5, strides=2, padding="same", name="b"),  # 7 x 7, 5*5*8*16
            keras.layers.Flatten(),
            keras.layers.Dense(10, name="c"),  # 7*7*16 inputs
        ]
    )
    table = macs_per_layer(model)
    assert list(table["layer"]) == ["a", "b", "c"]
    assert list(table["positions"]) == [26 * 26, 7 * 7, 1]
    assert list(table["macs"]) == [26 * 26 * 3 * 3 * 1 * 8, 7 * 7 * 5 * 5 * 8 * 16, 7 * 7 * 16 * 10]


def test_macs_of_a_dense_layer_on_every_position():
    model = keras.Sequential([keras.Input((4, 6)), keras.layers.Dense(3)])  # 4 positions
    assert macs_per_layer(model)["macs"].tolist() == [4 * 6 * 3]


@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (keras.layers.SeparableConv2D(4, 3), (8, 8, 2)),  # no `kernel` attribute of its own
        (keras.layers.LSTM(4), (5, 3)),  # its weights live in a cell
        (keras.layers.Conv1D(4, 3), (8, 2)),
    ],
)
def test_macs_refuse_layers_they_do_not_know(layer, shape):
    model = keras.Sequential(
        [keras.Input(shape), layer, keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    with pytest.raises(ValueError, match="count it by hand"):
        macs_per_layer(model)


def test_macs_explain_unbuilt_models_and_wrong_types():
    with pytest.raises(ValueError, match="not built"):
        macs_per_layer(keras.Sequential([keras.layers.Dense(2)]))
    with pytest.raises(TypeError, match="Keras model"):
        macs_per_layer(np.ones(3))


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TF32 is a TensorFlow switch")
@pytest.mark.parametrize("enabled_before", [True, False])
def test_full_float32_switches_tf32_off_and_restores_it(enabled_before):
    import tensorflow as tf

    original = tf.config.experimental.tensor_float_32_execution_enabled()
    try:
        tf.config.experimental.enable_tensor_float_32_execution(enabled_before)
        with full_float32():
            assert not tf.config.experimental.tensor_float_32_execution_enabled()
        assert tf.config.experimental.tensor_float_32_execution_enabled() == enabled_before
        with pytest.raises(RuntimeError), full_float32():
            raise RuntimeError("a failing check")
        assert tf.config.experimental.tensor_float_32_execution_enabled() == enabled_before
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(original)


def test_macs_count_depthwise_and_grouped_convolutions_and_match_published_mobilenet_counts():
    model = keras.Sequential(
        [
            keras.Input((10, 10, 3)),
            keras.layers.Conv2D(4, 3),  # 8 x 8 positions x 3 x 3 x 3 x 4 = 6,912
            keras.layers.DepthwiseConv2D(3, padding="same"),  # 8 x 8 x 3 x 3 x 4 = 2,304
            keras.layers.Conv2D(6, 1, groups=2),  # 8 x 8 x (4 / 2) x 6 = 768
            keras.layers.Flatten(),
            keras.layers.Dense(5),  # 384 x 5 = 1,920
        ]
    )
    assert macs_per_layer(model)["macs"].tolist() == [6912, 2304, 768, 1920]
    nested = keras.Sequential([keras.Input((10, 10, 3)), model])
    assert macs_per_layer(nested)["macs"].sum() == macs_per_layer(model)["macs"].sum()
    # The MobileNetV2 paper: 300 M multiply-adds at alpha = 1, 59 M at 0.35 (224 px, with the
    # 1,280 x 1,000 classifier); the published checkpoints list 56 M at alpha = 1, 96 px.
    for size, alpha, published in ((224, 1.0, 300e6), (224, 0.35, 59e6), (96, 1.0, 56e6)):
        mobilenet = keras.applications.MobileNetV2(
            input_shape=(size, size, 3), alpha=alpha, include_top=True, weights=None
        )
        total = macs_per_layer(mobilenet)["macs"].sum()
        assert total == pytest.approx(published, rel=0.03), (size, alpha)
