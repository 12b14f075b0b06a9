"""Both distributions, built and installed into fresh virtual environments, used as a user would.

Each is built from a copy of the working tree (so the build writes nothing into the repo)
with ``python -m build`` (sdist, then the wheel built *from that sdist*, which proves the
sdist is complete): the runtime (``gradio-gen-runtime``, from ``runtime/``) and the generator
(``gradio-gen``, the root). Two venvs, every command run with a temporary working directory
and no ``PYTHONPATH`` (the repo is not importable):

* the application's: the runtime wheel **alone**; a generated client runs against a live app,
  and none of the generator's tools (jinja2, datamodel-code-generator, ruff, black, isort) is
  even installed;
* the developer's: both wheels, on the oldest Python the package supports when the machine
  has it; the installed CLI generates a client, the client is used, and ``mypy --strict``
  passes on what the CLI wrote.

A real gradio app (the bundled demo app) is served by the main venv. pip's cache is reused.
"""

from __future__ import annotations

import json
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
DEMO_CLIENT = ROOT / "generated_examples" / "demo_app" / "client.py"
_REQUIRES = re.search(
    r'^requires-python = ">=(\d+\.\d+)"$', (ROOT / "pyproject.toml").read_text(), re.M
)
assert _REQUIRES is not None, "pyproject.toml: requires-python not found"
MINIMUM_PYTHON = _REQUIRES.group(1)  # the oldest Python the package claims to support
SOURCES = [
    "pyproject.toml",
    "MANIFEST.in",
    "README.md",
    "LICENSE",
    "generator",
    "runtime",
    "templates",
]
GENERATOR_TOOLS = ("jinja2", "datamodel-code-generator", "ruff", "black", "isort")

pytestmark = pytest.mark.timeout(420)


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
    """Both sdists and wheels (one folder): each built from a copy of the tree."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "build", "*.egg-info")
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "build", "--outdir", str(out)]
    _run([*build, str(src / "runtime")], cwd=src / "runtime", timeout=240)  # gradio-gen-runtime
    _run([*build, str(src)], cwd=src, timeout=240)  # gradio-gen
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("gradio_gen-*.whl")
    return found


@pytest.fixture(scope="module")
def runtime_wheel(dist: Path) -> Path:
    (found,) = dist.glob("gradio_gen_runtime-*.whl")
    return found


def _fresh_venv(python: str, root: Path, *wheels: Path) -> Path:
    """A new venv made by ``python`` with only the wheels (and their declared dependencies)."""
    _run([python, "-m", "venv", str(root / "v")], cwd=root)
    py = root / "v" / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", *map(str, wheels)], cwd=root, timeout=300)
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
def runtime_venv(tmp_path_factory: pytest.TempPathFactory, runtime_wheel: Path) -> Path:
    """An application's venv: the runtime wheel alone (the interpreter running the tests)."""
    return _fresh_venv(sys.executable, tmp_path_factory.mktemp("app"), runtime_wheel)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path, runtime_wheel: Path) -> Path:
    """A developer's venv: both wheels, on the oldest supported Python when there is one
    (pip takes the runtime from its wheel, as it would from the index)."""
    python = _minimum_python() or sys.executable
    return _fresh_venv(python, tmp_path_factory.mktemp("dev"), wheel, runtime_wheel)


@pytest.fixture(scope="module")
def demo_app() -> Iterator[RunningApps]:
    with launch([DEMO_APP]) as running:
        yield running


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    """A working directory outside the repo (the user's project)."""
    return tmp_path


def _metadata(wheel: Path) -> tuple[str, set[str]]:
    """(METADATA text, the names of its unconditional Requires-Dist)."""
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        meta = zf.read(name).decode()
    required = {
        re.split(r"[<>=!~;\[ ]", line.split(":", 1)[1].strip(), maxsplit=1)[0].lower()
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    return meta, required


def test_sdists_and_wheels_contents(dist: Path, wheel: Path, runtime_wheel: Path) -> None:
    version = _version()
    assert wheel.name == f"gradio_gen-{version}-py3-none-any.whl"
    assert runtime_wheel.name == f"gradio_gen_runtime-{version}-py3-none-any.whl"
    gen_names = set(zipfile.ZipFile(wheel).namelist())
    rt_names = set(zipfile.ZipFile(runtime_wheel).namelist())
    for required in (
        "gradio_gen/py.typed",
        "gradio_gen/__main__.py",
        "gradio_gen/cli.py",
        "gradio_gen/templates/client.py.jinja",
        "gradio_gen/templates/fake.py.jinja",
        f"gradio_gen-{version}.dist-info/licenses/LICENSE",
    ):
        assert required in gen_names, required
    for required in (
        "gradio_gen_runtime/py.typed",
        "gradio_gen_runtime/generated.py",
        "gradio_gen_runtime/_typed/_generated.py",
        "gradio_gen_runtime/_protocol/_session.py",
        f"gradio_gen_runtime-{version}.dist-info/licenses/LICENSE",
    ):
        assert required in rt_names, required
    # only the packages: no tests, examples, the card's folder names, nor each other's files
    assert {n.split("/")[0] for n in gen_names} == {"gradio_gen", f"gradio_gen-{version}.dist-info"}
    assert {n.split("/")[0] for n in rt_names} == {
        "gradio_gen_runtime",
        f"gradio_gen_runtime-{version}.dist-info",
    }
    # the runtime folder's own project files are not package data
    assert not {"gradio_gen_runtime/pyproject.toml", "gradio_gen_runtime/README.md"} & rt_names

    meta, required = _metadata(runtime_wheel)
    assert f"Requires-Python: >={MINIMUM_PYTHON}" in meta
    assert required == {"httpx", "pydantic", "typing_extensions", "wsproto"}, required
    assert "# gradio-gen-runtime" in meta  # its own README is the long description
    meta, required = _metadata(wheel)
    assert f"Requires-Python: >={MINIMUM_PYTHON}" in meta
    assert required == {"gradio-gen-runtime", "jinja2", "datamodel-code-generator", "ruff"}
    assert re.search(
        rf"^Requires-Dist: gradio-gen-runtime<[\d.]+,>={re.escape(version)}$", meta, re.M
    )
    assert not {"gradio", "gradio_client", "huggingface_hub"} & required  # test-only
    entry = zipfile.ZipFile(wheel).read(f"gradio_gen-{version}.dist-info/entry_points.txt")
    assert b"gradio-gen = gradio_gen.cli:main" in entry

    (sdist,) = dist.glob("gradio_gen-*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    for required_file in ("pyproject.toml", "README.md", "LICENSE", "runtime/_version.py"):
        assert required_file in members, required_file
    assert "runtime/_spec.py" not in members  # the runtime is the other sdist
    (rt_sdist,) = dist.glob("gradio_gen_runtime-*.tar.gz")
    with tarfile.open(rt_sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    for required_file in ("pyproject.toml", "README.md", "LICENSE", "py.typed", "generated.py"):
        assert required_file in members, required_file


_RUNTIME_ONLY_APP = textwrap.dedent(
    """
    import asyncio, importlib.metadata, importlib.util, json, sys
    from demo_client import AsyncDemoApp, DemoApp, FakeDemoApp
    import gradio_gen_runtime

    with DemoApp(sys.argv[1]) as client:
        assert client.greet("Ada", style="pirate") == "Ahoy, Ada!"
        assert list(client.countdown.submit(start=1))[-1] == "1\\nliftoff!"

    async def main() -> str:
        async with AsyncDemoApp(sys.argv[1]) as client:
            return await client.greet("Bo")

    assert asyncio.run(main()) == "Hello, Bo!"
    assert FakeDemoApp({"greet": "stubbed"}).greet("x") == "stubbed"

    def closure(name):  # the distributions a requirement brings, transitively
        seen, todo = set(), [name]
        while todo:
            dist = importlib.metadata.distribution(todo.pop())
            key = dist.metadata["Name"].lower().replace("_", "-")
            if key in seen:
                continue
            seen.add(key)
            for req in dist.requires or []:
                if "extra ==" in req:
                    continue
                if ";" in req and not eval_marker(req.split(";", 1)[1]):
                    continue
                todo.append(req.split(";")[0].split("[")[0].strip().split(" ")[0]
                            .split("<")[0].split(">")[0].split("=")[0].split("!")[0].split("~")[0])
        return seen

    def eval_marker(marker):
        from pip._vendor.packaging.markers import Marker
        return Marker(marker).evaluate()

    installed = {d.metadata["Name"].lower().replace("_", "-")
                 for d in importlib.metadata.distributions()}
    print(json.dumps({
        "installed": sorted(installed),
        "needed": sorted(closure("gradio-gen-runtime")),
        "findable": [m for m in ("jinja2", "datamodel_code_generator", "ruff", "black", "isort",
                                 "gradio_gen") if importlib.util.find_spec(m) is not None],
        "runtime": gradio_gen_runtime.__file__,
    }))
    """
)


def test_the_runtime_alone_runs_a_generated_client(
    runtime_venv: Path, work: Path, demo_app: RunningApps
) -> None:
    """An application: the runtime wheel alone; the committed generated client (this
    version's generator wrote it) runs against the live app, sync, async and its fake; the
    venv holds exactly the runtime and what it requires, and no generator tool."""
    shutil.copy(DEMO_CLIENT, work / "demo_client.py")
    (work / "app.py").write_text(_RUNTIME_ONLY_APP, encoding="utf-8")
    proc = _run([str(runtime_venv / "bin" / "python"), "app.py", demo_app.url], cwd=work)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "/site-packages/" in report["runtime"], report["runtime"]
    assert report["findable"] == []
    installed = set(report["installed"]) - {"pip", "setuptools", "wheel"}
    assert installed == set(report["needed"]), installed ^ set(report["needed"])
    assert not {t.replace("_", "-") for t in GENERATOR_TOOLS} & installed
    assert not {"gradio-gen", "gradio", "gradio-client", "huggingface-hub"} & installed
    assert {"gradio-gen-runtime", "httpx", "pydantic", "typing-extensions", "wsproto"} <= installed


def test_the_developer_venv_uses_the_oldest_supported_python_when_present(venv: Path) -> None:
    version = _run([str(venv / "bin" / "python"), "--version"], cwd=venv).stdout
    if _minimum_python() is None:
        pytest.skip(f"no python{MINIMUM_PYTHON} on this machine: the developer venv is {version}")
    assert version.startswith(f"Python {MINIMUM_PYTHON}."), version


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


def test_the_cli_output_passes_mypy_strict_against_the_installed_packages(
    venv: Path, work: Path
) -> None:
    """The installed CLI writes a module; mypy --strict (from the dev venv, reading the
    developer venv's packages: only possible because both wheels ship py.typed) passes on it
    and on user code, and catches a wrong use of a generated method."""
    shutil.copy(ROOT / "generated_examples" / "demo_app" / "snapshot.json", work / "demo.json")
    _run([str(venv / "bin" / "gradio-gen"), "demo.json", "-o", "demo_client.py",
          "--class-name", "DemoApp", "-q"], cwd=work)  # fmt: skip
    (work / "good.py").write_text(
        "from demo_client import DemoApp, FakeDemoApp\n"
        "from gradio_gen_runtime import Client, Job\n"
        "def f(c: DemoApp) -> str:\n"
        "    job: Job[str] = c.greet.submit('x', style='formal')\n"
        "    return c.greet('x') + job.result()\n"
        "def g(fake: FakeDemoApp) -> str:\n"
        "    return f(fake) + fake.greet.returns('x').last_call.endpoint\n",
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
        [*mypy, "demo_client.py", "good.py"],
        cwd=work,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    bad = subprocess.run(
        [*mypy, "bad.py"], cwd=work, env=_clean_env(), capture_output=True, text=True, timeout=240
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Incompatible return value" in bad.stdout, bad.stdout
    assert "Literal['rude']" in bad.stdout and "Literal['friendly'" in bad.stdout, bad.stdout
    assert "missing library stubs or py.typed" not in bad.stdout
