"""The sync client's plain-TCP sockets: httpcore's network stream with the kernel bounding each wait.

httpcore's sync stream (``httpcore.SyncStream``) calls ``socket.settimeout`` before every
read and write, and with a timeout set CPython polls the socket before each ``recv``: every
read costs three system calls (``ioctl`` to switch the blocking mode, ``poll``,
``recvfrom``). A session stream is read once per message, so that is three per streamed
token where one does. ``KernelTimeoutStream`` keeps the socket in blocking mode and bounds
each wait with the kernel's receive and send timeouts (``SO_RCVTIMEO``/``SO_SNDTIMEO``),
set only when the bound changes: one ``recvfrom`` per read, and the same bounds (a read
that gets nothing for that long, or a write not done in that long, raises httpcore's
``ReadTimeout``/``WriteTimeout``, which httpx maps as before). Measured on the streaming
benchmark: about a tenth less client CPU per token.

Plain TCP only. A TLS connection goes back to CPython's timeouts at ``start_tls`` (the
kernel's cleared): ``SSLSocket`` on a blocking socket retries a read that the kernel's
timeout cut short (``SSL_ERROR_WANT_READ`` on a blocking socket means "try again" to it), so
``SO_RCVTIMEO`` would never end a TLS read. Its stream (``TLSStream``) is httpcore's with
one system call less per read: the timeout is set only when it changes.

Everything else (connecting, TLS, socket options, extra info) is httpcore's own: this
implements httpcore's public ``NetworkStream`` interface around the socket its public
``SyncBackend`` connects (``get_extra_info("socket")``). Two private attributes are relied
on, and ``install`` leaves the transport as it is when either is not what it expects:
httpx's ``HTTPTransport._pool`` (httpx takes no network backend) and httpcore's
``ConnectionPool._network_backend`` (its ``network_backend`` argument, stored).
tests/runtime/test_sockets.py pins both: a newer httpx or httpcore that moves them fails
there, not silently.

Installed on Linux (where it is tested) into the pools of the transports
``_http.build_sync_client`` makes; anywhere else, or with a transport the caller passes,
httpcore's stream is used unchanged.
"""

from __future__ import annotations

import socket
import ssl
import struct
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpcore
import httpx

__all__ = ["ENABLED", "KernelTimeoutBackend", "KernelTimeoutStream", "TLSStream", "install"]

ENABLED = sys.platform.startswith("linux")
_UNKNOWN: Any = object()
T = TypeVar("T")


def _timeval(seconds: float | None) -> bytes:
    """A ``struct timeval`` for ``SO_RCVTIMEO``/``SO_SNDTIMEO``: zero means no bound, so a
    bound of zero or less becomes the shortest one (1 us)."""
    if seconds is None:
        return struct.pack("@ll", 0, 0)
    micros = max(1, round(seconds * 1_000_000))
    return struct.pack("@ll", micros // 1_000_000, micros % 1_000_000)


class KernelTimeoutStream(httpcore.NetworkStream):
    """A connected plain TCP socket in blocking mode, each wait bounded by the kernel.
    ``inner`` is httpcore's stream over the same socket: TLS and extra info are its."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        sock: socket.socket = inner.get_extra_info("socket")
        sock.settimeout(None)
        self._inner = inner
        self._sock = sock
        self._read_bound: float | None = _UNKNOWN  # not set by us yet: the first read
        self._write_bound: float | None = _UNKNOWN  # and write set them

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        sock = self._sock
        if timeout is not None and timeout <= 0:  # httpcore's meaning: do not wait at all
            return self._unbounded(self._inner.read, max_bytes, timeout)
        try:
            if timeout != self._read_bound:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(timeout))
                self._read_bound = timeout
            return sock.recv(max_bytes)
        except (BlockingIOError, TimeoutError, ssl.SSLWantReadError) as exc:
            raise httpcore.ReadTimeout(exc) from exc  # the kernel's bound ran out
        except OSError as exc:
            raise httpcore.ReadError(exc) from exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """All of ``buffer``, within ``timeout`` in all (as ``socket.sendall`` with a timeout):
        each ``send`` is bounded by what is left, so a peer that reads slowly cannot stretch
        it. Writes are few (request heads and bodies): one option set per ``send``."""
        if not buffer:
            return
        if timeout is not None and timeout <= 0:
            self._unbounded(self._inner.write, buffer, timeout)
            return
        sock = self._sock
        deadline = None if timeout is None else time.monotonic() + timeout
        view = memoryview(buffer)
        try:
            while view:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError("the write did not finish in time")
                if left != self._write_bound:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(left))
                    self._write_bound = left
                view = view[sock.send(view) :]
        except (BlockingIOError, TimeoutError, ssl.SSLWantWriteError) as exc:
            raise httpcore.WriteTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.WriteError(exc) from exc

    def _unbounded(self, op: Callable[[Any, float], T], arg: Any, timeout: float) -> T:
        """``op`` (httpcore's own read or write) with a timeout of zero or less: the socket
        is non-blocking for it, as in httpcore (nothing to do at once is an error, not a
        wait), then blocking again for the next call."""
        try:
            return op(arg, timeout)
        finally:
            self._sock.settimeout(None)

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """httpcore's own TLS stream over this socket (see the module's docstring), the
        kernel's timeouts cleared first: a ``CONNECT`` through a proxy may have set them."""
        sock = self._sock
        if self._read_bound is not _UNKNOWN:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(None))
        if self._write_bound is not _UNKNOWN:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(None))
        self._read_bound = self._write_bound = _UNKNOWN
        upgraded = self._inner.start_tls(ssl_context, server_hostname, timeout)
        if type(upgraded) is not type(self._inner):  # not a plain SSLSocket stream
            return upgraded
        return TLSStream(upgraded)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class TLSStream(httpcore.NetworkStream):
    """httpcore's TLS stream, its reads setting the socket's timeout only when it changes.

    httpcore calls ``settimeout`` before every read, and CPython's ``settimeout`` switches the
    socket's blocking mode with an ``ioctl`` every time, changed or not: a read that waits is
    then ``ioctl``, ``poll``, ``recvfrom``; here ``poll``, ``recvfrom``. The timeout itself is
    CPython's (``SSLSocket`` polls before reading, as httpcore's stream), so every bound and
    every exception is the same: ``TimeoutError`` -> ``ReadTimeout``, any other ``OSError``
    (``SSLError`` included) -> ``ReadError``. Writes, TLS in TLS, closing and extra info are
    httpcore's own."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner
        self._sock: ssl.SSLSocket = inner.get_extra_info("socket")
        self._bound: float | None = _UNKNOWN

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        sock = self._sock
        try:
            if timeout != self._bound:
                sock.settimeout(timeout)
                self._bound = timeout
            return sock.recv(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ReadError(exc) from exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._bound = _UNKNOWN  # httpcore's write sets the socket's timeout itself
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        self._bound = _UNKNOWN
        return self._inner.start_tls(ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class KernelTimeoutBackend(httpcore.SyncBackend):
    """httpcore's sync backend, its connections wrapped in ``KernelTimeoutStream``."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return KernelTimeoutStream(
            super().connect_tcp(host, port, timeout, local_address, socket_options)
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return KernelTimeoutStream(super().connect_unix_socket(path, timeout, socket_options))


def install(transport: httpx.HTTPTransport) -> httpx.HTTPTransport:
    """Give ``transport``'s connection pool the kernel-timeout backend (Linux). httpx takes
    no backend argument, so this sets its pool's (httpcore's documented ``network_backend``,
    stored as ``_network_backend``); when either attribute is not what this expects (another
    httpx or httpcore), the transport is left as it is."""
    pool = getattr(transport, "_pool", None)
    if ENABLED and type(getattr(pool, "_network_backend", None)) is httpcore.SyncBackend:
        pool._network_backend = KernelTimeoutBackend()  # type: ignore[union-attr]
    return transport
