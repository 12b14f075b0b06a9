"""Hugging Face Spaces as data: Space info, typed status, and the wait/wake decisions. Pure, no I/O.

The sync and async drivers in ``_hub.py`` only move bytes; every decision lives here so both
behave identically and are unit-tested without a server.

Rules kept by ``SpaceWaiter`` (one wait for one Space to run):

1. The Hub's raw ``runtime.stage`` maps to one of seven statuses (``status_of``): ``running``,
   ``sleeping``, ``building``, ``starting``, ``paused``, ``stopped``, ``error``. Stages we do not
   know are ``error`` when their name says ERROR, else ``starting`` (waited for, bounded).
2. The status callback is told whenever the Space is not plainly running and whenever the status
   (status, stage or detail) changes; a Space that is running at the first look is never reported.
3. ``running`` ends the wait. ``paused`` and ``error`` end it with ``SpaceStateError`` (carrying
   the stage). Anything else is polled until it runs or the deadline passes (``SpaceTimeoutError``).
4. One poller per wait, one request at a time: the delay starts at ``poll_initial``, doubles after
   each poll up to ``poll_max``, restarts at ``poll_initial`` when the stage changes, and never runs
   past the deadline.
5. Waking: a ``sleeping`` Space is woken by one request to its host (the Hub's proxy wakes a
   sleeping Space on any visit; this needs no write access), repeated at most every
   ``SPACE_REWAKE_INTERVAL`` seconds while it stays asleep. A ``stopped`` Space is not woken by
   visits; it gets one ``POST /api/spaces/{id}/restart`` (the driver falls back to a visit when
   the token may not restart it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from .._constants import (
    SPACE_POLL_INITIAL,
    SPACE_POLL_MAX,
    SPACE_REWAKE_INTERVAL,
)
from .._exceptions import (
    AuthenticationError,
    GradioGenError,
    HTTPStatusError,
    ProtocolError,
    RateLimitError,
    SpaceError,
    SpaceNotFoundError,
    SpaceStateError,
    SpaceTimeoutError,
    UsageError,
)
from ._ids import is_space_id

SpaceStatusName = Literal[
    "running", "sleeping", "building", "starting", "paused", "stopped", "error"
]
WakeMethod = Literal["visit", "restart"]

HARDWARE: tuple[str, ...] = (
    "cpu-basic",
    "cpu-upgrade",
    "cpu-xl",
    "zero-a10g",
    "t4-small",
    "t4-medium",
    "l4x1",
    "l4x4",
    "l40sx1",
    "l40sx4",
    "l40sx8",
    "a10g-small",
    "a10g-large",
    "a10g-largex2",
    "a10g-largex4",
    "a100-large",
    "a100x4",
    "a100x8",
    "h100",
    "h100x8",
)
"""Hardware flavors the Hub accepts for Spaces (the JS client's list plus the Hub's newer ones)."""
FREE_HARDWARE = "cpu-basic"

_STAGE_STATUS: dict[str, SpaceStatusName] = {
    "RUNNING": "running",
    "RUNNING_BUILDING": "running",  # the old build serves while a new one builds
    "RUNNING_APP_STARTING": "running",  # the old replica serves while the new one starts
    "SLEEPING": "sleeping",
    "STOPPED": "stopped",
    "BUILDING": "building",
    "APP_STARTING": "starting",
    "PAUSED": "paused",
    "BUILD_ERROR": "error",
    "RUNTIME_ERROR": "error",
    "CONFIG_ERROR": "error",
    "NO_APP_FILE": "error",
    "DELETING": "error",
}
_MESSAGES: dict[SpaceStatusName, str] = {
    "running": "Space is running.",
    "sleeping": "Space is asleep. Waking it up...",
    "stopped": "Space is stopped. Restarting it...",
    "building": "Space is building...",
    "starting": "Space is starting...",
    "paused": "This Space has been paused by its author.",
    "error": "This Space is experiencing an issue.",
}
_TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})


# -- identifiers and settings ---------------------------------------------------------------


def validate_space_id(space_id: object) -> str:
    """``space_id`` if it is a well-formed ``owner/name``, else ``UsageError``."""
    if not isinstance(space_id, str) or not is_space_id(space_id):
        raise UsageError(
            f"{space_id!r} is not a Hugging Face Space id: expected 'owner/name' "
            "(letters, digits, '-', '_', '.'), e.g. 'gradio/hello_world'."
        )
    return space_id


def validate_hardware(hardware: object) -> str:
    if not isinstance(hardware, str) or hardware not in HARDWARE:
        raise UsageError(
            f"Unknown Space hardware {hardware!r}. Choose one of: {', '.join(HARDWARE)}."
        )
    return hardware


def validate_timeout(timeout: object, what: str = "timeout") -> float:
    """A positive number of seconds (``math.inf`` waits without limit, if you must)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise UsageError(f"{what} must be a positive number of seconds, got {timeout!r}.")
    return float(timeout)


def space_subdomain(space_id: str) -> str:
    """The subdomain HF derives from an id (used only when the Hub does not report ``host``)."""
    return re.sub(r"[_.]", "-", space_id.replace("/", "-")).lower()


# -- Space info and status ------------------------------------------------------------------


@dataclass(frozen=True)
class SpaceStatus:
    """What ``status_callback`` receives."""

    space_id: str
    status: SpaceStatusName
    stage: str
    """The Hub's raw ``runtime.stage`` (``BUILDING``, ``BUILD_ERROR``...)."""
    message: str
    detail: str | None = None
    """The Hub's own explanation when it gives one (``runtime.errorMessage``)."""

    def __str__(self) -> str:
        extra = f" {self.detail}" if self.detail else ""
        return f"{self.space_id}: {self.status} ({self.stage}). {self.message}{extra}"


@dataclass(frozen=True)
class SpaceInfo:
    """The facts about a Space that a client needs, from ``GET /api/spaces/{id}``."""

    id: str
    host: str
    """Root URL of the running app, as the Hub reports it (``https://owner-name.hf.space``)."""
    subdomain: str
    private: bool
    stage: str | None
    """``runtime.stage``; None when the Hub reported no runtime (then assumed running)."""
    hardware: str | None = None
    requested_hardware: str | None = None
    sleep_time: int | None = None
    error_message: str | None = None
    sdk: str | None = None

    @property
    def url(self) -> str:
        """The app's root URL with a trailing slash (what a client connects to)."""
        return self.host + "/"

    @property
    def hostname(self) -> str:
        """The host name the HF token may be sent to (besides the Hub)."""
        return urlsplit(self.host).hostname or ""

    @classmethod
    def from_api(cls, data: object, space_id: str) -> SpaceInfo:
        """Parse the Hub's JSON; ``ProtocolError`` if it is not what the Hub documents."""
        if not isinstance(data, Mapping):
            raise ProtocolError(f"The Hub's answer for Space {space_id} is not a JSON object.")
        reported_id = data.get("id")
        sid = reported_id if isinstance(reported_id, str) and reported_id else space_id
        subdomain = data.get("subdomain")
        if not isinstance(subdomain, str) or not subdomain:
            subdomain = space_subdomain(sid)
        host = data.get("host")
        if host is None:
            host = f"https://{subdomain}.hf.space"
        if not isinstance(host, str):
            raise ProtocolError(f"The Hub reported a non-string host for Space {sid}: {host!r}.")
        host = host.rstrip("/")
        parts = urlsplit(host)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProtocolError(f"The Hub reported an invalid host for Space {sid}: {host!r}.")
        runtime = data.get("runtime")
        runtime = runtime if isinstance(runtime, Mapping) else {}
        hardware = runtime.get("hardware")
        hardware = hardware if isinstance(hardware, Mapping) else {}
        return cls(
            id=sid,
            host=host,
            subdomain=subdomain,
            private=bool(data.get("private", False)),
            stage=_opt_str(runtime.get("stage")),
            hardware=_opt_str(hardware.get("current")),
            requested_hardware=_opt_str(hardware.get("requested")),
            sleep_time=_opt_int(runtime.get("gcTimeout")),
            error_message=_opt_str(runtime.get("errorMessage")),
            sdk=_opt_str(data.get("sdk")),
        )


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def status_of(info: SpaceInfo) -> SpaceStatus:
    """The typed status for a Space's raw stage (rule 1)."""
    stage = info.stage or "RUNNING"
    status = _STAGE_STATUS.get(stage)
    if status is None:
        status = "error" if "ERROR" in stage else "starting"
    detail = info.error_message if status in ("error", "paused") else None
    return SpaceStatus(info.id, status, stage, _MESSAGES[status], detail)


# -- the wait -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitStep:
    """What the driver does next, in this order: notify, raise, return, wake, sleep ``delay``."""

    notify: SpaceStatus | None = None
    error: SpaceError | None = None
    done: bool = False
    wake: WakeMethod | None = None
    delay: float = 0.0


class SpaceWaiter:
    """Decides, poll after poll, what to do until a Space runs (rules in the module docstring)."""

    def __init__(
        self,
        space_id: str,
        *,
        timeout: float,
        start: float,
        poll_initial: float = SPACE_POLL_INITIAL,
        poll_max: float = SPACE_POLL_MAX,
        rewake_interval: float = SPACE_REWAKE_INTERVAL,
    ) -> None:
        self.space_id = space_id
        self.timeout = timeout
        self.deadline = start + timeout
        self.poll_initial = poll_initial
        self.poll_max = max(poll_max, poll_initial)
        self.rewake_interval = rewake_interval
        self._interval = poll_initial
        self._last: SpaceStatus | None = None
        self._last_wake: float | None = None
        self._restarted = False
        self.polls = 0

    @property
    def last(self) -> SpaceStatus | None:
        return self._last

    def observe(self, info: SpaceInfo, now: float) -> WaitStep:
        """Feed one answer of the Hub; get the next step."""
        self.polls += 1
        status = status_of(info)
        previous = self._last
        changed = previous is None or (
            (previous.status, previous.stage, previous.detail)
            != (status.status, status.stage, status.detail)
        )
        notify = (
            status if changed and not (previous is None and status.status == "running") else None
        )
        if previous is not None and previous.stage != status.stage:
            self._interval = self.poll_initial
        if status.status != "sleeping":
            self._last_wake = None
        self._last = status
        if status.status == "running":
            return WaitStep(notify=notify, done=True)
        if status.status in ("paused", "error"):
            text = status.message + (f" {status.detail}" if status.detail else "")
            return WaitStep(notify=notify, error=SpaceStateError(self.space_id, status.stage, text))
        if now >= self.deadline:
            return WaitStep(notify=notify, error=self._timeout_error())
        return WaitStep(notify=notify, wake=self._wake(status, now), delay=self._next_delay(now))

    def poll_failed(self, error: GradioGenError, now: float) -> WaitStep:
        """A poll failed transiently (see ``is_transient``): retry later or time out."""
        if now >= self.deadline:
            exc = self._timeout_error(f" The last poll failed: {error}")
            exc.__cause__ = error
            return WaitStep(error=exc)
        return WaitStep(delay=self._next_delay(now))

    def _wake(self, status: SpaceStatus, now: float) -> WakeMethod | None:
        if status.status == "stopped":
            if self._restarted:
                return None
            self._restarted = True
            return "restart"
        if status.status == "sleeping" and (
            self._last_wake is None or now - self._last_wake >= self.rewake_interval
        ):
            self._last_wake = now
            return "visit"
        return None

    def _next_delay(self, now: float) -> float:
        delay = min(self._interval, max(self.deadline - now, 0.0))
        self._interval = min(self._interval * 2, self.poll_max)
        return delay

    def _timeout_error(self, extra: str = "") -> SpaceTimeoutError:
        last = self._last
        state = f"still {last.status} ({last.stage})" if last else "not running"
        limit = "without limit" if math.isinf(self.timeout) else f"after {self.timeout:g} s"
        return SpaceTimeoutError(
            f"Space {self.space_id} is {state} {limit}. Raise the Space timeout "
            f"(space_timeout=... / timeout=...) or try again later.{extra}"
        )


# -- the Hub's HTTP answers -----------------------------------------------------------------


def is_transient(status_code: int) -> bool:
    """Hub answers worth polling again while waiting (rate limit, overload, gateway trouble)."""
    return status_code in _TRANSIENT_STATUS


def hub_error(
    status_code: int,
    *,
    url: str,
    body: Any,
    headers: Mapping[str, str],
    space_id: str | None,
    token_given: bool,
    action: str,
) -> GradioGenError:
    """The typed error for a failed Hub request. ``action`` says what we tried (for the message)."""
    code = headers.get("x-error-code", "")
    hub_message = headers.get("x-error-message") or _body_message(body)
    said = f" The Hub said: {hub_message}" if hub_message else ""
    what = f"Space {space_id}" if space_id else "the Hub"
    if status_code == 404 or (status_code == 401 and code == "RepoNotFound" and token_given):
        hint = " (or your token cannot see it: it may be private)" if token_given else ""
        return SpaceNotFoundError(f"{what} was not found on {_origin(url)}{hint}.")
    if status_code == 401 and space_id and not token_given:
        return AuthenticationError(
            f"Could not {action}: {what} is private or does not exist, and no Hugging Face token "
            "was given. Pass hf_token=..., set HF_TOKEN, or log in with `hf auth login`.",
            status_code=status_code,
            url=url,
            body=body,
        )
    if status_code == 401:
        return AuthenticationError(
            f"Could not {action}: the Hub refused the Hugging Face token "
            f"(401: invalid or expired).{said}",
            status_code=status_code,
            url=url,
            body=body,
        )
    if status_code == 403:
        return AuthenticationError(
            f"Could not {action}: the token lacks permission for {what} (403). Use a token with "
            f"write access for duplicate/hardware/secrets requests.{said}",
            status_code=status_code,
            url=url,
            body=body,
        )
    if status_code == 429:
        return RateLimitError(
            f"Could not {action}: the Hub is rate limiting requests (429).{said}",
            url=url,
            body=body,
        )
    return HTTPStatusError(
        f"Could not {action}: the Hub answered {status_code}.{said}",
        status_code=status_code,
        url=url,
        body=body,
    )


def _body_message(body: Any) -> str:
    if isinstance(body, Mapping):
        for key in ("error", "message", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        return ""
    return body.strip()[:300] if isinstance(body, str) else ""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
