"""Cleaning is exact and loud on surprises; preprocessing learns from training rows only."""

import numpy as np
import pandas as pd
import pytest

from helpers import churn, training
from helpers import evaluation as ev


def raw_table(n: int = 40, seed: int = 0) -> pd.DataFrame:
    """A small table shaped like the published Telco file (text TotalCharges with blanks)."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(0, 72, n)
    tenure[:3] = 0
    monthly = rng.uniform(20, 110, n).round(2)
    total = (tenure * monthly).round(2).astype(str).astype(object)
    total[tenure == 0] = " "
    return pd.DataFrame(
        {
            "customerID": [f"{i:04d}-ABCDE" for i in range(n)],
            "gender": rng.choice(["Female", "Male"], n),
            "SeniorCitizen": rng.integers(0, 2, n),
            "Partner": rng.choice(["Yes", "No"], n),
            "tenure": tenure,
            "InternetService": rng.choice(["DSL", "Fiber optic", "No"], n),
            "OnlineSecurity": rng.choice(["Yes", "No", "No internet service"], n),
            "MonthlyCharges": monthly,
            "TotalCharges": pd.array(total, dtype="str"),
            "Churn": np.where(np.arange(n) % 4 == 0, "Yes", "No"),
        }
    )


def test_total_charges_blanks_become_zero_for_new_customers():
    raw = raw_table()
    out = churn.total_charges_to_numeric(raw)
    assert out["TotalCharges"].dtype == np.float64
    assert (out.loc[raw["tenure"] == 0, "TotalCharges"] == 0).all()
    billed = raw["tenure"] > 0
    np.testing.assert_allclose(
        out.loc[billed, "TotalCharges"], raw.loc[billed, "TotalCharges"].astype(float)
    )
    assert raw["TotalCharges"].dtype != np.float64  # the input is left untouched


def test_total_charges_refuses_blank_for_an_old_customer():
    raw = raw_table()
    raw.loc[5, "tenure"] = 12
    raw.loc[5, "TotalCharges"] = " "
    with pytest.raises(ValueError, match="tenure > 0"):
        churn.total_charges_to_numeric(raw)


def test_total_charges_refuses_other_text():
    raw = raw_table()
    raw.loc[5, "TotalCharges"] = "n/a"
    with pytest.raises(ValueError):
        churn.total_charges_to_numeric(raw)


def test_yes_no_columns_become_int_and_others_stay():
    out = churn.yes_no_to_int(churn.drop_id(raw_table()))
    for column in ("Partner", "Churn"):
        assert out[column].dtype == np.int64 and set(out[column]) <= {0, 1}
    assert out["OnlineSecurity"].dtype != np.int64  # has "No internet service": one-hot later
    assert "customerID" not in out
    assert (out["Churn"] == 1).sum() == 10


def test_yes_no_named_column_with_other_values_raises():
    with pytest.raises(ValueError, match="No internet service"):
        churn.yes_no_to_int(raw_table(), ["OnlineSecurity"])


def test_unknown_columns_get_a_clear_error():
    with pytest.raises(KeyError, match="Nope"):
        churn.yes_no_to_int(raw_table(), ["Nope"])
    with pytest.raises(KeyError, match="customerID"):
        churn.drop_id(raw_table().drop(columns="customerID"))
    with pytest.raises(KeyError, match="TotalCharges"):
        churn.total_charges_to_numeric(raw_table().drop(columns="TotalCharges"))


def test_features_and_target_needs_clean_labels():
    X, y = churn.features_and_target(churn.clean_telco(raw_table()))
    assert "Churn" not in X and y.dtype == np.int64 and y.sum() == 10
    with pytest.raises(ValueError, match="clean_telco"):
        churn.features_and_target(churn.drop_id(raw_table()))


def test_preprocessor_is_fitted_on_training_rows_only():
    X, y = churn.features_and_target(churn.clean_telco(raw_table(400)))
    X_train, X_val, X_test, *_ = ev.train_val_test_split(X, y, 0.2, 0.2, seed=0)
    pre = churn.make_preprocessor(X_train)
    A_train = pre.fit_transform(X_train)
    scaler = pre.named_transformers_["scale"]
    np.testing.assert_allclose(scaler.mean_, X_train[list(churn.NUMERIC_COLUMNS)].mean())
    assert not np.allclose(scaler.mean_, X[list(churn.NUMERIC_COLUMNS)].mean())
    names = list(pre.get_feature_names_out())
    scaled = A_train[:, [names.index(c) for c in churn.NUMERIC_COLUMNS]]
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-12)
    A_test = pre.transform(X_test)
    assert A_test.shape == (len(X_test), len(names))
    assert "InternetService_Fiber optic" in names and "Partner" in names
    assert A_train.dtype == np.float64


def test_preprocessor_ignores_unseen_categories():
    X, _ = churn.features_and_target(churn.clean_telco(raw_table()))
    pre = churn.make_preprocessor(X).fit(X)
    new = X.head(1).copy()
    new["InternetService"] = "Satellite"
    row = pre.transform(new)[0]
    names = list(pre.get_feature_names_out())
    internet = [i for i, n in enumerate(names) if n.startswith("InternetService_")]
    assert np.all(row[internet] == 0)


def test_preprocessor_rejects_unlisted_numeric_columns():
    X, _ = churn.features_and_target(churn.clean_telco(raw_table()))
    X["Age"] = np.arange(len(X)) + 18
    with pytest.raises(ValueError, match="Age"):
        churn.make_preprocessor(X)


def test_model_shapes_and_early_stopping_restores_best():
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)).astype("float32")
    y = (X[:, 0] + 0.3 * rng.normal(size=300) > 0.5).astype("float32")
    model = churn.build_model(5, hidden=(8,), l2=0.0, learning_rate=0.01)
    assert model.input_shape == (None, 5) and model.output_shape == (None, 1)
    history = training.fit_with_early_stopping(
        model, (X[:200], y[:200]), (X[200:], y[200:]), epochs=60, batch_size=32, patience=3
    )
    best = min(history.history["val_loss"])
    restored = model.evaluate(X[200:], y[200:], verbose=0, return_dict=True)["loss"]
    assert restored == pytest.approx(best, rel=1e-4)
    p = model.predict(X[200:], verbose=0)
    assert p.shape == (100, 1) and np.all((p >= 0) & (p <= 1))


def test_build_model_rejects_bad_settings():
    with pytest.raises(ValueError):
        churn.build_model(0)
    with pytest.raises(ValueError):
        churn.build_model(5, dropout=1.0)
    with pytest.raises(ValueError):
        churn.build_model(5, l2=-1.0)


def test_build_model_layers_follow_the_settings():
    model = churn.build_model(7, hidden=(8, 4), dropout=0.3, l2=0.01)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["InputLayer", "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert len(model.losses) == 2  # one L2 penalty per hidden layer
    assert churn.build_model(7).count_params() == 7 * 16 + 16 + 16 + 1


def test_build_model_is_lesson_08s_network():
    """Lesson 10 rebuilds lesson 08's network with churn.build_model: the two must not drift.

    Runs lesson 08's own model cell (from the notebook) and compares it layer by layer (names
    of unnamed layers aside), with the same loss and optimizer settings.
    """
    import json
    from pathlib import Path

    import keras

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "08_customer_churn.ipynb"
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    (cell,) = [s for s in sources if 'name="churn_ann"' in s]
    namespace = {"keras": keras, "A_train": np.zeros((4, 37), dtype="float32")}
    exec(cell.replace("model.summary()", ""), namespace)  # lesson 08's own code
    lesson, helper = namespace["model"], churn.build_model(37)

    def layers(model):
        configs = [layer.get_config() for layer in model.layers]
        return [
            {k: v for k, v in c.items() if k != "name" or not c[k].startswith("dense")}
            for c in configs
        ]

    assert layers(helper) == layers(lesson)
    assert helper.loss == lesson.loss

    def settings(optimizer):
        return {k: v for k, v in optimizer.get_config().items() if k != "name"}

    assert type(helper.optimizer) is type(lesson.optimizer)
    assert settings(helper.optimizer) == settings(lesson.optimizer)
    assert [m.name for m in helper.metrics] == [m.name for m in lesson.metrics]


def test_early_stopping_watches_each_score_in_its_direction(monkeypatch):
    """val_auc and val_accuracy stop when they stop rising; losses when they stop falling."""
    import keras

    seen = {}

    class Recorder(keras.callbacks.EarlyStopping):
        def __init__(self, **kwargs):
            seen[kwargs["monitor"]] = kwargs["mode"]
            super().__init__(**kwargs)

    monkeypatch.setattr(keras.callbacks, "EarlyStopping", Recorder)
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    for monitor in ("val_loss", "val_auc", "val_accuracy", "val_mean_absolute_error"):
        model = churn.build_model(3)
        training.fit_with_early_stopping(model, (x, y), (x, y), epochs=1, monitor=monitor)
    assert seen == {
        "val_loss": "min",
        "val_auc": "max",
        "val_accuracy": "max",
        "val_mean_absolute_error": "min",
    }
    direction = training._direction
    for name in (
        "val_mae",
        "val_mse",
        "val_rmse",
        "val_binary_crossentropy",
        "val_ce_loss",
        "val_mean_absolute_error",
        "val_mean_squared_logarithmic_error",
    ):
        assert direction(name) == "min", name
    for name in ("val_precision", "val_recall", "val_sparse_categorical_accuracy", "val_f1_score"):
        assert direction(name) == "max", name
    for name in ("loss", "val_", "val_cosine"):
        with pytest.raises(ValueError, match="val_loss"):
            direction(name)
