"""The CLI against Spaces: status shown while it waits, private Spaces with a token, and the
status printer itself (plain lines off a terminal, a spinner line on one)."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from gradio_gen import cli
from gradio_gen.status_display import SpaceStatusPrinter, describe
from gradio_gen_runtime import _exceptions as errors
from gradio_gen_runtime._hub._status import SpaceStatus
from gradio_gen_runtime._typed._generated import AppClient, AsyncAppClient

from tests.fake_hub import FakeHub
from tests.servers import CORPUS, RunningApps, launch

TOKEN = "hf_alice"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with FakeHub({TOKEN: "alice"}) as h:
        monkeypatch.setenv("HF_ENDPOINT", h.url)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.setenv("HF_TOKEN_PATH", "/nonexistent/token")
        yield h


def test_generate_from_a_private_building_space(
    hub: FakeHub, basic_apps: RunningApps, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    space = hub.add_space(
        "alice/basic", upstream=basic_apps["basic"], private=True, stages=["BUILDING", "RUNNING"]
    )
    out = tmp_path / "client.py"
    code = cli.main([space.id, "-o", str(out), "--hf-token", TOKEN])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Space alice/basic: building (BUILDING). Space is building..." in err
    assert "Space alice/basic: running (RUNNING)" in err
    text = out.read_text()
    assert 'SOURCE = "alice/basic"' in text, text[:1500]
    assert 'greet = EndpointAttribute(_GreetEndpoint, "/greet")' in text
    paths = [e.path for e in hub.requests(f"space:{space.id}")]
    assert "/config" in paths and any(p.endswith("/info") for p in paths)
    assert {e.server for e in hub.log} == {"hub", f"space:{space.id}"}
    assert all(e.token() == TOKEN for e in hub.log)


def test_private_space_without_token_is_a_clear_cli_error(
    hub: FakeHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.add_space("alice/secret", private=True)
    code = cli.main(["alice/secret", "-o", str(tmp_path / "c.py")])
    err = capsys.readouterr().err
    assert code == 3
    assert "private" in err and "--hf-token" in err and "Traceback" not in err
    assert not (tmp_path / "c.py").exists()


def test_space_in_error_stage_is_a_clear_cli_error(
    hub: FakeHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.add_space("alice/broken", stages=["BUILD_ERROR"], error_message="exit code 1")
    code = cli.main(["alice/broken", "-o", str(tmp_path / "c.py")])
    err = capsys.readouterr().err
    assert code == 3 and "BUILD_ERROR" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def calculator() -> Iterator[RunningApps]:
    app = CORPUS / "apps" / "demo__calculator" / "run.py"
    if not app.is_file():
        pytest.skip("../shared/corpus is not available")
    with launch([app]) as running:
        yield running


def _client_classes(module: ModuleType) -> tuple[type[AppClient], type[AsyncAppClient]]:
    def pick(base: type) -> Any:
        (found,) = [
            v
            for v in vars(module).values()
            if isinstance(v, type)
            and issubclass(v, base)
            and v.__module__ == module.__name__
            and not v.__name__.startswith(("Fake", "AsyncFake"))
        ]
        return found

    return pick(AppClient), pick(AsyncAppClient)


def test_generated_client_of_a_corpus_app_by_space_id(
    hub: FakeHub, calculator: RunningApps, tmp_path: Path
) -> None:
    """Generate from a private, sleeping Space (a real corpus app behind the fake Hub), then call
    it through the generated client by Space id: sync and async, typed errors included."""
    space = hub.add_space(
        "alice/calc",
        upstream=calculator.url,
        private=True,
        stages=["SLEEPING"],
        on_wake=["RUNNING"],
    )
    out = tmp_path / "calc_client.py"
    assert cli.main([space.id, "-o", str(out), "--hf-token", TOKEN]) == 0
    spec = importlib.util.spec_from_file_location("_calc_client_e2e", out)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        sync_cls, async_cls = _client_classes(module)
        space.script(["BUILDING", "RUNNING"])  # rebuilt meanwhile: the client waits for it
        seen: list[SpaceStatus] = []
        with sync_cls(hf_token=TOKEN, status_callback=seen.append) as client:  # src: the Space id
            assert client.endpoints == ["/predict"]
            predict = client.endpoint("/predict")
            assert predict(45, "add", 3) == 48
            with pytest.raises(errors.AppError, match="Cannot divide by zero"):
                predict(1, "divide", 0)
            before = len(hub.log)
            with pytest.raises(errors.InputValidationError):
                predict(1, "modulo", 2)  # not one of the Radio's choices: refused locally
            assert len(hub.log) == before
        assert [s.status for s in seen] == ["building", "running"]

        async def main() -> Any:
            async with async_cls(hf_token=TOKEN) as aclient:
                return await aclient.endpoint("/predict")(3, "multiply", 2.5)

        assert asyncio.run(main()) == 7.5
    finally:
        sys.modules.pop(spec.name, None)
    assert {e.server for e in hub.log} == {"hub", f"space:{space.id}"}
    assert all(e.token() == TOKEN for e in hub.log)


# -- the printer ------------------------------------------------------------------------------


def status(kind: str, stage: str) -> SpaceStatus:
    return SpaceStatus("bob/app", kind, stage, f"{kind}...")  # type: ignore[arg-type]


def test_plain_lines_off_a_terminal() -> None:
    stream = io.StringIO()
    with SpaceStatusPrinter(stream, tty=False) as printer:
        printer(status("sleeping", "SLEEPING"))
        printer(status("running", "RUNNING"))
    assert stream.getvalue().splitlines() == [
        "Space bob/app: sleeping (SLEEPING). sleeping...",
        "Space bob/app: running (RUNNING). running...",
    ]
    assert "\r" not in stream.getvalue()


def test_spinner_line_on_a_terminal_stops_cleanly() -> None:
    stream = io.StringIO()
    before = threading.active_count()
    printer = SpaceStatusPrinter(stream, tty=True, interval=0.01)
    printer(status("building", "BUILDING"))
    time.sleep(0.15)
    printer(status("running", "RUNNING"))
    printer.close()
    printer.close()  # idempotent
    text = stream.getvalue()
    frames = [part for part in text.split("\r") if part]
    assert len(frames) > 3  # the spinner redrew the line while waiting
    assert all("building" in f for f in frames[:-1])
    assert text.endswith("\n") and "running" in frames[-1]
    assert threading.active_count() == before  # no spinner thread left behind
    assert printer.lines == [
        describe(status("building", "BUILDING")),
        describe(status("running", "RUNNING")),
    ]


def test_close_ends_the_spinner_line_when_waiting_is_interrupted() -> None:
    stream = io.StringIO()
    with SpaceStatusPrinter(stream, tty=True, interval=0.01) as printer:
        printer(status("building", "BUILDING"))
        time.sleep(0.03)
    assert stream.getvalue().endswith("\n")
    assert printer._thread is None
