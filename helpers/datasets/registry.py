"""The course's datasets, file by file: where each comes from, its size and its SHA-256.

Each file is listed once in ``REGISTRY``, with its sources (URLs serving the same bytes) and,
for a published ``.gz`` file, the size and SHA-256 of its decompressed form. A dataset also
says what a user must know to use it fairly: its licence and how to cite it.
"""

from __future__ import annotations

from dataclasses import dataclass

_MNIST_URLS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)  # fallback mirror, same files
_GITHUB = "https://raw.githubusercontent.com/"
_JSDELIVR = "https://cdn.jsdelivr.net/gh/"  # serves GitHub files byte for byte: a second source


def _on_github(repo: str, branch: str, path: str) -> tuple[str, str]:
    """A file in a GitHub repository: GitHub's own address, then jsDelivr's copy of it."""
    return f"{_GITHUB}{repo}/{branch}/{path}", f"{_JSDELIVR}{repo}@{branch}/{path}"


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
