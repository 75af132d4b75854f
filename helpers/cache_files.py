"""The files of a download in the cache folder: working files, partial downloads, the install.

Concurrent downloads (two notebooks at once) never share a file: each process writes its own
``<file>.<random>.part`` (``_claim``) and renames it into place only after the check
(``_install``). A download that stops leaves ``<file>.partial`` (``_release``), and the next
one takes it over by atomically renaming it to its own name, so only one process can take it.
``sweep`` turns the working files of killed processes into partial downloads. The transfers
themselves are ``helpers.downloads``'s.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

STALE_PART_S = 600.0  # a working file untouched this long belongs to a killed process


class CacheNotWritable(Exception):
    """The cache folder cannot take the file: a local problem, not a network one."""


def reason(error: BaseException) -> str:
    """An error in a few words: the OS's message where there is one."""
    return getattr(error, "strerror", None) or str(error) or repr(error)


def partial_path(target: Path) -> Path:
    """Where an unfinished download of ``target`` waits to be resumed: ``<file>.partial``."""
    return target.with_name(target.name + ".partial")


def sweep(folder: Path) -> None:
    """Keep for resuming, or delete, the working files of killed downloads; delete the
    ``.sha256-ok`` markers of older versions (nothing on disk vouches for a file).

    A download killed by SIGKILL (or SIGTERM, which Python does not turn into an exception)
    cannot clean up after itself; a live one writes to its file at least every
    ``helpers.downloads.CONNECT_TIMEOUT_S`` seconds, so one untouched for ``STALE_PART_S`` is
    left over. It becomes ``<file>.partial`` for the next download to resume, unless one is
    there already.
    """
    now = time.time()
    for path in [*folder.glob("*.part"), *folder.glob("*.sha256-ok")]:
        try:
            if path.suffix == ".sha256-ok":
                path.unlink()
            elif now - path.stat().st_mtime >= STALE_PART_S:
                released = partial_path(folder / _target_name(path))
                if released.exists():
                    path.unlink()
                else:
                    os.replace(path, released)  # a race here only loses some progress
        except OSError:
            pass  # another process swept it, or the cache is read-only: nothing to do


def _target_name(work: Path) -> str:
    """The file a working file ``<file>.<random>.part`` is for."""
    return work.name.removesuffix(".part").rsplit(".", 1)[0]


def _size(path: Path) -> int:
    """The size of a file, 0 if it is not there."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _claim(target: Path) -> Path:
    """A working file of this process's own beside ``target``, holding the partial download
    if one is waiting (renaming is atomic: of two processes, only one gets it)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
        os.close(fd)
    except OSError as error:
        raise CacheNotWritable(reason(error)) from error
    with contextlib.suppress(OSError):  # nothing to resume, or another process took it
        os.replace(partial_path(target), name)
    return Path(name)


def _release(work: Path, target: Path) -> None:
    """Leave an unfinished download where the next one looks for it; drop an empty one."""
    with contextlib.suppress(OSError):  # gone already (renamed into place), or read-only
        if _size(work):
            os.replace(work, partial_path(target))
        else:
            work.unlink()


def _install(work: Path, target: Path) -> None:
    """Rename a checked download into place, readable as the umask allows (mkstemp's 0600
    would lock other users out of a shared cache)."""
    try:
        os.chmod(work, 0o666 & ~_umask())
        os.replace(work, target)
    except OSError as error:
        raise CacheNotWritable(reason(error)) from error
