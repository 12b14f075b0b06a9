"""WebSocket for gradio 3.x's queue (``ws`` protocol): wsproto frames over an httpx upgrade.

Imported only when an app speaks ``ws`` (``_wires`` imports it lazily), so no other app
loads it.

Why wsproto, driven over the client's own httpx connection: the upgrade request is sent by
the client's ``httpx.Client``/``AsyncClient``, so its proxy, TLS ``verify``, cookies (the
``auth=`` login), headers and token rules apply to the socket exactly as to every other
request, and there is no second networking stack. httpcore hands the upgraded connection
over as the response's ``network_stream`` extension; wsproto (python-hyper, the h11
authors; sans-I/O, typed, pure Python, depends only on h11, which httpx already brings)
turns bytes into frames and back, in the same h11 style as the protocol core. The others
were weighed: ``websockets`` brings its own networking (proxies, TLS options and cookies
would have to be carried over by hand, and its sync client is separate from its asyncio
one); ``httpx-ws`` does what this module does but adds anyio-based machinery, background
tasks and a dependency whose API changed often, for the ~150 lines needed here.

No compression extension is offered (Gradio's messages are small JSON); pings are answered;
a close frame is answered and ends the stream.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import select
import socket
from typing import Any

import httpcore
import httpx
from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import (
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    TextMessage,
)

from .._exceptions import ProtocolError, ReadTimeout, StreamLostError
from ._http import status_error

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
READ_SIZE = 65536


def upgrade_headers() -> tuple[dict[str, str], str]:
    """The handshake headers and the ``Sec-WebSocket-Accept`` value the server must echo."""
    key = base64.b64encode(os.urandom(16)).decode()
    accept = base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()
    headers = {
        "connection": "Upgrade",
        "upgrade": "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": key,
    }
    return headers, accept


def check_upgrade(response: httpx.Response, accept: str, what: str) -> None:
    """Raise the typed error for a refused upgrade (3.x refuses without login: 403)."""
    if response.status_code != 101:
        raise status_error(response, what)
    if response.headers.get("sec-websocket-accept") != accept:
        raise ProtocolError(f"{what}: the server answered the upgrade with a wrong accept key")


class Frames:
    """wsproto bookkeeping shared by the sync and async sockets: bytes in, texts out."""

    def __init__(self) -> None:
        self.conn = Connection(ConnectionType.CLIENT)
        self._text: list[str] = []
        self.closed = False

    def feed(self, data: bytes | None) -> tuple[list[str], bytes]:
        """Received bytes (None at EOF) -> (complete text messages, bytes to send back)."""
        self.conn.receive_data(data)
        out: list[str] = []
        reply = b""
        for event in self.conn.events():
            reply += self._event(event, out)
        return out, reply

    def _event(self, event: Event, out: list[str]) -> bytes:
        if isinstance(event, TextMessage):
            self._text.append(event.data)
            if event.message_finished:
                out.append("".join(self._text))
                self._text = []
        elif isinstance(event, BytesMessage):
            raise ProtocolError("the queue socket sent a binary message")
        elif isinstance(event, Ping):
            return self.conn.send(event.response())
        elif isinstance(event, CloseConnection):
            self.closed = True
            if self.conn.state == ConnectionState.REMOTE_CLOSING:
                return self.conn.send(event.response())
        return b""

    def text(self, obj: Any) -> bytes:
        return self.conn.send(TextMessage(data=json.dumps(obj)))

    def close_frame(self) -> bytes:
        if self.conn.state == ConnectionState.OPEN:
            return self.conn.send(CloseConnection(code=1000))
        return b""


def _map(exc: Exception) -> Exception:
    if isinstance(exc, (httpcore.TimeoutException, TimeoutError, socket.timeout)):
        return ReadTimeout(f"the queue socket was silent too long: {exc!r}")
    return StreamLostError(f"the queue socket broke: {type(exc).__name__}: {exc}")


_NET_ERRORS: tuple[type[Exception], ...] = (
    httpcore.NetworkError,
    httpcore.TimeoutException,
    OSError,
)


class SyncWebSocket:
    """One upgraded connection (sync). ``read()`` -> text messages, ``None`` once closed."""

    def __init__(self, response: httpx.Response, read_timeout: float | None) -> None:
        self.response = response
        self._stream: Any = response.extensions["network_stream"]
        self._timeout = read_timeout
        self._frames = Frames()

    def read(self) -> list[str] | None:
        if self._frames.closed:
            return None
        try:
            data = self._stream.read(READ_SIZE, timeout=self._timeout)
            texts, reply = self._frames.feed(data or None)
            if reply:
                self._stream.write(reply, timeout=self._timeout)
        except _NET_ERRORS as exc:
            raise _map(exc) from exc
        if not texts and (self._frames.closed or not data):
            self._frames.closed = True
            return None
        return texts

    def send(self, obj: Any) -> None:
        try:
            self._stream.write(self._frames.text(obj), timeout=self._timeout)
        except _NET_ERRORS as exc:
            raise _map(exc) from exc

    def readable(self, timeout: float) -> bool:
        sock = self._stream.get_extra_info("socket")
        if not isinstance(sock, socket.socket):
            return False
        try:
            return bool(select.select([sock], [], [], timeout)[0])
        except (OSError, ValueError):
            return False

    def shutdown(self) -> None:
        sock = self._stream.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with contextlib.suppress(*_NET_ERRORS):
            frame = self._frames.close_frame()
            if frame:
                self._stream.write(frame, timeout=1.0)
        with contextlib.suppress(*_NET_ERRORS):
            self._stream.close()
        self.response.close()


class AsyncWebSocket:
    """The async twin of ``SyncWebSocket``."""

    def __init__(self, response: httpx.Response, read_timeout: float | None) -> None:
        self.response = response
        self._stream: Any = response.extensions["network_stream"]
        self._timeout = read_timeout
        self._frames = Frames()

    async def read(self) -> list[str] | None:
        if self._frames.closed:
            return None
        try:
            data = await self._stream.read(READ_SIZE, timeout=self._timeout)
            texts, reply = self._frames.feed(data or None)
            if reply:
                await self._stream.write(reply, timeout=self._timeout)
        except _NET_ERRORS as exc:
            raise _map(exc) from exc
        if not texts and (self._frames.closed or not data):
            self._frames.closed = True
            return None
        return texts

    async def send(self, obj: Any) -> None:
        try:
            await self._stream.write(self._frames.text(obj), timeout=self._timeout)
        except _NET_ERRORS as exc:
            raise _map(exc) from exc

    async def aclose(self) -> None:
        with contextlib.suppress(*_NET_ERRORS):
            frame = self._frames.close_frame()
            if frame:
                await self._stream.write(frame, timeout=1.0)
        with contextlib.suppress(*_NET_ERRORS):
            await self._stream.aclose()
        await self.response.aclose()
