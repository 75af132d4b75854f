"""Find a verified copy of a registry file: the cache, then the mirrors, then its sources.

``fetch`` returns the path of a copy whose size and SHA-256 match the registry, wherever it
lies: the cache folder (``cache_dir()``), a read-only mirror folder (``DLCOURSE_DATA_MIRROR``),
or a fresh download into the cache (``helpers.downloads``). Every file is hashed in this
process before it is first used; nothing on disk vouches for it. ``prefetch`` fetches whole
datasets ahead of time. When nothing works, ``DatasetUnavailable`` says what was tried and
what to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from helpers import cache_files, downloads, settings
from helpers.cache_files import reason as _reason
from helpers.datasets.registry import REGISTRY, RemoteFile, Unpacked, _lookup
from helpers.downloads import sha256_of as _sha256


class DatasetUnavailable(RuntimeError):
    """No verified copy of a dataset file could be found or downloaded."""


def cache_dir() -> Path:
    """Where downloads are kept: ``$DLCOURSE_DATA_DIR``, else the user's cache directory."""
    if settings.data_dir() is not None:
        return settings.data_dir()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("dlcourse", appauthor=False)).absolute()


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
    cache_files.sweep(cached.parent)
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
    mirrors = settings.mirror_dirs()
    if not mirrors:
        tried.append(f"mirror: {settings.DATA_MIRROR_VAR} is not set")
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
        f"readable (chmod a+r), or use a cache of your own with {settings.DATA_DIR_VAR}; or"
    ),
    "not writable": (
        "  - the cache folder cannot be written (permission denied, full or read-only disk?): "
        f"make it writable, or set {settings.DATA_DIR_VAR} to a folder you can write; or"
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
        f"  - set {settings.DATA_MIRROR_VAR} to a folder holding {dataset}{os.sep}<file name>"
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
