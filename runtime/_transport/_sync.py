"""Thin sync driver: one stream reader per session (see ``SyncSession``), ``Job``.

The reader (a waiting caller, or a background thread when no caller waits) reads the
session stream, feeds the protocol core (``_protocol._session``) and wakes the jobs whose
record changed (one ``threading.Condition`` per job on the session lock; no polling). It
reopens the stream while events are pending after a normal end of a stream (the core
decides what is normal per protocol) and stops once nothing is pending.
A stream silent for ``Timeout.stream_idle`` fails its pending jobs with ``ReadTimeout``.

Lifecycles (``Dialect.transport``): ``sse_v1``...``sse_v3`` have one ``SyncSession`` per
client session: ``POST queue/join`` per call, one ``queue/data`` stream for all pending
calls, reopened while calls are pending (``sse_v1``-``sse_v2.1`` end it whenever nothing is
pending). ``ws`` and ``sse`` run one connection per call: ``SyncCalls`` makes a fresh
``SyncSession`` (a *lane*) per call, whose wire is the call's own socket or stream; the same
reader role reads it (inline by the waiting caller, else a background thread), answers the
server's ``send_hash``/``send_data`` and ends with the call.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from .._constants import LOGGER_NAME
from .._exceptions import (
    CancelledError,
    GradioGenError,
    ReadTimeout,
    StreamLostError,
    UsageError,
)
from .._protocol._dialect import SSE_V3, Dialect
from .._protocol._session import CancelRequest, Effects, ResetRequest, Send, Session
from .._spec import EndpointSpec
from .._types import Timeout
from ._http import request_sync
from ._sync_job import Job
from ._wires import JOIN_HEADERS, SyncWire, cancel_failed, event_id_from, open_sync, wire_params

logger = logging.getLogger(LOGGER_NAME)

R = TypeVar("R")
DRAIN_WAIT = 0.05
"""How long an inline reader whose wait is over waits for the end of the stream (which
the server sends right after the last result) before leaving it to a background reader."""
DRAIN_STEPS = 4
"""At most this many reads of that end inline (a server may send heartbeats instead)."""
GRACE = 0.05
"""How long the reader role may stay unowned, with work pending, before the background
reader takes it: a caller iterating a job comes back for its next output well within it
and reads inline again, with no hand-off between threads per message."""


class SyncSession:
    """One ``session_hash``: the protocol core, the stream reader role, the jobs' conditions.

    The *reader role* (``_reader``: the thread holding it) is held by at most one thread at a
    time; the live stream (``_wire``: the response and its decoder, or a call's socket) belongs to
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
        dialect: Dialect = SSE_V3,
    ) -> None:
        self.http = http
        self.api_url = api_url
        self.session_hash = session_hash
        self.timeout = timeout
        self.max_retries = max_retries
        self.dialect = dialect
        self.encode_inputs: Callable[[EndpointSpec, list[Any]], list[Any]] = lambda ep, v: v
        """Set by the client: uploads files in ``send_chunk`` values (see ``_files_handler``)."""
        self.lock = threading.Lock()
        self.core = Session(dialect=dialect)
        self._conds: dict[str, threading.Condition] = {}
        self._reader: int | None = None
        """The thread holding the reader role (a background reader or an inline waiter), by
        its ``threading.get_ident()``."""
        self._bg: threading.Thread | None = None
        """The background reader thread while it runs (with or without the role)."""
        self._thread: threading.Thread | None = None
        """The last background reader thread started (``close`` joins it)."""
        self._bg_wake = threading.Condition(self.lock)
        self._kills_sent = threading.Condition(self.lock)
        """Notified when a ``/cancel`` that kills a function's tasks was sent (core rule 7)."""
        """Wakes the background reader: urgent work, or ``close``."""
        self._urgent = False
        """A waiter cannot read inline (its deadline is near): take the role at once."""
        self._released_at = 0.0
        """When the role was last given up (the background reader waits ``GRACE`` from it)."""
        self._lead_waiting = 0
        """Waiters blocked while another thread holds the role that could read inline."""
        self._sleeping = 0
        """Waiters blocked in a wait on their job's condition (``_wake`` notifies only then)."""
        self._wire: SyncWire | None = None
        self._call: tuple[EndpointSpec, list[Any]] | None = None
        """Per-call protocols (a lane): the call this session's wire carries."""
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
        if self.dialect.per_call:
            return self._join_call(ep, data, transform, lead=lead)
        body = {
            "data": data,
            "fn_index": ep.fn_index,
            "session_hash": self.session_hash,
            "event_data": None,
            "trigger_id": None,
        }
        with self.lock:
            while not self.core.may_join(ep.fn_index):  # a kill of its tasks is on its way
                self._kills_sent.wait(1.0)  # bounded by that request's own timeouts
                if self._closed:
                    raise UsageError("this client is closed")
            self.core.joining(ep.fn_index)
        try:
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
        except BaseException as exc:
            with self.lock:
                held = self.core.joined(ep.fn_index)
            if isinstance(exc, Exception):
                self._carry_out(held)
            else:  # Ctrl-C: the deferred kill is given up (the task ends by itself)
                self._kills_done(held.cancels)
            raise
        with self.lock:
            record, effects = self.core.register(event_id, ep.fn_index, ep.api_name)
            effects.merge(self.core.joined(ep.fn_index))
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
        self._carry_out(effects)
        return job

    def _join_call(
        self, ep: EndpointSpec, data: list[Any], transform: Callable[[list[Any]], R], *, lead: bool
    ) -> Job[R]:
        """A lane's one call: register it, open its connection and read until the server
        accepted it (its first message: queue-full and auth errors are raised here), unless
        the caller waits at once (``lead``: its wait reads everything inline)."""
        with self.lock:
            if self._call is not None:
                raise UsageError("a per-call session carries one call")
            self._call = (ep, data)
            record, _ = self.core.register(uuid.uuid4().hex, ep.fn_index, ep.api_name)
            cond = threading.Condition(self.lock)
            self._conds[record.event_id] = cond
            job = Job(self, ep, record, cond, transform)
        if lead:
            return job

        def accepted() -> bool:
            return bool(record.updates) or record.done

        with self.lock:  # a direct call's first message is its result: do not wait for it
            if self.dialect.transport != "direct" and not accepted() and self.try_lead(None):
                self.lead(accepted, None)
            if record.refusal is not None:
                raise record.refusal
            self._released_at = time.monotonic()
            self._ensure_reader()
        return job

    def _direct_body(self) -> dict[str, Any] | None:
        """A queue-less 3.x call's ``run/predict`` body (``direct`` transport)."""
        if self._call is None or self.dialect.transport != "direct":
            return None
        ep, data = self._call
        return {"data": data, "fn_index": ep.fn_index, "session_hash": self.session_hash,
                "event_data": None}  # fmt: skip

    def cancel(self, event_id: str) -> bool:
        with self.lock:
            changed, effects = self.core.cancel(event_id)
            self._wake(effects)
            wire = self._wire if effects.hangup else None
            if wire is not None:
                wire.shutdown()  # a reader sees the end at once and closes the wire
                self._ensure_reader()
        self._carry_out(effects)
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

    def _carry_out(self, effects: Effects) -> None:
        """Without ``lock``: what the core asked for (``/cancel``, ``/reset``, the call's
        ``send_hash``/``send_data`` answers)."""
        try:
            for send in effects.sends:
                self._send(send)
            if effects.cancels:
                self._send_cancels(effects.cancels)
        finally:
            self._kills_done(effects.cancels)
        for reset in effects.resets:
            self._send_reset(reset)

    def _kills_done(self, cancels: list[CancelRequest]) -> None:
        """Without ``lock``: cancels sent or given up; joins their kills held back may go
        (core rule 7)."""
        if not cancels:
            return
        with self.lock:
            for cancel in cancels:
                self.core.killed(cancel)
            self._kills_sent.notify_all()

    def _send(self, send: Send) -> None:
        assert self._call is not None and self._wire is not None
        ep, data = self._call
        head = {"fn_index": ep.fn_index, "session_hash": self.session_hash}
        if send.what == "hash":
            self._wire.send(head)
        elif self.dialect.transport == "websocket":
            self._wire.send({"data": data, "event_data": None, **head})
        else:  # sse (4.0-4.8): the data goes in a POST naming the server's event id
            request_sync(
                self.http, "POST", self.api_url + "queue/data",
                what=f"sending the data of {ep.api_name}", policy="unsent",
                max_retries=self.max_retries,
                json={"event_id": send.server_event_id, "data": data, "event_data": None, **head},
            )  # fmt: skip

    def _send_reset(self, reset: ResetRequest) -> None:
        body: dict[str, Any] = (
            {"event_id": reset.event_id}
            if reset.event_id is not None
            else {"session_hash": self.session_hash, "fn_index": reset.fn_index}
        )
        try:
            request_sync(
                self.http, "POST", self.api_url + "reset", what="resetting a generator",
                policy="idempotent", max_retries=self.max_retries, json=body,
            )  # fmt: skip
        except GradioGenError as exc:
            logger.info("could not reset %s on the server: %s", body, exc)

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
                cancel_failed(exc, c.event_id, self.dialect)

    # -- the reader role ------------------------------------------------------------------
    def _wake(self, effects: Effects) -> None:
        """Under ``lock``: notify the waiters of changed records."""
        for event_id in effects.touched:
            cond = self._conds.get(event_id)
            if cond is not None:
                if self._sleeping:  # nobody blocked in a wait: nobody to notify
                    cond.notify_all()
                if self.core.record(event_id) is None:  # ended: its job keeps the record
                    self._conds.pop(event_id, None)
        for problem in effects.problems:
            logger.warning("session %s: %s", self.session_hash, problem)

    def _has_work(self) -> bool:
        """Under ``lock``: the stream must be read (a live stream to drain up to its end so
        that its connection goes back to the pool, or events pending)."""
        return not self._closed and (self._wire is not None or self.core.pending)

    def _ensure_reader(self, urgent: bool = False) -> None:
        """Under ``lock``: while there is work, have a background reader: it takes the role
        once it has been unowned for ``GRACE`` (``urgent``: as soon as it is free)."""
        if not urgent and self._bg is not None:
            return  # it runs: it takes the role after GRACE by itself
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
        return deadline is None or deadline - time.monotonic() > self._lead_bound

    @functools.cached_property
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
        if deadline is not None and not self.can_lead(deadline):
            self._ensure_reader(urgent=True)
            return False
        self._reader = threading.get_ident()
        return True

    def lead(self, ready: Callable[[], bool], deadline: float | None) -> None:
        """Under ``lock``, right after ``try_lead(deadline)`` took the role for a waiter whose
        ``ready()`` is false: read the stream until ``ready()`` (the lock is let go while a
        read blocks), then give the role up (``_release``). With nothing pending the live
        stream's end (``close_stream``) is read here only if it is already arriving
        (``DRAIN_WAIT``), so a stream that never ends cannot hold the caller. An iterating
        job calls this once per output: it sets nothing up beyond the deadline bound, and
        what ``try_lead`` just checked is not checked again before the first read."""
        drained = 0
        near = False
        bound = self._lead_bound
        stop_at = None if deadline is None or bound == float("inf") else deadline - bound
        core = self.core
        try:
            while True:
                self._step()
                if self._closed or (self._wire is None and not core.pending):
                    return  # no work left (``_has_work``)
                if stop_at is not None and time.monotonic() >= stop_at:
                    near = True  # this waiter goes on waiting: someone must read now
                    return
                if ready():
                    wire = self._wire
                    if wire is None or core.pending:
                        return
                    drained += 1  # nothing pending: read the stream's end if it is arriving
                    if drained > DRAIN_STEPS or not self._unlocked(wire.readable, DRAIN_WAIT):
                        return
        finally:
            self._release()
            if near or self._bg is None:
                self._ensure_reader(urgent=near)

    def _unlocked(self, wait: Callable[[float], bool], seconds: float) -> bool:
        """Under ``lock``: ``wait(seconds)`` with the lock let go meanwhile."""
        self.lock.release()
        try:
            return wait(seconds)
        finally:
            self.lock.acquire()

    def _background(self) -> None:
        me = threading.current_thread()
        with self.lock:
            try:
                while self._take_role(me):
                    self._step()
            finally:
                if self._reader == me.ident:
                    self._reader = None
                if self._bg is me:
                    self._bg = None

    def _take_role(self, me: threading.Thread) -> bool:
        """Under ``lock``, the background reader: wait until it should read (True) or end
        (False)."""
        ident = me.ident
        while self._has_work():
            if self._reader == ident:
                if not self._lead_waiting:
                    return True
                self._release()  # a waiter reads inline from here
            elif self._reader is None:
                idle = time.monotonic() - self._released_at
                if self._urgent or idle >= GRACE:
                    self._urgent = False
                    self._reader = ident
                    return True
                self._bg_wake.wait(GRACE - idle)
            else:  # an inline reader has it; check again later (no wake-up per message)
                self._bg_wake.wait(GRACE)
        if self._bg is me:  # under the same lock: a join from now on starts a new one
            self._bg = None
        return False

    def _step(self) -> None:
        """Under ``lock``, holding the role: open the wire if none is live, read once and
        apply its messages (the lock is let go while opening, reading, and carrying out what
        the core asks for); at its end (or on an error) let the core fail or keep the pending
        events."""
        error: GradioGenError | None = None
        lock = self.lock
        try:
            wire = self._wire
            if wire is None:
                call = self._call[0].fn_index if self._call is not None else None
                lock.release()
                try:
                    wire = open_sync(
                        self.http, self.dialect, self.api_url,
                        wire_params(self.dialect, self.session_hash, call),
                        self.timeout, self.max_retries, self._pause, self._direct_body(),
                    )  # fmt: skip
                finally:
                    lock.acquire()
                if self._closed:
                    wire.close()
                    raise StreamLostError("the client was closed")
                self._wire = wire
                self.core.stream_opened()
            lock.release()
            try:
                payloads = wire.read()
            finally:
                lock.acquire()
            if payloads is not None:
                if payloads:
                    effects = Effects()
                    for payload in payloads:
                        self.core.receive(payload, effects)
                    self._wake(effects)
                    if effects.sends or effects.cancels or effects.resets:
                        lock.release()
                        try:
                            self._carry_out(effects)
                        finally:
                            lock.acquire()
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
        live, self._wire = self._wire, None
        self._wake(self.core.stream_ended(error))
        if self.core.pending and not self._closed:
            logger.debug("session %s: reopening the stream for pending jobs", self.session_hash)
        if live is not None:
            lock.release()
            try:
                live.close()
            finally:
                lock.acquire()

    def _pause(self, seconds: float) -> None:
        """Sleep between attempts, unless ``close`` comes first."""
        if self._stopped.wait(seconds):
            raise StreamLostError("the client was closed")

    def close(self, timeout: float = 5.0) -> None:
        with self.lock:
            self._closed = True
            self._kills_sent.notify_all()
            self._stopped.set()
            self._wake(self.core.close(CancelledError("the client was closed")))
            self._bg_wake.notify_all()
            thread = self._thread
            if self._wire is not None:
                self._wire.shutdown()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("session stream reader did not stop within %s s", timeout)
