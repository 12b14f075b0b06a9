"""The session state machine: stream payloads in, per-event state and effects out. No I/O.

Theory of operation. A client session (one ``session_hash``) has one server stream
(``queue/data``) that multiplexes the messages of every pending event. The driver joins an
event (``queue/join`` -> event id), ``register``s the id here, opens the stream when none is
open, and feeds every ``data:`` payload to ``receive``. This object routes each message to
its ``EventRecord`` and returns ``Effects`` telling the driver which records changed (to
wake their waiters), which ``/cancel`` requests to send, and whether the server closed the
stream. It never blocks and never touches a socket, so it is unit-tested without a server.

Rules it keeps:

1. Messages for an event id not registered yet are buffered (the join response can race
   the stream) and replayed on ``register``. The buffer is bounded; oldest ids go first.
2. Every registered event ends exactly once (``done``) with an outcome: ``success``,
   ``error`` or ``cancelled``. Messages for an event after it ended are dropped.
3. The first ``process_generating`` of an event carries full values, every later one a
   list of edits per output (``_diff``); ``process_streaming`` and ``process_completed``
   carry full values. A bad edit fails that event with ``ProtocolError``.
4. ``process_completed`` with ``success: true`` and no ``data`` means the server cancelled
   the event. An error completion becomes ``AppError`` (message, title, duration).
5. ``close_stream`` means the server has nothing pending for the session *when it sent
   it*; events registered since stay pending and the driver opens a new stream for them.
   A stream that ends without ``close_stream`` (``stream_ended``) fails every pending
   event with ``StreamLostError`` (the server drops a session whose stream disconnects),
   and the next call opens a new stream. ``unexpected_error`` fails all pending events.
   An event whose messages were buffered (rule 1) when its stream failed was on that
   stream, so it is lost too: its ``register`` (the join response arriving late) fails it
   at once with the same error instead of waiting on a new stream that will never carry it.
6. Malformed payloads never raise: one naming a registered event fails that event with
   ``ProtocolError``; others are reported in ``Effects.problems``. Unknown ``msg`` kinds
   are ignored.
7. Cancel is precise (the server's ``/cancel`` kills *every running* task of
   ``(session, fn_index)``): an event not known to run is cancelled with ``fn_index``
   ``NO_TASK_FN_INDEX`` (removes it from the wait queue, closes its generator, kills
   nothing else); a running one with its real ``fn_index`` only when no other wanted event
   of that function runs in the session; otherwise it is cancelled locally, its generator
   closed at once, and the real ``/cancel`` deferred until its running siblings finish.
   ``cancel`` always ends the event locally at once (``CancelledError``).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .._constants import LOGGER_NAME
from .._exceptions import (
    AppError,
    CancelledError,
    GradioGenError,
    ProtocolError,
    StreamLostError,
)
from .._types import Status, StatusCode, Update
from ._diff import apply_edits
from ._messages import (
    CloseStream,
    Estimation,
    Heartbeat,
    InvalidMessage,
    Log,
    Message,
    ProcessCompleted,
    ProcessGenerating,
    ProcessStarts,
    ProcessStreaming,
    Progress,
    UnexpectedError,
    UnknownMessage,
    parse_message,
)

logger = logging.getLogger(LOGGER_NAME)

NO_TASK_FN_INDEX = -1
"""A fn_index no server task can have: ``/cancel`` with it kills nothing that runs."""
_SESSION_WIDE = (Heartbeat, CloseStream, UnexpectedError, UnknownMessage)
"""Message kinds about the session, not one event (``_route`` checks them in one go)."""
BUFFER_LIMIT = 10_000
"""Messages kept for not-yet-registered event ids."""
FINISHED_LIMIT = 10_000
"""Ended event ids remembered to drop their late messages."""

Outcome = Literal["success", "error", "cancelled"]
_RUNNING: frozenset[StatusCode] = frozenset({"processing", "generating", "streaming"})


@dataclass
class EventRecord:
    """Everything known about one event. Owned by ``Session``; read by jobs."""

    event_id: str
    fn_index: int
    status: Status
    endpoint: str | None = None
    updates: list[Update] = field(default_factory=list)
    outputs: list[list[Any]] = field(default_factory=list)
    """Wire values of every distinct output (each yield or stream answer, then the final
    value unless it repeats the last one)."""
    values: list[Any] | None = None
    """Current wire values (edits of the next generating message apply to these)."""
    outcome: Outcome | None = None
    result: list[Any] | None = None
    error: GradioGenError | None = None
    server_running: bool = False
    """The server said it started the event and has not said it ended."""
    deferred_cancel: bool = False

    @property
    def done(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class CancelRequest:
    """A ``POST /cancel`` the driver must send."""

    event_id: str
    fn_index: int


@dataclass
class Effects:
    touched: set[str] = field(default_factory=set)
    """Event ids whose record changed (wake their waiters)."""
    cancels: list[CancelRequest] = field(default_factory=list)
    closed: bool = False
    """``close_stream`` was received: the server ends the response."""
    problems: list[ProtocolError] = field(default_factory=list)

    def merge(self, other: Effects) -> None:
        self.touched |= other.touched
        self.cancels.extend(other.cancels)
        self.closed = self.closed or other.closed
        self.problems.extend(other.problems)


class Session:
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._records: dict[str, EventRecord] = {}
        """Registered events that have not ended."""
        self._zombies: dict[str, EventRecord] = {}
        """Locally cancelled events that may still run on the server (deferred cancel)."""
        self._buffer: OrderedDict[str, list[Message]] = OrderedDict()
        self._buffered = 0
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._lost: OrderedDict[str, GradioGenError] = OrderedDict()
        """Unregistered events seen on a stream that failed (rule 5), with its error."""

    # -- queries ----------------------------------------------------------------------
    @property
    def pending(self) -> bool:
        """True while some registered event has not ended (a stream is needed)."""
        if self._records:
            return True
        return bool(self._zombies) and any(z.deferred_cancel for z in self._zombies.values())

    @property
    def buffering(self) -> bool:
        """True while messages of unregistered events are held (their joins may still return)."""
        return bool(self._buffer)

    def record(self, event_id: str) -> EventRecord | None:
        return self._records.get(event_id)

    # -- inputs -----------------------------------------------------------------------
    def register(
        self, event_id: str, fn_index: int, endpoint: str | None = None
    ) -> tuple[EventRecord, Effects]:
        """Track a joined event; replays messages that arrived before registration.
        ``endpoint`` (the api_name) only labels errors."""
        record = EventRecord(
            event_id, fn_index, Status("pending", time=self._clock()), endpoint=endpoint
        )
        effects = Effects()
        if event_id in self._finished:  # cannot happen with server-made uuids; be safe
            self._finish(record, "error", error=ProtocolError(f"event id {event_id} reused"))
            return record, effects
        lost = self._lost.pop(event_id, None)
        if lost is not None:  # seen on a stream that failed before its join returned
            self._finish(record, "error", error=lost)
            self._remember(event_id)
            effects.touched.add(event_id)
            return record, effects
        self._records[event_id] = record
        buffered = self._buffer.pop(event_id, None)
        if buffered:
            self._buffered -= len(buffered)
            for message in buffered:
                effects.merge(self._route(message))
        effects.touched.add(event_id)
        return record, effects

    def receive(self, payload: str) -> Effects:
        """One ``data:`` payload of the session stream."""
        return self._route(parse_message(payload))

    def stream_ended(self, error: GradioGenError | None = None) -> Effects:
        """The stream ended without ``close_stream`` (or could not be opened): every
        pending event fails with ``error`` (default ``StreamLostError``)."""
        exc = error or StreamLostError(
            "the session stream ended before the job finished (server restarted, "
            "connection cut, or a proxy timed out); submit the job again"
        )
        return self._fail_all(exc)

    def close(self, error: GradioGenError) -> Effects:
        """The client is closing: fail everything still pending with ``error``."""
        return self._fail_all(error)

    def cancel(self, event_id: str) -> tuple[bool, Effects]:
        """Cancel one event (rule 7). Returns (was it still pending, effects)."""
        effects = Effects()
        record = self._records.get(event_id)
        if record is None:
            return False, effects
        running = record.status.code in _RUNNING
        siblings = running and any(
            r.fn_index == record.fn_index and r.status.code in _RUNNING and r is not record
            for r in self._records.values()
        )
        if not running:
            effects.cancels.append(CancelRequest(event_id, NO_TASK_FN_INDEX))
        elif not siblings:
            effects.cancels.append(CancelRequest(event_id, record.fn_index))
        else:
            # Close its generator now without killing siblings; kill it once they end.
            effects.cancels.append(CancelRequest(event_id, NO_TASK_FN_INDEX))
            record.deferred_cancel = True
        self._finish(record, "cancelled", error=CancelledError(f"job {event_id} was cancelled"))
        if record.deferred_cancel:
            self._zombies[event_id] = record
        self._after_end(record, effects)
        effects.touched.add(event_id)
        return True, effects

    # -- routing ----------------------------------------------------------------------
    def _route(self, message: Message) -> Effects:
        effects = Effects()
        if isinstance(message, _SESSION_WIDE):
            return self._session_wide(message, effects)
        event_id = message.event_id
        if event_id is None:
            if isinstance(message, InvalidMessage):
                effects.problems.append(message.error)
            return effects
        record = self._records.get(event_id)
        if record is None:
            ghost = self._zombies.get(event_id)
            if ghost is not None:
                self._zombie_message(ghost, message, effects)
            elif event_id not in self._finished:
                self._buffer_message(event_id, message)
            return effects
        effects.touched.add(event_id)
        if isinstance(message, InvalidMessage):
            self._finish(record, "error", error=message.error)
        else:
            self._apply(record, message, effects)
        if record.done:
            self._after_end(record, effects)
        return effects

    def _session_wide(self, message: Message, effects: Effects) -> Effects:
        """Messages about the session, not one event (``_SESSION_WIDE``)."""
        if isinstance(message, Heartbeat):
            return effects
        if isinstance(message, CloseStream):
            effects.closed = True
            for zombie in list(self._zombies.values()):
                self._forget_zombie(zombie)
            return effects
        if isinstance(message, UnexpectedError):
            text = "session not found" if message.session_not_found else "server error"
            return self._fail_all(
                StreamLostError(f"the server ended the session ({text}): {message.message}")
            )
        if isinstance(message, UnknownMessage):  # newer servers may add kinds
            logger.debug("ignoring unknown message kind %r", message.msg)
        return effects

    def _apply(self, record: EventRecord, message: Message, effects: Effects) -> None:
        now = self._clock()
        status = record.status
        if isinstance(message, ProcessGenerating):  # the most frequent kind first
            try:
                record.values = self._merge(record.values, message.data)
            except ProtocolError as exc:
                self._finish(record, "error", error=exc)
                return
            record.server_running = True
            if status.code != "generating":
                status = record.status = Status("generating", progress=status.progress, time=now)
            record.outputs.append(record.values)
            record.updates.append(Update("output", status, output=record.values))
        elif isinstance(message, Estimation):
            record.status = Status(
                "queued",
                message.rank,
                message.queue_size,
                message.rank_eta,
                status.progress,
                time=now,
            )
            record.updates.append(Update("status", record.status))
        elif isinstance(message, ProcessStarts):
            record.server_running = True
            record.status = Status("processing", eta=message.eta, time=now)
            record.updates.append(Update("status", record.status))
        elif isinstance(message, Progress):
            record.status = replace(status, progress=message.units, time=now)
            record.updates.append(Update("progress", record.status))
        elif isinstance(message, Log):
            record.updates.append(Update("log", status, log=message.log))
        elif isinstance(message, ProcessStreaming):
            record.server_running = True
            record.values = list(message.data)
            record.status = Status("streaming", time=now)
            record.outputs.append(record.values)
            record.updates.append(Update("output", record.status, output=record.values))
        elif isinstance(message, ProcessCompleted):
            record.server_running = False
            if message.outcome == "success":
                data = list(message.output["data"])
                self._finish(record, "success", result=data)
            elif message.outcome == "cancelled":
                self._finish(
                    record,
                    "cancelled",
                    error=CancelledError(f"job {record.event_id} was cancelled by the server"),
                )
            else:
                self._finish(record, "error", error=_app_error(message, record.endpoint))

    @staticmethod
    def _merge(values: list[Any] | None, data: list[Any]) -> list[Any]:
        if values is None:
            return list(data)
        merged = list(values)
        for i, edits in enumerate(data):
            if i < len(merged):
                merged[i] = apply_edits(merged[i], edits)
            else:  # an output index appeared mid-run: edits against null
                merged.append(apply_edits(None, edits))
        return merged

    def _finish(
        self,
        record: EventRecord,
        outcome: Outcome,
        *,
        result: list[Any] | None = None,
        error: GradioGenError | None = None,
    ) -> None:
        if record.done:
            return
        now = self._clock()
        record.outcome = outcome
        record.error = error
        if outcome == "success":
            assert result is not None
            record.result = result
            record.values = result
            record.status = Status("done", progress=record.status.progress, success=True, time=now)
            # like gradio_client: a generator's final value (a repeat of its last yield) is
            # not a new output; it is still the final "output" update
            if not record.outputs or record.outputs[-1] != result:
                record.outputs.append(result)
            record.updates.append(Update("output", record.status, output=result, final=True))
        else:
            code: StatusCode = "cancelled" if outcome == "cancelled" else "error"
            record.status = Status(code, progress=record.status.progress, success=False, time=now)
            record.updates.append(Update("status", record.status))

    def _after_end(self, record: EventRecord, effects: Effects) -> None:
        self._records.pop(record.event_id, None)
        self._remember(record.event_id)
        self._check_deferred(record.fn_index, effects)

    def _check_deferred(self, fn_index: int, effects: Effects) -> None:
        for zombie in list(self._zombies.values()):
            if zombie.fn_index != fn_index or not zombie.deferred_cancel:
                continue
            busy = any(
                r.fn_index == fn_index and r.status.code in _RUNNING for r in self._records.values()
            )
            if not busy:
                effects.cancels.append(CancelRequest(zombie.event_id, fn_index))
                self._forget_zombie(zombie)

    def _zombie_message(self, zombie: EventRecord, message: Message, effects: Effects) -> None:
        if isinstance(message, ProcessCompleted) and message.outcome != "cancelled":
            self._forget_zombie(zombie)  # it really finished: nothing left to kill
            self._check_deferred(zombie.fn_index, effects)

    def _forget_zombie(self, zombie: EventRecord) -> None:
        zombie.deferred_cancel = False
        self._zombies.pop(zombie.event_id, None)
        self._remember(zombie.event_id)

    def _remember(self, event_id: str) -> None:
        self._finished[event_id] = None
        if len(self._finished) > FINISHED_LIMIT:
            self._finished.popitem(last=False)

    def _buffer_message(self, event_id: str, message: Message) -> None:
        self._buffer.setdefault(event_id, []).append(message)
        self._buffered += 1
        while self._buffered > BUFFER_LIMIT and self._buffer:
            _, dropped = self._buffer.popitem(last=False)
            self._buffered -= len(dropped)
            logger.warning("dropped %d buffered messages of an unregistered event", len(dropped))

    def _fail_all(self, error: GradioGenError) -> Effects:
        effects = Effects()
        for record in list(self._records.values()):
            self._finish(record, "error", error=error)
            effects.touched.add(record.event_id)
            self._records.pop(record.event_id, None)
            self._remember(record.event_id)
        for zombie in list(self._zombies.values()):
            self._forget_zombie(zombie)
        for event_id in self._buffer:
            self._lost[event_id] = error
            if len(self._lost) > FINISHED_LIMIT:
                self._lost.popitem(last=False)
        self._buffer.clear()
        self._buffered = 0
        return effects


def _app_error(message: ProcessCompleted, endpoint: str | None) -> AppError:
    output: Mapping[str, Any] = message.output
    text = output.get("error")
    title = output.get("title") or message.title
    duration = output.get("duration")
    visible = output.get("visible")
    return AppError(
        text if isinstance(text, str) else None,
        title=title if isinstance(title, str) else None,
        duration=float(duration)
        if isinstance(duration, (int, float)) and not isinstance(duration, bool)
        else None,
        visible=visible if isinstance(visible, bool) else None,
        endpoint=endpoint,
    )
