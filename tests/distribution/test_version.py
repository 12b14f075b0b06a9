"""One version, SemVer, recorded in the CHANGELOG and in the installed metadata."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import gradio_gen
import gradio_gen_runtime

ROOT = Path(__file__).resolve().parents[2]
# https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def test_one_semver_version_everywhere() -> None:
    version = gradio_gen_runtime.__version__
    assert SEMVER.match(version), version
    assert gradio_gen.__version__ == version
    assert importlib.metadata.version("gradio-gen") == version


def test_the_changelog_has_an_entry_for_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    version = gradio_gen_runtime.__version__
    assert re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M), (
        f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section"
    )
    assert f"[{version}]: " in text  # its link reference
    assert "## [Unreleased]" in text
    released = re.findall(r"^## \[(\d[^\]]*)\]", text, re.M)
    assert released[0] == version, f"the newest CHANGELOG entry is {released[0]}, not {version}"
