"""Load and cancel storms on one client against the real reliability app (0.5 s async fn,
unbounded queue): every result correct, every job ends, threads bounded, nothing left open."""

from __future__ import annotations

import asyncio
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from gradio_gen_runtime import AsyncClient, CancelledError, Client, UsageError

from tests.servers import RunningApps

from ._health import Baseline

SYNC_THREADS = 1
"""Threads a busy sync client adds: its one session stream reader (the async client adds none)."""


def client_threads(baseline: Baseline) -> int:
    return sum(1 for t in baseline.new_threads() if not t.name.startswith(("caller", "canceller")))


def test_1000_concurrent_calls_on_one_async_client(rel_apps: RunningApps) -> None:
    baseline = Baseline()
    n = 1000

    async def main() -> tuple[list[Any], int]:
        async with AsyncClient(rel_apps["rel_app"]) as client:
            tasks = [asyncio.ensure_future(client.predict("/slow", f"a{i}")) for i in range(n)]
            peak = 0
            while not all(t.done() for t in tasks):
                peak = max(peak, client_threads(baseline))
                await asyncio.wait(tasks, timeout=0.1)
            return await asyncio.gather(*tasks), peak

    started = time.monotonic()
    results, peak = asyncio.run(asyncio.wait_for(main(), 100))
    assert results == [f"a{i}" for i in range(n)]
    assert peak == 0, peak
    assert time.monotonic() - started < 100
    baseline.check()


def test_200_concurrent_calls_on_one_sync_client(rel_apps: RunningApps) -> None:
    baseline = Baseline()
    n = 200
    peak = 0
    with (
        Client(rel_apps["rel_app"]) as client,
        ThreadPoolExecutor(n, thread_name_prefix="caller") as pool,
    ):
        futures = [pool.submit(client.predict, "/slow", f"s{i}") for i in range(n)]
        deadline = time.monotonic() + 90
        while not all(f.done() for f in futures) and time.monotonic() < deadline:
            peak = max(peak, client_threads(baseline))
            time.sleep(0.05)
        results = [f.result(timeout=1) for f in futures]
    assert results == [f"s{i}" for i in range(n)]
    assert peak == SYNC_THREADS, peak
    baseline.check()


# -- cancel storms -------------------------------------------------------------------------


def check_storm(outcomes: list[tuple[bool | None, Any, float]]) -> None:
    """(cancel() answer or None if never cancelled, result or exception, expected value)."""
    for cancelled, got, expected in outcomes:
        if cancelled:
            assert isinstance(got, CancelledError), got
        else:
            assert got == expected, (cancelled, got, expected)


VALUES = [0.05, 0.5, 2.0, 4.0]
"""Job lengths: some end before their cancel arrives, others are queued or running."""


def test_cancel_storm_sync(rel_apps: RunningApps) -> None:
    rng = random.Random(7)
    baseline = Baseline()
    with Client(rel_apps["rel_app"]) as client:
        # bystanders: the same function, never cancelled, must all finish correctly
        bystanders = [(client.submit("/hold", 5.0 + i / 1000), 5.0 + i / 1000) for i in range(20)]
        jobs: list[tuple[Any, float]] = []
        answers: dict[int, bool] = {}

        def cancel_later(k: int, delay: float) -> None:
            time.sleep(delay)
            answers[k] = jobs[k][0].cancel()

        with ThreadPoolExecutor(8, thread_name_prefix="canceller") as pool:
            for i in range(300):
                value = rng.choice(VALUES) + i / 100_000
                jobs.append((client.submit("/hold", value), value))
                if rng.random() < 0.7:
                    pool.submit(cancel_later, i, rng.uniform(0, 0.3))

        def outcome(job: Any) -> Any:
            try:
                return job.result(timeout=30)
            except CancelledError as exc:
                return exc

        started = time.monotonic()
        check_storm([(answers.get(k), outcome(j), v) for k, (j, v) in enumerate(jobs)])
        assert all(j.done() for j, _ in jobs)
        assert [outcome(j) for j, _ in bystanders] == [v for _, v in bystanders]
        assert time.monotonic() - started < 30
        assert sum(answers.values()) >= 100, "the storm cancelled too little to mean anything"
        assert client.predict("/slow", "after storm") == "after storm"
    baseline.check()


def test_cancel_storm_async(rel_apps: RunningApps) -> None:
    rng = random.Random(11)
    baseline = Baseline()

    async def main() -> None:
        async with AsyncClient(rel_apps["rel_app"]) as client:
            bystanders = [
                (await client.submit("/hold", 5.0 + i / 1000), 5.0 + i / 1000) for i in range(20)
            ]
            answers: dict[int, bool] = {}

            async def one(k: int, value: float, delay: float | None) -> Any:
                job = await client.submit("/hold", value)
                if delay is not None:
                    await asyncio.sleep(delay)
                    answers[k] = await job.cancel()
                try:
                    got: Any = await job.result(timeout=30)
                except CancelledError as exc:
                    got = exc
                assert job.done()
                return answers.get(k), got, value

            plan = [
                (
                    rng.choice(VALUES) + k / 100_000,
                    rng.uniform(0, 0.3) if rng.random() < 0.7 else None,
                )
                for k in range(300)
            ]
            check_storm(await asyncio.gather(*(one(k, v, d) for k, (v, d) in enumerate(plan))))
            assert [await j.result(timeout=30) for j, _ in bystanders] == [v for _, v in bystanders]
            assert sum(answers.values()) >= 100
            assert await client.predict("/slow", "after storm") == "after storm"

    asyncio.run(asyncio.wait_for(main(), 90))
    baseline.check()


@pytest.mark.parametrize("where", ["before the stream opens", "while queued or running"])
def test_cancel_right_after_submit_never_hangs(rel_apps: RunningApps, where: str) -> None:
    baseline = Baseline()
    with Client(rel_apps["rel_app"]) as client:
        for _ in range(50):
            job = client.submit("/hold", 0.2)
            if where != "before the stream opens":
                time.sleep(0.005)
            job.cancel()
            with pytest.raises(CancelledError):
                job.result(timeout=10)
        assert client.predict("/hold", 0.05) == 0.05
    baseline.check()


def test_close_while_many_calls_wait_sync(rel_apps: RunningApps) -> None:
    baseline = Baseline()
    client = Client(rel_apps["rel_app"])
    with ThreadPoolExecutor(50, thread_name_prefix="caller") as pool:
        futures = [pool.submit(client.predict, "/hold", 5) for _ in range(50)]
        deadline = time.monotonic() + 20
        while not client._session or len(client._session.core._records) < 50:
            assert time.monotonic() < deadline, "the calls did not start"
            time.sleep(0.02)
        started = time.monotonic()
        client.close()
        errors = [f.exception(timeout=10) for f in futures]
    assert time.monotonic() - started < 5, "waiting callers were not released promptly"
    assert all(type(e) is CancelledError for e in errors), errors
    with pytest.raises(UsageError, match="closed"):
        client.submit("/hold", 0.1)
    baseline.check()


def test_close_while_many_calls_wait_async(rel_apps: RunningApps) -> None:
    baseline = Baseline()

    async def main() -> list[BaseException | None]:
        client = AsyncClient(rel_apps["rel_app"])
        await client.connect()
        tasks = [asyncio.ensure_future(client.predict("/hold", 5)) for _ in range(100)]
        for _ in range(400):
            if client._session is not None and len(client._session.core._records) == 100:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the calls did not start")
        started = time.monotonic()
        await client.aclose()
        _, pending = await asyncio.wait(tasks, timeout=5)
        assert not pending and time.monotonic() - started < 5
        with pytest.raises(UsageError, match="closed"):
            await client.submit("/hold", 0.1)
        return [t.exception() for t in tasks]

    errors = asyncio.run(asyncio.wait_for(main(), 60))
    assert all(type(e) is CancelledError for e in errors), errors
    baseline.check()
