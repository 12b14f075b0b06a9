"""Duplicating Spaces against the fake Hub (sync and async)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from gradio_gen_runtime._exceptions import (
    AuthenticationError,
    SpaceNotFoundError,
    SpaceStateError,
    UsageError,
)
from gradio_gen_runtime._hub._duplicate import duplicate_space, duplicate_space_sync, plan_duplicate
from gradio_gen_runtime._hub._status import SpaceStatus

from tests.fake_hub import FakeHub, LoggedRequest

TOKEN = "hf_alice"
FAST = {"poll_initial": 0.01, "poll_max": 0.04, "timeout": 10}


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_TOKEN_PATH", "/nonexistent/token")
    with FakeHub({TOKEN: "alice", "hf_bob": "bob"}) as h:
        h.add_space("bob/app", hardware="cpu-basic")
        h.add_space("bob/gpu-app", hardware="t4-small")
        yield h


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def duplicate(mode: str, hub: FakeHub, *args: Any, **kwargs: Any) -> str:
    kwargs = {"hf_endpoint": hub.url, "hf_token": TOKEN, **FAST, **kwargs}
    if mode == "sync":
        return duplicate_space_sync(*args, **kwargs)
    return asyncio.run(duplicate_space(*args, **kwargs))


def writes(hub: FakeHub) -> list[tuple[str, Any]]:
    """(path, json body) of every POST the Hub received."""
    return [(r.path, r.json()) for r in hub.log if r.server == "hub" and r.method == "POST"]


def test_new_copy_is_created_configured_and_waited_for(hub: FakeHub, mode: str) -> None:
    seen: list[SpaceStatus] = []
    new_id = duplicate(
        mode,
        hub,
        "bob/app",
        secrets={"API_KEY": "s3cret", "OTHER": "x"},
        status_callback=seen.append,
    )
    assert new_id == "alice/app"
    assert writes(hub) == [
        ("/api/spaces/bob/app/duplicate", {"repository": "alice/app", "visibility": "private"}),
        ("/api/spaces/alice/app/secrets", {"key": "API_KEY", "value": "s3cret"}),
        ("/api/spaces/alice/app/secrets", {"key": "OTHER", "value": "x"}),
    ]  # free hardware: no sleep time (the Hub does not allow one)
    copy = hub.spaces["alice/app"]
    assert copy.private and copy.secrets == {"API_KEY": "s3cret", "OTHER": "x"}
    assert [s.status for s in seen] == ["building", "starting", "running"]
    assert copy.stage == "RUNNING"
    assert hub.requests("hub", "/api/whoami-v2")


def test_new_copy_on_paid_hardware_gets_a_sleep_time(hub: FakeHub, mode: str) -> None:
    new_id = duplicate(mode, hub, "bob/app", "my-copy", hardware="a10g-small", private=False)
    assert new_id == "alice/my-copy"
    assert writes(hub) == [
        (
            "/api/spaces/bob/app/duplicate",
            {"repository": "alice/my-copy", "visibility": "public", "hardware": "a10g-small"},
        ),
        ("/api/spaces/alice/my-copy/sleeptime", {"seconds": 300}),
    ]
    copy = hub.spaces["alice/my-copy"]
    assert (copy.private, copy.hardware, copy.sleep_time) == (False, "a10g-small", 300)


def test_new_copy_inherits_the_source_hardware(hub: FakeHub, mode: str) -> None:
    duplicate(mode, hub, "bob/gpu-app", "alice/gpu", sleep_timeout=10)
    assert writes(hub) == [
        (
            "/api/spaces/bob/gpu-app/duplicate",
            {"repository": "alice/gpu", "visibility": "private", "hardware": "t4-small"},
        ),
        ("/api/spaces/alice/gpu/sleeptime", {"seconds": 600}),
    ]
    assert hub.requests("hub", "/api/whoami-v2") == []  # namespace given: no whoami needed


def test_existing_copy_is_reused_and_updated_when_asked(hub: FakeHub, mode: str) -> None:
    hub.add_space("alice/app", hardware="cpu-basic")
    seen: list[SpaceStatus] = []
    new_id = duplicate(
        mode,
        hub,
        "bob/app",
        hardware="t4-medium",
        sleep_timeout=5,
        secrets={"K": "v"},
        status_callback=seen.append,
    )
    assert new_id == "alice/app"
    assert writes(hub) == [
        ("/api/spaces/alice/app/hardware", {"flavor": "t4-medium"}),
        ("/api/spaces/alice/app/secrets", {"key": "K", "value": "v"}),
        ("/api/spaces/alice/app/sleeptime", {"seconds": 300}),
    ]
    copy = hub.spaces["alice/app"]
    assert (copy.hardware, copy.sleep_time, copy.secrets) == ("t4-medium", 300, {"K": "v"})
    assert [s.status for s in seen] == ["starting", "running"]  # restarted on new hardware


def test_existing_copy_without_options_is_left_alone(hub: FakeHub, mode: str) -> None:
    hub.add_space("alice/app", hardware="t4-small", stages=["SLEEPING"], on_wake=["RUNNING"])
    assert duplicate(mode, hub, "bob/app", hardware="t4-small") == "alice/app"
    assert writes(hub) == []
    assert [r.path for r in hub.requests("space:alice/app")] == ["/"]  # woken, not rebuilt


def test_sleep_time_on_free_hardware_is_skipped(hub: FakeHub, mode: str) -> None:
    hub.add_space("alice/app", hardware="cpu-basic")
    with pytest.warns(UserWarning, match="sleep_timeout ignored") as record:
        duplicate(mode, hub, "bob/app", sleep_timeout=30)
    assert writes(hub) == []
    assert len(record) == 1
    if mode == "sync":  # points at the caller's code (async: the outermost coroutine is ours)
        assert record[0].filename == __file__


def test_a_conflict_while_creating_reuses_the_copy(hub: FakeHub, mode: str) -> None:
    hub.add_space("alice/app")
    hub.fail_next["alice/app"] = [404]  # created by someone else between our look-up and POST
    assert duplicate(mode, hub, "bob/app") == "alice/app"
    assert [path for path, _ in writes(hub)] == ["/api/spaces/bob/app/duplicate"]


def test_copy_that_fails_to_build_raises(hub: FakeHub, mode: str) -> None:
    hub.copy_stages = ["BUILDING", "BUILD_ERROR"]
    with pytest.raises(SpaceStateError) as info:
        duplicate(mode, hub, "bob/app")
    assert info.value.stage == "BUILD_ERROR" and info.value.space_id == "alice/app"


def test_hub_refusals(hub: FakeHub, mode: str) -> None:
    with pytest.raises(SpaceNotFoundError):
        duplicate(mode, hub, "bob/nope")
    with pytest.raises(AuthenticationError, match="refused"):
        duplicate(mode, hub, "bob/app", hf_token="hf_wrong")
    with pytest.raises(AuthenticationError, match="403"):  # not your namespace
        duplicate(mode, hub, "bob/app", "bob/copy")
    assert "alice/app" not in hub.spaces and "bob/copy" not in hub.spaces


def test_token_goes_only_to_the_hub(hub: FakeHub, mode: str) -> None:
    duplicate(mode, hub, "bob/app", secrets={"A": "b"})
    entries: list[LoggedRequest] = hub.log
    assert {e.server for e in entries} == {"hub"}  # the copy was running: no visit
    assert all(e.headers.get("authorization") == f"Bearer {TOKEN}" for e in entries)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("bob",), {}, "not a Hugging Face Space id"),
        (("bob/app", "a/b/c"), {}, "to_id"),
        (("bob/app", "bad name"), {}, "to_id"),
        (("bob/app",), {"hardware": "t4-huge"}, "Unknown Space hardware"),
        (("bob/app",), {"secrets": {"K": 1}}, "secrets"),
        (("bob/app",), {"secrets": ["K"]}, "secrets"),
        (("bob/app",), {"sleep_timeout": 0}, "minutes"),
        (("bob/app",), {"sleep_timeout": 2.5}, "minutes"),
        (("bob/app",), {"private": "yes"}, "private"),
        (("bob/app",), {"timeout": -1}, "timeout"),
        (("bob/app",), {"hf_token": None}, "needs a Hugging Face token"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    hub: FakeHub, mode: str, args: tuple[Any, ...], kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(UsageError, match=match):
        duplicate(mode, hub, *args, **kwargs)
    assert hub.log == []


def test_token_from_the_environment(
    hub: FakeHub, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    kwargs = {"hf_endpoint": hub.url, **FAST}
    if mode == "sync":
        got = duplicate_space_sync("bob/app", **kwargs)  # type: ignore[arg-type]
    else:
        got = asyncio.run(duplicate_space("bob/app", **kwargs))  # type: ignore[arg-type]
    assert got == "alice/app"


def test_plan_keeps_org_namespaces() -> None:
    plan = plan_duplicate("bob/app", "my-org/app2")
    assert plan.target("alice") == "my-org/app2"
    assert plan_duplicate("bob/app").target("alice") == "alice/app"
