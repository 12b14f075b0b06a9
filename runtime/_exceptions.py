"""The runtime's one exception tree.

Every error a caller can meet derives from ``GradioGenError``; one class per failure a
caller handles differently::

    GradioGenError
    ├── UsageError                 bad input, raised before any network call
    │   ├── InputValidationError   a parameter failed validation (names the parameter)
    │   ├── UnknownEndpointError   no such api_name / endpoint
    │   ├── FileTooLargeError      a file exceeds the app's max_file_size (nothing sent)
    │   └── NotStubbedError        a typed fake's endpoint was called without a stub
    ├── TransportError             the connection failed
    │   ├── ConnectError           could not connect
    │   ├── TimeoutError           a wait ran out (also a builtins.TimeoutError)
    │   │   ├── ConnectTimeout
    │   │   ├── ReadTimeout        includes a session stream silent past its idle timeout
    │   │   └── JobTimeout         the whole job took longer than allowed
    │   └── StreamLostError        the session stream ended while the job was pending
    ├── ProtocolError              the server said something we cannot understand
    │   ├── UnsupportedProtocolError   app too old (names protocol and gradio version)
    │   └── UnsupportedFeatureError    this app's gradio cannot do what was asked (names both)
    ├── HTTPStatusError            an unexpected HTTP status (carries status and body)
    │   ├── AuthenticationError    401/403, bad credentials, private Space without token
    │   ├── RateLimitError         429 after retries
    │   ├── QueueFullError         503 "Queue is full"
    │   └── ServerValidationError  the app's validator rejected inputs (per parameter)
    ├── AppError                   the app raised (gr.Error: message, title, duration)
    │   └── ZeroGPUError           a ZeroGPU Space refused the call (``spaces`` package)
    │       ├── ZeroGPUQuotaError  quota exceeded (retry_after, requested, left)
    │       │   └── ZeroGPUPendingCreditsError  too many credits held by running tasks
    │       ├── ZeroGPUDurationError   the requested GPU duration is over the maximum
    │       └── ZeroGPUQueueTimeoutError   no GPU became available in time
    ├── CancelledError             the job was cancelled
    ├── OutputValidationError      an output did not match its declared type (keeps .raw)
    ├── SpaceError                 Hugging Face Space problems
    │   ├── SpaceNotFoundError
    │   ├── SpaceStateError        the Space is paused / in an error stage (carries .stage)
    │   └── SpaceTimeoutError      the Space did not start in time
    ├── DriftError                 the live app no longer matches the generated client
    └── RuntimeVersionError        this runtime cannot run a generated module (also an ImportError)

Warnings: ``DriftWarning`` (a ``UserWarning``) when a generated client's app changed
incompatibly and ``on_drift="warn"``.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any


class GradioGenError(Exception):
    """Base class of every error raised by gradio-gen's runtime."""


# -- usage --------------------------------------------------------------------------------


class UsageError(GradioGenError, ValueError):
    """The caller's input is wrong; raised before any network call."""


class InputValidationError(UsageError):
    """One or more arguments failed validation.

    ``endpoint`` is the api_name; ``errors`` maps a parameter name to its problems, one line
    each, every line starting with where the problem is: the parameter itself or a path inside
    it (``"history[0].content: expected a valid list, got 'hi'"``). A message given without a
    location (``"required, no value given"``) is about the whole parameter and gets its name
    prefixed.
    """

    def __init__(self, endpoint: str, errors: Mapping[str, Sequence[str]]) -> None:
        self.endpoint = endpoint
        self.errors: dict[str, list[str]] = {
            name: [_located(name, m) for m in messages] for name, messages in errors.items()
        }
        lines = [line for messages in self.errors.values() for line in messages]
        if len(lines) == 1:
            text = f"invalid argument for {endpoint}: {lines[0]}"
        else:
            text = f"invalid arguments for {endpoint} ({len(lines)} problems):" + "".join(
                f"\n  - {line}" for line in lines
            )
        super().__init__(text)


def _located(name: str, message: str) -> str:
    if message.startswith(name) and message[len(name) : len(name) + 1] in (":", "[", "."):
        return message
    return f"{name}: {message}"


class UnknownEndpointError(UsageError):
    def __init__(self, name: str, available: Sequence[str] = ()) -> None:
        self.name = name
        self.available = list(available)
        hint = f" Available: {', '.join(self.available[:20])}" if self.available else ""
        super().__init__(f"Unknown endpoint {name!r}.{hint}")


class FileTooLargeError(UsageError):
    def __init__(self, name: str, size: int, limit: int) -> None:
        self.name = name
        self.size = size
        self.limit = limit
        super().__init__(
            f"File {name!r} is {size} bytes; the app accepts at most {limit} bytes "
            "(max_file_size). Nothing was sent."
        )


class NotStubbedError(UsageError):
    """A fake client's endpoint was called but the test gave it nothing to answer with."""

    def __init__(self, endpoint: str, fake: str = "the fake client") -> None:
        self.endpoint = endpoint
        super().__init__(
            f"{fake}: endpoint {endpoint} was called but is not stubbed; give it an answer "
            f"with .returns(value), .responds(function), .raises(error) or .streams(...)"
        )


# -- transport ----------------------------------------------------------------------------


class TransportError(GradioGenError):
    """The connection to the app failed."""


class ConnectError(TransportError):
    pass


class TimeoutError(TransportError, builtins.TimeoutError):
    pass


class ConnectTimeout(TimeoutError):
    pass


class ReadTimeout(TimeoutError):
    pass


class JobTimeout(TimeoutError):
    pass


class StreamLostError(TransportError):
    """The session stream ended (connection cut, server gone) while the job was pending."""


# -- protocol -----------------------------------------------------------------------------


class ProtocolError(GradioGenError):
    """The server sent something that does not follow the protocol."""


class UnsupportedProtocolError(ProtocolError):
    def __init__(self, protocol: str | None, version: str | None) -> None:
        self.protocol = protocol
        self.version = version
        super().__init__(
            f"This app speaks Gradio protocol {protocol!r} (gradio {version or 'unknown'}); "
            "gradio-gen supports gradio 3.x to 6.x (protocols ws, sse, sse_v1, sse_v2, "
            "sse_v2.1, sse_v3). Upgrade the app's gradio."
        )


class UnsupportedFeatureError(ProtocolError):
    """The app's gradio release cannot do what was asked (``feature``), e.g. calling a 3.x
    app that runs without a queue. ``version`` and ``protocol`` name the release."""

    def __init__(
        self, feature: str, *, version: str | None, protocol: str | None, hint: str = ""
    ) -> None:
        self.feature = feature
        self.version = version
        self.protocol = protocol
        super().__init__(
            f"{feature} is not supported by gradio {version or 'unknown'} "
            f"(protocol {protocol or 'unknown'})" + (f": {hint}" if hint else "")
        )


# -- HTTP status --------------------------------------------------------------------------


class HTTPStatusError(GradioGenError):
    """An HTTP response with an unexpected status (``retry_after``: its ``Retry-After``
    header in seconds, when it had one)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        url: str = "",
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.url = url
        self.body = body
        self.retry_after = retry_after
        super().__init__(message)


class AuthenticationError(HTTPStatusError):
    pass


class RateLimitError(HTTPStatusError):
    def __init__(
        self,
        message: str,
        *,
        status_code: int = 429,
        url: str = "",
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, status_code=status_code, url=url, body=body, retry_after=retry_after
        )


class QueueFullError(HTTPStatusError):
    pass


class ServerValidationError(HTTPStatusError):
    """The app's validator rejected the inputs. ``errors`` maps parameter name to message."""

    def __init__(
        self,
        message: str,
        *,
        errors: Mapping[str, str],
        status_code: int = 422,
        url: str = "",
        body: Any = None,
    ) -> None:
        self.errors = dict(errors)
        super().__init__(message, status_code=status_code, url=url, body=body)


# -- results ------------------------------------------------------------------------------


class AppError(GradioGenError):
    """The app's function raised. ``message`` is None when the app hides error details."""

    def __init__(
        self,
        message: str | None,
        *,
        title: str | None = None,
        duration: float | None = None,
        visible: bool | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.message = message
        self.title = title
        self.duration = duration
        self.visible = visible
        self.endpoint = endpoint
        where = f" in {endpoint}" if endpoint else ""
        text = (
            message
            if message is not None
            else (
                "the app raised an exception but does not show error details "
                "(launch it with show_error=True to see them)"
            )
        )
        head = f"{title}: " if title and title != "Error" else ""
        super().__init__(f"App error{where}: {head}{text}")


class ZeroGPUError(AppError):
    """A ZeroGPU Space refused to run the call: a ``gr.Error`` raised by the ``spaces``
    package, titled ``"ZeroGPU ..."`` (see ``_zerogpu`` for every message it can send).

    ``retry_after`` (seconds until the quota allows the call again), ``requested`` (the GPU
    seconds the call asked for) and ``left`` (the seconds of quota left) are parsed from the
    message when it has them, else ``None``."""

    def __init__(
        self,
        message: str | None,
        *,
        title: str | None = None,
        duration: float | None = None,
        visible: bool | None = None,
        endpoint: str | None = None,
        retry_after: float | None = None,
        requested: float | None = None,
        left: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        self.requested = requested
        self.left = left
        super().__init__(
            message, title=title, duration=duration, visible=visible, endpoint=endpoint
        )


class ZeroGPUQuotaError(ZeroGPUError):
    """``"ZeroGPU quota exceeded"``: the caller's (or the Space's) GPU quota is used up.
    ``retry_after`` says when to try again, when the message says it."""


class ZeroGPUPendingCreditsError(ZeroGPUQuotaError):
    """``"ZeroGPU pending credits exceeded"``: too much quota is held by the caller's running
    tasks; try again once some have finished."""


class ZeroGPUDurationError(ZeroGPUError):
    """``"ZeroGPU illegal duration"``: the call asks for more GPU time (``requested``) than
    the caller may use at all; retrying does not help."""


class ZeroGPUQueueTimeoutError(ZeroGPUError):
    """``"ZeroGPU queue timeout"``: no GPU became available in time (busy Space)."""


class CancelledError(GradioGenError):
    """The job was cancelled before it produced its result."""


class OutputValidationError(GradioGenError):
    """An output did not match the type the client was generated with.

    ``raw`` keeps the value as received, so nothing the server sent is lost.
    """

    def __init__(self, endpoint: str, raw: Any, detail: str) -> None:
        self.endpoint = endpoint
        self.raw = raw
        self.detail = detail
        super().__init__(f"Output of {endpoint} does not match its declared type: {detail}")


# -- Spaces -------------------------------------------------------------------------------


class SpaceError(GradioGenError):
    """A Hugging Face Space could not be used."""


class SpaceNotFoundError(SpaceError):
    pass


class SpaceStateError(SpaceError):
    def __init__(self, space_id: str, stage: str, message: str = "") -> None:
        self.space_id = space_id
        self.stage = stage
        super().__init__(f"Space {space_id} is {stage}" + (f": {message}" if message else ""))


class SpaceTimeoutError(SpaceError, TimeoutError):
    pass


# -- contracts ----------------------------------------------------------------------------


class DriftError(GradioGenError):
    """The live app's API no longer matches the schema the client was generated from."""

    def __init__(self, message: str, changes: Sequence[Any] = ()) -> None:
        self.changes = list(changes)
        super().__init__(message)


class RuntimeVersionError(GradioGenError, ImportError):
    """The installed runtime cannot run a generated module: the module was written by a newer
    gradio-gen than this gradio-gen-runtime (upgrade the runtime), or by one older than this
    runtime still runs (regenerate the module). Raised while the module is imported, by its
    ``require_runtime(...)`` line; an ``ImportError`` too, so ``except ImportError`` sees it."""


class DriftWarning(UserWarning):
    """The live app changed incompatibly since the client was generated (``on_drift="warn"``)."""
