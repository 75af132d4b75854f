"""Each dataset as the lessons use it: arrays or a table, smaller and still real in QUICK mode."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from helpers import settings
from helpers.datasets.fetching import DatasetUnavailable, _fetch_all, fetch
from helpers.datasets.readers import Split, read_cifar10_tarball, read_idx
from helpers.datasets.registry import REGISTRY


class StandInWarning(UserWarning):
    """Generated data replaces a dataset that could not be had (QUICK mode only)."""


def _quick(quick: bool | None) -> bool:
    if quick is None:
        return settings.quick_mode()
    if not isinstance(quick, bool | np.bool_):  # "no" is truthy: it must not mean QUICK
        raise TypeError(
            f"quick must be True, False or None (None follows {settings.QUICK_VAR}), got {quick!r}."
        )
    return bool(quick)


def _stratified_subset(y: np.ndarray, size: int) -> np.ndarray:
    """Indices of a class-balanced subset; seed 0, so every run sees the same data."""
    from sklearn.model_selection import train_test_split

    return train_test_split(np.arange(len(y)), train_size=size, stratify=y, random_state=0)[0]


def load_mnist(quick: bool | None = None) -> Split:
    """MNIST as ((x_train, y_train), (x_test, y_test)); x uint8 (N, 28, 28), y uint8 (N,).

    Full: the official 60k/10k split. QUICK: only the official 10k test files (1.6 MB), split
    80/20 stratified with a fixed seed, so the data is real and the same on every run.
    """
    if not _quick(quick):
        paths = _fetch_all("mnist", [f.name for f in REGISTRY["mnist"].files])
        x_train, y_train, x_test, y_test = (read_idx(p) for p in paths)
        return (x_train, y_train), (x_test, y_test)
    x, y = (
        read_idx(p)
        for p in _fetch_all("mnist", ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
    )
    train = _stratified_subset(y, int(0.8 * len(y)))
    test = np.setdiff1d(np.arange(len(y)), train)
    print(
        f"QUICK mode: MNIST is the official 10,000-image test set (real data, 1.6 MB), "
        f"split stratified into {len(train):,} train / {len(test):,} test."
    )
    return (x[train], y[train]), (x[test], y[test])


def _cifar_stand_in(n_train: int, n_test: int) -> Split:
    """Grey noise with a faint colour pattern per class (4x4 blocks of +-6 levels).

    Learnable but not trivially (a linear model gets roughly half right), so a lesson's code
    path runs as it would on real data; the numbers say nothing about CIFAR-10.
    """
    rng = np.random.default_rng(0)
    pattern = rng.uniform(-6, 6, size=(10, 4, 4, 3)).repeat(8, axis=1).repeat(8, axis=2)
    templates = 128 + pattern

    def make(n: int):
        y = (np.arange(n) % 10).astype(np.uint8)
        rng.shuffle(y)
        x = templates[y] + rng.normal(0, 70, size=(n, 32, 32, 3))
        return np.clip(x, 0, 255).astype(np.uint8), y

    return make(n_train), make(n_test)


def load_cifar10(quick: bool | None = None) -> Split:
    """CIFAR-10 as ((x_train, y_train), (x_test, y_test)); x uint8 (N, 32, 32, 3), y uint8 (N,).

    Read from the published binary version (plain bytes, no pickle), after its SHA-256 matched.
    QUICK: a fixed stratified 5,000 / 1,000 subset; if the file cannot be had at all, a
    generated stand-in of the same shapes, announced loudly (full mode raises instead).
    """
    quick = _quick(quick)
    try:
        path = fetch("cifar10", "cifar-10-binary.tar.gz")
    except DatasetUnavailable as error:
        if not quick:
            raise
        message = (
            "CIFAR-10 could not be had, so QUICK mode uses a GENERATED STAND-IN of the "
            "same shapes and dtypes. Its images are not CIFAR-10 and every number "
            "computed from them means nothing about CIFAR-10."
        )
        why = str(error).splitlines()[0]
        hint = "For the real data: python -m helpers.datasets prefetch cifar10 (while online)."
        print(f"{'!' * 78}\n{message}\nWhy: {why}\n{hint}\n{'!' * 78}")
        warnings.warn(message, StandInWarning, stacklevel=2)
        return _cifar_stand_in(5000, 1000)
    (x_train, y_train), (x_test, y_test) = read_cifar10_tarball(path)
    if quick:
        tr, te = _stratified_subset(y_train, 5000), _stratified_subset(y_test, 1000)
        x_train, y_train, x_test, y_test = x_train[tr], y_train[tr], x_test[te], y_test[te]
        print("QUICK mode: CIFAR-10 subset, 5,000 train / 1,000 test images (stratified).")
    return (x_train, y_train), (x_test, y_test)


def load_sonar() -> pd.DataFrame:
    """208 rows: band energies ``f00``..``f59`` (floats) and ``label``, "R" (rock) or "M" (mine)."""
    names = [f"f{i:02d}" for i in range(60)] + ["label"]
    return pd.read_csv(fetch("sonar", "sonar.csv"), header=None, names=names)


def load_telco_churn() -> pd.DataFrame:
    """The IBM Telco churn table as published (7,043 x 21): cleaning it is part of the lesson.

    Note: ``TotalCharges`` is read as text because 11 new customers have a blank there.
    """
    return pd.read_csv(fetch("telco_churn", "Telco-Customer-Churn.csv"))


def load_airline_passengers() -> pd.DataFrame:
    """144 months (1949-1960), monthly DatetimeIndex ``month``, column ``passengers``."""
    df = pd.read_csv(fetch("airline_passengers", "airline-passengers.csv"))
    index = pd.DatetimeIndex(pd.to_datetime(df["Month"], format="%Y-%m"), name="month")
    return pd.DataFrame({"passengers": df["Passengers"].to_numpy()}, index=index).asfreq("MS")


def load_daily_min_temperatures() -> pd.DataFrame:
    """3,650 days (1981-1990), DatetimeIndex ``date``, column ``temperature`` (deg C).

    The file has no 31 December in the leap years 1984 and 1988, so the index has two gaps.
    """
    df = pd.read_csv(fetch("daily_min_temperatures", "daily-min-temperatures.csv"))
    index = pd.DatetimeIndex(pd.to_datetime(df["Date"], format="%Y-%m-%d"), name="date")
    return pd.DataFrame({"temperature": df["Temp"].astype(float).to_numpy()}, index=index)
