"""Typed fakes of a generated example (generated_examples/demo_app/client.py), used the way
an application's own tests would use them, and checked against the real client on the live
demo app for the one thing a fake must never get wrong: rejecting bad input identically."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from gradio_gen_runtime import (
    AppError,
    InputValidationError,
    NotStubbedError,
    OutputValidationError,
    UsageError,
)

from tests.contract.conftest import import_module_file
from tests.servers import RunningApps, launch

EXAMPLE = Path(__file__).parents[2] / "generated_examples" / "demo_app"


@pytest.fixture(scope="module")
def demo() -> ModuleType:
    return import_module_file(EXAMPLE / "client.py")


@pytest.fixture(scope="module")
def demo_app() -> Iterator[RunningApps]:
    with launch([EXAMPLE / "app.py"]) as running:
        yield running


# -- the "application" under test: ordinary code written against the generated client ------


def welcome(client: Any, names: list[str]) -> str:
    """Greet everyone formally, then summarise the text (typed against ``DemoApp``)."""
    lines = [client.greet(name, style="formal") for name in names]
    stats = client.text_stats(" ".join(lines))
    return f"{int(stats.words)} words, longest {stats.longest_word!r}: " + " / ".join(lines)


def test_application_code_runs_against_the_fake(demo: ModuleType) -> None:
    fake = demo.FakeDemoApp()
    assert isinstance(fake, demo.DemoApp)  # accepted wherever the real client is
    fake.greet.responds(lambda name, style, repeat: f"{style}:{name}")
    fake.text_stats.returns((2, 22, "formal:Ada"))  # validated into TextStatsResult

    assert welcome(fake, ["Ada", "Bob"]) == "2 words, longest 'formal:Ada': formal:Ada / formal:Bob"

    assert [c.args for c in fake.greet.calls] == [
        {"name": "Ada", "style": "formal", "repeat": 1.0},
        {"name": "Bob", "style": "formal", "repeat": 1.0},
    ]
    assert fake.text_stats.last_call["text"] == "formal:Ada formal:Bob"
    assert [c.endpoint for c in fake.calls] == ["/greet", "/greet", "/text-stats"]
    result = fake.text_stats("x")
    assert isinstance(result, demo.TextStatsResult) and result.words == 2.0


def test_same_signatures_as_the_real_client(demo: ModuleType) -> None:
    fake = demo.FakeDemoApp()
    real = demo.DemoApp("http://127.0.0.1:9/")  # nothing listens there; no request is made
    try:
        for attr in ("greet", "text_stats", "countdown", "tally", "total"):
            assert isinstance(getattr(fake, attr), type(getattr(real, attr)))
            for method in ("__call__", "submit"):
                assert inspect.signature(getattr(getattr(fake, attr), method)) == (
                    inspect.signature(getattr(getattr(real, attr), method))
                )
    finally:
        real.close()


BAD_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("greet", ("Ada",), {"style": "rude"}),
    ("greet", ("Ada",), {"repeat": "many"}),
    ("greet", (["Ada"],), {}),
    ("text_stats", (42,), {}),
    ("total", ({"rows": "nope"},), {}),
]


@pytest.mark.parametrize(("attr", "args", "kwargs"), BAD_CALLS)
def test_wrong_input_is_rejected_exactly_like_the_real_client(
    demo: ModuleType,
    demo_app: RunningApps,
    attr: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    fake = demo.FakeDemoApp({attr: lambda **_: pytest.fail("a rejected call reached the stub")})
    with demo.DemoApp(demo_app.url, on_drift="error") as real:
        with pytest.raises(InputValidationError) as real_error:
            getattr(real, attr)(*args, **kwargs)
        with pytest.raises(InputValidationError) as fake_error:
            getattr(fake, attr)(*args, **kwargs)
        assert type(fake_error.value) is type(real_error.value)
        assert fake_error.value.errors == real_error.value.errors
        assert str(fake_error.value) == str(real_error.value)
        assert getattr(fake, attr).calls == []
        # and the real client does work against the live app, so the rejection is the client's
        assert real.greet("Ada", style="formal") == "Good day, Ada!"


def test_unstubbed_endpoint_names_itself(demo: ModuleType) -> None:
    fake = demo.FakeDemoApp({"greet": "hi"})
    with pytest.raises(NotStubbedError, match=r"FakeDemoApp: endpoint /text-stats .*not stubbed"):
        welcome(fake, ["Ada"])
    with pytest.raises(InputValidationError):  # validation still comes first
        fake.countdown(start="soon")


def test_streams_submit_and_job_api(demo: ModuleType) -> None:
    fake = demo.FakeDemoApp()
    fake.countdown.streams("2", "2\n1", "2\n1\nliftoff!")
    job = fake.countdown.submit(2)
    assert job.done() and job.status().code == "done"
    assert list(job) == ["2", "2\n1", "2\n1\nliftoff!"]
    assert job.result() == "2\n1\nliftoff!"
    assert job.outputs() == ["2", "2\n1", "2\n1\nliftoff!"]
    updates = list(job.updates())
    assert [u.kind for u in updates] == ["output", "output", "output", "status"]
    assert [u.final for u in updates[:3]] == [False, False, True]
    assert job.cancel() is False

    def count(start: float) -> Iterator[str]:
        for i in range(int(start), -1, -1):
            yield str(i)

    fake.countdown.responds(count)
    assert list(fake.countdown.submit(start=1)) == ["1", "0"]
    assert fake.countdown() == "0"  # start defaults to the app's 3.0 -> last value "0"
    assert fake.countdown.last_call.args == {"start": 3.0}


def test_errors_and_output_validation(demo: ModuleType) -> None:
    fake = demo.FakeDemoApp({"greet": AppError("model overloaded"), "/text-stats": ("x", 1, "w")})
    with pytest.raises(AppError, match="model overloaded"):
        fake.greet("Ada")
    job = fake.greet.submit("Ada")
    assert job.status().code == "error"
    with pytest.raises(AppError):
        job.result()
    with pytest.raises(OutputValidationError) as bad:
        fake.text_stats("a b")  # a stub returning the wrong type fails like a bad server
    assert bad.value.raw == ["x", 1, "w"]
    fake.greet.responds(lambda **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        fake.greet("Ada")
    assert len(fake.greet.calls) == 3
    fake.reset()
    assert fake.calls == [] and fake.greet.calls == []
    with pytest.raises(NotStubbedError):
        fake.greet("Ada")
    with pytest.raises(UsageError, match="no endpoint 'nope'"):
        demo.FakeDemoApp({"nope": 1})
    with pytest.raises(TypeError):
        fake.greet.responds("not callable")


def test_async_fake(demo: ModuleType) -> None:
    async def main() -> None:
        fake = demo.AsyncFakeDemoApp()
        assert isinstance(fake, demo.AsyncDemoApp)

        async def greet(name: str, style: str, repeat: float) -> str:
            await asyncio.sleep(0)
            return f"{style}:{name}"

        async def count(start: float) -> AsyncIterator[str]:
            for i in range(int(start), -1, -1):
                yield str(i)

        fake.greet.responds(greet)
        fake.countdown.responds(count)
        async with fake as client:
            assert await client.greet("Ada", style="pirate") == "pirate:Ada"
            job = await client.countdown.submit(2)
            assert [x async for x in job] == ["2", "1", "0"]
            assert await job.result() == "0"
            with pytest.raises(InputValidationError):
                await client.greet("Ada", style="rude")
            with pytest.raises(NotStubbedError):
                await client.tally("x")
        assert [c.endpoint for c in fake.calls] == ["/greet", "/countdown"]

    asyncio.run(main())
