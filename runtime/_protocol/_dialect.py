"""Per-protocol framing facts: what differs between Gradio's queue protocols. No I/O.

Every Gradio release line speaks one queue protocol (``config["protocol"]``; a 3.x config
has no such key and speaks ``ws``). The session state machine (``_session``) and the
drivers are one implementation; a ``Dialect`` tells them the few things that differ
(captured from real servers, see legacy-protocols.md in the project's shared notes):

=========  =========  ===============  =========  =====  ==============  ============  ======
protocol   gradio     how a call runs  event ids  diffs  a stream ends   cancel        files
=========  =========  ===============  =========  =====  ==============  ============  ======
ws         3.x        a websocket per  none       no     socket closes   close socket  3.x
                      call (queue/join)                  after the call  + /reset      dicts
sse        4.0-4.8    GET queue/join   send_data  no     body ends after close stream  FileData
                      per call, POST   only              the call        + /reset
                      queue/data
sse_v1     4.9-4.16   POST queue/join  every      no     body ends when  /reset        FileData
sse_v2     4.17-4.20  + one GET        message    yes    nothing is      (generators   FileData
sse_v2.1   4.21       queue/data per              yes    pending         only)         + meta
sse_v3     4.22+      session          every      yes    close_stream    POST /cancel  + meta
=========  =========  ===============  =========  =====  ==============  ============  ======

Generator encoding: with ``diffs`` the first ``process_generating`` of an event carries full
values and every later one edit lists; without, each carries full values. On every
protocol before ``sse_v2`` the ``process_completed`` of a generator repeats its last yield
(with ``is_generating: true``): completion is told by ``msg``, never by ``is_generating``.

A gradio 3.x app without a queue (``enable_queue: false``) is ``WS_DIRECT``: each call is
one ``POST run/predict`` whose answer is the result (no progress, no generators).

``quoted_errors``: gradio before 5.0 sends a ``gr.Error`` message as ``repr(message)``
(``"'text'"``); the session strips that one level of quoting.
"""

from __future__ import annotations

from typing import Final, Literal

from .._exceptions import UnsupportedProtocolError
from .._record import Record

Transport = Literal["websocket", "join_stream", "session_stream", "direct"]
"""``websocket``: one socket per call; ``join_stream``: one SSE response per call (GET
``queue/join``), data posted on ``send_data``; ``session_stream``: POST ``queue/join`` then
one SSE stream (GET ``queue/data``) multiplexing every pending event of the session;
``direct``: a gradio 3.x app without a queue (``enable_queue: false``, the default of a 3.x
app launched outside Spaces without ``demo.queue()``) answers ``POST run/predict`` with the
result (no queue, no progress, no generators)."""
StreamEnd = Literal["close_stream", "idle", "call"]
"""How a stream ends normally: ``close_stream`` message (then the body ends); ``idle``: the
body just ends once the session has nothing pending; ``call``: the call's own stream ends
after its ``process_completed``."""
Cancel = Literal["server", "reset_event", "reset_fn"]
"""``server``: ``POST /cancel {event_id, session_hash, fn_index}`` stops the event (waiting
or running); ``reset_event``: only ``POST /reset {event_id}``, which closes a generator at
its next yield and nothing else; ``reset_fn`` (3.x): closing the call's socket drops a
waiting event and ends a generator, then ``POST /reset {session_hash, fn_index}``."""
FileFormat = Literal["gradio3", "filedata", "filedata_meta"]
"""Input files: 3.x ``{"name", "orig_name", "data": null, "is_file": true}``; 4.0-4.20
FileData ``{"path", "orig_name"}``; 4.21+ FileData with ``"meta": {"_type":
"gradio.FileData"}`` (required from gradio 5)."""


class Dialect(Record):
    """A queue protocol's rules (a ``Record``: compared by field, immutable by convention)."""

    __slots__ = (
        "cancel", "diffs", "event_ids", "files", "protocol", "quoted_errors", "releases",
        "stream_end", "transport", "version",
    )  # fmt: skip
    protocol: Final[str]
    releases: Final[str]
    """The gradio releases that speak it (for messages)."""
    transport: Final[Transport]
    stream_end: Final[StreamEnd]
    event_ids: Final[bool]
    """Every message names its event (else messages belong to the call's own stream)."""
    diffs: Final[bool]
    cancel: Final[Cancel]
    files: Final[FileFormat]
    quoted_errors: Final[bool]
    version: Final[str | None]
    """The app's gradio version, when the config says it."""

    def __init__(
        self,
        protocol: str,
        releases: str,
        transport: Transport,
        stream_end: StreamEnd,
        event_ids: bool,
        diffs: bool,
        cancel: Cancel,
        files: FileFormat,
        quoted_errors: bool = False,
        version: str | None = None,
    ) -> None:
        self.protocol = protocol
        self.releases = releases
        self.transport = transport
        self.stream_end = stream_end
        self.event_ids = event_ids
        self.diffs = diffs
        self.cancel = cancel
        self.files = files
        self.quoted_errors = quoted_errors
        self.version = version

    def of_app(self, version: str | None, quoted_errors: bool) -> Dialect:
        """This dialect for one app: its gradio ``version`` and how it sends errors."""
        return Dialect(
            self.protocol, self.releases, self.transport, self.stream_end, self.event_ids,
            self.diffs, self.cancel, self.files, quoted_errors, version,
        )  # fmt: skip

    @property
    def per_call(self) -> bool:
        """One connection per call (``ws``, ``sse``) instead of one stream per session."""
        return self.transport != "session_stream"

    @property
    def server_cancel(self) -> bool:
        """Whether the server can stop a *running* function of any kind."""
        return self.cancel == "server"

    @property
    def label(self) -> str:
        """``gradio 4.16.0 (protocol sse_v1)`` for messages."""
        return f"gradio {self.version or self.releases} (protocol {self.protocol})"


WS = Dialect("ws", "3.x", "websocket", "call", False, False, "reset_fn", "gradio3", True)
WS_DIRECT = Dialect(
    "ws", "3.x without a queue", "direct", "call", False, False, "reset_fn", "gradio3", True
)
SSE = Dialect(
    "sse", "4.0-4.8", "join_stream", "call", False, False, "reset_event", "filedata", True
)
SSE_V1 = Dialect(
    "sse_v1", "4.9-4.16", "session_stream", "idle", True, False, "reset_event", "filedata", True
)
SSE_V2 = Dialect(
    "sse_v2", "4.17-4.20", "session_stream", "idle", True, True, "reset_event", "filedata", True
)
SSE_V2_1 = Dialect(
    "sse_v2.1", "4.21", "session_stream", "idle", True, True, "reset_event", "filedata_meta", True
)
SSE_V3 = Dialect(
    "sse_v3", "4.22+", "session_stream", "close_stream", True, True, "server", "filedata_meta"
)
DIALECTS: dict[str, Dialect] = {d.protocol: d for d in (WS, SSE, SSE_V1, SSE_V2, SSE_V2_1, SSE_V3)}
SUPPORTED = frozenset(DIALECTS)


def _major(version: str | None) -> int | None:
    head = (version or "").split(".", 1)[0]
    return int(head) if head.isdigit() else None


def dialect_for(
    protocol: str | None, version: str | None, enable_queue: bool | None = None
) -> Dialect:
    """The dialect of an app from its config's ``protocol``, ``version`` and (3.x)
    ``enable_queue``. A missing protocol is ``ws`` (gradio 3.x, or a config without a
    version), or ``WS_DIRECT`` when the queue is off; gradio 2.x, a 4+ config without a
    protocol and unknown protocols raise ``UnsupportedProtocolError`` (the generator refuses
    the same configs: ``_legacy_info.unsupported_reason``)."""
    major = _major(version)
    if protocol is None:
        if major is not None and major != 3:
            raise UnsupportedProtocolError(None, version)
        protocol = "ws"
    base = DIALECTS.get(protocol)
    if protocol == "ws" and enable_queue is False:
        base = WS_DIRECT
    if base is None:
        raise UnsupportedProtocolError(protocol, version)
    quoted = base.quoted_errors if major is None else major < 5
    return base.of_app(version, quoted)
