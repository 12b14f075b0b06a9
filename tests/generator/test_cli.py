"""The command line: outputs, --check, --save-schema, exit codes and messages (no tracebacks)."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gradio_gen import cli
from gradio_gen_runtime._version import __version__

from tests.generator._util import EXAMPLES, minimal_app, param, ret

SNAP = EXAMPLES / "multi_output" / "snapshot.json"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_stdout_and_file_are_identical(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([str(SNAP)], capsys)
    assert code == 0 and out.startswith('"""Typed client')
    target = tmp_path / "client.py"
    code, _, err = run([str(SNAP), "-o", str(target)], capsys)
    assert code == 0 and "wrote" in err
    assert target.read_text(encoding="utf-8") == out
    assert target.stat().st_mode & 0o044  # readable like any file the user writes
    assert [p.name for p in tmp_path.iterdir()] == ["client.py"]  # no temporary left behind


def test_key_order_does_not_change_a_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = json.loads(SNAP.read_text(encoding="utf-8"))

    def shuffle(v: Any, rng: random.Random) -> Any:
        if isinstance(v, dict):
            items = list(v.items())
            rng.shuffle(items)
            return {k: shuffle(x, rng) for k, x in items}
        if isinstance(v, list):
            return [shuffle(x, rng) for x in v]
        return v

    other = tmp_path / "snapshot.json"
    other.write_text(json.dumps(shuffle(snap, random.Random(7)), indent=3), encoding="utf-8")
    a = run([str(SNAP), "--class-name", "X"], capsys)[1]
    b = run([str(other), "--class-name", "X"], capsys)[1]
    assert a.replace(str(SNAP), "S") == b.replace(str(other), "S")


def test_class_name_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    out = run([str(SNAP), "--class-name", "my weather-app"], capsys)[1]
    assert "class MyWeatherApp(AppClient):" in out
    assert "class AsyncMyWeatherApp(AsyncAppClient):" in out
    assert f'GENERATOR_VERSION = "{__version__}"' in out
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "client.py"
    assert run([str(SNAP), "-o", str(target)], capsys)[0] == 0
    code, out, err = run([str(SNAP), "-o", str(target), "--check"], capsys)
    assert code == 0 and out == "" and "up to date" in err
    # the app changed: a parameter became an integer, an endpoint appeared
    snap = json.loads(SNAP.read_text(encoding="utf-8"))
    endpoint = snap["info"]["named_endpoints"]["/predict"]
    endpoint["parameters"][2]["type"] = {"type": "integer"}
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(snap), encoding="utf-8")
    before = target.read_text(encoding="utf-8")
    code, out, _ = run([str(newer), "-o", str(target), "--check"], capsys)
    assert code == 1
    assert target.read_text(encoding="utf-8") == before  # --check writes nothing
    assert "--- " in out and "+++ " in out and "\n-" in out and "\n+" in out
    assert "/predict" in out.split("\n", 1)[1] or any(
        "/predict" in line for line in out.splitlines()
    )


def test_save_schema_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "saved.json"
    a = run([str(SNAP), "--class-name", "X"], capsys)[1]
    # without -o, --save-schema only captures the API: no module on stdout, -q: nothing at all
    code, out, err = run([str(SNAP), "--save-schema", str(saved), "--class-name", "X"], capsys)
    assert (code, out) == (0, "") and f"wrote {saved}" in err
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert {"info", "config"} <= set(data)
    saved.unlink()
    assert run([str(SNAP), "--save-schema", str(saved), "-q"], capsys) == (0, "", "")
    assert saved.is_file()
    b = run([str(saved), "--class-name", "X"], capsys)[1]
    assert a.replace(str(SNAP), "S") == b.replace(str(saved), "S")
    # with -o both are written
    target = tmp_path / "client.py"
    code, out, _ = run([str(SNAP), "--save-schema", str(saved), "-o", str(target)], capsys)
    assert code == 0 and out == "" and target.is_file()


def test_help_shows_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    usage = capsys.readouterr().out.split("\n\n")[0]
    assert "gradio-gen [-h]" in usage and "SOURCE" in usage
    assert "gradio-gen diff OLD NEW" in usage


@pytest.mark.parametrize("source", ["localhost:7901", "127.0.0.1:7860/", "myhost:8080"])
def test_a_host_without_scheme_gets_a_hint(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([source], capsys)
    assert code == 2 and out == ""
    assert f"http://{source.rstrip('/')}/" in err


def test_an_untitled_app_gets_a_note_about_its_class_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = json.loads(SNAP.read_text(encoding="utf-8"))
    snap["config"]["title"] = "Gradio"
    snap["source"] = "http://127.0.0.1:7860/"  # saved from a URL: no file name to use
    path = tmp_path / "untitled.json"
    path.write_text(json.dumps(snap), encoding="utf-8")
    code, out, err = run([str(path)], capsys)
    assert code == 0 and "class GradioApp(AppClient):" in out
    assert err.count("\n") == 1 and "--class-name NAME" in err
    assert run([str(path), "-q"], capsys)[2] == ""
    assert run([str(path), "--class-name", "Mine"], capsys)[2] == ""
    # mounted under a path: the path names it
    snap["source"] = "http://127.0.0.1:7860/apps/sentiment/"
    path.write_text(json.dumps(snap), encoding="utf-8")
    code, out, err = run([str(path)], capsys)
    assert "class Sentiment(AppClient):" in out and err == ""
    # a bare snapshot (no source) is named after its file
    del snap["source"]
    path.write_text(json.dumps(snap), encoding="utf-8")
    assert "class Untitled(AppClient):" in run([str(path)], capsys)[1]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"config": {}}', "no 'info' key"),
        ('{"info": {}, "config": []}', "snapshot['config'] must be a JSON object"),
        (
            '{"info": {"named_endpoints": {"/x": {}}}, "config": {"dependencies": [], "components": []}}',
            "'/x'",
        ),
    ],
)
def test_malformed_snapshots_name_the_problem(
    content: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    code, out, err = run([str(bad)], capsys)
    assert code == 2 and out == ""
    assert err.startswith("gradio-gen: error: ") and needle in err


def test_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([str(SNAP), "-o", str(tmp_path)], capsys)
    assert code == 2 and "is a directory" in err
    code, _, err = run([str(tmp_path / "missing.json")], capsys)
    assert code == 2 and "no such file" in err
    code, _, err = run([str(SNAP), "--check"], capsys)
    assert code == 2 and "--check needs" in err
    empty = tmp_path / "empty.json"
    snap = minimal_app({"/hidden": {"parameters": [], "returns": []}})
    snap["info"]["named_endpoints"]["/hidden"]["api_visibility"] = "undocumented"
    empty.write_text(json.dumps(snap), encoding="utf-8")
    code, _, err = run([str(empty)], capsys)
    assert code == 4 and "no named public endpoint" in err


def test_unreachable_url(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = run([f"http://127.0.0.1:{port}/"], capsys)
    assert code == 3 and "cannot reach the app" in err


def test_python_dash_m_and_console_script(tmp_path: Path) -> None:
    target = tmp_path / "c.py"
    proc = subprocess.run(
        [sys.executable, "-m", "gradio_gen", str(SNAP), "-o", str(target), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    script = Path(sys.executable).with_name("gradio-gen")
    proc2 = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc2.returncode == 0 and "SOURCE" in proc2.stdout
    proc3 = subprocess.run(
        [sys.executable, "-m", "gradio_gen", str(tmp_path / "nope.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc3.returncode == 2 and "Traceback" not in proc3.stderr


def test_defaults_and_keyword_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    snap = minimal_app(
        {
            "/f": {
                "parameters": [
                    param("a", {"type": "string"}, default="x"),
                    param("b", {"type": "number"}),
                    param("c", {"type": "string", "enum": ["p", "q"]}, default="zzz"),
                    param("d", {"type": "number"}, default=None),
                    param("e", {"type": "array", "items": {"type": "string"}}, default=[]),
                ],
                "returns": [ret("out", {"type": "string"})],
            }
        }
    )
    path = tmp_path / "s.json"
    path.write_text(json.dumps(snap), encoding="utf-8")
    out = run([str(path)], capsys)[1]
    assert (
        'self,\n        a: str = "x",\n        *,\n        b: float,\n'
        '        c: Literal["p", "q"] | NotGiven = NOT_GIVEN,\n'
        "        d: float | None = None,\n"
        "        e: list[str] | NotGiven = NOT_GIVEN,\n"
    ) in out
