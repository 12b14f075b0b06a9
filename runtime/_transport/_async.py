"""Thin async driver: one reader task per session, ``AsyncJob``.

Same protocol core and lifecycles as the sync driver (see ``_sync``): per-call protocols
(``ws``, ``sse``) get one ``AsyncSession`` lane per call (``_calls.AsyncCalls``), whose
reader task reads the call's own socket or stream. Joins pass through a semaphore (one connection of
the pool stays free for the stream reader) instead of letting httpcore queue hundreds of
waiters, which rescans its whole queue on every state change. Jobs wait on an
``asyncio.Event`` that the reader sets when their record changes (no polling).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sized
from typing import Any, Generic, TypeVar

import httpx

from .._constants import LOGGER_NAME, MAX_CONNECTIONS
from .._exceptions import (
    CancelledError,
    GradioGenError,
    JobTimeout,
    ReadTimeout,
    StreamLostError,
    UsageError,
)
from .._protocol._dialect import SSE_V3, Dialect
from .._protocol._session import CancelRequest, Effects, EventRecord, ResetRequest, Send, Session
from .._spec import EndpointSpec
from .._types import NOT_GIVEN, NotGiven, Status, Timeout, Update
from ._http import request_async
from ._shaping import Shaper
from ._wires import JOIN_HEADERS, AsyncWire, cancel_failed, event_id_from, open_async, wire_params

logger = logging.getLogger(LOGGER_NAME)

R = TypeVar("R")


async def _same(ep: EndpointSpec, values: list[Any]) -> list[Any]:
    return values


class AsyncSession:
    def __init__(
        self,
        http: httpx.AsyncClient,
        api_url: str,
        session_hash: str,
        timeout: Timeout,
        max_retries: int,
        max_connections: int = MAX_CONNECTIONS,
        dialect: Dialect = SSE_V3,
    ) -> None:
        self.http = http
        self.api_url = api_url
        self.session_hash = session_hash
        self.timeout = timeout
        self.max_retries = max_retries
        self.dialect = dialect
        self.encode_inputs: Callable[[EndpointSpec, list[Any]], Awaitable[list[Any]]] = _same
        """Set by the client: uploads files in ``send_chunk`` values (see ``_files_handler``)."""
        self.core = Session(dialect=dialect)
        self._wire: AsyncWire | None = None
        self._call: tuple[EndpointSpec, list[Any]] | None = None
        """Per-call protocols (a lane): the call this session's wire carries."""
        self._events: dict[str, asyncio.Event] = {}
        self._reader: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(max(1, max_connections - 1))
        self._kills_sent = asyncio.Event()
        """Set when a ``/cancel`` that kills a function's tasks was sent (rule 7 of the core)."""
        self._closed = False

    async def _request(
        self, method: str, url: str, what: str, policy: Any, **kwargs: Any
    ) -> httpx.Response:
        async with self._slots:
            return await request_async(
                self.http,
                method,
                url,
                what=what,
                policy=policy,
                max_retries=self.max_retries,
                **kwargs,
            )

    async def join(
        self, ep: EndpointSpec, data: list[Any], transform: Callable[[list[Any]], R]
    ) -> AsyncJob[R]:
        if self._closed:
            raise UsageError("this client is closed")
        if self.dialect.per_call:
            return await self._join_call(ep, data, transform)
        body = {
            "data": data,
            "fn_index": ep.fn_index,
            "session_hash": self.session_hash,
            "event_data": None,
            "trigger_id": None,
        }
        while not self.core.may_join(ep.fn_index):  # a kill of its tasks is on its way
            self._kills_sent.clear()
            await self._kills_sent.wait()  # bounded by that request's own timeouts
            if self._closed:
                raise UsageError("this client is closed")
        self.core.joining(ep.fn_index)
        try:
            response = await self._request(
                "POST", self.api_url + "queue/join", f"joining the queue for {ep.api_name}",
                "unsent", json=body, headers=JOIN_HEADERS,
            )  # fmt: skip
            event_id = event_id_from(response)
        except BaseException as exc:
            held = self.core.joined(ep.fn_index)
            if isinstance(exc, Exception):
                await self._carry_out(held)
            else:  # being cancelled: the deferred kill is given up (the task ends by itself)
                self._kills_done(held.cancels)
            raise
        record, effects = self.core.register(event_id, ep.fn_index, ep.api_name)
        effects.merge(self.core.joined(ep.fn_index))
        event = asyncio.Event()
        self._events[event_id] = event
        job = AsyncJob(self, ep, record, event, transform)
        if self._closed:  # closed while the join was in flight
            effects.merge(self.core.close(CancelledError("the client was closed")))
        self._wake(effects)
        if self.core.pending and (self._reader is None or self._reader.done()) and not self._closed:
            self._reader = asyncio.create_task(self._read_loop())
        await self._carry_out(effects)
        return job

    async def _join_call(
        self, ep: EndpointSpec, data: list[Any], transform: Callable[[list[Any]], R]
    ) -> AsyncJob[R]:
        """A lane's one call: register it, start its reader (which opens the call's
        connection) and wait until the server accepted it (its first message)."""
        if self._call is not None:
            raise UsageError("a per-call session carries one call")
        self._call = (ep, data)
        record, _ = self.core.register(uuid.uuid4().hex, ep.fn_index, ep.api_name)
        event = asyncio.Event()
        self._events[record.event_id] = event
        job = AsyncJob(self, ep, record, event, transform)
        self._reader = asyncio.create_task(self._read_loop())
        if self.dialect.transport == "direct":  # its first message is its result
            return job
        await job._wait(lambda: bool(record.updates) or record.done, None)
        if record.refusal is not None:
            raise record.refusal
        return job

    async def cancel(self, event_id: str) -> bool:
        changed, effects = self.core.cancel(event_id)
        self._wake(effects)
        reader = self._reader
        if effects.hangup and reader is not None and not reader.done():
            reader.cancel()  # closes the call's connection (the reader's finally)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        await self._carry_out(effects)
        return changed

    async def _carry_out(self, effects: Effects) -> None:
        """What the core asked for (``/cancel``, ``/reset``, ``send_hash``/``send_data``)."""
        try:
            for send in effects.sends:
                await self._send(send)
            if effects.cancels:
                await self._send_cancels(effects.cancels)
        finally:
            self._kills_done(effects.cancels)
        for reset in effects.resets:
            await self._send_reset(reset)

    def _kills_done(self, cancels: list[CancelRequest]) -> None:
        """Cancels sent or given up: joins their kills held back may go (core rule 7)."""
        for cancel in cancels:
            self.core.killed(cancel)
        if cancels:
            self._kills_sent.set()

    async def _send(self, send: Send) -> None:
        assert self._call is not None and self._wire is not None
        ep, data = self._call
        head = {"fn_index": ep.fn_index, "session_hash": self.session_hash}
        if send.what == "hash":
            await self._wire.send(head)
        elif self.dialect.transport == "websocket":
            await self._wire.send({"data": data, "event_data": None, **head})
        else:  # sse (4.0-4.8): the data goes in a POST naming the server's event id
            await self._request(
                "POST", self.api_url + "queue/data", f"sending the data of {ep.api_name}",
                "unsent",
                json={"event_id": send.server_event_id, "data": data, "event_data": None, **head},
            )  # fmt: skip

    async def _send_reset(self, reset: ResetRequest) -> None:
        body: dict[str, Any] = (
            {"event_id": reset.event_id}
            if reset.event_id is not None
            else {"session_hash": self.session_hash, "fn_index": reset.fn_index}
        )
        try:
            await self._request(
                "POST", self.api_url + "reset", "resetting a generator", "idempotent", json=body
            )
        except GradioGenError as exc:
            logger.info("could not reset %s on the server: %s", body, exc)

    async def post_stream(self, ep: EndpointSpec, event_id: str, data: list[Any] | None) -> None:
        url = f"{self.api_url}stream/{event_id}" + ("" if data is not None else "/close")
        body: dict[str, Any] = (
            {"data": data, "fn_index": ep.fn_index, "session_hash": self.session_hash}
            if data is not None
            else {}
        )
        await self._request("POST", url, f"streaming to {ep.api_name}", "unsent", json=body)

    async def _send_cancels(self, cancels: list[CancelRequest]) -> None:
        for c in cancels:
            try:
                await self._request(
                    "POST", self.api_url + "cancel", "cancelling a job", "idempotent",
                    json={"event_id": c.event_id, "session_hash": self.session_hash, "fn_index": c.fn_index},
                )  # fmt: skip
            except GradioGenError as exc:
                cancel_failed(exc, c.event_id, self.dialect)

    def _wake(self, effects: Effects) -> None:
        for event_id in effects.touched:
            event = self._events.get(event_id)
            if event is not None:
                event.set()
                if self.core.record(event_id) is None:
                    self._events.pop(event_id, None)
        for problem in effects.problems:
            logger.warning("session %s: %s", self.session_hash, problem)

    async def _read_loop(self) -> None:
        while True:
            error: GradioGenError | None = None
            try:
                call = self._call[0].fn_index if self._call is not None else None
                body = None
                if self._call is not None and self.dialect.transport == "direct":
                    ep, data = self._call
                    body = {"data": data, "fn_index": ep.fn_index,
                            "session_hash": self.session_hash, "event_data": None}  # fmt: skip
                wire = await open_async(
                    self.http, self.dialect, self.api_url,
                    wire_params(self.dialect, self.session_hash, call),
                    self.timeout, self.max_retries, body,
                )  # fmt: skip
                self._wire = wire
                self.core.stream_opened()
                try:
                    await self._pump(wire)
                finally:
                    self._wire = None
                    await wire.aclose()
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
            except asyncio.CancelledError:
                self._wake(self.core.close(CancelledError("the client was closed")))
                raise
            except Exception as exc:
                logger.exception("session stream reader failed")
                error = StreamLostError(f"the session stream reader failed: {exc!r}")
            self._wake(self.core.stream_ended(error))
            if self._closed or not self.core.pending:
                return

    async def _pump(self, wire: AsyncWire) -> None:
        while (payloads := await wire.read()) is not None:
            if not payloads:
                continue
            effects = Effects()
            for payload in payloads:
                self.core.receive(payload, effects)
            self._wake(effects)
            await self._carry_out(effects)

    async def close(self) -> None:
        self._closed = True
        self._kills_sent.set()
        self._wake(self.core.close(CancelledError("the client was closed")))
        reader = self._reader
        if reader is not None and not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader


class AsyncJob(Generic[R]):
    """Async twin of ``Job``: ``await job.result()``, ``async for out in job``..."""

    def __init__(
        self,
        session: AsyncSession,
        ep: EndpointSpec,
        record: EventRecord,
        event: asyncio.Event,
        transform: Callable[[list[Any]], R],
    ) -> None:
        self._session = session
        self._ep = ep
        self._record = record
        self._event = event
        self._shape = Shaper(ep, record, transform)

    @property
    def event_id(self) -> str:
        return self._record.event_id

    @property
    def endpoint(self) -> str:
        return self._ep.api_name

    def __repr__(self) -> str:
        return f"<AsyncJob {self.endpoint} {self.event_id} {self._record.status.code}>"

    def _timeout(self, timeout: float | NotGiven | None) -> float | None:
        return self._session.timeout.job if timeout is NOT_GIVEN else timeout

    async def _wait(self, ready: Callable[[], bool], deadline: float | None) -> None:
        loop = asyncio.get_running_loop()
        while not ready():
            self._event.clear()
            if ready():
                return
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise JobTimeout(f"{self.endpoint} ({self.event_id}) did not finish in time")
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except asyncio.TimeoutError:
                raise JobTimeout(
                    f"{self.endpoint} ({self.event_id}) did not finish in time"
                ) from None

    def _deadline(self, timeout: float | NotGiven | None) -> float | None:
        seconds = self._timeout(timeout)
        return None if seconds is None else asyncio.get_running_loop().time() + seconds

    def _more(self, items: Sized, seen: int) -> Callable[[], bool]:
        record = self._record
        return lambda: len(items) > seen or record.done

    def done(self) -> bool:
        return self._record.done

    def status(self) -> Status:
        return self._record.status

    def outputs(self) -> list[R]:
        return [self._shape(i, wire) for i, wire in enumerate(self._record.outputs)]

    async def result(self, timeout: float | NotGiven | None = NOT_GIVEN) -> R:
        record = self._record
        await self._wait(lambda: record.done, self._deadline(timeout))
        if record.outcome == "success":
            return self._shape(len(record.outputs) - 1)
        assert record.error is not None
        raise record.error

    async def updates(self, timeout: float | NotGiven | None = NOT_GIVEN) -> AsyncIterator[Update]:
        deadline = self._deadline(timeout)
        record = self._record
        index = 0
        updates = record.updates
        while True:
            await self._wait(self._more(updates, index), deadline)
            while index < len(updates):
                update = updates[index]
                index += 1
                if update.kind == "output":  # ``output``: the index of its value
                    output = self._shape(update.output)
                    yield Update("output", update.status, output, update.final)
                else:
                    yield update
            if record.done and index == len(updates):
                return

    async def __aiter__(self) -> AsyncIterator[R]:
        deadline = self._deadline(NOT_GIVEN)
        record = self._record
        index = 0
        while True:
            await self._wait(self._more(record.outputs, index), deadline)
            while index < len(record.outputs):  # one at a time (one rebuild step when behind)
                item = self._shape(index)
                index += 1
                yield item
            if record.done and index == len(record.outputs):
                if record.error is not None and not isinstance(record.error, CancelledError):
                    raise record.error
                return

    async def cancel(self) -> bool:
        return await self._session.cancel(self.event_id)

    async def send_chunk(self, *values: Any) -> None:
        self._check_stream()
        data = await self._session.encode_inputs(self._ep, list(values))
        await self._session.post_stream(self._ep, self.event_id, self._ep.to_wire(data))

    async def close_stream(self) -> None:
        self._check_stream()
        await self._session.post_stream(self._ep, self.event_id, None)

    def _check_stream(self) -> None:
        if self._ep.connection != "stream":
            raise UsageError(f"{self.endpoint} is not a streaming-input endpoint")
