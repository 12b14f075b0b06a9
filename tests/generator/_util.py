"""Helpers shared by the generator tests."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "generated_examples"
MYPY = [sys.executable, "-m", "mypy"]


def generate(snapshot: dict[str, Any], **kwargs: Any) -> str:
    from gradio_gen import cli

    kwargs.setdefault("source", "http://127.0.0.1:1/")
    return cli.generate(snapshot, **kwargs)


def load_module(path: Path, name: str | None = None) -> ModuleType:
    name = name or f"_gg_test_{path.stem}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves forward references through sys.modules
    spec.loader.exec_module(module)
    return module


def mypy_strict(paths: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """One mypy --strict run over many modules (they must have distinct names)."""
    return subprocess.run(
        [*MYPY, "--strict", "--no-incremental", "--follow-imports=silent", *map(str, paths)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def private_runtime_imports(text: str) -> list[str]:
    """The imports of a generated module that do not resolve to the runtime's public module
    for generated code (``gradio_gen_runtime.generated``, a name of its ``__all__``), wherever
    they are (module level, ``TYPE_CHECKING``, inside functions)."""
    from gradio_gen_runtime import generated

    public = set(generated.__all__)
    found: list[str] = []
    seen = 0
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name.split(".")[0] == "gradio_gen_runtime"
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gradio_gen"):
            seen += 1
            if node.module != "gradio_gen_runtime.generated" or node.level:
                found.append(f"line {node.lineno}: from {node.module} import ...")
            found += [
                f"line {node.lineno}: {a.name} is not in gradio_gen_runtime.generated.__all__"
                for a in node.names
                if a.name not in public
            ]
    if not seen:
        found.append("no import from gradio_gen_runtime.generated at all")
    return found


def pyright_strict(
    paths: list[Path], cwd: Path, python_version: str | None = None
) -> tuple[list[str], int]:
    """One ``pyright --strict`` run (the PyPI ``pyright`` test dependency: its bundled npm
    package, no download) -> (the errors as ``file:line: message (rule)``, files analyzed).
    Imports resolve in this interpreter's environment (the runtime, pydantic...)."""
    config: dict[str, Any] = {"typeCheckingMode": "strict"}
    if python_version:
        config["pythonVersion"] = python_version
    (cwd / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}  # no version check online
    proc = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable]
        + [str(p) for p in paths],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        message = f"pyright did not run: {proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        raise AssertionError(message) from None
    errors = [
        f"{Path(d['file']).name}:{d['range']['start']['line'] + 1}: {d['message']}"
        f" ({d.get('rule', '')})"
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    return errors, int(report["summary"]["filesAnalyzed"])


def minimal_app(endpoints: dict[str, dict[str, Any]], title: str = "Test App") -> dict[str, Any]:
    """A snapshot for hand-written endpoints: ``{"/name": {"parameters": [...], "returns": [...]}}``.

    Each parameter/return is an /info entry; components and dependencies are derived."""
    components: list[dict[str, Any]] = []
    deps: list[dict[str, Any]] = []
    named: dict[str, Any] = {}
    cid = 0
    for i, (api_name, ep) in enumerate(endpoints.items()):
        ins, outs = [], []
        for _ in ep.get("parameters", []):
            components.append({"id": cid, "type": "textbox"})
            ins.append(cid)
            cid += 1
        for _ in ep.get("returns", []):
            components.append({"id": cid, "type": "textbox"})
            outs.append(cid)
            cid += 1
        deps.append(
            {
                "id": i,
                "api_name": api_name[1:],
                "inputs": ins,
                "outputs": outs,
                "backend_fn": True,
                "queue": True,
                "types": {"generator": False, "cancel": False},
                "api_visibility": "public",
                "connection": "sse",
            }
        )
        named[api_name] = {
            "parameters": ep.get("parameters", []),
            "returns": ep.get("returns", []),
            "api_visibility": "public",
            "description": ep.get("description", ""),
        }
    return {
        "config": {
            "version": "6.31.0",
            "protocol": "sse_v3",
            "api_prefix": "/gradio_api",
            "title": title,
            "components": components,
            "dependencies": deps,
        },
        "info": {"named_endpoints": named, "unnamed_endpoints": {}},
    }


def param(name: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "label": extra.pop("label", name),
        "parameter_name": name,
        "parameter_has_default": "default" in extra,
        "parameter_default": extra.pop("default", None),
        "type": schema,
        "python_type": {"type": "", "description": extra.pop("description", "")},
        "component": extra.pop("component", "Textbox"),
        "example_input": extra.pop("example", None),
    }


def ret(label: str, schema: dict[str, Any], component: str = "Textbox") -> dict[str, Any]:
    return {
        "label": label,
        "type": schema,
        "python_type": {"type": "", "description": ""},
        "component": component,
    }
