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

from gradio_gen.naming import MODULE_RESERVED, ClassName, component_class, pascal
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


# Gradio's own definition names that say too little in a module of their own.
_DEF_NAMES = {"Message": "ChatMessage"}


@dataclass
class Names:
    """Every top-level name the module defines, shared by both documents (collision-free)."""

    taken: set[str] = field(default_factory=lambda: set(MODULE_RESERVED))

    def reserve(self, name: str) -> None:
        self.taken.add(name)

    def claim(self, wanted: str, alternatives: list[str] | None = None) -> str:
        """The first free name of ``wanted``, ``alternatives``, ``wantedV2``, ``wantedV3``..."""
        for cand in [wanted, *(alternatives or [])]:
            if cand not in self.taken:
                self.taken.add(cand)
                return cand
        n = 2
        while f"{wanted}V{n}" in self.taken:
            n += 1
        self.taken.add(f"{wanted}V{n}")
        return f"{wanted}V{n}"


@dataclass
class Document:
    """One side's combined JSON Schema document, built one value at a time.

    The output side becomes pydantic models (what endpoints return); the input side becomes
    TypedDicts (what a caller passes: plain dicts type-check), each name ending in ``Param``.
    A value is named after its component (``Dataframe``/``DataframeParam``); gradio's shared
    definitions keep their names (``ChatMessage``, ``GalleryImage``); a list of definitions is
    written inline (``list[ChatMessage]``); identical shapes are one definition.
    """

    side: Side
    names: Names = field(default_factory=Names)
    defs: dict[str, Any] = field(default_factory=dict)
    _by_key: dict[str, str] = field(default_factory=dict)
    _values: dict[str, str] = field(default_factory=dict)
    roots: list[str] = field(default_factory=list)
    """Names of the definitions the module refers to (checked after generation)."""
    markers_used: set[Side] = field(default_factory=set)

    @property
    def suffix(self) -> str:
        return "Param" if self.side == "input" else ""

    def _name(self, base: str, alternatives: list[str] | None = None) -> str:
        return self.names.claim(base + self.suffix, [a + self.suffix for a in alternatives or []])

    def value_type(self, schema: Mapping[str, Any], *, component: str, fallback: str) -> str:
        """The Python type of one parameter/output value: inline when it is simple, else the
        name of a definition added here (or the one an identical shape already got)."""
        simple = inline_type(schema, self.side)
        if simple is not None:
            return simple
        key = canonical(_without_docs(schema))
        found = self._values.get(key)
        if found is not None:
            return found
        base = ClassName(component_class(component) or fallback, reserved=MODULE_RESERVED)
        name = self._name(base, [ClassName(fallback)])
        root = copy.deepcopy(dict(schema))
        local_defs = {}
        for k in ("$defs", "definitions"):
            found_defs = root.pop(k, None)
            if isinstance(found_defs, Mapping):
                local_defs.update({str(d): v for d, v in found_defs.items()})
        local_map = self._hoist_locals(local_defs)
        walked = self._walk(root, local_map, base, name)
        inline = _list_of_refs(walked)
        if inline is not None and name not in _global_refs(walked):
            self.names.taken.discard(name)  # not needed: the value is written inline
            expr, refs = inline
            self.roots.extend(r for r in refs if r not in self.roots)
            self._values[key] = expr
            return expr
        self.defs[name] = walked
        self.roots.append(name)
        self._values[key] = name
        return name

    # -- internals ------------------------------------------------------------------------

    def _hoist_locals(self, local_defs: dict[str, Any]) -> dict[str, str]:
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
        todo: list[tuple[str, ClassName]] = []
        for k in sorted(local_defs):
            if is_file_schema(local_defs[k]):
                self.markers_used.add(self.side)
                local_map[k] = MARKERS[self.side]
                continue
            group = {d: _without_docs(local_defs[d]) for d in closure(k)}
            key = canonical([k, group])
            if key in self._by_key:
                local_map[k] = self._by_key[key]
                continue
            base = ClassName(_DEF_NAMES.get(k, k), reserved=MODULE_RESERVED)
            gname = self._name(base)
            self._by_key[key] = gname
            local_map[k] = gname
            todo.append((k, base))
        for k, where in todo:
            gname = local_map[k]
            self.defs[gname] = self._walk(copy.deepcopy(local_defs[k]), local_map, where, gname)
        return local_map

    def _marker(self) -> dict[str, Any]:
        self.markers_used.add(self.side)
        return {"$ref": f"#/$defs/{MARKERS[self.side]}"}

    def _walk(
        self, node: Any, local_map: dict[str, str], where: str, owner: str, depth: int = 0
    ) -> Any:
        """``where``: the name hoisted inline objects are named after (without the side's
        suffix); ``owner``: the definition a ``"$ref": "#"`` points to."""
        if depth > 60:
            return {}
        if isinstance(node, list):
            return [self._walk(v, local_map, where, owner, depth + 1) for v in node]
        if not isinstance(node, Mapping):
            return node
        if is_file_schema(node):
            return self._marker()
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
                if not value and "additionalProperties" not in node:
                    continue  # no declared keys: any dict, not an empty class
                props = {}
                for pname, pschema in value.items():
                    sub = self._walk(pschema, local_map, where, owner, depth + 1)
                    props[str(pname)] = self._maybe_hoist(sub, where + pascal(str(pname)))
                out[key] = props
                continue
            if key in ("items", "additionalProperties") and isinstance(value, Mapping):
                sub = self._walk(value, local_map, where, owner, depth + 1)
                suffix = "Item" if key == "items" else "Value"
                out[key] = self._maybe_hoist(sub, where + suffix)
                continue
            if key in ("anyOf", "oneOf", "prefixItems") and isinstance(value, list):
                out[key] = [
                    self._maybe_hoist(
                        self._walk(v, local_map, where, owner, depth + 1),
                        where + ("Option" if key != "prefixItems" else "Element"),
                    )
                    for v in value
                ]
                continue
            out[key] = self._walk(value, local_map, where, owner, depth + 1)
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
        gname = self._name(ClassName(name_hint, reserved=MODULE_RESERVED))
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


def _without_docs(node: Any, depth: int = 0) -> Any:
    """The schema without what only documents it (titles, descriptions, examples): two values
    that differ only there are the same shape. Property names are kept whatever they are."""
    if depth > 60:
        return None
    if isinstance(node, list):
        return [_without_docs(v, depth + 1) for v in node]
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP_KEYS:
            continue
        if key in ("properties", "$defs", "definitions") and isinstance(value, Mapping):
            out[str(key)] = {str(k): _without_docs(v, depth + 1) for k, v in value.items()}
        else:
            out[str(key)] = _without_docs(value, depth + 1)
    return out


def _list_of_refs(node: Any) -> tuple[str, list[str]] | None:
    """``list[A]`` / ``list[A | B]`` for an array of definitions (written inline, no alias)."""
    if not (
        isinstance(node, Mapping) and node.get("type") == "array" and set(node) == {"type", "items"}
    ):
        return None
    items = node["items"]
    variants = (
        items.get("anyOf") if isinstance(items, Mapping) and set(items) == {"anyOf"} else [items]
    )
    if not isinstance(variants, list) or not variants:
        return None
    refs = []
    for v in variants:
        target = (
            _ref_target(v.get("$ref")) if isinstance(v, Mapping) and set(v) == {"$ref"} else None
        )
        if target is None or target == "#" or target in MARKERS.values():
            return None
        refs.append(target)
    refs = list(dict.fromkeys(refs))
    return f"list[{' | '.join(refs)}]", refs


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
