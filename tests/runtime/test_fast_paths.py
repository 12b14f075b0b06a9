"""The streaming fast paths give what the general paths give, for any input.

Each per-token shortcut (issue 14's streaming CPU target) keeps one logic with its general
path; these tests hold them to it:

* ``_messages.decode``: ``json.loads``, value for value and error for error;
* ``_messages.output_parts``: only well-formed ``process_generating`` payloads, with the
  fields ``parse_object`` reads;
* ``Session.receive``'s generator-output path: a session fed random message sequences (every
  protocol's dialect) ends in the same records and effects as one whose payloads all take
  the general path (``parse_object`` + ``_route``);
* ``SSEDecoder``'s whole-event chunk: the same payloads as the line-by-line rules;
* the typed layer's ``_output_shaper``: ``_shape_output``'s result (or error) for every
  endpoint of the generated examples.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from gradio_gen_runtime._protocol import _session
from gradio_gen_runtime._protocol._dialect import DIALECTS, Dialect
from gradio_gen_runtime._protocol._events import Effects, EventRecord
from gradio_gen_runtime._protocol._messages import (
    ProcessGenerating,
    decode,
    output_parts,
    parse_object,
)
from gradio_gen_runtime._protocol._session import Session
from gradio_gen_runtime._protocol._sse import SSEDecoder
from gradio_gen_runtime._spec import AppSpec
from gradio_gen_runtime._typed._generated import Endpoint, _output_shaper, _shape_output
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


# -- decode ----------------------------------------------------------------------------------


@given(
    value=json_values,
    before=st.sampled_from(["", " ", "\n", "\ufeff", "x"]),
    after=st.sampled_from(["", " ", "\t\n", "x", "}", "{}"]),
    cut=st.integers(min_value=0, max_value=50),
)
def test_decode_is_json_loads(value: Any, before: str, after: str, cut: int) -> None:
    text = json.dumps(value)
    for payload in (before + text + after, text[:cut], text):
        try:
            expected: Any = ("ok", json.loads(payload))
        except ValueError as exc:
            expected = ("error", type(exc), str(exc))
        try:
            got: Any = ("ok", decode(payload))
        except ValueError as exc:
            got = ("error", type(exc), str(exc))
        assert got == expected


# -- output_parts ----------------------------------------------------------------------------

fields = st.fixed_dictionaries(
    {"msg": st.sampled_from(["process_generating"] * 4 + ["process_completed", "log", 3])},
    optional={
        "event_id": st.none() | st.text(max_size=3) | st.integers() | st.booleans(),
        "output": st.fixed_dictionaries({"data": st.lists(json_values, max_size=2)})
        | st.fixed_dictionaries({"data": json_values})
        | json_values,
        "time_limit": st.none()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.booleans()
        | st.text(max_size=2),
        "success": st.booleans(),
    },
)


@settings(max_examples=400)
@given(obj=fields | json_values)
def test_output_parts_agrees_with_parse_object(obj: Any) -> None:
    parts = output_parts(obj)
    message = parse_object(obj, json.dumps(obj))
    if parts is not None:
        assert isinstance(message, ProcessGenerating)
        assert (message.event_id, message.data) == parts
        assert message.data is parts[1]
    elif isinstance(message, ProcessGenerating):  # left to the general path: allowed, but
        # only for values JSON never produces (the fast path checks exact JSON types)
        pytest.fail(f"a well-formed process_generating was not taken: {obj!r}")


# -- Session.receive -------------------------------------------------------------------------

EVENTS = ["a", "b", "c"]
edit = st.tuples(
    st.sampled_from(["append", "replace", "add", "delete", "bogus"]),
    st.lists(st.integers(min_value=-2, max_value=2) | st.sampled_from(["k", "z"]), max_size=2),
    json_values,
).map(list)
generating_data = st.lists(
    st.lists(edit, max_size=3) | st.text(max_size=3) | json_values, max_size=3
)


def _payload(kind: str, event_id: Any, **extra: Any) -> str:
    return json.dumps({"msg": kind, "event_id": event_id, **extra})


payloads = st.one_of(
    st.builds(
        lambda eid, data, limit: _payload(
            "process_generating", eid, output={"data": data}, success=True, time_limit=limit
        ),
        st.sampled_from([*EVENTS, None, 7]),
        generating_data,
        st.none() | st.integers(0, 5) | st.sampled_from([1.5, "x", True]),
    ),
    st.builds(
        lambda eid, output: _payload("process_generating", eid, output=output),
        st.sampled_from(EVENTS),
        json_values,
    ),
    st.builds(
        lambda eid, data, ok: _payload(
            "process_completed",
            eid,
            output={"data": data} if ok else {"error": "boom"},
            success=ok,
        ),
        st.sampled_from(EVENTS),
        st.lists(json_values, max_size=2),
        st.booleans(),
    ),
    st.builds(lambda eid: _payload("process_starts", eid, eta=None), st.sampled_from(EVENTS)),
    st.builds(
        lambda eid: _payload("estimation", eid, rank=1, queue_size=2, rank_eta=None),
        st.sampled_from(EVENTS),
    ),
    st.sampled_from(
        [
            _payload("close_stream", None),
            _payload("heartbeat", None),
            _payload("brand_new", "a"),
            _payload("send_data", "srv"),
            _payload("send_hash", None),
            "not json",
            " " + _payload("process_starts", "a", eta=None),
            "[1, 2]",
        ]
    ),
)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), payloads),
        st.tuples(st.just("register"), st.sampled_from(EVENTS)),
        st.tuples(st.just("cancel"), st.sampled_from(EVENTS)),
        st.tuples(st.just("end"), st.booleans()),
    ),
    max_size=40,
)


def _record_state(record: EventRecord) -> Any:
    error = record.error
    return (
        record.event_id, record.fn_index, record.status, record.updates, record.outputs,
        record.values, record.outcome, record.result,
        None if error is None else (type(error), str(error)),
        record.server_running, record.deferred_cancel, record.server_event_id,
    )  # fmt: skip


def _effects_state(effects: Effects) -> Any:
    problems = [(type(p), str(p)) for p in effects.problems]
    return (
        sorted(effects.touched), effects.cancels, effects.closed, problems, effects.sends,
        effects.resets, effects.hangup,
    )  # fmt: skip


def _run(dialect: Dialect, steps: list[tuple[str, Any]]) -> Any:
    clock = itertools.count()  # each path must read the clock as often as the other
    session = Session(dialect=dialect, clock=lambda: float(next(clock)))
    records: dict[str, EventRecord] = {}
    seen: list[Any] = []
    for op, arg in steps:
        if op == "register":
            if arg in records or (dialect.per_call and records):
                continue  # a per-call session carries one call
            records[arg], effects = session.register(arg, 0)
        elif op == "receive":
            effects = session.receive(arg)
        elif op == "cancel":
            _, effects = session.cancel(arg)
        else:
            session.stream_opened() if arg else None
            effects = session.stream_ended()
        seen.append(_effects_state(effects))
    seen.append([_record_state(r) for r in records.values()])
    seen.append((session.pending, session.buffering))
    return seen


@pytest.mark.parametrize("protocol", sorted(DIALECTS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=ops)
def test_generator_outputs_take_the_same_path_either_way(
    protocol: str, steps: list[tuple[str, Any]]
) -> None:
    dialect = DIALECTS[protocol]
    fast = _run(dialect, steps)
    general = _run_general(dialect, steps)
    assert fast == general


def _run_general(dialect: Dialect, steps: list[tuple[str, Any]]) -> Any:
    original = _session.output_parts
    _session.output_parts = lambda obj: None  # every payload through parse_object + _route
    try:
        return _run(dialect, steps)
    finally:
        _session.output_parts = original


def test_the_fast_path_is_taken() -> None:
    """The comparison above means something: a yield of a live event skips ``_route``."""
    session = Session()
    record, _ = session.register("e", 0)
    calls: list[Any] = []
    session._route = lambda message, effects: calls.append(message)  # type: ignore[method-assign]
    session.receive(_payload("process_generating", "e", output={"data": ["x"]}))
    session.receive(_payload("process_generating", "e", output={"data": [[["append", [], "y"]]]}))
    assert calls == [] and record.outputs == [["x"], ["xy"]]
    session.receive(_payload("process_starts", "e", eta=None))
    assert len(calls) == 1


# -- SSE ---------------------------------------------------------------------------------------


@given(
    texts=st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                max_size=12),
        max_size=6,
    ),
    junk=st.sampled_from([b"", b": ping\n\n", b"data:x\n", b"data", b"\n"]),
)  # fmt: skip
def test_sse_whole_event_chunks_read_as_line_by_line(texts: list[str], junk: bytes) -> None:
    chunks = [b"data: " + t.encode() + b"\n\n" for t in texts]
    chunks.insert(len(chunks) // 2, junk)
    whole = SSEDecoder()
    got = [p for c in chunks for p in whole.feed(c)]
    bytewise = SSEDecoder()
    data = b"".join(chunks)
    expected = [p for i in range(len(data)) for p in bytewise.feed(data[i : i + 1])]
    assert got == expected
    assert whole.pending == bytewise.pending


# -- typed outputs ---------------------------------------------------------------------------


@functools.cache
def _example(name: str) -> ModuleType:
    path = ROOT / "generated_examples" / name / "client.py"
    spec = importlib.util.spec_from_file_location(f"_fast_paths_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _endpoints() -> list[tuple[str, str]]:
    """Every sync endpoint class of the examples (``name = EndpointAttribute(_XEndpoint,
    "/x")`` in the generated text)."""
    found = []
    for folder in sorted((ROOT / "generated_examples").iterdir()):
        source = folder / "client.py"
        if source.is_file():
            for cls, api in re.findall(
                r"= EndpointAttribute\((_\w+Endpoint), \"(/[^\"]+)\"\)", source.read_text()
            ):
                if not cls.startswith("_Async"):
                    found.append((folder.name, f"{cls}:{api}"))
    return found


outputs = st.lists(
    json_values
    | st.sampled_from(["tok", 3, 2.5, True, None])
    | st.builds(lambda v: {"__type__": "update", "value": v}, json_values)
    | st.just({"__type__": "update", "visible": False}),
    max_size=3,
)


def test_the_examples_have_endpoints_to_compare() -> None:
    assert len(_endpoints()) >= 10  # the property below must not run on an empty set


@pytest.mark.parametrize(("example", "endpoint"), _endpoints())
@settings(max_examples=60, deadline=None)
@given(values=outputs)
def test_output_shaper_is_shape_output(example: str, endpoint: str, values: list[Any]) -> None:
    module = _example(example)
    cls_name, api_name = endpoint.split(":")
    owner = getattr(module, cls_name)
    assert issubclass(owner, Endpoint)
    snapshot = json.loads(module._SNAPSHOT_JSON)
    spec = AppSpec.from_snapshot(snapshot).endpoint(api_name)

    def outcome(fn: Any) -> Any:
        try:
            return ("ok", type(fn()), fn())
        except Exception as exc:  # the same error, both ways
            return ("error", type(exc), str(exc))

    assert outcome(lambda: _output_shaper(owner, spec)(list(values))) == outcome(
        lambda: _shape_output(owner, spec, list(values))
    )
