"""helpers.downloads: resuming, several sources, the give-up rule, and advice that fits the cause.

Offline: every download comes from a local HTTP server on 127.0.0.1 that honours Range
headers and misbehaves on cue; certificate failures are simulated.
"""

import hashlib
import os
import re
import ssl
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers import cache_files, downloads
from helpers import datasets as ds
from helpers.datasets import fetching

BODY = bytes(range(256)) * 800  # 204,800 bytes
SHA = hashlib.sha256(BODY).hexdigest()
HALF = len(BODY) // 2


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A fresh cache, no mirror, no remembered hashes, no pause before reconnecting."""
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DLCOURSE_DATA_MIRROR", raising=False)
    monkeypatch.setattr(fetching, "_verified", {})
    monkeypatch.setattr(downloads, "RESUME_PAUSE_S", 0)


def serve(request, body=BODY, *, ranges=True, cut=None, hang=None):
    """Answer ``request`` with ``body``: from the asked offset with 206 if ``ranges``, else
    all of it with 200. ``cut``: send only that many bytes, then close the connection (or,
    with ``hang``, stay silent until that event is set)."""
    start, asked = 0, re.fullmatch(r"bytes=(\d+)-", request.headers.get("Range", ""))
    if asked and ranges:
        start = int(asked[1])
        if start >= len(body):
            request.send_response(416)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        request.send_response(206)
        request.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
    else:
        request.send_response(200)
    request.send_header("Content-Length", str(len(body) - start))
    request.send_header("Connection", "close")
    request.end_headers()
    try:
        request.wfile.write(body[start:][:cut])
        request.wfile.flush()
        if hang is not None:
            hang.wait(5)
    except OSError:
        pass  # the client hung up


@pytest.fixture
def server():
    """``plans[path]``: a list of handlers, one per request (the last one repeats).
    ``requests`` lists (path, Range header or None) in the order they came."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            httpd.requests.append((self.path, self.headers.get("Range")))
            plan = httpd.plans.get(self.path)
            if not plan:
                self.send_error(404)
                return
            (plan.pop(0) if len(plan) > 1 else plan[0])(self)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    httpd.plans, httpd.requests, httpd.release = {}, [], threading.Event()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


def get(target: Path, *urls: str, sha256: str = SHA) -> downloads.Attempts:
    return downloads.download(urls, target, len(BODY), sha256, failed_hosts={})


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------- resuming
def test_a_dropped_connection_is_resumed_with_a_range_request(tmp_path, server, monkeypatch):
    bars = []
    real_tqdm = downloads.tqdm
    monkeypatch.setattr(downloads, "tqdm", lambda **kw: bars.append(kw) or real_tqdm(**kw))
    server.plans["/f"] = [lambda r: serve(r, cut=HALF), serve]
    target = tmp_path / "f.bin"
    assert get(target, server.url + "/f").ok
    assert target.read_bytes() == BODY and files(tmp_path) == ["f.bin"]
    assert server.requests == [("/f", None), ("/f", f"bytes={HALF}-")]
    assert [(bar["initial"], bar["total"], bar["unit"]) for bar in bars] == [
        (0, len(BODY), "B"),
        (HALF, len(BODY), "B"),  # the bar goes on from the bytes kept
    ]


def _other_range(request):
    """A 206 that starts elsewhere than asked."""
    request.send_response(206)
    request.send_header("Content-Range", f"bytes 0-{len(BODY) - 1}/{len(BODY)}")
    request.send_header("Content-Length", str(len(BODY)))
    request.end_headers()
    request.wfile.write(BODY)


@pytest.mark.parametrize(
    "answer",
    [
        lambda r: serve(r, ranges=False),  # 200: the server cannot resume
        lambda r: r.send_error(416),  # Range Not Satisfiable
        _other_range,  # 206, but not the range asked for
    ],
    ids=["200", "416", "other-range"],
)
def test_a_server_that_cannot_resume_makes_it_start_over(tmp_path, server, capsys, answer):
    server.plans["/f"] = [lambda r: serve(r, cut=HALF), answer, serve]
    target = tmp_path / "f.bin"
    assert get(target, server.url + "/f").ok
    assert target.read_bytes() == BODY and files(tmp_path) == ["f.bin"]
    assert server.requests[1] == ("/f", f"bytes={HALF}-")
    assert all(asked is None for _, asked in server.requests[2:])  # then the whole file
    assert "cannot resume this file" in capsys.readouterr().out


def test_starting_over_discards_the_kept_bytes_at_once(tmp_path, server):
    """Bytes from before a restart must not be resumed: they may be another file's."""
    server.plans["/f"] = [
        lambda r: serve(r, cut=HALF),
        lambda r: serve(r, ranges=False, cut=1000),  # starts over, then drops
        serve,
    ]
    assert get(tmp_path / "f.bin", server.url + "/f").ok
    assert [r for _, r in server.requests] == [None, f"bytes={HALF}-", "bytes=1000-"]


def test_a_stalled_connection_times_out_and_resumes(tmp_path, server, monkeypatch):
    monkeypatch.setattr(downloads, "CONNECT_TIMEOUT_S", 0.3)
    server.plans["/f"] = [lambda r: serve(r, cut=HALF, hang=server.release), serve]
    target = tmp_path / "f.bin"
    start = time.monotonic()
    assert get(target, server.url + "/f").ok
    assert time.monotonic() - start < 3 and target.read_bytes() == BODY
    assert server.requests[1] == ("/f", f"bytes={HALF}-")


def test_drops_are_retried_a_bounded_number_of_times_then_the_next_source_resumes(
    tmp_path, server, capsys, monkeypatch
):
    monkeypatch.setattr(downloads, "RESUME_ATTEMPTS", 2)
    drop = lambda r: serve(r, cut=1000)  # noqa: E731
    server.plans["/flaky"] = [drop, drop, drop, lambda r: r.send_error(500)]  # never a 4th
    server.plans["/good"] = [serve]
    target = tmp_path / "f.bin"
    assert get(target, server.url + "/flaky", server.url + "/good").ok
    assert target.read_bytes() == BODY
    assert server.requests == [
        ("/flaky", None),
        ("/flaky", "bytes=1000-"),
        ("/flaky", "bytes=2000-"),  # 1 + RESUME_ATTEMPTS connections
        ("/good", "bytes=3000-"),  # the next source carries on
    ]
    assert "resumed 2 times" in capsys.readouterr().out


def test_an_interrupted_download_resumes_on_the_next_call(tmp_path, server, monkeypatch):
    """Ctrl-C (KeyboardInterrupt) keeps what arrived as <file>.partial, for the next call."""
    server.plans["/f"] = [serve]
    real_update = downloads.RateWatch.update

    def interrupt_half_way(self, have):
        if have >= HALF:
            raise KeyboardInterrupt
        real_update(self, have)

    monkeypatch.setattr(downloads.RateWatch, "update", interrupt_half_way)
    target = tmp_path / "f.bin"
    with pytest.raises(KeyboardInterrupt):
        get(target, server.url + "/f")
    assert files(tmp_path) == ["f.bin.partial"]  # no working file left behind
    kept = (tmp_path / "f.bin.partial").stat().st_size
    assert HALF <= kept < len(BODY)
    monkeypatch.setattr(downloads.RateWatch, "update", real_update)
    assert get(target, server.url + "/f").ok
    assert server.requests[-1] == ("/f", f"bytes={kept}-")
    assert target.read_bytes() == BODY and files(tmp_path) == ["f.bin"]


# ----------------------------------------------------------------------------- checking
def test_wrong_bytes_fall_through_to_the_second_source(tmp_path, server, capsys):
    wrong = BODY[:-1] + b"!"
    server.plans["/bad"] = [lambda r: serve(r, wrong)]
    server.plans["/good"] = [serve]
    target = tmp_path / "f.bin"
    got = get(target, server.url + "/bad", server.url + "/good")
    assert got.ok and target.read_bytes() == BODY
    assert server.requests == [("/bad", None), ("/good", None)]  # wrong bytes are not resumed
    assert got.tried == [
        f"{server.url}/bad: download rejected (sha256 {_sha(wrong)}, expected {SHA})"
    ]
    assert got.causes == {"rejected"}
    assert "Rejected, not the expected file" in capsys.readouterr().out


def test_a_page_in_place_of_the_file_does_not_cost_the_bytes_kept(tmp_path, server):
    """A Wi-Fi login page, say: its headers announce another file, so the partial download
    is not at fault and the next source resumes it."""
    (tmp_path / "f.bin.partial").write_bytes(BODY[:HALF])
    server.plans["/login"] = [
        lambda r: serve(r, b"<html>Log in to use the Wi-Fi</html>", ranges=False)
    ]
    server.plans["/good"] = [serve]
    got = get(tmp_path / "f.bin", server.url + "/login", server.url + "/good")
    assert got.ok and got.causes == {"rejected"} and "announces 36 bytes" in got.tried[0]
    assert server.requests[1] == ("/good", f"bytes={HALF}-")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_resumed_file_that_fails_its_check_is_downloaded_again_from_the_start(
    tmp_path, server, capsys
):
    (tmp_path / "f.bin.partial").write_bytes(b"?" * HALF)  # e.g. an older version's bytes
    server.plans["/f"] = [serve]
    target = tmp_path / "f.bin"
    assert get(target, server.url + "/f").ok
    assert server.requests == [("/f", f"bytes={HALF}-"), ("/f", None)]
    assert target.read_bytes() == BODY and files(tmp_path) == ["f.bin"]
    assert "failed its SHA-256 check: deleted" in capsys.readouterr().out


@pytest.mark.parametrize("kept", [BODY, BODY[:-1] + b"!"], ids=["right", "wrong"])
def test_a_complete_partial_download_is_checked_before_anything_is_asked(tmp_path, server, kept):
    """Killed after its last byte, before the rename: nothing is missing, so nothing is asked
    unless the check fails, and then the file is downloaded again from the start."""
    (tmp_path / "f.bin.partial").write_bytes(kept)
    server.plans["/f"] = [serve]
    assert get(tmp_path / "f.bin", server.url + "/f").ok
    assert (tmp_path / "f.bin").read_bytes() == BODY
    assert server.requests == ([] if kept == BODY else [("/f", None)])


def test_a_partial_download_longer_than_the_file_is_dropped(tmp_path, server):
    (tmp_path / "f.bin.partial").write_bytes(BODY + b"more")
    server.plans["/f"] = [serve]
    assert get(tmp_path / "f.bin", server.url + "/f").ok
    assert server.requests == [("/f", None)]


def test_a_source_that_fails_the_check_from_the_start_is_not_asked_twice(tmp_path, server):
    (tmp_path / "f.bin.partial").write_bytes(BODY[:HALF])
    server.plans["/f"] = [lambda r: serve(r, BODY[:-1] + b"!")]
    got = get(tmp_path / "f.bin", server.url + "/f")
    assert not got.ok and got.causes == {"rejected"}
    assert server.requests == [("/f", f"bytes={HALF}-"), ("/f", None)]  # once more, then no
    assert files(tmp_path) == []  # nothing kept: wrong bytes are never resumed


def test_when_every_source_fails_each_url_is_named_with_why(tmp_path, server, monkeypatch):
    monkeypatch.setattr(downloads, "RESUME_ATTEMPTS", 0)
    server.plans["/drops"] = [lambda r: serve(r, cut=HALF)]
    urls = (server.url + "/drops", server.url + "/gone", "http://127.0.0.1:1/refused")
    target = tmp_path / "f.bin"
    got = get(target, *urls)
    assert not got.ok and got.causes == {"network"}
    assert got.tried == [
        f"{urls[0]}: the connection closed after {HALF} of {len(BODY)} bytes (resumed 0 times)",
        f"{urls[1]}: HTTP Error 404: Not Found",
        f"{urls[2]}: 127.0.0.1:1 did not answer (Connection refused)",
        f"0.1 MB of 0.2 MB kept in {target}.partial: the next try resumes from there",
    ]
    assert server.requests[1] == ("/gone", f"bytes={HALF}-")  # each source carries on
    assert files(tmp_path) == ["f.bin.partial"]


# ----------------------------------------------------------------------------- processes
def test_a_partial_download_is_taken_by_one_process_only(tmp_path):
    target = tmp_path / "f.bin"
    cache_files.partial_path(target).write_bytes(BODY[:HALF])
    first, second = cache_files._claim(target), cache_files._claim(target)
    assert first != second and first.read_bytes() == BODY[:HALF] and second.read_bytes() == b""
    assert not cache_files.partial_path(target).exists()
    cache_files._release(second, target)  # empty: simply removed
    cache_files._release(first, target)
    assert files(tmp_path) == ["f.bin.partial"]


def test_the_sweep_keeps_a_killed_download_for_resuming(tmp_path):
    stale, live = tmp_path / "f.bin.k1ll3d.part", tmp_path / "f.bin.l1v3.part"
    other, marker = tmp_path / "g.tar.gz.0ld.part", tmp_path / "f.bin.sha256-ok"
    for path in (stale, live, other, marker):
        path.write_bytes(b"bytes")
    (tmp_path / "g.tar.gz.partial").write_bytes(b"more bytes")
    old = time.time() - 2 * cache_files.STALE_PART_S
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    cache_files.sweep(tmp_path)
    assert files(tmp_path) == ["f.bin.l1v3.part", "f.bin.partial", "g.tar.gz.partial"]
    assert (tmp_path / "g.tar.gz.partial").read_bytes() == b"more bytes"  # one there already


# ----------------------------------------------------------------------------- giving up
class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def feed(watch: downloads.RateWatch, clock: FakeClock, have: int, rate: float, seconds: int):
    """``seconds`` one-second steps at ``rate`` bytes per second; return the bytes held."""
    for _ in range(seconds):
        clock.now += 1
        have += int(rate)
        watch.update(have)
    return have


def test_a_slow_but_steady_download_is_not_given_up():
    clock, size = FakeClock(), 170_052_171  # CIFAR-10 at 30 kB/s: 95 minutes
    watch = downloads.RateWatch(size, 0, clock)
    have = feed(watch, clock, 0, 30_000, 5000)
    assert have == 150_000_000  # 83 minutes in, still going


def test_a_stalled_download_is_given_up_within_a_window():
    clock, size = FakeClock(), 170_052_171
    watch = downloads.RateWatch(size, 0, clock)
    have = feed(watch, clock, 0, 1_000_000, 60)  # fast for a minute
    stalled_at = clock.now
    with pytest.raises(downloads.TooSlow, match=r"too slow: 0\.0 kB/s over the last 3\d s"):
        feed(watch, clock, have, 0.5, 100)  # then a byte every other second
    assert 30 <= clock.now - stalled_at <= 32


def test_the_nearer_the_end_the_slower_a_download_may_be():
    clock = FakeClock()
    far = downloads.RateWatch(170_000_000, 0, clock)  # 10 kB/s: 4.7 h for 170 MB
    with pytest.raises(downloads.TooSlow, match="would take 4.7 h"):
        feed(far, clock, 0, 10_000, 40)
    near = downloads.RateWatch(170_000_000, 120_000_000, clock)  # 1.4 h for the last 50 MB
    feed(near, clock, 120_000_000, 10_000, 600)


def test_a_young_connection_is_not_judged():
    clock = FakeClock()
    watch = downloads.RateWatch(170_000_000, 0, clock)
    have = feed(watch, clock, 0, 1, 29)  # 1 byte/s, but for less than a window
    with pytest.raises(downloads.TooSlow):
        feed(watch, clock, have, 1, 1)  # a full window: judged


# ----------------------------------------------------------------------------- advice
def test_a_certificate_failure_gets_advice_about_certificates(monkeypatch):
    calls = []

    def no_certificates(url, *args, **kwargs):
        calls.append(kwargs)
        error = ssl.SSLCertVerificationError(
            1,
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
            "unable to get local issuer certificate (_ssl.c:1006)",
        )
        raise urllib.error.URLError(error)

    monkeypatch.setattr(urllib.request, "urlopen", no_certificates)
    sources = tuple(
        ds.RemoteFile(name, len(BODY), SHA, (f"https://example.org/{name}",))
        for name in ("a.bin", "b.bin")
    )
    monkeypatch.setitem(ds.REGISTRY, "toy", ds.Dataset("toy", "test", "none", "none", sources))
    with pytest.raises(ds.DatasetUnavailable) as info:
        ds.prefetch("toy")
    text = str(info.value)
    assert "example.org: certificate verification failed ([SSL: CERTIFICATE_VERIFY_FAILED]" in text
    assert "Install Certificates.command" in text and "certifi" in text
    assert "internet connection" not in text
    assert "b.bin: skipped, failed for an earlier file (example.org: certificate" in text
    assert len(calls) == 1  # one failure per host, not one per file
    assert all("context" not in kwargs for kwargs in calls)  # verification stays on
