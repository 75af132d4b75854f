"""Lesson 14: recurrent cells by hand in NumPy, weight for weight the same as Keras's layers.

Each ``*_step`` function computes one time step from the input ``x_t`` (batch, features) and
the previous state, with the weights in the layout ``layer.get_weights()`` returns, so a
learner can run a Keras layer and these equations side by side:

* SimpleRNN: ``[kernel (f, u), recurrent_kernel (u, u), bias (u,)]``;
* LSTM: the same with 4u columns, gates in Keras's order input, forget, candidate, output;
* GRU: 3u columns in the order update z, reset r, candidate; with ``reset_after=True`` (the
  Keras default) the bias is (2, 3u), one row for the input and one for the recurrent part.

``run_layer`` loops a step over a sequence (batch, time, features) from a zero state and
returns the last hidden state, what a Keras recurrent layer returns by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers.activations import sigmoid  # Keras's default gate activation


def _unpack(weights: Sequence[Any], units_times: int, name: str) -> list[np.ndarray]:
    if len(weights) != 3:
        raise ValueError(
            f"{name} needs [kernel, recurrent_kernel, bias] as layer.get_weights() gives them;"
            f" got {len(weights)} arrays."
        )
    kernel, recurrent, bias = (np.asarray(w, dtype=float) for w in weights)
    units = recurrent.shape[0]
    if recurrent.shape != (units, units_times * units) or kernel.shape[1] != units_times * units:
        raise ValueError(
            f"{name}: kernel {kernel.shape} and recurrent_kernel {recurrent.shape} do not fit "
            f"{units} units ({units_times} blocks of columns expected)."
        )
    return [kernel, recurrent, bias]


def simple_rnn_step(x_t: np.ndarray, h: np.ndarray, weights: Sequence[Any]) -> np.ndarray:
    """h_t = tanh(x_t W + h_(t−1) U + b)."""
    kernel, recurrent, bias = _unpack(weights, 1, "SimpleRNN")
    return np.tanh(x_t @ kernel + h @ recurrent + bias)


def lstm_step(
    x_t: np.ndarray, h: np.ndarray, c: np.ndarray, weights: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM step; returns the new hidden state h_t and cell state c_t.

    i, f, o = σ(x W + h U + b) for the input, forget and output gates, g = tanh(...) the
    candidate; c_t = f ⊙ c_(t−1) + i ⊙ g and h_t = o ⊙ tanh(c_t).
    """
    kernel, recurrent, bias = _unpack(weights, 4, "LSTM")
    z = x_t @ kernel + h @ recurrent + bias
    zi, zf, zg, zo = np.split(z, 4, axis=-1)
    i, f, g, o = sigmoid(zi), sigmoid(zf), np.tanh(zg), sigmoid(zo)
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def gru_step(
    x_t: np.ndarray, h: np.ndarray, weights: Sequence[Any], reset_after: bool = True
) -> np.ndarray:
    """One GRU step in Keras's convention: h_t = z ⊙ h_(t−1) + (1 − z) ⊙ h̃.

    The two conventions differ only in where the reset gate r acts in the candidate h̃:
    ``reset_after=True`` (Keras's default, cuDNN's): h̃ = tanh(x W_h + b_h + r ⊙ (h U_h + b'_h));
    ``reset_after=False`` (the original paper's): h̃ = tanh(x W_h + (r ⊙ h) U_h + b_h).
    """
    kernel, recurrent, bias = _unpack(weights, 3, "GRU")
    expected_bias = (2, kernel.shape[1]) if reset_after else (kernel.shape[1],)
    if bias.shape != expected_bias:
        raise ValueError(
            f"GRU bias has shape {bias.shape}, but reset_after={reset_after} expects "
            f"{expected_bias}: pass the same reset_after as the Keras layer's."
        )
    input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, 0.0)
    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    u_h = np.split(recurrent, 3, axis=-1)[2]
    inner = h @ recurrent + recurrent_bias
    h_z, h_r, h_h = np.split(inner, 3, axis=-1)
    z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
    candidate = np.tanh(x_h + r * h_h) if reset_after else np.tanh(x_h + (r * h) @ u_h)
    return z * h + (1 - z) * candidate


def run_layer(kind: str, x: Any, weights: Sequence[Any], reset_after: bool = True) -> np.ndarray:
    """Run a "simple_rnn", "lstm" or "gru" cell over x (batch, time, features) from zero state.

    Returns the last hidden state (batch, units), like a Keras layer with
    ``return_sequences=False``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 3:
        raise ValueError(f"x must be (batch, time, features), got shape {x.shape}.")
    units = np.asarray(weights[1]).shape[0]
    h = np.zeros((x.shape[0], units))
    c = np.zeros_like(h)
    for t in range(x.shape[1]):
        if kind == "simple_rnn":
            h = simple_rnn_step(x[:, t], h, weights)
        elif kind == "lstm":
            h, c = lstm_step(x[:, t], h, c, weights)
        elif kind == "gru":
            h = gru_step(x[:, t], h, weights, reset_after=reset_after)
        else:
            raise ValueError(f"kind must be 'simple_rnn', 'lstm' or 'gru', got {kind!r}.")
    return h
