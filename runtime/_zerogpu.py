"""An app's error -> the typed ``AppError`` for it, ZeroGPU refusals recognised (pure).

ZeroGPU Spaces run each call through the ``spaces`` package (``spaces.zero.client.schedule``
and ``spaces.zero.wrappers``), which refuses a call with a ``gr.Error`` whose *title* says why.
The titles, and the messages of the ``spaces`` releases read for this (0.19 to 0.51):

* ``ZeroGPU quota exceeded`` -> ``ZeroGPUQuotaError``:
  ``You have exceeded your {free |Pro |}ZeroGPU quota (60s requested vs. 56s left). Try again
  in 0:09:48. [a hint and a link]`` (``GPU`` instead of ``ZeroGPU`` before 0.41; before 0.30,
  untitled: ``You have exceeded your GPU quota (56s left vs. 60s requested). Please retry in
  0:09:48``); ``You have exceeded your [ZeroGPU ]runs limit.``; ``Space app has reached its
  GPU limit. ...``; ``No GPU was available after 60s. ...`` (anonymous callers). The wait is a
  ``datetime.timedelta`` as ``str()`` prints it (``0:09:48``, ``1 day, 2:00:00``,
  ``0:00:05.500000``).
* ``ZeroGPU pending credits exceeded`` -> ``ZeroGPUPendingCreditsError``.
* ``ZeroGPU illegal duration`` -> ``ZeroGPUDurationError``: ``The requested GPU duration (120s)
  is larger than the maximum allowed[...]``.
* ``ZeroGPU queue timeout`` -> ``ZeroGPUQueueTimeoutError`` (the message may be HTML: the
  package sends a link in it).
* ``ZeroGPU client error`` (``No GPU was available``, ``Expired ZeroGPU proxy token``,
  ``Internal Gradio error``), ``ZeroGPU worker error`` (``GPU task aborted`` or the class name of
  the exception the task raised), and any other ``ZeroGPU ...`` title -> ``ZeroGPUError``.

``retry_after``, ``requested`` and ``left`` are filled in whenever the message has them, for
any title. Anything else stays a plain ``AppError``.
"""

from __future__ import annotations

import re

from ._exceptions import (
    AppError,
    ZeroGPUDurationError,
    ZeroGPUError,
    ZeroGPUPendingCreditsError,
    ZeroGPUQueueTimeoutError,
    ZeroGPUQuotaError,
)

__all__ = ["app_error", "parse_wait", "transient_zerogpu"]

_BY_TITLE: dict[str, type[ZeroGPUError]] = {
    "zerogpu quota exceeded": ZeroGPUQuotaError,
    "zerogpu pending credits exceeded": ZeroGPUPendingCreditsError,
    "zerogpu illegal duration": ZeroGPUDurationError,
    "zerogpu queue timeout": ZeroGPUQueueTimeoutError,
}
_NUMBER = r"(-?\d+(?:\.\d+)?)"
_REQUESTED_LEFT = re.compile(rf"\(\s*{_NUMBER}\s*s requested vs\.?\s*{_NUMBER}\s*s left\s*\)", re.I)
_LEFT_REQUESTED = re.compile(rf"\(\s*{_NUMBER}\s*s left vs\.?\s*{_NUMBER}\s*s requested\s*\)", re.I)
_DURATION = re.compile(rf"requested GPU duration \(\s*{_NUMBER}\s*s\s*\)", re.I)
_WAIT = re.compile(
    r"(?:try again|retry) in\s+(?:(?P<days>\d+) days?,\s*)?"
    r"(?P<h>\d+):(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)",
    re.I,
)
_UNTITLED_QUOTA = re.compile(r"^\s*You have exceeded your (?:\w+ )?GPU quota", re.I)
_NO_GPU = "no gpu was available"


def parse_wait(text: str) -> float | None:
    """Seconds in ``... Try again in 0:09:48`` (a ``timedelta``'s ``str``), else ``None``."""
    match = _WAIT.search(text)
    if match is None:
        return None
    days = int(match["days"] or 0)
    return days * 86400.0 + int(match["h"]) * 3600.0 + int(match["m"]) * 60.0 + float(match["s"])


def _numbers(text: str) -> tuple[float | None, float | None]:
    """``(requested, left)`` seconds, when the message gives them."""
    match = _REQUESTED_LEFT.search(text)
    if match is not None:
        return float(match[1]), float(match[2])
    match = _LEFT_REQUESTED.search(text)
    if match is not None:
        return float(match[2]), float(match[1])
    match = _DURATION.search(text)
    if match is not None:
        return float(match[1]), None
    return None, None


def app_error(
    message: str | None,
    *,
    title: str | None = None,
    duration: float | None = None,
    visible: bool | None = None,
    endpoint: str | None = None,
) -> AppError:
    """The typed error for an app's error message (a ``ZeroGPUError`` subclass for a ZeroGPU
    refusal, else ``AppError``)."""
    text = message or ""
    key = (title or "").strip().lower()
    cls: type[AppError] = AppError
    if key.startswith("zerogpu"):
        cls = _BY_TITLE.get(key, ZeroGPUError)
    elif key in ("", "error") and _UNTITLED_QUOTA.match(text):
        cls = ZeroGPUQuotaError  # spaces < 0.30: untitled gr.Error
    if not issubclass(cls, ZeroGPUError):
        return AppError(message, title=title, duration=duration, visible=visible, endpoint=endpoint)
    requested, left = _numbers(text)
    return cls(
        message, title=title, duration=duration, visible=visible, endpoint=endpoint,
        retry_after=parse_wait(text), requested=requested, left=left,
    )  # fmt: skip


def transient_zerogpu(error: ZeroGPUError) -> bool:
    """Whether trying the same call again later can succeed without the caller's quota
    changing: no GPU was free (queue timeout, "No GPU was available"), or quota is held by
    the caller's own running tasks (pending credits)."""
    if isinstance(error, (ZeroGPUQueueTimeoutError, ZeroGPUPendingCreditsError)):
        return True
    return _NO_GPU in (error.message or "").lower()
