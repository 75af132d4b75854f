"""helpers.datasets: cache, mirrors, verified downloads, clear errors, and every loader.

No test reaches the network: downloads come from a local HTTP server on 127.0.0.1, and any
other URL is refused by the ``no_network`` fixture. Every test has its own cache folder.
"""

import gzip
import hashlib
import io
import os
import pickle
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from helpers import cache_files, downloads
from helpers import datasets as ds
from helpers.datasets import fetching, loaders
from helpers.datasets.__main__ import main as datasets_main

# conftest.py points this at the offline mirror when it exists; read before tests unset it.
REAL_MIRROR = os.environ.get("DLCOURSE_DATA_MIRROR", "")
HAS_MIRROR = bool(REAL_MIRROR) and all(
    (Path(m) / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()
    for m in REAL_MIRROR.split(os.pathsep)[:1]
)
needs_mirror = pytest.mark.skipif(not HAS_MIRROR, reason="offline dataset mirror not available")

PAYLOAD = b"course data " * 1000
GOOD = ds.RemoteFile("toy.bin", len(PAYLOAD), hashlib.sha256(PAYLOAD).hexdigest(), ())


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A fresh cache per test, no mirror, no remembered hashes, and no real network."""
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DLCOURSE_DATA_MIRROR", raising=False)
    monkeypatch.setattr(fetching, "_verified", {})
    monkeypatch.setattr(downloads, "RESUME_PAUSE_S", 0)
    real_urlopen = urllib.request.urlopen

    def local_only(url, *args, **kwargs):
        if not getattr(url, "full_url", str(url)).startswith("http://127.0.0.1:"):
            raise urllib.error.URLError("network disabled in tests")
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", local_only)


@pytest.fixture
def server():
    """A local HTTP server; ``routes[path] = (status, body, declared Content-Length)``, or a
    function of the request handler for hostile behaviour. ``hits`` lists the paths asked for,
    ``headers`` the requests' headers."""
    routes: dict[str, tuple[int, bytes, int]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            httpd.hits.append(self.path)
            httpd.headers.append(self.headers)
            if callable(routes.get(self.path)):
                routes[self.path](self)
                return
            status, body, length = routes.get(self.path, (404, b"", 0))
            self.send_response(status)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    httpd.routes, httpd.hits, httpd.headers = routes, [], []
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def toy(monkeypatch, *urls: str) -> ds.RemoteFile:
    """Register a one-file dataset "toy" with the given URLs."""
    remote = ds.RemoteFile(GOOD.name, GOOD.size, GOOD.sha256, tuple(urls))
    monkeypatch.setitem(ds.REGISTRY, "toy", ds.Dataset("toy", "test", "none", "none", (remote,)))
    return remote


def put(folder: Path, data: bytes) -> Path:
    path = folder / "toy" / GOOD.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def no_download(*args, **kwargs):
    raise AssertionError("must not download")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


# ----------------------------------------------------------------------------- cache
def test_cache_dir_follows_env(tmp_path, monkeypatch):
    assert ds.cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("DLCOURSE_DATA_DIR")
    assert "dlcourse" in str(ds.cache_dir())


def test_cache_hit_does_not_download(monkeypatch):
    toy(monkeypatch, "http://127.0.0.1:1/never")
    cached = put(ds.cache_dir(), PAYLOAD)
    monkeypatch.setattr(downloads, "download", no_download)
    assert ds.fetch("toy", "toy.bin") == cached


def test_hash_computed_once_per_process_but_size_always_checked(monkeypatch, server, capsys):
    server.routes["/toy.bin"] = (200, PAYLOAD, len(PAYLOAD))
    toy(monkeypatch, server.url + "/toy.bin")
    cached = put(ds.cache_dir(), PAYLOAD)
    calls = []
    real_sha256 = fetching._sha256
    monkeypatch.setattr(fetching, "_sha256", lambda p: calls.append(p) or real_sha256(p))
    assert ds.fetch("toy", "toy.bin") == cached
    assert ds.fetch("toy", "toy.bin") == cached
    assert len(calls) == 1  # remembered for this process
    with open(cached, "r+b") as f:  # truncate: the memory must not hide it
        f.truncate(100)
    assert ds.fetch("toy", "toy.bin") == cached
    assert cached.read_bytes() == PAYLOAD
    assert "corrupt (size 100 bytes" in capsys.readouterr().out


def test_same_size_change_with_mtime_kept_is_caught_by_a_new_process(monkeypatch, server, capsys):
    """Bit rot or ``rsync --inplace -t``: same size, same mtime, other bytes."""
    server.routes["/toy.bin"] = (200, PAYLOAD, len(PAYLOAD))
    toy(monkeypatch, server.url + "/toy.bin")
    cached = ds.fetch("toy", "toy.bin")  # downloaded and verified
    stat = cached.stat()
    with open(cached, "r+b") as f:
        f.write(b"!")
    os.utime(cached, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    monkeypatch.setattr(fetching, "_verified", {})  # as in a new Python process
    assert ds.fetch("toy", "toy.bin").read_bytes() == PAYLOAD
    assert "is corrupt (sha256" in capsys.readouterr().out


def test_a_forged_marker_is_not_trusted(monkeypatch, capsys):
    """Older versions trusted ``<file>.sha256-ok``; anyone who can write the cache can forge it."""
    remote = toy(monkeypatch)
    bad = PAYLOAD[:-1] + b"!"
    cached = put(ds.cache_dir(), bad)
    stat = cached.stat()
    marker = cached.with_name(cached.name + ".sha256-ok")
    marker.write_text(f"{stat.st_size} {stat.st_mtime_ns} {remote.sha256}")
    with pytest.raises(ds.DatasetUnavailable, match="corrupt"):
        ds.fetch("toy", "toy.bin")


def test_corrupt_cached_file_detected_and_replaced(monkeypatch, server, capsys):
    server.routes["/toy.bin"] = (200, PAYLOAD, len(PAYLOAD))
    toy(monkeypatch, server.url + "/toy.bin")
    bad = PAYLOAD[:-1] + b"!"  # same size, different bytes
    cached = put(ds.cache_dir(), bad)
    assert ds.fetch("toy", "toy.bin") == cached
    assert cached.read_bytes() == PAYLOAD
    assert "is corrupt (sha256" in capsys.readouterr().out


# ----------------------------------------------------------------------------- mirrors
def test_mirror_hit_used_in_place(tmp_path, monkeypatch):
    toy(monkeypatch, "http://127.0.0.1:1/never")
    mirror = tmp_path / "mirror"
    path = put(mirror, PAYLOAD)
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", str(mirror))
    monkeypatch.setattr(downloads, "download", no_download)
    assert ds.fetch("toy", "toy.bin") == path
    assert leftovers(mirror) == ["toy", "toy.bin"]  # nothing written there
    assert leftovers(ds.cache_dir()) == []  # and nothing copied


def test_several_mirrors_searched_in_order(tmp_path, monkeypatch, capsys):
    toy(monkeypatch, "http://127.0.0.1:1/never")
    empty, corrupt, good = tmp_path / "empty", tmp_path / "corrupt", tmp_path / "good"
    empty.mkdir()
    put(corrupt, PAYLOAD[:-1] + b"!")
    path = put(good, PAYLOAD)
    dirs = [tmp_path / "missing", empty, corrupt, good]
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", os.pathsep.join(map(str, dirs)))
    monkeypatch.setattr(downloads, "download", no_download)
    assert ds.fetch("toy", "toy.bin") == path
    assert "Mirror file" in capsys.readouterr().out
    assert (corrupt / "toy" / "toy.bin").read_bytes() == PAYLOAD[:-1] + b"!"  # untouched


def test_corrupt_mirror_file_falls_back_to_download(tmp_path, monkeypatch, server):
    server.routes["/toy.bin"] = (200, PAYLOAD, len(PAYLOAD))
    toy(monkeypatch, server.url + "/toy.bin")
    put(tmp_path / "mirror", PAYLOAD[:10])
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", str(tmp_path / "mirror"))
    assert ds.fetch("toy", "toy.bin") == ds.cache_dir() / "toy" / "toy.bin"


# ----------------------------------------------------------------------------- downloads
def test_download_verified_then_cached(monkeypatch, server):
    server.routes["/toy.bin"] = (200, PAYLOAD, len(PAYLOAD))
    toy(monkeypatch, server.url + "/toy.bin")
    path = ds.fetch("toy", "toy.bin")
    assert path == ds.cache_dir() / "toy" / "toy.bin" and path.read_bytes() == PAYLOAD
    assert leftovers(path.parent) == ["toy.bin"]  # no temp file, no marker


def test_fallback_url_after_failed_one(monkeypatch, server):
    server.routes["/good/toy.bin"] = (200, PAYLOAD, len(PAYLOAD))
    toy(monkeypatch, server.url + "/gone/toy.bin", server.url + "/good/toy.bin")
    assert ds.fetch("toy", "toy.bin").read_bytes() == PAYLOAD


@pytest.mark.parametrize(
    "body, length",
    [
        (PAYLOAD[:-1] + b"!", len(PAYLOAD)),  # right size, wrong bytes
        (PAYLOAD[:500], 500),  # truncated, honest header
        (PAYLOAD[:500], len(PAYLOAD)),  # connection dropped mid-way
        (PAYLOAD + b"extra", len(PAYLOAD) + 5),  # too long
    ],
    ids=["wrong-bytes", "short", "dropped", "long"],
)
def test_bad_download_rejected_not_cached(monkeypatch, server, capsys, body, length):
    server.routes["/toy.bin"] = (200, body, length)
    toy(monkeypatch, server.url + "/toy.bin")
    with pytest.raises(ds.DatasetUnavailable, match="toy.bin"):
        ds.fetch("toy", "toy.bin")
    if body == PAYLOAD[:500] and length == len(PAYLOAD):  # dropped: kept for resuming
        assert leftovers(ds.cache_dir()) == ["toy", "toy.bin.partial"]
        assert len(server.hits) == 1 + downloads.RESUME_ATTEMPTS  # retried, then given up
    else:
        assert leftovers(ds.cache_dir()) == []  # no file, no temp, no empty folder


def test_wrong_bytes_reported(monkeypatch, server, capsys):
    server.routes["/toy.bin"] = (200, PAYLOAD[:-1] + b"!", len(PAYLOAD))
    toy(monkeypatch, server.url + "/toy.bin")
    with pytest.raises(ds.DatasetUnavailable, match="download rejected"):
        ds.fetch("toy", "toy.bin")
    assert "Rejected, not the expected file" in capsys.readouterr().out


# ----------------------------------------------------------------------------- hostile servers
def endless(sent: dict, limit: int = 100_000_000):
    """A handler streaming up to ``limit`` bytes with no length announced; counts what got out."""

    def handler(request):
        request.send_response(200)
        request.send_header("Connection", "close")
        request.end_headers()
        sent["bytes"], block = 0, b"x" * (1 << 16)
        try:
            while sent["bytes"] < limit:
                request.wfile.write(block)
                sent["bytes"] += len(block)
        except OSError:  # the client hung up
            pass
        sent["done"] = True

    return handler


def test_announced_length_is_checked_before_reading(monkeypatch, server, capsys):
    sent = {}
    huge = endless(sent)

    def announces_400_mb(request):
        request.send_response(200)
        request.send_header("Content-Length", str(400_000_000))
        request.end_headers()
        huge(request)

    server.routes["/toy.bin"] = announces_400_mb
    toy(monkeypatch, server.url + "/toy.bin")
    with pytest.raises(ds.DatasetUnavailable, match="announces 400000000 bytes"):
        ds.fetch("toy", "toy.bin")
    assert leftovers(ds.cache_dir()) == []


def test_reading_stops_past_the_expected_size(monkeypatch, server):
    sent = {}
    server.routes["/toy.bin"] = endless(sent)
    toy(monkeypatch, server.url + "/toy.bin")
    with pytest.raises(ds.DatasetUnavailable, match=f"more than {GOOD.size} bytes"):
        ds.fetch("toy", "toy.bin")
    for _ in range(100):  # the server notices the hang-up within a few writes
        if sent.get("done"):
            break
        threading.Event().wait(0.05)
    assert sent["bytes"] < 20_000_000  # kernel buffers at most, not the whole 100 MB
    assert leftovers(ds.cache_dir()) == []


def test_a_trickling_server_is_given_up(monkeypatch, server):
    def trickle(request):
        request.send_response(200)
        request.send_header("Content-Length", str(GOOD.size))
        request.end_headers()
        try:
            for byte in PAYLOAD[:100]:  # bounded: 100 bytes, one every 0.1 s
                request.wfile.write(bytes([byte]))
                request.wfile.flush()
                threading.Event().wait(0.1)
        except OSError:
            pass

    server.routes["/toy.bin"] = trickle
    toy(monkeypatch, server.url + "/toy.bin")
    monkeypatch.setattr(downloads, "RATE_WINDOW_S", 0.5)  # 10 B/s would need 20 min for
    monkeypatch.setattr(downloads, "MAX_REMAINING_S", 60)  # the rest: more than the limit
    start = time.monotonic()
    with pytest.raises(ds.DatasetUnavailable, match="too slow"):
        ds.fetch("toy", "toy.bin")
    assert time.monotonic() - start < 3
    assert leftovers(ds.cache_dir()) == ["toy", "toy.bin.partial"]  # what came is kept


def test_a_host_that_does_not_answer_is_given_up_quickly_and_once(monkeypatch):
    silent = socket.socket()  # accepts connections (the kernel does) but never replies
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    files = tuple(
        ds.RemoteFile(f"f{i}.bin", GOOD.size, GOOD.sha256, (f"{url}/f{i}.bin",)) for i in (1, 2)
    )
    monkeypatch.setitem(ds.REGISTRY, "toy", ds.Dataset("toy", "test", "none", "none", files))
    monkeypatch.setattr(downloads, "CONNECT_TIMEOUT_S", 0.3)
    start = time.monotonic()
    try:
        with pytest.raises(ds.DatasetUnavailable) as info:
            ds.prefetch(["toy"])
    finally:
        silent.close()
    assert time.monotonic() - start < 2  # one short wait, not one per file
    assert "did not answer" in str(info.value) and "timed out" in str(info.value)


def test_stale_partial_files_are_swept(monkeypatch, server):
    server.routes["/toy.bin"] = (200, PAYLOAD, len(PAYLOAD))
    toy(monkeypatch, server.url + "/toy.bin")
    folder = ds.cache_dir() / "toy"
    folder.mkdir(parents=True)
    stale, live = folder / "toy.bin.k1ll3d.part", folder / "toy.bin.l1v3.part"
    stale.write_bytes(b"left by a killed download")
    live.write_bytes(b"another process is downloading")
    old = time.time() - 2 * cache_files.STALE_PART_S
    os.utime(stale, (old, old))
    ds.fetch("toy", "toy.bin")  # the stale one is resumed: the server sends all, so it is replaced
    assert not stale.exists() and live.exists()
    assert leftovers(folder) == ["toy.bin", "toy.bin.l1v3.part"]
    assert server.headers[0]["Range"] == f"bytes={len(b'left by a killed download')}-"


def test_a_killed_download_leaves_nothing_for_good(monkeypatch, server, tmp_path):
    """SIGKILL can not be caught: the next run sweeps what the killed one left."""

    def stall(request):
        request.send_response(200)
        request.send_header("Content-Length", str(GOOD.size))
        request.end_headers()
        request.wfile.write(PAYLOAD[:100])
        request.wfile.flush()
        threading.Event().wait(5)

    server.routes["/toy.bin"] = stall
    code = (
        "from helpers import datasets as ds\n"
        f"ds.REGISTRY['toy'] = ds.Dataset('toy', '', '', '', (ds.RemoteFile("
        f"'toy.bin', {GOOD.size}, {GOOD.sha256!r}, ({server.url + '/toy.bin'!r},)),))\n"
        "ds.fetch('toy', 'toy.bin')\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ))
    folder = ds.cache_dir() / "toy"
    for _ in range(200):
        if list(folder.glob("*.part")):
            break
        threading.Event().wait(0.025)
    child.kill()
    child.wait()
    parts = list(folder.glob("*.part"))
    assert parts  # the killed download left its partial file
    old = time.time() - 2 * cache_files.STALE_PART_S
    os.utime(parts[0], (old, old))
    server.routes["/toy.bin"] = (200, PAYLOAD, len(PAYLOAD))
    toy(monkeypatch, server.url + "/toy.bin")
    ds.fetch("toy", "toy.bin")
    assert leftovers(folder) == ["toy.bin"]


# ----------------------------------------------------------------------------- permissions
def test_downloads_respect_the_umask(monkeypatch, server):
    server.routes["/toy.bin"] = (200, PAYLOAD, len(PAYLOAD))
    toy(monkeypatch, server.url + "/toy.bin")
    for umask, mode in ((0o022, 0o644), (0o002, 0o664)):
        previous = os.umask(umask)
        try:
            path = ds.fetch("toy", "toy.bin")
        finally:
            os.umask(previous)
        assert path.stat().st_mode & 0o777 == mode
        path.unlink()


def refuse(monkeypatch, *targets: Path) -> None:
    """Make reading ``targets`` fail as without read permission (tests may run as root)."""
    real = fetching._sha256

    def guarded(path):
        if Path(path) in targets:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(fetching, "_sha256", guarded)


def test_unreadable_cache_and_mirror_files_fall_through(tmp_path, monkeypatch):
    toy(monkeypatch, "http://127.0.0.1:1/never")
    cached = put(ds.cache_dir(), PAYLOAD)
    locked, good = put(tmp_path / "locked", PAYLOAD), put(tmp_path / "good", PAYLOAD)
    mirrors = os.pathsep.join(str(tmp_path / name) for name in ("locked", "good"))
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", mirrors)
    refuse(monkeypatch, cached, locked)
    assert ds.fetch("toy", "toy.bin") == good
    assert cached.exists()  # not deleted: it may be fine, only unreadable to us


def test_unreadable_everything_ends_in_advice_about_permissions(tmp_path, monkeypatch):
    toy(monkeypatch, "http://127.0.0.1:1/never")
    cached = put(ds.cache_dir(), PAYLOAD)
    refuse(monkeypatch, cached)
    monkeypatch.setattr(tempfile, "mkstemp", no_write)
    with pytest.raises(ds.DatasetUnavailable) as info:
        ds.fetch("toy", "toy.bin")
    text = str(info.value)
    assert f"cache {cached}: cannot be read (Permission denied)" in text
    assert "permission" in text.lower() and "DLCOURSE_DATA_DIR" in text
    assert "internet connection" not in text


def no_write(*args, **kwargs):
    raise PermissionError(13, "Permission denied", str(kwargs.get("dir", "")))


def test_read_only_cache_says_what_it_could_not_do(monkeypatch, capsys):
    toy(monkeypatch, "http://127.0.0.1:1/never")
    cached = put(ds.cache_dir(), PAYLOAD[:-1] + b"!")
    real_unlink = Path.unlink

    def read_only(self, *args, **kwargs):
        if self.parent == cached.parent:
            raise PermissionError(13, "Permission denied", str(self))
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", read_only)
    monkeypatch.setattr(tempfile, "mkstemp", no_write)
    with pytest.raises(ds.DatasetUnavailable) as info:
        ds.fetch("toy", "toy.bin")
    out, text = capsys.readouterr().out, str(info.value)
    assert "removed, fetching it again" not in out and "), removed" not in text
    assert "could not be removed" in text and "cannot write" in text
    assert "internet connection" not in text and "DLCOURSE_DATA_DIR" in text


def test_mirror_messages_say_what_is_wrong_with_the_folder(tmp_path, monkeypatch):
    toy(monkeypatch, "http://127.0.0.1:1/never")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("not a folder")
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", os.pathsep.join(["missing", "a_file"]))
    with pytest.raises(ds.DatasetUnavailable) as info:
        ds.fetch("toy", "toy.bin")
    text = str(info.value)
    assert f"mirror {tmp_path / 'missing'}: the folder does not exist" in text
    assert f"mirror {tmp_path / 'a_file'}: is a file, not a folder" in text


# ----------------------------------------------------------------------------- arguments
def test_prefetch_takes_one_name_as_a_string(monkeypatch):
    toy(monkeypatch, "http://127.0.0.1:1/toy.bin")
    with pytest.raises(ds.DatasetUnavailable, match="'toy'"):
        ds.prefetch("toy")  # not 't', 'o', 'y'


@pytest.mark.parametrize("quick", ["no", 1, "False"])
def test_quick_must_be_a_boolean(quick):
    for loader in (ds.load_mnist, ds.load_cifar10):
        with pytest.raises(TypeError, match="quick must be True, False or None"):
            loader(quick=quick)


# ----------------------------------------------------------------------------- errors
def test_offline_error_says_what_was_tried_and_what_to_do(tmp_path, monkeypatch):
    urls = ("http://127.0.0.1:1/a/toy.bin", "http://127.0.0.1:1/b/toy.bin")
    toy(monkeypatch, *urls)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", str(mirror))
    with pytest.raises(ds.DatasetUnavailable) as info:
        ds.fetch("toy", "toy.bin")
    text = str(info.value)
    assert isinstance(info.value, RuntimeError)
    for needle in (
        "'toy'",
        "toy.bin",
        str(ds.cache_dir() / "toy" / "toy.bin"),
        str(mirror / "toy" / "toy.bin"),
        *urls,
        "refused",
        "internet connection",
        f"put the files in {ds.cache_dir() / 'toy'}",
        "DLCOURSE_DATA_MIRROR",
    ):
        assert needle in text, needle


def test_error_names_unset_mirror(monkeypatch):
    toy(monkeypatch, "http://127.0.0.1:1/toy.bin")
    with pytest.raises(ds.DatasetUnavailable, match="DLCOURSE_DATA_MIRROR is not set"):
        ds.fetch("toy", "toy.bin")


def test_unknown_names_listed():
    with pytest.raises(ValueError, match="Known datasets: mnist, cifar10, sonar"):
        ds.fetch("minst", "x")
    with pytest.raises(ValueError, match="Its files: sonar.csv"):
        ds.fetch("sonar", "sonar.txt")
    with pytest.raises(ValueError, match="Unknown dataset 'nope'"):
        ds.prefetch(["sonar", "nope"])


def test_registry_is_complete():
    assert set(ds.REGISTRY) == {
        "mnist",
        "cifar10",
        "sonar",
        "telco_churn",
        "airline_passengers",
        "daily_min_temperatures",
    }
    for entry in ds.REGISTRY.values():
        assert entry.licence and entry.citation and entry.files
        for f in entry.files:
            assert f.size > 0 and len(f.sha256) == 64
            assert len(set(f.urls)) == len(f.urls) == 2  # the official source, then a mirror
            assert all(u.startswith("https://") for u in f.urls)
            assert all(u.rsplit("/", 1)[-1] == f.name for u in f.urls)
    sonar = ds.REGISTRY["sonar"].files[0].urls
    assert sonar == (
        "https://raw.githubusercontent.com/jbrownlee/Datasets/master/sonar.csv",
        "https://cdn.jsdelivr.net/gh/jbrownlee/Datasets@master/sonar.csv",
    )


# ----------------------------------------------------------------------------- CIFAR-10
def fake_cifar_tarball(path: Path, per_batch: int = 20) -> None:
    """A tarball laid out like cifar-10-binary.tar.gz (1 label byte + 3,072 pixel bytes per
    image, channel planes R, G, B), with images whose first pixel encodes their batch."""
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for k, name in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
            records = np.zeros((per_batch, 1 + 3 * 1024), np.uint8)
            records[:, 0] = np.arange(per_batch) % 10
            records[:, 1], records[:, 1025], records[:, 2049] = k, 100 + k, 200 + k
            blob = records.tobytes()
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}.bin")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


def test_load_cifar10_reads_tarball(tmp_path, monkeypatch):
    fake_cifar_tarball(tmp_path / "c.tar.gz")
    monkeypatch.setattr(loaders, "fetch", lambda *args: tmp_path / "c.tar.gz")
    (x_train, y_train), (x_test, y_test) = ds.load_cifar10(quick=False)
    assert x_train.shape == (100, 32, 32, 3) and x_test.shape == (20, 32, 32, 3)
    assert x_train.dtype == y_train.dtype == np.uint8
    assert tuple(x_train[0, 0, 0]) == (0, 100, 200)  # channels last, R G B
    assert tuple(x_test[0, 0, 0]) == (5, 105, 205)
    assert tuple(x_train[0, 0, 1]) == (0, 0, 0)
    assert y_train[:12].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert set(y_test) == set(range(10)) and len(ds.CIFAR10_CLASSES) == 10


def test_cifar10_binary_layout_is_checked(tmp_path):
    good = np.zeros((2, 3073), np.uint8).tobytes()
    with pytest.raises(ValueError, match="not a whole number of 3,073-byte records"):
        ds.read_cifar10_batch(good[:-1], "data_batch_1.bin")
    bad_label = bytearray(good)
    bad_label[3073] = 10
    with pytest.raises(ValueError, match="labels must be 0 to 9"):
        ds.read_cifar10_batch(bytes(bad_label), "data_batch_1.bin")
    path = tmp_path / "partial.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("cifar-10-batches-bin/data_batch_1.bin")
        info.size = len(good)
        tar.addfile(info, io.BytesIO(good))
    with pytest.raises(ValueError, match="misses data_batch_2.bin"):
        ds.read_cifar10_tarball(path)


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_a_forged_cifar10_file_is_never_parsed(tmp_path, monkeypatch):
    """A tarball holding a malicious pickle, with a forged marker, in place of the real file."""
    monkeypatch.chdir(tmp_path)
    blob = pickle.dumps({b"data": _Payload(), b"labels": []})
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(forged, "w:gz") as tar:
        for name in ("cifar-10-batches-py/data_batch_1", "cifar-10-batches-bin/data_batch_1.bin"):
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    remote = ds.REGISTRY["cifar10"].files[0]
    data = forged.read_bytes()
    monkeypatch.setitem(
        ds.REGISTRY,
        "cifar10",
        ds.Dataset(
            "cifar10", "", "", "", (ds.RemoteFile(remote.name, len(data), remote.sha256, ()),)
        ),
    )
    cached = ds.cache_dir() / "cifar10" / remote.name
    cached.parent.mkdir(parents=True)
    cached.write_bytes(data)
    stat = cached.stat()
    cached.with_name(cached.name + ".sha256-ok").write_text(
        f"{stat.st_size} {stat.st_mtime_ns} {remote.sha256}"
    )
    with pytest.raises(ds.DatasetUnavailable, match="corrupt"):
        ds.load_cifar10(quick=False)
    assert not (tmp_path / "PWNED").exists()
    assert remote.name == "cifar-10-binary.tar.gz" and remote.size == 170052171
    assert remote.urls[0] == "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"


def test_load_cifar10_quick_subset(tmp_path, monkeypatch, capsys):
    fake_cifar_tarball(tmp_path / "c.tar.gz", per_batch=1200)
    monkeypatch.setattr(loaders, "fetch", lambda *args: tmp_path / "c.tar.gz")
    (x_train, y_train), (x_test, y_test) = ds.load_cifar10(quick=True)
    assert x_train.shape == (5000, 32, 32, 3) and x_test.shape == (1000, 32, 32, 3)
    assert np.bincount(y_train).tolist() == [500] * 10  # stratified
    assert "5,000 train / 1,000 test" in capsys.readouterr().out


def test_cifar_stand_in_only_in_quick_mode(capsys):
    with pytest.warns(ds.StandInWarning, match="GENERATED STAND-IN"):
        (x_train, y_train), (x_test, y_test) = ds.load_cifar10(quick=True)
    assert "means nothing" in capsys.readouterr().out
    assert x_train.shape == (5000, 32, 32, 3) and x_test.shape == (1000, 32, 32, 3)
    assert x_train.dtype == x_test.dtype == y_train.dtype == np.uint8
    assert set(y_train) == set(range(10))
    assert issubclass(ds.StandInWarning, UserWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ds.DatasetUnavailable, match="cifar-10-binary.tar.gz"):
            ds.load_cifar10(quick=False)


# ----------------------------------------------------------------------------- IDX + MNIST
def idx_bytes(array: np.ndarray, code: int) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.tobytes()


def test_read_idx(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "i.gz").write_bytes(gzip.compress(idx_bytes(images, 0x08)))
    out = ds.read_idx(tmp_path / "i.gz")
    np.testing.assert_array_equal(out, images)
    assert out.dtype == np.uint8 and out.flags.writeable
    ints = np.array([1, -2, 70000], ">i4")
    (tmp_path / "n.idx").write_bytes(idx_bytes(ints, 0x0C))
    out = ds.read_idx(tmp_path / "n.idx")
    np.testing.assert_array_equal(out, [1, -2, 70000])
    assert out.dtype == np.int32
    (tmp_path / "bad.idx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        ds.read_idx(tmp_path / "bad.idx")
    (tmp_path / "short.idx").write_bytes(idx_bytes(images, 0x08)[:-1])
    with pytest.raises(ValueError, match="do not fill shape"):
        ds.read_idx(tmp_path / "short.idx")


@pytest.fixture
def real_mirror(monkeypatch):
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", REAL_MIRROR)


@needs_mirror
def test_load_mnist_quick(real_mirror, capsys):
    (x_train, y_train), (x_test, y_test) = ds.load_mnist(quick=True)
    assert "official 10,000-image test set" in capsys.readouterr().out
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    assert set(y_train) == set(y_test) == set(range(10))
    train_share, test_share = np.bincount(y_train) / 8000, np.bincount(y_test) / 2000
    assert np.abs(train_share - test_share).max() < 0.002  # stratified
    again = ds.load_mnist(quick=True)[0][0]
    np.testing.assert_array_equal(again, x_train)  # same split on every run
    assert leftovers(ds.cache_dir()) == []  # read from the mirror in place


@needs_mirror
def test_load_mnist_full_from_the_mirror(real_mirror):
    """The real 60k/10k split, whichever form the mirror holds (it has the decompressed
    training images): MNIST's well-known pixel mean and standard deviation."""
    (x_train, y_train), (x_test, y_test) = ds.load_mnist(quick=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and np.bincount(y_train).sum() == 60000
    scaled = x_train / 255.0
    assert abs(scaled.mean() - 0.13066) < 5e-5 and abs(scaled.std() - 0.30811) < 5e-5
    assert leftovers(ds.cache_dir()) == []  # read from the mirror in place


# ----------------------------------------------------------------------------- .gz or not
IMAGES = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
LABELS = np.array([7, 0, 9], np.uint8)


def packed_pair(monkeypatch, server=None) -> dict[str, bytes]:
    """Register a dataset "digits" of two IDX files published as .gz, each with the digest of
    its decompressed form, as MNIST's are. Returns every form's bytes by file name."""
    raw = {"img-idx3-ubyte": idx_bytes(IMAGES, 0x08), "lbl-idx1-ubyte": idx_bytes(LABELS, 0x08)}
    data, files = {}, []
    for name, content in raw.items():
        packed = gzip.compress(content, mtime=0)
        data[name], data[name + ".gz"] = content, packed
        urls = (f"{server.url}/{name}.gz",) if server else ()
        if server:
            server.routes[f"/{name}.gz"] = (200, packed, len(packed))
        unpacked = ds.Unpacked(name, len(content), hashlib.sha256(content).hexdigest())
        sha = hashlib.sha256(packed).hexdigest()
        files.append(ds.RemoteFile(name + ".gz", len(packed), sha, urls, unpacked))
    entry = ds.Dataset("digits", "test", "none", "none", tuple(files), other_layouts=("D/raw",))
    monkeypatch.setitem(ds.REGISTRY, "digits", entry)
    return data


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def read_pair(paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    return tuple(ds.read_idx(p) for p in paths)


def test_the_decompressed_form_is_used_and_reads_to_the_same_arrays(tmp_path, monkeypatch):
    data = packed_pair(monkeypatch)
    names = ["img-idx3-ubyte.gz", "lbl-idx1-ubyte.gz"]
    packed, unpacked = tmp_path / "packed", tmp_path / "unpacked"
    for name in names:
        write(packed / "digits", name, data[name])
        write(unpacked / "digits", name[:-3], data[name[:-3]])
    monkeypatch.setattr(downloads, "download", no_download)
    arrays = {}
    for mirror in (packed, unpacked):
        monkeypatch.setenv("DLCOURSE_DATA_MIRROR", str(mirror))
        paths = fetching._fetch_all("digits", names)
        assert [p.parent for p in paths] == [mirror / "digits"] * 2
        arrays[mirror] = read_pair(paths)
    assert [p.name for p in fetching._fetch_all("digits", names)] == [n[:-3] for n in names]
    for a, b, want in zip(arrays[packed], arrays[unpacked], (IMAGES, LABELS), strict=True):
        np.testing.assert_array_equal(a, want)
        np.testing.assert_array_equal(b, want)


def test_a_mix_of_forms_across_cache_and_mirror(tmp_path, monkeypatch):
    data = packed_pair(monkeypatch)
    cache = ds.cache_dir() / "digits"
    write(cache, "lbl-idx1-ubyte.gz", data["lbl-idx1-ubyte.gz"])  # published form, cached
    mirror = tmp_path / "mirror"
    write(mirror / "digits", "img-idx3-ubyte", data["img-idx3-ubyte"])  # decompressed, mirror
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", str(mirror))
    monkeypatch.setattr(downloads, "download", no_download)
    images, labels = fetching._fetch_all("digits", ["img-idx3-ubyte.gz", "lbl-idx1-ubyte.gz"])
    assert images == mirror / "digits" / "img-idx3-ubyte"
    assert labels == cache / "lbl-idx1-ubyte.gz"
    np.testing.assert_array_equal(ds.read_idx(images), IMAGES)
    np.testing.assert_array_equal(ds.read_idx(labels), LABELS)
    write(cache, "img-idx3-ubyte", data["img-idx3-ubyte"])  # a decompressed copy in the cache
    assert ds.fetch("digits", "img-idx3-ubyte.gz") == cache / "img-idx3-ubyte"  # cache first


@pytest.mark.parametrize("layout", ["D/raw", "."])
def test_other_tools_folders_work_as_mirrors(tmp_path, monkeypatch, layout):
    """torchvision keeps <root>/MNIST/raw/<decompressed files>: that root, or the raw folder
    itself, is a mirror as it stands."""
    data = packed_pair(monkeypatch)
    root = tmp_path / "root"
    path = write(root / layout, "img-idx3-ubyte", data["img-idx3-ubyte"])
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", str(root))
    monkeypatch.setattr(downloads, "download", no_download)
    assert ds.fetch("digits", "img-idx3-ubyte.gz").resolve() == path.resolve()


@pytest.mark.parametrize("damage", ["truncated", "same size"])
def test_a_corrupt_decompressed_file_is_caught(tmp_path, monkeypatch, server, capsys, damage):
    data = packed_pair(monkeypatch, server)
    good = data["img-idx3-ubyte"]
    bad = good[:-1] if damage == "truncated" else good[:-1] + bytes([good[-1] ^ 1])
    mirror = tmp_path / "mirror"
    write(mirror / "digits", "img-idx3-ubyte", bad)
    cached = write(ds.cache_dir() / "digits", "img-idx3-ubyte", bad)
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", str(mirror))
    path = ds.fetch("digits", "img-idx3-ubyte.gz")
    out = capsys.readouterr().out
    assert path == ds.cache_dir() / "digits" / "img-idx3-ubyte.gz"  # downloaded instead
    assert path.read_bytes() == data["img-idx3-ubyte.gz"]
    assert not cached.exists()  # the corrupt cached copy is removed
    assert (mirror / "digits" / "img-idx3-ubyte").read_bytes() == bad  # a mirror is read-only
    why = "size" if damage == "truncated" else "sha256"
    assert f"{cached} (decompressed form) is corrupt ({why}" in out
    assert f"{mirror / 'digits' / 'img-idx3-ubyte'} (decompressed form) is corrupt" in out
    np.testing.assert_array_equal(ds.read_idx(path), IMAGES)


def test_the_error_names_both_forms(monkeypatch):
    packed_pair(monkeypatch)
    with pytest.raises(ds.DatasetUnavailable) as info:
        ds.fetch("digits", "img-idx3-ubyte.gz")
    unpacked = ds.REGISTRY["digits"].files[0].unpacked
    assert f"or decompressed img-idx3-ubyte ({unpacked.size} bytes, sha256 {unpacked.sha256})" in (
        str(info.value)
    )
    assert str(ds.cache_dir() / "digits" / "img-idx3-ubyte") in str(info.value)


def test_list_says_which_form_was_found(tmp_path, monkeypatch, capsys):
    data = packed_pair(monkeypatch)
    write(ds.cache_dir() / "digits", "lbl-idx1-ubyte.gz", data["lbl-idx1-ubyte.gz"])
    mirror = tmp_path / "mirror"
    write(mirror / "D" / "raw", "img-idx3-ubyte", data["img-idx3-ubyte"])
    monkeypatch.setenv("DLCOURSE_DATA_MIRROR", str(mirror))
    partial = write(ds.cache_dir() / "digits", "img-idx3-ubyte.gz.partial", b"\x1f\x8b")
    assert datasets_main(["list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert f"{mirror / 'D' / 'raw' / 'img-idx3-ubyte'} (decompressed)" in lines["img-idx3-ubyte.gz"]
    assert str(ds.cache_dir() / "digits" / "lbl-idx1-ubyte.gz") in lines["lbl-idx1-ubyte.gz"]
    assert "(decompressed)" not in lines["lbl-idx1-ubyte.gz"]
    assert f"partial download {partial} (the next fetch resumes it)" in lines["img-idx3-ubyte.gz"]
    assert "partial" not in lines["lbl-idx1-ubyte.gz"]


def test_every_mnist_file_has_its_decompressed_digest():
    sizes = {
        "train-images": 47040016,
        "train-labels": 60008,
        "t10k-images": 7840016,
        "t10k-labels": 10008,
    }  # 16- or 8-byte header, then one byte per pixel or label
    for remote in ds.REGISTRY["mnist"].files:
        unpacked = remote.unpacked
        assert unpacked.name + ".gz" == remote.name and len(unpacked.sha256) == 64
        assert unpacked.size == sizes[remote.name.rsplit("-", 2)[0]]
    assert ds.REGISTRY["mnist"].files[0].unpacked.sha256.startswith("ba891046e6505d7a")
    assert all(f.unpacked is None for f in ds.REGISTRY["sonar"].files)


@needs_mirror
def test_real_mirror_files_match_their_forms(real_mirror):
    """Each MNIST file of the mirror, in whichever form it is there, passes its own check."""
    for remote in ds.REGISTRY["mnist"].files:
        path = ds.fetch("mnist", remote.name)
        form = remote if path.name == remote.name else remote.unpacked
        assert path.name == form.name and path.stat().st_size == form.size


# ----------------------------------------------------------------------------- tables
@needs_mirror
def test_load_sonar(real_mirror):
    df = ds.load_sonar()
    assert df.shape == (208, 61)
    assert list(df.columns[:2]) == ["f00", "f01"] and df.columns[-2] == "f59"
    assert (df.drop(columns="label").dtypes == "float64").all()
    assert set(df["label"]) == {"R", "M"}


@needs_mirror
def test_load_telco_churn_raw(real_mirror):
    df = ds.load_telco_churn()
    assert df.shape == (7043, 21)
    assert df["TotalCharges"].dtype.kind not in "if"  # still text, as published
    assert (df["TotalCharges"].str.strip() == "").sum() == 11
    assert set(df["Churn"]) == {"Yes", "No"}


@needs_mirror
def test_load_time_series(real_mirror):
    air = ds.load_airline_passengers()
    assert list(air.columns) == ["passengers"] and len(air) == 144
    assert air.index[0] == np.datetime64("1949-01-01") and air.index.freqstr == "MS"
    temps = ds.load_daily_min_temperatures()
    assert list(temps.columns) == ["temperature"] and len(temps) == 3650
    assert temps["temperature"].dtype == "float64" and temps.index.is_monotonic_increasing
    assert str(temps.index[-1].date()) == "1990-12-31"


@needs_mirror
def test_cli_list_and_prefetch(real_mirror, capsys):
    assert datasets_main(["list"]) == 0
    out = capsys.readouterr().out
    assert "daily_min_temperatures" in out and "9,912,422" in out
    assert datasets_main(["prefetch", "sonar", "airline_passengers"]) == 0
    assert "ok  sonar/sonar.csv" in capsys.readouterr().out
    assert datasets_main(["prefetch", "nope"]) == 1
    assert "Known datasets" in capsys.readouterr().out


def test_prefetch_reports_every_failure(monkeypatch):
    toy(monkeypatch, "http://127.0.0.1:1/toy.bin")
    with pytest.raises(ds.DatasetUnavailable, match="(?s)'toy'.*'cifar10'"):
        ds.prefetch(["toy", "cifar10"])


def test_data_readme_lists_every_digest():
    """data/README.md documents each file's size and SHA-256, and those of decompressed forms."""
    readme = (Path(__file__).resolve().parents[1] / "data" / "README.md").read_text("utf-8")
    for entry in ds.REGISTRY.values():
        for remote in entry.files:
            for form in remote.forms():
                row = next((line for line in readme.splitlines() if form.sha256 in line), "")
                assert f"| {entry.name} | {form.name}" in row and f"| {form.size} |" in row, form


def test_data_readme_lists_every_source():
    """Each URL a file is fetched from is in data/README.md (MNIST's as ``<base>/<file>``)."""
    readme = (Path(__file__).resolve().parents[1] / "data" / "README.md").read_text("utf-8")
    for entry in ds.REGISTRY.values():
        for remote in entry.files:
            for url in remote.urls:
                assert url in readme or url.rsplit("/", 1)[0] + "/<file>" in readme, url
