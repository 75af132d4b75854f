"""Every exercise checker of the course, one module per lesson (``lesson06.py`` serves lesson 06).

They are the checkers for answers that depend on data or are functions.

Each checker computes its reference *inside itself*, so the notebook cell a learner edits
holds neither the answer, nor its formula, nor an object that could be copied to pass. (Fixed
answers need no checker: the notebook compares them with ``checks.check_digest``.) Reading
these files gives the answers away, of course; they are here for the curious after trying.

Every checker prints a verdict and returns a ``checks.Feedback`` (truthy when right) and
never raises on a wrong or missing answer.
"""

from __future__ import annotations

from helpers.exercises.lesson00 import check_gpu_count
from helpers.exercises.lesson01 import check_perceptron_update
from helpers.exercises.lesson02 import (
    check_collapsed_layers,
    check_sigmoid_derivative,
    check_tanh,
)
from helpers.exercises.lesson03 import check_bce_from_logits
from helpers.exercises.lesson04 import (
    check_gradient_w,
    check_one_gradient_step,
    check_stable_learning_rate,
)
from helpers.exercises.lesson05 import check_diverging_rate
from helpers.exercises.lesson06 import check_class_recall, check_worst_confusion
from helpers.exercises.lesson07 import check_sgd_saving
from helpers.exercises.lesson08 import check_f1_at, check_precision_recall_f1, check_share_flagged
from helpers.exercises.lesson09 import check_dropout
from helpers.exercises.lesson10 import check_always_negative_accuracy, check_focal_loss
from helpers.exercises.lesson11 import check_max_pool
from helpers.exercises.lesson12 import check_paired_t
from helpers.exercises.lesson13 import check_sparsity, check_warmup_cosine
from helpers.exercises.lesson14 import check_persistence_mae
from helpers.exercises.lesson15 import check_smallest_buffer, check_training_pipeline
from helpers.exercises.lesson16 import (
    check_combine_gradients,
    check_layout_key,
    check_scaled_recipe,
)

__all__ = [
    "check_gpu_count",
    "check_perceptron_update",
    "check_tanh",
    "check_sigmoid_derivative",
    "check_collapsed_layers",
    "check_bce_from_logits",
    "check_one_gradient_step",
    "check_gradient_w",
    "check_stable_learning_rate",
    "check_diverging_rate",
    "check_class_recall",
    "check_worst_confusion",
    "check_sgd_saving",
    "check_precision_recall_f1",
    "check_f1_at",
    "check_share_flagged",
    "check_dropout",
    "check_always_negative_accuracy",
    "check_focal_loss",
    "check_max_pool",
    "check_paired_t",
    "check_warmup_cosine",
    "check_sparsity",
    "check_persistence_mae",
    "check_smallest_buffer",
    "check_training_pipeline",
    "check_combine_gradients",
    "check_layout_key",
    "check_scaled_recipe",
]
