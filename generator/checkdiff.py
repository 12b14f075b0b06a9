"""API-level changes between a generated module and a snapshot, one line per endpoint.

Reads the minimal snapshot a generated module embeds (``_SNAPSHOT_JSON``, found with ``ast``;
the module is never imported) and compares endpoint by endpoint: added, removed, and changed
parameters/outputs (name, type, default). Pure.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from typing import Any

from gradio_gen.runtime._exceptions import ProtocolError
from gradio_gen.runtime._spec import AppSpec, EndpointSpec, canonical_json


def embedded_snapshot(module_text: str) -> dict[str, Any] | None:
    """The snapshot a generated module embeds, or None when there is none to read."""
    try:
        tree = ast.parse(module_text)
    except SyntaxError:
        return None
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == "_SNAPSHOT_JSON"
        ):
            try:
                value = ast.literal_eval(stmt.value)
                data = json.loads(value)
            except (ValueError, TypeError, SyntaxError):
                return None
            return data if isinstance(data, dict) else None
    return None


def _shape(ep: EndpointSpec) -> dict[str, str]:
    out = {}
    for p in ep.parameters:
        default = f" = {canonical_json(p.default)}" if p.has_default else ""
        out[f"parameter {p.name!r}"] = canonical_json(dict(p.schema)) + default
    for i, o in enumerate(ep.outputs):
        out[f"output {i} ({o.label or o.component})"] = canonical_json(dict(o.schema))
    return out


def endpoint_changes(current_module: str, snapshot: Mapping[str, Any]) -> list[str]:
    old_snap = embedded_snapshot(current_module)
    if old_snap is None:
        return ["(no generated module to compare with: every endpoint is new)"]
    try:
        old = {e.api_name: e for e in AppSpec.from_snapshot(old_snap).public_endpoints}
        new = {e.api_name: e for e in AppSpec.from_snapshot(snapshot).public_endpoints}
    except ProtocolError as exc:
        return [f"(cannot compare APIs: {exc})"]
    lines = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            lines.append(f"{name}: removed")
        elif name not in old:
            n = len(new[name].parameters)
            lines.append(f"{name}: added ({n} parameter(s), {len(new[name].outputs)} output(s))")
        else:
            a, b = _shape(old[name]), _shape(new[name])
            changed = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
            if changed:
                parts = []
                for k in changed:
                    state = "added" if k not in a else "removed" if k not in b else "changed"
                    parts.append(f"{k} {state}")
                lines.append(f"{name}: " + "; ".join(parts))
    return lines
