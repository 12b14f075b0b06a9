"""HTTP-level faults against a real gradio app behind the fault proxy: 429/502/503 with and
without Retry-After, resets and stalls of ordinary requests, queue full, the app raising, a
result over 50 MB, slow/broken uploads and downloads.

Each test asserts the exact error type, the retries made, and that the client stays healthy.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from gradio_gen_runtime import (
    AppError,
    Client,
    HTTPStatusError,
    QueueFullError,
    RateLimitError,
    ReadTimeout,
    Timeout,
    TransportError,
)

from tests.faultproxy import FaultProxy, Rule
from tests.runtime._bridge import Harness
from tests.servers import RunningApps

from ._health import Baseline
from ._helpers import JOIN, assert_raises_exactly, close_and_check

# -- HTTP statuses and retries ------------------------------------------------------------


def test_503_on_config_is_retried_with_backoff(
    proxy: FaultProxy, harness: Harness, hbaseline: Baseline
) -> None:
    proxy.add(Rule(r"^/config", "status", status=503, times=2))
    started = time.monotonic()
    c = harness.open(proxy.url)
    elapsed = time.monotonic() - started
    assert len(proxy.requests(r"^/config")) == 3
    assert elapsed >= (0.5 + 1.0) * 0.75, "retries did not back off"
    assert c.predict("/slow", "ok") == "ok"
    close_and_check(c, proxy, hbaseline)


def test_retry_after_is_honoured(proxy: FaultProxy, harness: Harness, hbaseline: Baseline) -> None:
    proxy.add(Rule(r"^/config", "status", status=429, retry_after="1.2"))
    started = time.monotonic()
    c = harness.open(proxy.url)
    assert 1.2 <= time.monotonic() - started < 5
    close_and_check(c, proxy, hbaseline)


def test_persistent_503_gives_up_after_max_retries(
    proxy: FaultProxy, harness: Harness, hbaseline: Baseline
) -> None:
    proxy.add(Rule(r"^/config", "status", status=503, retry_after="0.05", times=None))
    err = assert_raises_exactly(HTTPStatusError, harness.open, proxy.url)
    assert err.status_code == 503  # type: ignore[attr-defined]
    assert len(proxy.requests(r"^/config")) == 3  # 1 + MAX_RETRIES
    assert proxy.wait_closed(5)
    hbaseline.check()


def test_429_on_join_is_retried_then_raised(
    proxy: FaultProxy, harness: Harness, hbaseline: Baseline
) -> None:
    c = harness.open(proxy.url, max_retries=1)
    proxy.add(Rule(JOIN, "status", status=429, retry_after="0.3"))
    assert c.predict("/slow", "second try") == "second try"
    assert len(proxy.requests(JOIN)) == 2
    proxy.add(Rule(JOIN, "status", status=429, retry_after="0.3", times=None))
    err = assert_raises_exactly(RateLimitError, c.predict, "/slow", "never")
    assert err.retry_after == 0.3  # type: ignore[attr-defined]
    assert len(proxy.requests(JOIN)) == 4
    proxy.clear()
    assert c.predict("/slow", "fine") == "fine"
    close_and_check(c, proxy, hbaseline)


@pytest.mark.parametrize("status", [502, 503])
def test_gateway_error_on_join_is_not_retried(
    proxy: FaultProxy, harness: Harness, hbaseline: Baseline, status: int
) -> None:
    # the join may have reached the app: retrying could run it twice
    c = harness.open(proxy.url)
    proxy.add(Rule(JOIN, "status", status=status, times=None))
    err = assert_raises_exactly(HTTPStatusError, c.predict, "/slow", "once")
    assert err.status_code == status  # type: ignore[attr-defined]
    assert len(proxy.requests(JOIN)) == 1
    proxy.clear()
    assert c.predict("/slow", "fine") == "fine"
    close_and_check(c, proxy, hbaseline)


def test_join_reset_before_the_app_answers(
    proxy: FaultProxy, harness: Harness, hbaseline: Baseline
) -> None:
    c = harness.open(proxy.url)
    proxy.add(Rule(JOIN, "reset", point="response"))  # the app got it; the answer is lost
    assert_raises_exactly(TransportError, c.predict, "/slow", "lost")
    assert len(proxy.requests(JOIN)) == 1  # not retried: it may have run
    assert c.predict("/slow", "fine") == "fine"
    close_and_check(c, proxy, hbaseline)


def test_stalled_info_is_retried(proxy: FaultProxy, harness: Harness, hbaseline: Baseline) -> None:
    proxy.add(Rule(r"/info", "stall", point="response", seconds=10))
    c = harness.open(proxy.url, timeout=Timeout(read=0.5))
    assert len(proxy.requests(r"/info")) == 2
    assert c.predict("/slow", "ok") == "ok"
    close_and_check(c, proxy, hbaseline)


# -- the app itself -----------------------------------------------------------------------


def test_queue_full(rel_apps: RunningApps, harness: Harness) -> None:
    with FaultProxy(rel_apps["rel_small"]) as proxy:
        baseline = Baseline()
        c = harness.open(proxy.url)
        running = c.submit("/hold", 5)
        deadline = time.monotonic() + 10
        while running.status().code != "processing" and time.monotonic() < deadline:
            time.sleep(0.02)
        waiting = c.submit("/hold", 5)
        err = assert_raises_exactly(QueueFullError, c.submit, "/hold", 0.1)
        assert err.status_code == 503  # type: ignore[attr-defined]
        assert len(proxy.requests(JOIN)) == 3  # the full queue's answer is not retried
        assert waiting.cancel() and running.cancel()
        assert c.predict("/hold", 0.1) == 0.1
        close_and_check(c, proxy, baseline)


def test_app_raising(proxy: FaultProxy, harness: Harness, hbaseline: Baseline) -> None:
    c = harness.open(proxy.url)
    err = assert_raises_exactly(AppError, c.predict, "/boom", "x")
    assert err.message == "boom: x" and err.title == "Kaboom"  # type: ignore[attr-defined]
    job = c.submit("/gen_then_fail", 3)
    err = assert_raises_exactly(AppError, job.result, 20)
    assert "failed after yielding" in str(err)
    assert [o for o in job.outputs()] == ["0", "1", "2"]
    assert c.predict("/slow", "fine") == "fine"
    close_and_check(c, proxy, hbaseline)


def test_result_larger_than_50_mb(proxy: FaultProxy, harness: Harness, hbaseline: Baseline) -> None:
    c = harness.open(proxy.url)
    size = 52_000_000
    started = time.monotonic()
    out = c.predict("/big", size)
    assert len(out) == size and out.count("x") == size
    assert time.monotonic() - started < 45
    del out
    assert c.predict("/slow", "fine") == "fine"
    close_and_check(c, proxy, hbaseline)


# -- uploads ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def payload(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data = bytes(range(256)) * 2048  # 512 KiB
    path = tmp_path_factory.mktemp("upload") / "payload.bin"
    path.write_bytes(data)
    return path, f"{len(data)}:{hashlib.sha256(data).hexdigest()}"


def test_slow_upload_arrives_intact(
    proxy: FaultProxy, payload: tuple[Path, str], baseline: Baseline
) -> None:
    path, digest = payload
    proxy.add(Rule(r"/upload", "throttle", point="upload", rate=256 * 1024))
    c = Client(proxy.url, timeout=Timeout(read=10, write=10))
    started = time.monotonic()
    assert c.predict("/digest", str(path)) == digest
    assert time.monotonic() - started >= 1.5, "the upload was not throttled"
    close_and_check(c, proxy, baseline)


def test_upload_reset_midway(
    proxy: FaultProxy, payload: tuple[Path, str], baseline: Baseline
) -> None:
    path, digest = payload
    proxy.add(Rule(r"/upload", "reset", point="upload", after_bytes=100_000))
    c = Client(proxy.url)
    assert_raises_exactly(TransportError, c.predict, "/digest", str(path))
    assert not proxy.requests(JOIN), "nothing is joined after a failed upload"
    assert c.predict("/digest", str(path)) == digest
    close_and_check(c, proxy, baseline)


def test_upload_stalled_midway_times_out(
    proxy: FaultProxy, payload: tuple[Path, str], baseline: Baseline
) -> None:
    path, digest = payload
    proxy.add(Rule(r"/upload", "stall", point="upload", after_bytes=100_000, seconds=30))
    c = Client(proxy.url, timeout=Timeout(read=1, write=1))
    started = time.monotonic()
    assert_raises_exactly(ReadTimeout, c.predict, "/digest", str(path))
    assert time.monotonic() - started < 10
    assert c.predict("/digest", str(path)) == digest
    close_and_check(c, proxy, baseline)


# -- downloads ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 429])
def test_download_gateway_error_is_retried(
    proxy: FaultProxy, baseline: Baseline, tmp_path: Path, status: int
) -> None:
    # a download is idempotent: a transient gateway error must not lose the result
    proxy.add(Rule(r"/file=", "status", status=status, retry_after="0.1"))
    c = Client(proxy.url, download_dir=tmp_path)
    out = c.predict("/make_file", 256 * 1000)
    assert out.local_path.read_bytes() == bytes(range(256)) * 1000
    assert [e.status for e in proxy.requests(r"/file=")] == [status, 200]
    close_and_check(c, proxy, baseline)


def test_download_reset_midway_is_a_transport_error(
    proxy: FaultProxy, baseline: Baseline, tmp_path: Path
) -> None:
    proxy.add(Rule(r"/file=", "reset", point="response", after_bytes=100_000, times=None))
    c = Client(proxy.url)
    made = c.predict("/make_file", 256 * 4000)
    assert_raises_exactly(TransportError, made.read_bytes)
    assert_raises_exactly(TransportError, made.download, tmp_path)
    assert not list(tmp_path.iterdir()), "a partial download was left behind"
    proxy.clear()
    assert made.read_bytes() == bytes(range(256)) * 4000
    close_and_check(c, proxy, baseline)
