"""Resolving, waking and waiting for Spaces against the fake Hub (sync and async drivers)."""

from __future__ import annotations

import asyncio
import builtins
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from gradio_gen_runtime._exceptions import (
    AuthenticationError,
    ConnectError,
    HTTPStatusError,
    SpaceNotFoundError,
    SpaceStateError,
    SpaceTimeoutError,
    UsageError,
)
from gradio_gen_runtime._hub._space import resolve_space, resolve_space_sync
from gradio_gen_runtime._hub._status import SpaceInfo, SpaceStatus

from tests.fake_hub import FakeHub, Recorder

FAST = {"poll_initial": 0.01, "poll_max": 0.04, "timeout": 10}
TOKEN = "hf_alice"


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    with FakeHub({TOKEN: "alice", "hf_bob": "bob"}) as h:
        yield h


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def resolve(mode: str, hub: FakeHub, space_id: str, **kwargs: Any) -> SpaceInfo:
    kwargs = {"hf_endpoint": hub.url, **FAST, **kwargs}
    if mode == "sync":
        return resolve_space_sync(space_id, **kwargs)
    return asyncio.run(resolve_space(space_id, **kwargs))


def statuses(seen: list[SpaceStatus]) -> list[tuple[str, str]]:
    return [(s.status, s.stage) for s in seen]


def test_running_space_resolves_without_callback(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"bob/run-{mode}")
    seen: list[SpaceStatus] = []
    got = resolve(mode, hub, space.id, status_callback=seen.append)
    assert got.host == space.host and got.stage == "RUNNING" and got.id == space.id
    assert seen == []
    assert len(hub.requests("hub", f"/api/spaces/{space.id}")) == 1
    assert hub.requests(f"space:{space.id}") == []  # no visit to a running Space


def test_sleeping_space_is_woken_by_one_visit(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(
        f"bob/sleepy-{mode}", stages=["SLEEPING"], on_wake=["SLEEPING", "APP_STARTING", "RUNNING"]
    )
    seen: list[SpaceStatus] = []
    got = resolve(mode, hub, space.id, status_callback=seen.append)
    assert got.stage == "RUNNING"
    assert statuses(seen) == [
        ("sleeping", "SLEEPING"),
        ("starting", "APP_STARTING"),
        ("running", "RUNNING"),
    ]
    visits = hub.requests(f"space:{space.id}")
    assert [(v.method, v.path) for v in visits] == [("GET", "/")]


def test_building_space_is_waited_for(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"bob/build-{mode}", stages=["BUILDING"] * 4 + ["RUNNING_BUILDING"])
    seen: list[SpaceStatus] = []
    resolve(mode, hub, space.id, status_callback=seen.append)
    assert statuses(seen) == [("building", "BUILDING"), ("running", "RUNNING_BUILDING")]
    assert space.polls == 5
    assert hub.requests(f"space:{space.id}") == []


def test_build_error_raises_with_stage_and_detail(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(
        f"bob/broken-{mode}",
        stages=["BUILDING", "BUILDING", "BUILD_ERROR"],
        error_message="Build failed with exit code: 1",
    )
    seen: list[SpaceStatus] = []
    with pytest.raises(SpaceStateError) as info:
        resolve(mode, hub, space.id, status_callback=seen.append)
    assert info.value.stage == "BUILD_ERROR" and info.value.space_id == space.id
    assert "Build failed with exit code: 1" in str(info.value)
    assert statuses(seen) == [("building", "BUILDING"), ("error", "BUILD_ERROR")]
    assert seen[-1].detail == "Build failed with exit code: 1"


@pytest.mark.parametrize("stage", ["PAUSED", "RUNTIME_ERROR", "CONFIG_ERROR", "NO_APP_FILE"])
def test_paused_and_error_stages_raise_at_once(hub: FakeHub, mode: str, stage: str) -> None:
    space = hub.add_space(f"bob/{stage.lower()}-{mode}", stages=[stage])
    seen: list[SpaceStatus] = []
    with pytest.raises(SpaceStateError) as info:
        resolve(mode, hub, space.id, status_callback=seen.append)
    assert info.value.stage == stage
    assert [s.stage for s in seen] == [stage]
    assert seen[0].status == ("paused" if stage == "PAUSED" else "error")
    assert space.polls == 1


def test_timeout_while_building(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"bob/slowbuild-{mode}", stages=["BUILDING"])
    t0 = time.monotonic()
    with pytest.raises(SpaceTimeoutError) as info:
        resolve(mode, hub, space.id, timeout=0.4)
    elapsed = time.monotonic() - t0
    assert 0.4 <= elapsed < 3.0
    assert isinstance(info.value, builtins.TimeoutError)
    assert "still building (BUILDING) after 0.4 s" in str(info.value)


def test_polling_backs_off_and_never_overlaps(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"bob/backoff-{mode}", stages=["BUILDING"] * 6 + ["RUNNING"])
    resolve(mode, hub, space.id, poll_initial=0.05, poll_max=0.2)
    times = [r.time for r in hub.requests("hub", f"/api/spaces/{space.id}")]
    assert len(times) == 7  # exactly one request per poll: no second poller
    gaps = [b - a for a, b in itertools.pairwise(times)]
    for gap, expected in zip(gaps, [0.05, 0.1, 0.2, 0.2, 0.2, 0.2], strict=True):
        assert expected * 0.9 <= gap < expected + 0.5


def test_stopped_space_is_restarted_with_an_owner_token(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"alice/stopped-{mode}", stages=["STOPPED"])
    seen: list[SpaceStatus] = []
    resolve(mode, hub, space.id, token=TOKEN, status_callback=seen.append)
    assert [r.method for r in hub.requests("hub", f"/api/spaces/{space.id}/restart")] == ["POST"]
    assert statuses(seen) == [
        ("stopped", "STOPPED"),
        ("starting", "APP_STARTING"),
        ("running", "RUNNING"),
    ]


def test_stopped_space_without_write_access_gets_a_visit(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"alice/stopped2-{mode}", stages=["STOPPED"])
    with pytest.raises(SpaceTimeoutError):
        resolve(mode, hub, space.id, token="hf_bob", timeout=0.3)
    restart = hub.requests("hub", f"/api/spaces/{space.id}/restart")
    assert len(restart) == 1  # refused (403): not retried
    assert [r.path for r in hub.requests(f"space:{space.id}")] == ["/"]


def test_transient_hub_errors_while_waiting_are_retried(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"bob/flaky-{mode}", stages=["BUILDING", "BUILDING", "RUNNING"])

    def on_status(status: SpaceStatus) -> None:
        if status.status == "building":
            hub.fail_next[space.id] = [503, 502, 429]

    got = resolve(mode, hub, space.id, status_callback=on_status)
    assert got.stage == "RUNNING"
    assert len(hub.requests("hub", f"/api/spaces/{space.id}")) == 6


def test_first_lookup_errors_are_not_retried(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"bob/down-{mode}")
    hub.fail_next[space.id] = [500]
    with pytest.raises(HTTPStatusError) as info:
        resolve(mode, hub, space.id)
    assert info.value.status_code == 500
    with pytest.raises(ConnectError):
        resolve(mode, hub, space.id, hf_endpoint="http://127.0.0.1:9")


def test_private_space_needs_a_valid_token(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"alice/secret-{mode}", private=True)
    with pytest.raises(AuthenticationError, match=r"private or does not exist.*hf_token") as e:
        resolve(mode, hub, space.id)
    assert e.value.status_code == 401
    with pytest.raises(AuthenticationError, match="refused the Hugging Face token"):
        resolve(mode, hub, space.id, token="hf_wrong")
    with pytest.raises(SpaceNotFoundError, match="private"):
        resolve(mode, hub, space.id, token="hf_bob")  # valid, but not allowed to see it
    got = resolve(mode, hub, space.id, token=TOKEN)
    assert got.private and got.host == space.host


def test_missing_space(hub: FakeHub, mode: str) -> None:
    with pytest.raises(SpaceNotFoundError, match="bob/nothing-here was not found"):
        resolve(mode, hub, "bob/nothing-here", token=TOKEN)
    with pytest.raises(AuthenticationError):  # the Hub hides existence from anonymous callers
        resolve(mode, hub, "bob/nothing-here")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": 0},
        {"timeout": -5},
        {"status_callback": "print"},
        {"hf_endpoint": "ftp://hub"},
    ],
)
def test_bad_arguments_fail_before_any_request(hub: FakeHub, mode: str, kwargs: Any) -> None:
    before = len(hub.log)
    with pytest.raises(UsageError):
        resolve(mode, hub, "bob/anything", **kwargs)
    with pytest.raises(UsageError):
        resolve(mode, hub, "not a space id")
    assert len(hub.log) == before


def test_hf_endpoint_comes_from_the_environment(
    hub: FakeHub, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = hub.add_space(f"bob/env-{mode}")
    monkeypatch.setenv("HF_ENDPOINT", hub.url + "/")
    kwargs: dict[str, Any] = {}
    got = (
        resolve_space_sync(space.id, **kwargs)
        if mode == "sync"
        else asyncio.run(resolve_space(space.id))
    )
    assert got.host == space.host


def test_token_reaches_only_the_hub_and_the_space_host(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(
        f"alice/private-sleepy-{mode}",
        private=True,
        stages=["SLEEPING"],
        on_wake=["APP_STARTING", "RUNNING"],
    )
    start = len(hub.log)
    resolve(mode, hub, space.id, token=TOKEN)
    entries = hub.log[start:]
    assert {e.server for e in entries} == {"hub", f"space:{space.id}"}
    for entry in entries:
        assert entry.token() == TOKEN
        if entry.server == "hub":  # the Hub API takes the standard header
            assert entry.headers["authorization"] == f"Bearer {TOKEN}"
        else:  # the Space proxy's header (HF strips it before the app sees it)
            assert entry.headers["x-hf-authorization"] == f"Bearer {TOKEN}"
            assert "authorization" not in entry.headers


def test_public_space_without_token_sends_none(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"bob/pub-{mode}", stages=["SLEEPING"], on_wake=["RUNNING"])
    start = len(hub.log)
    resolve(mode, hub, space.id, token=None)
    assert all(e.token() is None for e in hub.log[start:])


def test_callback_errors_propagate_and_stop_the_wait(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"bob/cb-{mode}", stages=["BUILDING"])

    class Stop(Exception):
        pass

    def stop(status: SpaceStatus) -> None:
        raise Stop(status.stage)

    with pytest.raises(Stop, match="BUILDING"):
        resolve(mode, hub, space.id, status_callback=stop, timeout=30)
    assert space.polls == 1


def test_async_callback_may_be_a_coroutine(hub: FakeHub) -> None:
    space = hub.add_space("bob/coro", stages=["BUILDING", "RUNNING"])
    seen: list[str] = []

    async def on_status(status: SpaceStatus) -> None:
        await asyncio.sleep(0)
        seen.append(status.status)

    asyncio.run(resolve_space(space.id, hf_endpoint=hub.url, status_callback=on_status, **FAST))
    assert seen == ["building", "running"]


def test_wait_false_only_looks(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"bob/nowait-{mode}", stages=["BUILDING"])
    got = resolve(mode, hub, space.id, wait=False)
    assert got.stage == "BUILDING" and space.polls == 1


def test_renamed_space_is_followed_within_the_hub_only(hub: FakeHub, mode: str) -> None:
    space = hub.add_space(f"bob/new-name-{mode}", stages=["BUILDING", "RUNNING"])
    hub.renamed[f"bob/old-name-{mode}"] = space.id
    got = resolve(mode, hub, f"bob/old-name-{mode}", token=TOKEN)
    assert got.id == space.id and got.host == space.host
    redirected = hub.requests("hub", f"/api/spaces/bob/old-name-{mode}")
    assert len(redirected) == 2 and all(r.token() == TOKEN for r in redirected)

    with Recorder("elsewhere") as other:
        hub.renamed[f"bob/gone-{mode}"] = f"{other.url}/api/spaces/bob/x"
        with pytest.raises(HTTPStatusError) as info:
            resolve(mode, hub, f"bob/gone-{mode}", token=TOKEN)
        assert info.value.status_code == 307
        assert other.log == []  # a redirect off the Hub is not followed
