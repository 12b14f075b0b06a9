"""What the session state machine (``_session``) produces: per-event records and the effects
the driver must carry out. No I/O.

They are ``Record``s (``_record``), not dataclasses: the same equality and repr, without a
dataclass's cost at class creation on every client's import (and ``Effects()``, made per
message, builds its lists directly)."""

from __future__ import annotations

from typing import Any, Final, Literal

from .._exceptions import GradioGenError, HTTPStatusError, ProtocolError, UsageError
from .._record import Record
from .._types import Status, Update
from ._outputs import OutputLog

Outcome = Literal["success", "error", "cancelled"]


class EventRecord(Record):
    """Everything known about one event. Owned by ``Session``; read by jobs."""

    __slots__ = (
        "deferred_cancel", "endpoint", "error", "event_id", "fn_index", "outcome", "outputs",
        "result", "server_event_id", "server_running", "status", "updates", "values",
    )  # fmt: skip
    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable

    def __init__(
        self, event_id: str, fn_index: int, status: Status, endpoint: str | None = None
    ) -> None:
        self.event_id = event_id
        self.fn_index = fn_index
        self.status = status
        self.endpoint = endpoint
        self.updates: list[Update] = []
        """Every update in order. An ``"output"`` update's ``output`` is not the value but
        its index in ``outputs`` (the jobs look it up when they shape it): the log keeps
        one copy of the outputs, and that copy is compact."""
        self.outputs = OutputLog()
        """Wire values of every distinct output (each yield or stream answer, then the final
        value unless it repeats the last one)."""
        self.values: list[Any] | None = None
        """Current wire values (edits of the next generating message apply to these)."""
        self.outcome: Outcome | None = None
        self.result: list[Any] | None = None
        self.error: GradioGenError | None = None
        self.server_running = False
        """The server said it started the event and has not said it ended."""
        self.deferred_cancel = False
        self.server_event_id: str | None = None
        """``sse`` (4.0-4.8): the server's id of a call, from its ``send_data``."""

    @property
    def done(self) -> bool:
        return self.outcome is not None

    @property
    def refusal(self) -> GradioGenError | None:
        """The error of a call the server turned away before accepting it (per-call
        protocols: queue full, login refused): ``submit`` raises it, as a refused
        ``queue/join`` of the later protocols is raised."""
        early = self.outcome == "error" and len(self.updates) <= 1
        if early and isinstance(self.error, (HTTPStatusError, UsageError)):
            return self.error
        return None


class CancelRequest(Record):
    """A ``POST /cancel`` the driver must send."""

    __slots__ = ("event_id", "fn_index")
    event_id: Final[str]
    fn_index: Final[int]

    def __init__(self, event_id: str, fn_index: int) -> None:
        self.event_id = event_id
        self.fn_index = fn_index


class ResetRequest(Record):
    """A ``POST /reset`` the driver must send: ``{"event_id"}`` (4.x) when ``event_id`` is
    set, else ``{"session_hash", "fn_index"}`` (3.x)."""

    __slots__ = ("event_id", "fn_index")
    event_id: Final[str | None]
    fn_index: Final[int]

    def __init__(self, event_id: str | None, fn_index: int) -> None:
        self.event_id = event_id
        self.fn_index = fn_index


class Send(Record):
    """What the server asked the driver to send for a call (rule 9): ``"hash"`` (ws:
    ``{"fn_index", "session_hash"}``) or ``"data"`` (ws: the data frame; sse: ``POST
    queue/data`` with ``server_event_id``)."""

    __slots__ = ("event_id", "server_event_id", "what")
    what: Final[Literal["hash", "data"]]
    event_id: Final[str]
    server_event_id: Final[str | None]

    def __init__(
        self, what: Literal["hash", "data"], event_id: str, server_event_id: str | None = None
    ) -> None:
        self.what = what
        self.event_id = event_id
        self.server_event_id = server_event_id


class Effects(Record):
    """What one input to the session asks of the driver."""

    __slots__ = ("cancels", "closed", "hangup", "problems", "resets", "sends", "touched")
    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable

    def __init__(self) -> None:
        self.touched: set[str] = set()
        """Event ids whose record changed (wake their waiters)."""
        self.cancels: list[CancelRequest] = []
        self.closed = False
        """``close_stream`` was received: the server ends the response."""
        self.problems: list[ProtocolError] = []
        self.sends: list[Send] = []
        self.resets: list[ResetRequest] = []
        self.hangup = False
        """A per-call driver must close the call's connection (rule 12)."""

    def merge(self, other: Effects) -> None:
        self.touched |= other.touched
        self.cancels.extend(other.cancels)
        self.closed = self.closed or other.closed
        self.problems.extend(other.problems)
        self.sends.extend(other.sends)
        self.resets.extend(other.resets)
        self.hangup = self.hangup or other.hangup
