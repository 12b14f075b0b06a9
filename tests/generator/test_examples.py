"""Golden files: generated_examples/ must be exactly what the generator writes today.

On a difference, run ``python generated_examples/regenerate.py`` and review the diff.
"""

from __future__ import annotations

import difflib
import importlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gradio_gen.render import RUFF_TARGET

from tests.generator._util import (
    EXAMPLES,
    ROOT,
    load_module,
    mypy_strict,
    private_runtime_imports,
    pyright_strict,
)

sys.path.insert(0, str(EXAMPLES))
regenerate = importlib.import_module("regenerate")
NAMES = sorted(regenerate.EXAMPLES)


def test_at_least_six_kinds() -> None:
    kinds = {kind for _, _, kind in regenerate.EXAMPLES.values()}
    assert len(kinds) >= 6


@pytest.mark.parametrize("name", NAMES)
def test_example_is_up_to_date(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    committed = (EXAMPLES / name / "client.py").read_text(encoding="utf-8")
    fresh = regenerate.generate(name)
    if fresh != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(True), fresh.splitlines(True), "committed", "generated", n=1
            )
        )
        pytest.fail(
            f"{name}/client.py is stale; run generated_examples/regenerate.py\n{diff[:4000]}"
        )


def test_cli_writes_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gradio_gen import cli

    monkeypatch.chdir(ROOT)
    for name in NAMES:
        argv = regenerate.argv_for(name)
        argv[2] = str(tmp_path / f"{name}.py")
        assert cli.main([*argv, "-q"]) == 0
        assert (tmp_path / f"{name}.py").read_bytes() == (
            EXAMPLES / name / "client.py"
        ).read_bytes()


def test_examples_pass_mypy_strict_and_ruff(tmp_path: Path) -> None:
    paths = []
    for name in NAMES:
        target = tmp_path / f"example_{name}.py"
        shutil.copy(EXAMPLES / name / "client.py", target)
        paths.append(target)
    proc = mypy_strict(paths, tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]
    # linted for the oldest Python they support (3.10: typing_extensions' NotRequired, Unpack)
    ruff = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache"]
    ruff += ["--target-version", RUFF_TARGET, *map(str, paths)]
    result = subprocess.run(ruff, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def test_examples_pass_pyright_strict(tmp_path: Path) -> None:
    """pyright (VS Code's Pylance engine) in strict mode, for Python 3.10, as mypy --strict."""
    paths = []
    for name in NAMES:
        target = tmp_path / f"example_{name}.py"
        shutil.copy(EXAMPLES / name / "client.py", target)
        paths.append(target)
    errors, analyzed = pyright_strict(paths, tmp_path, python_version="3.10")
    assert analyzed == len(paths) and errors == [], errors[:40]


@pytest.mark.parametrize("name", NAMES)
def test_examples_import_only_the_public_runtime_module(name: str) -> None:
    text = (EXAMPLES / name / "client.py").read_text(encoding="utf-8")
    assert private_runtime_imports(text) == []


def test_the_import_check_notices_a_private_import() -> None:
    text = (EXAMPLES / "demo_app" / "client.py").read_text(encoding="utf-8")
    bad = text.replace(
        "from gradio_gen_runtime.generated import define_fakes",
        "from gradio_gen_runtime._typed._fake_define import define_fakes",
    )
    assert bad != text
    assert private_runtime_imports(bad) == [
        next(
            f"line {i}: from gradio_gen_runtime._typed._fake_define import ..."
            for i, line in enumerate(bad.splitlines(), 1)
            if "_fake_define import" in line
        )
    ]


def test_examples_import_fast_and_make_no_request() -> None:
    """Importing a generated module builds nothing heavy; constructing a client makes no
    request (the snapshot is embedded)."""
    code = (
        "import time, sys; import pydantic, typing_extensions, gradio_gen_runtime._typed._generated;"
        "t = time.perf_counter();"
        f"sys.path.insert(0, {str(EXAMPLES / 'demo_app')!r}); import client;"
        "dt = time.perf_counter() - t;"
        "c = client.DemoApp('http://127.0.0.1:9/');"  # port 9: nothing listens; no request made
        "print(dt, len(c.endpoints))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_PROXY": "*"},
    )
    assert proc.returncode == 0, proc.stderr
    seconds, count = proc.stdout.split()
    print(
        f"\nimport of a typical generated module (runtime already imported): {float(seconds) * 1000:.1f} ms"
    )
    assert int(count) == 5


def test_examples_have_expected_shapes() -> None:
    demo = load_module(EXAMPLES / "demo_app" / "client.py")
    import inspect
    import typing

    sig = inspect.signature(demo._GreetEndpoint.__call__)
    assert list(sig.parameters) == ["self", "name", "style", "repeat"]
    assert sig.parameters["style"].default == "friendly"
    hints = typing.get_type_hints(demo._GreetEndpoint.__call__)
    assert hints["style"] == typing.Literal["friendly", "formal", "pirate"]
    assert demo.TextStatsResult._fields == ("words", "characters", "longest_word")
    # the State output of /tally is hidden: one visible output -> a plain str
    assert typing.get_type_hints(demo._TallyEndpoint.__call__)["return"] is str
    assert demo.SOURCE == "http://127.0.0.1:7860/" and len(demo.SCHEMA_SHA256) == 64
    files = load_module(EXAMPLES / "files" / "client.py")
    text = (EXAMPLES / "files" / "client.py").read_text(encoding="utf-8")
    assert "FileInput" in text and "File" in text
    chatbot = (EXAMPLES / "chatbot" / "client.py").read_text(encoding="utf-8")
    assert "class Message" in chatbot or "Message" in chatbot
    assert files.SCHEMA_SHA256


def test_generation_timing() -> None:
    """Timing for a typical app (printed; the benchmarks harness records it)."""
    from gradio_gen import cli, snapshot

    snap = snapshot.load_file(str(EXAMPLES / "chatbot" / "snapshot.json"))
    cli.generate(snap, source="x")  # warm: imports, first datamodel-code-generator call
    t = time.perf_counter()
    cli.generate(snap, source="x")
    print(f"\ngeneration of a typical app (chatbot): {(time.perf_counter() - t) * 1000:.0f} ms")
