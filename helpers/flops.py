"""Lesson 07: count the arithmetic of a dense network from its layers, multiply-adds per sample.

A ``Dense`` layer with ``n_in`` inputs and ``n_out`` units computes ``x @ W + b``: one
multiply-add (MAC) per weight and sample, so ``n_in * n_out`` MACs per sample (times the
positions it is applied at, when its input has more than one axis per sample). A MAC is
two floating-point operations (FLOPs), a multiplication and an addition.

Training costs about three forward passes, because backpropagation runs two matrix
products per layer for the one of the forward pass: one for the gradient of the weights
(``x.T @ dy``) and one to pass the gradient on to the layer below (``dy @ W.T``). A layer
that has no trainable layer below it (the first one) does not need the second product,
so the exact count is ``3 * forward - (forward MACs of such layers)``; ``training_macs``
counts it layer by layer. Bias additions, activations, the loss and the optimizer's
update cost a few operations per *unit* or per *weight*, not per weight *and* sample, so
they are left out: few FLOPs, though not little time (see ``dense_intensity``).

FLOPs alone do not say how long a computation takes: that also depends on how many bytes
it moves. ``dense_intensity`` gives each product's *arithmetic intensity*, FLOPs per byte
of memory traffic; below the device's ridge point (its peak FLOP/s over its memory
bandwidth) memory, not arithmetic, sets the pace.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

FLOPS_PER_MAC = 2  # one multiplication and one addition


def _dense_class():
    import keras

    return keras.layers.Dense


def _check_model(model: Any) -> list:
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(
            f"Expected a Keras model (with .layers), got {type(model).__name__}: "
            "pass the model itself, e.g. forward_macs(model)."
        )
    if not model.built:
        raise ValueError(
            "The model is not built, so its layers have no shapes yet: start it with "
            "keras.Input(shape=...) or call model.build(input_shape) first."
        )
    return layers


def dense_table(model: Any) -> pd.DataFrame:
    """One row per layer with weights: its shape and multiply-adds per sample.

    Columns: ``layer``, ``inputs``, ``units``, ``positions`` (how many times per sample
    the layer is applied: 1 after a ``Flatten``), ``forward_macs``, ``weight_grad_macs``
    (0 for a frozen layer), ``input_grad_macs`` (0 when no trainable layer lies below,
    because that gradient is then never needed). Layers are taken in order, as a stack;
    only ``Dense`` layers are counted, and any other layer with weights is refused.
    """
    dense = _dense_class()
    rows = []
    trainable_below = False
    for layer in _check_model(model):
        if not layer.weights:
            continue  # Flatten, Dropout, activations: no multiply-adds per weight
        if not isinstance(layer, dense):
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) has weights but is not Dense: "
                "this counter knows Dense layers only (count other layers by hand)."
            )
        n_in, n_out = (int(d) for d in layer.kernel.shape)
        try:
            output_shape = layer.output.shape
        except (AttributeError, ValueError):
            raise ValueError(
                f"Layer {layer.name!r} has no known output shape: build the model from "
                "keras.Input(...) (a Sequential or functional model) so its shapes are known."
            ) from None
        positions = math.prod(int(d) for d in output_shape[1:-1])
        forward = positions * n_in * n_out
        rows.append(
            {
                "layer": layer.name,
                "inputs": n_in,
                "units": n_out,
                "positions": positions,
                "forward_macs": forward,
                "weight_grad_macs": forward if layer.trainable else 0,
                "input_grad_macs": forward if trainable_below else 0,
            }
        )
        trainable_below = trainable_below or layer.trainable
    return pd.DataFrame(
        rows,
        columns=[
            "layer",
            "inputs",
            "units",
            "positions",
            "forward_macs",
            "weight_grad_macs",
            "input_grad_macs",
        ],
    )


def forward_macs(model: Any) -> int:
    """Multiply-adds per sample of one forward pass through the model's Dense layers."""
    return int(dense_table(model)["forward_macs"].sum())


def training_macs(model: Any) -> int:
    """Multiply-adds per sample of one training step: forward + both backward products.

    About ``3 * forward_macs(model)``; less by the first layer's forward cost, whose
    gradient with respect to the input pixels is never needed (see the module docstring).
    """
    table = dense_table(model)
    columns = ["forward_macs", "weight_grad_macs", "input_grad_macs"]
    return int(table[columns].to_numpy().sum())


def dense_intensity(model: Any, batch_size: int, bytes_per_number: int = 4) -> pd.DataFrame:
    """Arithmetic intensity of each matrix product of a training step at ``batch_size``.

    One row per product that ``training_macs`` counts (``layer``, ``product``: "forward",
    "weight gradient" or "input gradient"), with ``flops`` and ``bytes`` per step and their
    ratio ``flop_per_byte``. A product of a ``B x n_in`` and an ``n_in x n_out`` matrix (or
    either gradient of it) does ``2 B n_in n_out`` FLOPs and must at least read its two
    operands and write its result once: ``B n_in + n_in n_out + B n_out`` numbers of
    ``bytes_per_number`` bytes (4 for float32). While ``B`` is small next to the layer's
    widths the weight matrix dominates the traffic and the intensity is about
    ``2 B / bytes_per_number`` (``B / 2`` in float32): small batches are memory-bound.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}.")
    whole = isinstance(bytes_per_number, int) and not isinstance(bytes_per_number, bool)
    if not whole or bytes_per_number < 1:
        raise ValueError(f"bytes_per_number must be a whole number >= 1, got {bytes_per_number!r}.")
    rows = []
    names = {
        "forward_macs": "forward",
        "weight_grad_macs": "weight gradient",
        "input_grad_macs": "input gradient",
    }
    for _, layer in dense_table(model).iterrows():
        rows_per_step = batch_size * int(layer["positions"])
        n_in, n_out = int(layer["inputs"]), int(layer["units"])
        numbers = rows_per_step * n_in + n_in * n_out + rows_per_step * n_out
        for column, product in names.items():
            if layer[column] == 0:
                continue  # a product the step does not run
            flops = FLOPS_PER_MAC * batch_size * int(layer[column])
            rows.append(
                {
                    "layer": layer["layer"],
                    "product": product,
                    "flops": flops,
                    "bytes": bytes_per_number * numbers,
                    "flop_per_byte": flops / (bytes_per_number * numbers),
                }
            )
    return pd.DataFrame(rows, columns=["layer", "product", "flops", "bytes", "flop_per_byte"])


def training_intensity(model: Any, batch_size: int, bytes_per_number: int = 4) -> float:
    """FLOPs per byte of a training step's matrix products together (see ``dense_intensity``)."""
    table = dense_intensity(model, batch_size, bytes_per_number)
    return float(table["flops"].sum() / table["bytes"].sum())
