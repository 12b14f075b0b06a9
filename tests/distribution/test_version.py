"""One version, SemVer, shared by both distributions (gradio-gen-runtime and gradio-gen),
recorded in the CHANGELOG and in the installed metadata of both.

The version is written once, in ``runtime/_version.py``; both pyproject files read it
(``dynamic = ["version"]``). The one other place that must follow it by hand is the
generator's dependency on the runtime (``gradio-gen-runtime>=V,<next series``): checked here.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

import gradio_gen
import gradio_gen_runtime

if sys.version_info >= (3, 11):
    import tomllib
else:  # tomli: a dependency of `build` (a test dependency) before Python 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
# https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def _parse(version: str) -> tuple[int, int, int]:
    major, minor, patch = SEMVER.match(version).groups()[:3]  # type: ignore[union-attr]
    return int(major), int(minor), int(patch)


def test_one_semver_version_everywhere() -> None:
    version = gradio_gen_runtime.__version__
    assert SEMVER.match(version), version
    assert gradio_gen.__version__ == version
    assert importlib.metadata.version("gradio-gen") == version
    assert importlib.metadata.version("gradio-gen-runtime") == version


def test_both_pyprojects_read_the_one_version() -> None:
    attr = "gradio_gen_runtime._version.__version__"
    for path in (ROOT / "pyproject.toml", ROOT / "runtime" / "pyproject.toml"):
        project = tomllib.loads(path.read_text(encoding="utf-8"))
        assert "version" not in project["project"], f"{path}: a second hand-written version"
        assert project["project"]["dynamic"] == ["version"], path
        assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": attr}, path


def test_the_generator_requires_its_own_runtime_series() -> None:
    """gradio-gen V requires gradio-gen-runtime >= V (its modules call require_runtime("V"))
    and < the next series (the SemVer promise: same major; before 1.0, same minor)."""
    version = gradio_gen_runtime.__version__
    major, minor, _ = _parse(version)
    upper = f"{major + 1}.0" if major else f"0.{minor + 1}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [d for d in project["dependencies"] if d.startswith("gradio-gen-runtime")]
    expected = f"gradio-gen-runtime>={version},<{upper}"
    assert runtime == [expected], f"pyproject.toml: the dependency should read {expected!r}"
    installed = importlib.metadata.requires("gradio-gen") or []
    assert any(r.replace(" ", "").startswith("gradio-gen-runtime") for r in installed), installed


# What every application that uses a generated client installs. A new one (or a new
# required one: an optional extra is not counted) is a decision: add it here, in
# tests/distribution/test_wheel.py and in the README's install section.
RUNTIME_DEPENDENCIES = {"httpx", "pydantic", "typing_extensions", "wsproto"}


def test_the_runtime_depends_only_on_httpx_pydantic_typing_extensions_wsproto() -> None:
    project = tomllib.loads((ROOT / "runtime" / "pyproject.toml").read_text(encoding="utf-8"))
    names = {
        re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower()
        for d in project["project"]["dependencies"]
    }
    assert names == RUNTIME_DEPENDENCIES, names
    assert project["project"]["name"] == "gradio-gen-runtime"
    assert (ROOT / "runtime" / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()


def test_the_changelog_has_an_entry_for_this_version() -> None:
    """Released: the newest ``## [V] - date`` section is this version. Being prepared: the
    version is newer than every released one and ``## [Unreleased]`` announces it."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    version = gradio_gen_runtime.__version__
    assert "## [Unreleased]" in text
    released = re.findall(r"^## \[(\d[^\]]*)\] - \d{4}-\d{2}-\d{2}$", text, re.M)
    assert released, "CHANGELOG.md has no released version"
    if version in released:
        assert released[0] == version, f"the newest CHANGELOG entry is {released[0]}, not {version}"
        assert f"[{version}]: " in text  # its link reference
    else:
        assert _parse(version) > _parse(released[0]), (version, released[0])
        assert re.search(
            rf"^## \[Unreleased\]\n\nTo be released as \*\*{re.escape(version)}\*\*", text, re.M
        ), f"CHANGELOG.md: '## [Unreleased]' should start 'To be released as **{version}**'"


def test_every_runtime_subpackage_is_in_its_pyproject() -> None:
    """A new folder of runtime/ (with an ``__init__.py``) must be listed in
    runtime/pyproject.toml, or the wheel would silently leave it out."""
    project = tomllib.loads((ROOT / "runtime" / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(project["tool"]["setuptools"]["packages"])
    found = {
        ".".join(["gradio_gen_runtime", *init.parent.relative_to(ROOT / "runtime").parts])
        for init in (ROOT / "runtime").rglob("__init__.py")
        if not {"build", "__pycache__"} & set(init.relative_to(ROOT / "runtime").parts)
        and not any(p.endswith(".egg-info") for p in init.parts)
    }
    assert found == listed, found ^ listed
