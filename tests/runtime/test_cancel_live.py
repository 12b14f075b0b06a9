"""Precise cancel against a real server: the cancelled job stops, its siblings do not.

``/work`` runs one task at a time (a second call waits in the queue); ``/par`` runs any
number at once. Both are async functions, so a server-side cancel really stops them, and
``/finished`` tells how many runs of a tag completed on the server.
"""

from __future__ import annotations

import time
import uuid

import pytest
from gradio_gen_runtime import CancelledError

from tests.servers import RunningApps

from ._bridge import Harness, HClient


def wait_status(job: object, code: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while job.status().code != code:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, f"job never reached {code}"
        time.sleep(0.01)


def tag() -> str:
    return uuid.uuid4().hex[:8]


def finished(c: HClient, t: str) -> int:
    return int(c.predict("/finished", t))


def test_cancel_queued_job_leaves_running_sibling(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["rt_main"])
    a, b = tag(), tag()
    running = c.submit("/work", a, 1.0)
    wait_status(running, "processing")
    queued = c.submit("/work", b, 0.1)
    wait_status(queued, "queued")
    assert queued.cancel() is True
    assert queued.cancel() is False  # already cancelled
    with pytest.raises(CancelledError):
        queued.result()
    assert queued.status().code == "cancelled"
    assert running.result() == f"done {a}"  # the sibling of the same fn is untouched
    assert finished(c, b) == 0  # the cancelled one never ran
    assert finished(c, a) == 1


def test_cancel_running_job_stops_it_on_the_server(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["rt_main"])
    t = tag()
    job = c.submit("/work", t, 1.0)
    wait_status(job, "processing")
    assert job.cancel() is True
    with pytest.raises(CancelledError):
        job.result()
    time.sleep(1.3)  # past the time it would have finished
    assert finished(c, t) == 0
    assert c.predict("/work", t, 0.01) == f"done {t}"  # the session still works


def test_cancel_running_generator(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["rt_main"])
    job = c.submit("/ticker", 100, 0.05)
    wait_status(job, "generating")
    assert job.cancel() is True
    seen = len(job.outputs())
    with pytest.raises(CancelledError):
        job.result()
    assert 1 <= seen < 100
    assert job.iterate() == job.outputs()  # iteration ends quietly after a cancel


def test_cancel_running_job_with_running_sibling_of_same_fn(
    harness: Harness, rt_apps: RunningApps
) -> None:
    c = harness.open(rt_apps["rt_main"])
    keep, drop = tag(), tag()
    sibling = c.submit("/par", keep, 0.8)
    victim = c.submit("/par", drop, 3.0)
    wait_status(sibling, "processing")
    wait_status(victim, "processing")
    assert victim.cancel() is True  # local now; server-side kill once the sibling ends
    with pytest.raises(CancelledError):
        victim.result()
    assert sibling.result() == f"done {keep}"
    time.sleep(3.0)  # past the time the victim would have finished
    assert finished(c, keep) == 1
    assert finished(c, drop) == 0  # killed by the deferred cancel


def test_cancel_after_done_is_a_no_op(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["basic"])
    job = c.submit("/add", 1, 2)
    assert job.result() == 3
    assert job.cancel() is False
    assert job.result() == 3
