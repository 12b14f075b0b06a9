"""Run-time drift check of generated clients against changed live apps.

A client generated from tests/apps/contract_v1.py is pointed at v2 (breaking changes), v3
(compatible only) and v1 itself. ``/default`` has the same signature in every version, so
calls succeed whenever the drift check lets them through.
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
    DriftError,
    DriftWarning,
    InputValidationError,
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
    with caplog.at_level(logging.WARNING, logger="gradio_gen"), pytest.warns(DriftWarning) as rec:
        # the first call does not wait for the check: its join goes out at once (with the
        # embedded mapping; /default is unchanged), the check runs right after it
        assert client.default(0.25) == "0.25"
        diff = client.check_drift(timeout=30)  # waits for the background check's verdict
    assert diff is client._drift.diff and diff is not None
    message = str(rec[0].message)
    assert rec[0].filename == __file__  # points at the caller, not at gradio-gen
    assert "ContractV1: the live app's API changed" in message
    assert "/removed_ep: endpoint /removed_ep was removed" in message
    assert "/rename: parameter 'n' renamed to 'amount'" in message
    assert "/default" not in message  # compatible changes are not listed as breaking
    assert any("regenerate the client" in r.getMessage() for r in caplog.records)
    assert client._drift.diff is not None and len(client._drift.diff.breaking) == 14
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # checked once per client: no second warning
        assert client.default(0.5) == "0.5"
        assert client.reorder("hi", 4) == "hi 4"  # v2 swapped (t, n): routed by name
        assert client.rename("hi", 3) == "hi 3"  # v2 renamed n -> amount: followed
        with pytest.raises(DriftError, match="/removed_ep no longer exists"):
            client.removed_ep("hi")  # refused before reaching whatever runs there now
        with pytest.raises(DriftError, match="/required now requires parameter 'must'"):
            client.required("hi")


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
            with pytest.warns(DriftWarning):
                assert await client.default(0.25) == "0.25"
                await client.check_drift()
            job = await client.default.submit(0.5)
            assert await job.result() == "0.5"

    asyncio.run(main())


def test_guard_skips_when_the_check_cannot_run(caplog: pytest.LogCaptureFixture) -> None:
    snap = snapshot({"f": endpoint([param("a")])})
    guard = DriftGuard(snap, on_drift="error", client="X")

    def unreachable() -> dict[str, Any]:
        raise OSError("connection refused")

    with caplog.at_level(logging.WARNING, logger="gradio_gen"):
        guard.check(unreachable)
    assert guard.done and guard.diff is None
    assert "drift check skipped" in caplog.text
    guard.check(lambda: pytest.fail("checked twice"))  # type: ignore[arg-type,return-value]


def test_guard_hash_short_circuit_and_malformed_live() -> None:
    snap = snapshot({"f": endpoint([param("a")])})
    guard = DriftGuard(snap, on_drift="error")
    reordered = {"info": snap["info"], "config": dict(reversed(list(snap["config"].items())))}
    assert not guard.evaluate(reordered)
    broken = DriftGuard(snap, on_drift="error")
    assert not broken.evaluate({"config": [], "info": {}})  # logged, not raised
    assert broken.done


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


def test_warn_sends_the_first_join_before_any_check_request(
    hub: FakeHub, v1: ModuleType, contract_apps: RunningApps
) -> None:
    """Default options: no request before the first call's join; the check follows it."""
    space = hub.add_space("alice/contract-warn", upstream=contract_apps["contract_v2"])
    with v1.ContractV1(space.id) as client, pytest.warns(DriftWarning):
        assert client.default(0.25) == "0.25"
        assert client.check_drift(timeout=30)
    paths = [r.path for r in hub.requests(f"space:{space.id}")]
    assert "/queue/join" in paths[0], paths
    assert paths.count("/config") == 1 and paths.count("/gradio_api/info") == 1
    assert paths.index("/config") > 0


def test_close_abandons_a_running_background_check(
    v1: ModuleType, contract_apps: RunningApps
) -> None:
    """Closing right after the first call: the check thread ends with the client."""
    client = v1.ContractV1(contract_apps["contract_v2"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert client.default(0.25) == "0.25"
        thread = client._drift._thread
        assert thread is not None
        client.close()
    assert not thread.is_alive()


def test_guard_fetches_once_under_concurrent_first_calls() -> None:
    import threading
    import time

    old = snapshot({"f": endpoint([param("a")])})
    new = snapshot({"g": endpoint([param("a")])})
    guard = DriftGuard(old, on_drift="error", client="X")
    fetches: list[int] = []

    def fetch() -> dict[str, Any]:
        fetches.append(1)
        time.sleep(0.05)
        return new

    errors: list[DriftError] = []

    def call() -> None:
        try:
            guard.check(fetch)
        except DriftError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(fetches) == 1
    assert len(errors) == 8 and len({id(e) for e in errors}) == 1
    assert [c.kind for c in errors[0].changes] == ["endpoint_removed"]


def routed(old: dict[str, Any], new: dict[str, Any], name: str, values: list[Any]) -> Any:
    from gradio_gen_runtime._spec import AppSpec

    guard = DriftGuard(old, on_drift="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        guard.evaluate(new)
    ep = AppSpec.from_snapshot(old).endpoints[name]
    target, wire = guard.route(ep, values)
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
