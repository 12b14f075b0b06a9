"""JSON Schema -> Python types (pure): inline types for simple schemas, and one combined,
pre-processed document for datamodel-code-generator for the rest.

Gradio's schemas are not quite JSON Schema and every string in them is untrusted. What this
module guarantees:

* an *inline* type (``str``, ``Literal['a', 'b']``, ``list[FileInput]``...) is built only
  from fixed names and ``repr`` of str/int/bool literals;
* the *document* holds every complex schema under a name chosen here (``ClassName``), with
  each schema's ``$defs`` hoisted and deduplicated by content, inline objects hoisted under
  readable names (``<Parent><Property>``), file nodes replaced by references to marker
  definitions (``FileInput`` on the input side, ``File`` on the output side), ``type: {}``
  made unconstrained, run-time ``enum: []`` dropped, and titles/descriptions/examples removed
  (the generator documents from ``/info`` itself; nothing else from the schema reaches code
  except field names, enum values and defaults, which datamodel-code-generator writes as
  literals and ``models.py`` re-checks).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from gradio_gen.naming import MODULE_RESERVED, ClassName, pascal
from gradio_gen_runtime._spec import is_file_schema

Side = Literal["input", "output"]

FILE_TYPE: dict[Side, str] = {"input": "FileInput", "output": "File"}
MARKERS: dict[Side, str] = {"input": "GradioGenFileInputMarker", "output": "GradioGenFileMarker"}
_DROP_KEYS = ("title", "description", "examples", "additional_description", "$schema", "$id")
_PRIMITIVES = {
    "string": "str",
    "number": "float",
    "integer": "int",
    "boolean": "bool",
    "null": "None",
}


def _literal(value: Any) -> str | None:
    if isinstance(value, (bool, int, str)):
        return repr(value)
    return None


def _union(parts: list[str]) -> str:
    seen: list[str] = []
    for p in parts:
        if p not in seen:
            seen.append(p)
    if "Any" in seen:
        return "Any"
    return " | ".join(seen)


def inline_type(
    schema: Any, side: Side, depth: int = 0, defs: Mapping[str, Any] | None = None
) -> str | None:
    """A Python type expression for a schema without objects or references, else ``None``.

    File nodes are allowed (they map to the runtime's file types), also behind a local
    ``$ref`` (``{"items": {"$ref": "#/$defs/FileData"}}`` is ``list[FileInput]``)."""
    if depth > 20:
        return None
    if not isinstance(schema, Mapping):
        return "Any" if schema is True or schema is None else None
    if depth == 0:
        found = schema.get("$defs")
        defs = found if isinstance(found, Mapping) else {}
    if is_file_schema(schema):
        return FILE_TYPE[side]
    if "$ref" in schema:
        target = _ref_target(schema["$ref"])
        if (
            defs
            and target is not None
            and target in defs
            and is_file_schema(defs[target])
            and len(schema) == 1
        ):
            return FILE_TYPE[side]
        return None
    if "properties" in schema or "additionalProperties" in schema:
        return None
    if "const" in schema:
        lit = _literal(schema["const"])
        return f"Literal[{lit}]" if lit is not None else None
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        lits = [_literal(v) for v in enum if v is not None]
        if all(lit is not None for lit in lits) and lits:
            body = ", ".join(dict.fromkeys(lit for lit in lits if lit is not None))
            return f"Literal[{body}]" + (" | None" if None in enum else "")
        return None
    for key in ("anyOf", "oneOf"):
        variants = schema.get(key)
        if isinstance(variants, list) and variants:
            parts = [inline_type(v, side, depth + 1, defs) for v in variants]
            if any(p is None for p in parts):
                return None
            return _union([p for p in parts if p is not None])
    if "allOf" in schema or "not" in schema:
        return None
    typ = schema.get("type")
    if isinstance(typ, list):
        parts = [inline_type({**schema, "type": t}, side, depth + 1, defs) for t in typ]
        if any(p is None for p in parts):
            return None
        return _union([p for p in parts if p is not None])
    if not isinstance(typ, str):
        return "Any"  # no type, or gradio's "type": {}: unconstrained
    if typ in _PRIMITIVES:
        return _PRIMITIVES[typ]
    if typ == "array":
        if "prefixItems" in schema:
            return None
        items = schema.get("items")
        if items is None or items is True or items == {}:
            return "list[Any]"
        inner = inline_type(items, side, depth + 1, defs)
        return f"list[{inner}]" if inner is not None else None
    if typ == "object":
        return "dict[str, Any]"
    return "Any"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass
class Document:
    """The combined JSON Schema document, built one root at a time."""

    taken: set[str] = field(default_factory=lambda: set(MODULE_RESERVED))
    defs: dict[str, Any] = field(default_factory=dict)
    _by_key: dict[str, str] = field(default_factory=dict)
    roots: list[str] = field(default_factory=list)
    markers_used: set[Side] = field(default_factory=set)

    def reserve(self, name: str) -> None:
        self.taken.add(name)

    def claim(self, wanted: str) -> str:
        """``wanted`` if no definition or reserved name has it, else a unique variant."""
        return self._name(wanted, [])

    def _name(self, wanted: str, alternatives: list[str]) -> str:
        for cand in [wanted, *alternatives]:
            if cand not in self.taken:
                self.taken.add(cand)
                return cand
        n = 2
        while f"{wanted}V{n}" in self.taken:
            n += 1
        self.taken.add(f"{wanted}V{n}")
        return f"{wanted}V{n}"

    def add_root(self, name: str, schema: Mapping[str, Any], side: Side) -> None:
        """Add one parameter/output schema under ``name`` (already reserved by the caller)."""
        root = copy.deepcopy(dict(schema))
        local_defs = {}
        for key in ("$defs", "definitions"):
            found = root.pop(key, None)
            if isinstance(found, Mapping):
                local_defs.update({str(k): v for k, v in found.items()})
        local_map = self._hoist_locals(local_defs, side, name)
        self.defs[name] = self._walk(root, side, local_map, name, name)
        self.roots.append(name)

    # -- internals ------------------------------------------------------------------------

    def _hoist_locals(self, local_defs: dict[str, Any], side: Side, owner: str) -> dict[str, str]:
        deps = {k: _local_refs(v) & set(local_defs) for k, v in local_defs.items()}

        def closure(k: str) -> list[str]:
            seen: set[str] = set()
            stack = [k]
            while stack:
                cur = stack.pop()
                if cur not in seen:
                    seen.add(cur)
                    stack.extend(deps.get(cur, ()))
            return sorted(seen)

        local_map: dict[str, str] = {}
        todo: list[str] = []
        for k in sorted(local_defs):
            if is_file_schema(local_defs[k]):
                self.markers_used.add(side)
                local_map[k] = MARKERS[side]
                continue
            group = {d: local_defs[d] for d in closure(k)}
            has_file = any(_contains_file(v) for v in group.values())
            key = canonical([side if has_file else "any", k, group])
            if key in self._by_key:
                local_map[k] = self._by_key[key]
                continue
            base = ClassName(k, reserved=MODULE_RESERVED)
            suffix = "Input" if side == "input" else "Output"
            alternatives = [base + suffix, owner + base] if has_file else [owner + base]
            gname = self._name(base, alternatives)
            self._by_key[key] = gname
            local_map[k] = gname
            todo.append(k)
        for k in todo:
            gname = local_map[k]
            self.defs[gname] = self._walk(
                copy.deepcopy(local_defs[k]), side, local_map, gname, owner
            )
        return local_map

    def _marker(self, side: Side) -> dict[str, Any]:
        self.markers_used.add(side)
        return {"$ref": f"#/$defs/{MARKERS[side]}"}

    def _walk(
        self,
        node: Any,
        side: Side,
        local_map: dict[str, str],
        where: str,
        owner: str,
        depth: int = 0,
    ) -> Any:
        if depth > 60:
            return {}
        if isinstance(node, list):
            return [self._walk(v, side, local_map, where, owner, depth + 1) for v in node]
        if not isinstance(node, Mapping):
            return node
        if is_file_schema(node):
            return self._marker(side)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROP_KEYS or key in ("$defs", "definitions"):
                continue
            if key == "$ref":
                target = _ref_target(value)
                if target == "#":
                    out["$ref"] = f"#/$defs/{owner}"
                elif target is not None and target in local_map:
                    out["$ref"] = f"#/$defs/{local_map[target]}"
                else:
                    return {}  # unresolvable reference: unconstrained (Any)
                continue
            if key == "type" and not isinstance(value, (str, list)):
                continue  # gradio's "type": {} means any
            if key == "enum" and (not isinstance(value, list) or not value):
                continue  # run-time choices
            if key == "properties" and isinstance(value, Mapping):
                props = {}
                for pname, pschema in value.items():
                    sub = self._walk(pschema, side, local_map, where, owner, depth + 1)
                    props[str(pname)] = self._maybe_hoist(sub, where + pascal(str(pname)))
                out[key] = props
                continue
            if key in ("items", "additionalProperties") and isinstance(value, Mapping):
                sub = self._walk(value, side, local_map, where, owner, depth + 1)
                suffix = "Item" if key == "items" else "Value"
                out[key] = self._maybe_hoist(sub, where + suffix)
                continue
            if key in ("anyOf", "oneOf", "prefixItems") and isinstance(value, list):
                out[key] = [
                    self._maybe_hoist(
                        self._walk(v, side, local_map, where, owner, depth + 1),
                        where + ("Option" if key != "prefixItems" else "Element"),
                    )
                    for v in value
                ]
                continue
            out[key] = self._walk(value, side, local_map, where, owner, depth + 1)
        return out

    def _maybe_hoist(self, node: Any, name_hint: str) -> Any:
        """Inline objects with properties become named definitions (readable names)."""
        if not (isinstance(node, dict) and isinstance(node.get("properties"), Mapping)):
            return node
        if not node["properties"]:
            return node
        key = canonical(["inline", node])
        if key in self._by_key:
            return {"$ref": f"#/$defs/{self._by_key[key]}"}
        base = ClassName(name_hint, reserved=MODULE_RESERVED)
        gname = self._name(base, [])
        self._by_key[key] = gname
        self.defs[gname] = node
        return {"$ref": f"#/$defs/{gname}"}

    def document(self) -> dict[str, Any]:
        """The combined document, only definitions reachable from the roots, sorted."""
        reachable: set[str] = set()
        stack = list(self.roots)
        while stack:
            cur = stack.pop()
            if cur in reachable or cur not in self.defs:
                continue
            reachable.add(cur)
            stack.extend(_global_refs(self.defs[cur]))
        defs = {k: self.defs[k] for k in sorted(reachable)}
        for side in sorted(self.markers_used):
            # A unique shape so datamodel-code-generator never merges it with anything else.
            defs[MARKERS[side]] = {
                "type": "object",
                "properties": {f"gradio_gen_{side}_marker": {"type": "string"}},
            }
        return {"$defs": defs}


def _ref_target(ref: Any) -> str | None:
    if not isinstance(ref, str):
        return None
    if ref == "#":
        return "#"
    for prefix in ("#/$defs/", "#/definitions/"):
        if ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
            return ref[len(prefix) :]
    return None


def _contains_file(node: Any) -> bool:
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, Mapping):
            if is_file_schema(cur):
                return True
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return False


def _local_refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, Mapping):
            target = _ref_target(cur.get("$ref"))
            if target and target != "#":
                found.add(target)
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return found


def _global_refs(node: Any) -> set[str]:
    return _local_refs(node)
