"""Thin sync driver: one stream reader per session (see ``SyncSession``), ``Job``.

The reader (a waiting caller, or a background thread when no caller waits) reads the
session stream, feeds the protocol core (``_protocol._session``) and wakes the jobs whose
record changed (one ``threading.Condition`` per job on the session lock; no polling). It
reopens the stream while events are pending after ``close_stream`` and stops once nothing
is pending.
A stream silent for ``Timeout.stream_idle`` fails its pending jobs with ``ReadTimeout``.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from .._constants import LOGGER_NAME, RETRY_STATUS_CODES
from .._exceptions import (
    CancelledError,
    GradioGenError,
    ProtocolError,
    ReadTimeout,
    StreamLostError,
    UsageError,
)
from .._protocol._session import CancelRequest, Effects, Session
from .._protocol._sse import SSEDecoder
from .._spec import EndpointSpec
from .._types import Timeout
from ._http import (
    backoff,
    map_transport_error,
    request_sync,
    retry_after,
    status_error,
    stream_timeout,
)
from ._sync_job import Job

logger = logging.getLogger(LOGGER_NAME)

R = TypeVar("R")
JOIN_HEADERS = {"x-gradio-user": "api"}
DRAIN_WAIT = 0.05
"""How long an inline reader whose wait is over waits for the end of the stream (which
the server sends right after the last result) before leaving it to a background reader."""
DRAIN_STEPS = 4
"""At most this many reads of that end inline (a server may send heartbeats instead)."""
GRACE = 0.05
"""How long the reader role may stay unowned, with work pending, before the background
reader takes it: a caller iterating a job comes back for its next output well within it
and reads inline again, with no hand-off between threads per message."""


def event_id_from(response: httpx.Response) -> str:
    try:
        event_id = response.json().get("event_id")
    except (ValueError, AttributeError):
        event_id = None
    if not isinstance(event_id, str) or not event_id:
        raise ProtocolError(f"queue/join answered without an event_id: {response.text[:200]!r}")
    return event_id


def shutdown_response(response: httpx.Response | None) -> None:
    """Unblock a thread reading ``response`` by shutting its socket down."""
    if response is None:
        return
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def readable(response: httpx.Response | None, timeout: float) -> bool:
    """Whether ``response`` has bytes to read within ``timeout`` (False if unknown): bytes
    its HTTP/1.1 parser already holds, or bytes arriving on its socket."""
    if response is None:
        return False
    try:  # httpx -> httpcore -> h11 internals; any mismatch just means "unknown"
        inner: Any = response.stream
        held = inner._stream._httpcore_stream._stream._connection._h11_state.trailing_data[0]
        if len(held) > 2:  # more than the CRLF that ends the last chunk read
            return True
    except (AttributeError, IndexError, TypeError):
        pass
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if not isinstance(sock, socket.socket):
        return False
    try:
        return bool(select.select([sock], [], [], timeout)[0])
    except (OSError, ValueError):
        return False


class SyncSession:
    """One ``session_hash``: the protocol core, the stream reader role, the jobs' conditions.

    The *reader role* (``_reader``: the thread holding it) is held by at most one thread at a
    time; the live stream (``_response``, its chunk iterator and ``SSEDecoder``) belongs to
    the session, not to a thread, so the role can change hands without closing the stream
    (closing it with events pending would drop them server-side). A caller about to wait
    (``join(..., lead=True)``, e.g. ``predict``) starts no thread: ``Job._wait`` finds no
    reader and reads the stream itself (*inline pumping*). When that wait is over the role
    is left unowned: the next waiter takes it (one blocked in a wait is woken for that). A
    background reader thread (at most one per session, started by ``join(lead=False)`` or
    when a wait ends with work pending) takes the role once it has been unowned for
    ``GRACE``, or at once when a waiter's deadline is closer than one blocking read; it
    steps down as soon as a waiter that can read inline is blocked, and ends once nothing
    is pending and the stream has ended. So ``submit()`` then iterating reads inline, and
    a job nobody waits on still progresses (``done()``, ``status()`` stay current).
    """

    def __init__(
        self,
        http: httpx.Client,
        api_url: str,
        session_hash: str,
        timeout: Timeout,
        max_retries: int,
    ) -> None:
        self.http = http
        self.api_url = api_url
        self.session_hash = session_hash
        self.timeout = timeout
        self.max_retries = max_retries
        self.encode_inputs: Callable[[EndpointSpec, list[Any]], list[Any]] = lambda ep, v: v
        """Set by the client: uploads files in ``send_chunk`` values (see ``_files_handler``)."""
        self.lock = threading.Lock()
        self.core = Session()
        self._conds: dict[str, threading.Condition] = {}
        self._reader: threading.Thread | None = None
        """The thread holding the reader role (a background reader or an inline waiter)."""
        self._bg: threading.Thread | None = None
        """The background reader thread while it runs (with or without the role)."""
        self._thread: threading.Thread | None = None
        """The last background reader thread started (``close`` joins it)."""
        self._bg_wake = threading.Condition(self.lock)
        """Wakes the background reader: urgent work, or ``close``."""
        self._urgent = False
        """A waiter cannot read inline (its deadline is near): take the role at once."""
        self._released_at = 0.0
        """When the role was last given up (the background reader waits ``GRACE`` from it)."""
        self._lead_waiting = 0
        """Waiters blocked while another thread holds the role that could read inline."""
        self._response: httpx.Response | None = None
        self._chunks: Iterator[bytes] | None = None
        self._decoder = SSEDecoder()
        self._saw_close = False
        """``close_stream`` was seen on the live stream."""
        self._closed = False
        self._stopped = threading.Event()
        """Set by ``close``: cuts short the reader's backoff between stream-open attempts."""

    # -- calls ------------------------------------------------------------------------
    def join(
        self,
        ep: EndpointSpec,
        data: list[Any],
        transform: Callable[[list[Any]], R],
        *,
        lead: bool = False,
    ) -> Job[R]:
        """Join the queue. ``lead=True``: the caller waits on the job right away (its wait
        reads the stream inline), so no reader thread is started for it."""
        if self._closed:
            raise UsageError("this client is closed")
        body = {
            "data": data,
            "fn_index": ep.fn_index,
            "session_hash": self.session_hash,
            "event_data": None,
            "trigger_id": None,
        }
        response = request_sync(
            self.http,
            "POST",
            self.api_url + "queue/join",
            what=f"joining the queue for {ep.api_name}",
            policy="unsent",
            max_retries=self.max_retries,
            json=body,
            headers=JOIN_HEADERS,
        )
        event_id = event_id_from(response)
        with self.lock:
            record, effects = self.core.register(event_id, ep.fn_index, ep.api_name)
            cond = threading.Condition(self.lock)
            self._conds[event_id] = cond
            job = Job(self, ep, record, cond, transform)
            if self._closed:  # closed while the join was in flight
                effects.merge(self.core.close(CancelledError("the client was closed")))
            self._wake(effects)
            if not lead:
                if self._reader is None:  # the caller may wait on it next: leave it GRACE
                    self._released_at = time.monotonic()
                self._ensure_reader()
        self._send_cancels(effects.cancels)
        return job

    def cancel(self, event_id: str) -> bool:
        with self.lock:
            changed, effects = self.core.cancel(event_id)
            self._wake(effects)
        self._send_cancels(effects.cancels)
        return changed

    def post_stream(self, ep: EndpointSpec, event_id: str, data: list[Any] | None) -> None:
        url = f"{self.api_url}stream/{event_id}" + ("" if data is not None else "/close")
        body: dict[str, Any] = (
            {"data": data, "fn_index": ep.fn_index, "session_hash": self.session_hash}
            if data is not None
            else {}
        )
        request_sync(
            self.http,
            "POST",
            url,
            what=f"streaming to {ep.api_name}",
            policy="unsent",
            max_retries=self.max_retries,
            json=body,
        )

    def _send_cancels(self, cancels: list[CancelRequest]) -> None:
        for c in cancels:
            try:
                request_sync(
                    self.http,
                    "POST",
                    self.api_url + "cancel",
                    what="cancelling a job",
                    policy="idempotent",
                    max_retries=self.max_retries,
                    json={
                        "event_id": c.event_id,
                        "session_hash": self.session_hash,
                        "fn_index": c.fn_index,
                    },
                )
            except GradioGenError as exc:
                logger.warning("could not cancel %s on the server: %s", c.event_id, exc)

    # -- the reader role ------------------------------------------------------------------
    def _wake(self, effects: Effects) -> None:
        """Under ``lock``: notify the waiters of changed records."""
        for event_id in effects.touched:
            cond = self._conds.get(event_id)
            if cond is not None:
                cond.notify_all()
                record = self.core.record(event_id)
                if record is None:  # ended: its job keeps the record
                    self._conds.pop(event_id, None)
        for problem in effects.problems:
            logger.warning("session %s: %s", self.session_hash, problem)

    def _has_work(self) -> bool:
        """Under ``lock``: the stream must be read (events pending, or a live stream to
        drain up to its end so that its connection goes back to the pool)."""
        return not self._closed and (self.core.pending or self._response is not None)

    def _ensure_reader(self, urgent: bool = False) -> None:
        """Under ``lock``: while there is work, have a background reader: it takes the role
        once it has been unowned for ``GRACE`` (``urgent``: as soon as it is free)."""
        if not self._has_work():
            return
        if urgent:
            self._urgent = True
        if self._bg is None:
            thread = threading.Thread(
                target=self._background,
                name=f"gradio-gen-stream-{self.session_hash[:8]}",
                daemon=True,
            )
            self._bg = self._thread = thread
            thread.start()
        elif urgent:
            self._bg_wake.notify()

    def _release(self) -> None:
        """Under ``lock``: the role's holder stops reading. A waiter that can read inline is
        woken to take the role; otherwise the background reader takes it after ``GRACE``."""
        self._reader = None
        self._released_at = time.monotonic()
        if self._lead_waiting:
            for cond in self._conds.values():
                cond.notify_all()

    def can_lead(self, deadline: float | None) -> bool:
        """Under ``lock``: whether a waiter with this deadline may block in a read."""
        return deadline is None or deadline - time.monotonic() > self._lead_bound()

    def _lead_bound(self) -> float:
        """How long one step of reading can block (a waiter with less time left than this
        leaves the reading to a background reader so that its own deadline holds)."""
        idle = self.timeout.stream_idle
        return float("inf") if idle is None else idle + (self.timeout.connect or 0.0)

    def try_lead(self, deadline: float | None) -> bool:
        """Under ``lock``: take the reader role for the calling (waiting) thread if no one
        holds it, there is work, and the wait's deadline leaves room for a blocking read."""
        if self._reader is not None or not self._has_work():
            return False
        if not self.can_lead(deadline):
            self._ensure_reader(urgent=True)
            return False
        self._reader = threading.current_thread()
        return True

    def lead(self, ready: Callable[[], bool], deadline: float | None) -> None:
        """Without ``lock``, holding the role (``try_lead``): read the stream until ``ready()``,
        then give the role up (``_release``). With nothing pending the live stream's end
        (``close_stream``) is read here only if it is already arriving (``DRAIN_WAIT``), so a
        stream that never ends cannot hold the caller."""
        drained = 0
        near = False
        bound = self._lead_bound()
        stop_at = None if deadline is None or bound == float("inf") else deadline - bound
        try:
            while True:
                with self.lock:
                    if not self._has_work():
                        return
                    if stop_at is not None and time.monotonic() >= stop_at:
                        near = True  # this waiter goes on waiting: someone must read now
                        return
                    draining = ready()
                    if draining and (self.core.pending or self._response is None):
                        return
                    response = self._response
                if draining:
                    drained += 1
                    if drained > DRAIN_STEPS or not readable(response, DRAIN_WAIT):
                        return
                self._step()
        finally:
            with self.lock:
                self._release()
                self._ensure_reader(urgent=near)

    def _background(self) -> None:
        me = threading.current_thread()
        try:
            while self._take_role(me):
                self._step()
        finally:
            with self.lock:
                if self._reader is me:
                    self._reader = None
                if self._bg is me:
                    self._bg = None

    def _take_role(self, me: threading.Thread) -> bool:
        """The background reader: wait until it should read (True) or end (False)."""
        with self.lock:
            while self._has_work():
                if self._reader is me:
                    if not self._lead_waiting:
                        return True
                    self._release()  # a waiter reads inline from here
                elif self._reader is None:
                    idle = time.monotonic() - self._released_at
                    if self._urgent or idle >= GRACE:
                        self._urgent = False
                        self._reader = me
                        return True
                    self._bg_wake.wait(GRACE - idle)
                else:  # an inline reader has it; check again later (no wake-up per message)
                    self._bg_wake.wait(GRACE)
            if self._bg is me:  # under the same lock: a join from now on starts a new one
                self._bg = None
            return False

    def _step(self) -> None:
        """Holding the role: open the stream if none is live, read one chunk and apply its
        messages; at the stream's end (or on an error) fail or keep the pending events."""
        error: GradioGenError | None = None
        try:
            if self._chunks is None:
                response = self._open()
                with self.lock:
                    if self._closed:
                        response.close()
                        raise StreamLostError("the client was closed")
                    self._response = response
                    self._chunks = response.iter_bytes()
                    self._decoder = SSEDecoder()
                    self._saw_close = False
            chunk = next(self._chunks, None)
            if chunk is not None:
                payloads = self._decoder.feed(chunk)
                if payloads:
                    effects = Effects()
                    with self.lock:
                        for payload in payloads:
                            effects.merge(self.core.receive(payload))
                        self._wake(effects)
                        self._saw_close = self._saw_close or effects.closed
                    self._send_cancels(effects.cancels)
                return
        except httpx.ReadTimeout as exc:
            error = ReadTimeout(
                f"the session stream was silent for {self.timeout.stream_idle} s "
                "(Timeout.stream_idle); the connection is presumed dead"
            )
            error.__cause__ = exc
        except httpx.TransportError as exc:
            error = StreamLostError(f"the session stream broke: {type(exc).__name__}: {exc}")
            error.__cause__ = exc
        except GradioGenError as exc:
            error = exc
        except Exception as exc:  # never die silently with jobs waiting
            logger.exception("session stream reader failed")
            error = StreamLostError(f"the session stream reader failed: {exc!r}")
        # the stream ended (or could not be opened / broke)
        with self.lock:
            live, self._response, self._chunks = self._response, None, None
            if (error is not None or not self._saw_close) and (
                self.core.pending or self.core.buffering
            ):
                self._wake(self.core.stream_ended(error))
            elif self.core.pending and not self._closed:
                logger.debug("session %s: reopening the stream for pending jobs", self.session_hash)
        if live is not None:
            live.close()

    def _open(self) -> httpx.Response:
        request = self.http.build_request(
            "GET",
            self.api_url + "queue/data",
            params={"session_hash": self.session_hash},
            timeout=stream_timeout(self.timeout),
        )
        attempt = 0
        while True:
            try:
                response = self.http.send(request, stream=True)
            except httpx.TransportError as exc:
                if attempt >= self.max_retries or isinstance(exc, httpx.ReadTimeout):
                    raise map_transport_error(exc, "opening the session stream") from exc
                self._pause(backoff(attempt))
                attempt += 1
                continue
            if response.is_success:
                return response
            response.read()
            response.close()
            if response.status_code in RETRY_STATUS_CODES and attempt < self.max_retries:
                self._pause(backoff(attempt, retry_after(response)))
                attempt += 1
                continue
            raise status_error(response, "opening the session stream")

    def _pause(self, seconds: float) -> None:
        """Sleep between attempts, unless ``close`` comes first."""
        if self._stopped.wait(seconds):
            raise StreamLostError("the client was closed")

    def close(self, timeout: float = 5.0) -> None:
        with self.lock:
            self._closed = True
            self._stopped.set()
            self._wake(self.core.close(CancelledError("the client was closed")))
            self._bg_wake.notify_all()
            thread = self._thread
            shutdown_response(self._response)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("session stream reader did not stop within %s s", timeout)
