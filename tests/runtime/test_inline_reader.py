"""The sync driver's reader role (``_sync``): a waiting ``predict`` reads the session stream
itself (no reader thread, one connection), and hands the live stream over to a background
reader when other calls are still pending, never leaving them without a reader."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_gen_runtime import CancelledError, Client, JobTimeout, Timeout

from tests.servers import RunningApps


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("gradio-gen-stream-")]


def _settle(deadline: float = 5.0) -> None:
    end = time.monotonic() + deadline
    while _readers() and time.monotonic() < end:
        time.sleep(0.02)


def test_sequential_predicts_start_no_reader_thread(rt_apps: RunningApps) -> None:
    _settle()
    started: list[str] = []
    original = threading.Thread.start

    def spy(self: threading.Thread) -> None:
        started.append(self.name)
        original(self)

    with Client(rt_apps["basic"]) as c:
        threading.Thread.start = spy  # type: ignore[method-assign]
        try:
            for i in range(5):
                assert c.predict("/greet", f"n{i}") == f"Hello n{i}."
        finally:
            threading.Thread.start = original  # type: ignore[method-assign]
        session = c._current_session()
        assert session._reader is None and session._wire is None
    assert not [n for n in started if n.startswith("gradio-gen-stream-")]


def test_predict_hands_over_to_background_reader_for_pending_jobs(
    rt_apps: RunningApps,
) -> None:
    with Client(rt_apps["basic"]) as c:
        slow = c.submit("/slow", "late")  # 1 s; a background reader runs for it
        # these predicts lead whenever no reader runs; their jobs end before /slow's
        for i in range(3):
            assert c.predict("/greet", f"x{i}") == f"Hello x{i}."
        assert not slow.done()
        assert slow.result(timeout=10) == "late"


def test_predict_leader_with_jobs_nobody_waits_for(rt_apps: RunningApps) -> None:
    """A leader whose job ends first must leave a reader for a job only polled with done()."""
    with Client(rt_apps["basic"]) as c:
        session = c._current_session()
        job = session.join(
            c._endpoint("/slow"), c._wire(c._endpoint("/slow"), ["p"]), lambda v: v[0], lead=True
        )  # nobody waits on this one
        assert c.predict("/greet", "a") == "Hello a."  # leads, then hands /slow over
        end = time.monotonic() + 10
        while not job.done() and time.monotonic() < end:
            time.sleep(0.05)
        assert job.result(timeout=1) == "p"


def test_many_threads_predicting_on_one_session(rt_apps: RunningApps) -> None:
    with Client(rt_apps["basic"]) as c:
        with ThreadPoolExecutor(16) as pool:
            got = list(pool.map(lambda i: c.predict("/add", i, 1), range(64)))
        assert got == [i + 1 for i in range(64)]
        gens = [c.submit("/count", 3) for _ in range(4)]
        assert c.predict("/greet", "z") == "Hello z."
        assert [g.result(timeout=20) for g in gens] == ["0 1 2 "] * 4
    _settle()
    assert not _readers()


def test_short_deadline_waits_on_a_background_reader(rt_apps: RunningApps) -> None:
    """A wait shorter than a blocking read (stream_idle) must not lead: its timeout holds."""
    with Client(rt_apps["basic"], timeout=Timeout(stream_idle=30)) as c:
        session = c._current_session()
        ep = c._endpoint("/slow")
        job = session.join(ep, c._wire(ep, ["s"]), lambda v: v[0], lead=True)
        t0 = time.monotonic()
        with pytest.raises(JobTimeout):
            job.result(timeout=0.3)
        assert time.monotonic() - t0 < 2
        assert job.result(timeout=10) == "s"


def test_close_while_a_predict_leads_is_prompt(rt_apps: RunningApps) -> None:
    c = Client(rt_apps["basic"])
    errors: list[BaseException] = []

    def call() -> None:
        try:
            c.predict("/slow", "never")
        except BaseException as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.3)  # the predict is leading (reading the stream)
    t0 = time.monotonic()
    c.close()
    caller.join(5)
    assert not caller.is_alive() and time.monotonic() - t0 < 3
    assert errors and isinstance(errors[0], CancelledError)


def test_submit_then_iterate_reads_inline(rt_apps: RunningApps) -> None:
    """``submit()`` then iterating: the iterating thread reads the stream (no hand-off of
    every message from a background thread), and the background reader, if it ever took
    the role, gives it back to the waiter."""
    with Client(rt_apps["basic"]) as c:
        session = c._current_session()
        readers: list[str] = []
        original = session._step

        def spy() -> None:
            readers.append(threading.current_thread().name)
            original()

        session._step = spy  # type: ignore[method-assign]
        outputs = list(c.submit("/count", 20))
        assert outputs[-1] == " ".join(str(i) for i in range(20)) + " "
        me = threading.current_thread().name
        inline = readers.count(me)
        assert inline >= len(readers) - 2, readers  # at most a step or two elsewhere
        job = c.submit("/greet", "idle")  # nobody waits: the background reader serves it
        end = time.monotonic() + 10
        while not job.done() and time.monotonic() < end:
            time.sleep(0.02)
        assert job.done() and job.result(timeout=1) == "Hello idle."
        assert readers[-1].startswith("gradio-gen-stream-")
    _settle()
    assert not _readers()
