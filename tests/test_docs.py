"""Every code block in README.md, runtime/README.md (the runtime's PyPI page) and docs/*.md runs
(or is explicitly excused), so docs cannot rot.

The rules, for fenced blocks (```lang ... ```):

* ``python``: run. All python blocks of one document share one namespace, in order, in one
  fresh interpreter (the dev venv's), whose working directory is a new empty folder: the
  user's project. ``bash``/``sh``/``shell`` blocks run there too, in document order between
  the python blocks, with ``bash -euo pipefail`` and the dev venv's ``bin`` first on PATH (so
  ``gradio-gen`` and ``python`` are ours). A failing block fails the test, naming file and line.
* ``json``/``toml``/``yaml``: parsed.
* A block preceded by ``<!-- docs-test: skip REASON -->`` is not run; the reason is required.
* A block preceded by ``<!-- docs-test: excerpt PATH -->`` is checked to be an excerpt of that
  repo file: its lines (ignoring blank lines and lines that are only ``...``) must appear in
  the file, in order.
* Any other block (``text``, no language...) must carry one of the two markers.

Live apps: the docs talk to the bundled demo app at ``http://127.0.0.1:7860/`` and to
``docs/examples/files_app.py`` at ``http://127.0.0.1:7861/`` (how a reader starts them is in
the quickstart). The test serves both on free ports and rewrites those two addresses in the
blocks it runs; nothing else is changed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.servers import RunningApps, launch

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "runtime" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DEMO_APP = ROOT / "generated_examples" / "demo_app" / "app.py"
FILES_APP = ROOT / "docs" / "examples" / "files_app.py"
ADDRESSES = {"app": "127.0.0.1:7860", "files_app": "127.0.0.1:7861"}  # by app file stem

PYTHON = {"python", "py"}
SHELL = {"bash", "sh", "shell"}
DATA = {"json", "toml", "yaml", "yml"}

_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_MARKER = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<kind>\w+)\s*(?P<arg>.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    path: str
    line: int  # of the opening fence, 1-based
    lang: str
    code: str
    marker: str = ""  # "skip" | "excerpt" | ""
    arg: str = ""

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def extract(text: str, path: str = "<doc>") -> list[Block]:
    """The fenced code blocks of a Markdown text, each with the marker just above it."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    previous = ""  # the last non-blank line before the current one
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            if lines[i].strip():
                previous = lines[i]
            i += 1
            continue
        fence, start = match["fence"], i
        body: list[str] = []
        i += 1
        while i < len(lines):
            closing = lines[i].strip()
            if closing.startswith(fence[0] * len(fence)) and not closing.strip(fence[0]):
                break
            body.append(lines[i])
            i += 1
        else:
            raise ValueError(f"{path}:{start + 1}: unclosed code fence")
        marker = _MARKER.match(previous)
        blocks.append(
            Block(
                path=path,
                line=start + 1,
                lang=match["info"].lower(),
                code="\n".join(body) + "\n",
                marker=marker["kind"] if marker else "",
                arg=marker["arg"] if marker else "",
            )
        )
        previous = lines[i] if i < len(lines) else ""
        i += 1
    return blocks


_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s")


def indented_blocks(text: str, path: str = "<doc>") -> list[Block]:
    """Indented (4-space) code blocks outside fences: they have no language, so they must carry
    a skip marker like any other block that is not run. List continuations are not blocks."""
    found: list[Block] = []
    lines = text.splitlines()
    fence = ""
    previous = ""
    for i, line in enumerate(lines):
        match = _FENCE.match(line)
        if match and not fence:
            fence = match["fence"]
            continue
        if fence:
            closing = line.strip()
            if closing.startswith(fence) and not closing.strip(fence[0]):
                fence = ""
                previous = line
            continue
        starts_block = (
            line.startswith("    ")
            and line.strip()
            and i > 0
            and not lines[i - 1].strip()
            and not (_LIST_ITEM.match(previous) or previous.startswith(" "))
        )
        if starts_block:
            marker = _MARKER.match(previous)
            found.append(
                Block(
                    path=path,
                    line=i + 1,
                    lang="",
                    code=line.strip() + "\n",
                    marker=marker["kind"] if marker else "",
                    arg=marker["arg"] if marker else "",
                )
            )
        if line.strip():
            previous = line
    return found


def problems(block: Block) -> list[str]:
    """Why a block breaks the rules (empty when it is fine)."""
    if block.marker == "skip":
        return [] if len(block.arg.split()) >= 2 else [f"{block.where}: skip needs a reason"]
    if block.marker == "excerpt":
        return [] if block.arg else [f"{block.where}: excerpt needs a file path"]
    if block.marker:
        return [f"{block.where}: unknown docs-test marker {block.marker!r}"]
    if block.lang in PYTHON | SHELL | DATA:
        return []
    return [f"{block.where}: a {block.lang or 'plain'!r} block must be run or carry a marker"]


def _doc_blocks(path: Path) -> list[Block]:
    return extract(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


# -- the mechanism itself ----------------------------------------------------------------------

SAMPLE = """# Title
Some text.

```python
x = 1
```

<!-- docs-test: skip needs a real Space -->
```bash
gradio-gen owner/space
```

````markdown
```python
nested = True
```
````

<!-- docs-test: excerpt runtime/_version.py -->
```python
__version__ = ...
```

```text
plain output
```

<!-- docs-test: skip -->
```python
pass
```
"""


def test_extract_reads_fences_markers_and_nesting() -> None:
    blocks = extract(SAMPLE, "s.md")
    assert [(b.line, b.lang, b.marker) for b in blocks] == [
        (4, "python", ""),
        (9, "bash", "skip"),
        (13, "markdown", ""),
        (20, "python", "excerpt"),
        (24, "text", ""),
        (29, "python", "skip"),
    ]
    assert blocks[0].code == "x = 1\n"
    assert blocks[1].arg == "needs a real Space"
    assert "nested = True" in blocks[2].code  # a longer fence contains a shorter one
    assert [p for b in blocks for p in problems(b)] == [
        "s.md:13: a 'markdown' block must be run or carry a marker",
        "s.md:24: a 'text' block must be run or carry a marker",
        "s.md:29: skip needs a reason",
    ]
    with pytest.raises(ValueError, match="unclosed"):
        extract("```python\nx = 1\n", "u.md")


def _excerpt_missing(block: Block) -> list[str]:
    target = ROOT / block.arg
    if not target.is_file():
        return [f"{block.where}: excerpt source {block.arg} does not exist"]
    source = [line.strip() for line in target.read_text(encoding="utf-8").splitlines()]
    position = 0
    missing = []
    for line in block.code.splitlines():
        wanted = line.strip()
        if not wanted or wanted in ("...", "# ..."):
            continue
        try:
            position = source.index(wanted, position) + 1
        except ValueError:
            missing.append(f"{block.where}: not in {block.arg} (in this order): {wanted!r}")
    return missing


def test_excerpt_check_notices_a_wrong_line() -> None:
    good = Block(
        "x.md",
        1,
        "python",
        '__version__ = "' + _version() + '"\n',
        "excerpt",
        "runtime/_version.py",
    )
    bad = Block("x.md", 1, "python", "__version__ = 'nope'\n", "excerpt", "runtime/_version.py")
    assert _excerpt_missing(good) == []
    assert len(_excerpt_missing(bad)) == 1


def _version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "runtime" / "_version.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


# -- the docs -----------------------------------------------------------------------------------


def test_the_docs_exist() -> None:
    names = {p.name for p in DOCS}
    assert {"README.md", "quickstart.md", "generated-api.md", "troubleshooting.md"} <= names


@pytest.mark.parametrize("doc", DOCS, ids=_ids(DOCS))
def test_every_block_is_run_or_excused(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    indented = indented_blocks(text, str(doc.relative_to(ROOT)))
    found = [p for b in [*_doc_blocks(doc), *indented] for p in problems(b)]
    assert found == []


def test_indented_blocks_are_found() -> None:
    text = (
        "Intro.\n\n    gradio-gen x\n\n- item\n\n    continuation\n\n"
        "<!-- docs-test: skip a diagram -->\n\n    A -> B\n\n```text\n\n    inside\n```\n"
    )
    blocks = indented_blocks(text, "i.md")
    assert [(b.line, b.marker) for b in blocks] == [(3, ""), (11, "skip")]
    assert [p for b in blocks for p in problems(b)] == [
        "i.md:3: a 'plain' block must be run or carry a marker"
    ]


@pytest.mark.parametrize("doc", DOCS, ids=_ids(DOCS))
def test_data_blocks_parse_and_excerpts_match(doc: Path) -> None:
    for block in _doc_blocks(doc):
        if block.marker == "excerpt":
            assert _excerpt_missing(block) == []
        elif block.marker:
            continue
        elif block.lang == "json":
            json.loads(block.code)
        elif block.lang == "toml":
            import tomllib  # Python 3.11+

            tomllib.loads(block.code)
        elif block.lang in ("yaml", "yml"):
            yaml.safe_load(block.code)


_DRIVER = """
import json, subprocess, sys
steps = json.load(open(sys.argv[1], encoding="utf-8"))
namespace = {"__name__": "__main__"}
for step in steps:
    print(f"--- {step['where']} ({step['lang']})", flush=True)
    if step["lang"] == "python":
        exec(compile(step["code"], step["where"], "exec"), namespace)
    else:
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", step["code"]], timeout=180)
        if proc.returncode:
            sys.exit(f"{step['where']}: the shell block exited with {proc.returncode}")
    sys.stdout.flush()
"""


@pytest.fixture(scope="module")
def doc_apps() -> Iterator[RunningApps]:
    with launch([DEMO_APP, FILES_APP]) as running:
        yield running


def _runnable(doc: Path) -> list[Block]:
    return [b for b in _doc_blocks(doc) if not b.marker and b.lang in PYTHON | SHELL]


RUNNABLE = [d for d in DOCS if _runnable(d)]


@pytest.mark.timeout(400)
@pytest.mark.parametrize("doc", RUNNABLE, ids=_ids(RUNNABLE))
def test_doc_blocks_run(doc: Path, doc_apps: RunningApps, tmp_path: Path) -> None:
    rewrite = {
        address: doc_apps[name].split("//", 1)[1].rstrip("/") for name, address in ADDRESSES.items()
    }
    steps = []
    for block in _runnable(doc):
        code = block.code
        for old, new in rewrite.items():
            code = code.replace(old, new)
        lang = "python" if block.lang in PYTHON else "bash"
        steps.append({"where": block.where, "lang": lang, "code": code})
    (tmp_path / ".steps.json").write_text(json.dumps(steps), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, ".steps.json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=360,
    )
    assert proc.returncode == 0, f"{doc.name} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    assert proc.stdout.count("\n--- ") + proc.stdout.startswith("--- ") == len(steps)


_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {
        _slug(line.lstrip("#"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }


def test_slug_matches_github() -> None:
    assert _slug(" Testing with fakes") == "testing-with-fakes"
    assert _slug("Compared with gradio_client") == "compared-with-gradio_client"
    assert _slug('"did not finish in time" and cancelled jobs') == (
        "did-not-finish-in-time-and-cancelled-jobs"
    )


@pytest.mark.parametrize("doc", DOCS, ids=_ids(DOCS))
def test_relative_links_resolve(doc: Path) -> None:
    """Every relative link points to a file of the repo (and, for a Markdown #anchor, a heading)."""
    text = doc.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # links inside code blocks are code
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not checked (no network)
        file_part, _, anchor = target.partition("#")
        path = (doc.parent / file_part).resolve() if file_part else doc
        missing_anchor = bool(anchor) and path.suffix == ".md" and path.exists()
        if not path.exists() or (missing_anchor and anchor not in _anchors(path)):
            broken.append(target)
    assert broken == []


def test_the_runner_fails_on_a_broken_block(tmp_path: Path) -> None:
    """Control for test_doc_blocks_run: a failing python or shell block fails the run, named."""
    for lang, code in (("python", "x = 1\nassert x == 2\n"), ("bash", "true\nfalse\necho no\n")):
        steps = [
            {"where": "ok.md:1", "lang": "python", "code": "y = 1\n"},
            {"where": "bad.md:7", "lang": lang, "code": code},
        ]
        (tmp_path / "steps.json").write_text(json.dumps(steps), encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-c", _DRIVER, "steps.json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode != 0
        assert "bad.md:7" in proc.stderr
        assert "no" not in proc.stdout.split("bad.md:7")[-1]  # stopped at the failing line
