"""``Status.time`` is wall-clock time (seconds since the epoch), comparable with ``time.time()``
(issue 16, point 10: it was a ``time.monotonic()`` reading shown as a time). Live app."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from gradio_gen_runtime import AsyncClient, Client

from tests.servers import RunningApps


def _check(times: list[float], before: float, after: float) -> None:
    assert times and times == sorted(times)
    assert all(before <= t <= after for t in times), (before, times, after)
    shown = datetime.fromtimestamp(times[-1])
    assert abs(shown - datetime.now()) < timedelta(minutes=5)


def test_status_time_is_wall_clock(rt_apps: RunningApps) -> None:
    with Client(rt_apps["rt_main"]) as client:
        before = time.time()
        job = client.submit("/ticker", 3, 0.01)
        times = [u.status.time for u in job.updates()]
        after = time.time()
        assert job.status().code == "done"
    _check([*times, job.status().time], before, after)


def test_async_status_time_is_wall_clock(rt_apps: RunningApps) -> None:
    async def main() -> tuple[float, list[float], float]:
        async with AsyncClient(rt_apps["rt_main"]) as client:
            before = time.time()
            job = await client.submit("/ticker", 3, 0.01)
            times = [u.status.time async for u in job.updates()]
            await job.result()
            times.append(job.status().time)
            return before, times, time.time()

    before, times, after = asyncio.run(main())
    _check(times, before, after)
