"""Helpers shared by the generator tests."""

from __future__ import annotations

import importlib.util
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
