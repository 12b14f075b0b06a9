"""Hostile session streams: whatever a server sends, the affected call gets a ProtocolError,
the reader never crashes and no other call hangs or changes.

Two layers: the pure protocol core (``Session``) under hypothesis, then a live ``Client`` /
``AsyncClient`` with several pending calls fed by a fake server (``httpx.MockTransport``)
whose stream mixes valid messages, session-level garbage and one hostile message for one
call, split into arbitrary chunks.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from gradio_gen_runtime import AsyncClient, Client, ProtocolError
from gradio_gen_runtime._protocol._session import Session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.generator._util import minimal_app, param, ret

from ._health import Baseline

EVENTS = ["e0", "e1", "e2"]
VICTIM = "e1"
HUGE = "x" * (2 << 20)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
not_bool = json_values.filter(lambda v: not isinstance(v, bool))
not_list = json_values.filter(lambda v: not isinstance(v, list))
not_dict = json_values.filter(lambda v: not isinstance(v, dict))
not_number = json_values.filter(
    lambda v: v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)))
)


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def start_generating(event_id: str) -> str:
    return dumps({"msg": "process_generating", "event_id": event_id, "success": True,
                  "output": {"data": [{"text": "a", "items": [1, 2]}]}})  # fmt: skip


@st.composite
def hostile_for(draw: st.DrawFn, event_id: str) -> list[str]:
    """Payloads that break the protocol for ``event_id`` (after it started generating)."""
    e = event_id
    kind = draw(st.sampled_from([
        "completed_success", "completed_output", "completed_data", "generating_output",
        "generating_data", "estimation_rank", "progress_data", "bad_edit_path", "bad_edit_op",
        "bad_edit_shape", "huge_then_bad_edit", "event_id_type",
    ]))  # fmt: skip
    if kind == "completed_success":
        bad = {"msg": "process_completed", "event_id": e, "success": draw(not_bool)}
    elif kind == "completed_output":
        bad = {
            "msg": "process_completed",
            "event_id": e,
            "success": True,
            "output": draw(not_dict.filter(lambda v: v is not None)),
        }
    elif kind == "completed_data":
        bad = {
            "msg": "process_completed",
            "event_id": e,
            "success": True,
            "output": {"data": draw(not_list)},
        }
    elif kind == "generating_output":
        bad = {"msg": "process_generating", "event_id": e, "output": draw(not_dict)}
    elif kind == "generating_data":
        bad = {"msg": "process_generating", "event_id": e, "output": {"data": draw(not_list)}}
    elif kind == "estimation_rank":
        bad = {
            "msg": "estimation",
            "event_id": e,
            "rank": draw(not_number.filter(lambda v: not isinstance(v, float))),
        }
    elif kind == "progress_data":
        bad = {
            "msg": "progress",
            "event_id": e,
            "progress_data": draw(not_list.filter(lambda v: v is not None)),
        }
    elif kind == "bad_edit_path":
        path = draw(
            st.sampled_from(
                [[5], ["nope", 0], [0, "missing", "deeper"], [0, "items", 9], [0, "text", 0], [-1]]
            )
        )
        bad = {
            "msg": "process_generating",
            "event_id": e,
            "output": {"data": [[["replace", path, 1]]]},
        }
    elif kind == "bad_edit_op":
        op = draw(
            st.text(max_size=10).filter(lambda s: s not in ("replace", "append", "add", "delete"))
        )
        bad = {
            "msg": "process_generating",
            "event_id": e,
            "output": {"data": [[[op, ["text"], "z"]]]},
        }
    elif kind == "bad_edit_shape":
        edits = draw(
            st.sampled_from(
                [
                    5,
                    "x",
                    [5],
                    [["replace"]],
                    [["append", ["items"], "str"]],
                    [["replace", "text", 1]],
                ]
            )
        )
        bad = {"msg": "process_generating", "event_id": e, "output": {"data": [edits]}}
    elif kind == "huge_then_bad_edit":
        return [
            dumps({"msg": "log", "event_id": e, "log": HUGE, "level": "info"}),
            dumps({"msg": "process_generating", "event_id": e, "output": {"data": [[["append", ["text"], HUGE], ["delete", ["gone"], None]]]}}),
        ]  # fmt: skip
    else:
        bad = {"msg": "process_completed", "event_id": e, "success": "yes", "output": {"data": [1]}}
    return [dumps(bad)]


noise = st.one_of(
    st.text(max_size=40).filter(lambda s: "\n" not in s and "\r" not in s),  # mostly not JSON
    json_values.filter(lambda v: not isinstance(v, dict)).map(dumps),
    st.builds(  # unknown kinds, for anyone (ignored)
        lambda kind, eid, extra: dumps({"msg": kind, "event_id": eid, "x": extra}),
        st.text(min_size=1, max_size=12).filter(
            lambda s: (
                s
                not in {
                    "heartbeat",
                    "close_stream",
                    "estimation",
                    "process_starts",
                    "progress",
                    "log",
                    "process_generating",
                    "process_streaming",
                    "process_completed",
                    "unexpected_error",
                }
            )
        ),
        st.sampled_from([None, *EVENTS, "unknown-id"]),
        json_values,
    ),
    st.builds(  # known kinds without a usable event id
        lambda kind, eid: dumps(
            {"msg": kind, "event_id": eid, "output": {"data": ["zz"]}, "success": True}
        ),
        st.sampled_from(["process_completed", "process_generating", "estimation", "log"]),
        st.sampled_from([None, 5, [], {"id": "e0"}]),
    ),
    st.just(dumps({"msg": "heartbeat", "event_id": None})),
    st.just(
        dumps(
            {
                "msg": "process_completed",
                "event_id": "never-joined",
                "success": True,
                "output": {"data": [0]},
            }
        )
    ),
)


def completed(event_id: str) -> str:
    return dumps({"msg": "process_completed", "event_id": event_id, "success": True,
                  "output": {"data": [f"result-{event_id}"]}})  # fmt: skip


# -- the pure core --------------------------------------------------------------------------


@given(st.data())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_core_hostile_message_fails_only_its_event(data: st.DataObject) -> None:
    core = Session()
    records = {e: core.register(e, fn_index=0)[0] for e in EVENTS}
    for e in EVENTS:
        core.receive(start_generating(e))
    before = {e: (len(r.updates), r.values) for e, r in records.items() if e != VICTIM}
    for payload in data.draw(st.lists(noise, max_size=8)):
        core.receive(payload)
    for payload in data.draw(hostile_for(VICTIM)):
        effects = core.receive(payload)  # never raises
        assert set(effects.touched) <= {VICTIM}
    victim = records[VICTIM]
    assert victim.done and victim.outcome == "error"
    assert isinstance(victim.error, ProtocolError), victim.error
    for e, (n_updates, values) in before.items():
        assert not records[e].done and records[e].values == values
        assert len(records[e].updates) == n_updates
    for e in EVENTS:
        if e != VICTIM:
            core.receive(completed(e))
            assert records[e].outcome == "success" and records[e].result == [f"result-{e}"]
    assert victim.outcome == "error"  # ends exactly once
    assert not core.pending


@given(st.lists(st.one_of(noise, st.text(max_size=200)), max_size=30))
@settings(max_examples=300, deadline=None)
def test_core_never_raises_and_every_event_ends_once(payloads: list[str]) -> None:
    core = Session()
    records = [core.register(e, fn_index=i)[0] for i, e in enumerate(EVENTS)]
    ended: dict[str, Any] = {}
    for payload in payloads:
        core.receive(payload)
        for r in records:
            if r.done:
                ended.setdefault(r.event_id, (r.outcome, r.error))
                assert ended[r.event_id] == (r.outcome, r.error)
    core.stream_ended()
    assert all(r.done for r in records) and not core.pending


def test_huge_payload_decodes_in_linear_time() -> None:
    from gradio_gen_runtime._protocol._sse import SSEDecoder

    body = b"data: " + completed("e0").replace("result-e0", "y" * (30 << 20)).encode() + b"\n\n"
    decoder = SSEDecoder()
    started = time.monotonic()
    out = [p for i in range(0, len(body), 16384) for p in decoder.feed(body[i : i + 16384])]
    assert len(out) == 1 and len(out[0]) > 30 << 20
    assert time.monotonic() - started < 10  # was quadratic: minutes


# -- a live client fed by a fake server ------------------------------------------------------


def stream_body(payloads: list[str]) -> bytes:
    return b"".join(b"data: " + p.encode() + b"\n\n" for p in payloads)


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % max(1, len(body)) for c in cuts} | {0, len(body)})
    return [body[a:b] for a, b in itertools.pairwise(points) if b > a]


class FakeApp:
    """Answers joins with e0, e1, e2; the stream waits for all three joins, then sends
    ``payloads`` in ``chunks``."""

    def __init__(self, payloads: list[str], cuts: list[int]) -> None:
        self.chunks = split(stream_body(payloads), cuts)
        self.joins = 0
        self.joined = threading.Event()
        self.streams = 0

    def join(self) -> httpx.Response:
        event_id = EVENTS[self.joins]
        self.joins += 1
        if self.joins == len(EVENTS):
            self.joined.set()
        return httpx.Response(200, json={"event_id": event_id})

    def sync_handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/queue/join"):
            return self.join()
        if request.url.path.endswith("/queue/data"):
            self.streams += 1

            def body() -> Iterator[bytes]:
                assert self.joined.wait(10)
                yield from self.chunks

            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=body()
            )
        return httpx.Response(200, json={})  # /cancel

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/queue/join"):
            return self.join()
        if request.url.path.endswith("/queue/data"):
            self.streams += 1

            async def body() -> AsyncIterator[bytes]:
                for _ in range(1000):
                    if self.joined.is_set():
                        break
                    await asyncio.sleep(0.01)
                for chunk in self.chunks:
                    yield chunk

            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=body()
            )
        return httpx.Response(200, json={})


def snapshot() -> dict[str, Any]:
    text = {"type": "string"}
    return minimal_app({"/echo": {"parameters": [param("x", text)], "returns": [ret("y", text)]}})


@st.composite
def hostile_streams(draw: st.DrawFn) -> tuple[list[str], list[int]]:
    payloads = [start_generating(e) for e in EVENTS]
    payloads += draw(st.lists(noise, max_size=6))
    payloads += draw(hostile_for(VICTIM))
    payloads += draw(st.lists(noise, max_size=6))
    payloads += [completed("e0"), completed("e2"), dumps({"msg": "close_stream", "event_id": None})]
    cuts = draw(st.lists(st.integers(min_value=0, max_value=1 << 24), max_size=12))
    return payloads, cuts


def check_outcomes(results: dict[str, Any]) -> None:
    assert results["e0"] == "result-e0" and results["e2"] == "result-e2"
    assert isinstance(results[VICTIM], ProtocolError), results[VICTIM]


@given(hostile_streams())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_live_sync_client_survives_hostile_stream(stream: tuple[list[str], list[int]]) -> None:
    baseline = Baseline()
    app = FakeApp(*stream)
    with Client(
        "http://fake.test/",
        snapshot=snapshot(),
        trust_snapshot=True,  # this fake serves only the stream (no /config to check)
        transport=httpx.MockTransport(app.sync_handler),
    ) as client:
        jobs = {e: client.submit("/echo", e) for e in EVENTS}
        results: dict[str, Any] = {}
        for e, job in jobs.items():
            try:
                results[e] = job.result(timeout=10)
            except ProtocolError as exc:
                results[e] = exc
        check_outcomes(results)
        assert [j.event_id for j in jobs.values()] == EVENTS
    baseline.check()


@given(hostile_streams())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_live_async_client_survives_hostile_stream(stream: tuple[list[str], list[int]]) -> None:
    app = FakeApp(*stream)

    async def main() -> dict[str, Any]:
        async with AsyncClient(
            "http://fake.test/",
            snapshot=snapshot(),
            trust_snapshot=True,
            transport=httpx.MockTransport(app.async_handler),
        ) as client:
            jobs = {e: await client.submit("/echo", e) for e in EVENTS}

            async def outcome(job: Any) -> Any:
                try:
                    return await job.result(timeout=10)
                except ProtocolError as exc:
                    return exc

            results = await asyncio.gather(*(outcome(j) for j in jobs.values()))
            return dict(zip(jobs, results, strict=True))

    check_outcomes(asyncio.run(asyncio.wait_for(main(), 30)))


@pytest.mark.parametrize(
    "garbage", [b"\xff\xfe\x00data: {\n\n", b"data: " + b"\x80" * 100 + b"\n\n", b"\r\r\r\n\n"]
)
def test_undecodable_bytes_in_stream(garbage: bytes) -> None:
    app = FakeApp([], [])
    valid = [completed("e0"), start_generating("e1"), completed("e1"), completed("e2")]
    app.chunks = [garbage, stream_body([*valid, dumps({"msg": "close_stream", "event_id": None})])]
    transport = httpx.MockTransport(app.sync_handler)
    with Client(
        "http://fake.test/", snapshot=snapshot(), trust_snapshot=True, transport=transport
    ) as client:
        jobs = [client.submit("/echo", e) for e in EVENTS]
        assert [j.result(timeout=10) for j in jobs] == [f"result-{e}" for e in EVENTS]
