"""Read the published file formats into NumPy arrays: IDX (MNIST) and CIFAR-10's binary batches.

Plain bytes only, read with their layout checked: reading a file can never run code (unlike
the pickled Python version of CIFAR-10).
"""

from __future__ import annotations

import gzip
import os
import tarfile

import numpy as np

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
