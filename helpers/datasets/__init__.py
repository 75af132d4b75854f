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

One module per concern, every name below importable from ``helpers.datasets`` itself:

================  ============================================================================
``registry``      ``REGISTRY`` of ``Dataset`` / ``RemoteFile`` / ``Unpacked`` entries,
                  ``CIFAR10_CLASSES``
``fetching``      ``cache_dir``, ``fetch``, ``prefetch``, ``DatasetUnavailable``: finding,
                  checking and downloading files
``readers``       ``read_idx``, ``read_cifar10_batch``, ``read_cifar10_tarball``: file formats
``loaders``       ``load_mnist``, ``load_cifar10``, ``load_sonar``, ``load_telco_churn``,
                  ``load_airline_passengers``, ``load_daily_min_temperatures``,
                  ``StandInWarning``
``__main__``      the command line, ``python -m helpers.datasets list|prefetch [name ...]``
================  ============================================================================
"""

from helpers.datasets.fetching import DatasetUnavailable, cache_dir, fetch, prefetch
from helpers.datasets.loaders import (
    StandInWarning,
    load_airline_passengers,
    load_cifar10,
    load_daily_min_temperatures,
    load_mnist,
    load_sonar,
    load_telco_churn,
)
from helpers.datasets.readers import Split, read_cifar10_batch, read_cifar10_tarball, read_idx
from helpers.datasets.registry import (
    CIFAR10_CLASSES,
    REGISTRY,
    Dataset,
    RemoteFile,
    Unpacked,
)

__all__ = [
    "CIFAR10_CLASSES",
    "REGISTRY",
    "Dataset",
    "DatasetUnavailable",
    "RemoteFile",
    "Split",
    "StandInWarning",
    "Unpacked",
    "cache_dir",
    "fetch",
    "load_airline_passengers",
    "load_cifar10",
    "load_daily_min_temperatures",
    "load_mnist",
    "load_sonar",
    "load_telco_churn",
    "prefetch",
    "read_cifar10_batch",
    "read_cifar10_tarball",
    "read_idx",
]
