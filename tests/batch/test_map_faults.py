"""``map``'s retries through a fault-injection proxy in front of the live batch app: refused
joins (429 / 503 with ``Retry-After``) are sent again after the pause the server asked for;
a call cut mid-stream is sent again only with ``retries``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from gradio_gen_runtime import AsyncClient, Client, StreamLostError

from tests.faultproxy import FaultProxy, Rule

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_refused_joins_wait_for_retry_after_then_go_through(
    batch_url: str, status: int, flavor: str
) -> None:
    with FaultProxy(batch_url) as proxy:
        proxy.add(Rule(r"queue/join", "status", status=status, retry_after="1", times=2))
        rows = [(float(i + 20), 0.0) for i in range(4)]
        started = time.monotonic()
        if flavor == "sync":
            with Client(proxy.url, max_retries=0) as client:
                out = list(client.map("/square", rows, concurrency=2))
        else:

            async def main() -> list[Any]:
                async with AsyncClient(proxy.url, max_retries=0) as aclient:
                    return [r async for r in aclient.map("/square", rows, concurrency=2)]

            out = asyncio.run(main())
        elapsed = time.monotonic() - started
        joins = proxy.requests("queue/join")
    assert out == [x * x for x, _ in rows]
    assert len(joins) == 6  # 2 refused + 4 accepted: each row ran once
    assert elapsed >= 0.9  # the batch paused for the Retry-After


def test_a_call_cut_midway_is_sent_again_only_when_asked(batch_url: str) -> None:
    cut = Rule(r"queue/data", "reset", point="events", after_msg="process_starts", times=1)
    with FaultProxy(batch_url) as proxy:
        proxy.add(cut)
        with Client(proxy.url) as client, pytest.raises(StreamLostError):
            list(client.map("/square", [(21.0, 0.3)]))
        proxy.clear()
        proxy.add(Rule(r"queue/data", "reset", point="events", after_msg="process_starts", times=1))
        with Client(proxy.url) as client:
            assert list(client.map("/square", [(21.0, 0.3)], retries=1)) == [441.0]
        assert len(proxy.requests("queue/join")) == 2  # (log cleared) the cut run + its retry
