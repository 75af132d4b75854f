"""Lesson 12: MobileNetV2 from ``keras.applications`` on small images (CIFAR-10).

The ImageNet base is fetched by Keras (or refused with a clear error offline); the images are
upscaled and passed through the model's own ``preprocess_input``; the base is always called
with ``training=False``, so that its batch-normalisation statistics stay those of ImageNet.
"""

from __future__ import annotations

import time
import warnings

import keras
import numpy as np

from helpers.transfer import extract_features


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
