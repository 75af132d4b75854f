"""The course's settings: the one module that names and reads the ``DLCOURSE_*`` variables.

A learner needs none of them. They exist for the test suite (QUICK mode), for repeating a
lesson over seeds, and for reading data from somewhere else than the default cache:

==========================  ===============================================================
``DLCOURSE_QUICK``          1: small data and few epochs (the test suite sets it)
``DLCOURSE_SEED``           the run's seed (default 42), to repeat a lesson over seeds
``DLCOURSE_DATA_DIR``       the download cache, instead of the user's cache folder
``DLCOURSE_DATA_MIRROR``    read-only folders searched before downloading (``os.pathsep``)
``DLCOURSE_RESULTS``        a file where ``helpers.record`` appends each lesson's numbers
``DLCOURSE_EXECUTED_DIR``   where the test suite keeps executed notebooks for the website
==========================  ===============================================================

Everything else asks this module, so a lesson sees one answer however it asks.
"""

from __future__ import annotations

import os
from pathlib import Path

QUICK_VAR = "DLCOURSE_QUICK"
SEED_VAR = "DLCOURSE_SEED"
DATA_DIR_VAR = "DLCOURSE_DATA_DIR"
DATA_MIRROR_VAR = "DLCOURSE_DATA_MIRROR"
RESULTS_VAR = "DLCOURSE_RESULTS"
EXECUTED_DIR_VAR = "DLCOURSE_EXECUTED_DIR"

DEFAULT_SEED = 42
MAX_SEED = 2**32 - 1  # NumPy's and Keras's seeds are unsigned 32-bit numbers
# A run's seed stays far below that: lessons derive the seeds of their repeats from it
# (e.g. 100 x seed + k), and those must be valid seeds too.
MAX_RUN_SEED = 1_000_000
_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"", "0", "false", "no", "off"}


def _read(name: str) -> str:
    return os.environ.get(name, "").strip()


def quick_mode() -> bool:
    """True when ``DLCOURSE_QUICK`` is on: small data and few epochs, for the test suite.

    A learner never needs it; full mode is the default and what the README's numbers report.
    """
    value = _read(QUICK_VAR).lower()
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    raise ValueError(
        f"{QUICK_VAR}={value!r} is neither on nor off: use 1/true/yes/on or 0/false/no/off."
    )


def seed() -> int:
    """The seed of this run: ``DLCOURSE_SEED`` if set (to repeat a lesson over seeds), else 42."""
    value = _read(SEED_VAR)
    if not value:
        return DEFAULT_SEED
    try:
        number = int(value)
    except ValueError:
        raise ValueError(
            f"{SEED_VAR}={value!r} is not a whole number: set it to e.g. 0, 1 or 2."
        ) from None
    if not 0 <= number <= MAX_RUN_SEED:
        raise ValueError(
            f"{SEED_VAR}={value} is out of range: use a whole number from 0 to {MAX_RUN_SEED:,}, "
            "e.g. 0, 1 or 2."
        )
    return number


def run_seeds(count: int, first: int | None = None) -> list[int]:
    """Seeds for ``count`` repeats inside one run: ``first``, ``first + 1``, ...

    ``first`` defaults to the run's seed, so a lesson's repeats move with ``DLCOURSE_SEED``.
    A lesson whose repeats must not overlap with those of the next seed's run starts them
    further apart (e.g. ``first=100 * seed()``).
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a whole number >= 1, got {count!r}.")
    start = seed() if first is None else first
    if not 0 <= start <= MAX_SEED - count + 1:
        raise ValueError(
            f"first must be a whole number from 0 to {MAX_SEED - count + 1}, got {start}."
        )
    return [start + i for i in range(count)]


def data_dir() -> Path | None:
    """The cache folder ``DLCOURSE_DATA_DIR`` names, or None (then the user's cache folder)."""
    value = _read(DATA_DIR_VAR)
    return Path(value).expanduser().absolute() if value else None


def mirror_dirs() -> list[Path]:
    """The read-only folders ``DLCOURSE_DATA_MIRROR`` names (separated by ``os.pathsep``)."""
    parts = os.environ.get(DATA_MIRROR_VAR, "").split(os.pathsep)
    return [Path(p.strip()).expanduser().absolute() for p in parts if p.strip()]


def results_file() -> Path | None:
    """The file ``helpers.record`` appends to (``DLCOURSE_RESULTS``), or None."""
    value = _read(RESULTS_VAR)
    return Path(value) if value else None


def executed_dir() -> Path | None:
    """Where the test suite keeps the notebooks it executed (``DLCOURSE_EXECUTED_DIR``), or None."""
    value = _read(EXECUTED_DIR_VAR)
    return Path(value) if value else None


def for_run(
    *, quick: bool | None = None, seed: int | None = None, results: Path | None = None
) -> dict[str, str]:
    """The environment entries that make a child process (a kernel) run with these settings."""
    entries = {}
    if quick is not None:
        entries[QUICK_VAR] = "1" if quick else "0"
    if seed is not None:
        entries[SEED_VAR] = str(seed)
    if results is not None:
        entries[RESULTS_VAR] = str(results)
    return entries
