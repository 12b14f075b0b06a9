"""Run-time drift check of generated clients against changed live apps.

A client generated from tests/apps/contract_v1.py is pointed at v2 (breaking changes), v3
(compatible only) and v1 itself. ``/default`` has the same signature in every version, so
calls succeed whenever the drift check lets them through. The check runs before the first
join (tests/contract/test_drift_live.py covers shifted indices, concurrency, auth, close).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from gradio_gen import cli
from gradio_gen_runtime import (
    AppError,
    ConnectError,
    DriftError,
    DriftWarning,
    InputValidationError,
    ProtocolError,
    UsageError,
)
from gradio_gen_runtime._contracts._drift import DriftGuard

from tests.contract.conftest import import_module_file
from tests.contract.snapshots import endpoint, param, snapshot
from tests.fake_hub import FakeHub
from tests.servers import RunningApps


@pytest.fixture(scope="module")
def v1(contract_apps: RunningApps, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    path = tmp_path_factory.mktemp("drift") / "contract_v1_client.py"
    assert cli.main([contract_apps["contract_v1"], "-o", str(path), "-q"]) == 0
    return import_module_file(path)


@pytest.fixture
def clients() -> Iterator[list[Any]]:
    made: list[Any] = []
    yield made
    for client in made:
        if hasattr(client, "aclose"):
            asyncio.run(client.aclose())
        else:
            client.close()


def test_warn_by_default_and_the_call_goes_on(
    v1: ModuleType,
    contract_apps: RunningApps,
    clients: list[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = v1.ContractV1(contract_apps["contract_v2"])
    clients.append(client)
    with caplog.at_level(logging.DEBUG, logger="gradio_gen"), pytest.warns(DriftWarning) as rec:
        # the check runs before the first join: the warning comes with the first call
        assert client.default(0.25) == "0.25"
    assert len(rec) == 1  # one channel for the user: the warning (the log line is INFO)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("regenerate the client" in r.getMessage() for r in caplog.records)
    message = str(rec[0].message)
    assert rec[0].filename == __file__  # points at the caller, not at gradio-gen
    assert "ContractV1: the live app's API changed" in message
    assert "/removed_ep: endpoint /removed_ep was removed" in message
    # /config differed, so /info was read too: the verdict is the full classification
    assert "/rename: parameter 'n' renamed to 'amount'" in message
    assert "/default" not in message  # compatible changes are not listed as breaking
    assert client._drift.diff is not None and len(client._drift.diff.breaking) == 14
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same verdict: not told twice
        diff = client.check_drift(timeout=30)
    assert diff is client._drift.diff and diff is not None and len(diff.breaking) == 14
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # checked once per client: no second warning
        assert client.default(0.5) == "0.5"
        assert client.reorder("hi", 4) == "hi 4"  # v2 swapped (t, n): routed by name
        assert client.rename("hi", 3) == "hi 3"  # v2 renamed n -> amount: followed
        with pytest.raises(DriftError, match="/removed_ep no longer exists"):
            client.removed_ep("hi")  # refused before reaching whatever runs there now
        with pytest.raises(DriftError, match="/required now requires parameter 'must'"):
            client.required("hi")
        with pytest.raises(DriftError, match=r"/retyped cannot be called.*type changed"):
            client.retyped("hi")  # v2 returns a bool: refused, not run then rejected
        with pytest.raises(DriftError, match="'L' is no longer one of the live app's choices"):
            client.choices("apple", "L")
        assert client.choices("apple", "S") == "apple S"


def test_error_raises_listing_breaking_changes(
    v1: ModuleType, contract_apps: RunningApps, clients: list[Any]
) -> None:
    client = v1.ContractV1(contract_apps["contract_v2"], on_drift="error")
    clients.append(client)
    with pytest.raises(InputValidationError):  # bad input: rejected before any request
        client.default("warm")
    assert client._drift.diff is None
    with pytest.raises(DriftError) as info:
        client.default(0.25)
    kinds = {(c.endpoint, c.kind) for c in info.value.changes}
    assert ("/stream", "generator_changed") in kinds and ("/drop", "parameter_removed") in kinds
    assert all(c.breaking for c in info.value.changes) and len(info.value.changes) == 14
    with pytest.raises(DriftError):  # the verdict stands for the client's lifetime
        client.default(0.25)


def test_compatible_changes_never_raise(
    v1: ModuleType, contract_apps: RunningApps, clients: list[Any]
) -> None:
    client = v1.ContractV1(contract_apps["contract_v3"], on_drift="error")
    clients.append(client)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert client.default(0.25) == "0.25"
        # v3 added an optional parameter to /optional: the v1 client's call still works,
        # routed to the live endpoint with the app's default for the new parameter
        assert client.optional("hi") == "hi !"
    assert client._drift.diff is not None
    assert [c.kind for c in client._drift.diff] == [
        "endpoint_added",
        "parameter_choices_added",
        "default_changed",
        "parameter_added",
    ]


def test_compatible_change_first_call_with_default_options(
    v1: ModuleType, contract_apps: RunningApps, clients: list[Any]
) -> None:
    """The issue's case: an optional parameter added; the first call of a new process (the
    only one of a cron job) must work, not fail on the server."""
    client = v1.ContractV1(contract_apps["contract_v3"])
    clients.append(client)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert client.optional("hi") == "hi !"


def test_unchanged_app_and_ignore(
    v1: ModuleType, contract_apps: RunningApps, clients: list[Any]
) -> None:
    same = v1.ContractV1(contract_apps["contract_v1"], on_drift="error")
    ignoring = v1.ContractV1(contract_apps["contract_v2"], on_drift="ignore")
    clients.extend([same, ignoring])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert same.default(0.25) == "0.25"
        assert ignoring.default(0.25) == "0.25"
    assert same._drift.diff is not None and not same._drift.diff
    assert ignoring._drift.diff is None  # never checked
    with pytest.raises(AppError, match="reorder"):  # not routed: the old layout reaches v2
        ignoring.reorder("hi", 4)
    with pytest.raises(UsageError, match="on_drift"):
        v1.ContractV1(contract_apps["contract_v1"], on_drift="loud")


def test_async_client_drift(v1: ModuleType, contract_apps: RunningApps) -> None:
    async def main() -> None:
        async with v1.AsyncContractV1(contract_apps["contract_v2"], on_drift="error") as client:
            with pytest.raises(DriftError):
                await client.default(0.25)
        async with v1.AsyncContractV1(contract_apps["contract_v2"]) as client:
            with pytest.warns(DriftWarning) as rec:
                assert await client.default(0.25) == "0.25"
            assert len(rec) == 1 and rec[0].filename == __file__
            job = await client.default.submit(0.5)
            assert await job.result() == "0.5"
            assert await client.reorder("hi", 4) == "hi 4"
            with pytest.raises(DriftError, match="/removed_ep no longer exists"):
                await client.removed_ep("hi")
            diff = await client.check_drift()  # the verdict already told: no second warning
            assert diff is not None and len(diff.breaking) == 14

    asyncio.run(main())


@pytest.mark.parametrize("on_drift", ["warn", "error"])
def test_a_check_that_cannot_run_fails_the_call(
    v1: ModuleType, on_drift: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unreachable app: the call fails with the typed error naming the check; nothing is
    sent blind (there is nothing to send to, but neither is the call made unconfirmed)."""
    monkeypatch.setattr("gradio_gen_runtime._transport._http.backoff", lambda *a, **k: 0.0)
    with v1.ContractV1("http://127.0.0.1:9/", on_drift=on_drift) as client:
        with pytest.raises(ConnectError, match="fetching /config from the live app"):
            client.default(0.25)
        assert client._drift.diff is None


def test_guard_hash_short_circuit_and_malformed_live() -> None:
    snap = snapshot({"f": endpoint([param("a")])})
    guard = DriftGuard(snap, on_drift="error")
    reordered = {"info": snap["info"], "config": dict(reversed(list(snap["config"].items())))}
    assert not guard.classify(reordered)
    with pytest.raises(ProtocolError):  # a live answer that is no snapshot: typed, raised
        guard.classify({"config": [], "info": {}})


def test_generated_examples_embed_a_hash_matching_their_snapshot() -> None:
    """The short-circuit only works if the embedded sha256 is the live snapshot's hash."""
    import json

    from gradio_gen.diff import snapshot_from_module_source
    from gradio_gen_runtime._spec import snapshot_sha256

    root = Path(__file__).parents[2] / "generated_examples"
    for example in sorted(p for p in root.iterdir() if (p / "client.py").is_file()):
        text = (example / "client.py").read_text()
        full = json.loads((example / "snapshot.json").read_text())
        embedded = snapshot_from_module_source(text)
        assert snapshot_sha256(embedded) == snapshot_sha256(full), example.name
        assert f'SCHEMA_SHA256 = "{snapshot_sha256(full)}"' in text, example.name


def test_drift_check_through_a_space(
    hub: FakeHub, v1: ModuleType, contract_apps: RunningApps
) -> None:
    """A client made with a Space id resolves the Space, then checks drift on its host."""
    space = hub.add_space("alice/contract", upstream=contract_apps["contract_v2"])
    with v1.ContractV1(space.id, on_drift="error") as client:
        assert hub.requests(f"space:{space.id}") == []  # constructing makes no request
        with pytest.raises(DriftError):
            client.default(0.25)
    paths = [r.path for r in hub.requests(f"space:{space.id}")]
    assert paths.count("/config") == 1 and paths.count("/gradio_api/info") == 1


def test_the_check_precedes_the_first_join(
    hub: FakeHub, v1: ModuleType, contract_apps: RunningApps
) -> None:
    """Default options (this test replaces one that pinned the old, wrong design: "no
    request before the first call's join"): the first call's join comes after the check;
    /info is read only because /config differs."""
    space = hub.add_space("alice/contract-warn", upstream=contract_apps["contract_v2"])
    with v1.ContractV1(space.id) as client, pytest.warns(DriftWarning):
        assert hub.requests(f"space:{space.id}") == []  # constructing makes no request
        assert client.default(0.25) == "0.25"
        assert client.default(0.5) == "0.5"
    paths = [r.path for r in hub.requests(f"space:{space.id}")]
    assert paths[:2] == ["/config", "/gradio_api/info"], paths
    assert paths.count("/config") == 1 and paths.count("/gradio_api/info") == 1
    assert paths.count("/gradio_api/queue/join") == 2


def routed(old: dict[str, Any], new: dict[str, Any], name: str, values: list[Any]) -> Any:
    """Route a call of ``old``'s ``name`` to the app ``new`` (the verdict a client of
    ``old`` reaches after reading ``new``'s /config and /info)."""
    from gradio_gen_runtime._contracts._drift import _Verdict
    from gradio_gen_runtime._spec import AppSpec

    guard = DriftGuard(old, on_drift="warn")
    diff = guard.classify(new)
    verdict = _Verdict(diff, AppSpec.from_snapshot(new) if diff else None, full=True, client="X")
    ep = AppSpec.from_snapshot(old).endpoints[name]
    target, wire = verdict.route(ep, values)
    return target.fn_index, wire, target is ep


def test_route_follows_the_live_layout_by_name() -> None:
    a = endpoint([param("x"), param("y", {"type": "integer"})])
    shifted = snapshot({"a": a, "b": a}, order=["b", "a"])
    assert routed(snapshot({"a": a}), shifted, "/a", ["s", 1]) == (1, ["s", 1], False)
    grown = endpoint(
        [param("x"), param("y", {"type": "integer"}), param("z", default="!", has_default=True)]
    )
    assert routed(snapshot({"a": a}), snapshot({"a": grown}), "/a", ["s", 1])[1] == ["s", 1, "!"]
    swapped = endpoint([param("y", {"type": "integer"}), param("x")])
    assert routed(snapshot({"a": a}), snapshot({"a": swapped}), "/a", ["s", 1])[1] == [1, "s"]
    renamed = endpoint([param("x"), param("count", {"type": "integer"})])
    assert routed(snapshot({"a": a}), snapshot({"a": renamed}), "/a", ["s", 1])[1] == ["s", 1]
    needs = endpoint([param("x"), param("y", {"type": "integer"}), param("must")])
    with pytest.raises(DriftError, match="/a now requires parameter 'must'"):
        routed(snapshot({"a": a}), snapshot({"a": needs}), "/a", ["s", 1])
    with pytest.raises(DriftError, match="/a no longer exists"):
        routed(snapshot({"a": a}), snapshot({"b": a}), "/a", ["s", 1])
    assert routed(snapshot({"a": a}), snapshot({"a": a}), "/a", ["s", 1]) == (0, ["s", 1], True)
