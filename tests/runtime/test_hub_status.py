"""The pure part of Spaces handling: stage -> status, the waiter's decisions, Hub error mapping."""

from __future__ import annotations

import builtins

import pytest
from gradio_gen_runtime._exceptions import (
    AuthenticationError,
    HTTPStatusError,
    ProtocolError,
    RateLimitError,
    SpaceNotFoundError,
    SpaceStateError,
    SpaceTimeoutError,
    UsageError,
)
from gradio_gen_runtime._hub._ids import hub_endpoint, is_space_id
from gradio_gen_runtime._hub._status import (
    HARDWARE,
    SpaceInfo,
    SpaceWaiter,
    hub_error,
    status_of,
    validate_hardware,
    validate_space_id,
    validate_timeout,
)
from hypothesis import given, settings
from hypothesis import strategies as st

KNOWN_STAGES = {
    "RUNNING": "running",
    "RUNNING_BUILDING": "running",
    "RUNNING_APP_STARTING": "running",
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


def info(stage: str | None, error: str | None = None, sid: str = "bob/app") -> SpaceInfo:
    return SpaceInfo(
        id=sid,
        host="https://bob-app.hf.space",
        subdomain="bob-app",
        private=False,
        stage=stage,
        error_message=error,
    )


@pytest.mark.parametrize(("stage", "status"), sorted(KNOWN_STAGES.items()))
def test_every_hub_stage_maps_to_its_status(stage: str, status: str) -> None:
    s = status_of(info(stage, error="boom"))
    assert (s.status, s.stage, s.space_id) == (status, stage, "bob/app")
    assert s.message
    assert s.detail == ("boom" if status in ("error", "paused") else None)


def test_unknown_stages_and_missing_runtime() -> None:
    assert status_of(info("WEIRD_ERROR_STATE")).status == "error"
    assert status_of(info("WARMING_UP")).status == "starting"
    missing = status_of(info(None))
    assert (missing.status, missing.stage) == ("running", "RUNNING")


def test_space_info_from_api() -> None:
    data = {
        "id": "Bob/My_App",
        "private": True,
        "subdomain": "bob-my-app",
        "host": "https://bob-my-app.hf.space/",
        "sdk": "gradio",
        "runtime": {
            "stage": "BUILDING",
            "hardware": {"current": None, "requested": "t4-small"},
            "gcTimeout": 3600,
        },
    }
    got = SpaceInfo.from_api(data, "Bob/My_App")
    assert got.host == "https://bob-my-app.hf.space"
    assert got.url == "https://bob-my-app.hf.space/"
    assert got.hostname == "bob-my-app.hf.space"
    assert (got.private, got.stage, got.hardware, got.requested_hardware, got.sleep_time) == (
        True,
        "BUILDING",
        None,
        "t4-small",
        3600,
    )
    # no host reported: derived from the subdomain, else from the id
    assert SpaceInfo.from_api({"subdomain": "x-y"}, "a/b").host == "https://x-y.hf.space"
    assert SpaceInfo.from_api({}, "Owner/Some_App.v2").host == "https://owner-some-app-v2.hf.space"
    assert SpaceInfo.from_api({}, "a/b").stage is None


@pytest.mark.parametrize(
    "data", [[], "x", {"host": 3}, {"host": "ftp://x.hf.space"}, {"host": "not a url"}]
)
def test_space_info_rejects_bad_answers(data: object) -> None:
    with pytest.raises(ProtocolError):
        SpaceInfo.from_api(data, "a/b")


@pytest.mark.parametrize("good", ["gradio/hello_world", "a/b", "Org-1/space.v2", "x/" + "a" * 96])
def test_valid_space_ids(good: str) -> None:
    assert validate_space_id(good) == good


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "nospace",
        "a/b/c",
        "https://x.hf.space",
        "./app.json",
        "a/-b",
        "a/b-",
        "a/b..c",
        "a/b--c",
        "a b/c",
        "x/" + "a" * 97,
        None,
        3,
    ],
)
def test_invalid_space_ids(bad: object) -> None:
    assert not (isinstance(bad, str) and is_space_id(bad))
    with pytest.raises(UsageError, match="not a Hugging Face Space id"):
        validate_space_id(bad)


def test_hardware_and_timeout_validation() -> None:
    assert {"cpu-basic", "zero-a10g", "t4-small", "a100-large", "h100x8"} <= set(HARDWARE)
    for name in HARDWARE:
        assert validate_hardware(name) == name
    for bad in ("gpu", "T4-SMALL", "", None):
        with pytest.raises(UsageError, match="Unknown Space hardware"):
            validate_hardware(bad)
    assert validate_timeout(2) == 2.0
    for bad_t in (0, -1, True, "5", None, float("nan")):
        with pytest.raises(UsageError):
            validate_timeout(bad_t)


def test_hub_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert hub_endpoint() == "https://huggingface.co"
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/")
    assert hub_endpoint() == "http://127.0.0.1:9"
    assert hub_endpoint("https://hub.example/") == "https://hub.example"
    with pytest.raises(UsageError):
        hub_endpoint("hub.example")


# -- the waiter -----------------------------------------------------------------------------


def test_backoff_doubles_to_the_cap_and_restarts_on_stage_change() -> None:
    w = SpaceWaiter("bob/app", timeout=1000, start=0, poll_initial=1, poll_max=10)
    delays = [w.observe(info("BUILDING"), 0).delay for _ in range(6)]
    assert delays == [1, 2, 4, 8, 10, 10]
    step = w.observe(info("APP_STARTING"), 0)
    assert step.delay == 1
    assert w.observe(info("APP_STARTING"), 0).delay == 2


def test_delay_never_runs_past_the_deadline_then_times_out() -> None:
    w = SpaceWaiter("bob/app", timeout=5, start=100, poll_initial=4, poll_max=10)
    assert w.observe(info("BUILDING"), 100).delay == 4
    assert w.observe(info("BUILDING"), 104).delay == 1  # only 1 s left
    step = w.observe(info("BUILDING"), 105)
    assert isinstance(step.error, SpaceTimeoutError)
    assert isinstance(step.error, builtins.TimeoutError)
    assert "still building (BUILDING) after 5 s" in str(step.error)


def test_notifications_only_when_not_plainly_running_or_changed() -> None:
    w = SpaceWaiter("bob/app", timeout=100, start=0)
    first = w.observe(info("RUNNING"), 0)
    assert first.done and first.notify is None

    w = SpaceWaiter("bob/app", timeout=100, start=0)
    steps = [
        w.observe(info(s), 0) for s in ["BUILDING", "BUILDING", "APP_STARTING", "RUNNING_BUILDING"]
    ]
    assert [s.notify.status if s.notify else None for s in steps] == [
        "building",
        None,
        "starting",
        "running",
    ]
    assert steps[-1].done and not any(s.done for s in steps[:-1])


@pytest.mark.parametrize(
    "stage", ["PAUSED", "BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR", "NO_APP_FILE"]
)
def test_paused_and_error_stages_fail_with_the_stage(stage: str) -> None:
    w = SpaceWaiter("bob/app", timeout=100, start=0)
    step = w.observe(info(stage, error="Exit code: 1"), 0)
    assert isinstance(step.error, SpaceStateError)
    assert step.error.stage == stage
    assert step.notify is not None and step.notify.stage == stage
    assert "Exit code: 1" in str(step.error)


def test_sleeping_is_woken_once_then_again_after_the_rewake_interval() -> None:
    w = SpaceWaiter("bob/app", timeout=1000, start=0, rewake_interval=30)
    wakes = [w.observe(info("SLEEPING"), t).wake for t in (0, 1, 3, 29, 31, 40, 62)]
    assert wakes == ["visit", None, None, None, "visit", None, "visit"]


def test_stopped_gets_one_restart() -> None:
    w = SpaceWaiter("bob/app", timeout=1000, start=0)
    wakes = [w.observe(info("STOPPED"), t).wake for t in (0, 1, 2)]
    assert wakes == ["restart", None, None]
    assert w.observe(info("RUNNING"), 3).done


def test_transient_poll_failures_back_off_then_time_out() -> None:
    w = SpaceWaiter("bob/app", timeout=10, start=0, poll_initial=1, poll_max=4)
    w.observe(info("BUILDING"), 0)
    err = HTTPStatusError("503", status_code=503)
    assert w.poll_failed(err, 1).delay == 2
    assert w.poll_failed(err, 3).delay == 4
    step = w.poll_failed(err, 10)
    assert isinstance(step.error, SpaceTimeoutError) and step.error.__cause__ is err


@settings(max_examples=200, deadline=None)
@given(
    stages=st.lists(st.sampled_from([*KNOWN_STAGES, "ODD"]), min_size=1, max_size=40),
    poll_initial=st.floats(0.01, 5),
    poll_max=st.floats(0.01, 20),
    timeout=st.floats(0.1, 60),
)
def test_waiter_properties(
    stages: list[str], poll_initial: float, poll_max: float, timeout: float
) -> None:
    """Any stage sequence: delays bounded, nothing past the deadline, callbacks on changes only,
    and the wait ends exactly at the first terminal stage."""
    w = SpaceWaiter(
        "bob/app", timeout=timeout, start=0, poll_initial=poll_initial, poll_max=poll_max
    )
    now = 0.0
    last = None
    for i, stage in enumerate(stages):
        step = w.observe(info(stage), now)
        status = status_of(info(stage))
        if step.notify is not None:
            assert step.notify == status and (last != status or i == 0)
        elif i > 0:
            assert last == status
        else:
            assert status.status == "running"
        last = status
        if step.done or step.error is not None:
            assert step.done == (status.status == "running")
            if step.error is not None and not isinstance(step.error, SpaceTimeoutError):
                assert status.status in ("paused", "error")
            return
        assert status.status not in ("running", "paused", "error")
        assert 0 <= step.delay <= max(poll_initial, poll_max)
        assert now + step.delay <= timeout + 1e-9
        now += step.delay if step.delay > 0 else timeout  # a zero delay means the deadline is here


# -- the Hub's HTTP answers -----------------------------------------------------------------


def _err(status: int, token: bool, headers: dict[str, str] | None = None, sid: str | None = "a/b"):  # type: ignore[no-untyped-def]
    return hub_error(
        status,
        url="https://hub.example/api/spaces/a/b",
        body={"error": "nope"},
        headers=headers or {},
        space_id=sid,
        token_given=token,
        action="look up Space a/b",
    )


def test_hub_error_mapping() -> None:
    assert isinstance(_err(404, True), SpaceNotFoundError)
    assert isinstance(_err(404, False), SpaceNotFoundError)
    assert "token cannot see it" in str(_err(404, True))
    no_token = _err(401, False, {"x-error-code": "RepoNotFound"})
    assert isinstance(no_token, AuthenticationError)
    assert "private" in str(no_token) and "hf_token" in str(no_token)
    bad_token = _err(401, True)
    assert isinstance(bad_token, AuthenticationError) and "refused" in str(bad_token)
    assert isinstance(_err(401, True, {"x-error-code": "RepoNotFound"}), SpaceNotFoundError)
    assert isinstance(_err(403, True), AuthenticationError)
    assert isinstance(_err(429, True), RateLimitError)
    other = _err(500, True)
    assert type(other) is HTTPStatusError and other.status_code == 500 and "nope" in str(other)
