"""Count the arithmetic of a dense network from its layers: multiply-adds per sample.

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
they are left out; the notebook shows that they are small next to the matrix products.
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
