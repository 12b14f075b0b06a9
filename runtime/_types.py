"""Plain data types of the runtime's public API (no I/O).

``NOT_GIVEN`` tells "argument not given" from an explicit ``None`` (which means "no limit"
for timeouts and "no token" for ``hf_token``). ``Timeout`` layers every wait the runtime
does; all of them are finite unless the caller asks otherwise. ``Status`` and ``Update``
describe a job as it runs.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, Literal, TypedDict

if TYPE_CHECKING:
    import ssl

from ._constants import (
    CONNECT_TIMEOUT,
    JOB_TIMEOUT,
    POOL_TIMEOUT,
    READ_TIMEOUT,
    STREAM_IDLE_TIMEOUT,
    WRITE_TIMEOUT,
)


class _NotGiven(enum.Enum):
    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Final = _NotGiven.NOT_GIVEN
"""Sentinel: the caller did not pass this argument (``None`` is a real value)."""
NotGiven = Literal[_NotGiven.NOT_GIVEN]


@dataclass(frozen=True)
class Timeout:
    """Every wait of the runtime, in seconds; ``None`` means no limit for that wait.

    ``connect``/``read``/``write``/``pool`` bound each HTTP request (httpx semantics);
    ``stream_idle`` bounds silence on the session stream (the server sends a heartbeat
    every 15 s); ``job`` bounds a blocking call / ``Job.result()`` when none is given.
    """

    connect: float | None = CONNECT_TIMEOUT
    read: float | None = READ_TIMEOUT
    write: float | None = WRITE_TIMEOUT
    pool: float | None = POOL_TIMEOUT
    stream_idle: float | None = STREAM_IDLE_TIMEOUT
    job: float | None = JOB_TIMEOUT

    @classmethod
    def coerce(cls, value: float | Timeout | NotGiven | None) -> Timeout:
        """``NOT_GIVEN`` -> defaults; a number -> that per-request timeout (stream and job
        bounds keep their defaults unless smaller); ``None`` -> no limit anywhere."""
        if value is NOT_GIVEN:
            return cls()
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(None, None, None, None, None, None)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError(f"timeout must be a positive number, a Timeout or None, not {value!r}")
        seconds = float(value)
        return cls(
            connect=seconds,
            read=seconds,
            write=seconds,
            pool=seconds,
            stream_idle=STREAM_IDLE_TIMEOUT,
            job=JOB_TIMEOUT,
        )

    def with_job(self, job: float | None) -> Timeout:
        return replace(self, job=job)


StatusCode = Literal[
    "pending",  # joined, nothing heard yet
    "queued",  # waiting in the app's queue (rank / queue_size / eta known)
    "processing",  # a worker runs it
    "generating",  # a generator yielded at least once
    "streaming",  # a streaming-input event answered at least once
    "done",  # finished with a result
    "error",  # finished with an error
    "cancelled",  # cancelled (locally, by the server, or both)
]


@dataclass(frozen=True)
class ProgressUnit:
    """One ``gr.Progress`` level (tqdm-style ``index/length`` or a 0..1 ``progress``)."""

    index: int | None
    length: int | None
    unit: str | None
    progress: float | None
    desc: str | None


@dataclass(frozen=True)
class LogMessage:
    """A ``gr.Info`` / ``gr.Warning`` / ``gr.Success`` message emitted by the app."""

    message: str
    level: str
    title: str | None = None
    duration: float | None = None
    visible: bool = True


@dataclass(frozen=True)
class Status:
    """The latest known state of a job."""

    code: StatusCode
    rank: int | None = None
    queue_size: int | None = None
    eta: float | None = None
    progress: tuple[ProgressUnit, ...] = ()
    success: bool | None = None
    time: float = 0.0
    """When this status was reached: wall-clock seconds since the epoch (``time.time()``);
    ``datetime.fromtimestamp(status.time)`` for display (it used to be a
    ``time.monotonic()`` reading). For durations, subtract two statuses' times."""


UpdateKind = Literal["status", "progress", "log", "output"]


@dataclass(frozen=True)
class Update:
    """One thing that happened to a job, in order.

    ``output`` is set for kind ``"output"`` (the whole value so far, edits applied);
    ``final`` marks the last output (the result); ``log`` is set for kind ``"log"``.
    """

    kind: UpdateKind
    status: Status
    output: Any = None
    final: bool = False
    log: LogMessage | None = None


class ClientOptions(TypedDict, total=False):
    """Keyword options accepted by ``Client``/``AsyncClient`` (and generated clients)."""

    hf_token: str | None
    auth: tuple[str, str] | None
    headers: Mapping[str, str] | None
    timeout: float | Timeout | None
    max_retries: int
    verify: bool | str | ssl.SSLContext
    proxy: str | None
    download_dir: str | os.PathLike[str] | None
    status_callback: Callable[[Any], None] | None
    space_timeout: float
    session_hash: str | None
