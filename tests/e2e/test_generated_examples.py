"""Each committed example client, run against its LIVE app (real gradio servers).

Corpus apps are launched from ``../shared/corpus`` (skipped where it is absent); the bundled
demo app from ``generated_examples/demo_app/app.py``. One app process at a time, always stopped.
gradio_client is the oracle where outputs are deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from gradio_gen_runtime import InputValidationError

from tests.generator._util import EXAMPLES, load_module
from tests.servers import CORPUS, TEST_ENV, launch

pytestmark = pytest.mark.timeout(240)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def corpus_app(name: str, timeout: float = 120.0) -> Iterator[str]:
    """Run ``../shared/corpus/launch.py <name> <port>`` until the block ends."""
    if not (CORPUS / "launch.py").is_file():
        pytest.skip("../shared/corpus is not available")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(CORPUS / "launch.py"), name, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **TEST_ENV},
        start_new_session=True,
    )
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("CORPUS_READY"):
                ready.set()
                return

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(timeout):
            raise RuntimeError(f"corpus app {name} did not start within {timeout} s")
        yield f"http://127.0.0.1:{port}/"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def example(name: str) -> ModuleType:
    return load_module(EXAMPLES / name / "client.py", name=f"_gg_example_{name}")


def oracle(url: str, *args: Any, api_name: str) -> Any:
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=False)
    try:
        return client.predict(*args, api_name=api_name)
    finally:
        client.close()


def png_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 120, 40)).save(buf, format="PNG")
    return buf.getvalue()


def test_multi_output_unpacks_like_the_official_client() -> None:
    m = example("multi_output")
    with corpus_app("demo__hello_world_3") as url, m.HelloWorld3(url) as client:
        result = client.predict("Ann", True, 50)
        greeting, celsius = result  # unpacks in order
        assert isinstance(result, m.PredictResult)
        assert result.output_0 == greeting == "Good morning Ann. It is 50 degrees today"
        assert celsius == 10.0
        assert list(result) == list(oracle(url, "Ann", True, 50, api_name="/predict"))
        assert client.predict(name="Bo").output_0.startswith("Good evening Bo")  # defaults
        with pytest.raises(InputValidationError) as exc:
            client.predict("Ann", temperature="hot")  # type: ignore[arg-type]
        assert "temperature" in exc.value.errors


def test_dataframe_model_input() -> None:
    m = example("dataframe")
    assets = {
        "headers": ["Item", "Cost", "Deductible"],
        "data": [["Suit", 5000, True], ["Laptop", 800, False], ["Car", 1800, True]],
    }
    with corpus_app("demo__tax_calculator") as url, m.TaxCalculator(url) as client:
        typed = client.predict(10000, "Married", m.DataframeParam(**assets))
        assert typed == oracle(url, 10000, "Married", assets, api_name="/predict")
        assert isinstance(typed, float)
        with pytest.raises(InputValidationError) as exc:
            client.predict(10000, "Widowed", assets)  # type: ignore[arg-type]
        assert "marital_status" in exc.value.errors


def test_chatbot_messages_round_trip() -> None:
    m = example("chatbot")
    with corpus_app("demo__chatbot_simple") as url, m.ChatbotSimple(url) as client:
        text, history = client.respond("Hello there", [])
        assert text == ""
        assert [msg.role for msg in history] == ["user", "assistant"]
        assert history[0].content[0].text == "Hello there"  # type: ignore[union-attr]
        # the typed history goes back in as an input
        _, longer = client.respond("Again", history)
        assert [msg.role for msg in longer] == ["user", "assistant"] * 2


def test_image_file_in_file_out(tmp_path: Path) -> None:
    m = example("image")
    source = tmp_path / "in.png"
    source.write_bytes(png_bytes())
    with corpus_app("demo__sepia_filter") as url, m.SepiaFilter(url) as client:
        out = client.predict(source)
        assert isinstance(out, m.File)
        data = out.read_bytes()
        assert len(data) > 20
        again = client.predict(png_bytes())  # bytes are accepted too
        assert again.read_bytes()[:4] == data[:4]
        with pytest.raises(InputValidationError):
            client.predict(tmp_path / "missing.png")


def test_streaming_generator_yields_each_output() -> None:
    m = example("streaming")

    async def run(url: str) -> tuple[list[Any], Any]:
        async with m.AsyncStreamingEcho(url) as client:
            job = await client.slow_echo.submit("abc")
            seen = [out async for out in job]
            return seen, await job.result()

    with corpus_app("demo__chatinterface_streaming_echo") as url:
        with m.StreamingEcho(url) as client:
            job = client.slow_echo.submit("hey")
            outputs = list(job)
            assert outputs[-1] == "You typed: hey" == job.result()
            assert len(outputs) >= 2 and all(o.startswith("You typed: h") for o in outputs)
        seen, final = asyncio.run(run(url))
        assert final == "You typed: abc" and seen[-1] == final


def test_files_single_and_multiple(tmp_path: Path) -> None:
    m = example("files")
    a = tmp_path / "a.txt"
    a.write_text("alpha", encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("beta", encoding="utf-8")
    with corpus_app("demo__file_component_events") as url, m.FileEvents(url) as client:
        single = client.lambda_(a, 1)
        assert isinstance(single.upload_single_file_output, m.File)
        assert single.upload_single_file_output.read_bytes() == b"alpha"
        assert single.load_upload_single_file == 2
        many = client.lambda_1([a, b.read_bytes()])
        files = many.upload_multiple_files_output
        assert [f.read_bytes() for f in files] == [b"alpha", b"beta"]


def test_plot_update_output() -> None:
    m = example("plot")
    with corpus_app("demo__plot_guide_datetime") as url, m.PlotDatetime(url) as client:
        # the app answers with a property-only update (new x limits, no new value)
        assert client.lambda_("2024-01-01 00:00:00", "2024-01-02 00:00:00") is None
        job = client.lambda_.submit("now - 1h", "now")
        assert job.result() is None and job.status().code == "done"


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    with launch([EXAMPLES / "demo_app" / "app.py"]) as running:
        yield running.url


def test_demo_app_sync(demo_url: str) -> None:
    m = example("demo_app")
    with m.DemoApp(demo_url) as client:
        assert client.greet("Ann", "pirate", 2) == "Ahoy, Ann! Ahoy, Ann!"
        assert client.endpoint("/greet") is client.greet
        assert client.endpoint("text-stats") is client.text_stats
        words, chars, longest = client.text_stats("the quick brown fox")
        assert (words, chars, longest) == (4, 19, "quick")
        job = client.countdown.submit(3)
        assert [line.split("\n")[-1] for line in job] == ["3", "2", "1", "liftoff!"]
        assert client.tally("apples") == "apples"
        assert client.tally("pears") == "apples, pears"  # session state kept
        total = client.total(
            {"headers": ["item", "price"], "data": [["a", 1.5], ["b", 2]]}  # a plain dict
        )
        assert total == 3.5
        with pytest.raises(InputValidationError) as exc:
            client.greet("Ann", "rude")  # type: ignore[arg-type]
        assert list(exc.value.errors) == ["style"]


def test_demo_app_async(demo_url: str) -> None:
    m = example("demo_app")

    async def run() -> None:
        async with m.AsyncDemoApp(demo_url) as client:
            results = await asyncio.gather(
                client.greet("A"), client.greet("B", "formal"), client.text_stats("x yz")
            )
            assert results[0] == "Hello, A!" and results[1] == "Good day, B!"
            assert results[2].longest_word == "yz"

    asyncio.run(run())
