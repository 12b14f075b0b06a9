"""``map`` against a live gradio app: order, the concurrency bound seen by the server,
laziness, cancel on the first failure, ``return_exceptions``, progress, quota waits and
refused joins, for the generated (typed) and untyped clients, sync and async."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any

import pytest
from gradio_gen_runtime import (
    AppError,
    AsyncClient,
    Client,
    InputValidationError,
    UsageError,
    ZeroGPUQuotaError,
)
from gradio_gen_runtime._client._batching import MapProgress

from tests.servers import RunningApps

pytestmark = pytest.mark.timeout(120)

FLAVORS = ["typed", "typed_async", "untyped", "untyped_async"]


def run_map(
    flavor: str, url: str, module: ModuleType, endpoint: str, inputs: Iterable[Any], **options: Any
) -> list[Any]:
    """All results of one ``map`` (or its exception), through the chosen client."""
    if flavor == "typed":
        with module.BatchApp(url) as client:
            return list(getattr(client, endpoint).map(inputs, **options))
    if flavor == "untyped":
        with Client(url) as client:
            return list(client.map("/" + endpoint, inputs, **options))

    async def main() -> list[Any]:
        if flavor == "typed_async":
            async with module.AsyncBatchApp(url) as aclient:
                return [r async for r in getattr(aclient, endpoint).map(inputs, **options)]
        async with AsyncClient(url) as uclient:
            return [r async for r in uclient.map("/" + endpoint, inputs, **options)]

    return asyncio.run(main())


def stats(url: str) -> dict[str, Any]:
    with Client(url) as client:
        return dict(client.predict("/stats"))


def reset(url: str) -> None:
    with Client(url) as client:
        client.predict("/reset")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_results_in_input_order_and_concurrency_bound_on_the_server(
    flavor: str, batch_url: str, batch_module: ModuleType
) -> None:
    reset(batch_url)
    # later rows finish first (shorter delays): the results still come in input order
    inputs = [(float(i), 0.05 * (12 - i)) for i in range(12)]  # no 13: it fails
    out = run_map(flavor, batch_url, batch_module, "square", inputs, concurrency=3)
    assert out == [float(i * i) for i in range(12)]
    seen = stats(batch_url)
    assert seen["calls"] == 12
    assert 2 <= seen["peak"] <= 3  # the server never ran more than 3 at once


@pytest.mark.parametrize("flavor", FLAVORS)
def test_keyword_inputs_defaults_and_several_outputs(
    flavor: str, batch_url: str, batch_module: ModuleType
) -> None:
    out = run_map(flavor, batch_url, batch_module, "square", [{"x": 3}, {"x": 4, "delay": 0}])
    assert out == [9.0, 16.0]
    pairs = run_map(flavor, batch_url, batch_module, "pair", [(1, 2), {"a": 3, "b": 4}])
    assert [tuple(p) for p in pairs] == [(3.0, 2.0), (7.0, 12.0)]
    if flavor.startswith("typed"):
        assert pairs[0].sum == 3.0  # a NamedTuple, typed


def _counting(source: Iterable[Any], counter: list[int]) -> Iterator[Any]:
    for item in source:
        counter[0] += 1
        yield item


@pytest.mark.parametrize("flavor", ["typed", "untyped"])
def test_inputs_are_read_lazily_and_leaving_early_cancels(
    flavor: str, batch_url: str, batch_module: ModuleType
) -> None:
    reset(batch_url)
    read = [0]
    endless = _counting(((float(i % 10), 0.05) for i in itertools.count()), read)
    client: Any = batch_module.BatchApp(batch_url) if flavor == "typed" else Client(batch_url)
    with client:
        results = (
            client.square.map(endless, concurrency=4)
            if flavor == "typed"
            else client.map("/square", endless, concurrency=4)
        )
        first = list(itertools.islice(results, 10))
        assert first == [float((i % 10) ** 2) for i in range(10)]
        assert read[0] <= 10 + 4  # never more than the window ahead
        results.close()  # type: ignore[attr-defined]  # leaving: the calls in flight are cancelled
    assert stats(batch_url)["calls"] <= 14


@pytest.mark.parametrize("flavor", FLAVORS)
def test_first_failure_stops_sending_and_is_raised_in_its_place(
    flavor: str, batch_url: str, batch_module: ModuleType
) -> None:
    reset(batch_url)
    inputs = [(1.0, 0.3), (13.0, 0.0), *[(float(i), 0.3) for i in range(20, 40)]]
    got: list[Any] = []

    def collect(results: Iterable[Any]) -> None:
        got.extend(results)

    with pytest.raises(AppError, match="unlucky"):
        if flavor == "typed":
            with batch_module.BatchApp(batch_url) as client:
                for r in client.square.map(inputs, concurrency=3):
                    got.append(r)
        elif flavor == "untyped":
            with Client(batch_url) as uclient:
                for r in uclient.map("/square", inputs, concurrency=3):
                    got.append(r)
        else:

            async def main() -> None:
                if flavor == "typed_async":
                    async with batch_module.AsyncBatchApp(batch_url) as aclient:
                        async for r in aclient.square.map(inputs, concurrency=3):
                            got.append(r)
                else:
                    async with AsyncClient(batch_url) as auclient:
                        async for r in auclient.map("/square", inputs, concurrency=3):
                            got.append(r)

            asyncio.run(main())
    assert got == [1.0]  # the row before the failure comes first; nothing after it
    seen = stats(batch_url)
    assert seen["calls"] <= 3  # rows after the window were never sent


@pytest.mark.parametrize("flavor", FLAVORS)
def test_return_exceptions_yields_each_failure_in_its_place(
    flavor: str, batch_url: str, batch_module: ModuleType
) -> None:
    inputs: list[Any] = [(2.0,), (13.0,), "not a tuple", {"nope": 1}, (3.0,)]
    out = run_map(flavor, batch_url, batch_module, "square", inputs, return_exceptions=True)
    assert out[0] == 4.0 and out[4] == 9.0
    assert isinstance(out[1], AppError) and out[1].message == "unlucky number"
    assert isinstance(out[2], InputValidationError) and "tuple" in str(out[2])
    assert isinstance(out[3], InputValidationError) and "nope" in str(out[3])


def test_typed_values_are_validated_per_row(batch_url: str, batch_module: ModuleType) -> None:
    with batch_module.BatchApp(batch_url) as client:
        out = list(client.square.map([("four",), (4,)], return_exceptions=True))
    assert isinstance(out[0], InputValidationError) and "x" in out[0].errors
    assert out[1] == 16.0


def test_progress_callback_and_no_thread_per_call(batch_url: str) -> None:
    seen: list[MapProgress] = []
    threads: list[int] = []

    def on_progress(p: MapProgress) -> None:
        seen.append(p)
        threads.append(threading.active_count())

    with Client(batch_url) as client:
        client.predict("/stats")  # the session exists (its reader may run) before we count
        base = threading.active_count()
        out = list(
            client.map(
                "/square", [(float(i), 0.05) for i in range(20, 44)], on_progress=on_progress
            )
        )
    assert out == [float(i * i) for i in range(20, 44)]
    assert seen[-1].done == 24 and seen[-1].total == 24 and seen[-1].failed == 0
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert seen[-1].rate > 0 and seen[-1].eta == 0
    assert max(threads) <= base + 1  # at most the session's one stream reader


def test_progress_bar_draws_on_stderr(batch_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with Client(batch_url) as client:
        assert list(client.map("/square", [(1.0,), (2.0,)], progress_bar=True)) == [1.0, 4.0]
    assert "2/2" in capsys.readouterr().err


def test_progress_bar_without_tqdm_is_a_clear_error(
    batch_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm -> ImportError
    with (
        Client(batch_url) as client,
        pytest.raises(UsageError, match=r"gradio-gen-runtime\[progress\]"),
    ):
        client.map("/square", [(1.0,)], progress_bar=True)


@pytest.mark.parametrize("bad", [{"concurrency": 0}, {"retries": -1}, {"wait_on_quota": "x"}])
def test_bad_options_fail_before_anything_is_sent(batch_url: str, bad: dict[str, Any]) -> None:
    with Client(batch_url) as client, pytest.raises(UsageError):
        client.map("/square", [(1.0,)], **bad)


def test_quota_error_waits_when_asked(batch_url: str, batch_module: ModuleType) -> None:
    reset(batch_url)
    with batch_module.BatchApp(batch_url) as client:
        with pytest.raises(ZeroGPUQuotaError) as caught:
            list(client.quota_once.map([(5,)]))
        assert caught.value.retry_after == 1.0 and caught.value.left == 0.0
        reset(batch_url)
        with pytest.raises(ZeroGPUQuotaError):  # the wait is longer than accepted
            list(client.quota_once.map([(5,)], wait_on_quota=0.5))
        reset(batch_url)
        started = time.monotonic()
        assert list(client.quota_once.map([(5,), (6,)], wait_on_quota=True)) == [5.0, 6.0]
        assert time.monotonic() - started >= 0.9  # waited as told ("Try again in 0:00:01")


def test_quota_wait_async(batch_url: str, batch_module: ModuleType) -> None:
    reset(batch_url)

    async def main() -> list[float]:
        async with batch_module.AsyncBatchApp(batch_url) as client:
            return [r async for r in client.quota_once.map([(7,)], wait_on_quota=5)]

    assert asyncio.run(main()) == [7.0]


@pytest.mark.parametrize("flavor", ["untyped", "untyped_async"])
def test_refused_joins_are_retried(flavor: str, batch_apps: RunningApps) -> None:
    """rt_small's queue holds 2 and runs 1: most of 5 concurrent joins get 503 "queue full";
    map sends them again after a backoff until every row ran once."""
    url = batch_apps["rt_small"]
    inputs = [(0.2,)] * 5
    if flavor == "untyped":
        with Client(url) as client:
            out = list(client.map("/hold", inputs, concurrency=5))
    else:

        async def main() -> list[Any]:
            async with AsyncClient(url) as aclient:
                return [r async for r in aclient.map("/hold", inputs, concurrency=5)]

        out = asyncio.run(main())
    assert out == [0.2] * 5


def test_typed_fake_maps_too(batch_module: ModuleType) -> None:
    fake = batch_module.FakeBatchApp({"square": 4.0})
    assert list(fake.square.map([(2.0,), {"x": 2.0}])) == [4.0, 4.0]
    assert len(fake.square.calls) == 2


def test_async_inputs_may_be_an_async_iterable(batch_url: str) -> None:
    async def rows() -> Any:
        for i in range(3):
            yield (float(i),)

    async def main() -> list[Any]:
        async with (
            AsyncClient(batch_url) as client,
            contextlib.aclosing(client.map("/square", rows())) as results,  # type: ignore[type-var]
        ):
            return [r async for r in results]

    assert asyncio.run(main()) == [0.0, 1.0, 4.0]
