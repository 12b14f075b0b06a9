"""Drive ``Client`` and ``AsyncClient`` through one blocking API, so a test body runs on both.

The async flavour runs its own event loop in a thread; every call is submitted to it with
``run_coroutine_threadsafe`` and waited for with a bound.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from gradio_gen_runtime import AsyncClient, AsyncJob, Client, Job, Status, Update

T = TypeVar("T")
WAIT = 60.0


class Loop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = WAIT) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


class AJob:
    """Blocking view of an ``AsyncJob``."""

    def __init__(self, loop: Loop, job: AsyncJob[Any]) -> None:
        self.loop = loop
        self.job = job
        self.event_id = job.event_id

    def result(self, timeout: float | None = None) -> Any:
        return self.loop.run(self.job.result(timeout=timeout) if timeout else self.job.result())

    def cancel(self) -> bool:
        return self.loop.run(self.job.cancel())

    def status(self) -> Status:
        return self.job.status()

    def done(self) -> bool:
        return self.job.done()

    def outputs(self) -> list[Any]:
        return self.job.outputs()

    def updates(self) -> list[Update]:
        async def collect() -> list[Update]:
            return [u async for u in self.job.updates()]

        return self.loop.run(collect())

    def iterate(self) -> list[Any]:
        async def collect() -> list[Any]:
            return [o async for o in self.job]

        return self.loop.run(collect())

    def send_chunk(self, *values: Any) -> None:
        self.loop.run(self.job.send_chunk(*values))

    def close_stream(self) -> None:
        self.loop.run(self.job.close_stream())


class SJob:
    def __init__(self, job: Job[Any]) -> None:
        self.job = job
        self.event_id = job.event_id

    def result(self, timeout: float | None = None) -> Any:
        return self.job.result(timeout=timeout) if timeout else self.job.result()

    def cancel(self) -> bool:
        return self.job.cancel()

    def status(self) -> Status:
        return self.job.status()

    def done(self) -> bool:
        return self.job.done()

    def outputs(self) -> list[Any]:
        return self.job.outputs()

    def updates(self) -> list[Update]:
        return list(self.job.updates())

    def iterate(self) -> list[Any]:
        return list(self.job)

    def send_chunk(self, *values: Any) -> None:
        self.job.send_chunk(*values)

    def close_stream(self) -> None:
        self.job.close_stream()


class HClient:
    """Blocking view of either client."""

    def __init__(self, harness: Harness, client: Client | AsyncClient) -> None:
        self.h = harness
        self.client = client

    def predict(self, endpoint: str | int, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self.client, Client):
            return self.client.predict(endpoint, *args, **kwargs)
        assert self.h.loop is not None
        return self.h.loop.run(self.client.predict(endpoint, *args, **kwargs))

    def submit(self, endpoint: str | int, *args: Any, **kwargs: Any) -> SJob | AJob:
        if isinstance(self.client, Client):
            return SJob(self.client.submit(endpoint, *args, **kwargs))
        assert self.h.loop is not None
        return AJob(self.h.loop, self.h.loop.run(self.client.submit(endpoint, *args, **kwargs)))

    def reset_session(self) -> None:
        self.client.reset_session()

    def close(self) -> None:
        if isinstance(self.client, Client):
            self.client.close()
        else:
            assert self.h.loop is not None
            self.h.loop.run(self.client.aclose())


class Harness:
    def __init__(self, flavor: str) -> None:
        self.flavor = flavor
        self.loop = Loop() if flavor == "async" else None
        self.clients: list[HClient] = []

    def open(self, src: str, **kwargs: Any) -> HClient:
        if self.loop is None:
            client: Client | AsyncClient = Client(src, **kwargs)
        else:

            async def connect() -> AsyncClient:
                c = AsyncClient(src, **kwargs)
                try:
                    return await c.connect()
                except BaseException:
                    await c.aclose()
                    raise

            client = self.loop.run(connect())
        hc = HClient(self, client)
        self.clients.append(hc)
        return hc

    def close(self) -> None:
        for c in self.clients:
            c.close()
        if self.loop is not None:
            self.loop.close()


def make_harness(flavor: str) -> Harness:
    return Harness(flavor)
