"""The gradio releases of the version matrix and their cached virtual environments.

Each old release lives in a venv built by ``../shared/old-gradio/make-venv.sh VERSION``
(cached in ``~/.cache/gradio-gen/venvs``, or ``$GRADIO_VENVS``; flock-protected, so a
background pre-build, see ``scripts/matrix_venvs.sh``, and the tests can race safely). The
newest release is the test venv itself. A venv that cannot be built fails the matrix loudly;
only outside CI (``CI`` unset) and without ``../shared`` beside the repo is it skipped, with
the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache

import pytest

from tests.servers import SHARED

RELEASES = ("3.50.2", "4.8.0", "4.16.0", "4.20.1", "4.21.0", "4.44.1", "5.9.1", "6.31.0")
"""One release per protocol line: ws, sse, sse_v1, sse_v2, sse_v2.1, sse_v3 without and
with the /gradio_api prefix (5.x), and the test venv's own gradio."""
MAIN = "6.31.0"
MAKE_VENV = SHARED / "old-gradio" / "make-venv.sh"
BUILD_TIMEOUT = 900.0


@cache
def _build(version: str) -> tuple[str | None, str]:
    if not MAKE_VENV.is_file():
        return None, f"{MAKE_VENV} is absent (../shared is not beside the repo)"
    try:
        proc = subprocess.run(
            ["bash", str(MAKE_VENV), version],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return None, f"building the gradio {version} venv took over {BUILD_TIMEOUT} s"
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not os.path.exists(lines[-1]):
        return None, f"building the gradio {version} venv failed: {proc.stderr.strip()[-500:]}"
    return lines[-1], ""


def venv_python(version: str) -> str:
    """The python of a venv with gradio ``version`` (built on first use, then cached)."""
    if version == MAIN:
        return sys.executable
    python, problem = _build(version)
    if python is None:
        if MAKE_VENV.is_file() or os.environ.get("CI"):
            pytest.fail(problem)  # CI must never pass a matrix it did not run
        pytest.skip(problem)
    return python
