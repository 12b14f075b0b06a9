"""The generator on every Gradio release line: the same app (tests/apps/legacy_app.py) gives
the same typed API whether gradio 3.20 (no /info), 3.28 (an /info of another format), 3.50,
4.8-4.44 (no api_prefix, no parameter names) or 5.x/6.x serves it; gradio 2.x and configs it
does not recognise are refused with one line naming the version (exit 3).

Fixtures: tests/generator/fixtures/legacy/<release>.json (captured by legacy_capture.py). The
live test launches each old release from a cached venv (../shared/old-gradio/make-venv.sh) and
runs ``gradio-gen URL``; it skips when that is not available, except under ``CI=1``.
"""

from __future__ import annotations

import ast
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from gradio_gen import cli
from gradio_gen_runtime._legacy_info import version_tuple

from tests.generator._util import generate, mypy_strict
from tests.generator.legacy_capture import FIXTURES, MAKE_VENV, installed_gradio, venv_python
from tests.servers import launch

RELEASES = sorted((p.stem for p in FIXTURES.glob("*.json")), key=lambda v: version_tuple(v) or ())
REFERENCE = "6.31.0"
NO_PRECISION = {"3.20.1", "3.28.3", "3.36.1"}
"""Releases whose config has no Number ``precision``: ``n``/``count`` stay ``float`` there."""
ENDPOINTS = ("GreetEndpoint", "CountEndpoint", "ShoutEndpoint", "MirrorEndpoint", "CounterEndpoint")


def fixture(version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{version}.json").read_text())
    return data


def signatures(text: str) -> dict[str, str]:
    """``{endpoint class: "(args) -> result"}`` of every sync and async endpoint class, plus
    the client classes' attribute annotations (what a user's type checker sees)."""
    out: dict[str, str] = {}
    for node in ast.parse(text).body:
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name in (
                "__call__",
                "submit",
            ):
                returns = ast.unparse(item.returns) if item.returns else "None"
                out[f"{node.name}.{item.name}"] = f"({ast.unparse(item.args)}) -> {returns}"
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                out[f"{node.name}.{item.target.id}"] = ast.unparse(item.annotation)
    return out


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One generated module per captured release (distinct names, for one mypy run)."""
    out = tmp_path_factory.mktemp("legacy")
    paths = {}
    for version in RELEASES:
        path = out / f"legacy_{version.replace('.', '_')}.py"
        path.write_text(generate(fixture(version), source="http://127.0.0.1:7860/"))
        paths[version] = path
    return paths


def test_every_release_line_has_a_fixture() -> None:
    assert RELEASES[0].startswith("3.") and REFERENCE in RELEASES
    for line in ("3.20", "3.28", "3.50", "4.8.", "4.16", "4.20", "4.21", "4.44", "5."):
        assert any(v.startswith(line) for v in RELEASES), line
    assert "info" not in fixture("3.20.1") and fixture("3.20.1")["info_status"] == 404


@pytest.mark.parametrize("version", RELEASES)
def test_same_app_same_typed_api_on_every_release(version: str, modules: dict[str, Path]) -> None:
    reference = signatures(modules[REFERENCE].read_text())
    got = signatures(modules[version].read_text())
    assert sorted(reference) == sorted(got)
    for cls in ENDPOINTS:
        assert f"_{cls}.__call__" in got
    differences = {k: (reference[k], got[k]) for k in reference if reference[k] != got[k]}
    if version in NO_PRECISION:  # what the era truly lacks: int -> float for precision=0
        for want, have in differences.values():
            assert have == want.replace("int=", "float=").replace("=1", "=1.0").replace(
                "=3", "=3.0"
            )
        assert {k.split(".")[0] for k in differences} <= {
            "_GreetEndpoint",
            "_AsyncGreetEndpoint",
            "_CountEndpoint",
            "_AsyncCountEndpoint",
        }
    else:
        assert differences == {}
    assert "picture: FileInput" in got["_MirrorEndpoint.__call__"]
    assert got["_MirrorEndpoint.__call__"].endswith("-> File")
    assert got["_ShoutEndpoint.__call__"] == "(self, document: FileInput) -> File"
    assert "fruit: Literal['apple', 'banana', 'cherry']='apple'" in got["_GreetEndpoint.__call__"]
    assert got["_CounterEndpoint.__call__"] == "(self, text: str) -> str"  # the State is hidden


@pytest.mark.timeout(900)
def test_every_eras_module_passes_mypy_strict_and_ruff(modules: dict[str, Path]) -> None:
    paths = list(modules.values())
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    checked = subprocess.run(
        [ruff, "check", "--no-cache", "--isolated", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = mypy_strict(paths, cwd=paths[0].parent)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("version", RELEASES)
def test_embedded_snapshot_records_protocol_and_version(
    version: str, modules: dict[str, Path]
) -> None:
    from gradio_gen import diff

    embedded = diff.snapshot_from_module_source(modules[version].read_text())
    config = embedded["config"]
    assert config["version"] == version
    expected = "sse_v3" if version_tuple(version) >= (4, 22) else None  # type: ignore[operator]
    if version.startswith("3."):
        assert "protocol" not in fixture(version)["config"]
        assert config["protocol"] == "ws"  # stated in the embedded snapshot
    else:
        assert config["protocol"] == (expected or fixture(version)["config"]["protocol"])
    assert config.get("api_prefix", "") == ("/gradio_api" if version[0] in "56" else "")
    names = [
        p["parameter_name"] for p in embedded["info"]["named_endpoints"]["/greet"]["parameters"]
    ]
    assert names == ["name", "n", "fruit"]  # completed before embedding (no props needed)


def test_generation_is_deterministic_for_old_releases() -> None:
    for version in ("3.20.1", "3.50.2", "4.16.0"):
        assert generate(fixture(version)) == generate(fixture(version))


# -- refusal --------------------------------------------------------------------------------

GRADIO_2_CONFIG = {
    "mode": "interface",
    "version": "2.9.4",
    "input_components": [{"name": "textbox", "label": "name"}],
    "output_components": [{"name": "textbox", "label": "output"}],
    "function_count": 1,
    "title": "hello",
}


@pytest.mark.parametrize(
    ("config", "words"),
    [
        (GRADIO_2_CONFIG, ["gradio 2.9.4", "not support"]),
        ({k: v for k, v in GRADIO_2_CONFIG.items() if k != "version"}, ["gradio 2.x"]),
        ({"version": "3.50.2", "components": []}, ["gradio 3.50.2", "'dependencies'"]),
        ({"version": "7.1.0", "protocol": "sse_v4", "components": [], "dependencies": []},
         ["gradio 7.1.0", "'sse_v4'"]),
        ({"version": "4.44.1", "components": [], "dependencies": []}, ["gradio 4.44.1", "'unset'"]),
    ],
)  # fmt: skip
def test_refused_snapshot_files(
    config: dict[str, Any], words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.json"
    path.write_text(json.dumps({"config": config, "info": {"named_endpoints": {}}}))
    out = tmp_path / "client.py"
    assert cli.main([str(path), "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("gradio-gen: error: ")
    assert "cannot generate a client" in err
    for word in words:
        assert word in err
    assert not out.exists()


class _Gradio2(BaseHTTPRequestHandler):
    """What a gradio 2.x app answers (its /config is an Interface config)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps(GRADIO_2_CONFIG if self.path == "/config" else {}).encode()
        self.send_response(200 if self.path == "/config" else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def gradio2_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gradio2)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_refused_url(gradio2_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "client.py"
    assert cli.main([gradio2_url, "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gradio 2.9.4" in err and gradio2_url in err
    assert not out.exists()


def test_release_without_info_from_a_snapshot_with_config_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"config": fixture("3.20.1")["config"]}))
    out = tmp_path / "old_client.py"
    assert cli.main([str(path), "-o", str(out), "-q"]) == 0, capsys.readouterr().err
    assert signatures(out.read_text()) == signatures(generate(fixture("3.20.1"), source=""))
    path.write_text(json.dumps({"config": fixture("3.50.2")["config"]}))  # has /info: needed
    assert cli.main([str(path), "-o", str(out)]) == 2
    assert "no 'info' key" in capsys.readouterr().err


# -- live: gradio-gen URL against each old release ------------------------------------------

LIVE = [v for v in RELEASES if v != installed_gradio()]


def _python_for(version: str) -> str:
    """The venv's python, or skip (fail under CI=1) when it cannot be had."""
    ci = os.environ.get("CI") == "1"
    if not MAKE_VENV.exists():
        if ci:
            pytest.fail(f"{MAKE_VENV} is missing")
        pytest.skip("../shared/old-gradio is not available")
    try:
        return venv_python(version)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        if ci:
            pytest.fail(f"cannot build a venv of gradio {version}: {exc}")
        pytest.skip(f"cannot build a venv of gradio {version}: {exc}")


@pytest.fixture(scope="module", params=LIVE)
def live_app(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(release, URL) of tests/apps/legacy_app.py served by that release, once per module."""
    version = str(request.param)
    python = _python_for(version)
    with launch(["legacy_app"], python=python, timeout=240) as apps:
        yield version, apps.url


@pytest.mark.timeout(1500)
def test_gradio_gen_url_against_a_live_old_release(
    live_app: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    version, url = live_app
    out, saved = tmp_path / "client.py", tmp_path / "schema.json"
    code = cli.main([url, "-o", str(out), "--save-schema", str(saved), "-q"])
    assert code == 0, capsys.readouterr().err
    module = out.read_text()
    snap = json.loads(saved.read_text())
    assert str(snap["config"]["version"]).strip() == version
    assert ("info_source" in snap) == (version_tuple(version) < (3, 29))  # type: ignore[operator]
    assert signatures(module) == signatures(generate(fixture(version), source=""))
    assert repr(url) in module or f'"{url}"' in module


@pytest.mark.timeout(600)
def test_generated_client_calls_a_live_old_release(
    live_app: tuple[str, str], tmp_path: Path
) -> None:
    """The typed client generated from the live app, called as a user would: text, number and
    choice, a generator, a file both ways, an image both ways, State. Needs the runtime to
    speak the release's protocol (the runtime's own version matrix is tests/legacy/)."""
    from gradio_gen_runtime._constants import SUPPORTED_PROTOCOLS
    from gradio_gen_runtime._legacy_info import config_protocol
    from PIL import Image

    from tests.generator._util import load_module

    version, url = live_app
    protocol = config_protocol(fixture(version)["config"])
    if protocol not in SUPPORTED_PROTOCOLS:
        pytest.skip(f"this runtime does not speak {protocol} (gradio {version})")
    target = tmp_path / f"legacy_live_{version.replace('.', '_')}.py"
    assert cli.main([url, "-o", str(target), "-q"]) == 0
    picture, document = tmp_path / "red.png", tmp_path / "doc.txt"
    Image.new("RGB", (3, 2), (255, 0, 0)).save(picture)
    document.write_bytes(b"hello")
    module = load_module(target)
    with module.LegacyTestApp(url, timeout=60) as client:
        assert client.greet("Ann", 2, "banana") == "Hello, Ann! Hello, Ann! (banana)"
        assert list(client.count.submit(3)) == ["0", "1", "2"]
        assert client.shout(document).read_bytes() == b"HELLO"
        mirrored = client.mirror(picture).read_bytes()
        with Image.open(io.BytesIO(mirrored)) as image:
            assert image.size == (3, 2) and image.convert("RGB").getpixel((2, 0)) == (255, 0, 0)
        assert [client.counter("a"), client.counter("b")] == ["a #1", "b #2"]


@pytest.mark.parametrize("version", ["3.36.1", "3.50.2"])
def test_serialize_false_info_gives_the_same_module_api(version: str) -> None:
    snap = fixture(version)
    raw = {"config": snap["config"], "info": snap["info_serialize_false"]}
    assert signatures(generate(raw)) == signatures(generate(snap))


@pytest.mark.parametrize(
    ("serializer", "input_type", "output_type"),
    [
        ("SingleFileSerializable", "FileInput", "File"),
        ("MultipleFileSerializable", "list[FileInput]", "list[File]"),
        ("FileSerializable", "FileInput | list[FileInput]", "File | list[File]"),  # gr.Video
        ("ImgSerializable", "FileInput", "File"),
        ("JSONSerializable", "Any", "Any"),
        ("ListStringSerializable", "list[str]", "list[str]"),
    ],
)
def test_3x_serializer_schemas_as_python_types(
    serializer: str, input_type: str, output_type: str
) -> None:
    from gradio_gen.schema import inline_type
    from gradio_gen_runtime._legacy_v3 import TYPES

    assert inline_type(TYPES[serializer], "input") == input_type
    assert inline_type(TYPES[serializer], "output") == output_type
