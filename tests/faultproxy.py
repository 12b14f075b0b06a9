"""A fault-injection HTTP/1.1 proxy for reliability tests.

``FaultProxy(upstream)`` listens on a free 127.0.0.1 port and relays each client connection to
the upstream server (a real gradio app), on an asyncio loop in a background thread. It parses
just enough HTTP/1.1 to know which request a connection carries (method, target, headers,
``Content-Length`` or chunked bodies, keep-alive) and, for ``text/event-stream`` answers, to
count the SSE ``data:`` events it forwards (chunked answers are decoded and re-chunked, so a
cut can fall exactly between two events).

Faults are ``Rule``s matched against each request (first match wins; each rule applies to
``times`` matching requests after skipping ``skip``)::

    action    what happens at the rule's point
    status    answer with ``status`` (+ ``Retry-After``) instead of forwarding (point: request)
    reset     abort both connections with a TCP RST
    close     close both connections cleanly (a truncated answer)
    stall     stop relaying in both directions until the client hangs up or ``seconds`` pass
    delay     sleep ``seconds``, then go on
    throttle  relay the request body (point ``upload``) or the answer (``response``/``events``)
              at ``rate`` bytes per second
    kill      call ``on_kill`` (e.g. kill the server process), then go on relaying

    point     where: ``request`` (before anything is forwarded), ``upload`` (after
              ``after_bytes`` of the request body), ``response`` (after the answer's head and
              ``after_bytes`` of its body), ``events`` (after ``after_events`` SSE events, or,
              with ``after_msg``, after the ``after_events``-th (default first) event whose
              ``msg`` is ``after_msg``)

Everything is bounded: ``stop()`` cancels every connection task and joins the thread.
``log`` records every request (method, target, status, injected action); ``messages`` the
``msg`` of every SSE event relayed; ``open_connections`` the client connections still open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

Action = Literal["status", "reset", "close", "stall", "delay", "throttle", "kill"]
Point = Literal["request", "upload", "response", "events"]

READ_SIZE = 65536


@dataclass
class Rule:
    path: str
    """Regular expression searched in the request target (path and query)."""
    action: Action
    point: Point = "request"
    method: str | None = None
    times: int | None = 1
    """How many matching requests the rule applies to (None: all)."""
    skip: int = 0
    """Matching requests let through untouched before the rule applies."""
    status: int = 503
    retry_after: str | None = None
    body: bytes = b'{"detail":"injected by the fault proxy"}'
    after_bytes: int = 0
    after_events: int = 0
    after_msg: str | None = None
    seconds: float = 0.0
    rate: int = 65536
    seen: int = 0
    applied: int = 0

    def claim(self, method: str, target: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        if not re.search(self.path, target):
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.times is not None and self.applied >= self.times:
            return False
        self.applied += 1
        return True


@dataclass
class Entry:
    method: str
    target: str
    status: int | None = None
    injected: str | None = None
    events: int = 0
    matched: int = 0
    time: float = field(default_factory=time.monotonic)


class _Cut(Exception):
    """The connection was ended on purpose (or by the peer)."""


@dataclass
class _Head:
    first: str
    headers: list[tuple[str, str]]

    def get(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def chunked(self) -> bool:
        return "chunked" in (self.get("transfer-encoding") or "").lower()

    @property
    def length(self) -> int | None:
        value = self.get("content-length")
        return int(value) if value is not None else None

    def encode(self) -> bytes:
        lines = [self.first, *(f"{k}: {v}" for k, v in self.headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_head(reader: asyncio.StreamReader) -> _Head | None:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise _Cut("peer closed mid-head") from None
        return None
    except (ConnectionError, asyncio.LimitOverrunError) as exc:
        raise _Cut(str(exc)) from None
    lines = raw.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return _Head(lines[0], headers)


async def _body(reader: asyncio.StreamReader, head: _Head, until_eof: bool) -> AsyncIterator[bytes]:
    """The body's payload bytes (chunked framing removed)."""
    try:
        if head.chunked:
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass  # trailers
                    return
                data = await reader.readexactly(size)
                await reader.readexactly(2)
                yield data
        elif head.length is not None:
            remaining = head.length
            while remaining:
                data = await reader.read(min(READ_SIZE, remaining))
                if not data:
                    raise _Cut("peer closed mid-body")
                remaining -= len(data)
                yield data
        elif until_eof:
            while data := await reader.read(READ_SIZE):
                yield data
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        raise _Cut(f"peer closed mid-body: {exc}") from None


def _frame(data: bytes, chunked: bool) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if chunked else data


def _abort(writer: asyncio.StreamWriter, rst: bool) -> None:
    sock = writer.get_extra_info("socket")
    if rst and sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if rst:
        writer.transport.abort()
    else:
        writer.close()


class _Conn:
    """One client connection and its upstream connection."""

    def __init__(
        self, proxy: FaultProxy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.proxy = proxy
        self.reader = reader
        self.writer = writer
        self.up_reader: asyncio.StreamReader | None = None
        self.up_writer: asyncio.StreamWriter | None = None

    async def run(self) -> None:
        try:
            while await self.one_exchange():
                pass
        except _Cut:
            pass
        finally:
            self.end(rst=False)

    def end(self, *, rst: bool) -> None:
        for w in (self.writer, self.up_writer):
            if w is not None and not w.is_closing():
                _abort(w, rst)
            elif w is not None and rst:
                w.transport.abort()

    async def fault(self, rule: Rule, entry: Entry) -> None:
        """Run a point action; raises ``_Cut`` when the connection must end."""
        entry.injected = rule.action
        if rule.action == "delay":
            await asyncio.sleep(rule.seconds)
        elif rule.action == "kill":
            if self.proxy.on_kill is not None:
                self.proxy.on_kill()  # blocks the loop briefly; no executor thread is left
        elif rule.action in ("reset", "close"):
            self.end(rst=rule.action == "reset")
            raise _Cut(rule.action)
        elif rule.action == "stall":
            deadline = rule.seconds or None
            with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
                await asyncio.wait_for(self.reader.read(), deadline)  # until the client hangs up
            self.end(rst=False)
            raise _Cut("stall")

    async def send(self, writer: asyncio.StreamWriter, data: bytes, rate: int | None) -> None:
        try:
            if rate is None:
                writer.write(data)
                await writer.drain()
                return
            step = max(1, rate // 20)
            for i in range(0, len(data), step):
                writer.write(data[i : i + step])
                await writer.drain()
                await asyncio.sleep(len(data[i : i + step]) / rate)
        except ConnectionError as exc:
            raise _Cut(str(exc)) from None

    async def connect_upstream(self) -> None:
        if self.up_writer is not None and not self.up_writer.is_closing():
            return
        host, port = self.proxy.upstream
        try:
            self.up_reader, self.up_writer = await asyncio.open_connection(host, port)
        except OSError:
            self.end(rst=True)  # the server is gone: the client sees a reset
            raise _Cut("upstream refused") from None

    async def next_head(self) -> _Head | None:
        """The next request's head, or None when the client or the server (on an idle
        kept-alive connection) hung up: like a plain TCP relay, the proxy mirrors it."""
        task = asyncio.ensure_future(_read_head(self.reader))
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=0.05)
                if done:
                    return task.result()
                up = self.up_reader
                if up is not None and (up.at_eof() or up.exception() is not None):
                    return None
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, _Cut):
                    await task

    async def one_exchange(self) -> bool:
        head = await self.next_head()
        if head is None:
            return False
        method, target = head.first.split(" ")[:2]
        entry = Entry(method, target)
        self.proxy.log.append(entry)
        rule = self.proxy.match(method, target)
        # -- request ------------------------------------------------------------------
        if rule is not None and rule.point == "request":
            if rule.action == "status":
                async for _ in _body(self.reader, head, until_eof=False):
                    pass
                entry.status, entry.injected = rule.status, "status"
                extra = f"Retry-After: {rule.retry_after}\r\n" if rule.retry_after else ""
                reason = {429: "Too Many Requests", 502: "Bad Gateway", 503: "Service Unavailable"}
                await self.send(
                    self.writer,
                    (
                        f"HTTP/1.1 {rule.status} {reason.get(rule.status, 'Injected')}\r\n"
                        f"content-type: application/json\r\ncontent-length: {len(rule.body)}\r\n"
                        f"{extra}\r\n"
                    ).encode("latin-1")
                    + rule.body,
                    None,
                )
                return True
            await self.fault(rule, entry)
        await self.connect_upstream()
        assert self.up_writer is not None and self.up_reader is not None
        await self.send(self.up_writer, head.encode(), None)
        sent = 0
        upload = rule if rule is not None and rule.point == "upload" else None
        async for data in _body(self.reader, head, until_eof=False):
            rate = upload.rate if upload and upload.action == "throttle" else None
            if upload and upload.action != "throttle" and sent + len(data) > upload.after_bytes:
                cut = max(0, upload.after_bytes - sent)
                await self.send(self.up_writer, _frame(data[:cut], head.chunked), None)
                await self.fault(upload, entry)
                upload = None
                data = data[cut:]
            await self.send(self.up_writer, _frame(data, head.chunked), rate)
            sent += len(data)
        if head.chunked:
            await self.send(self.up_writer, b"0\r\n\r\n", None)
        # -- response -----------------------------------------------------------------
        rhead = await _read_head(self.up_reader)
        if rhead is None:
            self.end(rst=True)
            raise _Cut("upstream closed before answering")
        entry.status = int(rhead.first.split(" ")[1])
        late = rule if rule is not None and rule.point in ("response", "events") else None
        head_cut = late is not None and late.point == "response" and late.after_bytes == 0
        if late is not None and head_cut and late.action != "throttle":
            await self.fault(late, entry)
            late = None
        await self.send(self.writer, rhead.encode(), None)
        sse = (rhead.get("content-type") or "").startswith("text/event-stream")
        no_body = method == "HEAD" or entry.status in (204, 304) or entry.status < 200
        keep = (rhead.get("connection") or "").lower() != "close"
        until_eof = not rhead.chunked and rhead.length is None
        if not no_body:
            await self.watch(self.relay_body(rhead, late, entry, sse, until_eof))
        return keep and not until_eof

    async def watch(self, relay: Coroutine[Any, Any, None]) -> None:
        """Run ``relay`` until it ends or the client hangs up (a client that closes a
        long answer, such as a session stream, must close the upstream side too)."""
        task = asyncio.ensure_future(relay)
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=0.05)
                if not task.done() and (self.reader.at_eof() or self.reader.exception()):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, _Cut):
                        await task
                    raise _Cut("client hung up")
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, _Cut):
                    await task
        task.result()

    async def relay_body(
        self, rhead: _Head, late: Rule | None, entry: Entry, sse: bool, until_eof: bool
    ) -> None:
        assert self.up_reader is not None
        sent = 0
        pending = b""
        rate = late.rate if late is not None and late.action == "throttle" else None
        async for data in _body(self.up_reader, rhead, until_eof):
            if sse and late is not None and late.point == "events" and late.action != "throttle":
                # split at event ends so the action falls exactly after the chosen event
                pending += data
                while (end := pending.find(b"\n\n")) >= 0:
                    event, pending = pending[: end + 2], pending[end + 2 :]
                    await self.send(self.writer, _frame(event, rhead.chunked), None)
                    if (
                        self.count_event(event, entry)
                        and late is not None
                        and self.due(late, entry, event)
                    ):
                        await self.fault(late, entry)
                        late = None
                if late is None and pending:
                    await self.send(self.writer, _frame(pending, rhead.chunked), None)
                    pending = b""
                continue
            body_cut = late is not None and late.point == "response" and late.action != "throttle"
            if late is not None and body_cut and sent + len(data) > late.after_bytes:
                cut = max(0, late.after_bytes - sent)
                await self.send(self.writer, _frame(data[:cut], rhead.chunked), None)
                await self.fault(late, entry)
                late = None
                data = data[cut:]
            if sse:
                for event in data.split(b"\n\n")[:-1]:
                    self.count_event(event, entry)
            await self.send(self.writer, _frame(data, rhead.chunked), rate)
            sent += len(data)
        if pending:
            await self.send(self.writer, _frame(pending, rhead.chunked), None)
        if rhead.chunked:
            await self.send(self.writer, b"0\r\n\r\n", None)
        if until_eof:
            self.end(rst=False)

    def count_event(self, event: bytes, entry: Entry) -> bool:
        if b"data:" not in event:
            return False
        entry.events += 1
        payload = event.split(b"data:", 1)[1].strip()
        try:
            msg = json.loads(payload).get("msg")
        except (ValueError, AttributeError):
            msg = None
        self.proxy.messages.append(str(msg))
        return True

    @staticmethod
    def due(rule: Rule, entry: Entry, event: bytes) -> bool:
        if rule.after_msg is not None:
            if f'"msg":"{rule.after_msg}"'.encode() in event.replace(b" ", b""):
                entry.matched += 1
            return entry.matched >= max(1, rule.after_events)
        return entry.events >= rule.after_events


class FaultProxy:
    """Start with ``with FaultProxy(url) as proxy:``; point the client at ``proxy.url``."""

    def __init__(self, upstream: str, *, on_kill: Callable[[], None] | None = None) -> None:
        self.upstream = self._parse(upstream)
        self.on_kill = on_kill
        self.rules: list[Rule] = []
        self.log: list[Entry] = []
        self.messages: list[str] = []
        self._conns: set[_Conn] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="faultproxy", daemon=True
        )
        self._server: asyncio.Server | None = None
        self.port = 0

    @staticmethod
    def _parse(url: str) -> tuple[str, int]:
        parts = urlsplit(url)
        assert parts.hostname and parts.port, url
        return parts.hostname, parts.port

    def set_upstream(self, url: str, *, cut: bool = False) -> None:
        """Relay new connections to ``url``; ``cut`` also resets every open upstream
        connection (the old server is gone: its sockets die with it)."""
        self.upstream = self._parse(url)
        if cut:

            def reset_all() -> None:
                for conn in list(self._conns):
                    if conn.up_writer is not None:
                        _abort(conn.up_writer, rst=True)

            asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self._loop).result(5)
            self._loop.call_soon_threadsafe(reset_all)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def add(self, *rules: Rule) -> None:
        with self._lock:
            self.rules.extend(rules)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.log.clear()
            self.messages.clear()

    def match(self, method: str, target: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.claim(method, target):
                    return rule
        return None

    def requests(self, path: str, method: str | None = None) -> list[Entry]:
        return [
            e for e in list(self.log) if re.search(path, e.target) and method in (None, e.method)
        ]

    @property
    def open_connections(self) -> int:
        return len(self._conns)

    def wait_closed(self, timeout: float = 5.0) -> bool:
        """Wait until every client connection has ended (True) or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while self._conns and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self._conns

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Conn(self, reader, writer)
        self._conns.add(conn)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await conn.run()
        except Exception:  # a proxy bug must not leave a connection open
            conn.end(rst=True)
            raise
        finally:
            self._conns.discard(conn)
            self._tasks.discard(task)

    def start(self) -> FaultProxy:
        self._thread.start()

        async def serve() -> asyncio.Server:
            return await asyncio.start_server(self._handle, "127.0.0.1", 0, limit=1 << 20)

        self._server = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for conn in list(self._conns):
                conn.end(rst=True)  # every read of every connection task now ends
            if self._tasks:
                _, late = await asyncio.wait(set(self._tasks), timeout=5)
                for task in late:
                    task.cancel()
                if late:
                    await asyncio.wait(late, timeout=5)

        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        if not self._loop.is_running():
            self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
