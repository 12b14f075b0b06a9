"""Drift safety against live apps that changed after generation (issue 12).

A module is generated (with the CLI) from tests/apps/drift_v1.py and pointed at
drift_v2.py: an endpoint inserted before the others with the same arity (it answers
"WRONG FUNCTION ..."), an optional parameter added, a choice removed, an output retyped;
drift_v2_auth.py is v2 behind a password; drift_v3.py renames a Python parameter only.
Every request goes through the fault proxy (tests/faultproxy.py), whose log shows what was
sent and in which order: no join ever precedes the check, and no answer ever comes from
another function.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from gradio_gen import cli
from gradio_gen_runtime import (
    AsyncClient,
    AuthenticationError,
    CancelledError,
    Client,
    DriftError,
    DriftWarning,
    HTTPStatusError,
    ProtocolError,
)
from gradio_gen_runtime._client import _live

from tests.contract.conftest import import_module_file
from tests.faultproxy import FaultProxy, Rule
from tests.servers import RunningApps, launch

JOIN = "/gradio_api/queue/join"
PASSWORD = ("user", "s3cret")


@pytest.fixture(scope="module")
def drift_apps() -> Iterator[RunningApps]:
    with launch(["drift_v1", "drift_v2", "drift_v2_auth", "drift_v3"]) as running:
        yield running


@pytest.fixture(scope="module")
def gen(drift_apps: RunningApps, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The client generated from v1 by the CLI, as a user would."""
    path = tmp_path_factory.mktemp("drift_live") / "drift_client.py"
    assert cli.main([drift_apps["drift_v1"], "-o", str(path), "-q"]) == 0
    return import_module_file(path)


@pytest.fixture
def v2(drift_apps: RunningApps) -> Iterator[FaultProxy]:
    with FaultProxy(drift_apps["drift_v2"]) as proxy:
        yield proxy


def paths(proxy: FaultProxy) -> list[str]:
    return [e.target.split("?")[0] for e in proxy.log]


def before_first_join(proxy: FaultProxy) -> list[str]:
    seen = paths(proxy)
    return seen[: seen.index(JOIN)] if JOIN in seen else seen


def v1_snapshot(gen: ModuleType) -> dict[str, Any]:
    return dict(gen.DriftV1.snapshot())


# -- the cases, one client -----------------------------------------------------------


def test_inserted_endpoint_is_never_reached_sync(gen: ModuleType, v2: FaultProxy) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DriftWarning)
        with gen.DriftV1(v2.url) as client:
            assert client.reverse("abc") == "reverse cba"  # v1's fn_index now names /wipe
            assert client.shout("abc") == "shout ABC"  # + the new optional parameter
            assert client.add(2) == 2 and client.add(3) == 5  # State slots, shifted
    assert before_first_join(v2) == ["/config", "/gradio_api/info"]
    assert paths(v2).count("/config") == 1 and paths(v2).count("/gradio_api/info") == 1


def test_inserted_endpoint_is_never_reached_async(gen: ModuleType, v2: FaultProxy) -> None:
    async def main() -> None:
        async with gen.AsyncDriftV1(v2.url) as client:
            assert await client.reverse("abc") == "reverse cba"
            job = await client.shout.submit("abc")
            assert await job.result() == "shout ABC"
            assert await client.add(2) == 2 and await client.add(3) == 5

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DriftWarning)
        asyncio.run(asyncio.wait_for(main(), 60))
    assert before_first_join(v2) == ["/config", "/gradio_api/info"]


def test_breaking_changes_warn_at_the_first_call_and_refuse_only_broken_calls(
    gen: ModuleType, v2: FaultProxy, caplog: pytest.LogCaptureFixture
) -> None:
    with gen.DriftV1(v2.url) as client:
        with caplog.at_level(logging.DEBUG, "gradio_gen"), pytest.warns(DriftWarning) as rec:
            assert client.reverse("abc") == "reverse cba"  # untouched: works
        assert len(rec) == 1 and rec[0].filename == __file__
        assert "/order: parameter 's': choices removed" in str(rec[0].message)
        assert "/length: output 1 (length): type changed" in str(rec[0].message)
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        joins = len(v2.requests(JOIN))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # told once
            with pytest.raises(DriftError, match="'L' is no longer one of the live app's"):
                client.order("x", "L")
            with pytest.raises(DriftError, match="/length cannot be called"):
                client.length("abc")
            assert len(v2.requests(JOIN)) == joins  # refused: nothing sent
            assert client.order("x", "S") == "order x:S"  # a choice that still exists
            assert client.order("x") == "order x:M"


def test_on_drift_error_refuses_every_call(gen: ModuleType, v2: FaultProxy) -> None:
    with gen.DriftV1(v2.url, on_drift="error") as client:
        for _ in range(2):
            with pytest.raises(DriftError) as info:
                client.reverse("abc")
            assert {c.kind for c in info.value.changes} == {
                "parameter_choices_removed",
                "output_type_changed",
            }
    assert v2.requests(JOIN) == []


def test_on_drift_ignore_sends_the_embedded_mapping(gen: ModuleType, v2: FaultProxy) -> None:
    """The explicit opt-out does what its docstring says: this is the risk it takes."""
    with gen.DriftV1(v2.url, on_drift="ignore") as client:
        assert client.reverse("abc") == "WRONG FUNCTION abc"
    assert before_first_join(v2) == []


def test_renamed_python_parameter_is_confirmed_by_config_alone(
    gen: ModuleType, drift_apps: RunningApps
) -> None:
    with FaultProxy(drift_apps["drift_v3"]) as proxy, gen.DriftV1(proxy.url) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert client.reverse(t="abc") == "reverse cba"  # positional on the wire
        assert before_first_join(proxy) == ["/config"]
        with pytest.warns(DriftWarning, match="parameter 't' renamed to 'word'"):
            diff = client.check_drift()  # the full check reads /info
        assert diff is not None and [c.kind for c in diff.breaking] == ["parameter_renamed"]
        assert client.reverse("abc") == "reverse cba"


# -- untyped clients -------------------------------------------------------------------------


def test_untyped_client_with_an_old_snapshot(gen: ModuleType, v2: FaultProxy) -> None:
    with Client(v2.url, snapshot=v1_snapshot(gen)) as client:
        assert client.predict("/reverse", "abc") == "reverse cba"
        assert client.predict("/shout", "abc") == "shout ABC"  # bound against the live API
        assert client.spec.endpoint("/reverse").fn_index == 1
    assert before_first_join(v2) == ["/config", "/gradio_api/info"]


def test_untyped_async_client_with_an_old_snapshot(gen: ModuleType, v2: FaultProxy) -> None:
    async def main() -> None:
        async with AsyncClient(v2.url, snapshot=v1_snapshot(gen)) as client:
            assert await client.predict("/reverse", "abc") == "reverse cba"
            job = await client.submit("/shout", "abc", True)
            assert await job.result() == "shout ABC!!!"

    asyncio.run(asyncio.wait_for(main(), 60))
    assert before_first_join(v2) == ["/config", "/gradio_api/info"]


def test_untyped_trust_snapshot_is_the_opt_out(gen: ModuleType, v2: FaultProxy) -> None:
    with Client(v2.url, snapshot=v1_snapshot(gen), trust_snapshot=True) as client:
        assert client.predict("/reverse", "abc") == "WRONG FUNCTION abc"


# -- one check per process and app --------------------------------------------------------------


def test_unchanged_app_one_request_for_every_client(
    gen: ModuleType, drift_apps: RunningApps
) -> None:
    """The floor's budget: one GET /config before the first join, and N clients of one
    app in one process (generated, untyped, sync, async) pay it once."""
    with FaultProxy(drift_apps["drift_v1"]) as proxy:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            clients = [gen.DriftV1(proxy.url) for _ in range(5)]
            for c in clients:
                assert c.reverse("abc") == "reverse cba"
                c.close()
            with Client(proxy.url, snapshot=v1_snapshot(gen)) as untyped:
                assert untyped.predict("/reverse", "x") == "reverse x"

            async def main() -> None:
                async with gen.AsyncDriftV1(proxy.url) as ac:
                    assert await ac.reverse("abc") == "reverse cba"

            asyncio.run(asyncio.wait_for(main(), 60))
        assert before_first_join(proxy) == ["/config"]
        assert paths(proxy).count("/config") == 1
        assert "/gradio_api/info" not in paths(proxy)


def test_twenty_concurrent_first_calls_from_threads(gen: ModuleType, v2: FaultProxy) -> None:
    v2.add(Rule("/config", "delay", seconds=0.3))  # every caller arrives during the check
    barrier = threading.Barrier(20)
    results: list[Any] = []
    lock = threading.Lock()

    def call(i: int) -> None:
        client = gen.DriftV1(v2.url) if i % 2 else Client(v2.url, snapshot=v1_snapshot(gen))
        try:
            barrier.wait(10)
            out = client.reverse(f"n{i}") if i % 2 else client.predict("/reverse", f"n{i}")
        except Exception as exc:
            out = exc
        finally:
            client.close()
        with lock:
            results.append((i, out))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DriftWarning)
        threads = [threading.Thread(target=call, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert sorted(results) == [(i, f"reverse {f'n{i}'[::-1]}") for i in range(20)]
    assert paths(v2).count("/config") == 1 and paths(v2).count("/gradio_api/info") == 1
    assert len(v2.requests(JOIN)) == 20
    assert before_first_join(v2) == ["/config", "/gradio_api/info"]


def test_twenty_concurrent_first_calls_from_tasks(gen: ModuleType, v2: FaultProxy) -> None:
    v2.add(Rule("/config", "delay", seconds=0.3))

    async def one(i: int) -> str:
        if i % 2:
            async with gen.AsyncDriftV1(v2.url) as client:
                out: str = await client.reverse(f"n{i}")
                return out
        async with AsyncClient(v2.url, snapshot=v1_snapshot(gen)) as untyped:
            return str(await untyped.predict("/reverse", f"n{i}"))

    async def main() -> list[str]:
        return await asyncio.gather(*(one(i) for i in range(20)))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DriftWarning)
        results = asyncio.run(asyncio.wait_for(main(), 60))
    assert results == [f"reverse {f'n{i}'[::-1]}" for i in range(20)]
    assert paths(v2).count("/config") == 1 and paths(v2).count("/gradio_api/info") == 1
    assert before_first_join(v2) == ["/config", "/gradio_api/info"]


# -- password-protected apps and checks that cannot run ----------------------------------------


@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_password_protected_app(gen: ModuleType, drift_apps: RunningApps, flavor: str) -> None:
    with FaultProxy(drift_apps["drift_v2_auth"]) as proxy:

        async def amain() -> str:
            async with gen.AsyncDriftV1(proxy.url, auth=PASSWORD) as client:
                out: str = await client.reverse("abc")
                return out

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DriftWarning)
            if flavor == "sync":
                with gen.DriftV1(proxy.url, auth=PASSWORD) as client:
                    out = client.reverse("abc")
            else:
                out = asyncio.run(asyncio.wait_for(amain(), 60))
        assert out == "reverse cba"
        assert before_first_join(proxy) == ["/login", "/config", "/gradio_api/info"]


def test_password_protected_app_without_login_fails_typed(
    gen: ModuleType, drift_apps: RunningApps
) -> None:
    with FaultProxy(drift_apps["drift_v2_auth"]) as proxy:
        with gen.DriftV1(proxy.url) as client, pytest.raises(AuthenticationError, match="/config"):
            client.reverse("abc")
        assert proxy.requests(JOIN) == []


@pytest.mark.parametrize(
    ("rule", "error", "match"),
    [
        (Rule("/config", "status", status=500), HTTPStatusError, "HTTP 500"),
        (Rule("/config", "status", status=200, body=b"<html>"), ProtocolError, "not JSON"),
        (Rule("/config", "status", status=200, body=b"[1, 2]"), ProtocolError, "JSON object"),
    ],
)
def test_a_check_that_cannot_run_never_sends_the_call(
    gen: ModuleType, v2: FaultProxy, rule: Rule, error: type[Exception], match: str
) -> None:
    v2.add(rule)
    with gen.DriftV1(v2.url) as client, pytest.raises(error, match=match):
        client.reverse("abc")
    with Client(v2.url, snapshot=v1_snapshot(gen)) as untyped:
        v2.add(Rule(rule.path, rule.action, status=rule.status, body=rule.body))
        with pytest.raises(error, match=match):
            untyped.predict("/reverse", "abc")
    assert v2.requests(JOIN) == []


# -- close during a check ----------------------------------------------------------------------


def test_close_during_a_stalled_check_sync(
    gen: ModuleType, v2: FaultProxy, caplog: pytest.LogCaptureFixture
) -> None:
    v2.add(Rule("/config", "stall", seconds=30))
    before = set(threading.enumerate())
    client = gen.DriftV1(v2.url)
    outcome: list[BaseException | str] = []

    def call() -> None:
        try:
            outcome.append(client.reverse("abc"))
        except BaseException as exc:
            outcome.append(exc)

    with caplog.at_level(logging.DEBUG, "gradio_gen"):
        caller = threading.Thread(target=call)
        caller.start()
        deadline = time.monotonic() + 10
        while not v2.requests("/config") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert v2.requests("/config"), "the check never started"
        t0 = time.monotonic()
        client.close()
        caller.join(5)
        took = time.monotonic() - t0
    assert not caller.is_alive() and took < 3, took
    assert len(outcome) == 1 and isinstance(outcome[0], CancelledError), outcome
    assert not [r for r in caplog.records if r.levelno > logging.DEBUG], caplog.text
    assert v2.requests(JOIN) == []
    assert {t for t in threading.enumerate() if t.is_alive()} <= before


def test_close_during_a_stalled_check_async(
    gen: ModuleType, v2: FaultProxy, caplog: pytest.LogCaptureFixture
) -> None:
    v2.add(Rule("/config", "stall", seconds=30))

    async def main() -> float:
        client = gen.AsyncDriftV1(v2.url)
        task = asyncio.ensure_future(client.reverse("abc"))
        for _ in range(500):
            if v2.requests("/config"):
                break
            await asyncio.sleep(0.01)
        t0 = time.monotonic()
        await client.aclose()
        with pytest.raises(CancelledError):
            await asyncio.wait_for(task, 5)
        return time.monotonic() - t0

    with caplog.at_level(logging.DEBUG, "gradio_gen"):
        took = asyncio.run(asyncio.wait_for(main(), 30))
    assert took < 3, took
    assert not [r for r in caplog.records if r.levelno > logging.DEBUG], caplog.text
    assert v2.requests(JOIN) == []


# -- restarts --------------------------------------------------------------------------------


def test_app_replaced_is_rechecked_after_the_recheck_interval(
    gen: ModuleType, drift_apps: RunningApps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """v1 is replaced by v2 behind the same URL. Once the check is older than
    RECHECK_AFTER, the next join first asks /app_id (a few bytes), sees a new app, reads
    /config (and /info) again and routes the call."""
    with FaultProxy(drift_apps["drift_v1"]) as proxy, gen.DriftV1(proxy.url) as client:
        assert client.reverse("abc") == "reverse cba"
        assert client.reverse("abc") == "reverse cba"
        assert paths(proxy).count("/config") == 1 and "/gradio_api/app_id" not in paths(proxy)
        proxy.set_upstream(drift_apps["drift_v2"], cut=True)
        monkeypatch.setattr(_live, "RECHECK_AFTER", 0.0)
        seen = len(proxy.log)
        with pytest.warns(DriftWarning):
            assert client.reverse("abc") == "reverse cba"  # not WRONG FUNCTION
        after = paths(proxy)[seen:]
        assert after[:2] == ["/gradio_api/app_id", "/config"], after
        assert "/gradio_api/info" in after and after.index(JOIN) > after.index("/config")
        assert client.add(2) == 2


def test_a_failed_call_triggers_a_recheck(gen: ModuleType, drift_apps: RunningApps) -> None:
    """A call failing the way a restart makes calls fail (here the gateway answers 502 while
    the app restarts) marks the facts suspect: the very next join re-checks, without waiting
    for RECHECK_AFTER, and the app came back as v2."""
    with FaultProxy(drift_apps["drift_v1"]) as proxy, gen.DriftV1(proxy.url) as client:
        assert client.reverse("abc") == "reverse cba"
        proxy.add(Rule("/queue/join", "status", status=502))
        with pytest.raises(HTTPStatusError, match="502"):
            client.reverse("abc")
        proxy.set_upstream(drift_apps["drift_v2"], cut=True)
        seen = len(proxy.log)
        with pytest.warns(DriftWarning):
            assert client.reverse("abc") == "reverse cba"
        assert paths(proxy)[seen : seen + 2] == ["/gradio_api/app_id", "/config"]


def test_facts_are_not_shared_across_credentials(gen: ModuleType, drift_apps: RunningApps) -> None:
    """A client with other credentials (headers here) checks for itself: a gateway may
    route by credentials to another app."""
    with FaultProxy(drift_apps["drift_v1"]) as proxy:
        with gen.DriftV1(proxy.url) as a, gen.DriftV1(proxy.url, headers={"x-key": "b"}) as b:
            assert a.reverse("x") == b.reverse("x") == "reverse x"
        assert paths(proxy).count("/config") == 2


def test_no_stderr_noise_on_a_successful_run(
    gen: ModuleType, drift_apps: RunningApps, tmp_path: Path
) -> None:
    """Issue 16, point 5: a program using a generated client prints nothing on stderr."""
    import subprocess
    import sys

    module = Path(gen.__file__ or "")
    script = tmp_path / "use.py"
    script.write_text(
        "import logging, sys\n"
        f"sys.path.insert(0, {str(module.parent)!r})\n"
        "logging.basicConfig(level=logging.WARNING)\n"
        f"from {module.stem} import DriftV1\n"
        f"with DriftV1({drift_apps['drift_v1']!r}) as c:\n"
        "    assert c.reverse('abc') == 'reverse cba'\n"
        f"c = DriftV1({drift_apps['drift_v1']!r})\n"
        "assert c.shout('a') == 'shout A'\n"
        "c.close()\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_an_older_gradio_release(tmp_path: Path) -> None:
    """gradio 5.9.1 (sse_v3 too): the wire view of its /config confirms what its /info said
    (one request), and the inserted listener is never reached."""
    from tests.legacy.venvs import venv_python

    with launch(["drift_v1", "drift_v2"], python=venv_python("5.9.1")) as old:
        path = tmp_path / "old_client.py"
        assert cli.main([old["drift_v1"], "-o", str(path), "-q"]) == 0
        module = import_module_file(path)
        with FaultProxy(old["drift_v1"]) as same, module.DriftV1(same.url) as client:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                assert client.reverse("abc") == "reverse cba"
            assert before_first_join(same) == ["/config"]
        with FaultProxy(old["drift_v2"]) as changed, module.DriftV1(changed.url) as client:
            with pytest.warns(DriftWarning):
                assert client.reverse("abc") == "reverse cba"
            assert client.shout("abc") == "shout ABC"
            assert before_first_join(changed) == ["/config", "/gradio_api/info"]


def test_untyped_map_rows_are_confirmed(gen: ModuleType, v2: FaultProxy) -> None:
    """``Client.map`` binds its rows before any check; each join still carries the live
    mapping (a moved fn_index followed), or fails typed when the call changed shape."""
    with Client(v2.url, snapshot=v1_snapshot(gen)) as client:
        out = list(client.map("/reverse", [("ab",), ("cd",), ("ef",)], concurrency=2))
        assert out == ["reverse ba", "reverse dc", "reverse fe"]
    with Client(v2.url, snapshot=v1_snapshot(gen)) as client:
        rows = list(client.map("/shout", [("a",), ("b",)], return_exceptions=True))
        assert all(isinstance(r, DriftError) for r in rows), rows  # bound for 1 parameter
        assert client.predict("/shout", "a") == "shout A"  # bound again: works

    async def main() -> list[Any]:
        async with AsyncClient(v2.url, snapshot=v1_snapshot(gen)) as ac:
            return [r async for r in ac.map("/reverse", [("ab",), ("cd",)])]

    assert asyncio.run(asyncio.wait_for(main(), 60)) == ["reverse ba", "reverse dc"]


def test_the_client_follows_an_upgraded_gradio(gen: ModuleType, tmp_path: Path) -> None:
    """The same app on gradio 4.21 (protocol sse_v2.1, no API prefix) and 6.31 (sse_v3,
    /gradio_api): a compatible change (protocol_changed, api_prefix_changed); the client
    generated from either speaks the other's protocol and routes, from the first call on."""
    from tests.legacy.venvs import venv_python

    with launch(["drift_v1"], python=venv_python("4.21.0")) as old, launch(["drift_v1"]) as new:
        path = tmp_path / "old_client.py"
        assert cli.main([old["drift_v1"], "-o", str(path), "-q"]) == 0
        clients = [
            import_module_file(path).DriftV1(new["drift_v1"]),  # generated on 4.21, on 6.31
            gen.DriftV1(old["drift_v1"]),  # generated on 6.31, on 4.21
        ]
        for client in clients:
            with client, warnings.catch_warnings():
                # 4.21's /info has no parameter names: they are derived from the labels
                # ("text"), 6.31 names them after the function ("t"): a rename, followed
                warnings.simplefilter("ignore", DriftWarning)
                assert client.reverse("abc") == "reverse cba"
                assert client.add(2) == 2 and client.add(3) == 5
                diff = client.check_drift()
            assert diff is not None
            app = {c.kind: c.severity for c in diff if not c.endpoint}
            assert app["protocol_changed"] == app["api_prefix_changed"] == "compatible", app
