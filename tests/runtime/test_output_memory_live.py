"""A long token stream from a real server: the job keeps memory linear in what it received
(the edits), not the sum of its outputs, and still gives back every output: ``outputs()``
and ``updates()`` equal what iteration yielded, untyped sync and async and the typed layer.

``tests/apps/long_stream.py``'s ``/tokens`` yields the whole text so far after each token
(gradio sends an ``append`` edit per yield). With every full output kept, 2,000 tokens of
64 characters are ~128 MB; the edits are well under 2 MB."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_gen_runtime import AsyncClient, Client

from tests.generator._util import load_module
from tests.servers import launch

pytestmark = pytest.mark.timeout(300)

TOKENS, WIDTH = 2000, 64
QUADRATIC = TOKENS * (TOKENS * WIDTH) // 2  # every full output: ~128 MB
BOUND = 16 * 2**20  # the edits, a few checkpoints, the updates: a few MB


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with launch(["long_stream"]) as apps:
        yield apps["long_stream"]


def _text(n: int, width: int = WIDTH) -> str:
    return "".join(f"{i} ".rjust(width, "x") for i in range(n))


def _measured(run: Callable[[], tuple[int, Any]]) -> tuple[int, int, Any]:
    """(memory still held once ``run`` returned, peak while it ran, its result)."""
    tracemalloc.start()
    try:
        kept, job = run()  # ``job`` is still referenced: what it holds is counted
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current, peak, (kept, job)


def _check_memory(current: int, peak: int) -> None:
    assert BOUND * 6 < QUADRATIC  # the bound tells the two apart
    assert current < BOUND, f"{current / 2**20:.1f} MiB held after {TOKENS} tokens"
    assert peak < BOUND, f"{peak / 2**20:.1f} MiB peak over {TOKENS} tokens"


def test_sync_job_memory_is_linear_in_the_stream(url: str) -> None:
    with Client(url) as client:
        client.predict("/tokens", 1, WIDTH)  # connect and warm up before measuring

        def run() -> tuple[int, Any]:
            job = client.submit("/tokens", TOKENS, WIDTH)
            return sum(1 for _ in job), job

        current, peak, (count, job) = _measured(run)
        assert count == TOKENS and job.result() == _text(TOKENS)
        _check_memory(current, peak)


def test_async_job_memory_is_linear_in_the_stream(url: str) -> None:
    async def main() -> tuple[int, int, Any]:
        async with AsyncClient(url) as client:
            await client.predict("/tokens", 1, WIDTH)

            async def consume() -> tuple[int, Any]:
                job = await client.submit("/tokens", TOKENS, WIDTH)
                count = 0
                async for _ in job:
                    count += 1
                return count, job

            tracemalloc.start()
            try:
                count, job = await consume()
                current, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            assert count == TOKENS and await job.result() == _text(TOKENS)
            return current, peak, job

    current, peak, _ = asyncio.run(main())
    _check_memory(current, peak)


N = 600  # past several checkpoints of the log (every 32 entries, then every half index)


def _expected() -> list[str]:
    return [_text(k, 6) for k in range(1, N + 1)]


def _output_updates(updates: list[Any]) -> list[Any]:
    return [u.output for u in updates if u.kind == "output"]


def test_sync_outputs_and_updates_equal_what_iteration_yielded(url: str) -> None:
    with Client(url) as client:
        job = client.submit("/tokens", N, 6)
        iterated = list(job)
        assert iterated == _expected()
        assert job.outputs() == iterated and job.result() == iterated[-1]
        updates = list(job.updates())
        outputs = _output_updates(updates)
        assert outputs == [*iterated, iterated[-1]]  # the final update repeats the last yield
        assert updates[-1].final and not any(u.final for u in updates[:-1])
        assert job.result() is job.result() is updates[-1].output
        # a second reader of a finished job gets the same again
        assert list(job) == iterated and _output_updates(list(job.updates())) == outputs


def test_async_outputs_and_updates_equal_what_iteration_yielded(url: str) -> None:
    async def main() -> None:
        async with AsyncClient(url) as client:
            job = await client.submit("/tokens", N, 6)
            iterated = [out async for out in job]
            assert iterated == _expected()
            assert job.outputs() == iterated and await job.result() == iterated[-1]
            updates = [u async for u in job.updates()]
            outputs = _output_updates(updates)
            assert outputs == [*iterated, iterated[-1]]
            assert updates[-1].final and not any(u.final for u in updates[:-1])
            assert await job.result() is await job.result() is updates[-1].output

            # updates() read while the job streams, alongside an iteration of it
            job = await client.submit("/tokens", N, 6)

            async def updates_of() -> list[Any]:
                return _output_updates([u async for u in job.updates()])

            async def iterate() -> list[Any]:
                return [out async for out in job]

            streamed, yielded = await asyncio.gather(updates_of(), iterate())
            assert yielded == _expected() and streamed == [*yielded, yielded[-1]]

    asyncio.run(main())


def test_typed_job_outputs_and_updates(url: str, tmp_path: Path) -> None:
    target = tmp_path / "long_stream_client.py"
    proc = subprocess.run(
        [sys.executable, "-m", "gradio_gen", url, "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    module = load_module(target, name="_gg_long_stream_client")
    with module.LongStream(url) as client:
        job = client.tokens.submit(n=N, width=6)
        iterated = list(job)
        assert iterated == _expected()
        assert job.outputs() == iterated and job.result() == iterated[-1]
        assert _output_updates(list(job.updates())) == [*iterated, iterated[-1]]
