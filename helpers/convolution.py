"""Convolution and pooling written in NumPy, the way Keras defines them, to read and to test.

Lesson 11 builds these by hand and checks them against ``keras.layers.Conv2D``,
``MaxPooling2D`` and ``AveragePooling2D`` given the same weights. What a ``Conv2D`` layer
computes is a *cross-correlation*: the kernel slides over the image unflipped,

    out[i, j, o] = bias[o] + sum_{a, b, c} x[i*s + a, j*s + b, c] * kernel[a, b, c, o],

with ``x`` padded first. (A convolution in the signal-processing sense flips the kernel
first: ``kernel[::-1, ::-1]``.) Shapes follow Keras's "channels last" layout: images
``(H, W, C)`` or a batch ``(N, H, W, C)``, kernels ``(k_h, k_w, C_in, C_out)``; a single
grey image ``(H, W)`` with a kernel ``(k_h, k_w)`` is accepted too and gives ``(H', W')``.

Padding as Keras (and TensorFlow) defines it:

* ``"valid"``: no padding; the output has ``floor((n - k) / s) + 1`` positions.
* ``"same"``: the output has ``ceil(n / s)`` positions; the zeros needed for that,
  ``max((ceil(n / s) - 1) * s + k - n, 0)``, are split with the smaller half *before* the
  image and the larger half after it.
* an integer ``p``: ``p`` zeros on every side; ``floor((n + 2p - k) / s) + 1`` positions.

Also here: ``macs_per_layer`` counts the multiply-adds per image of a model's ``Conv2D`` and
``Dense`` layers, and ``full_float32`` keeps TensorFlow from running float32 as TF32 on recent
NVIDIA GPUs while a check against float64 NumPy computes.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import pandas as pd

Padding = Literal["valid", "same"] | int
_MODES = ("max", "average")


# ----------------------------------------------------------------------------- sizes
def _pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    """(1, 1) from 1; (2, 3) stays; anything else is an error that says what is expected."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in pair):
        raise ValueError(f"{name} must be a whole number >= 1 or a pair of them, got {value!r}.")
    return int(pair[0]), int(pair[1])


def padding_amounts(n: int, k: int, stride: int = 1, padding: Padding = "valid") -> tuple[int, int]:
    """Zeros added (before, after) along one axis of length ``n`` for a window of size ``k``."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0
        if padding == "same":
            total = max((math.ceil(n / stride) - 1) * stride + k - n, 0)
            return total // 2, total - total // 2
        raise ValueError(f"padding must be 'valid', 'same' or a whole number, got {padding!r}.")
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
        return int(padding), int(padding)
    raise ValueError(f"padding must be 'valid', 'same' or a whole number >= 0, got {padding!r}.")


def output_size(n: int, k: int, stride: int = 1, padding: Padding = "valid") -> int:
    """Positions a window of size ``k`` takes along an axis of length ``n``.

    The general formula is ``floor((n + p_before + p_after - k) / stride) + 1``, i.e.
    ``floor((n + 2p - k) / s) + 1`` for ``p`` zeros on each side; "same" chooses the padding
    that makes it ``ceil(n / s)``.
    """
    for name, value in (("n", n), ("k", k), ("stride", stride)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}.")
    before, after = padding_amounts(n, k, stride, padding)
    if n + before + after < k:
        raise ValueError(
            f"A window of {k} does not fit in {n} positions with padding {padding!r}: use a"
            " smaller kernel or pool size, or padding='same'."
        )
    return (n + before + after - k) // stride + 1


def conv_params(
    kernel_size: int | tuple[int, int], c_in: int, c_out: int, bias: bool = True
) -> int:
    """Trainable parameters of a ``Conv2D`` layer: ``(k_h * k_w * c_in + 1) * c_out``.

    Each of the ``c_out`` filters has one weight per position of its window in each input
    channel, plus one bias. The count does not depend on the image size: that is weight
    sharing, the reason a convolutional layer is so much smaller than a dense one.
    """
    k_h, k_w = _pair(kernel_size, "kernel_size")
    for name, value in (("c_in", c_in), ("c_out", c_out)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}.")
    return (k_h * k_w * c_in + int(bias)) * c_out


# ----------------------------------------------------------------------------- inputs
def _as_batch(x: np.ndarray, name: str = "x") -> tuple[np.ndarray, int]:
    """(N, H, W, C) float64 and the number of leading axes to drop again (2-D: 2, 3-D: 1)."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {x.dtype}.")
    x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains nan or inf: clean the image first.")
    if x.ndim == 2:
        return x[None, :, :, None], 2
    if x.ndim == 3:
        return x[None], 1
    if x.ndim == 4:
        return x, 0
    raise ValueError(
        f"{name} must be an image (H, W), (H, W, C) or a batch (N, H, W, C); got shape {x.shape}."
    )


def _strip(out: np.ndarray, drop: int) -> np.ndarray:
    if drop == 2:
        return out[0, :, :, 0]
    if drop == 1:
        return out[0]
    return out


def _pad(x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]], value: float) -> np.ndarray:
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=value)


def _windows(
    x: np.ndarray, size: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]
):
    """Yield (a, b, slice) for every offset of the window: x[:, i*s + a, j*s + b, :] over i, j."""
    (sh, sw), (oh, ow) = stride, out_hw
    for a in range(size[0]):
        for b in range(size[1]):
            yield a, b, x[:, a : a + sh * (oh - 1) + 1 : sh, b : b + sw * (ow - 1) + 1 : sw, :]


# ----------------------------------------------------------------------------- layers
def conv2d(
    x: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: Padding = "valid",
) -> np.ndarray:
    """Cross-correlate images with kernels, exactly what ``keras.layers.Conv2D`` computes.

    ``x``: (H, W), (H, W, C_in) or (N, H, W, C_in). ``kernel``: (k_h, k_w, C_in, C_out) as in
    ``Conv2D.get_weights()[0]``, or (k_h, k_w) with a 2-D image. ``bias``: (C_out,) or None.
    Returns (N, H', W', C_out) for a batch, (H', W', C_out) for one image, and (H', W') for a
    2-D image with a 2-D kernel; no activation is applied.

    It loops over the k_h * k_w offsets of the window, not over output pixels: each offset
    adds one shifted, strided view of the image times that offset's weights (a matrix
    product over the input channels).
    """
    batch, drop = _as_batch(x)
    kernel = np.asarray(kernel, dtype=np.float64)
    grey_in_grey_out = drop == 2 and kernel.ndim == 2
    if grey_in_grey_out:
        kernel = kernel[:, :, None, None]
    if kernel.ndim != 4:
        raise ValueError(
            f"kernel must have shape (k_h, k_w, C_in, C_out) (or (k_h, k_w) for a 2-D image),"
            f" got {kernel.shape}."
        )
    if not np.all(np.isfinite(kernel)):
        raise ValueError("kernel contains nan or inf.")
    k_h, k_w, c_in, c_out = kernel.shape
    if batch.shape[-1] != c_in:
        raise ValueError(
            f"The image has {batch.shape[-1]} channels but the kernel expects {c_in}: kernel"
            " shape is (k_h, k_w, C_in, C_out), channels last."
        )
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float64)
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},), one per filter; got {bias.shape}.")
    (sh, sw) = _pair(stride, "stride")
    _, height, width, _ = batch.shape
    oh, ow = output_size(height, k_h, sh, padding), output_size(width, k_w, sw, padding)
    pads = (padding_amounts(height, k_h, sh, padding), padding_amounts(width, k_w, sw, padding))
    padded = _pad(batch, pads, 0.0)
    out = np.zeros((len(batch), oh, ow, c_out))
    for a, b, view in _windows(padded, (k_h, k_w), (sh, sw), (oh, ow)):
        out += view @ kernel[a, b]  # (N, oh, ow, C_in) @ (C_in, C_out)
    if bias is not None:
        out += bias
    if grey_in_grey_out:
        return out[0, :, :, 0]
    return _strip(out, 1 if drop == 2 else drop)


def pool2d(
    x: np.ndarray,
    pool_size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    padding: Padding = "valid",
    mode: Literal["max", "average"] = "max",
) -> np.ndarray:
    """Max or average pooling, channel by channel, as ``MaxPooling2D`` / ``AveragePooling2D``.

    ``stride`` defaults to ``pool_size`` (non-overlapping windows), as in Keras. With
    ``padding="same"`` the padded positions are ignored: a max never picks them and an average
    divides by the number of real pixels in the window, which is what Keras does.
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}.")
    batch, drop = _as_batch(x)
    size = _pair(pool_size, "pool_size")
    step = size if stride is None else _pair(stride, "stride")
    _, height, width, _ = batch.shape
    oh, ow = (
        output_size(height, size[0], step[0], padding),
        output_size(width, size[1], step[1], padding),
    )
    pads = (
        padding_amounts(height, size[0], step[0], padding),
        padding_amounts(width, size[1], step[1], padding),
    )
    if mode == "max":
        out = np.full((len(batch), oh, ow, batch.shape[-1]), -np.inf)
        for _, _, view in _windows(_pad(batch, pads, -np.inf), size, step, (oh, ow)):
            np.maximum(out, view, out=out)
    else:
        total = np.zeros((len(batch), oh, ow, batch.shape[-1]))
        count = np.zeros((1, oh, ow, 1))
        real = _pad(np.ones((1, height, width, 1)), pads, 0.0)
        for _, _, view in _windows(_pad(batch, pads, 0.0), size, step, (oh, ow)):
            total += view
        for _, _, view in _windows(real, size, step, (oh, ow)):
            count += view
        out = total / count
    return _strip(out, drop)


def max_pool2d(
    x: np.ndarray, pool_size: int | tuple[int, int] = 2, stride=None, padding: Padding = "valid"
) -> np.ndarray:
    """Largest value of each window: ``pool2d(..., mode="max")``."""
    return pool2d(x, pool_size, stride, padding, mode="max")


def average_pool2d(
    x: np.ndarray, pool_size: int | tuple[int, int] = 2, stride=None, padding: Padding = "valid"
) -> np.ndarray:
    """Mean of each window (real pixels only): ``pool2d(..., mode="average")``."""
    return pool2d(x, pool_size, stride, padding, mode="average")


# ----------------------------------------------------------------------------- arithmetic
def _leaf_layers(model: Any) -> Iterator[Any]:
    """The model's layers in order, with nested models (an augmentation block) opened up."""
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from _leaf_layers(layer)
        else:
            yield layer


def macs_per_layer(model: Any) -> pd.DataFrame:
    """Multiply-adds (MACs) per image of each ``Conv2D``, ``DepthwiseConv2D`` and ``Dense`` layer.

    These layers compute, at every output position, one product of their kernel with the
    input values it covers, so their cost per image is *output positions x kernel size*:

    * ``Conv2D``: ``H_out * W_out * (k_h * k_w * C_in * C_out)``, because the same weights
      are applied at every one of the ``H_out * W_out`` positions (weight sharing: few
      parameters, much arithmetic);
    * ``DepthwiseConv2D`` (MobileNet, lesson 12): ``H_out * W_out * (k_h * k_w * C_in * m)``,
      each channel filtered on its own (``m`` filters per channel); grouped ``Conv2D`` has
      ``C_in / groups`` in its kernel, so the same product counts it;
    * ``Dense``: ``N_in * N_out``, once per sample after a ``Flatten``.

    A MAC is two floating-point operations; training costs about three forward passes
    (lesson 07). Biases, batch normalisation, activations and pooling cost a few operations
    per *value*, not per weight and position, and are left out. Columns: ``layer``,
    ``type``, ``positions``, ``kernel_size`` (weights per position), ``macs``. Any other
    layer with weights (Conv1D, SeparableConv2D, LSTM, ...) is refused rather than
    miscounted or silently left out. Nested models (a MobileNet base) are opened up.
    """
    import keras

    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"Expected a Keras model (with .layers), got {type(model).__name__}.")
    if not model.built:
        raise ValueError(
            "The model is not built, so its layers have no shapes yet: start it with "
            "keras.Input(shape=...) or call model.build(input_shape) first."
        )
    rows = []
    for layer in _leaf_layers(model):
        counted = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.Dense)
        if not isinstance(layer, counted):
            if layer.weights and not isinstance(layer, keras.layers.BatchNormalization):
                raise ValueError(
                    f"Layer {layer.name!r} ({type(layer).__name__}) has weights but is neither "
                    "Conv2D, DepthwiseConv2D nor Dense: count it by hand."
                )
            continue  # pooling, batch norm, activations, dropout, flatten, Random* layers
        kernel = layer.kernel
        positions = math.prod(int(d) for d in layer.output.shape[1:-1])
        kernel_size = math.prod(int(d) for d in kernel.shape)
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "positions": positions,
                "kernel_size": kernel_size,
                "macs": positions * kernel_size,
            }
        )
    return pd.DataFrame(rows, columns=["layer", "type", "positions", "kernel_size", "macs"])


# ----------------------------------------------------------------------------- precision
@contextlib.contextmanager
def full_float32() -> Iterator[None]:
    """Run float32 convolutions and matrix products in full float32 while the block runs.

    On NVIDIA GPUs of the Ampere generation and later, TensorFlow may run float32
    convolutions and matrix products as TF32 (inputs rounded to a 10-bit mantissa, about
    three decimal digits; lesson 07), giving errors near 1e-3 on values of order 1. A check
    of Keras against float64 NumPy to 1e-5 must switch that off while Keras computes: this
    does so on the TensorFlow backend and restores the previous setting afterwards, even
    after an error. On a CPU nothing changes; on other backends it does nothing (JAX has
    its own switch, ``jax.default_matmul_precision``).
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    before = tf.config.experimental.tensor_float_32_execution_enabled()
    tf.config.experimental.enable_tensor_float_32_execution(False)
    try:
        yield
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(before)
