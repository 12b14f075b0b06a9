"""The pure plan of a batch (``_client._batching``): window, retries, failures, order."""

from __future__ import annotations

import pytest
from gradio_gen_runtime import (
    AppError,
    ConnectError,
    HTTPStatusError,
    InputValidationError,
    QueueFullError,
    RateLimitError,
    ReadTimeout,
    StreamLostError,
    ZeroGPUQuotaError,
)
from gradio_gen_runtime._client._batching import REFUSAL_RETRIES, MapPlan, classify


def test_classify() -> None:
    assert classify(RateLimitError("x", retry_after=2), at_join=True) == "refused"
    assert classify(QueueFullError("x", status_code=503), at_join=True) == "refused"
    assert classify(HTTPStatusError("x", status_code=503), at_join=True) == "refused"
    assert classify(ConnectError("x"), at_join=True) == "refused"
    # after the join the app may have run the call: only a deliberate retry
    assert classify(HTTPStatusError("x", status_code=503), at_join=False) == "transient"
    assert classify(StreamLostError("x"), at_join=False) == "transient"
    assert classify(ReadTimeout("x"), at_join=True) == "transient"  # the join may have arrived
    assert classify(HTTPStatusError("x", status_code=500), at_join=True) == "final"
    assert classify(AppError("boom"), at_join=False) == "final"
    assert classify(InputValidationError("/x", {"a": ["bad"]}), at_join=True) == "final"
    assert classify(ZeroGPUQuotaError("q", retry_after=3.0), at_join=False) == "quota"
    assert classify(ZeroGPUQuotaError("q"), at_join=False) == "final"


def _plan(**kwargs: object) -> MapPlan:
    return MapPlan(concurrency=kwargs.pop("concurrency", 3), **kwargs)  # type: ignore[arg-type]


def test_window_bounds_what_is_read_and_sent() -> None:
    plan = _plan()
    rows = []
    while plan.wants_input():
        rows.append(plan.add(len(rows), (len(rows),)))
    assert len(rows) == 3
    assert plan.due(0.0) == rows
    for r in rows:
        plan.started_row(r, object(), None)
    assert plan.due(0.0) == [] and plan.in_flight == 3
    plan.succeeded(rows[1], "b")
    assert list(plan.pop()) == []  # ordered: the head is still running
    assert not plan.wants_input()  # the finished row still holds its place
    plan.succeeded(rows[0], "a")
    assert [r.value for r in plan.pop()] == ["a", "b"]
    assert plan.wants_input()


def test_unordered_hands_out_rows_as_they_finish() -> None:
    plan = _plan(ordered=False)
    rows = [plan.add(i, (i,)) for i in range(3)]
    for r in rows:
        plan.started_row(r, object(), None)
    plan.succeeded(rows[2], "c")
    assert [r.index for r in plan.pop()] == [2]
    assert plan.wants_input()


def test_refusal_pauses_everything_and_retries_a_bounded_number_of_times() -> None:
    plan = _plan()
    row = plan.add(0, (0,))
    other = plan.add(1, (1,))
    now = 100.0
    for _ in range(REFUSAL_RETRIES):
        assert (
            plan.failed_row(row, RateLimitError("429", retry_after=2.0), at_join=True, now=now)
            == []
        )
        assert row.state == "waiting" and row.retry_at == now + 2.0
        assert plan.due(now + 1.0) == []  # paused: not even the other row is sent
        assert plan.due(now + 2.0) == [row, other]
        plan.started_row(row, object(), None)
        now += 2.0
    plan.failed_row(row, RateLimitError("429", retry_after=2.0), at_join=True, now=now)
    assert row.state == "failed" and plan.stopped


def test_transient_failures_are_retried_only_when_asked() -> None:
    plan = _plan(return_exceptions=True)
    row = plan.add(0, (0,))
    plan.started_row(row, object(), None)
    plan.failed_row(row, StreamLostError("cut"), at_join=False, now=0.0)
    assert row.state == "failed"
    plan = _plan(retries=1)
    row = plan.add(0, (0,))
    plan.started_row(row, object(), None)
    plan.failed_row(row, StreamLostError("cut"), at_join=False, now=0.0)
    assert row.state == "waiting" and 0.3 <= row.retry_at <= 0.7
    assert plan.pause_until == 0.0  # one row's lost connection does not pause the batch
    plan.started_row(row, object(), None)
    plan.failed_row(row, StreamLostError("cut"), at_join=False, now=1.0)
    assert row.state == "failed" and plan.retried == 1


def test_quota_waits_only_when_asked_and_within_the_limit() -> None:
    error = ZeroGPUQuotaError("q", retry_after=30.0)
    for wait, expected in ((False, "failed"), (True, "waiting"), (60, "waiting"), (10, "failed")):
        plan = _plan(wait_on_quota=wait, return_exceptions=True)
        row = plan.add(0, (0,))
        plan.started_row(row, object(), None)
        plan.failed_row(row, error, at_join=False, now=0.0)
        assert row.state == expected, wait
        if expected == "waiting":
            assert plan.pause_until == 30.0


def test_first_failure_cancels_the_rows_after_it_not_before() -> None:
    plan = _plan(concurrency=4)
    rows = [plan.add(i, (i,)) for i in range(4)]
    for r in rows:
        plan.started_row(r, object(), None)
    cancel = plan.failed_row(rows[1], AppError("boom"), at_join=False, now=0.0)
    assert cancel == rows[2:] and all(r.state == "cancelled" for r in cancel)
    assert plan.stopped and not plan.wants_input()
    assert rows[0].state == "running"  # before the failure: let it finish, it comes first
    plan.succeeded(rows[0], "a")
    assert [(r.index, r.state) for r in plan.pop()] == [(0, "ok"), (1, "failed")]
    assert plan.finished()


def test_stop_cancels_waiting_rows_and_returns_running_ones() -> None:
    plan = _plan(retries=3)
    running, waiting = plan.add(0, (0,)), plan.add(1, (1,))
    plan.started_row(running, object(), None)
    assert plan.stop() == [running]
    assert waiting.state == "cancelled" and plan.due(0.0) == []
    # a running row that would be retried is cancelled instead once stopped
    plan.failed_row(running, StreamLostError("cut"), at_join=False, now=0.0)
    assert running.state == "cancelled"
    assert list(plan.pop()) == [] and plan.finished()


def test_progress_numbers() -> None:
    plan = _plan(total=4, started=10.0)
    row = plan.add(0, (0,))
    plan.started_row(row, object(), None)
    plan.succeeded(row, 1)
    p = plan.progress(12.0)
    assert (p.done, p.failed, p.succeeded, p.elapsed, p.rate) == (1, 0, 1, 2.0, 0.5)
    assert p.eta == pytest.approx(6.0)
