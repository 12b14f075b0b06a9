"""The protocol core per dialect, fed the transcripts captured from real servers
(legacy-protocols.md: gradio 3.50.2 ws, 4.8.0 sse, 4.16.0 sse_v1, 4.20.1 sse_v2,
4.21.0 sse_v2.1, 4.44.1 sse_v3). No server, no I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gradio_gen_runtime import AppError, CancelledError, QueueFullError, StreamLostError
from gradio_gen_runtime._exceptions import UnsupportedProtocolError
from gradio_gen_runtime._protocol._dialect import DIALECTS, dialect_for
from gradio_gen_runtime._protocol._messages import unquote_error
from gradio_gen_runtime._protocol._session import (
    EMPTY_STREAM_LIMIT,
    ResetRequest,
    Send,
    Session,
)


def j(**fields: Any) -> str:
    return json.dumps(fields)


def feed(s: Session, lines: list[str]) -> list[Any]:
    effects = []
    for line in lines:
        effects.append(s.receive(line))
    return effects


# -- dialect table ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "version", "expected"),
    [
        (None, "3.50.2", "ws"),
        (None, None, "ws"),
        ("sse", "4.8.0", "sse"),
        ("sse_v1", "4.16.0", "sse_v1"),
        ("sse_v2", "4.20.1", "sse_v2"),
        ("sse_v2.1", "4.21.0", "sse_v2.1"),
        ("sse_v3", "4.44.1", "sse_v3"),
        ("sse_v3", "6.31.0", "sse_v3"),
    ],
)
def test_dialect_for(protocol: str | None, version: str | None, expected: str) -> None:
    d = dialect_for(protocol, version)
    assert d.protocol == expected and d.version == version
    legacy = version is None and expected != "sse_v3"
    assert d.quoted_errors == (legacy or (version or "9")[0] < "5")


def test_a_3x_app_without_a_queue_is_called_directly() -> None:
    assert dialect_for(None, "3.50.2", enable_queue=False).transport == "direct"
    assert dialect_for(None, "3.50.2", enable_queue=True).transport == "websocket"
    assert dialect_for("sse_v1", "4.16.0", enable_queue=False).transport == "session_stream"


def test_direct_cancel_says_the_call_runs_to_completion() -> None:
    s = Session(dialect=dialect_for(None, "3.50.2", enable_queue=False))
    record, _ = s.register("d", 0)
    _, effects = s.cancel("d")
    assert "without a queue runs a call to completion" in str(record.error)
    assert effects.resets == []


def test_gradio2_and_unknown_protocols_are_refused_naming_them() -> None:
    with pytest.raises(UnsupportedProtocolError, match=r"2\.9\.4"):
        dialect_for(None, "2.9.4")
    with pytest.raises(UnsupportedProtocolError, match="sse_v9"):
        dialect_for("sse_v9", "7.0.0")


def test_only_sse_v3_cancels_on_the_server() -> None:
    assert [p for p, d in DIALECTS.items() if d.server_cancel] == ["sse_v3"]
    assert {p for p, d in DIALECTS.items() if d.per_call} == {"ws", "sse"}


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("'Custom failure message'", "Custom failure message"),
        ('"it\'s"', "it's"),
        ("'line\\nbreak'", "line\nbreak"),
        ("not quoted", "not quoted"),
        ("'unbalanced", "'unbalanced"),
        ("'a' + 'b'", "'a' + 'b'"),
    ],
)
def test_unquote_error(raw: str, text: str) -> None:
    assert unquote_error(raw) == text


# -- ws (3.50.2) -------------------------------------------------------------------------

WS_CALL = [
    '{"msg":"send_hash"}',
    '{"msg":"estimation","rank":0,"queue_size":1,"avg_event_process_time":0.08,"avg_event_concurrent_process_time":0.08,"rank_eta":0.08,"queue_eta":0.0}',
    '{"msg":"send_data"}',
    '{"msg":"process_starts"}',
    '{"msg":"process_completed","output":{"data":["Hello, Ada!Hello, Ada!"],"is_generating":false,"duration":0.00068,"average_duration":0.00056},"success":true}',
]


def test_ws_call_asks_for_hash_then_data() -> None:
    s = Session(dialect=dialect_for(None, "3.50.2"))
    record, _ = s.register("local1", 0, "/greet")
    s.stream_opened()
    effects = feed(s, WS_CALL)
    assert effects[0].sends == [Send("hash", "local1")]
    assert record.status.code != "pending" or record.done
    assert effects[2].sends == [Send("data", "local1", None)]
    assert record.outcome == "success" and record.result == ["Hello, Ada!Hello, Ada!"]
    assert [u.status.code for u in record.updates] == ["queued", "processing", "done"]
    assert not s.pending and s.stream_ended().touched == set()  # the socket closes: normal


def test_ws_generator_full_values_and_repeated_completion() -> None:
    s = Session(dialect=dialect_for(None, "3.50.2"))
    record, _ = s.register("g", 1)
    feed(s, ['{"msg":"send_hash"}', '{"msg":"send_data"}', '{"msg":"process_starts"}'])
    for v in "012":
        s.receive(
            j(msg="process_generating", output={"data": [v], "is_generating": True}, success=True)
        )
    s.receive(
        j(msg="process_completed", output={"data": ["2"], "is_generating": True}, success=True)
    )
    assert record.outputs == [["0"], ["1"], ["2"]] and record.result == ["2"]


def test_ws_error_is_unquoted_and_hidden_error_is_none() -> None:
    s = Session(dialect=dialect_for(None, "3.50.2"))
    record, _ = s.register("e", 2, "/fail")
    s.receive(
        '{"msg":"process_completed","output":{"error":"\'Custom failure message\'"},"success":false}'
    )
    assert isinstance(record.error, AppError) and record.error.message == "Custom failure message"
    s2 = Session(dialect=dialect_for(None, "3.50.2"))
    r2, _ = s2.register("e", 2)
    s2.receive('{"msg":"process_completed","output":{"error":null},"success":false}')
    assert isinstance(r2.error, AppError) and r2.error.message is None


def test_ws_progress_and_logs() -> None:
    s = Session(dialect=dialect_for(None, "3.50.2"))
    record, _ = s.register("p", 3)
    s.receive(
        '{"msg":"progress","progress_data":[{"index":null,"length":null,"unit":"steps","progress":0.3,"desc":"Starting"}]}'
    )
    s.receive('{"msg":"log","log":"info message","level":"info"}')
    kinds = [u.kind for u in record.updates]
    assert kinds == ["progress", "log"]
    assert record.status.progress[0].progress == 0.3
    assert record.updates[1].log is not None and record.updates[1].log.message == "info message"


def test_ws_queue_full() -> None:
    s = Session(dialect=dialect_for(None, "3.50.2"))
    record, _ = s.register("q", 0)
    feed(s, ['{"msg":"send_hash"}', '{"msg":"queue_full"}'])
    assert isinstance(record.error, QueueFullError) and "3.50.2" in str(record.error)


def test_ws_socket_closing_mid_call_fails_the_call() -> None:
    s = Session(dialect=dialect_for(None, "3.50.2"))
    record, _ = s.register("c", 0)
    feed(s, ['{"msg":"send_hash"}', '{"msg":"send_data"}', '{"msg":"process_starts"}'])
    s.stream_ended()
    assert isinstance(record.error, StreamLostError)


def test_ws_cancel_hangs_up_and_resets_a_generator_only() -> None:
    s = Session(dialect=dialect_for(None, "3.50.2"))
    record, _ = s.register("g", 7)
    feed(s, ['{"msg":"send_hash"}', '{"msg":"send_data"}', '{"msg":"process_starts"}'])
    s.receive(j(msg="process_generating", output={"data": ["0"]}, success=True))
    changed, effects = s.cancel("g")
    assert changed and effects.hangup and effects.resets == [ResetRequest(None, 7)]
    assert effects.cancels == [] and isinstance(record.error, CancelledError)
    s2 = Session(dialect=dialect_for(None, "3.50.2"))
    r2, _ = s2.register("w", 1)
    s2.receive('{"msg":"estimation","rank":1,"queue_size":2}')
    _, effects = s2.cancel("w")
    assert effects.hangup and effects.resets == [] and "cannot" not in str(r2.error)


def test_ws_cancel_of_a_running_function_says_it_keeps_running() -> None:
    s = Session(dialect=dialect_for(None, "3.50.2"))
    record, _ = s.register("r", 4)
    feed(s, ['{"msg":"send_hash"}', '{"msg":"send_data"}', '{"msg":"process_starts"}'])
    s.cancel("r")
    assert "gradio 3.50.2 (protocol ws) cannot stop a running function" in str(record.error)


# -- sse (4.8.0) -------------------------------------------------------------------------

SSE_GEN = [
    '{"msg": "estimation", "rank": 0, "queue_size": 1, "avg_event_process_time": 0.05, "avg_event_concurrent_process_time": 0.01, "rank_eta": 0.05, "queue_eta": 0.0}',
    '{"msg": "send_data", "event_id": "15f81663133f4e45ae2c95775d770fd8"}',
    '{"msg": "process_starts"}',
    '{"msg": "process_generating", "output": {"data": ["0"], "is_generating": true, "duration": 0.05, "average_duration": 0.04}, "success": true}',
    '{"msg": "process_generating", "output": {"data": ["1"], "is_generating": true}, "success": true}',
    '{"msg": "process_generating", "output": {"data": ["2"], "is_generating": true}, "success": true}',
    '{"msg": "process_completed", "output": {"data": ["2"], "is_generating": true}, "success": true}',
]


def test_sse_generator_transcript() -> None:
    s = Session(dialect=dialect_for("sse", "4.8.0"))
    record, _ = s.register("local", 1)
    effects = feed(s, SSE_GEN)
    assert effects[1].sends == [Send("data", "local", "15f81663133f4e45ae2c95775d770fd8")]
    assert record.server_event_id == "15f81663133f4e45ae2c95775d770fd8"
    assert record.outputs == [["0"], ["1"], ["2"]] and record.result == ["2"]
    assert not s.stream_ended().touched


def test_sse_queue_full_and_cancel() -> None:
    s = Session(dialect=dialect_for("sse", "4.8.0"))
    record, _ = s.register("q", 0)
    s.receive('{"msg": "queue_full"}')
    assert isinstance(record.error, QueueFullError)
    s = Session(dialect=dialect_for("sse", "4.8.0"))
    record, _ = s.register("c", 1)
    feed(s, SSE_GEN[:4])
    _, effects = s.cancel("c")
    assert effects.hangup and effects.resets == [
        ResetRequest("15f81663133f4e45ae2c95775d770fd8", 1)
    ]


# -- sse_v1 / sse_v2 / sse_v2.1 -----------------------------------------------------------


def test_sse_v1_generator_full_values() -> None:
    s = Session(dialect=dialect_for("sse_v1", "4.16.0"))
    record, _ = s.register("5bf9", 1)
    for v in "012":
        s.receive(
            j(
                msg="process_generating",
                event_id="5bf9",
                output={"data": [v], "is_generating": True},
                success=True,
            )
        )
    s.receive(
        j(
            msg="process_completed",
            event_id="5bf9",
            output={"data": ["2"], "is_generating": True},
            success=True,
        )
    )
    assert record.outputs == [["0"], ["1"], ["2"]]


@pytest.mark.parametrize(("protocol", "version"), [("sse_v2", "4.20.1"), ("sse_v2.1", "4.21.0")])
def test_sse_v2_diffs(protocol: str, version: str) -> None:
    s = Session(dialect=dialect_for(protocol, version))
    record, _ = s.register("ccc5", 1)
    s.receive(j(msg="process_generating", event_id="ccc5", output={"data": ["0 "]}, success=True))
    for v in ("1 ", "2 ", "3 "):
        s.receive(
            j(
                msg="process_generating",
                event_id="ccc5",
                output={"data": [[["append", [], v]]]},
                success=True,
            )
        )
    s.receive(
        j(
            msg="process_completed",
            event_id="ccc5",
            output={"data": ["0 1 2 3 "], "is_generating": False},
            success=True,
        )
    )
    assert [o[0] for o in record.outputs] == ["0 ", "0 1 ", "0 1 2 ", "0 1 2 3 "]


def test_idle_stream_end_keeps_pending_events_for_a_new_stream() -> None:
    s = Session(dialect=dialect_for("sse_v1", "4.16.0"))
    s.register("a", 0)
    s.stream_opened()
    s.receive(j(msg="process_completed", event_id="a", output={"data": [1]}, success=True))
    b, _ = s.register("b", 0)  # joined after the server decided to end the stream
    assert not s.stream_ended().touched and s.pending and not b.done
    for _ in range(EMPTY_STREAM_LIMIT - 1):  # reopened streams that carry nothing
        s.stream_opened()
        assert not s.stream_ended().touched and not b.done
    s.stream_opened()
    s.stream_ended()
    assert isinstance(b.error, StreamLostError)


def test_idle_stream_broken_fails_pending() -> None:
    s = Session(dialect=dialect_for("sse_v2", "4.20.1"))
    b, _ = s.register("b", 0)
    s.stream_opened()
    s.stream_ended(StreamLostError("cut"))
    assert isinstance(b.error, StreamLostError)


def test_session_not_found_fails_pending_on_v1() -> None:
    s = Session(dialect=dialect_for("sse_v1", "4.16.0"))
    b, _ = s.register("b", 0)
    s.receive('{"msg": "unexpected_error", "success": false, "message": "404: Session not found."}')
    assert isinstance(b.error, StreamLostError)


def test_v1_cancel_resets_by_event_id_and_says_what_the_server_does() -> None:
    s = Session(dialect=dialect_for("sse_v2.1", "4.21.0"))
    queued, _ = s.register("q", 0)
    running, _ = s.register("r", 0)
    s.receive(j(msg="process_starts", event_id="r", eta=None))
    _, effects = s.cancel("q")
    assert effects.resets == [ResetRequest("q", 0)] and not effects.hangup
    assert "cannot take a queued job out of the queue" in str(queued.error)
    _, effects = s.cancel("r")
    assert "cannot stop a running function" in str(running.error)
    assert "4.21.0" in str(running.error)


def test_v3_error_text_from_gradio4_is_unquoted_but_not_from_gradio5() -> None:
    payload = (
        '{"msg":"process_completed","event_id":"e","output":{"error":"\'boom\'"},"success":false}'
    )
    s4 = Session(dialect=dialect_for("sse_v3", "4.44.1"))
    r4, _ = s4.register("e", 0)
    s4.receive(payload)
    s6 = Session(dialect=dialect_for("sse_v3", "6.31.0"))
    r6, _ = s6.register("e", 0)
    s6.receive(payload)
    assert isinstance(r4.error, AppError) and r4.error.message == "boom"
    assert isinstance(r6.error, AppError) and r6.error.message == "'boom'"


def test_message_without_event_id_is_a_problem_on_multiplexed_streams() -> None:
    s = Session(dialect=dialect_for("sse_v1", "4.16.0"))
    s.register("a", 0)
    effects = s.receive('{"msg": "estimation", "rank": 0}')
    assert effects.problems and "without an event_id" in str(effects.problems[0])
