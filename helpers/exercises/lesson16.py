"""Exercise checkers of lesson 16 (training on more than one device)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from helpers import checks

__all__ = [
    "check_combine_gradients",
    "check_layout_key",
    "check_scaled_recipe",
]


def check_combine_gradients(function: Callable[..., Any]) -> checks.Feedback:
    """``function(gradients, sizes)``: the gradient of the whole batch's mean loss, from the
    gradients of each replica's mean loss over its own shard of ``sizes[k]`` examples."""

    def reference(gradients: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
        weights = np.asarray(sizes, dtype=float)
        stacked = np.stack([np.asarray(g, dtype=float) for g in gradients])
        return np.tensordot(weights / weights.sum(), stacked, axes=1)

    rng = np.random.default_rng(16)
    inputs = [
        ([rng.normal(size=3), rng.normal(size=3)], [32, 32]),  # equal shards
        ([rng.normal(size=(2, 3)) for _ in range(4)], [16, 16, 16, 16]),
        ([rng.normal(size=4), rng.normal(size=4)], [48, 16]),  # unequal shards
        ([rng.normal(size=(3, 2)) for _ in range(3)], [32, 32, 4]),  # a short last shard
        ([rng.normal(size=2)], [10]),  # one replica
    ]
    return checks.check_function(
        function,
        reference,
        inputs,
        hint="Write the whole batch's mean loss as a sum over all its examples, divided by their"
        " number, and group the sum by shard: each shard's part is its own mean times its number"
        " of examples. Shards of different sizes then count differently.",
    )


def check_scaled_recipe(
    batch_size: Any,
    learning_rate: Any,
    *,
    replicas: int,
    per_replica_batch: int,
    base_batch: int,
    base_learning_rate: float,
) -> checks.Feedback:
    """The ``batch_size`` to pass to ``fit`` under a strategy, and the learning rate that the
    linear scaling rule gives, for a one-device recipe (``base_batch``, ``base_learning_rate``)
    moved to ``replicas`` devices with ``per_replica_batch`` examples each."""
    if any(value is None or value is Ellipsis for value in (batch_size, learning_rate)):
        print(checks.TODO)
        return checks.Feedback(False)
    global_batch = replicas * per_replica_batch
    expected_rate = base_learning_rate * global_batch / base_batch
    try:
        batch_value, rate_value = float(batch_size), float(learning_rate)
    except (TypeError, ValueError):
        print(f"{checks.WRONG} Give two numbers: a batch size and a learning rate.")
        return checks.Feedback(False)
    if not np.isclose(batch_value, global_batch):
        hint = (
            "Under MirroredStrategy (and keras.distribution) the batch_size given to fit is the"
            " global batch: the strategy splits it between the replicas (section 3)."
            if np.isclose(batch_value, per_replica_batch)
            else "How many examples does one step use in all, over every replica?"
        )
        print(f"{checks.WRONG} The batch size is not right yet.")
        print(f"   Hint: {hint}")
        return checks.Feedback(False)
    if not np.isclose(rate_value, expected_rate, rtol=1e-6):
        print(f"{checks.WRONG} The batch size is right; the learning rate is not yet.")
        print(
            "   Hint: the rule of section 2 multiplies the rate by the factor by which the"
            " batch of one update grew, compared with the recipe's own batch."
        )
        return checks.Feedback(False)
    print(checks.RIGHT)
    return checks.Feedback(True)


def _matches(key: str, path: str, rule: str) -> bool:
    """How a LayoutMap key selects a variable path: an exact key first, then the key as a
    regular expression, searched anywhere in the path (Keras 3.8 to 3.13) or matched against
    the whole path (Keras 3.14 and later)."""
    if key == path:
        return True
    return bool(re.search(key, path) if rule == "search" else re.fullmatch(key, path))


def check_layout_key(key: Any, paths: Sequence[str], wanted: Sequence[str]) -> checks.Feedback:
    """``key``: one LayoutMap key that selects exactly the ``wanted`` variable paths among
    ``paths``, under both of Keras's matching rules (so on every Keras version the course
    supports)."""
    if key is None or key is Ellipsis:
        print(checks.TODO)
        return checks.Feedback(False)
    if not isinstance(key, str):
        print(f"{checks.WRONG} A LayoutMap key is a string (a regular expression).")
        return checks.Feedback(False)
    try:
        re.compile(key)
    except re.error as error:
        print(f"{checks.WRONG} Python cannot read this regular expression: {error}.")
        return checks.Feedback(False)
    wanted_set = set(wanted)
    by_rule = {rule: {p for p in paths if _matches(key, p, rule)} for rule in ("search", "full")}
    for rule, label in (
        ("full", "Keras 3.14 and later (the whole path must match)"),
        ("search", "Keras 3.8 to 3.13 (a match anywhere in the path is enough)"),
    ):
        chosen = by_rule[rule]
        if chosen == wanted_set:
            continue
        missed, extra = sorted(wanted_set - chosen), sorted(chosen - wanted_set)
        parts = []
        if missed:
            parts.append(f"it selects nothing of {missed}")
        if extra:
            parts.append(f"it also selects {extra}")
        print(f"{checks.WRONG} Under {label}, {' and '.join(parts)}.")
        print(
            "   Hint: the key is a regular expression compared with the variable paths printed"
            " above; to behave the same under both rules it must match each wanted path from"
            " its first character to its last, and no other path anywhere."
        )
        return checks.Feedback(False)
    print(checks.RIGHT)
    return checks.Feedback(True)
