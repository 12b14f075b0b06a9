"""The process-wide live facts (``_client._live``) and the wire view (``_wireview``), without
a server: single flight across threads and tasks, bounded waits, hand-over when the owner
is closed, shared errors, re-checks; and the wire view against 244 real apps' snapshots."""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gradio_gen_runtime import (
    AppError,
    CancelledError,
    ConnectError,
    HTTPStatusError,
    JobTimeout,
    ProtocolError,
    QueueFullError,
    StreamLostError,
)
from gradio_gen_runtime._client import _live
from gradio_gen_runtime._client._live import LiveApp, LiveFacts, live_app, restart_sign
from gradio_gen_runtime._spec import AppSpec, minimal_snapshot
from gradio_gen_runtime._wireview import wire_mismatches

from tests.servers import CORPUS

CONFIG = {"app_id": 1, "api_prefix": "/gradio_api", "dependencies": [], "components": []}


class Server:
    """Answers the paths a check GETs; counts them; can hold answers until released."""

    def __init__(self, app_id: int = 1) -> None:
        self.app_id = app_id
        self.calls: list[str] = []
        self.release = threading.Event()
        self.release.set()
        self.lock = threading.Lock()
        self.fail: list[BaseException] = []

    def answer(self, path: str) -> Any:
        with self.lock:
            self.calls.append(path)
            if self.fail:
                raise self.fail.pop(0)
        if path == "config":
            return {**CONFIG, "app_id": self.app_id}
        if path == "gradio_api/info":
            return {"named_endpoints": {}}
        if path == "gradio_api/app_id":
            return {"app_id": self.app_id}
        raise AssertionError(path)

    def fetch(self, path: str) -> Any:
        assert self.release.wait(10)
        return self.answer(path)

    async def afetch(self, path: str) -> Any:
        for _ in range(1000):
            if self.release.is_set():
                break
            await asyncio.sleep(0.01)
        return self.answer(path)


def get(app: LiveApp, server: Server, need_info: bool = False, wait: float = 10) -> LiveFacts:
    return app.get(server.fetch, need_info=need_info, deadline=time.monotonic() + wait)


def run_threads(n: int, target: Callable[[], Any]) -> list[Any]:
    out: list[Any] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            result = target()
        except BaseException as exc:
            result = exc
        with lock:
            out.append(result)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not any(t.is_alive() for t in threads)
    return out


def test_twenty_threads_one_fetch() -> None:
    app, server = LiveApp("http://a/"), Server()
    server.release.clear()
    threading.Timer(0.2, server.release.set).start()
    results = run_threads(20, lambda: get(app, server))
    assert server.calls == ["config"]
    assert len({id(r) for r in results}) == 1 and isinstance(results[0], LiveFacts)
    assert get(app, server) is results[0] and server.calls == ["config"]  # current


def test_twenty_tasks_one_fetch_and_threads_share_it() -> None:
    app, server = LiveApp("http://a/"), Server()
    server.release.clear()

    async def main() -> list[LiveFacts]:
        tasks = [
            app.aget(server.afetch, need_info=True, deadline=time.monotonic() + 10)
            for _ in range(20)
        ]
        return await asyncio.gather(*tasks)

    threads_out: list[Any] = []
    waiter = threading.Thread(
        target=lambda: threads_out.extend(run_threads(5, lambda: get(app, server, True)))
    )
    threading.Timer(0.3, server.release.set).start()
    waiter.start()
    results = asyncio.run(asyncio.wait_for(main(), 20))
    waiter.join(20)
    assert server.calls == ["config", "gradio_api/info"]
    assert len({id(r) for r in [*results, *threads_out]}) == 1


def test_a_waiter_times_out_with_a_typed_error() -> None:
    app, server = LiveApp("http://a/"), Server()
    server.release.clear()
    owner = threading.Thread(target=lambda: get(app, server))
    owner.start()
    time.sleep(0.1)
    with pytest.raises(JobTimeout, match="did not finish in time"):
        get(app, server, wait=0.2)
    server.release.set()
    owner.join(10)


def test_an_owner_closed_hands_the_check_over() -> None:
    """The owner's client was closed mid-check: a waiter runs the check itself."""
    app, server = LiveApp("http://a/"), Server()
    started = threading.Event()

    def closing(path: str) -> Any:
        started.set()
        time.sleep(0.2)
        raise CancelledError("the client was closed")

    owner_out: list[Any] = []
    owner = threading.Thread(target=lambda: owner_out.extend(run_threads(1, lambda: app.get(
        closing, need_info=False, deadline=None))))  # fmt: skip
    owner.start()
    assert started.wait(5)
    facts = get(app, server)
    owner.join(10)
    assert isinstance(owner_out[0], CancelledError)
    assert isinstance(facts, LiveFacts) and server.calls == ["config"]


def test_a_failed_check_is_shared_then_retried() -> None:
    app, server = LiveApp("http://a/"), Server()
    server.release.clear()
    server.fail = [ConnectError("refused")]
    threading.Timer(0.2, server.release.set).start()
    results = run_threads(10, lambda: get(app, server))
    assert server.calls == ["config"]
    assert all(isinstance(r, ConnectError) for r in results)
    assert isinstance(get(app, server), LiveFacts)  # errors are not kept
    assert server.calls == ["config", "config"]


def test_recheck_asks_app_id_and_refetches_only_a_new_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, server = LiveApp("http://a/"), Server(app_id=1)
    first = get(app, server, need_info=True)
    monkeypatch.setattr(_live, "RECHECK_AFTER", 0.0)
    same = get(app, server)
    assert same is first and server.calls == ["config", "gradio_api/info", "gradio_api/app_id"]
    server.app_id = 2  # restarted
    new = get(app, server)
    assert new is not first and new.generation == first.generation + 1 and new.info is None
    assert server.calls[-2:] == ["gradio_api/app_id", "config"]


def test_suspect_rechecks_at_once_and_a_missing_route_falls_back() -> None:
    app, server = LiveApp("http://a/"), Server()
    first = get(app, server)
    app.suspect()
    server.fail = [HTTPStatusError("HTTP 404", status_code=404)]  # gradio without /app_id
    again = get(app, server)
    assert server.calls == ["config", "gradio_api/app_id", "config"]
    assert again is not first
    assert get(app, server) is again  # current again


def test_a_sync_call_never_waits_for_a_task_of_its_own_loop() -> None:
    """A sync client used inside a coroutine while an async client's check runs on the
    same loop: waiting would block the loop the check needs; it checks by itself."""
    app, server = LiveApp("http://a/"), Server()

    async def slow(path: str) -> Any:
        await asyncio.sleep(0.3)
        return server.answer(path)

    async def main() -> LiveFacts:
        task = asyncio.ensure_future(app.aget(slow, need_info=False, deadline=None))
        await asyncio.sleep(0.05)
        facts = get(app, server, wait=2)  # would time out if it waited for `task`
        await task
        return facts

    assert isinstance(asyncio.run(asyncio.wait_for(main(), 10)), LiveFacts)
    assert server.calls == ["config", "config"]


def test_async_waiter_times_out_and_malformed_answers_are_typed() -> None:
    app, server = LiveApp("http://a/"), Server()

    async def never(path: str) -> Any:
        await asyncio.sleep(5)

    async def main() -> None:
        owner = asyncio.ensure_future(app.aget(never, need_info=False, deadline=None))
        await asyncio.sleep(0.05)
        with pytest.raises(JobTimeout):
            await app.aget(server.afetch, need_info=False, deadline=time.monotonic() + 0.1)
        owner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await owner

    asyncio.run(asyncio.wait_for(main(), 10))
    with pytest.raises(ProtocolError, match="not a JSON object"):
        app.get(lambda path: [1], need_info=False, deadline=None)


def test_restart_signs() -> None:
    assert restart_sign(ConnectError("refused")) and restart_sign(StreamLostError("gone"))
    assert restart_sign(HTTPStatusError("x", status_code=502))
    assert restart_sign(HTTPStatusError("x", status_code=401))
    assert restart_sign(ProtocolError("garbage"))
    assert not restart_sign(JobTimeout("slow job"))
    assert not restart_sign(QueueFullError("full", status_code=503))
    assert not restart_sign(AppError("the app raised"))


def test_one_live_app_per_root_and_credentials() -> None:
    a = live_app("http://x/", (None, "hf_secret", []))
    assert live_app("http://x/", (None, "hf_secret", [])) is a
    assert live_app("http://x/", (None, "hf_other", [])) is not a
    assert live_app("http://y/", (None, "hf_secret", [])) is not a
    assert "hf_secret" not in repr(list(_live._apps))  # only a hash is kept


# -- the wire view --------------------------------------------------------------------------


def corpus_snapshots() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.glob("*.json") if p.name != "manifest.json")


def test_wire_view_agrees_with_info_on_every_corpus_app() -> None:
    """gradio builds /info from /config plus the function's signature; for every real app
    of the corpus, the wire view of its own /config confirms the snapshot of its /info."""
    files = corpus_snapshots()
    if not files:
        pytest.skip("../shared/corpus is not available")
    checked = 0
    for path in files:
        snap = json.loads(path.read_text())
        try:
            spec = AppSpec.from_snapshot(minimal_snapshot(snap))
        except ProtocolError:
            continue
        if spec.endpoints:
            assert wire_mismatches(spec, snap["config"]) == [], path.name
            checked += 1
    assert checked >= 200


def test_wire_view_sees_each_kind_of_change() -> None:
    path = CORPUS / "demo__calculator.json"
    if not path.is_file():
        pytest.skip("../shared/corpus is not available")
    snap = json.loads(path.read_text())
    spec = AppSpec.from_snapshot(minimal_snapshot(snap))
    name, ep = next(iter(spec.endpoints.items()))
    config = snap["config"]
    dep_at = next(
        i for i, d in enumerate(config["dependencies"]) if "/" + str(d.get("api_name")) == name
    )
    comps = {c["id"]: c for c in config["components"]}
    first_input = config["dependencies"][dep_at]["inputs"][0]

    def changed(edit: Callable[[dict[str, Any]], None]) -> list[str]:
        live = copy.deepcopy(config)
        edit(live)
        return wire_mismatches(spec, live)

    def dep(c: dict[str, Any]) -> dict[str, Any]:
        d: dict[str, Any] = c["dependencies"][dep_at]
        return d

    def comp(c: dict[str, Any]) -> dict[str, Any]:
        return next(x for x in c["components"] if x["id"] == first_input)

    assert comps[first_input]
    assert changed(lambda c: None) == []

    def insert_first(c: dict[str, Any]) -> None:  # as gradio numbers listeners: all shift
        c["dependencies"].insert(0, {"api_name": "new", "inputs": [], "outputs": []})
        for i, d in enumerate(c["dependencies"]):
            d["id"] = i

    assert changed(insert_first)
    assert changed(lambda c: dep(c).update(id=ep.fn_index + 1))
    assert changed(lambda c: dep(c)["inputs"].append(first_input))
    assert changed(lambda c: comp(c).update(type="state"))
    assert changed(lambda c: comp(c)["props"].update(label="renamed"))
    # a default gained is compatible (the client sends its own values): not a wire change
    assert changed(lambda c: comp(c)["props"].update(value=7)) == []
    boolean = {"type": "boolean"}
    assert changed(lambda c: comp(c).update(api_info=boolean, api_info_as_input=boolean))
    assert changed(lambda c: comp(c)["props"].update(name="slider"))
    assert changed(lambda c: dep(c).update(queue=not ep.queue))
    assert changed(lambda c: dep(c).update(types={"generator": not ep.generator}))
    assert changed(lambda c: dep(c).update(connection="stream"))
    assert changed(lambda c: dep(c).update(api_name="other"))
    assert changed(lambda c: c.update(protocol="ws"))
    assert changed(lambda c: c.update(api_prefix="/other"))
    assert wire_mismatches(spec, []) and wire_mismatches(spec, {"dependencies": 1})
    # ids move when the UI gains a component: not a wire change
    assert changed(lambda c: c["components"].append({"id": 12345, "type": "markdown"})) == []


def test_wire_view_sees_a_changed_or_lost_default() -> None:
    path = CORPUS / "demo__blocks_kinematics.json"  # /plot's first parameter defaults to 25
    if not path.is_file():
        pytest.skip("../shared/corpus is not available")
    snap = json.loads(path.read_text())
    spec = AppSpec.from_snapshot(minimal_snapshot(snap))
    assert spec.endpoints["/plot"].parameters[0].default == 25
    dep = next(d for d in snap["config"]["dependencies"] if d.get("api_name") == "plot")
    first = dep["inputs"][0]
    for value in (30, None):
        live = copy.deepcopy(snap["config"])
        comp = next(c for c in live["components"] if c["id"] == first)
        comp["props"]["value"] = value
        assert wire_mismatches(spec, live, ["/plot"]) == [
            "/plot: parameter 'v' (initial value) differs"
        ]
