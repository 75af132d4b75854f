"""Lesson 16's exercise checkers: right answers pass, typical wrong ones fail with a hint, and
the feedback never shows the answer."""

import numpy as np

from helpers import exercises as ex
from helpers.exercises import lesson16

PATHS = ["mlp/hidden/kernel", "mlp/hidden/bias", "mlp/logits/kernel", "mlp/logits/bias"]
HIDDEN = ["mlp/hidden/kernel", "mlp/hidden/bias"]  # exercise 3: one layer's weights
KERNELS = ["mlp/hidden/kernel", "mlp/logits/kernel"]
RECIPE = {"replicas": 8, "per_replica_batch": 64, "base_batch": 64, "base_learning_rate": 0.05}


def test_the_package_exports_every_checker():
    for name in lesson16.__all__:
        assert getattr(ex, name) is getattr(lesson16, name)


def test_combine_gradients_wants_a_weighted_mean(capsys):
    def weighted(gradients, sizes):
        return sum(n * g for n, g in zip(sizes, gradients, strict=True)) / sum(sizes)

    def plain_mean(gradients, sizes):
        return np.mean(gradients, axis=0)

    def plain_sum(gradients, sizes):
        return np.sum(gradients, axis=0)

    def unfinished(gradients, sizes):
        raise NotImplementedError

    assert ex.check_combine_gradients(weighted)
    assert capsys.readouterr().out.startswith("✅")
    for wrong in (plain_mean, plain_sum):
        assert not ex.check_combine_gradients(wrong)
        out = capsys.readouterr().out
        assert "Hint:" in out and "weights / weights.sum()" not in out
    assert not ex.check_combine_gradients(unfinished)
    assert "Not answered yet" in capsys.readouterr().out
    assert not ex.check_combine_gradients(...)


def test_scaled_recipe_names_the_global_batch(capsys):
    assert ex.check_scaled_recipe(512, 0.4, **RECIPE)
    assert ex.check_scaled_recipe(512.0, 0.4000000001, **RECIPE)  # float noise is fine
    assert capsys.readouterr().out.startswith("✅")
    assert not ex.check_scaled_recipe(64, 0.4, **RECIPE)  # the per-replica batch
    out = capsys.readouterr().out
    assert "global batch" in out and "512" not in out and "0.4" not in out
    assert not ex.check_scaled_recipe(512, 0.05, **RECIPE)  # rate left as it was
    out = capsys.readouterr().out
    assert "learning rate is not yet" in out and "0.4" not in out
    assert not ex.check_scaled_recipe(100, 0.4, **RECIPE)
    assert not ex.check_scaled_recipe("many", 0.4, **RECIPE)
    assert not ex.check_scaled_recipe(..., ..., **RECIPE)
    assert "Not answered yet" in capsys.readouterr().out.splitlines()[-1]
    # the expected values follow the scenario, not fixed numbers
    assert ex.check_scaled_recipe(
        128, 0.2, replicas=4, per_replica_batch=32, base_batch=64, base_learning_rate=0.1
    )


def test_layout_key_must_work_under_both_matching_rules(capsys):
    rights = ("mlp/hidden/.*", ".*/hidden/.*", "mlp/hidden/(kernel|bias)", r"mlp/hidden/\w+")
    for right in rights:
        assert ex.check_layout_key(right, PATHS, HIDDEN), right
    capsys.readouterr()
    # matches under re.search only (Keras <= 3.13): the trap of the lesson
    for search_only in ("hidden", "mlp/hidden", "hidden/"):
        assert not ex.check_layout_key(search_only, PATHS, HIDDEN), search_only
        out = capsys.readouterr().out
        assert "3.14" in out and "Hint:" in out
        assert not any(right in out for right in rights)  # the feedback keeps the answer
    assert not ex.check_layout_key(".*/hidden/kernel", PATHS, HIDDEN)  # the kernel only
    assert "selects nothing of ['mlp/hidden/bias']" in capsys.readouterr().out
    assert not ex.check_layout_key("mlp/.*", PATHS, HIDDEN)  # the output layer's too
    assert "also selects" in capsys.readouterr().out
    assert not ex.check_layout_key(".*/(kernel|bias)", PATHS, HIDDEN)
    assert not ex.check_layout_key("mlp/hidden/kernel", PATHS, HIDDEN)  # exact, but only one
    # right under re.fullmatch (Keras >= 3.14), but "s" is found inside the output layer's paths
    assert not ex.check_layout_key("mlp/hidden/.*|s", PATHS, HIDDEN)
    assert "3.13" in capsys.readouterr().out
    assert not ex.check_layout_key("mlp/(hidden", PATHS, HIDDEN)  # not a regular expression
    assert "cannot read" in capsys.readouterr().out
    assert not ex.check_layout_key(3, PATHS, HIDDEN)
    assert not ex.check_layout_key(..., PATHS, HIDDEN)
    # the checker follows the paths it is asked about, not one fixed answer
    assert ex.check_layout_key(".*/kernel", PATHS, KERNELS)
    assert not ex.check_layout_key("mlp/hidden/.*", PATHS, KERNELS)


def test_layout_key_agrees_with_keras_own_lookup(capsys):
    """The checker's reading of a key is Keras's own, for the installed version."""
    import keras

    version = tuple(int(part) for part in keras.__version__.split(".")[:2])
    rule = "full" if version >= (3, 14) else "search"
    keys = ["kernel", ".*/kernel", "hidden/kernel", "mlp/hidden/kernel", "mlp/.*"]
    keys += ["hidden", "mlp/hidden", "mlp/hidden/.*", ".*/hidden/.*", "mlp/hidden/.*|s"]
    for key in keys:
        layout_map = keras.distribution.LayoutMap(None)
        layout_map[key] = (None,)
        for path in PATHS:
            assert (layout_map[path] is not None) == lesson16._matches(key, path, rule), (
                key,
                path,
            )
