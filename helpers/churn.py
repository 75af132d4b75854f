"""The IBM Telco churn table made ready for a neural network, one small step per function.

Lesson 08 builds each step by hand and checks it against these functions; lesson 10 reuses
them. Cleaning (``clean_telco``) only looks at one row at a time, so it is safe before the
split; anything *fitted* (scaler means, encoder categories) is fitted on training rows only,
inside the ``ColumnTransformer`` that ``make_preprocessor`` returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

TARGET = "Churn"
ID_COLUMN = "customerID"
NUMERIC_COLUMNS = ("tenure", "MonthlyCharges", "TotalCharges")


def _require(df: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(
            f"Column(s) {missing} not in the table; it has {list(df.columns)}. "
            "Load it with helpers.datasets.load_telco_churn()."
        )


def total_charges_to_numeric(df: pd.DataFrame) -> pd.DataFrame:
    """``TotalCharges`` as float, with its blanks set to 0.

    The column is read as text because 11 rows hold a blank. Those are exactly the customers
    with ``tenure == 0``: they joined this month and have not been billed yet, so 0 is the
    true total, not a guess. Any other non-number is an error rather than a silent NaN.
    """
    _require(df, ["TotalCharges", "tenure"])
    text = df["TotalCharges"].astype(str).str.strip()
    blank = text == ""
    if (df.loc[blank, "tenure"] != 0).any():
        raise ValueError("Some blank TotalCharges have tenure > 0: 0 would be a wrong fill.")
    out = df.copy()
    out["TotalCharges"] = pd.to_numeric(text.where(~blank, "0"), errors="raise").astype(float)
    return out


def drop_id(df: pd.DataFrame) -> pd.DataFrame:
    """Drop ``customerID``: unique per row, so a model could only memorise it."""
    _require(df, [ID_COLUMN])
    return df.drop(columns=ID_COLUMN)


def yes_no_to_int(df: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Map Yes/No columns to 1/0 (int64), assigning the result back (pandas 3 copy-on-write).

    ``columns=None`` converts every column whose values are exactly {"Yes", "No"}. A named
    column with any other value (e.g. "No internet service") raises, so nothing becomes NaN.
    """
    if columns is None:
        columns = [c for c in df.columns if set(df[c].dropna().unique()) == {"Yes", "No"}]
    _require(df, columns)
    out = df.copy()
    for column in columns:
        others = set(out[column].unique()) - {"Yes", "No"}
        if others:
            raise ValueError(f"{column!r} holds {sorted(map(str, others))} besides Yes/No.")
        out[column] = out[column].map({"Yes": 1, "No": 0}).astype("int64")
    return out


def clean_telco(df: pd.DataFrame) -> pd.DataFrame:
    """All cleaning steps of lesson 08: numeric TotalCharges, no ID, Yes/No as 1/0."""
    return yes_no_to_int(drop_id(total_charges_to_numeric(df)))


def features_and_target(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Split a cleaned table into features ``X`` and the 0/1 target ``y`` (1 = churned)."""
    _require(df, [TARGET])
    y = df[TARGET].to_numpy()
    if not set(np.unique(y).tolist()) <= {0, 1}:
        raise ValueError(f"{TARGET} must be 0/1 after cleaning; run clean_telco first.")
    return df.drop(columns=TARGET), y.astype("int64")


def make_preprocessor(X: pd.DataFrame) -> ColumnTransformer:
    """An unfitted transformer: scale numeric columns, one-hot encode text columns.

    Columns are grouped by what ``X`` holds: ``NUMERIC_COLUMNS`` are standardised, text
    columns one-hot encoded (a category unseen in training becomes all zeros instead of an
    error), and 0/1 columns pass through unchanged. Fit it on training rows only.
    """
    numeric = [c for c in NUMERIC_COLUMNS if c in X.columns]
    text = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    binary = [c for c in X.columns if c not in numeric and c not in text]
    not_binary = [c for c in binary if not X[c].isin([0, 1]).all()]
    if not_binary:
        raise ValueError(f"Numeric column(s) {not_binary} are neither listed numeric nor 0/1.")
    return ColumnTransformer(
        [
            ("scale", StandardScaler(), numeric),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False), text),
            ("binary", "passthrough", binary),
        ],
        verbose_feature_names_out=False,
    )


def build_model(
    n_features: int,
    hidden: Sequence[int] = (16,),
    dropout: float = 0.0,
    l2: float = 1e-3,
    learning_rate: float = 1e-3,
    loss: Any = "binary_crossentropy",
) -> Any:
    """A small feed-forward network ending in one sigmoid unit: P(churn | features).

    The defaults are lesson 08's network: one hidden layer of 16 ReLU units whose weights an
    L2 penalty keeps small (``dropout`` is the alternative regulariser). ``loss`` can be any
    Keras binary loss (lesson 10 passes a focal loss). The AUC metric makes training logs
    show ranking quality, which accuracy hides on imbalanced data.
    """
    import keras

    if n_features < 1 or not hidden or not 0 <= dropout < 1 or l2 < 0:
        raise ValueError(
            "Need n_features >= 1, at least one hidden layer, 0 <= dropout < 1 and l2 >= 0."
        )
    penalty = keras.regularizers.L2(l2) if l2 else None
    inputs = keras.Input(shape=(n_features,), name="features")
    x = inputs
    for units in hidden:
        x = keras.layers.Dense(units, activation="relu", kernel_regularizer=penalty)(x)
        if dropout:
            x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="p_churn")(x)
    model = keras.Model(inputs, outputs, name="churn_ann")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=loss,
        metrics=[keras.metrics.AUC(name="auc"), "accuracy"],
    )
    return model
