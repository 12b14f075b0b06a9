"""ZeroGPU refusals -> typed errors, for every message the ``spaces`` package can send.

The messages are built here with the same f-strings as ``spaces`` (0.51.3:
``spaces/zero/client.py`` ``schedule()``/``_toast_action()``, ``spaces/zero/wrappers.py``;
older formats from 0.28.3, 0.32.0 and 0.40.0), for every branch: auth level (anonymous,
regular, pro), API call or not, GPU size, and waits that ``str(timedelta)`` prints with days
or microseconds. The end-to-end twin (a live app raising the same ``gr.Error``) is in
test_map_live.py / test_zerogpu_live below.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from gradio_gen_runtime import (
    AppError,
    Client,
    ZeroGPUDurationError,
    ZeroGPUError,
    ZeroGPUPendingCreditsError,
    ZeroGPUQueueTimeoutError,
    ZeroGPUQuotaError,
)
from gradio_gen_runtime._client._batching import classify
from gradio_gen_runtime._zerogpu import app_error, parse_wait, transient_zerogpu

SUBSCRIBE = "https://huggingface.co/subscribe/pro?from=ZeroGPU"
TOKENS = "https://huggingface.co/settings/tokens"
CREDITS = "https://huggingface.co/settings/billing?add-credits=true"
EXAMPLES = "Try re-running outside of examples if it happened after clicking one"

Case = tuple[str | None, str, type[AppError], float | None, float | None, float | None]
"""(title, message, class, retry_after, requested, left)"""


def _suffix(auth: str | None, api: bool) -> str:  # the end of the 0.51 quota message
    if not api:
        return ""
    if auth is None:
        return f"Authenticate with a Hugging Face token for more quota - {TOKENS}"
    if auth == "regular":
        return f"Subscribe to Hugging Face PRO to get 40 min of ZeroGPU quota a day - {SUBSCRIBE}"
    return f"Add credits to keep using ZeroGPU. $1 for 10 minutes of ZeroGPU inference - {CREDITS}"


def _toast(auth: str | None, html: bool, pro: str, unlogged: str, logged: str, end: str) -> str:
    if auth == "pro":
        return pro
    link = "https://huggingface.co/join" if auth is None else SUBSCRIBE
    text = "Create a free account" if auth is None else "Subscribe to Pro"
    desc = (unlogged if auth is None else logged) + f" {end}."
    if html:
        return f'<a style="white-space: nowrap" href="{link}">{text}</a> {desc}'
    return f"[{text}]({link}) {desc}"


WAITS = [timedelta(seconds=588), timedelta(days=1, hours=2), timedelta(seconds=5, microseconds=5e5)]


def cases() -> list[Case]:
    out: list[Case] = []
    quota, gpu_t = "ZeroGPU quota exceeded", "ZeroGPU illegal duration"
    # 0.51.3 schedule()
    out.append(
        (
            "ZeroGPU pending credits exceeded",
            "You have too many ZeroGPU credits allocated to running tasks. "
            "Try again once some of those tasks have completed.",
            ZeroGPUPendingCreditsError,
            None,
            None,
            None,
        )
    )
    for requested in (60, 120):  # xlarge GPUs double the request
        for auth in (None, "regular", "pro"):
            for api in (False, True):
                message = (
                    f"The requested GPU duration ({requested}s) is larger than the maximum allowed"
                )
                if api and auth in (None, "regular"):
                    message += f"Subscribe to Hugging Face PRO to allow GPU tasks up to 40 min - {SUBSCRIBE}"
                out.append((gpu_t, message, ZeroGPUDurationError, None, float(requested), None))
    out.append(
        (
            quota,
            f"Space app has reached its GPU limit. {EXAMPLES}",
            ZeroGPUQuotaError,
            None,
            None,
            None,
        )
    )
    for auth in (None, "regular", "pro"):
        for api in (False, True):
            runs = "You have exceeded your ZeroGPU runs limit. " + _suffix(auth, api)
            out.append((quota, runs, ZeroGPUQuotaError, None, None, None))
            gpu = {"pro": "Pro ZeroGPU", "regular": "free ZeroGPU", None: "ZeroGPU"}[auth]
            for wait in WAITS:
                for requested, left in ((60, 56), (120, 0), (30, 7)):
                    message = (
                        f"You have exceeded your {gpu} quota ({requested}s requested vs. {left}s left). "
                        f"Try again in {wait}. " + _suffix(auth, api)
                    )
                    out.append(
                        (quota, message, ZeroGPUQuotaError, wait.total_seconds(), requested, left)
                    )
    out.append(
        (quota, f"No GPU was available after 60s. {EXAMPLES}", ZeroGPUQuotaError, None, None, None)
    )
    for auth in (None, "regular", "pro"):
        for html in (False, True):
            details = _toast(
                auth,
                html,
                "Retry later",
                "to get a higher",
                "to get the highest",
                "priority in ZeroGPU queues",
            )
            sep = ". " if html else " "
            message = f"No GPU was available after 60s{sep}{details}"
            out.append(
                ("ZeroGPU queue timeout", message, ZeroGPUQueueTimeoutError, None, None, None)
            )
    for message in ("No GPU was available", "Expired ZeroGPU proxy token", "Internal Gradio error"):
        out.append(("ZeroGPU client error", message, ZeroGPUError, None, None, None))
    for message in ("GPU task aborted", "RuntimeError", "CUDAOutOfMemoryError"):  # wrappers.py
        out.append(("ZeroGPU worker error", message, ZeroGPUError, None, None, None))
    # 0.40.0: "GPU" wording, no trailing dot after the wait, mcp variants
    for gpu in ("Pro GPU", "free GPU", "GPU"):
        message = (
            f"You have exceeded your {gpu} quota (60s requested vs. 56s left). Try again in 0:09:48"
        )
        out.append((quota, message, ZeroGPUQuotaError, 588.0, 60.0, 56.0))
    out.append((quota, "You have exceeded your runs limit.", ZeroGPUQuotaError, None, None, None))
    out.append(
        (
            quota,
            "Unlogged user is runnning out of daily ZeroGPU quotas. Signup for free on "
            "https://huggingface.co/join or login on https://huggingface.co/login to get more "
            "ZeroGPU quota now.",
            ZeroGPUQuotaError,
            None,
            None,
            None,
        )
    )
    # 0.32.0: the wait only for pro users, else a link
    for auth in (None, "regular", "pro"):
        base = "You have exceeded your GPU quota (60s requested vs. 56s left)."
        details = _toast(
            auth, True, "Try again in 0:09:48", "to get more", "to get 5x more", "daily usage quota"
        )
        wait = 588.0 if auth == "pro" else None
        out.append((quota, f"{base} {details}", ZeroGPUQuotaError, wait, 60.0, 56.0))
    # 0.28.3 and older: no title (gr.Error's default), "left vs. requested", "retry in"
    for lead in ("Sign-up on Hugging Face to get more quotas or ", "Please "):
        message = (
            f"You have exceeded your GPU quota (56s left vs. 60s requested). {lead}retry in 0:09:48"
        )
        for title in (None, "Error"):
            out.append((title, message, ZeroGPUQuotaError, 588.0, 60.0, 56.0))
    out.append((None, "You have exceeded your GPU quota", ZeroGPUQuotaError, None, None, None))
    return out


CASES = cases()


@pytest.mark.parametrize(("title", "message", "cls", "retry", "requested", "left"), CASES)
def test_every_spaces_message_gets_its_type_and_numbers(
    title: str | None,
    message: str,
    cls: type[AppError],
    retry: float | None,
    requested: float | None,
    left: float | None,
) -> None:
    error = app_error(message, title=title, endpoint="/gpu")
    assert type(error) is cls
    assert isinstance(error, ZeroGPUError)
    assert (error.retry_after, error.requested, error.left) == (retry, requested, left)
    assert error.message == message and error.endpoint == "/gpu"


def test_the_issue_example() -> None:
    error = app_error(
        "You have exceeded your free ZeroGPU quota (60s requested vs. 56s left). Try again in 0:09:48.",
        title="ZeroGPU quota exceeded",
    )
    assert isinstance(error, ZeroGPUQuotaError)
    assert (error.retry_after, error.requested, error.left) == (588.0, 60.0, 56.0)


@pytest.mark.parametrize(
    ("title", "message"),
    [
        (None, "boom"),
        ("Error", "You have exceeded your patience"),
        ("Quota", "You have exceeded your GPU quota"),  # an app's own title: not ZeroGPU's
        ("Out of GPU", "No GPU was available after 60s"),
    ],
)
def test_other_app_errors_stay_plain(title: str | None, message: str) -> None:
    assert type(app_error(message, title=title)) is AppError


def test_parse_wait_formats() -> None:
    assert parse_wait("Try again in 0:09:48.") == 588.0
    assert parse_wait("try again in 1 day, 2:00:00") == 93600.0
    assert parse_wait("Please retry in 3 days, 0:00:01.250000") == 259201.25
    assert parse_wait("Try again once some of those tasks have completed.") is None


def test_which_refusals_map_retries() -> None:
    kinds: dict[str, set[str]] = {}
    for title, message, cls, retry, _, _ in CASES:
        error = app_error(message, title=title)
        assert isinstance(error, ZeroGPUError)
        kind = classify(error, at_join=False)
        kinds.setdefault(cls.__name__, set()).add(kind)
        if kind == "quota":
            assert retry is not None  # waited on only when the message says how long
        if isinstance(error, ZeroGPUQueueTimeoutError | ZeroGPUPendingCreditsError):
            assert transient_zerogpu(error)
    assert kinds["ZeroGPUDurationError"] == {"final"}
    assert kinds["ZeroGPUQuotaError"] == {
        "quota",
        "final",
        "transient",
    }  # "No GPU ..." is transient
    assert kinds["ZeroGPUQueueTimeoutError"] == {"transient"}


def test_live_app_raising_the_spaces_errors(batch_url: str) -> None:
    """A local gradio app raises each ``gr.Error`` exactly as ``spaces`` does (same title,
    message, ``print_exception=False``; the queue timeout as spaces' HTMLError/HTMLString)."""
    expected: dict[str, tuple[type[ZeroGPUError], dict[str, Any]]] = {
        "quota": (ZeroGPUQuotaError, {"retry_after": 588.0, "requested": 60.0, "left": 56.0}),
        "duration": (ZeroGPUDurationError, {"requested": 120.0, "retry_after": None}),
        "pending": (ZeroGPUPendingCreditsError, {"retry_after": None}),
        "queue": (ZeroGPUQueueTimeoutError, {"retry_after": None}),
        "worker": (ZeroGPUError, {"retry_after": None}),
    }
    with Client(batch_url) as client:
        for kind, (cls, attrs) in expected.items():
            with pytest.raises(cls) as caught:
                client.predict("/zerogpu", kind)
            assert type(caught.value) is cls
            assert caught.value.title is not None and caught.value.title.startswith("ZeroGPU")
            for name, value in attrs.items():
                assert getattr(caught.value, name) == value, (kind, name)
