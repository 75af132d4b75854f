"""FLOP counts of hand-built models equal the counts done by hand."""

import keras
import pytest

from helpers.flops import (
    FLOPS_PER_MAC,
    dense_intensity,
    dense_table,
    forward_macs,
    training_intensity,
    training_macs,
)


def small_model(first_trainable: bool = True) -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input(shape=(4, 5)),
            keras.layers.Flatten(),  # 20 inputs
            keras.layers.Dense(30, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(5),
        ]
    )
    model.layers[1].trainable = first_trainable
    return model


def test_forward_macs_equal_the_hand_count():
    assert forward_macs(small_model()) == 20 * 30 + 30 * 5


def test_training_is_three_forward_passes_minus_the_first_input_gradient():
    forward = 20 * 30 + 30 * 5
    # forward + weight gradients (= forward) + input gradients of every layer but the first
    assert training_macs(small_model()) == forward + forward + 30 * 5
    assert training_macs(small_model()) == 3 * forward - 20 * 30


def test_a_frozen_first_layer_needs_no_gradient_at_all():
    # only the last layer's weight gradient; nothing trainable lies below it
    assert training_macs(small_model(first_trainable=False)) == 20 * 30 + 30 * 5 + 30 * 5


def test_dense_on_a_sequence_counts_every_position():
    model = keras.Sequential([keras.Input(shape=(7, 8)), keras.layers.Dense(3)])
    table = dense_table(model)
    assert table.loc[0, "positions"] == 7
    assert forward_macs(model) == 7 * 8 * 3


def test_the_table_names_each_dense_layer():
    table = dense_table(small_model())
    assert list(table["inputs"]) == [20, 30] and list(table["units"]) == [30, 5]
    assert FLOPS_PER_MAC == 2


def test_other_layers_with_weights_are_refused():
    model = keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match="Dense layers only"):
        forward_macs(model)


def test_unbuilt_models_and_other_objects_get_a_clear_error():
    with pytest.raises(ValueError, match="not built"):
        forward_macs(keras.Sequential([keras.layers.Dense(3)]))
    with pytest.raises(TypeError, match="Keras model"):
        forward_macs("model")


def test_intensity_of_each_product_is_counted_by_hand():
    table = dense_intensity(small_model(), batch_size=4)
    # 20 -> 30 (first layer: no input gradient), 30 -> 5: five products
    assert list(table["product"]) == [
        "forward",
        "weight gradient",
        "forward",
        "weight gradient",
        "input gradient",
    ]
    first = table.iloc[0]
    assert first["flops"] == 2 * 4 * 20 * 30
    assert first["bytes"] == 4 * (4 * 20 + 20 * 30 + 4 * 30)
    assert first["flop_per_byte"] == pytest.approx(4800 / 3200)
    assert table["flops"].sum() == FLOPS_PER_MAC * 4 * training_macs(small_model())


def test_small_batches_do_about_b_over_two_flops_per_byte():
    model = keras.Sequential([keras.Input(shape=(4096,)), keras.layers.Dense(4096)])
    for batch in (8, 32):
        assert training_intensity(model, batch) == pytest.approx(batch / 2, rel=0.02)
    assert training_intensity(model, 8, bytes_per_number=2) == pytest.approx(8, rel=0.02)
    # a large batch is bounded by the layer's shape, not by the batch
    assert training_intensity(model, 100_000) < 2 * 4096 * 4096 / (4 * 2 * 4096)


def test_frozen_layers_run_fewer_products_and_bad_sizes_are_refused():
    # both forwards and the last layer's weight gradient; nothing trainable below it
    assert len(dense_intensity(small_model(first_trainable=False), 4)) == 3
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            dense_intensity(small_model(), bad)
    with pytest.raises(ValueError, match="bytes_per_number"):
        dense_intensity(small_model(), 4, bytes_per_number=0)
