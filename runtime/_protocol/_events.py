"""What the session state machine (``_session``) produces: per-event records and the effects
the driver must carry out. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .._exceptions import GradioGenError, HTTPStatusError, ProtocolError, UsageError
from .._types import Status, Update

Outcome = Literal["success", "error", "cancelled"]


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
    server_event_id: str | None = None
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


@dataclass(frozen=True)
class CancelRequest:
    """A ``POST /cancel`` the driver must send."""

    event_id: str
    fn_index: int


@dataclass(frozen=True)
class ResetRequest:
    """A ``POST /reset`` the driver must send: ``{"event_id"}`` (4.x) when ``event_id`` is
    set, else ``{"session_hash", "fn_index"}`` (3.x)."""

    event_id: str | None
    fn_index: int


@dataclass(frozen=True)
class Send:
    """What the server asked the driver to send for a call (rule 9): ``"hash"`` (ws:
    ``{"fn_index", "session_hash"}``) or ``"data"`` (ws: the data frame; sse: ``POST
    queue/data`` with ``server_event_id``)."""

    what: Literal["hash", "data"]
    event_id: str
    server_event_id: str | None = None


@dataclass
class Effects:
    touched: set[str] = field(default_factory=set)
    """Event ids whose record changed (wake their waiters)."""
    cancels: list[CancelRequest] = field(default_factory=list)
    closed: bool = False
    """``close_stream`` was received: the server ends the response."""
    problems: list[ProtocolError] = field(default_factory=list)
    sends: list[Send] = field(default_factory=list)
    resets: list[ResetRequest] = field(default_factory=list)
    hangup: bool = False
    """A per-call driver must close the call's connection (rule 12)."""

    def merge(self, other: Effects) -> None:
        self.touched |= other.touched
        self.cancels.extend(other.cancels)
        self.closed = self.closed or other.closed
        self.problems.extend(other.problems)
        self.sends.extend(other.sends)
        self.resets.extend(other.resets)
        self.hangup = self.hangup or other.hangup
