"""Exercise checkers of lesson 15 (input pipelines).

``check_smallest_buffer`` computes its answer from the lesson's own file order;
``check_training_pipeline`` runs the learner's pipeline on small PNG files of its own, which
it writes into a temporary folder (and deletes), and tests from the outside what a training
pipeline must do: every file once per epoch, classes mixed from the first batch on, files
read once, augmentation new every epoch, everything reproducible from the seed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from helpers import checks

__all__ = ["check_smallest_buffer", "check_training_pipeline"]


def check_smallest_buffer(answer: Any, sorted_labels: Any, batch_size: int) -> checks.Feedback:
    """``answer``: the smallest ``shuffle`` buffer with which the first batch of a pipeline over
    files in the order of ``sorted_labels`` (sorted by class) *can* contain the last class.

    ``shuffle(buffer)`` first reads ``buffer`` elements, then outputs a random one of those it
    holds and reads the next, so its first ``batch_size`` outputs come from the first
    ``buffer + batch_size - 1`` elements of its input.
    """
    labels = np.asarray(sorted_labels)
    if labels.ndim != 1 or labels.size == 0 or np.any(np.diff(labels) < 0):
        raise ValueError("sorted_labels must be a non-empty 1-D array sorted by class.")
    first_of_last = int(np.argmax(labels == labels.max()))  # where the last class begins
    expected = max(1, first_of_last - batch_size + 2)
    hint = (
        "The shuffle can output only files it has already read into its buffer. Count how "
        "many files it has read when it outputs the last image of the first batch, and find "
        "where the first file of the last digit sits in the sorted list (file_labels)."
    )
    if answer is None or answer is Ellipsis:
        print(checks.TODO)
        return checks.Feedback(False)
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer, float, np.floating)):
        return checks.check_true(False, hint="Answer with one whole number, the buffer size.")
    return checks.check_value(answer, expected, rtol=0.0, atol=0.0, hint=hint)


# --- the pipeline exercise -----------------------------------------------------------------

_CLASSES = 10
_PER_CLASS = 40
_SIDE = 8  # small images: the checker tests the order of operations, not image processing


def _write_files(folder: Path) -> list[str]:
    """400 tiny PNGs, one folder per class; pixels (0, 0) and (0, 1) spell the file's number."""
    import tensorflow as tf

    for number in range(_CLASSES * _PER_CLASS):
        label = number // _PER_CLASS
        image = np.zeros((_SIDE, _SIDE, 1), np.uint8)
        image[0, 0, 0], image[0, 1, 0] = number % 256, number // 256
        (folder / str(label)).mkdir(parents=True, exist_ok=True)
        tf.io.write_file(str(folder / str(label) / f"{number:04d}.png"), tf.io.encode_png(image))
    return sorted(str(p) for p in folder.glob("*/*.png"))


def _decode(path):
    """A file → (image float32 (8, 8, 1) with the raw pixel values, label from its folder)."""
    import tensorflow as tf

    image = tf.cast(tf.io.decode_png(tf.io.read_file(path), channels=1), tf.float32)
    label = tf.strings.to_number(tf.strings.split(path, os.sep)[-2], out_type=tf.int32)
    return image, label


def _augment(image, seed):
    """Adds a random whole number from 1 to 999 to pixel (1, 1), drawn from ``seed`` (shape 2)."""
    import tensorflow as tf

    mark = tf.random.stateless_uniform([], seed, minval=1, maxval=1000, dtype=tf.int32)
    return image + tf.scatter_nd([[1, 1, 0]], [tf.cast(mark, tf.float32)], tf.shape(image))


class _Epoch:
    """One pass over a pipeline: the files' numbers in the order seen, labels, marks, batches."""

    def __init__(self, dataset: Any, batch_size: int) -> None:
        xs, ys, sizes = [], [], []
        for element in dataset:
            if not isinstance(element, (tuple, list)) or len(element) != 2:
                raise _Wrong(
                    "Each element of your pipeline must be a pair (images, labels), as model.fit"
                    " takes it."
                )
            x, y = (np.asarray(part) for part in element)
            if x.ndim != 4 or x.shape[1:] != (_SIDE, _SIDE, 1) or y.shape != x.shape[:1]:
                raise _Wrong(
                    f"Got a batch of images with shape {x.shape} and labels with shape {y.shape};"
                    f" expected (batch, {_SIDE}, {_SIDE}, 1) and (batch,): batch the decoded,"
                    " augmented images."
                )
            xs.append(x)
            ys.append(y)
            sizes.append(len(x))
            if sum(sizes) > 2 * _CLASSES * _PER_CLASS:
                raise _Wrong(
                    "Your pipeline gave more than twice as many images as there are files and"
                    " did not stop: one epoch must be one pass over the files (model.fit asks"
                    " for a new pass each epoch)."
                )
        if not xs:
            raise _Wrong("Your pipeline gave no batch at all.")
        x = np.concatenate(xs)
        self.numbers = np.rint(x[:, 0, 0, 0] + 256 * x[:, 0, 1, 0]).astype(int)
        self.labels = np.concatenate(ys).astype(int)
        self.marks = x[:, 1, 1, 0]
        self.sizes = sizes
        self.first_batch_classes = len(set(ys[0].astype(int).tolist()))
        self.batch_size = batch_size


class _Wrong(Exception):
    """A property of the learner's pipeline that fails; its message is the feedback."""


def _epoch(dataset: Any, batch_size: int, stage: str) -> _Epoch:
    import tensorflow as tf

    try:
        return _Epoch(dataset, batch_size)
    except _Wrong:
        raise
    except tf.errors.NotFoundError:
        if stage == "second":
            raise _Wrong(
                "In the second epoch your pipeline read the files again (the checker had"
                " deleted them after the first epoch). Decoding is the same every epoch: keep"
                " the decoded images in memory after the first pass instead of reading the"
                " files each epoch."
            ) from None
        raise
    except Exception as error:  # the learner's code may fail in any way: report it
        raise _Wrong(
            f"Iterating over your pipeline ({stage} epoch) raised {type(error).__name__}:"
            f" {str(error).splitlines()[0] if str(error) else ''}"
        ) from None


def _build(build: Callable[..., Any], paths: list[str], batch_size: int, seed: int) -> Any:
    import tensorflow as tf

    try:
        dataset = build(paths, _decode, _augment, batch_size, seed)
    except NotImplementedError:
        raise
    except Exception as error:
        raise _Wrong(f"Calling your function raised {type(error).__name__}: {error}") from None
    if not isinstance(dataset, tf.data.Dataset):
        raise _Wrong(f"Your function returned a {type(dataset).__name__}, not a tf.data.Dataset.")
    return dataset


def _check_one_epoch(epoch: _Epoch, files: int) -> None:
    if sorted(epoch.numbers.tolist()) != list(range(files)):
        seen = len(set(epoch.numbers.tolist()))
        raise _Wrong(
            f"One epoch gave {len(epoch.numbers)} images of {seen} different files; there are"
            f" {files} files and each must come exactly once per epoch."
        )
    if not np.array_equal(epoch.labels, epoch.numbers // _PER_CLASS):
        raise _Wrong("Some labels are not their image's: keep each label with its image.")
    if sum(size != epoch.batch_size for size in epoch.sizes) > 1:  # one may hold the rest
        raise _Wrong(f"The batches must hold batch_size ({epoch.batch_size}) images each.")


def check_training_pipeline(build: Callable[..., Any]) -> checks.Feedback:
    """``build(paths, decode, augment, batch_size, seed)`` must return a ``tf.data.Dataset`` of
    ``(images, labels)`` batches for training, from files sorted by class.

    ``decode(path)`` gives ``(image, label)``; ``augment(image, seed)`` gives a randomly changed
    image, the change drawn from ``seed`` (a shape-2 integer tensor). Tested from the outside:
    each epoch holds every file once with its label, in batches of ``batch_size``; the first
    batch mixes the classes; epoch 2 does not read the files again (they are deleted after
    epoch 1); epoch 2 has a new order and new augmentations; two pipelines built with the same
    seed give the same two epochs; another seed, another order.
    """
    if build is None or build is Ellipsis:
        print(checks.TODO)
        return checks.Feedback(False)
    batch_size, seed = 32, 7
    files = _CLASSES * _PER_CLASS
    folder = Path(tempfile.mkdtemp(prefix="dlcourse-15-check-"))
    try:
        paths = _write_files(folder)
        first, second = (_build(build, paths, batch_size, seed) for _ in range(2))
        epochs_first = [_epoch(first, batch_size, "first")]
        epochs_second = [_epoch(second, batch_size, "first")]
        _check_one_epoch(epochs_first[0], files)
        for label in range(_CLASSES):
            shutil.rmtree(folder / str(label))  # epoch 2 must come from memory
        epochs_first.append(_epoch(first, batch_size, "second"))
        epochs_second.append(_epoch(second, batch_size, "second"))
        _check_one_epoch(epochs_first[1], files)
        one, two = epochs_first
        if one.first_batch_classes < 6:
            raise _Wrong(
                f"The first batch holds only {one.first_batch_classes} of the {_CLASSES} classes:"
                " the files come sorted by class, and your shuffling does not undo that order."
            )
        if np.any(one.marks < 1) or np.any(two.marks < 1):
            raise _Wrong("Some images were not augmented: apply augment to every image.")
        if np.array_equal(one.numbers, two.numbers):
            raise _Wrong("Epoch 2 came in the same order as epoch 1: the order must change.")
        by_file = [dict(zip(e.numbers.tolist(), e.marks.tolist(), strict=True)) for e in (one, two)]
        changed = np.mean([by_file[0][n] != by_file[1][n] for n in range(files)])
        if changed < 0.9:
            raise _Wrong(
                f"Epoch 2 showed {1 - changed:.0%} of the files with the same augmentation as"
                " epoch 1: the random changes must be drawn anew every epoch (where in the chain"
                " are the images kept, and where do the seeds come from?)."
            )
        for a, b in zip(epochs_first, epochs_second, strict=True):
            if not (np.array_equal(a.numbers, b.numbers) and np.array_equal(a.marks, b.marks)):
                raise _Wrong(
                    "Two pipelines built with the same seed gave different epochs: every random"
                    " choice (order and augmentation) must follow from `seed`, and the"
                    " order must not depend on which thread finishes first."
                )
        paths = _write_files(folder)
        other = _epoch(_build(build, paths, batch_size, seed + 1), batch_size, "first")
        if np.array_equal(other.numbers, one.numbers):
            raise _Wrong("A different seed gave the same order: use the `seed` argument.")
    except NotImplementedError:
        print(checks.TODO_CODE)
        return checks.Feedback(False)
    except _Wrong as problem:
        return checks.check_true(False, hint=str(problem))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return checks.check_true(True, hint="")
