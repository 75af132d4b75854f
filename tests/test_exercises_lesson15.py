"""The checkers of lesson 15: right answers pass, near misses fail with a hint that does not
give the answer away, and the buffer rule they rely on is what tf.data's shuffle does."""

import numpy as np
import pytest

from helpers.exercises import lesson15

tf = pytest.importorskip("tensorflow")

AUTOTUNE = tf.data.AUTOTUNE


def add_seeds(dataset, seed):
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    return tf.data.Dataset.zip((dataset, seeds))


def augmented(dataset, augment, seed, parallel=True):
    return add_seeds(dataset, seed).map(
        lambda element, element_seed: (augment(element[0], element_seed), element[1]),
        num_parallel_calls=AUTOTUNE if parallel else None,
    )


def right(paths, decode, augment, batch_size, seed):
    data = tf.data.Dataset.from_tensor_slices(list(paths)).map(decode, num_parallel_calls=AUTOTUNE)
    data = data.cache().shuffle(len(paths), seed=seed)
    return augmented(data, augment, seed).batch(batch_size).prefetch(AUTOTUNE)


def right_sequential(paths, decode, augment, batch_size, seed):
    """The same order of operations without parallelism or prefetch: just as right."""
    data = tf.data.Dataset.from_tensor_slices(list(paths)).map(decode).cache()
    data = data.shuffle(len(paths), seed=seed)
    return augmented(data, augment, seed, parallel=False).batch(batch_size)


def no_cache(paths, decode, augment, batch_size, seed):
    data = tf.data.Dataset.from_tensor_slices(list(paths)).shuffle(len(paths), seed=seed)
    return augmented(data.map(decode), augment, seed).batch(batch_size)


def cache_after_augment(paths, decode, augment, batch_size, seed):
    data = tf.data.Dataset.from_tensor_slices(list(paths)).map(decode)
    data = augmented(data, augment, seed).cache().shuffle(len(paths), seed=seed)
    return data.batch(batch_size)


def small_buffer(paths, decode, augment, batch_size, seed):
    data = tf.data.Dataset.from_tensor_slices(list(paths)).map(decode).cache()
    return augmented(data.shuffle(50, seed=seed), augment, seed).batch(batch_size)


def unseeded_shuffle(paths, decode, augment, batch_size, seed):
    data = tf.data.Dataset.from_tensor_slices(list(paths)).map(decode).cache()
    return augmented(data.shuffle(len(paths)), augment, seed).batch(batch_size)


def shuffle_after_batch(paths, decode, augment, batch_size, seed):
    data = tf.data.Dataset.from_tensor_slices(list(paths)).map(decode).cache()
    return augmented(data, augment, seed).batch(batch_size).shuffle(100, seed=seed)


def same_seed_every_epoch(paths, decode, augment, batch_size, seed):
    data = tf.data.Dataset.from_tensor_slices(list(paths)).map(decode).cache()
    data = data.shuffle(len(paths), seed=seed)
    return data.map(lambda image, label: (augment(image, [seed, 0]), label)).batch(batch_size)


def shuffle_before_cache(paths, decode, augment, batch_size, seed):
    data = tf.data.Dataset.from_tensor_slices(list(paths)).shuffle(len(paths), seed=seed)
    return augmented(data.map(decode).cache(), augment, seed).batch(batch_size)


def no_augmentation(paths, decode, augment, batch_size, seed):
    data = tf.data.Dataset.from_tensor_slices(list(paths)).map(decode).cache()
    return data.shuffle(len(paths), seed=seed).batch(batch_size)


def seed_ignored(paths, decode, augment, batch_size, seed):
    return right(paths, decode, augment, batch_size, 1234)


def repeated(paths, decode, augment, batch_size, seed):
    return right(paths, decode, augment, batch_size, seed).repeat()


def dropped(paths, decode, augment, batch_size, seed):
    return right(paths[:-5], decode, augment, batch_size, seed)


def images_only(paths, decode, augment, batch_size, seed):
    return right(paths, decode, augment, batch_size, seed).map(lambda x, y: x)


def not_a_dataset(paths, decode, augment, batch_size, seed):
    return [1, 2, 3]


def broken(paths, decode, augment, batch_size, seed):
    raise KeyError("oops")


def stub(paths, decode, augment, batch_size, seed):
    raise NotImplementedError


def test_pipeline_right_answers_pass(capsys):
    assert lesson15.check_training_pipeline(right)
    assert lesson15.check_training_pipeline(right_sequential)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (no_cache, "read the files again"),
        (cache_after_augment, "same augmentation"),
        (small_buffer, "classes"),
        (unseeded_shuffle, "same seed gave different"),
        (shuffle_after_batch, "classes"),
        (same_seed_every_epoch, "same augmentation"),
        (shuffle_before_cache, "same order as epoch 1"),
        (no_augmentation, "not augmented"),
        (seed_ignored, "different seed gave the same order"),
        (repeated, "did not stop"),
        (dropped, "exactly once per epoch"),
        (images_only, "pair (images, labels)"),
        (not_a_dataset, "not a tf.data.Dataset"),
        (broken, "raised KeyError"),
    ],
)
def test_pipeline_mistakes_fail_with_their_hint(wrong, words, capsys):
    assert not lesson15.check_training_pipeline(wrong)
    out = capsys.readouterr().out
    assert "Not yet" in out and words in out
    # the hint names what is wrong, never the code that would fix it
    for code in (".cache(", ".shuffle(", "rerandomize_each_iteration", "Dataset.random"):
        assert code not in out


def test_pipeline_unanswered(capsys):
    assert not lesson15.check_training_pipeline(stub)
    assert not lesson15.check_training_pipeline(...)
    assert "Not answered yet" in capsys.readouterr().out


def test_pipeline_checker_cleans_up(tmp_path, monkeypatch):
    monkeypatch.setattr(lesson15.tempfile, "tempdir", str(tmp_path))
    lesson15.check_training_pipeline(right)
    lesson15.check_training_pipeline(no_cache)
    assert list(tmp_path.iterdir()) == []


SORTED = np.repeat(np.arange(10), 700)  # 7,000 labels sorted by class, 700 each


def test_smallest_buffer(capsys):
    expected = 6300 - 128 + 2  # the first 9 sits at 6,300
    assert lesson15.check_smallest_buffer(expected, SORTED, 128)
    assert lesson15.check_smallest_buffer(np.int64(expected), SORTED, 128)
    assert lesson15.check_smallest_buffer(float(expected), SORTED, 128)
    for near_miss in (expected - 1, expected + 1, 6300, 6300 - 128, 6300 + 128):
        assert not lesson15.check_smallest_buffer(near_miss, SORTED, 128)
    out = capsys.readouterr().out
    assert "Hint" in out and str(expected) not in out


def test_smallest_buffer_unanswered_and_bad_input(capsys):
    assert not lesson15.check_smallest_buffer(..., SORTED, 128)
    assert not lesson15.check_smallest_buffer(None, SORTED, 128)
    assert not lesson15.check_smallest_buffer("6174", SORTED, 128)
    assert not lesson15.check_smallest_buffer(True, SORTED, 128)
    with pytest.raises(ValueError):
        lesson15.check_smallest_buffer(1, SORTED[::-1], 128)


def test_smallest_buffer_is_at_least_one():
    labels = np.repeat(np.arange(3), 4)  # the last class begins at 8; batch 20 > 8
    assert lesson15.check_smallest_buffer(1, labels, 20)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_the_buffer_rule_is_tf_datas(seed):
    """The first batch holds only the first buffer + batch - 1 elements, and the last of those
    can be drawn: what the checker's answer rests on, checked against tf.data itself."""
    labels = np.repeat(np.arange(5), 2)  # 10 elements, the last class begins at 8
    batch = 4
    smallest = 8 - batch + 2
    data = tf.data.Dataset.from_tensor_slices(labels)
    below = next(iter(data.shuffle(smallest - 1, seed=seed).batch(batch))).numpy()
    assert 4 not in below
    assert np.all(below <= labels[smallest - 1 + batch - 2])


def test_the_smallest_buffer_can_reach_the_last_class():
    labels = np.repeat(np.arange(5), 2)
    batch = 4
    smallest = 8 - batch + 2  # the 4th draw picks the first 4 with probability 1 / smallest
    data = tf.data.Dataset.from_tensor_slices(labels)
    firsts = [next(iter(data.shuffle(smallest, seed=s).batch(batch))).numpy() for s in range(60)]
    assert any(4 in first for first in firsts)


def seeded_crops(**random_options):
    """Exercise 4's option (e), on 32 small images: Dataset.random seeds zipped on, then a
    parallel map of a stateless crop drawn from each element's seed."""
    images = np.arange(32 * 28 * 28, dtype=np.float32).reshape(32, 28, 28, 1) % 251
    seeds = tf.data.Dataset.random(seed=1, **random_options).batch(2)

    def crop(image, seed):
        padded = tf.pad(image, [[2, 2], [2, 2], [0, 0]])
        return tf.image.stateless_random_crop(padded, [28, 28, 1], seed)

    data = tf.data.Dataset.zip((tf.data.Dataset.from_tensor_slices(images), seeds))
    return data.map(crop, num_parallel_calls=AUTOTUNE).batch(8)


@pytest.mark.parametrize("rerandomize", [False, True])
def test_exercise_4_option_e_is_what_tf_data_does(rerandomize):
    """The answer of exercise 4 (a digest in the notebook) counts (e) as reproducible: built
    twice, it gives the same epochs, with or without rerandomize_each_iteration; without it
    (the default), epoch 2 repeats epoch 1, with it the crops change."""
    tf.random.set_seed(42)  # as keras.utils.set_random_seed(42) in the question
    options = {"rerandomize_each_iteration": True} if rerandomize else {}
    builds = [seeded_crops(**options) for _ in range(2)]
    epochs = [[np.concatenate(list(b.as_numpy_iterator())) for _ in range(2)] for b in builds]
    for first, second in zip(*epochs, strict=True):
        np.testing.assert_array_equal(first, second)
    assert np.array_equal(epochs[0][0], epochs[0][1]) is not rerandomize
