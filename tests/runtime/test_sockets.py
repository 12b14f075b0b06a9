"""``_transport._sockets``: the sync client's sockets, their timeout set only when it changes.

The stream does what httpcore's ``SyncStream`` does (``settimeout`` + ``recv``/``sendall``,
the same exceptions) without repeating ``settimeout`` while the timeout stays the same: a
read still gives up after its timeout (httpcore's ``ReadTimeout``), an unbounded read still
waits, a changed timeout applies to the next call, a TLS connection goes back to CPython's
timeouts (``TLSStream``: they still fire, and change with each read's bound), and a client
built by ``build_sync_client`` uses it for real requests. The private httpx/httpcore attributes it
relies on are pinned here."""

from __future__ import annotations

import contextlib
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpcore
import httpx
import pytest
from gradio_gen_runtime._transport import _sockets
from gradio_gen_runtime._transport._http import build_sync_client
from gradio_gen_runtime._transport._sockets import (
    KernelTimeoutBackend,
    KernelTimeoutStream,
    TLSStream,
)
from gradio_gen_runtime._types import Timeout
from httpcore._backends.sync import SyncStream  # httpcore's own stream, to compare

pytestmark = pytest.mark.skipif(not _sockets.ENABLED, reason="installed on Linux only")


@pytest.fixture
def pair() -> Iterator[tuple[KernelTimeoutStream, socket.socket]]:
    """A connected (our stream, the peer's socket) pair over TCP on 127.0.0.1."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stream = KernelTimeoutBackend().connect_tcp("127.0.0.1", port, timeout=5)
    peer, _ = listener.accept()
    listener.close()
    assert isinstance(stream, KernelTimeoutStream)
    try:
        yield stream, peer
    finally:
        stream.close()
        peer.close()


def _send_later(peer: socket.socket, data: bytes, delay: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay), peer.sendall(data)))
    thread.start()
    return thread


def test_a_bounded_read_times_out(pair: tuple[KernelTimeoutStream, socket.socket]) -> None:
    stream, _ = pair
    started = time.monotonic()
    with pytest.raises(httpcore.ReadTimeout):
        stream.read(1024, timeout=0.2)
    assert 0.15 <= time.monotonic() - started < 5


def test_reads_get_data_and_the_bound_follows_each_call(
    pair: tuple[KernelTimeoutStream, socket.socket],
) -> None:
    stream, peer = pair
    peer.sendall(b"now")
    assert stream.read(1024, timeout=0.2) == b"now"
    with pytest.raises(httpcore.ReadTimeout):
        stream.read(1024, timeout=0.1)
    # no bound any more: a read waits longer than the last bound for its data
    sender = _send_later(peer, b"late", 0.4)
    assert stream.read(1024, timeout=None) == b"late"
    sender.join()
    # a longer bound than the wait
    sender = _send_later(peer, b"soon", 0.2)
    assert stream.read(1024, timeout=5.0) == b"soon"
    sender.join()
    peer.shutdown(socket.SHUT_WR)
    assert stream.read(1024, timeout=5.0) == b""  # the peer's end: EOF, not an error


def test_a_zero_timeout_is_an_error_at_once_as_with_httpcores_stream(
    pair: tuple[KernelTimeoutStream, socket.socket],
) -> None:
    """``timeout=0`` makes the socket non-blocking in both streams: nothing to read is an
    error at once (httpcore maps the ``BlockingIOError`` to ``ReadError``), never a wait."""
    stream, peer = pair
    started = time.monotonic()
    with pytest.raises(httpcore.ReadError):
        stream.read(1024, timeout=0.0)
    theirs = SyncStream(stream.get_extra_info("socket"))
    with pytest.raises(httpcore.ReadError):
        theirs.read(1024, timeout=0.0)
    assert time.monotonic() - started < 1
    peer.sendall(b"x")
    assert stream.read(1024, timeout=5.0) == b"x"  # the timeout is set again for this read


def test_writes_and_a_write_that_cannot_progress_times_out(
    pair: tuple[KernelTimeoutStream, socket.socket],
) -> None:
    stream, peer = pair
    stream.write(b"hello", timeout=1.0)
    assert peer.recv(16) == b"hello"
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    with pytest.raises(httpcore.WriteTimeout):  # the peer never reads: the buffers fill up
        for _ in range(10_000):
            stream.write(b"x" * 65536, timeout=0.2)


def test_a_closed_peer_is_a_read_error_or_eof(
    pair: tuple[KernelTimeoutStream, socket.socket],
) -> None:
    stream, peer = pair
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    peer.close()  # linger 0: a reset
    with contextlib.suppress(httpcore.ReadError):
        assert stream.read(1024, timeout=1.0) == b""


class _Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/silent":
            time.sleep(1.0)
        body = b"ok"
        with contextlib.suppress(OSError):  # the client that timed out has gone
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_the_sync_client_uses_it_for_requests_and_their_timeouts(server: str) -> None:
    client = build_sync_client(
        timeout=Timeout(connect=2, read=0.3, write=2, pool=2), headers=None, verify=True,
        proxy=None, transport=None, request_hook=None,
    )  # fmt: skip
    try:
        assert client.get(server + "/").text == "ok"
        assert client.get(server + "/").text == "ok"  # the kept-alive connection again
        pool = client._transport._schemes.get("http")._pool  # type: ignore[attr-defined]
        assert isinstance(pool._network_backend, KernelTimeoutBackend)
        with pytest.raises(httpx.ReadTimeout):
            client.get(server + "/silent")
        assert client.get(server + "/", timeout=5).text == "ok"
    finally:
        client.close()


def test_install_replaces_only_httpcores_own_backend() -> None:
    transport = _sockets.install(httpx.HTTPTransport())
    assert isinstance(transport._pool._network_backend, KernelTimeoutBackend)  # type: ignore[attr-defined]

    class Custom(httpcore.SyncBackend):
        pass

    custom = httpx.HTTPTransport()
    custom._pool._network_backend = mine = Custom()  # type: ignore[attr-defined]
    _sockets.install(custom)
    assert custom._pool._network_backend is mine  # type: ignore[attr-defined]
    mock = httpx.MockTransport(lambda request: httpx.Response(200))
    _sockets.install(mock)  # type: ignore[arg-type]  # no pool: left as it is


# -- TLS -------------------------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, ssl.SSLContext]]:
    """An HTTPS server on 127.0.0.1 with a throwaway self-signed certificate, and a client
    context that trusts it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    httpd.socket = served.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield (
            f"https://127.0.0.1:{httpd.server_address[1]}",
            ssl.create_default_context(cafile=str(cert)),
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_tls_requests_and_their_timeouts_as_the_bound_changes(
    tls_server: tuple[str, ssl.SSLContext],
) -> None:
    url, trust = tls_server
    client = build_sync_client(
        timeout=Timeout(connect=5, read=0.3, write=5, pool=5), headers=None, verify=trust,
        proxy=None, transport=None, request_hook=None,
    )  # fmt: skip
    try:
        with client.stream("GET", url + "/") as response:
            stream = response.extensions["network_stream"]
            # TLS goes back to CPython's timeouts: SO_RCVTIMEO cannot end a TLS read
            assert isinstance(stream, TLSStream)
            assert isinstance(stream.get_extra_info("socket"), ssl.SSLSocket)
            assert stream.get_extra_info("ssl_object") is not None
            assert response.read() == b"ok"
        assert client.get(url + "/").text == "ok"  # the kept-alive TLS connection again
        assert client.get(url + "/", timeout=5).text == "ok"  # a longer bound, then 0.3 s
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            client.get(url + "/silent")
        assert time.monotonic() - started < 0.9  # the bound, not the server's 1 s
        assert client.get(url + "/", timeout=5).text == "ok"
    finally:
        client.close()


def test_an_untrusted_certificate_still_fails(tls_server: tuple[str, ssl.SSLContext]) -> None:
    url, _ = tls_server
    client = build_sync_client(
        timeout=Timeout(connect=5, read=5, write=5, pool=5), headers=None, verify=True,
        proxy=None, transport=None, request_hook=None,
    )  # fmt: skip
    try:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get(url + "/")
    finally:
        client.close()


# -- what it relies on -----------------------------------------------------------------------


def test_the_httpx_and_httpcore_attributes_it_relies_on_are_there() -> None:
    """``install`` silently does nothing if these move: this fails instead."""
    transport = httpx.HTTPTransport()
    pool = transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool, httpcore.ConnectionPool)
    assert type(pool._network_backend) is httpcore.SyncBackend
    proxied = httpx.HTTPTransport(proxy="http://127.0.0.1:9")
    assert type(proxied._pool._network_backend) is httpcore.SyncBackend  # type: ignore[attr-defined]
    assert isinstance(_sockets.install(proxied)._pool._network_backend, KernelTimeoutBackend)  # type: ignore[attr-defined]


def test_closing_the_stream_closes_its_socket(
    pair: tuple[KernelTimeoutStream, socket.socket],
) -> None:
    stream, _ = pair
    sock = stream.get_extra_info("socket")
    stream.close()
    assert sock.fileno() == -1


def test_start_tls_clears_the_kernel_timeouts_and_hands_over_to_httpcore(
    pair: tuple[KernelTimeoutStream, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CONNECT through a proxy reads and writes the plain stream first (setting the
    kernel's timeouts); the TLS stream that follows is httpcore's, on a socket whose kernel
    timeouts are cleared (a blocking TLS read would otherwise be retried by CPython forever
    and a stale bound could not end it)."""
    stream, peer = pair
    peer.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    stream.write(b"CONNECT example:443 HTTP/1.1\r\n\r\n", timeout=2.0)
    assert stream.read(1024, timeout=2.0).startswith(b"HTTP/1.1 200")
    sock = stream.get_extra_info("socket")
    zero = struct.pack("@ll", 0, 0)
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, len(zero)) != zero
    handed: list[object] = []
    upgraded = object()

    def start_tls(*args: object) -> object:
        handed.append(args)
        return upgraded

    monkeypatch.setattr(stream._inner, "start_tls", start_tls)
    assert stream.start_tls(ssl.create_default_context(), "example", 2.0) is upgraded
    assert handed  # httpcore's own start_tls did the handshake
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, len(zero)) == zero
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, len(zero)) == zero
