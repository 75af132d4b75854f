"""HTTP downloads of the course's data files: resumable, from several sources, SHA-256 checked.

Why a module of its own: a learner on a slow or flaky connection must not lose a 170 MB
download to one dropped connection, nor wait forever on a server that has stalled. So
``download`` (called by ``helpers.datasets``, which knows where files come from):

- tries a file's sources (URLs) in order, all of them serving the same bytes, and accepts
  only a file whose size and SHA-256 match the pinned ones, whichever source sent it;
- keeps what has arrived: when a connection drops, it asks for the rest with an HTTP
  ``Range: bytes=N-`` header (at most ``RESUME_ATTEMPTS`` times per source), and the next
  source carries on from the same bytes. A download stopped by an error or by Ctrl-C leaves
  ``<file>.partial`` in the cache, and the next run resumes from it. A server that cannot
  resume (it answers 200 or 416) makes the download start over. A resumed file that fails the
  SHA-256 check is deleted and downloaded once more from the start;
- gives a source up only when it is silent or too slow for the file (see ``RateWatch``), with
  a progress bar that shows the rate and the time left;
- says what went wrong in words that point at the cure, e.g. certificate verification
  failing (a Python without its certificates) apart from a network that is down.

Concurrent downloads (two notebooks at once) never share a file: ``helpers.cache_files`` gives
each process a working file of its own and keeps what a stopped download leaves for the next.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from helpers.cache_files import (
    CacheNotWritable,
    _claim,
    _install,
    _release,
    _size,
    _target_name,
    partial_path,
    reason,
)

CONNECT_TIMEOUT_S = 10.0  # a host silent this long (to connect, to answer, between reads)
RATE_WINDOW_S = 30.0  # the recent rate is averaged over this many seconds
MAX_REMAINING_S = 2 * 3600.0  # a source whose recent rate needs longer for the rest is given up
RESUME_ATTEMPTS = 3  # reconnections per source after a connection dropped part-way
RESUME_PAUSE_S = 2.0  # wait before reconnecting, e.g. while Wi-Fi comes back

ADVICE = {
    "certificate": (
        "  - certificate verification failed: Python cannot find the certificates that prove the"
        " server is genuine. On macOS with Python from python.org, run 'Install Certificates"
        ".command' in the Python folder (Applications/Python 3.x); elsewhere, pip install"
        " certifi and set SSL_CERT_FILE to the path that 'python -m certifi' prints. Behind"
        " a company proxy, ask for its root certificate. Never turn verification off; or"
    ),
    "network": (
        "  - check your internet connection and run this again (a partial download resumes"
        " where it stopped); or"
    ),
    "rejected": "  - a server sent other bytes than the published file: try again later; or",
}  # keys are the causes that ``Attempts.causes`` names


class Rejected(ValueError):
    """Bytes that are not the pinned file: they are deleted, never resumed."""


class _Announced(Rejected):
    """Headers that announce another file (say, a Wi-Fi login page): rejected before a byte is
    written, so the bytes kept from earlier are not at fault and stay."""


class TooSlow(Exception):
    """A source whose recent rate would take longer than ``MAX_REMAINING_S`` for the rest."""


class _Dropped(Exception):
    """The connection ended before the whole file arrived (closed, reset or silent)."""

    def __init__(self, message: str, progress: bool):
        super().__init__(message)
        self.progress = progress  # did any byte arrive over this connection?


@dataclass
class Attempts:
    """What ``download`` did: whether it succeeded, one line per source tried, and the kinds
    of failure met (keys of ``ADVICE``, or "not writable"), so that advice fits the cause."""

    ok: bool = False
    tried: list[str] = field(default_factory=list)
    causes: set[str] = field(default_factory=set)


def megabytes(size: int) -> str:
    """A size as people read it: "9.9 MB", or "29 kB" below 0.1 MB."""
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} kB"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's content, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class RateWatch:
    """The give-up rule for a slow source, fed the byte count as data arrives.

    No fixed deadline: a connection is judged from ``RATE_WINDOW_S`` seconds after it opened,
    on the rate averaged over the last ``RATE_WINDOW_S`` seconds. It is given up (``TooSlow``)
    when that rate would need more than ``MAX_REMAINING_S`` for the bytes still missing. A
    slow but steady download is waited for, and the nearer it is to the end the slower it may
    be; a trickle is given up within a window. (Complete silence is the socket's business: a
    read waits at most ``CONNECT_TIMEOUT_S``.) ``clock`` is injectable for tests.
    """

    def __init__(self, size: int, have: int, clock: Callable[[], float] = time.monotonic):
        self.size, self.clock = size, clock
        self.window_s, self.max_remaining_s = RATE_WINDOW_S, MAX_REMAINING_S
        self.samples = deque([(clock(), have)])  # (time, bytes held), the oldest first

    def update(self, have: int) -> None:
        """Record that ``have`` bytes are held now; raise ``TooSlow`` if the rule says so."""
        now = self.clock()
        self.samples.append((now, have))
        while len(self.samples) > 2 and self.samples[1][0] <= now - self.window_s:
            self.samples.popleft()  # keep one sample at, or just before, the window's start
        then, had = self.samples[0]
        if now - then < self.window_s:
            return  # the connection is younger than one window
        rate = (have - had) / (now - then)  # bytes per second
        missing = self.size - have
        if missing > rate * self.max_remaining_s:
            needs = f"{missing / rate / 3600:.1f} h" if rate else "forever"
            raise TooSlow(
                f"too slow: {rate / 1e3:.1f} kB/s over the last {now - then:.0f} s, so the "
                f"missing {megabytes(missing)} would take {needs} "
                f"(the limit is {self.max_remaining_s / 3600:g} h)"
            )


def _start(response: http.client.HTTPResponse, have: int, size: int) -> int | None:
    """Where the response's body goes in the file: 0 (the whole file), ``have`` (the rest, in a
    ``206 Partial Content``), or None for another range than asked for. Raises ``Rejected``
    (``_Announced``) if the headers announce another file."""
    start, expected = 0, size
    if response.status == 206:
        content_range = response.headers.get("Content-Range", "")
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range.strip())
        if not match or int(match[1]) != have:
            if have == 0:
                raise _Announced(f"the server sent part of the file ({content_range!r})")
            return None
        if int(match[2]) != size - 1 or match[3] not in ("*", str(size)):
            raise _Announced(f"the server's file has other bytes ({content_range}), not {size}")
        start, expected = have, size - have
    announced = (response.headers.get("Content-Length") or "").strip()
    if announced.isdigit() and int(announced) != expected:
        raise _Announced(f"the server announces {announced} bytes, expected {expected}")
    return start


def _transfer(url: str, work: Path, size: int, clock: Callable[[], float]) -> bool:
    """One request: append to ``work`` what ``url`` sends after the bytes it holds, asking
    for the rest with a Range header. Return whether it resumed (kept earlier bytes)."""
    have = work.stat().st_size
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=CONNECT_TIMEOUT_S)
    except urllib.error.HTTPError as error:
        if error.code != 416 or not have:
            raise
        print("  The server cannot resume this file (HTTP 416): starting over.")
        os.truncate(work, 0)
        return False
    with response:
        start = _start(response, have, size)
        if start != have:
            print("  The server cannot resume this file: starting over.")
        if start is None:
            os.truncate(work, 0)
            return False
        try:
            out = open(work, "r+b")
            out.truncate(start)
            out.seek(start)
        except OSError as error:
            raise CacheNotWritable(reason(error)) from error
        with out:
            held = _stream(response, out, start, size, _target_name(work), clock)
    if held < size:
        raise _Dropped(f"the connection closed after {held} of {size} bytes", held > start)
    return start > 0


def _stream(
    response: http.client.HTTPResponse,
    out: BinaryIO,
    start: int,
    size: int,
    label: str,
    clock: Callable[[], float],
) -> int:
    """Copy the response body into ``out`` with a progress bar; return the bytes now held."""
    watch, have = RateWatch(size, start, clock), start
    bar = tqdm(
        total=size,
        initial=start,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=label,
        leave=False,
    )
    with bar:  # shows the bytes held, the rate and the time left
        while True:
            try:
                chunk = response.read1(1 << 16)
            except (OSError, http.client.HTTPException) as error:
                raise _Dropped(f"the connection broke ({reason(error)})", have > start) from error
            if not chunk:
                return have
            if have + len(chunk) > size:
                raise Rejected(f"the server sent more than {size} bytes")
            try:
                out.write(chunk)
            except OSError as error:
                raise CacheNotWritable(reason(error)) from error
            have += len(chunk)
            bar.update(len(chunk))
            watch.update(have)


def _fill(url: str, work: Path, size: int, clock: Callable[[], float]) -> bool:
    """Bring ``work`` to ``size`` bytes from ``url``, reconnecting after a connection that
    dropped part-way (``RESUME_ATTEMPTS`` times at most). Return whether the file holds bytes
    from before the last connection (as it does when it needed none)."""
    if work.stat().st_size > size:
        os.truncate(work, 0)  # longer than the file: not a beginning of it
    resumed, drops = True, 0
    while work.stat().st_size < size:
        try:
            resumed = _transfer(url, work, size, clock)
        except _Dropped as drop:
            drops += 1
            if not drop.progress:
                raise
            if drops > RESUME_ATTEMPTS:
                raise _Dropped(f"{drop} (resumed {RESUME_ATTEMPTS} times)", True) from drop
            held = megabytes(work.stat().st_size)
            print(f"  {drop}: resuming at {held} ({drops} of {RESUME_ATTEMPTS} retries).")
            time.sleep(RESUME_PAUSE_S)
    return resumed


def _complete(url: str, work: Path, size: int, sha256: str, clock: Callable[[], float]) -> None:
    """Fill ``work`` from ``url`` and check its SHA-256. A resumed file that fails the check
    may hold bad earlier bytes, so it is deleted and fetched once more from the start."""
    for fresh in (False, True):
        resumed = _fill(url, work, size, clock)
        actual = sha256_of(work)
        if actual == sha256:
            return
        os.truncate(work, 0)  # wrong bytes are never resumed
        if fresh or not resumed:
            raise Rejected(f"sha256 {actual}, expected {sha256}")
        print("  The resumed file failed its SHA-256 check: deleted, downloading it again.")


def _failure(url: str, error: BaseException) -> tuple[str, str, bool]:
    """(cause, message, whether the whole host failed) for an error from ``url``."""
    host = urllib.parse.urlsplit(url).netloc
    if isinstance(error, urllib.error.HTTPError):
        return "network", str(error), False
    cause = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(cause, ssl.SSLCertVerificationError):
        return "certificate", f"{host}: certificate verification failed ({cause})", True
    if isinstance(cause, TimeoutError):
        return "network", f"{host} did not answer within {CONNECT_TIMEOUT_S:g} s ({cause})", True
    if isinstance(error, urllib.error.URLError):
        return "network", f"{host} did not answer ({reason(cause)})", True
    return "network", reason(error), False


def download(
    urls: Sequence[str],
    target: Path,
    size: int,
    sha256: str,
    *,
    failed_hosts: dict[str, tuple[str, str]],
    clock: Callable[[], float] = time.monotonic,
) -> Attempts:
    """Download ``target`` from the first of ``urls`` that delivers its exact bytes.

    Sources are tried in order, and each carries on from the bytes the previous ones left.
    ``target`` appears (atomically, with the permissions of the umask) only once its size and
    SHA-256 match. ``failed_hosts`` maps each host that did not answer, or failed certificate
    verification, to (cause, what happened); such a host is skipped. Pass one dict for all the
    files of a fetch, so that a dead host costs one wait, not one per file.
    """
    attempts, work = Attempts(), None
    try:
        for url in urls:
            host = urllib.parse.urlsplit(url).netloc
            if host in failed_hosts:
                cause, message = failed_hosts[host]
                attempts.tried.append(f"{url}: skipped, failed for an earlier file ({message})")
                attempts.causes.add(cause)
                continue
            print(f"Downloading {target.parent.name}/{target.name} ({megabytes(size)}) from {url}")
            try:
                if work is None:
                    work = _claim(target)
                if held := _size(work):
                    print(f"  Resuming after the {megabytes(held)} kept from an earlier try.")
                _complete(url, work, size, sha256, clock)
                _install(work, target)
            except CacheNotWritable as error:  # every URL would meet the same folder
                print(f"  Failed: cannot write {target.parent} ({error}).")
                attempts.tried.append(
                    f"{url}: not downloaded, cannot write {target.parent} ({error})"
                )
                attempts.causes.add("not writable")
                break
            except Rejected as error:  # wrong bytes: say so at once, the source may be bad
                if not isinstance(error, _Announced):
                    with contextlib.suppress(OSError):
                        os.truncate(work, 0)  # wrong bytes are never resumed
                print(f"  Rejected, not the expected file: {error}.")
                attempts.tried.append(f"{url}: download rejected ({error})")
                attempts.causes.add("rejected")
            except (OSError, ValueError, http.client.HTTPException, TooSlow, _Dropped) as error:
                cause, message, whole_host = _failure(url, error)
                if whole_host:
                    failed_hosts[host] = (cause, message)
                print(f"  Failed: {message}")
                attempts.tried.append(f"{url}: {message}")
                attempts.causes.add(cause)
            else:
                attempts.ok, work = True, None
                return attempts
        if work is not None and (held := _size(work)):
            attempts.tried.append(
                f"{megabytes(held)} of {megabytes(size)} kept in {partial_path(target)}: "
                "the next try resumes from there"
            )
        return attempts
    finally:
        if work is not None:
            _release(work, target)
