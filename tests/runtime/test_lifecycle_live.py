"""Timeouts and clean shutdown against a real server: no thread, task or socket left."""

from __future__ import annotations

import asyncio
import time

import psutil
import pytest
from gradio_gen_runtime import AsyncClient, CancelledError, Client, JobTimeout, Timeout

from tests.servers import RunningApps

from ._bridge import Harness


def connections_to(url: str) -> int:
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    return sum(
        1
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


def test_result_timeout_leaves_job_running(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["rt_main"])
    job = c.submit("/work", "timeout-a", 0.8)
    with pytest.raises(JobTimeout):
        job.result(timeout=0.1)
    assert job.result(timeout=20) == "done timeout-a"


def test_predict_job_timeout_cancels_the_job(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["rt_main"], timeout=Timeout(job=0.3))
    with pytest.raises(JobTimeout):
        c.predict("/work", "timeout-b", 1.0)
    time.sleep(1.2)
    assert c.predict("/finished", "timeout-b") == 0  # the server stopped it


def test_sync_close_releases_sockets(rt_apps: RunningApps) -> None:
    url = rt_apps["basic"]
    with Client(url) as c:
        jobs = [c.submit("/slow", str(i)) for i in range(5)]
        assert [j.result() for j in jobs] == [str(i) for i in range(5)]
        assert connections_to(url) >= 1
    assert connections_to(url) == 0


def test_async_close_leaves_no_task_or_socket(rt_apps: RunningApps) -> None:
    url = rt_apps["basic"]

    async def main() -> None:
        before = asyncio.all_tasks()
        c = AsyncClient(url)
        await c.connect()
        job = await c.submit("/slow", "x")
        pending = await c.submit("/count", 500)
        assert await job.result() == "x"
        await c.aclose()
        with pytest.raises(CancelledError):
            await pending.result()
        await asyncio.sleep(0)
        assert asyncio.all_tasks() - before == set()
        assert connections_to(url) == 0

    asyncio.run(main())


def test_plain_http_never_builds_a_verified_tls_context(rt_apps: RunningApps) -> None:
    from gradio_gen_runtime._transport._http import _SyncSchemeTransport

    with Client(rt_apps["basic"]) as c:
        assert c.predict("/add", 1, 1) == 2
        transport = c._http._transport
        assert isinstance(transport, _SyncSchemeTransport)
        assert (
            transport._schemes._plain is not None and transport._schemes._tls is None
        )  # CA bundle never loaded
