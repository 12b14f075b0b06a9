"""What a user's type checker sees: correct calls pass ``mypy --strict`` and ``pyright
--strict`` (the engine of VS Code's Pylance), wrong ones fail on the line we expect (the
generated demo client, used as a user would, fakes included)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.generator._util import EXAMPLES, mypy_strict, pyright_strict

GOOD = """
import asyncio
from typing import Any, assert_type
from demo_client import AsyncDemoApp, DataframeParam, DemoApp, TextStatsResult
from demo_client import AsyncFakeDemoApp, FakeDemoApp, _GreetEndpointFake  # pyright: ignore[reportPrivateUsage]
from gradio_gen_runtime import InputValidationError
from gradio_gen_runtime.generated import Endpoint

def use(app: DemoApp) -> None:
    assert_type(app.greet("Ann"), str)
    assert_type(app.greet("Ann", "pirate", 2), str)
    assert_type(app.greet(name="Ann", style="formal"), str)
    stats = app.text_stats("a b")
    assert_type(stats, TextStatsResult)
    words, chars, longest = stats
    assert_type(longest, str)
    assert_type(words + chars, float)
    assert_type(stats.words, float)
    job = app.countdown.submit(3)
    for partial in job:
        assert_type(partial, str)
    assert_type(job.result(), str)
    assert_type(app.total(DataframeParam(headers=["a"], data=[[1]])), float)
    assert_type(app.total({"headers": ["a"], "data": [[1]]}), float)  # a plain dict
    table: DataframeParam = {"headers": ["item"], "data": [["tea"]], "metadata": None}
    app.total(table)
    assert_type(app.endpoint("/greet"), Endpoint[Any])
    try:
        app.greet("x")
    except InputValidationError as exc:
        assert_type(exc.errors, dict[str, list[str]])

async def use_async() -> None:
    async with AsyncDemoApp("http://127.0.0.1:7860/", timeout=5.0, hf_token=None) as app:
        assert_type(await app.greet("Ann"), str)
        job = await app.countdown.submit()
        assert_type(await job.result(), str)

def use_fakes() -> None:
    fake = FakeDemoApp({"greet": "hi"})
    assert_type(fake.greet, _GreetEndpointFake)  # narrowed: the fake endpoint's own API
    fake.greet.returns("hello").calls.clear()
    assert_type(fake.greet("Ann"), str)
    assert_type(fake.greet.calls[0].args, dict[str, Any])
    use(fake)  # a FakeDemoApp is a DemoApp
    afake = AsyncFakeDemoApp()
    afake.countdown.streams("3", "2")

with DemoApp(headers={"x": "y"}, max_retries=1) as client:
    use(client)
asyncio.run(use_async())
"""

BAD = """
from demo_client import DemoApp

app = DemoApp()
app.greet("Ann", style="rude")  # BAD: not one of the choices
app.greet(3)  # BAD: name is a str
n: int = app.greet("Ann")  # BAD: returns str
app.text_stats("x").nope  # BAD: no such output field
app.no_such_endpoint()  # BAD: no such endpoint
DemoApp(timeout="soon")  # BAD: not a runtime option type
DemoApp(no_such_option=1)  # BAD: unknown option
app.countdown.submit(3).result().nope  # BAD: str has no attribute
app.total({"headers": ["a"]})  # BAD: the table has no data
app.total({"headers": ["a"], "data": [], "colour": 1})  # BAD: no such key
"""


def test_user_code_type_checks(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "demo_app" / "client.py", tmp_path / "demo_client.py")
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    good = mypy_strict([tmp_path / "good.py"], tmp_path)
    assert good.returncode == 0, good.stdout
    bad = mypy_strict([tmp_path / "bad.py"], tmp_path)
    flagged = {int(m) for m in re.findall(r"^bad\.py:(\d+): error", bad.stdout, re.M)}
    expected = {i + 1 for i, line in enumerate(BAD.split("\n")) if "# BAD" in line}
    assert expected <= flagged, bad.stdout


def test_user_code_passes_pyright_strict(tmp_path: Path) -> None:
    """The same user code under pyright --strict: the good file is clean (the client's and
    the fakes' endpoints included: the fakes narrow them), the bad one fails where we expect."""
    shutil.copy(EXAMPLES / "demo_app" / "client.py", tmp_path / "demo_client.py")
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    errors, analyzed = pyright_strict([tmp_path / "good.py", tmp_path / "demo_client.py"], tmp_path)
    assert analyzed == 2 and errors == [], errors
    errors, _ = pyright_strict([tmp_path / "bad.py"], tmp_path)
    flagged = {int(e.split(":")[1]) for e in errors if e.startswith("bad.py:")}
    expected = {i + 1 for i, line in enumerate(BAD.split("\n")) if "# BAD" in line}
    assert expected <= flagged, errors
