"""Every dataset of the course: where it comes from, how it is checked, how it is loaded.

Why a module of its own: a lesson should never fail half-way because a download broke, and it
should never train on a file that is silently truncated. So each file is listed once in
``REGISTRY`` with its size and SHA-256, and ``fetch`` looks for it, in this order:

1. the cache folder, ``cache_dir()/<dataset>/<file>`` (``DLCOURSE_DATA_DIR``, else the user's
   cache directory);
2. read-only mirror folders named in ``DLCOURSE_DATA_MIRROR`` (separated by ``os.pathsep``),
   laid out ``<dataset>/<file>``, or holding the files themselves, or (MNIST) laid out as
   torchvision keeps them, ``MNIST/raw/<file>``; a verified mirror file is used where it is,
   never copied;
3. the file's sources (public URLs serving the same bytes), in order, through
   ``helpers.downloads``: resumable, given up only when silent or too slow, and renamed into
   the cache only after its size and SHA-256 match.

Every file is hashed (SHA-256) in this process before it is first parsed, wherever it lies:
a cache may be shared or rot, so nothing on disk vouches for it. A file that fails its check is
reported and never used. A published ``.gz`` file may also be found in its decompressed form
(the same name without ``.gz``, as ``gunzip`` and torchvision leave it), checked against the
SHA-256 of the decompressed bytes; both forms read to the same arrays. When nothing works, one
exception, ``DatasetUnavailable``, says what was tried and what to do. Offline use: run
``python -m helpers.datasets prefetch`` once while online.
"""

from __future__ import annotations

import argparse
import gzip
import os
import tarfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import downloads
from helpers.downloads import reason as _reason
from helpers.downloads import sha256_of as _sha256

DATA_DIR_ENV = "DLCOURSE_DATA_DIR"
MIRROR_ENV = "DLCOURSE_DATA_MIRROR"
_MNIST_URLS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)  # fallback mirror, same files
_GITHUB = "https://raw.githubusercontent.com/"
_JSDELIVR = "https://cdn.jsdelivr.net/gh/"  # serves GitHub files byte for byte: a second source


def _on_github(repo: str, branch: str, path: str) -> tuple[str, str]:
    """A file in a GitHub repository: GitHub's own address, then jsDelivr's copy of it."""
    return f"{_GITHUB}{repo}/{branch}/{path}", f"{_JSDELIVR}{repo}@{branch}/{path}"


class DatasetUnavailable(RuntimeError):
    """No verified copy of a dataset file could be found or downloaded."""


class StandInWarning(UserWarning):
    """Generated data replaces a dataset that could not be had (QUICK mode only)."""


@dataclass(frozen=True)
class Unpacked:
    """The decompressed content of a published ``.gz`` file, pinned by its own size and SHA-256.

    Why: many learners already hold MNIST decompressed (``gunzip`` leaves it so, and torchvision
    keeps ``MNIST/raw/train-images-idx3-ubyte``); those bytes are as trustworthy as the ``.gz``
    once their own digest matches, so they are used instead of a second download.
    """

    name: str
    size: int  # bytes
    sha256: str


@dataclass(frozen=True)
class RemoteFile:
    """One published file. Size and SHA-256 pin the exact bytes, whichever URL served them."""

    name: str
    size: int  # bytes
    sha256: str
    urls: tuple[str, ...]  # tried in order: the official source first, then mirrors
    unpacked: Unpacked | None = None  # its decompressed form, accepted in its place

    def forms(self) -> tuple[RemoteFile | Unpacked, ...]:
        """The forms a copy on disk may take: the published file first, then the decompressed."""
        return (self,) if self.unpacked is None else (self, self.unpacked)


@dataclass(frozen=True)
class Dataset:
    """A dataset: its files, and what a user must know to use it fairly (licence, citation)."""

    name: str
    description: str
    licence: str
    citation: str
    files: tuple[RemoteFile, ...]
    other_layouts: tuple[str, ...] = ()  # mirror sub-folders other tools use, e.g. "MNIST/raw"


def _mnist_file(name: str, size: int, sha256: str, unpacked: tuple[int, str]) -> RemoteFile:
    """A published MNIST ``.gz`` file, and the size and SHA-256 of its decompressed content."""
    urls = tuple(base + name for base in _MNIST_URLS)
    return RemoteFile(name, size, sha256, urls, Unpacked(name.removesuffix(".gz"), *unpacked))


REGISTRY: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "mnist",
            "70,000 28x28 grey-scale handwritten digits (60k train, 10k test)",
            "CC BY-SA 3.0",
            "Y. LeCun, C. Cortes, C. J. C. Burges: The MNIST database of handwritten digits.",
            (
                _mnist_file(
                    "train-images-idx3-ubyte.gz",
                    9912422,
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                    (47040016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
                ),
                _mnist_file(
                    "train-labels-idx1-ubyte.gz",
                    28881,
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                    (60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
                ),
                _mnist_file(
                    "t10k-images-idx3-ubyte.gz",
                    1648877,
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    (7840016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
                ),
                _mnist_file(
                    "t10k-labels-idx1-ubyte.gz",
                    4542,
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                    (10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
                ),
            ),
            other_layouts=("MNIST/raw",),  # torchvision's folder of the decompressed files
        ),
        Dataset(
            "cifar10",
            "60,000 32x32 colour images in 10 classes (50k train, 10k test)",
            "see source (https://www.cs.toronto.edu/~kriz/cifar.html)",
            "A. Krizhevsky: Learning Multiple Layers of Features from Tiny Images. "
            "Technical report, University of Toronto, 2009.",
            (
                RemoteFile(
                    "cifar-10-binary.tar.gz",
                    170052171,
                    "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
                    (
                        "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                        # the same archive, hosted by the Swift for TensorFlow project
                        "https://storage.googleapis.com/s4tf-hosted-binaries/datasets/CIFAR10/"
                        "cifar-10-binary.tar.gz",
                    ),
                ),
            ),
        ),
        Dataset(
            "sonar",
            "208 sonar returns, 60 band energies each: rock (R) or mine (M)",
            "CC BY 4.0 (UCI Machine Learning Repository)",
            "R. P. Gorman, T. J. Sejnowski: Analysis of Hidden Units in a Layered Network Trained "
            "to Classify Sonar Targets. Neural Networks 1, 75-89, 1988. UCI 'Connectionist Bench "
            "(Sonar, Mines vs. Rocks)'.",
            (
                RemoteFile(
                    "sonar.csv",
                    87775,
                    "3079c09b5d2789a0f96aff82c28e5164fafe2495c5f8da96c6c256c1bd25763f",
                    _on_github("jbrownlee/Datasets", "master", "sonar.csv"),
                ),
            ),
        ),
        Dataset(
            "telco_churn",
            "7,043 telecom customers, 19 features, and whether they left (Churn)",
            "Apache-2.0 (the IBM/telco-customer-churn-on-icp4d repository)",
            "IBM sample data: Telco Customer Churn, "
            "https://github.com/IBM/telco-customer-churn-on-icp4d",
            (
                RemoteFile(
                    "Telco-Customer-Churn.csv",
                    970457,
                    "16320c9c1ec72448db59aa0a26a0b95401046bef5d02fd3aeb906448e3055e91",
                    _on_github(
                        "IBM/telco-customer-churn-on-icp4d",
                        "master",
                        "data/Telco-Customer-Churn.csv",
                    ),
                ),
            ),
        ),
        Dataset(
            "airline_passengers",
            "monthly international airline passengers (thousands), 1949-1960",
            "see source",
            "G. E. P. Box, G. M. Jenkins: Time Series Analysis: Forecasting and Control. "
            "Holden-Day, 1976 (series G); file from J. Brownlee's Datasets repository.",
            (
                RemoteFile(
                    "airline-passengers.csv",
                    2180,
                    "8cb51be753a718d9be5d76d7e238cc224792754676adc21faa59e954b0201621",
                    _on_github("jbrownlee/Datasets", "master", "airline-passengers.csv"),
                ),
            ),
        ),
        Dataset(
            "daily_min_temperatures",
            "daily minimum temperature (deg C), Melbourne, 1981-1990",
            "see source",
            "Australian Bureau of Meteorology; file from J. Brownlee's Datasets repository.",
            (
                RemoteFile(
                    "daily-min-temperatures.csv",
                    67921,
                    "8b9de63ed6789492bf497625e7f9beb96a63d367b4b0a21754006f749fa5e5da",
                    _on_github("jbrownlee/Datasets", "master", "daily-min-temperatures.csv"),
                ),
            ),
        ),
    )
}

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)  # label i is CIFAR10_CLASSES[i]


# ----------------------------------------------------------------------------- finding files
def cache_dir() -> Path:
    """Where downloads are kept: ``$DLCOURSE_DATA_DIR``, else the user's cache directory."""
    if os.environ.get(DATA_DIR_ENV, "").strip():
        return Path(os.environ[DATA_DIR_ENV].strip()).expanduser().absolute()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("dlcourse", appauthor=False)).absolute()


def _mirror_dirs() -> list[Path]:
    value = os.environ.get(MIRROR_ENV, "")
    return [Path(p.strip()).expanduser().absolute() for p in value.split(os.pathsep) if p.strip()]


def _lookup(dataset: str, filename: str | None = None) -> tuple[Dataset, RemoteFile | None]:
    if dataset not in REGISTRY:
        raise ValueError(f"Unknown dataset {dataset!r}. Known datasets: {', '.join(REGISTRY)}.")
    entry = REGISTRY[dataset]
    if filename is None:
        return entry, None
    for remote in entry.files:
        if remote.name == filename:
            return entry, remote
    names = ", ".join(f.name for f in entry.files)
    raise ValueError(f"Dataset {dataset!r} has no file {filename!r}. Its files: {names}.")


# Files hashed OK in this process: resolved path -> (size, mtime_ns, inode, expected sha256).
# Only this process's own hashing counts; nothing written on disk is trusted instead.
_verified: dict[str, tuple[int, int, int, str]] = {}


def _fingerprint(path: Path, remote: RemoteFile | Unpacked) -> tuple[int, int, int, str]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ino, remote.sha256


def _check(path: Path, remote: RemoteFile | Unpacked) -> str | None:
    """Return None if ``path`` is the right file, else why not. Reading errors propagate.

    The size is compared on every call: it catches truncation for free. The SHA-256 is
    computed once per process and file; a file replaced or touched since then (other size,
    mtime or inode) is hashed again.
    """
    fingerprint = _fingerprint(path, remote)
    if fingerprint[0] != remote.size:
        return f"size {fingerprint[0]} bytes, expected {remote.size}"
    key = str(path.resolve())
    if _verified.get(key) == fingerprint:
        return None
    actual = _sha256(path)
    if actual != remote.sha256:
        return f"sha256 {actual}, expected {remote.sha256}"
    _verified[key] = fingerprint
    return None


def _mirror_paths(mirror: Path, dataset: str, name: str) -> list[Path]:
    """Where a mirror may hold a file: ``<dataset>/<name>``, other tools' layouts, or ``<name>``."""
    layouts = [dataset, *REGISTRY[dataset].other_layouts] if dataset in REGISTRY else [dataset]
    return [mirror / layout / name for layout in layouts] + [mirror / name]


def _locate(
    dataset: str, remote: RemoteFile, failed_hosts: dict[str, tuple[str, str]]
) -> tuple[Path | None, list[str], set[str]]:
    """Cache, then mirrors, then URLs. Return a verified path (or None), what was tried, and the
    kinds of failure met (keys of ``_ADVICE``) for the advice.

    In the cache and in each mirror, the published file is looked for first, then its
    decompressed form (if it has one); each is checked against its own size and SHA-256.
    """
    tried: list[str] = []
    causes: set[str] = set()
    cached = cache_dir() / dataset / remote.name
    downloads.sweep(cached.parent)
    for form in remote.forms():
        path = cached.parent / form.name
        kind = "" if form is remote else " (decompressed form)"
        try:
            if not path.is_file():
                tried.append(f"cache {path}: not there")
            elif (problem := _check(path, form)) is None:
                return path, tried, causes
            else:
                try:
                    path.unlink()
                    print(f"Cached {path}{kind} is corrupt ({problem}): removed.")
                    tried.append(f"cache {path}{kind}: corrupt ({problem}), removed")
                except OSError as error:
                    print(f"Cached {path}{kind} is corrupt ({problem}) and could not be removed.")
                    tried.append(
                        f"cache {path}{kind}: corrupt ({problem}), could not be removed "
                        f"({_reason(error)})"
                    )
                    causes.add("not writable")
        except OSError as error:
            tried.append(f"cache {path}: cannot be read ({_reason(error)})")
            causes.add("unreadable")
    mirrors = _mirror_dirs()
    if not mirrors:
        tried.append(f"mirror: {MIRROR_ENV} is not set")
    for mirror in mirrors:
        try:
            if not mirror.exists():
                tried.append(f"mirror {mirror}: the folder does not exist")
                continue
            if not mirror.is_dir():
                tried.append(f"mirror {mirror}: is a file, not a folder")
                continue
        except OSError as error:
            tried.append(f"mirror {mirror}: cannot be read ({_reason(error)})")
            causes.add("unreadable")
            continue
        seen = False
        for form in remote.forms():
            kind = "" if form is remote else " (decompressed form)"
            for path in _mirror_paths(mirror, dataset, form.name):
                try:
                    if not path.is_file():
                        continue
                    seen = True
                    problem = _check(path, form)
                except OSError as error:
                    tried.append(f"mirror {path}: cannot be read ({_reason(error)})")
                    causes.add("unreadable")
                    continue
                if problem is None:
                    return path, tried, causes
                print(f"Mirror file {path}{kind} is corrupt ({problem}): not used.")
                tried.append(f"mirror {path}{kind}: corrupt ({problem}), not used")
        if not seen:
            nor = f", nor {remote.unpacked.name}" if remote.unpacked else ""
            tried.append(f"mirror {mirror / dataset / remote.name}: not there{nor}")
    got = downloads.download(
        remote.urls, cached, remote.size, remote.sha256, failed_hosts=failed_hosts
    )
    tried += got.tried
    causes |= got.causes
    if got.ok:
        _verified[str(cached.resolve())] = _fingerprint(cached, remote)  # the bytes just hashed
        return cached, tried, causes
    try:
        cached.parent.rmdir()  # only if empty: a failed download leaves no empty folder behind
    except OSError:
        pass
    return None, tried, causes


_ADVICE = {
    **downloads.ADVICE,  # "certificate", "network", "rejected"
    "unreadable": (
        "  - a file above cannot be read (permission denied?): ask its owner to make it "
        "readable (chmod a+r), or use a cache of your own with DLCOURSE_DATA_DIR; or"
    ),
    "not writable": (
        "  - the cache folder cannot be written (permission denied, full or read-only disk?): "
        "make it writable, or set DLCOURSE_DATA_DIR to a folder you can write; or"
    ),
}


def _unavailable(
    dataset: str, failures: list[tuple[RemoteFile, list[str]]], causes: set[str]
) -> DatasetUnavailable:
    lines = [
        f"Could not get dataset {dataset!r}: no verified copy of "
        f"{', '.join(r.name for r, _ in failures)}."
    ]
    for remote, tried in failures:
        also = ""
        if remote.unpacked is not None:
            u = remote.unpacked
            also = f", or decompressed {u.name} ({u.size} bytes, sha256 {u.sha256})"
        lines.append(f"{remote.name} ({remote.size} bytes, sha256 {remote.sha256}{also}); tried:")
        lines += [f"  - {attempt}" for attempt in tried]
    folder = cache_dir() / dataset
    lines.append("What you can do:")
    lines += [advice for cause, advice in _ADVICE.items() if cause in causes]
    lines += [
        f"  - download the URLs above by hand and put the files in {folder}{os.sep} ; or",
        f"  - set {MIRROR_ENV} to a folder holding {dataset}{os.sep}<file name>"
        " (or the files themselves).",
    ]
    return DatasetUnavailable("\n".join(lines))


def _fetch_all(dataset: str, filenames: Iterable[str]) -> list[Path]:
    """Fetch several files; if any fails, raise one error naming every missing file."""
    paths, failures, causes = [], [], set()
    failed_hosts: dict[str, tuple[str, str]] = {}  # one wait per dead host, not one per file
    for filename in filenames:
        _, remote = _lookup(dataset, filename)
        path, tried, why = _locate(dataset, remote, failed_hosts)
        paths.append(path)
        if path is None:
            failures.append((remote, tried))
            causes |= why
    if failures:
        raise _unavailable(dataset, failures, causes)
    return paths


def fetch(dataset: str, filename: str) -> Path:
    """Path of a verified copy of one registry file (cache, mirror, or a fresh download)."""
    return _fetch_all(dataset, [filename])[0]


def prefetch(names: Iterable[str] | None = None) -> None:
    """Fetch every file of the named datasets (all by default), e.g. before going offline.

    ``names`` is a list of dataset names, or one name as a string.
    """
    if names is None:
        names = list(REGISTRY)
    elif isinstance(names, str):
        names = [names]  # not its letters
    else:
        names = list(names)
    for name in names:
        _lookup(name)  # unknown names fail before any download starts
    errors = []
    for name in names:
        try:
            paths = _fetch_all(name, [f.name for f in REGISTRY[name].files])
            print("\n".join(f"ok  {name}/{p.name}  ({p})" for p in paths))
        except DatasetUnavailable as error:
            errors.append(str(error))
    if errors:
        raise DatasetUnavailable("\n\n".join(errors))


# ----------------------------------------------------------------------------- loaders
Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (MNIST's format), gzipped or not.

    Layout: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions n,
    then n big-endian uint32 sizes, then the values in C order.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (header {data[:4]!r}).")
    ndim = data[3]
    shape = tuple(int(s) for s in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    body = data[4 + 4 * ndim :]
    if len(body) != dtype.itemsize * int(np.prod(shape)):
        raise ValueError(f"{path}: {len(body)} data bytes do not fill shape {shape}.")
    return np.frombuffer(body, dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _quick(quick: bool | None) -> bool:
    if quick is None:
        from helpers.environment import quick_mode

        return quick_mode()
    if not isinstance(quick, bool | np.bool_):  # "no" is truthy: it must not mean QUICK
        raise TypeError(
            f"quick must be True, False or None (None follows DLCOURSE_QUICK), got {quick!r}."
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


_CIFAR_RECORD = 1 + 3 * 32 * 32  # one label byte, then the red, green and blue 32x32 planes
_CIFAR_BATCHES = (*(f"data_batch_{i}.bin" for i in range(1, 6)), "test_batch.bin")


def read_cifar10_batch(data: bytes, name: str = "batch") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 32, 32, 3) uint8 and labels (N,) uint8 from one batch of the binary version.

    Each record is 3,073 plain bytes: the label (0-9), then 1,024 red, 1,024 green and 1,024
    blue pixel values, row by row. Plain bytes, so reading them can never run code (unlike
    the pickled Python version of CIFAR-10).
    """
    if not data or len(data) % _CIFAR_RECORD:
        raise ValueError(
            f"{name}: {len(data)} bytes is not a whole number of 3,073-byte records;"
            " it is not a batch of the CIFAR-10 binary version."
        )
    records = np.frombuffer(data, np.uint8).reshape(-1, _CIFAR_RECORD)
    labels = records[:, 0].copy()
    if labels.max() > 9:
        raise ValueError(f"{name}: labels must be 0 to 9, found {labels.max()}.")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def read_cifar10_tarball(path: str | os.PathLike) -> Split:
    """((x_train, y_train), (x_test, y_test)) from ``cifar-10-binary.tar.gz``, read in memory.

    The five ``data_batch_*.bin`` files make the 50,000 training images, ``test_batch.bin`` the
    10,000 test images; nothing is extracted to disk.
    """
    batches = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            name = member.name.rsplit("/", 1)[-1]
            if name in _CIFAR_BATCHES and member.isfile():
                batches[name] = read_cifar10_batch(tar.extractfile(member).read(), name)
    missing = [name for name in _CIFAR_BATCHES if name not in batches]
    if missing:
        raise ValueError(
            f"{path} misses {', '.join(missing)}: it is not the CIFAR-10 binary tarball."
        )
    train = [batches[name] for name in _CIFAR_BATCHES[:5]]
    x_train, y_train = np.concatenate([b[0] for b in train]), np.concatenate([b[1] for b in train])
    return (x_train, y_train), batches["test_batch.bin"]


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


# ----------------------------------------------------------------------------- command line
def _found(dataset: str, remote: RemoteFile) -> str:
    """Where copies of a file lie (not yet verified), and in which form: for ``list``."""
    found = []
    for form in remote.forms():
        kind = "" if form is remote else " (decompressed)"
        places = [cache_dir() / dataset / form.name]
        places += [p for m in _mirror_dirs() for p in _mirror_paths(m, dataset, form.name)]
        found += [f"{p}{kind}" for p in places if p.is_file()]
    partial = downloads.partial_path(cache_dir() / dataset / remote.name)
    if partial.is_file():
        found.append(f"partial download {partial} (the next fetch resumes it)")
    return ", ".join(found) or "not yet"


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.datasets", description="List or download the course's datasets."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="show every dataset, its files and whether they are cached")
    get = commands.add_parser("prefetch", help="download datasets for offline use (all by default)")
    get.add_argument("names", nargs="*", metavar="name", help=f"any of: {', '.join(REGISTRY)}")
    args = parser.parse_args(argv)
    if args.command == "list":
        print(f"cache: {cache_dir()}   mirrors: {', '.join(map(str, _mirror_dirs())) or '-'}")
        for entry in REGISTRY.values():
            print(f"{entry.name}: {entry.description} [{entry.licence}]")
            for f in entry.files:
                print(f"    {f.name:32} {f.size:>11,} bytes  {_found(entry.name, f)}")
        return 0
    try:
        prefetch(args.names or None)
    except (DatasetUnavailable, ValueError) as error:
        print(error)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
