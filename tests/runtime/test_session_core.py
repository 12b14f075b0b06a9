"""The session state machine (``_protocol._session``): routing, buffering, endings, cancel."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gradio_gen_runtime import AppError, CancelledError, ProtocolError, StreamLostError
from gradio_gen_runtime._protocol._session import NO_TASK_FN_INDEX, CancelRequest, Session


def m(kind: str, event_id: str | None = None, **fields: Any) -> str:
    return json.dumps({"msg": kind, "event_id": event_id, **fields})


def completed(event_id: str, data: list[Any] | None = None, **fields: Any) -> str:
    output = {"data": data} if data is not None else {}
    return m("process_completed", event_id, output=output, success=True, **fields)


def test_simple_event_lifecycle() -> None:
    s = Session()
    record, _ = s.register("e1", 0)
    assert s.pending and record.status.code == "pending"
    s.receive(m("estimation", "e1", rank=0, queue_size=1, rank_eta=None))
    assert record.status.code == "queued" and record.status.queue_size == 1
    s.receive(m("process_starts", "e1", eta=0.5))
    assert record.status.code == "processing" and record.status.eta == 0.5
    effects = s.receive(completed("e1", ["hi"]))
    assert effects.touched == {"e1"}
    assert record.done and record.outcome == "success" and record.result == ["hi"]
    assert record.outputs == [["hi"]] and not s.pending
    assert [u.kind for u in record.updates] == ["status", "status", "output"]
    assert record.updates[-1].final
    assert s.receive(m("close_stream")).closed


def test_messages_before_registration_are_buffered_and_replayed() -> None:
    s = Session()
    s.receive(m("process_starts", "early", eta=None))
    s.receive(completed("early", [1]))
    assert not s.pending
    record, effects = s.register("early", 3)
    assert record.outcome == "success" and record.result == [1] and "early" in effects.touched
    assert not s.pending


def test_generator_first_full_then_edits_then_final() -> None:
    s = Session()
    record, _ = s.register("g", 1)
    s.receive(m("process_generating", "g", output={"data": [["a"], "x"]}, success=True))
    s.receive(
        m("process_generating", "g", output={"data": [[["add", [1], "b"]], []]}, success=True)
    )
    # a full value that looks like an edit list is still a full value the first time
    assert record.outputs == [[["a"], "x"], [["a", "b"], "x"]]
    s.receive(completed("g", [["a", "b"], "x"]))
    assert record.outputs[-1] == [["a", "b"], "x"] and len(record.outputs) == 2
    assert [u.final for u in record.updates if u.kind == "output"] == [False, False, True]


def test_bad_edit_fails_only_that_event() -> None:
    s = Session()
    bad, _ = s.register("bad", 0)
    good, _ = s.register("good", 0)
    s.receive(m("process_generating", "bad", output={"data": ["x"]}))
    s.receive(m("process_generating", "bad", output={"data": [[["delete", [4], None]]]}))
    assert bad.outcome == "error" and isinstance(bad.error, ProtocolError)
    assert not good.done and s.pending


def test_error_completion_becomes_app_error() -> None:
    s = Session()
    record, _ = s.register("e", 0)
    s.receive(
        m("process_completed", "e", success=False, title="T",
          output={"error": "boom", "duration": 5, "visible": True, "title": "Custom"})
    )  # fmt: skip
    assert isinstance(record.error, AppError)
    assert (
        record.error.message == "boom"
        and record.error.title == "Custom"
        and record.error.duration == 5
    )
    assert record.status.code == "error"


def test_server_cancel_completion() -> None:
    s = Session()
    record, _ = s.register("e", 0)
    s.receive(completed("e"))
    assert record.outcome == "cancelled" and isinstance(record.error, CancelledError)


def test_stream_end_without_close_fails_pending_with_stream_lost() -> None:
    s = Session()
    a, _ = s.register("a", 0)
    b, _ = s.register("b", 0)
    s.receive(completed("b", [1]))
    effects = s.stream_ended()
    assert effects.touched == {"a"}
    assert isinstance(a.error, StreamLostError) and b.outcome == "success"
    assert not s.pending
    c, _ = s.register("c", 0)  # the next call works on a new stream
    s.receive(completed("c", [2]))
    assert c.result == [2]


def test_event_seen_on_a_failed_stream_before_its_join_returned_is_lost() -> None:
    # the join response raced the stream: its messages were buffered, then the stream broke
    s = Session()
    a, _ = s.register("a", 0)
    s.receive(m("process_starts", "late", eta=None))
    broke = StreamLostError("the session stream broke")
    s.stream_ended(broke)
    late, effects = s.register("late", 0)
    assert late.done and late.error is broke and a.error is broke
    assert effects.touched == {"late"} and not s.pending  # no new stream is wanted for it
    other, _ = s.register("other", 0)  # an event never seen on the dead stream waits
    assert not other.done and s.pending


def test_close_stream_keeps_events_registered_after_it_pending() -> None:
    s = Session()
    s.register("late", 0)
    assert s.receive(m("close_stream")).closed
    assert s.pending  # the driver must open a new stream for it


def test_unexpected_error_fails_all_pending() -> None:
    s = Session()
    a, _ = s.register("a", 0)
    b, _ = s.register("b", 1)
    s.receive(
        m("unexpected_error", None, message="404: Not Found", session_not_found=True, success=False)
    )
    for r in (a, b):
        assert isinstance(r.error, StreamLostError) and "session not found" in str(r.error)


def test_garbage_never_raises() -> None:
    s = Session()
    record, _ = s.register("e", 0)
    assert s.receive("{not json").problems
    assert not s.receive(m("shiny_new_kind", "e")).problems
    s.receive(m("estimation", "e", rank="x"))  # malformed, names a registered event
    assert record.outcome == "error" and isinstance(record.error, ProtocolError)


def test_late_messages_after_end_are_dropped() -> None:
    s = Session()
    record, _ = s.register("e", 0)
    s.receive(completed("e", [1]))
    s.receive(completed("e", [2]))
    assert record.result == [1] and record.outputs == [[1]]


# -- cancel ----------------------------------------------------------------------------


def start(s: Session, event_id: str) -> None:
    s.receive(m("process_starts", event_id, eta=None))


def test_cancel_waiting_event_uses_no_task_fn_index() -> None:
    s = Session()
    running, _ = s.register("run", 5)
    waiting, _ = s.register("wait", 5)
    start(s, "run")
    s.receive(m("estimation", "wait", rank=0, queue_size=1))
    changed, effects = s.cancel("wait")
    assert changed and effects.cancels == [CancelRequest("wait", NO_TASK_FN_INDEX)]
    assert waiting.outcome == "cancelled" and not running.done
    assert s.cancel("wait") == (False, s.cancel("wait")[1])  # second cancel: no-op
    s.receive(completed("wait"))  # the server's confirmation is absorbed
    assert waiting.outcome == "cancelled"


def deferred_kill() -> Session:
    """Events "keep" and "drop" of function 2 running, "drop" cancelled: its kill of the
    function's tasks is deferred while "keep" runs."""
    s = Session()
    s.register("keep", 2)
    s.register("drop", 2)
    start(s, "keep")
    start(s, "drop")
    s.cancel("drop")
    return s


def test_cancel_lone_running_event_uses_its_fn_index() -> None:
    s = Session()
    s.register("r", 7)
    s.register("other-fn", 8)
    start(s, "other-fn")
    start(s, "r")
    _, effects = s.cancel("r")
    assert effects.cancels == [CancelRequest("r", 7)]


def test_cancel_running_event_with_running_sibling_is_deferred() -> None:
    s = Session()
    s.register("keep", 2)
    s.register("drop", 2)
    start(s, "keep")
    start(s, "drop")
    _, effects = s.cancel("drop")
    assert effects.cancels == [CancelRequest("drop", NO_TASK_FN_INDEX)]  # closes its generator only
    assert s.pending
    s.receive(completed("drop"))  # fake completion of the -1 cancel: the task may still run
    effects = s.receive(completed("keep", ["ok"]))
    assert effects.cancels == [CancelRequest("drop", 2)]  # now safe to kill it
    assert not s.pending


def test_deferred_cancel_dropped_when_the_zombie_really_finishes() -> None:
    s = deferred_kill()
    s.receive(completed("drop", ["late result"]))  # it finished anyway: nothing to kill
    effects = s.receive(completed("keep", ["ok"]))
    assert effects.cancels == []


@pytest.mark.parametrize("ending", ["close_stream", "stream_ended"])
def test_zombies_forgotten_when_the_stream_ends(ending: str) -> None:
    s = deferred_kill()
    if ending == "close_stream":
        s.receive(completed("keep", [1]))
        s.receive(m("close_stream"))
    else:
        s.stream_ended()
    assert not s.pending


def test_deferred_cancel_waits_for_a_sibling_not_yet_seen_running() -> None:
    """The server may run an event before its ``process_starts`` reaches us: a sibling that
    has not ended holds back the kill, whatever its status here (it would die too)."""
    s = Session()
    s.register("keep", 2)
    s.register("drop", 2)
    s.register("other", 2)
    start(s, "keep")
    start(s, "drop")
    s.cancel("drop")
    s.register("new", 2)  # joined; its process_starts is still on the way
    effects = s.receive(completed("keep", ["ok"]))
    assert effects.cancels == []  # "new" and "other" may run: no kill
    start(s, "new")
    s.receive(completed("other", ["ok"]))
    effects = s.receive(completed("new", ["ok"]))
    assert effects.cancels == [CancelRequest("drop", 2)]


def test_a_join_in_flight_holds_back_the_kill_until_it_returns() -> None:
    s = deferred_kill()
    s.joining(2)  # the server may run it before its response returns
    s.joining(3)  # another function's join does not matter
    assert s.receive(completed("keep", ["ok"])).cancels == []
    assert s.joined(3).cancels == []
    assert s.joined(2).cancels == [CancelRequest("drop", 2)]  # failed join: now safe


def test_cancel_of_a_running_event_with_a_pending_sibling_is_deferred() -> None:
    s = Session()
    s.register("drop", 4)
    start(s, "drop")
    s.register("queued", 4)  # not seen running, but may be
    _, effects = s.cancel("drop")
    assert effects.cancels == [CancelRequest("drop", NO_TASK_FN_INDEX)]
    s.joining(4)
    effects = s.receive(completed("queued", [1]))
    assert effects.cancels == []
    s.register("joined", 4)
    assert s.joined(4).cancels == []  # "joined" has not ended
    s.receive(m("process_starts", "joined", eta=None))
    assert s.receive(completed("joined", [2])).cancels == [CancelRequest("drop", 4)]


def test_no_join_of_a_function_while_a_kill_of_its_tasks_is_on_its_way() -> None:
    """A join sent between the decision to kill and the kill's arrival would start a task
    the kill reaches: ``may_join`` holds such joins until the driver reports ``killed``."""
    s = deferred_kill()
    effects = s.receive(completed("keep", ["ok"]))
    (kill,) = effects.cancels
    assert kill == CancelRequest("drop", 2)
    assert not s.may_join(2) and s.may_join(3)
    s.killed(CancelRequest("drop", NO_TASK_FN_INDEX))  # a harmless cancel changes nothing
    assert not s.may_join(2)
    s.killed(kill)
    assert s.may_join(2)
    s.register("lone", 2)
    start(s, "lone")
    _, effects = s.cancel("lone")
    assert effects.cancels == [CancelRequest("lone", 2)] and not s.may_join(2)
