"""The runtime's import graph: no cycle, no import going up the layer order, and the layers
are the ones docs/architecture.md documents.

Every import counts, wherever it is: at module level, under ``if TYPE_CHECKING:``, inside a
function (a lazy import), and the lazy tables of the public modules (``_LAZY``: name ->
runtime submodule, imported on first access). A cycle through a type-only or lazy edge is still a
cycle: it means neither module can be understood (or moved) without the other.

Implicit edges are not counted: importing ``gradio_gen_runtime._files._io`` runs the package
``__init__`` files first. They stay harmless because a subpackage ``__init__`` imports nothing
(checked here) and the root one eagerly imports only the foundation.

The layers are read from the table under "Layers" in docs/architecture.md, so the document
and the rule cannot drift apart; every runtime module must be in exactly one layer.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime"
GENERATOR = ROOT / "generator"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
PACKAGE = "gradio_gen_runtime"


# -- the graph -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    kind: str  # "module" | "type-checking" | "function" | "lazy-table"

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({self.kind} import, line {self.line})"


def package_modules(root: Path, package: str) -> dict[str, Path]:
    """Module name -> file, for the package in ``root`` (folders without ``__init__.py``,
    such as build output, are not part of it)."""
    modules: dict[str, Path] = {}

    def walk(folder: Path, name: str) -> None:
        for path in sorted(folder.iterdir()):
            if path.is_dir() and (path / "__init__.py").is_file():
                walk(path, f"{name}.{path.name}")
            elif path.suffix == ".py":
                modules[name if path.stem == "__init__" else f"{name}.{path.stem}"] = path

    walk(root, package)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> Iterable[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import statement, wherever it is, with its kind: ``function`` (inside a function
    body: lazy), ``type-checking`` (under ``if TYPE_CHECKING:``) or ``module``."""

    def visit(node: ast.AST, kind: str) -> Iterable[tuple[ast.Import | ast.ImportFrom, str]]:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, kind
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            kind = "function"
        if isinstance(node, ast.If) and _is_type_checking(node.test) and kind == "module":
            for child in node.body:
                yield from visit(child, "type-checking")
            for child in node.orelse:
                yield from visit(child, kind)
            return
        for child in ast.iter_child_nodes(node):
            yield from visit(child, kind)

    yield from visit(tree, "module")


def _lazy_table(tree: ast.Module) -> list[ast.expr]:
    """The values of a module-level ``_LAZY = {name: "_sub._module"}`` table (submodules of
    the runtime package, imported by ``__getattr__`` on first access of a name)."""
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "_LAZY":
            assert isinstance(node, (ast.Assign, ast.AnnAssign))
            assert isinstance(node.value, ast.Dict)
            return [v for v in node.value.values if v is not None]
    return []


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if not level:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def import_edges(modules: dict[str, Path], package: str) -> list[Edge]:
    edges: list[Edge] = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        for node, kind in _imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(module, is_package, node.level, node.module)
                for alias in node.names:  # `from . import _x`: the submodule, if it is one
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                if target.startswith(package) and target != module:
                    assert target in modules, f"{module}: import of unknown module {target}"
                    edges.append(Edge(module, target, node.lineno, kind))
        for value in _lazy_table(tree):  # a submodule of the package, imported on first use
            assert isinstance(value, ast.Constant) and isinstance(value.value, str)
            target = f"{package}.{value.value}"
            assert target in modules, f"{module}: _LAZY names an unknown module {target}"
            edges.append(Edge(module, target, value.lineno, "lazy-table"))
    return list(dict.fromkeys(edges))  # one per (source, target, line, kind)


def find_cycles(nodes: Iterable[str], edges: list[Edge]) -> list[list[str]]:
    """The import cycles (strongly connected components of more than one module)."""
    graph: dict[str, set[str]] = {n: set() for n in nodes}
    for e in edges:
        graph[e.source].add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return cycles


# -- the documented layers ------------------------------------------------------------------


def documented_layers(text: str) -> dict[str, int]:
    """``{part: layer}`` from the "Layers" table of docs/architecture.md: rows
    ``| N name | `_a`, `_b/` |`` (a root module, or a subpackage with a trailing ``/``)."""
    section = text.split("### Layers", 1)[1].split("\n#", 1)[0]
    layers: dict[str, int] = {}
    for match in re.finditer(r"^\| (\d+)[^|]*\| ([^|]+) \|", section, re.M):
        for part in re.findall(r"`([^`]+)`", match[2]):
            assert part not in layers, f"architecture.md: {part} is in two layers"
            layers[part] = int(match[1])
    assert layers, "architecture.md: no Layers table"
    return layers


def layer_of(module: str, layers: dict[str, int], package: str = PACKAGE) -> int:
    parts = module.split(".")[1:]
    key = "__init__" if not parts else (f"{parts[0]}/" if len(parts) > 1 else parts[0])
    if key not in layers and len(parts) == 1 and f"{parts[0]}/" in layers:
        key = f"{parts[0]}/"  # a subpackage's own __init__
    assert key in layers, f"{module} is in no layer of docs/architecture.md"
    return layers[key]


def layer_violations(edges: list[Edge], layers: dict[str, int]) -> list[str]:
    return [
        f"{e}: layer {layer_of(e.source, layers)} imports layer {layer_of(e.target, layers)}"
        for e in edges
        if layer_of(e.target, layers) > layer_of(e.source, layers)
    ]


# -- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runtime() -> tuple[dict[str, Path], list[Edge]]:
    modules = package_modules(RUNTIME, PACKAGE)
    return modules, import_edges(modules, PACKAGE)


def test_the_runtime_has_no_import_cycle(runtime: tuple[dict[str, Path], list[Edge]]) -> None:
    modules, edges = runtime
    assert len(modules) > 30 and len(edges) > 80  # the walk sees the whole runtime
    cycles = find_cycles(modules, edges)
    described = [
        " <-> ".join(c)
        + "\n    "
        + "\n    ".join(str(e) for e in edges if {e.source, e.target} <= set(c))
        for c in cycles
    ]
    assert not cycles, "import cycles:\n" + "\n".join(described)


def test_no_import_goes_up_the_documented_layers(
    runtime: tuple[dict[str, Path], list[Edge]],
) -> None:
    modules, edges = runtime
    layers = documented_layers(ARCHITECTURE.read_text(encoding="utf-8"))
    for module in modules:
        layer_of(module, layers)  # every module has a documented layer
    assert layer_violations(edges, layers) == []


def test_subpackage_inits_import_nothing(runtime: tuple[dict[str, Path], list[Edge]]) -> None:
    """So the implicit imports of package ``__init__`` files add no edge; the root one
    imports only the foundation eagerly (the rest lazily, by its ``_LAZY`` table)."""
    modules, edges = runtime
    layers = documented_layers(ARCHITECTURE.read_text(encoding="utf-8"))
    for module, path in modules.items():
        if path.name == "__init__.py" and module != PACKAGE:
            assert not [e for e in edges if e.source == module], module
    eager = [e for e in edges if e.source == PACKAGE and e.kind == "module"]
    assert eager and all(layer_of(e.target, layers) == 0 for e in eager), eager


def test_the_generator_uses_only_the_documented_runtime_modules() -> None:
    """gradio-gen and gradio-gen-runtime are two distributions; the runtime modules the
    generator imports are the interface between them (stable within a minor series, which the
    generator's dependency range pins). The list is in docs/architecture.md."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("The generator imports only these"))
    documented = {
        f"{PACKAGE}{m}" if m.startswith(".") else m for m in re.findall(r"`([^`]+)`", line)
    }
    used: set[str] = set()
    for path in GENERATOR.rglob("*.py"):
        for node, _kind in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
                used.add(node.module)
            elif isinstance(node, ast.Import):
                used.update(a.name for a in node.names if a.name.startswith(PACKAGE))
    assert used, "the walk found no runtime import in the generator"
    assert used <= documented, sorted(used - documented)


# -- the checker itself notices ---------------------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package_modules(tmp_path / "pkg", "pkg")


def test_the_checker_sees_type_only_and_lazy_cycles_and_upward_imports(tmp_path: Path) -> None:
    modules = _tree(
        tmp_path,
        {
            "__init__.py": '_LAZY = {"x": "_sub._c"}\n',
            "_low.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ._sub._a import A\n",
            "_sub/__init__.py": "",
            "_sub/_a.py": "from .._low import x\n",
            "_sub/_b.py": "def f():\n    from . import _c\n",
            "_sub/_c.py": "from ._b import f\n",
        },
    )
    edges = import_edges(modules, "pkg")
    kinds = {(e.source, e.target): e.kind for e in edges}
    assert kinds[("pkg._low", "pkg._sub._a")] == "type-checking"
    assert kinds[("pkg._sub._b", "pkg._sub._c")] == "function"
    assert kinds[("pkg", "pkg._sub._c")] == "lazy-table"
    assert sorted(find_cycles(modules, edges)) == [
        ["pkg._low", "pkg._sub._a"],
        ["pkg._sub._b", "pkg._sub._c"],
    ]
    layers = {"_low": 0, "_sub/": 1, "__init__": 2}
    problems = layer_violations(edges, layers)
    assert len(problems) == 1 and problems[0].startswith("pkg._low -> pkg._sub._a"), problems
