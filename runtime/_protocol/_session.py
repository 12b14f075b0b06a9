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
   of that function may run in the session; otherwise it is cancelled locally, its
   generator closed at once, and the real ``/cancel`` deferred until those siblings end.
   "May run" counts every sibling that has not ended, whatever its status here (the
   server starts an event before its ``process_starts`` reaches us), and every join of
   that function still in flight (``joining``/``joined``: the server may run it before
   its response returns). Conversely, while such a kill is on its way (from the moment
   the core asks for it until the driver reports it sent, ``killed``), no join of that
   function may be sent (``may_join``): it would start a task the kill reaches.
   ``cancel`` always ends the event locally at once (``CancelledError``).

Per protocol (``_dialect``; the rules above are ``sse_v3``'s, the others differ only here):

8. Routing. ``sse_v1``...``sse_v3`` name the event in every message. ``ws`` and ``sse``
   (gradio 3.x-4.8) run one connection per call, so such a session holds exactly one event
   (the *call*, keyed by a local id the driver makes) and every event message is its own;
   ``sse``'s ``send_data`` carries the server's event id, kept as ``server_event_id``.
9. Starting. ``ws``: ``send_hash`` asks for ``{"fn_index", "session_hash"}`` and
   ``send_data`` for the data; ``sse``: ``send_data`` asks for ``POST queue/data``. Both
   become ``Effects.sends`` for the driver. ``queue_full`` (``ws``, ``sse``; later
   protocols answer the join with HTTP 503) fails the call with ``QueueFullError``.
10. Generators. Without ``diffs`` (before ``sse_v2``) every ``process_generating`` carries
   full values, and ``process_completed`` repeats the last one with ``is_generating:
   true`` (completion is told by ``msg``; a final value equal to the last output is not
   appended again, as on every protocol).
11. Stream ends (``stream_ended``, driver calls it at every end of a stream):
   ``close_stream`` protocols as in rule 5; ``idle`` (``sse_v1``-``sse_v2.1``): a clean end
   is the server saying nothing is pending *for it*, so pending events stay and the driver
   opens a new stream, but ``EMPTY_STREAM_LIMIT`` clean streams in a row that carry no
   message at all fail them (the server no longer knows them); ``call`` (``ws``,
   ``sse``): a clean end before the call's ``process_completed`` fails it.
12. Cancel without ``/cancel`` (every protocol before ``sse_v3``): the event ends locally
   at once; ``Effects.hangup`` tells a per-call driver to close the call's connection
   (``ws``/``sse`` servers then drop a waiting event and stop a generator) and
   ``Effects.resets`` asks for ``POST /reset`` (closes a generator at its next yield; 3.x
   resets by ``(session, fn_index)``, so only a generating event is reset). A running
   plain function, or a queued ``sse_v1``-``sse_v2.1`` event, cannot be stopped: its
   ``CancelledError`` says so, naming the gradio version, and a warning is logged. (An
   ``sse_v3`` release older than ``/cancel`` answers it 404: the driver logs the same.)
13. Error text (``gr.Error``) from gradio before 5.0 is ``repr``-quoted; one level of
   quoting is removed (``quoted_errors``).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .._constants import LOGGER_NAME
from .._exceptions import (
    CancelledError,
    GradioGenError,
    ProtocolError,
    QueueFullError,
    StreamLostError,
)
from .._types import Status, StatusCode, Update
from ._dialect import SSE_V3, Dialect
from ._events import CancelRequest, Effects, EventRecord, Outcome, ResetRequest, Send
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
    QueueFull,
    SendData,
    SendHash,
    UnexpectedError,
    UnknownMessage,
    app_error,
    decode,
    invalid_json,
    output_parts,
    parse_object,
)
from ._outputs import merge

__all__ = [
    "EMPTY_STREAM_LIMIT",
    "NO_TASK_FN_INDEX",
    "CancelRequest",
    "Effects",
    "EventRecord",
    "ResetRequest",
    "Send",
    "Session",
]

logger = logging.getLogger(LOGGER_NAME)

NO_TASK_FN_INDEX = -1
"""A fn_index no server task can have: ``/cancel`` with it kills nothing that runs."""
_SESSION_WIDE = (Heartbeat, CloseStream, UnexpectedError, UnknownMessage)
"""Message kinds about the session, not one event (``_route`` checks them in one go)."""
BUFFER_LIMIT = 10_000
"""Messages kept for not-yet-registered event ids."""
FINISHED_LIMIT = 10_000
"""Ended event ids remembered to drop their late messages."""
EMPTY_STREAM_LIMIT = 3
"""``idle`` protocols: clean streams in a row without a message before pending events fail."""

_RUNNING: frozenset[StatusCode] = frozenset({"processing", "generating", "streaming"})


def _count_down(counts: dict[int, int], key: int) -> None:
    """One less of ``key`` in ``counts`` (absent at zero)."""
    left = counts.get(key, 0) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)


class Session:
    def __init__(
        self, *, dialect: Dialect = SSE_V3, clock: Callable[[], float] = time.time
    ) -> None:
        self.dialect = dialect
        self._clock = clock
        self._call: str | None = None
        """Per-call protocols: the one event this session carries (rule 8)."""
        self._stream_messages = 0
        self._stream_closed = False
        self._empty_streams = 0
        self._records: dict[str, EventRecord] = {}
        """Registered events that have not ended."""
        self._zombies: dict[str, EventRecord] = {}
        """Locally cancelled events that may still run on the server (deferred cancel)."""
        self._joining: dict[int, int] = {}
        """Joins in flight per fn_index (rule 7: their events may already run)."""
        self._killing: dict[int, int] = {}
        """``/cancel`` requests with a real fn_index asked for and not yet sent (rule 7)."""
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

    def _may_run(self, fn_index: int, besides: EventRecord | None = None) -> bool:
        """Whether the server may be running a wanted event of ``fn_index`` (rule 7)."""
        if self._joining.get(fn_index, 0) > 0:
            return True
        return any(r.fn_index == fn_index and r is not besides for r in self._records.values())

    # -- joins and kills in flight (rule 7) --------------------------------------------
    def may_join(self, fn_index: int) -> bool:
        """False while a ``/cancel`` that kills ``fn_index``'s tasks is on its way: the
        driver waits (for ``killed``) before it sends a join of that function."""
        return self._killing.get(fn_index, 0) == 0

    def joining(self, fn_index: int) -> None:
        """A join of ``fn_index`` is about to be sent (``may_join`` was true); pair with
        ``joined`` once it has returned (after ``register``) or failed."""
        self._joining[fn_index] = self._joining.get(fn_index, 0) + 1

    def killed(self, request: CancelRequest) -> None:
        """The driver sent (or gave up on) ``request``: joins of its function may go."""
        if request.fn_index == NO_TASK_FN_INDEX:
            return
        _count_down(self._killing, request.fn_index)

    def _kill(self, event_id: str, fn_index: int, effects: Effects) -> None:
        self._killing[fn_index] = self._killing.get(fn_index, 0) + 1
        effects.cancels.append(CancelRequest(event_id, fn_index))

    def joined(self, fn_index: int) -> Effects:
        """A join of ``fn_index`` returned or failed: a deferred cancel it held back may
        now be due."""
        _count_down(self._joining, fn_index)
        effects = Effects()
        self._check_deferred(fn_index, effects)
        return effects

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
        if self.dialect.per_call:
            self._call = event_id
        buffered = self._buffer.pop(event_id, None)
        if buffered:
            self._buffered -= len(buffered)
            for message in buffered:
                self._route(message, effects)
        effects.touched.add(event_id)
        return record, effects

    def receive(self, payload: str, effects: Effects | None = None) -> Effects:
        """One ``data:`` payload of the session stream (a frame of a ``ws`` call). Its effects
        are added to ``effects`` when given (a driver feeding several payloads collects them
        in one), and returned.

        A generator output for a live event (``output_parts``) is applied without building
        a message object; every other payload goes through ``parse_object`` and ``_route``.
        Both end in the same ``_output`` (tests check that they agree)."""
        if effects is None:
            effects = Effects()
        self._stream_messages += 1
        try:
            obj = decode(payload)
        except ValueError as exc:
            self._route(invalid_json(payload, exc), effects)
            return effects
        parts = output_parts(obj)
        if parts is not None:
            event_id = self._call if self._call is not None else parts[0]
            record = self._records.get(event_id) if event_id is not None else None
            if record is not None:  # a live event's yield: ``_route`` would end here too
                effects.touched.add(record.event_id)
                self._output(record, parts[1])
                if record.outcome is not None:  # (``record.done``) a bad edit failed it
                    self._after_end(record, effects)
                return effects
        self._route(parse_object(obj, payload), effects)
        return effects

    def stream_opened(self) -> None:
        """A new stream (or call connection) is open: its ending is judged afresh."""
        self._stream_messages = 0
        self._stream_closed = False

    def stream_ended(self, error: GradioGenError | None = None) -> Effects:
        """A stream ended (``error``: it broke or could not be opened). Pending events fail
        (``error``, default ``StreamLostError``) unless the end was a normal one for the
        protocol (rules 5 and 11); then the driver opens a new stream while ``pending``."""
        if error is None:
            end = self.dialect.stream_end
            if end == "close_stream" and self._stream_closed:
                return Effects()
            if end == "idle":
                self._empty_streams = self._empty_streams + 1 if not self._stream_messages else 0
                if self._empty_streams < EMPTY_STREAM_LIMIT:
                    return Effects()
        exc = error or StreamLostError(
            "the session stream ended before the job finished (server restarted, "
            "connection cut, or a proxy timed out); submit the job again"
        )
        return self._fail_all(exc, Effects())

    def close(self, error: GradioGenError) -> Effects:
        """The client is closing: fail everything still pending with ``error``."""
        return self._fail_all(error, Effects())

    def cancel(self, event_id: str) -> tuple[bool, Effects]:
        """Cancel one event (rule 7). Returns (was it still pending, effects)."""
        effects = Effects()
        record = self._records.get(event_id)
        if record is None:
            return False, effects
        if not self.dialect.server_cancel:
            self._cancel_without_server(record, effects)
            return True, effects
        running = record.status.code in _RUNNING
        siblings = running and self._may_run(record.fn_index, besides=record)
        if not running:
            effects.cancels.append(CancelRequest(event_id, NO_TASK_FN_INDEX))
        elif not siblings:
            self._kill(event_id, record.fn_index, effects)
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

    def _cancel_without_server(self, record: EventRecord, effects: Effects) -> None:
        """Rule 12: end locally, hang up a per-call connection, ``/reset`` a generator."""
        dialect = self.dialect
        running = record.status.code in _RUNNING
        generating = record.status.code == "generating"
        if dialect.cancel == "reset_fn":
            if generating:
                effects.resets.append(ResetRequest(None, record.fn_index))
        else:
            server_id = record.server_event_id if dialect.per_call else record.event_id
            if server_id is not None:
                effects.resets.append(ResetRequest(server_id, record.fn_index))
        effects.hangup = dialect.per_call
        if dialect.transport == "direct":
            note = (
                f"; {dialect.label} without a queue runs a call to completion: the server "
                "cannot stop it"
            )
            logger.warning("job %s cancelled locally only%s", record.event_id, note)
        elif running and not generating:
            note = (
                f"; {dialect.label} cannot stop a running function: it runs to completion "
                "on the server and its result is discarded"
            )
            logger.warning("job %s cancelled locally only%s", record.event_id, note)
        elif not running and not dialect.per_call:
            note = (
                f"; {dialect.label} cannot take a queued job out of the queue: it runs when "
                "its turn comes (a generator is closed at its first yield)"
            )
            logger.warning("job %s cancelled locally only%s", record.event_id, note)
        else:
            note = ""
        self._finish(
            record, "cancelled", error=CancelledError(f"job {record.event_id} was cancelled{note}")
        )
        self._after_end(record, effects)
        effects.touched.add(record.event_id)

    # -- routing ----------------------------------------------------------------------
    def _route(self, message: Message, effects: Effects) -> None:
        """The general path of ``receive`` (and of buffered messages): effects go into
        ``effects``."""
        if isinstance(message, _SESSION_WIDE):
            self._session_wide(message, effects)
            return
        event_id = self._call if self._call is not None else message.event_id
        if event_id is None:
            effects.problems.append(
                message.error
                if isinstance(message, InvalidMessage)
                else ProtocolError(f"a {type(message).__name__} message without an event_id")
            )
            return
        record = self._records.get(event_id)
        if record is None:
            ghost = self._zombies.get(event_id)
            if ghost is not None:
                self._zombie_message(ghost, message, effects)
            elif event_id not in self._finished:
                self._buffer_message(event_id, message)
            return
        effects.touched.add(event_id)
        if isinstance(message, InvalidMessage):
            self._finish(record, "error", error=message.error)
        else:
            self._apply(record, message, effects)
        if record.done:
            self._after_end(record, effects)

    def _session_wide(self, message: Message, effects: Effects) -> None:
        """Messages about the session, not one event (``_SESSION_WIDE``)."""
        if isinstance(message, Heartbeat):
            return
        if isinstance(message, CloseStream):
            effects.closed = True
            self._stream_closed = True
            for zombie in list(self._zombies.values()):
                self._forget_zombie(zombie)
            return
        if isinstance(message, UnexpectedError):
            text = "session not found" if message.session_not_found else "server error"
            self._fail_all(
                StreamLostError(f"the server ended the session ({text}): {message.message}"),
                effects,
            )
            return
        if isinstance(message, UnknownMessage):  # newer servers may add kinds
            logger.debug("ignoring unknown message kind %r", message.msg)

    def _output(self, record: EventRecord, data: list[Any]) -> None:
        """A generator yield (``process_generating``, rules 3 and 10): full values, or edits
        of the current ones."""
        outputs = record.outputs
        previous = record.values
        if previous is not None and self.dialect.diffs:
            try:
                values = merge(previous, data)
            except ProtocolError as exc:
                self._finish(record, "error", error=exc)
                return
            outputs.append_edits(data, values)  # kept as received: see ``_outputs``
        else:
            values = list(data)
            outputs.append_full(values)
        record.values = values
        record.server_running = True
        status = record.status
        if status.code != "generating":
            status = record.status = Status(
                "generating", progress=status.progress, time=self._clock()
            )
        record.updates.append(Update("output", status, output=len(outputs) - 1))

    def _apply(self, record: EventRecord, message: Message, effects: Effects) -> None:
        if isinstance(message, ProcessGenerating):  # the most frequent kind first
            self._output(record, message.data)
            return
        now = self._clock()
        status = record.status
        if isinstance(message, Estimation):
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
            record.outputs.append_full(record.values)
            index = len(record.outputs) - 1
            record.updates.append(Update("output", record.status, output=index))
        elif isinstance(message, (SendHash, SendData)):
            if isinstance(message, SendData):
                record.server_event_id = message.event_id
                effects.sends.append(Send("data", record.event_id, message.event_id))
            else:
                effects.sends.append(Send("hash", record.event_id))
        elif isinstance(message, QueueFull):
            self._finish(
                record,
                "error",
                error=QueueFullError(
                    f"the app's queue is full ({self.dialect.label}); try again later",
                    status_code=503,
                    body={"msg": "queue_full"},
                ),
            )
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
                self._finish(
                    record,
                    "error",
                    error=app_error(message, record.endpoint, self.dialect.quoted_errors),
                )

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
            outputs = record.outputs
            if outputs.latest is None or outputs.latest != result:
                outputs.append_full(result)
            index = len(outputs) - 1
            record.updates.append(Update("output", record.status, output=index, final=True))
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
            if not self._may_run(fn_index):
                self._kill(zombie.event_id, fn_index, effects)
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

    def _fail_all(self, error: GradioGenError, effects: Effects) -> Effects:
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
