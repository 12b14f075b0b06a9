"""The pure protocol core: SSE framing, message parsing, edits. No server."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from gradio_gen_runtime import ProtocolError
from gradio_gen_runtime._protocol._diff import apply_edits
from gradio_gen_runtime._protocol._messages import (
    CloseStream,
    Estimation,
    Heartbeat,
    InvalidMessage,
    Log,
    ProcessCompleted,
    ProcessGenerating,
    ProcessStreaming,
    Progress,
    UnexpectedError,
    UnknownMessage,
    parse_message,
)
from gradio_gen_runtime._protocol._sse import SSEDecoder
from hypothesis import given, settings
from hypothesis import strategies as st

# -- SSE ----------------------------------------------------------------------------------


def decode_all(chunks: list[bytes]) -> list[str]:
    decoder = SSEDecoder()
    out: list[str] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    return out


def test_sse_basic_framing_and_comments() -> None:
    stream = b': comment\ndata: {"a": 1}\n\nevent: x\nid: 3\nretry: 5\ndata:two\n\n'
    assert decode_all([stream]) == ['{"a": 1}', "two"]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_sse_line_endings_and_multiline_data(eol: bytes) -> None:
    stream = b"data: one" + eol + b"data:  two" + eol + eol + b"data" + eol + eol
    assert decode_all([stream]) == ["one\n two", ""]


def test_sse_crlf_split_between_chunks_is_one_line_end() -> None:
    assert decode_all([b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"]) == ["a", "b"]


def test_sse_unterminated_event_is_not_dispatched() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: partial") == ["a"]
    assert decoder.pending


def test_sse_utf8_split_inside_a_character() -> None:
    data = "data: héllo ✓\n\n".encode()
    assert decode_all([data[:8], data[8:9], data[9:]]) == ["héllo ✓"]


payload_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(
    payloads=st.lists(st.lists(payload_text, min_size=1, max_size=3), max_size=8),
    eol=st.sampled_from(["\n", "\r\n", "\r"]),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=10),
    comments=st.booleans(),
)
def test_sse_any_chunking_gives_the_same_payloads(
    payloads: list[list[str]], eol: str, cuts: list[int], comments: bool
) -> None:
    text = ""
    for lines in payloads:
        if comments:
            text += ": keep-alive" + eol
        text += "".join(f"data: {line}{eol}" for line in lines) + eol
    raw = text.encode()
    points = sorted({c % (len(raw) + 1) for c in cuts})
    chunks = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    assert decode_all(chunks) == ["\n".join(lines) for lines in payloads]


def _reference_lf(raw: bytes) -> list[str]:
    """The WHATWG rules for LF-only input, written independently of ``SSEDecoder``."""
    out: list[str] = []
    data: list[str] | None = None
    *lines, _unterminated = raw.split(b"\n")
    for line in lines:
        if not line:
            if data is not None:
                out.append("\n".join(data))
            data = None
            continue
        name, colon, value = line.partition(b":")
        if line.startswith(b":") or name != b"data":
            continue
        if colon and value.startswith(b" "):
            value = value[1:]
        data = [*(data or []), value.decode("utf-8", errors="replace")]
    return out


sse_line = st.sampled_from(
    [b"data: x", b"data:y", b"data", b"data:", b"data:  two", b"dataX: no", b"event: e",
     b"id: 1", b": comment", b"", b"", b"retry: 5", b"data: \xc3\xa9"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(sse_line, max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=10),
)
def test_sse_lf_fast_path_follows_the_rules(lines: list[bytes], cuts: list[int]) -> None:
    """LF-only chunks take ``_feed_lf``; mixed chunkings switch between it and the general
    path (an unfinished line goes through the general one): same payloads as the rules."""
    raw = b"".join(line + b"\n" for line in lines)
    points = sorted({c % (len(raw) + 1) for c in cuts})
    chunks = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    assert decode_all(chunks) == _reference_lf(raw)


# -- messages -----------------------------------------------------------------------------


def msg(**fields: Any) -> str:
    return json.dumps(fields)


def test_parse_catalogue() -> None:
    assert parse_message(msg(msg="heartbeat", event_id=None)) == Heartbeat()
    assert parse_message(msg(msg="close_stream", event_id=None)) == CloseStream()
    est = parse_message(msg(msg="estimation", event_id="e", rank=1, queue_size=3, rank_eta=2.5))
    assert est == Estimation("e", 1, 3, 2.5)
    prog = parse_message(
        msg(
            msg="progress",
            event_id="e",
            progress_data=[
                {"index": 1, "length": 3, "unit": "steps", "progress": None, "desc": "L"}
            ],
        )
    )
    assert isinstance(prog, Progress) and prog.units[0].length == 3 and prog.units[0].desc == "L"
    log = parse_message(
        msg(
            msg="log",
            event_id="e",
            log="w",
            level="warning",
            duration=10.0,
            visible=True,
            title="T",
        )
    )
    assert isinstance(log, Log) and log.log.title == "T" and log.log.level == "warning"
    gen = parse_message(
        msg(msg="process_generating", event_id="e", output={"data": ["x"]}, success=True)
    )
    assert gen == ProcessGenerating("e", ["x"], None)
    stream = parse_message(
        msg(msg="process_streaming", event_id="e", output={"data": [1]}, time_limit=9)
    )
    assert stream == ProcessStreaming("e", [1], 9.0)
    done = parse_message(
        msg(msg="process_completed", event_id="e", output={"data": [1]}, success=True)
    )
    assert isinstance(done, ProcessCompleted) and done.outcome == "success"
    cancelled = parse_message(msg(msg="process_completed", event_id="e", output={}, success=True))
    assert isinstance(cancelled, ProcessCompleted) and cancelled.outcome == "cancelled"
    err = parse_message(
        msg(msg="process_completed", event_id="e", output={"error": None}, success=False)
    )
    assert isinstance(err, ProcessCompleted) and err.outcome == "error"
    unexpected = parse_message(
        msg(msg="unexpected_error", event_id=None, message="404: Not Found", session_not_found=True)
    )
    assert unexpected == UnexpectedError("404: Not Found", True)
    unknown = parse_message(msg(msg="brand_new", event_id="e", x=1))
    assert (
        isinstance(unknown, UnknownMessage)
        and unknown.msg == "brand_new"
        and unknown.event_id == "e"
    )


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        "[1, 2]",
        "null",
        msg(event_id="e"),
        msg(msg="estimation", event_id=3),
        msg(msg="estimation", event_id="e", rank="first"),
        msg(msg="process_generating", event_id="e", output={"data": "x"}),
        msg(msg="process_generating", event_id="e", output=[]),
        msg(msg="process_completed", event_id="e", success="yes", output={}),
        msg(msg="progress", event_id="e", progress_data={"index": 1}),
    ],
)
def test_malformed_messages_become_invalid_message(payload: str) -> None:
    parsed = parse_message(payload)
    assert isinstance(parsed, InvalidMessage)
    assert isinstance(parsed.error, ProtocolError)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(
        [
            "estimation",
            "process_starts",
            "progress",
            "log",
            "process_generating",
            "process_streaming",
            "process_completed",
            "heartbeat",
            "close_stream",
            "unexpected_error",
            "other",
        ]
    ),
    fields=st.dictionaries(
        st.sampled_from(
            [
                "event_id",
                "rank",
                "queue_size",
                "rank_eta",
                "eta",
                "progress_data",
                "log",
                "level",
                "duration",
                "visible",
                "title",
                "output",
                "success",
                "time_limit",
                "message",
                "session_not_found",
            ]
        ),
        json_values,
    ),
)
def test_parse_never_raises(kind: str, fields: dict[str, Any]) -> None:
    parse_message(json.dumps({"msg": kind, **fields}))


# -- edits --------------------------------------------------------------------------------


def test_edits_from_the_protocol_doc() -> None:
    assert apply_edits("abc", [["append", [], "def"]]) == "abcdef"
    assert apply_edits("abc", [["replace", [], "xyz"]]) == "xyz"
    assert apply_edits({"a": 1, "b": 2}, [["delete", ["b"], None], ["add", ["c"], 3]]) == {
        "a": 1,
        "c": 3,
    }
    assert apply_edits(
        [1, 2, 3, 4], [["replace", [1], 9], ["delete", [2], None], ["delete", [2], None]]
    ) == [1, 9]
    assert apply_edits(None, [["replace", [], "x"]]) == "x"
    chat = [{"role": "user", "content": [{"text": "hey"}]}]
    chat2 = apply_edits(chat, [["add", [1], {"role": "assistant", "content": [{"text": "Hi"}]}]])
    chat3 = apply_edits(chat2, [["append", [1, "content", 0, "text"], " there"]])
    assert chat3[1]["content"][0]["text"] == "Hi there"
    assert chat2[1]["content"][0]["text"] == "Hi"  # earlier values are never mutated
    assert len(chat) == 1


@pytest.mark.parametrize(
    ("value", "edits"),
    [
        ("abc", [["explode", [], 1]]),
        ([1], [["replace", [5], 0]]),
        ([1], [["delete", [-2], None]]),
        ({"a": 1}, [["delete", ["b"], None]]),
        ("abc", [["append", [], 1]]),
        ("abc", [["replace", [0], "x"]]),
        ([1], [["replace", ["0"], 0]]),
        ([1], "not a list"),
        ([1], [["replace"]]),
        ([1], [["add", [], 1]]),
    ],
)
def test_bad_edits_raise_protocol_error(value: Any, edits: Any) -> None:
    with pytest.raises(ProtocolError):
        apply_edits(value, edits)


@settings(max_examples=300, deadline=None)
@given(old=json_values, new=json_values)
def test_edits_of_gradios_differ_apply_like_gradio_client(old: Any, new: Any) -> None:
    """For whatever the server's differ emits, we compute what gradio_client computes
    (gradio's differ mis-indexes some nested list deletes; both clients then agree on the
    same value), and that is ``new`` whenever the differ is right."""
    from gradio.utils import diff
    from gradio_client.utils import apply_diff

    before = copy.deepcopy(old)
    edits = json.loads(json.dumps(diff(copy.deepcopy(old), new)))  # as sent on the wire
    try:
        expected = apply_diff(old, edits)
    except (IndexError, KeyError, TypeError, ValueError):
        with pytest.raises(ProtocolError):
            apply_edits(old, edits)
        return
    assert apply_edits(old, edits) == expected
    assert old == before  # never mutated


@settings(max_examples=200, deadline=None)
@given(
    old=st.dictionaries(st.text(max_size=3), st.text(max_size=5), max_size=4) | st.text(max_size=8),
    new=st.dictionaries(st.text(max_size=3), st.text(max_size=5), max_size=4) | st.text(max_size=8),
)
def test_edits_reproduce_new_value_for_texts_and_flat_dicts(old: Any, new: Any) -> None:
    from gradio.utils import diff

    assert apply_edits(old, json.loads(json.dumps(diff(copy.deepcopy(old), new)))) == new


def test_sse_big_message_in_many_chunks_is_linear() -> None:
    import time

    payload = "x" * 8_000_000
    raw = f"data: {payload}\n\n".encode()
    decoder = SSEDecoder()
    started = time.perf_counter()
    out: list[str] = []
    for i in range(0, len(raw), 16_384):
        out.extend(decoder.feed(raw[i : i + 16_384]))
    assert out == [payload]
    assert time.perf_counter() - started < 2.0  # quadratic re-joining took tens of seconds
