"""Session-stream JSON payloads -> typed message objects. No I/O.

``parse_message`` never raises: malformed JSON, a payload that is not an object, or fields
of the wrong type give an ``InvalidMessage`` carrying a ``ProtocolError``; an unknown
``msg`` gives an ``UnknownMessage`` (newer servers may add message kinds).

``event_id`` is ``None`` when a message does not carry one: the ``ws`` and ``sse``
protocols (gradio 3.x-4.8) name no event in their messages (``sse`` only in ``send_data``);
the session routes those to the call's own event (see ``_dialect``).

The message classes are ``Record``s (``_record``: equality, hash and repr by field, like the
frozen dataclasses they were, without a dataclass's cost on every client's import).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from json.scanner import make_scanner
from typing import Any, Final, Literal, cast

from .._exceptions import AppError, ProtocolError
from .._record import Record
from .._types import LogMessage, ProgressUnit


class Estimation(Record):
    __slots__ = ("event_id", "queue_size", "rank", "rank_eta")
    event_id: Final[str | None]
    rank: Final[int | None]
    queue_size: Final[int | None]
    rank_eta: Final[float | None]

    def __init__(
        self,
        event_id: str | None,
        rank: int | None,
        queue_size: int | None,
        rank_eta: float | None,
    ) -> None:
        self.event_id = event_id
        self.rank = rank
        self.queue_size = queue_size
        self.rank_eta = rank_eta


class ProcessStarts(Record):
    __slots__ = ("eta", "event_id")
    event_id: Final[str | None]
    eta: Final[float | None]

    def __init__(self, event_id: str | None, eta: float | None) -> None:
        self.event_id = event_id
        self.eta = eta


class Progress(Record):
    __slots__ = ("event_id", "units")
    event_id: Final[str | None]
    units: Final[tuple[ProgressUnit, ...]]

    def __init__(self, event_id: str | None, units: tuple[ProgressUnit, ...]) -> None:
        self.event_id = event_id
        self.units = units


class Log(Record):
    __slots__ = ("event_id", "log")
    event_id: Final[str | None]
    log: Final[LogMessage]

    def __init__(self, event_id: str | None, log: LogMessage) -> None:
        self.event_id = event_id
        self.log = log


class ProcessGenerating(Record):
    """A generator yield: full values the first time per event, edit lists afterwards."""

    __slots__ = ("data", "event_id", "time_limit")
    event_id: Final[str | None]
    data: Final[list[Any]]
    time_limit: Final[float | None]

    def __init__(
        self, event_id: str | None, data: list[Any], time_limit: float | None = None
    ) -> None:
        self.event_id = event_id
        self.data = data
        self.time_limit = time_limit


class ProcessStreaming(Record):
    """An answer to a chunk of a ``connection: "stream"`` event (full values)."""

    __slots__ = ("data", "event_id", "time_limit")
    event_id: Final[str | None]
    data: Final[list[Any]]
    time_limit: Final[float | None]

    def __init__(
        self, event_id: str | None, data: list[Any], time_limit: float | None = None
    ) -> None:
        self.event_id = event_id
        self.data = data
        self.time_limit = time_limit


class ProcessCompleted(Record):
    __slots__ = ("event_id", "output", "success", "title")
    event_id: Final[str | None]
    success: Final[bool]
    output: Final[Mapping[str, Any]]
    title: Final[str | None]

    def __init__(
        self,
        event_id: str | None,
        success: bool,
        output: Mapping[str, Any],
        title: str | None = None,
    ) -> None:
        self.event_id = event_id
        self.success = success
        self.output = output
        self.title = title

    @property
    def outcome(self) -> Literal["success", "error", "cancelled"]:
        if not self.success:
            return "error"
        return "success" if "data" in self.output else "cancelled"


class SendHash(Record):
    """``ws`` (3.x): the server asks for ``{"fn_index", "session_hash"}``."""

    __slots__ = ("event_id",)
    event_id: Final[str | None]

    def __init__(self, event_id: str | None = None) -> None:
        self.event_id = event_id


class SendData(Record):
    """``ws``/``sse``: a worker is free, send the call's data now (``sse``: to
    ``POST queue/data`` with this ``event_id``)."""

    __slots__ = ("event_id",)
    event_id: Final[str | None]

    def __init__(self, event_id: str | None) -> None:
        self.event_id = event_id


class QueueFull(Record):
    """``ws``/``sse``: the queue refused the call (later protocols answer HTTP 503)."""

    __slots__ = ("event_id",)
    event_id: Final[str | None]

    def __init__(self, event_id: str | None = None) -> None:
        self.event_id = event_id


class Heartbeat(Record):
    __slots__ = ()


class CloseStream(Record):
    __slots__ = ()


class UnexpectedError(Record):
    __slots__ = ("message", "session_not_found")
    message: Final[str]
    session_not_found: Final[bool]

    def __init__(self, message: str, session_not_found: bool) -> None:
        self.message = message
        self.session_not_found = session_not_found


class UnknownMessage(Record):
    __slots__ = ("event_id", "msg", "raw")
    _hidden = ("raw",)
    msg: Final[str]
    event_id: Final[str | None]
    raw: Final[Mapping[str, Any]]

    def __init__(self, msg: str, event_id: str | None, raw: Mapping[str, Any]) -> None:
        self.msg = msg
        self.event_id = event_id
        self.raw = raw


class InvalidMessage(Record):
    """A payload that breaks the protocol. ``event_id`` is set when it could be read."""

    __slots__ = ("error", "event_id", "raw")
    _hidden = ("raw",)
    error: Final[ProtocolError]
    event_id: Final[str | None]
    raw: Final[str]

    def __init__(self, error: ProtocolError, event_id: str | None, raw: str) -> None:
        self.error = error
        self.event_id = event_id
        self.raw = raw


Message = (
    Estimation
    | ProcessStarts
    | Progress
    | Log
    | ProcessGenerating
    | ProcessStreaming
    | ProcessCompleted
    | SendHash
    | SendData
    | QueueFull
    | Heartbeat
    | CloseStream
    | UnexpectedError
    | UnknownMessage
    | InvalidMessage
)


class _Bad(Exception):
    pass


def _opt_num(obj: Mapping[str, Any], key: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"{key!r} must be a number or null, got {type(value).__name__}")
    return float(value)


def _opt_int(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise _Bad(f"{key!r} must be an integer or null, got {type(value).__name__}")
    return value


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _event_id(obj: Mapping[str, Any]) -> str | None:
    value = obj.get("event_id")
    if value is None or isinstance(value, str):
        return value
    raise _Bad(f"'event_id' must be a string, got {type(value).__name__}")


def _output_data(obj: Mapping[str, Any]) -> list[Any]:
    output = obj.get("output")
    if not isinstance(output, dict):
        raise _Bad("'output' must be an object")
    data = output.get("data")
    if not isinstance(data, list):
        raise _Bad("'output.data' must be a list")
    return data


def _progress(obj: Mapping[str, Any]) -> tuple[ProgressUnit, ...]:
    units = obj.get("progress_data")
    if units is None:
        return ()
    if not isinstance(units, list):
        raise _Bad("'progress_data' must be a list")
    out = []
    for unit in units:
        if not isinstance(unit, dict):
            raise _Bad("'progress_data' items must be objects")
        out.append(
            ProgressUnit(
                index=_opt_int(unit, "index"),
                length=_opt_int(unit, "length"),
                unit=_opt_str(unit, "unit"),
                progress=_opt_num(unit, "progress"),
                desc=_opt_str(unit, "desc"),
            )
        )
    return tuple(out)


def _build(obj: Mapping[str, Any]) -> Message:
    kind = obj.get("msg")
    if not isinstance(kind, str):
        raise _Bad("'msg' must be a string")
    if kind == "heartbeat":
        return Heartbeat()
    if kind == "close_stream":
        return CloseStream()
    if kind == "estimation":
        return Estimation(
            _event_id(obj),
            _opt_int(obj, "rank"),
            _opt_int(obj, "queue_size"),
            _opt_num(obj, "rank_eta"),
        )
    if kind == "process_starts":
        return ProcessStarts(_event_id(obj), _opt_num(obj, "eta"))
    if kind == "progress":
        return Progress(_event_id(obj), _progress(obj))
    if kind == "log":
        visible = obj.get("visible", True)
        return Log(
            _event_id(obj),
            LogMessage(
                message=str(obj.get("log", "")),
                level=str(obj.get("level") or "info"),
                title=_opt_str(obj, "title"),
                duration=_opt_num(obj, "duration"),
                visible=visible if isinstance(visible, bool) else True,
            ),
        )
    if kind == "process_generating":
        return ProcessGenerating(_event_id(obj), _output_data(obj), _opt_num(obj, "time_limit"))
    if kind == "process_streaming":
        return ProcessStreaming(_event_id(obj), _output_data(obj), _opt_num(obj, "time_limit"))
    if kind == "process_completed":
        event_id = _event_id(obj)
        success = obj.get("success", True)
        if not isinstance(success, bool):
            raise _Bad("'success' must be a boolean")
        output = obj.get("output")
        if output is None:
            output = {}
        if not isinstance(output, dict):
            raise _Bad("'output' must be an object")
        if success and "data" in output and not isinstance(output["data"], list):
            raise _Bad("'output.data' must be a list")
        return ProcessCompleted(event_id, success, output, _opt_str(obj, "title"))
    if kind == "send_hash":
        return SendHash()
    if kind == "send_data":
        return SendData(_event_id(obj))
    if kind == "queue_full":
        return QueueFull(_event_id(obj))
    if kind == "unexpected_error":
        return UnexpectedError(
            str(obj.get("message") or "unexpected error"), bool(obj.get("session_not_found", False))
        )
    eid = obj.get("event_id")
    return UnknownMessage(kind, eid if isinstance(eid, str) else None, obj)


_scan = make_scanner(cast(Any, json.JSONDecoder()))  # typeshed types the context too narrowly
"""The scanner ``json.loads`` ends in (C in CPython, with its default decoder's settings),
without the two Python frames around it: one call per message on the streaming path."""


def decode(payload: str) -> Any:
    """``json.loads(payload)``: the same value and the same ``ValueError``. A payload the
    scanner reads whole at once (every payload a Gradio server sends) costs one C call;
    anything else (leading or trailing whitespace, extra data, invalid JSON) is left to
    ``json.loads`` itself."""
    try:
        obj, end = _scan(payload, 0)
    except (StopIteration, ValueError):
        return json.loads(payload)
    if end != len(payload):
        return json.loads(payload)
    return obj


def output_parts(obj: Any) -> tuple[str | None, list[Any]] | None:
    """``(event_id, output.data)`` of a decoded ``process_generating`` message that
    ``parse_object`` would turn into a ``ProcessGenerating`` with these fields; ``None`` for
    any other payload (the caller then parses it in full). The session's fast path for
    generator outputs: no message object per yield. A subset of ``_build``'s checks (exact
    JSON types), so every payload it accepts reads the same both ways (tested)."""
    try:
        if obj["msg"] != "process_generating":
            return None
        output = obj["output"]
        data = output["data"]
    except (KeyError, TypeError, IndexError):  # not an object, a key missing...
        return None
    if type(obj) is not dict or type(output) is not dict or type(data) is not list:
        return None
    event_id = obj.get("event_id")
    limit = obj.get("time_limit")
    if (event_id is None or type(event_id) is str) and (
        limit is None or type(limit) is float or type(limit) is int
    ):
        return event_id, data
    return None


def parse_message(payload: str) -> Message:
    """One ``data:`` payload -> a message. Never raises."""
    try:
        obj = decode(payload)
    except ValueError as exc:
        return invalid_json(payload, exc)
    return parse_object(obj, payload)


def invalid_json(payload: str, exc: ValueError) -> InvalidMessage:
    return InvalidMessage(ProtocolError(f"session stream sent invalid JSON: {exc}"), None, payload)


def parse_object(obj: Any, payload: str) -> Message:
    """A decoded payload (``payload``: its text, kept by ``InvalidMessage``) -> a message.
    Never raises."""
    if not isinstance(obj, dict):
        return InvalidMessage(
            ProtocolError(f"session stream sent a {type(obj).__name__}, expected an object"),
            None,
            payload,
        )
    try:
        return _build(obj)
    except _Bad as exc:
        eid = obj.get("event_id")
        kind = obj.get("msg")
        return InvalidMessage(
            ProtocolError(f"malformed {kind!r} message: {exc}"),
            eid if isinstance(eid, str) else None,
            payload,
        )


def unquote_error(text: str) -> str:
    """``"'msg'"`` -> ``"msg"``: gradio before 5.0 sends ``repr(message)``. Text
    that is not exactly one Python string literal is returned as it is."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text
        if isinstance(value, str):
            return value
    return text


def app_error(message: ProcessCompleted, endpoint: str | None, quoted: bool) -> AppError:
    from .._zerogpu import app_error as zerogpu_app_error  # imported on first use: errors only

    output: Mapping[str, Any] = message.output
    text = output.get("error")
    if quoted and isinstance(text, str):
        text = unquote_error(text)
    title = output.get("title") or message.title
    duration = output.get("duration")
    visible = output.get("visible")
    return zerogpu_app_error(  # a ZeroGPU refusal gets its own AppError subclass
        text if isinstance(text, str) else None,
        title=title if isinstance(title, str) else None,
        duration=float(duration)
        if isinstance(duration, (int, float)) and not isinstance(duration, bool)
        else None,
        visible=visible if isinstance(visible, bool) else None,
        endpoint=endpoint,
    )
