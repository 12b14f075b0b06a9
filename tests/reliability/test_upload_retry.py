"""Uploads are retried like the other idempotent requests (a repeated upload only stores
another temporary copy on the server): on a connect error and on 429/502/503/504, when every
part of the batch can be sent again. A batch holding a non-seekable stream is not retried, nor
is an upload cut midway (the server may be writing it).

Real gradio app behind the fault proxy, sync and async; the connect-error cases use an httpx
mock transport (a refused connect cannot be aimed at one request through the proxy).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from pathlib import Path

import httpx
import pytest
from gradio_gen_runtime import (
    HTTPStatusError,
    RateLimitError,
    TransportError,
    handle_file,
)
from gradio_gen_runtime._files import _upload as _files_upload
from gradio_gen_runtime._files._upload import upload_async, upload_sync

from tests.faultproxy import FaultProxy, Rule
from tests.runtime._bridge import Harness

from ._health import Baseline
from ._helpers import JOIN, assert_raises_exactly, close_and_check

UPLOAD = r"/upload"


def _digest(data: bytes) -> str:
    return f"{len(data)}:{hashlib.sha256(data).hexdigest()}"


@pytest.fixture(scope="module")
def payload(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data = bytes(range(256)) * 1024  # 256 KiB
    path = tmp_path_factory.mktemp("upload_retry") / "payload.bin"
    path.write_bytes(data)
    return path, _digest(data)


class ReadOnly:
    """A file object that can be read once: no seek, no tell, no seekable()."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, n: int = -1) -> bytes:
        n = len(self._data) if n < 0 else n
        chunk, self._data = self._data[:n], self._data[n:]
        return chunk


# -- against the real app ------------------------------------------------------------------


def test_429_on_upload_is_retried(
    proxy: FaultProxy,
    harness: Harness,
    hbaseline: Baseline,
    payload: tuple[Path, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    path, digest = payload
    c = harness.open(proxy.url)
    proxy.add(Rule(UPLOAD, "status", status=429, retry_after="0"))
    with caplog.at_level(logging.INFO, logger="gradio_gen"):
        assert c.predict("/digest", str(path)) == digest
    assert [e.status for e in proxy.requests(UPLOAD)] == [429, 200]
    (retry,) = [r for r in caplog.records if "upload: HTTP 429; retrying" in r.getMessage()]
    assert retry.levelno == logging.INFO  # a retry that worked is not a warning
    close_and_check(c, proxy, hbaseline)


@pytest.mark.parametrize(("status", "error"), [(503, HTTPStatusError), (429, RateLimitError)])
def test_persistent_refusal_of_upload_gives_up_after_max_retries(
    proxy: FaultProxy,
    harness: Harness,
    hbaseline: Baseline,
    payload: tuple[Path, str],
    status: int,
    error: type[HTTPStatusError],
) -> None:
    path, digest = payload
    c = harness.open(proxy.url, max_retries=2)
    proxy.add(Rule(UPLOAD, "status", status=status, retry_after="0.05", times=None))
    err = assert_raises_exactly(error, c.predict, "/digest", str(path))
    assert err.status_code == status  # type: ignore[attr-defined]
    assert len(proxy.requests(UPLOAD)) == 3  # 1 + max_retries
    assert not proxy.requests(JOIN), "nothing is joined after a failed upload"
    proxy.clear()
    assert c.predict("/digest", str(path)) == digest
    close_and_check(c, proxy, hbaseline)


def test_max_retries_zero_is_one_attempt(
    proxy: FaultProxy, harness: Harness, hbaseline: Baseline, payload: tuple[Path, str]
) -> None:
    path, _ = payload
    c = harness.open(proxy.url, max_retries=0)
    proxy.add(Rule(UPLOAD, "status", status=503, retry_after="0", times=None))
    assert_raises_exactly(HTTPStatusError, c.predict, "/digest", str(path))
    assert len(proxy.requests(UPLOAD)) == 1
    close_and_check(c, proxy, hbaseline)


def test_non_seekable_stream_is_not_retried(
    proxy: FaultProxy, harness: Harness, hbaseline: Baseline
) -> None:
    c = harness.open(proxy.url)
    proxy.add(Rule(UPLOAD, "status", status=503, retry_after="0"))
    stream = ReadOnly(b"read once" * 1000)
    err = assert_raises_exactly(HTTPStatusError, c.predict, "/digest", stream)
    assert err.status_code == 503  # type: ignore[attr-defined]
    assert len(proxy.requests(UPLOAD)) == 1 and not proxy.requests(JOIN)
    close_and_check(c, proxy, hbaseline)


def test_partly_read_stream_is_sent_again_from_its_start(
    proxy: FaultProxy, harness: Harness, hbaseline: Baseline
) -> None:
    data = b"HEADER--" + bytes(range(256)) * 512
    stream = io.BytesIO(data)
    stream.read(8)  # the caller consumed a header: the upload starts after it
    c = harness.open(proxy.url)
    proxy.add(Rule(UPLOAD, "status", status=503, retry_after="0"))
    assert c.predict("/digest", stream) == _digest(data[8:])
    assert [e.status for e in proxy.requests(UPLOAD)] == [503, 200]
    close_and_check(c, proxy, hbaseline)


def test_upload_reset_midway_is_still_not_retried(
    proxy: FaultProxy, harness: Harness, hbaseline: Baseline, payload: tuple[Path, str]
) -> None:
    path, digest = payload
    c = harness.open(proxy.url)
    proxy.add(Rule(UPLOAD, "reset", point="upload", after_bytes=50_000))
    assert_raises_exactly(TransportError, c.predict, "/digest", str(path))
    assert len(proxy.requests(UPLOAD)) == 1 and not proxy.requests(JOIN)
    assert c.predict("/digest", str(path)) == digest
    close_and_check(c, proxy, hbaseline)


# -- connect errors (mock transport) ---------------------------------------------------------


class _Flaky:
    """Fails the first ``fail`` requests with ``error``, then answers like /upload."""

    def __init__(self, error: type[httpx.TransportError], fail: int) -> None:
        self.error = error
        self.fail = fail
        self.bodies: list[bytes] = []

    def answer(self, request: httpx.Request, body: bytes) -> httpx.Response:
        self.bodies.append(body)
        if len(self.bodies) <= self.fail:
            raise self.error("injected", request=request)
        return httpx.Response(200, json=["/srv/up0"])

    def sync(self, request: httpx.Request) -> httpx.Response:
        return self.answer(request, request.read())

    async def aio(self, request: httpx.Request) -> httpx.Response:
        return self.answer(request, await request.aread())


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_files_upload, "backoff", lambda attempt, retry_after=None: 0.0)


def _upload(flavor: str, flaky: _Flaky, *values: object, max_retries: int = 2) -> None:
    sources = [handle_file(value) for value in values]  # type: ignore[arg-type]
    if flavor == "sync":
        with httpx.Client(transport=httpx.MockTransport(flaky.sync)) as client:
            upload_sync(client, "http://app/api", sources, None, max_retries)
        return

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(flaky.aio)) as client:
            await upload_async(client, "http://app/api", sources, None, max_retries)

    asyncio.run(main())


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout])
def test_connect_error_is_retried(flavor: str, error: type[httpx.TransportError]) -> None:
    flaky = _Flaky(error, fail=2)
    stream = io.BytesIO(b"skip|content")
    stream.read(5)
    _upload(flavor, flaky, stream)
    assert len(flaky.bodies) == 3
    assert all(b"\r\n\r\ncontent\r\n" in body and b"skip" not in body for body in flaky.bodies)


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.ReadError, httpx.WriteError])
def test_transfer_error_is_not_retried(flavor: str, error: type[httpx.TransportError]) -> None:
    flaky = _Flaky(error, fail=1)
    with pytest.raises(TransportError):
        _upload(flavor, flaky, b"bytes")
    assert len(flaky.bodies) == 1


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_one_non_seekable_stream_makes_the_batch_non_retryable(
    flavor: str, payload: tuple[Path, str]
) -> None:
    flaky = _Flaky(httpx.ConnectError, fail=1)
    with pytest.raises(TransportError):
        _upload(flavor, flaky, payload[0], b"bytes", ReadOnly(b"once"))
    assert len(flaky.bodies) == 1
