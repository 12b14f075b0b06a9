"""The session stream against real servers: cut mid-call, idle timeout, no leaks."""

from __future__ import annotations

import threading
import time

import pytest
from gradio_gen_runtime import Client, ReadTimeout, StreamLostError, Timeout, TransportError

from tests.servers import RunningApps, launch

from ._bridge import Harness


def test_stream_cut_mid_call_fails_pending_jobs(harness: Harness) -> None:
    apps = launch(["basic"])
    try:
        c = harness.open(apps.url)
        jobs = [c.submit("/slow", "a"), c.submit("/count", 1000)]
        deadline = time.monotonic() + 15
        while jobs[0].status().code != "processing" and time.monotonic() < deadline:
            time.sleep(0.01)
        apps.kill()  # the server dies while both jobs are pending
        started = time.monotonic()
        for job in jobs:
            with pytest.raises(StreamLostError):
                job.result(timeout=20)
        assert time.monotonic() - started < 10, "jobs did not fail promptly"
        with pytest.raises(TransportError):  # the next call reports the dead server
            c.predict("/greet", "x")
    finally:
        apps.stop()


def test_stream_idle_timeout(harness: Harness, rt_apps: RunningApps) -> None:
    # /work sends nothing between process_starts and its completion (heartbeats come every 15 s)
    c = harness.open(rt_apps["rt_main"], timeout=Timeout(stream_idle=0.4))
    job = c.submit("/work", "idle", 1.5)
    with pytest.raises(ReadTimeout, match="silent"):
        job.result(timeout=20)
    # the next call opens a new stream and works
    assert c.predict("/finished", "never-ran") == 0


def test_close_leaves_no_thread_and_fails_pending(rt_apps: RunningApps) -> None:
    before = {t.ident for t in threading.enumerate()}
    c = Client(rt_apps["rt_main"])
    job = c.submit("/work", "closing", 5)
    while job.status().code == "pending":
        time.sleep(0.01)
    started = time.monotonic()
    c.close()
    assert time.monotonic() - started < 5
    assert job.done() and job.status().code == "error"
    with pytest.raises(Exception, match="closed"):
        job.result()
    leftover = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert not leftover, leftover
