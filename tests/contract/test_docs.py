"""docs/contracts.md stays true: its fakes example runs as written against a generated client,
and its table lists every change kind the classifier can emit."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from gradio_gen_runtime._contracts._contract import KINDS

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "contracts.md"


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.S)


def test_fakes_example_runs_as_written(tmp_path: Path) -> None:
    (example,) = [b for b in code_blocks("python") if b.startswith("# test_welcome.py")]
    (tmp_path / "test_welcome.py").write_text(example)
    shutil.copy(ROOT / "generated_examples" / "demo_app" / "client.py", tmp_path / "demo_client.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_welcome.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 passed" in proc.stdout
    # and it type-checks: the fakes' stubbing API and recorded calls are typed for user code
    typed = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--no-incremental",
            "--config-file", str(ROOT / "pyproject.toml"), "test_welcome.py", "demo_client.py",
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert typed.returncode == 0, typed.stdout + typed.stderr


def documented_kinds() -> set[str]:
    """Kinds named in the doc's table; ``a_b_c`` / ``_d`` in one cell means ``a_b_d``."""
    found: set[str] = set()
    for line in DOC.read_text().splitlines():
        if not line.startswith("|"):
            continue
        for cell in line.split("|"):
            previous = ""
            for name in re.findall(r"`([a-z_]+)`", cell):
                if name.startswith("_") and previous:
                    name = previous.rsplit("_", 1)[0] + name
                found.add(name)
                previous = name
    return found


def test_every_change_kind_is_documented() -> None:
    assert set(KINDS) - documented_kinds() == set()
