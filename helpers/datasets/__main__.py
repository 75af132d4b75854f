"""The command line: ``python -m helpers.datasets list``, or ``... prefetch [name ...]``."""

from __future__ import annotations

import argparse

from helpers import cache_files, settings
from helpers.datasets.fetching import DatasetUnavailable, _mirror_paths, cache_dir, prefetch
from helpers.datasets.registry import REGISTRY, RemoteFile


def _found(dataset: str, remote: RemoteFile) -> str:
    """Where copies of a file lie (not yet verified), and in which form: for ``list``."""
    found = []
    for form in remote.forms():
        kind = "" if form is remote else " (decompressed)"
        places = [cache_dir() / dataset / form.name]
        places += [p for m in settings.mirror_dirs() for p in _mirror_paths(m, dataset, form.name)]
        found += [f"{p}{kind}" for p in places if p.is_file()]
    partial = cache_files.partial_path(cache_dir() / dataset / remote.name)
    if partial.is_file():
        found.append(f"partial download {partial} (the next fetch resumes it)")
    return ", ".join(found) or "not yet"


def main(argv: list[str] | None = None) -> int:
    """Run ``list`` or ``prefetch [name ...]`` from ``argv`` (default: the command line).

    Returns the exit code: 1 if a dataset could not be had, else 0.
    """
    parser = argparse.ArgumentParser(
        prog="python -m helpers.datasets", description="List or download the course's datasets."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="show every dataset, its files and whether they are cached")
    get = commands.add_parser("prefetch", help="download datasets for offline use (all by default)")
    get.add_argument("names", nargs="*", metavar="name", help=f"any of: {', '.join(REGISTRY)}")
    args = parser.parse_args(argv)
    if args.command == "list":
        mirrors = ", ".join(map(str, settings.mirror_dirs())) or "-"
        print(f"cache: {cache_dir()}   mirrors: {mirrors}")
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
    raise SystemExit(main())
