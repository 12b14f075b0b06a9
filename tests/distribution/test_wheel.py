"""The built wheel and sdist, installed into a fresh virtual environment, used as a new user would.

The package is built from a copy of the working tree (so the build writes nothing into the
repo) with ``python -m build`` (sdist, then the wheel built *from that sdist*, which proves the
sdist is complete). The wheel goes into a brand-new venv; every command there runs with a
temporary working directory and no ``PYTHONPATH``, so the repo is not importable. A real
gradio app (the bundled demo app) is served by the main venv.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import RunningApps, launch

ROOT = Path(__file__).resolve().parents[2]
DEMO_APP = ROOT / "generated_examples" / "demo_app" / "app.py"
_REQUIRES = re.search(
    r'^requires-python = ">=(\d+\.\d+)"$', (ROOT / "pyproject.toml").read_text(), re.M
)
assert _REQUIRES is not None, "pyproject.toml: requires-python not found"
MINIMUM_PYTHON = _REQUIRES.group(1)  # the oldest Python the package claims to support
SOURCES = ["pyproject.toml", "README.md", "LICENSE", "generator", "runtime", "templates"]

pytestmark = pytest.mark.timeout(300)


def _version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "runtime" / "_version.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", NO_PROXY="127.0.0.1")
    return env


def _run(cmd: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, f"{cmd} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, src / name)
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(src)], cwd=src, timeout=180)
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("gradio_gen-*.whl")
    return found


def _fresh_venv(python: str, root: Path, wheel: Path) -> Path:
    """A new venv made by ``python`` with only the wheel (and its declared dependencies)."""
    _run([python, "-m", "venv", str(root / "v")], cwd=root)
    py = root / "v" / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", str(wheel)], cwd=root, timeout=240)
    return root / "v"


def _minimum_python() -> str | None:
    """A working interpreter of the oldest Python the package supports, if the machine has one."""
    candidates = [shutil.which(f"python{MINIMUM_PYTHON}")]
    candidates += sorted(Path.home().glob(f".pyenv/versions/{MINIMUM_PYTHON}.*/bin/python"))
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [str(candidate), "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if probe.returncode == 0 and probe.stdout.strip() == MINIMUM_PYTHON:
            return str(candidate)
    return None


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh venv of the interpreter running the tests."""
    return _fresh_venv(sys.executable, tmp_path_factory.mktemp("venv"), wheel)


@pytest.fixture(scope="module")
def venv_minimum(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh venv of the oldest supported Python."""
    python = _minimum_python()
    if python is None:
        pytest.skip(f"no python{MINIMUM_PYTHON} on this machine")
    return _fresh_venv(python, tmp_path_factory.mktemp("venv_min"), wheel)


@pytest.fixture(scope="module")
def demo_app() -> Iterator[RunningApps]:
    with launch([DEMO_APP]) as running:
        yield running


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    """A working directory outside the repo (the user's project)."""
    return tmp_path


def test_sdist_and_wheel_contents(dist: Path, wheel: Path) -> None:
    version = _version()
    assert wheel.name == f"gradio_gen-{version}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "gradio_gen/py.typed",
        "gradio_gen_runtime/py.typed",
        "gradio_gen/__main__.py",
        "gradio_gen/cli.py",
        "gradio_gen_runtime/_typed/_generated.py",
        "gradio_gen_runtime/_protocol/_session.py",
        "gradio_gen/templates/client.py.jinja",
        "gradio_gen/templates/fake.py.jinja",
        f"gradio_gen-{version}.dist-info/licenses/LICENSE",
    ):
        assert required in names, required
    # only the package: no tests, examples, benchmarks or the card's folder names
    tops = {n.split("/")[0] for n in names}
    assert tops == {"gradio_gen", "gradio_gen_runtime", f"gradio_gen-{version}.dist-info"}, tops
    meta = zipfile.ZipFile(wheel).read(f"gradio_gen-{version}.dist-info/METADATA").decode()
    assert f"Requires-Python: >={MINIMUM_PYTHON}" in meta
    required_dists = {
        line.split(":", 1)[1].strip().split(";")[0]
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    names_only = {d.split("<")[0].split(">")[0].split("=")[0].lower() for d in required_dists}
    assert {"httpx", "pydantic"} <= names_only, names_only
    assert not {"gradio", "gradio_client", "huggingface_hub"} & names_only  # test-only
    entry = zipfile.ZipFile(wheel).read(f"gradio_gen-{version}.dist-info/entry_points.txt")
    assert b"gradio-gen = gradio_gen.cli:main" in entry
    (sdist,) = dist.glob("gradio_gen-*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    for required in ("pyproject.toml", "README.md", "LICENSE", "runtime/py.typed"):
        assert required in members, required


def test_console_script_and_module_agree(venv: Path, work: Path) -> None:
    version = _version()
    script = _run([str(venv / "bin" / "gradio-gen"), "--version"], cwd=work)
    module = _run([str(venv / "bin" / "python"), "-m", "gradio_gen", "--version"], cwd=work)
    assert script.stdout.strip() == module.stdout.strip() == f"gradio-gen {version}"
    # same module text from the same snapshot, by both entry points
    snapshot = ROOT / "generated_examples" / "demo_app" / "snapshot.json"
    shutil.copy(snapshot, work / "demo.json")
    _run([str(venv / "bin" / "gradio-gen"), "demo.json", "-o", "a.py", "-q"], cwd=work)
    _run([str(venv / "bin" / "python"), "-m", "gradio_gen", "demo.json", "-o", "b.py"], cwd=work)
    a = (work / "a.py").read_text(encoding="utf-8")
    assert a == (work / "b.py").read_text(encoding="utf-8")
    assert f'GENERATOR_VERSION = "{version}"' in a
    # a usage error exits 2 with a one-line message and no traceback, from both
    for cmd in (
        [str(venv / "bin" / "gradio-gen")],
        [str(venv / "bin" / "python"), "-m", "gradio_gen"],
    ):
        bad = subprocess.run(
            [*cmd, "missing.json"],
            cwd=work,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert bad.returncode != 0 and "Traceback" not in bad.stderr, bad.stderr
        assert bad.stderr.startswith("gradio-gen: error:"), bad.stderr


def test_generate_from_live_app_and_call_it(venv: Path, work: Path, demo_app: RunningApps) -> None:
    _generate_and_use(venv, work, demo_app.url)


def test_the_oldest_supported_python_works_too(
    venv_minimum: Path, work: Path, demo_app: RunningApps
) -> None:
    version = _run([str(venv_minimum / "bin" / "python"), "--version"], cwd=work).stdout
    assert version.startswith(f"Python {MINIMUM_PYTHON}."), version
    _generate_and_use(venv_minimum, work, demo_app.url)


def _generate_and_use(venv: Path, work: Path, url: str) -> None:
    """The installed console script generates a client from the live app; user code in the
    same venv imports and calls it (sync, streamed job, async) with no generator module loaded."""
    _run([str(venv / "bin" / "gradio-gen"), url, "-o", "demo_client.py"], cwd=work)
    text = (work / "demo_client.py").read_text(encoding="utf-8")
    assert f'SOURCE = "{url}"' in text
    assert f'GENERATOR_VERSION = "{_version()}"' in text
    user_code = textwrap.dedent(
        """
        import sys, asyncio
        import gradio_gen
        from demo_client import AsyncDemoApp, DemoApp

        assert "/site-packages/" in gradio_gen.__file__, gradio_gen.__file__
        with DemoApp() as client:
            assert client.greet("Ada", style="pirate") == "Ahoy, Ada!"
            stats = client.text_stats("hello typed world")
            assert (stats.words, stats.longest_word) == (3, "hello")
            steps = list(client.countdown.submit(start=2))
            assert steps[-1] == "2\\n1\\nliftoff!", steps

        async def main() -> str:
            async with AsyncDemoApp() as client:
                return await client.greet("Bo")

        assert asyncio.run(main()) == "Hello, Bo!"
        bad = [m for m in sys.modules if m.split(".")[0] in
               ("jinja2", "datamodel_code_generator", "ruff", "gradio", "gradio_client")]
        assert not bad, bad
        print("OK")
        """
    )
    (work / "use.py").write_text(user_code, encoding="utf-8")
    proc = _run([str(venv / "bin" / "python"), "use.py"], cwd=work)
    assert proc.stdout.strip() == "OK"


def test_type_checkers_see_the_installed_types(venv: Path, work: Path) -> None:
    """mypy (from the dev venv) checks user code against the *installed* package: it only
    reads it because py.typed is shipped, and it catches a wrong use of a generated method."""
    shutil.copy(ROOT / "generated_examples" / "demo_app" / "client.py", work / "demo_client.py")
    (work / "good.py").write_text(
        "from demo_client import DemoApp\n"
        "from gradio_gen_runtime import Client, Job\n"
        "def f(c: DemoApp) -> str:\n"
        "    job: Job[str] = c.greet.submit('x', style='formal')\n"
        "    return c.greet('x') + job.result()\n",
        encoding="utf-8",
    )
    (work / "bad.py").write_text(
        "from demo_client import DemoApp\n"
        "def f(c: DemoApp) -> int:\n"
        "    return c.greet('x', style='rude')\n",
        encoding="utf-8",
    )
    mypy = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        "--python-executable",
        str(venv / "bin" / "python"),
        "--config-file",
        os.devnull,
    ]
    good = subprocess.run(
        [*mypy, "good.py"], cwd=work, env=_clean_env(), capture_output=True, text=True, timeout=240
    )
    assert good.returncode == 0, good.stdout + good.stderr
    bad = subprocess.run(
        [*mypy, "bad.py"], cwd=work, env=_clean_env(), capture_output=True, text=True, timeout=240
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Incompatible return value" in bad.stdout, bad.stdout
    assert "Literal['rude']" in bad.stdout and "Literal['friendly'" in bad.stdout, bad.stdout
    assert "missing library stubs or py.typed" not in bad.stdout
