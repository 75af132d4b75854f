"""Lesson 07: a training step timed four ways, each a ``run(steps)`` that ``interleave`` can time.

``train_on_batch``: one Python call per step; ``compiled``: many steps of the model's own
``train_step`` inside one compiled loop (compiled by XLA for ``xla``); ``products``: the
step's matrix products and nothing else. ``helpers.timing.sweeps`` times them against the
batch size.
"""

from __future__ import annotations

from typing import Any

LOOPS = ("train_on_batch", "compiled", "xla", "products")


def _dense_kernels(model: Any, n_features: int) -> list[tuple[Any, str, bool]]:
    """(kernel, compute dtype, trainable) of each Dense layer of a plain stack of them."""
    import keras

    chain = []
    width = n_features
    for layer in model.layers:
        if not layer.weights:
            continue
        if not isinstance(layer, keras.layers.Dense) or len(layer.kernel.shape) != 2:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}): timing the products alone"
                " needs a plain stack of Dense layers on flat inputs."
            )
        n_in, n_out = (int(d) for d in layer.kernel.shape)
        if n_in != width:
            raise ValueError(
                f"Layer {layer.name!r} takes {n_in} inputs but receives {width}: timing the"
                " products alone needs a plain stack of Dense layers on flat inputs."
            )
        chain.append((layer.kernel, layer.compute_dtype, bool(layer.trainable)))
        width = n_out
    if not chain:
        raise ValueError("The model has no Dense layer: there are no products to time.")
    return chain


def _products_loop(model: Any, xb: Any):
    """``run(steps)``: the matrix products of ``steps`` training steps, and nothing else.

    Per Dense layer: ``A @ W`` forward, then backward ``A.T @ dZ`` (if trainable) and
    ``dZ @ W.T`` (if a trainable layer lies below), as ``helpers.flops`` counts them. No
    bias, activation, loss or update. The weights are read inside the loop and every
    product feeds the returned number, so none can be skipped or hoisted out of the loop.
    """
    import tensorflow as tf

    flat = tf.reshape(xb, (xb.shape[0], -1))
    chain = _dense_kernels(model, int(flat.shape[1]))
    x = tf.Variable(tf.cast(flat, chain[0][1]), trainable=False)

    @tf.function
    def loop(steps):
        total = tf.zeros((), tf.float32)
        for _ in tf.range(steps):
            kernels = [tf.cast(kernel, dtype) for kernel, dtype, _ in chain]
            inputs = [x.read_value()]
            # each product in its layer's compute dtype (mixed precision keeps float32 logits)
            for kernel in kernels:
                inputs.append(tf.matmul(tf.cast(inputs[-1], kernel.dtype), kernel))
            grad = inputs.pop()
            for i in reversed(range(len(chain))):
                grad = tf.cast(grad, kernels[i].dtype)
                if chain[i][2]:
                    layer_input = tf.cast(inputs[i], kernels[i].dtype)
                    weight_grad = tf.matmul(layer_input, grad, transpose_a=True)
                    total += tf.cast(weight_grad[0, 0], tf.float32)
                if any(trainable for _, _, trainable in chain[:i]):
                    grad = tf.matmul(grad, kernels[i], transpose_b=True)
            total += tf.cast(grad[0, 0], tf.float32)
        return total

    def run(steps):
        return loop(tf.constant(steps))

    run.function = loop  # the compiled loop, for a look at its graph
    return run


def _compiled_loop(model: Any, xb: Any, yb: Any, jit_compile: bool | None = None):
    """``run(steps)``: ``steps`` training steps inside one compiled call, as ``fit`` with
    ``steps_per_execution=steps`` runs them, minus the input pipeline: a ``while`` loop in
    the graph around the model's own ``train_step``, compiled by XLA if ``jit_compile``
    (None: as the model was compiled)."""
    import tensorflow as tf

    if jit_compile is None:
        jit_compile = bool(model.jit_compile)
    step = tf.function(model.train_step, jit_compile=bool(jit_compile))

    @tf.function
    def loop(steps):
        def body(i, _):
            return i + 1, tf.cast(step((xb, yb))["loss"], tf.float32)

        start = (tf.constant(0), tf.constant(0.0))
        return tf.while_loop(lambda i, _: i < steps, body, start)[1]

    return lambda steps: loop(tf.constant(steps))


def _train_on_batch_loop(model: Any, xb: Any, yb: Any):
    """``run(steps)``: ``steps`` calls of ``model.train_on_batch``, one Python call per step."""

    def run(steps):
        for _ in range(steps):
            logs = model.train_on_batch(xb, yb)
        return logs

    return run
