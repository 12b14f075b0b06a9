"""The hooks in .pre-commit-hooks.yaml, run the way pre-commit runs them (entry + args, no
file names), on a committed generated example and on a changed copy of its snapshot."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).parents[2]
EXAMPLE = "generated_examples/multi_output"
CHECK_ARGS = [
    f"{EXAMPLE}/snapshot.json",
    "-o",
    f"{EXAMPLE}/client.py",
    "--class-name",
    "HelloWorld3",
]


def hooks() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return {h["id"]: h for h in data}


def run_hook(hook: dict[str, Any], args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    entry = shlex.split(hook["entry"])
    exe = Path(sys.executable).parent / entry[0]  # the console script pre-commit installs
    return subprocess.run(
        [str(exe), *entry[1:], *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_hook_definitions() -> None:
    found = hooks()
    assert set(found) == {"gradio-gen-check", "gradio-gen-diff"}
    for hook in found.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False


def test_check_hook_passes_on_a_current_client_and_fails_on_drift(tmp_path: Path) -> None:
    hook = hooks()["gradio-gen-check"]
    ok = run_hook(hook, [*CHECK_ARGS, "--check"], ROOT)
    assert ok.returncode == 0, ok.stderr
    changed = json.loads((ROOT / EXAMPLE / "snapshot.json").read_text())
    params = changed["info"]["named_endpoints"]["/predict"]["parameters"]
    params[1]["type"] = {"type": "string"}  # is_morning: boolean -> string
    (tmp_path / "snapshot.json").write_text(json.dumps(changed))
    args = [str(tmp_path / "snapshot.json"), *CHECK_ARGS[1:], "--check"]
    bad = run_hook(hook, args, ROOT)
    assert bad.returncode == 1
    assert "API: 1 breaking, 0 compatible API change(s)" in bad.stdout
    assert "parameter 'is_morning': type changed from boolean to string" in bad.stdout


def test_diff_hook_fails_only_on_breaking_changes(tmp_path: Path) -> None:
    hook = hooks()["gradio-gen-diff"]
    client = f"{EXAMPLE}/client.py"
    same = run_hook(hook, [client, f"{EXAMPLE}/snapshot.json"], ROOT)
    assert same.returncode == 0 and "no API changes" in same.stdout
    changed = json.loads((ROOT / EXAMPLE / "snapshot.json").read_text())
    params = changed["info"]["named_endpoints"]["/predict"]["parameters"]
    params[0]["parameter_has_default"], params[0]["parameter_default"] = True, "you"
    (tmp_path / "compatible.json").write_text(json.dumps(changed))
    compatible = run_hook(hook, [client, str(tmp_path / "compatible.json")], ROOT)
    assert compatible.returncode == 0, compatible.stdout
    assert "parameter 'name' gained a default" in compatible.stdout
    strict = run_hook(hook, [client, str(tmp_path / "compatible.json"), "--fail-on", "any"], ROOT)
    assert strict.returncode == 1
    del changed["info"]["named_endpoints"]["/predict"]["parameters"][2]
    changed["config"]["dependencies"][0]["inputs"].pop()
    (tmp_path / "breaking.json").write_text(json.dumps(changed))
    breaking = run_hook(hook, [client, str(tmp_path / "breaking.json"), "--format", "json"], ROOT)
    assert breaking.returncode == 1
    report = json.loads(breaking.stdout)
    assert [(c["kind"], c["target"]) for c in report["changes"] if c["severity"] == "breaking"] == [
        ("parameter_removed", "temperature")
    ]
