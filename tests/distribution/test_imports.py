"""A generated client needs only the runtime's dependencies (httpx, pydantic).

Each committed example module is imported in a fresh interpreter; the bundled demo app's
client is also constructed and called against the live app (and its typed fake used), and
then ``sys.modules`` must hold none of the generator's dependencies nor Gradio's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import RunningApps, launch

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "generated_examples"
FORBIDDEN = (
    "jinja2",
    "datamodel_code_generator",
    "ruff",
    "huggingface_hub",
    "gradio",
    "gradio_client",
    "black",
    "isort",
    "wsproto",  # only for gradio 3.x apps (protocol ws); the demo app is sse_v3
)
EXAMPLE_DIRS = sorted(p.parent.name for p in EXAMPLES.glob("*/client.py"))

PROBE = textwrap.dedent(
    """
    import importlib.util, json, sys
    path, url = sys.argv[1], sys.argv[2]
    spec = importlib.util.spec_from_file_location("user_client", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["user_client"] = module
    spec.loader.exec_module(module)
    used = []
    if url:
        with module.DemoApp(url) as client:
            used.append(client.greet("Ada"))
            used.append(list(client.countdown.submit(start=1))[-1])
        fake = module.FakeDemoApp({"greet": "stubbed"})
        used.append(fake.greet("x"))
    print(json.dumps({"modules": sorted(sys.modules), "used": used}))
    """
)


def _probe(example: str, url: str, tmp_path: Path) -> dict[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(EXAMPLES / example / "client.py"), url],
        cwd=tmp_path,  # not the repo: nothing of tests/ or the card's folders is importable
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, list[str]] = json.loads(proc.stdout.splitlines()[-1])
    return result


def _forbidden(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in FORBIDDEN]


@pytest.fixture(scope="module")
def demo_app() -> Iterator[RunningApps]:
    with launch([EXAMPLES / "demo_app" / "app.py"]) as running:
        yield running


def test_examples_exist() -> None:
    assert len(EXAMPLE_DIRS) >= 6, EXAMPLE_DIRS
    assert "demo_app" in EXAMPLE_DIRS


@pytest.mark.parametrize("example", EXAMPLE_DIRS)
def test_importing_a_generated_client_imports_no_generator(example: str, tmp_path: Path) -> None:
    result = _probe(example, "", tmp_path)
    assert "gradio_gen_runtime.generated" in result["modules"]  # its one runtime import
    # pydantic loads when the module defines models, and not before (the import-time cost)
    has_models = "(GeneratedModel):" in (EXAMPLES / example / "client.py").read_text("utf-8")
    assert ("pydantic" in result["modules"]) == has_models
    assert _forbidden(result["modules"]) == []
    # nor the generator half of our own package
    assert not [m for m in result["modules"] if m in ("gradio_gen.cli", "gradio_gen.render")]


def test_calling_a_generated_client_imports_no_generator(
    demo_app: RunningApps, tmp_path: Path
) -> None:
    result = _probe("demo_app", demo_app.url, tmp_path)
    assert result["used"] == ["Hello, Ada!", "1\nliftoff!", "stubbed"]
    assert "httpx" in result["modules"]  # the engine really ran
    assert _forbidden(result["modules"]) == []


def test_the_probe_would_notice(tmp_path: Path) -> None:
    """Control: the same probe sees a generator dependency when one is imported."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", "import jinja2, sys, json; print(json.dumps(sorted(sys.modules)))"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "jinja2" in _forbidden(json.loads(proc.stdout))


@pytest.mark.parametrize("example", EXAMPLE_DIRS)
def test_every_generated_module_records_the_generator_version(example: str) -> None:
    namespace: dict[str, str] = {}
    exec((ROOT / "runtime" / "_version.py").read_text(encoding="utf-8"), namespace)
    text = (EXAMPLES / example / "client.py").read_text(encoding="utf-8")
    assert f'\nGENERATOR_VERSION = "{namespace["__version__"]}"\n' in text
