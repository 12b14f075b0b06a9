"""Is every value one JSON Schema accepts also accepted by another? Pure, no I/O.

``includes(sub, sup)`` answers with three values: ``True`` (proved), ``False`` (a value of
``sub`` is rejected by ``sup``), ``None`` (cannot tell: unknown keywords, odd ``$ref``...).
``relation(old, new)`` turns the two inclusions into ``same | widened | narrowed | changed |
unknown``, the vocabulary the contract diff (``_contract.py``) classifies with.

Rules kept (a pragmatic reading of the JSON Schema subset Gradio emits):

- annotations (``title``, ``description``, ``default``, examples...) never matter;
- ``"enum": []`` means "choices decided at run time", i.e. no enum constraint;
- an object schema without ``additionalProperties`` is *closed* (pydantic models: values
  carry only the declared properties), so adding an optional property widens it;
- ``{}`` / ``true`` accept anything; ``"type": {}`` (native plots) is treated as ``{}``;
- ``anyOf`` / ``oneOf`` / type lists / ``nullable`` are unions; a union is included in
  another when each branch is included in some branch (sound, not complete: what it
  cannot prove it reports as ``False`` or ``None``, which the diff treats conservatively);
- recursion through ``$ref`` is assumed to hold while it is being proved (co-induction);
- two file schemas (``_spec.is_file_schema``: 3.x unions and base64 images, 4.0-4.20
  ``FileData``, 4.21+ with ``meta``, 6.x with ``$defs``) are the same type: the runtime turns
  each into the same ``File`` / ``FileInput``, so only *where* files are matters; a file
  and a non-file value are different types (uploaded vs sent as they are).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from .._spec import is_file_schema

Tri = bool | None
Relation = Literal["same", "widened", "narrowed", "changed", "unknown"]

ANNOTATIONS = frozenset([
    "title", "description", "default", "examples", "example", "additional_description",
    "$defs", "definitions", "$schema", "$id", "$comment", "readOnly", "writeOnly",
    "deprecated", "discriminator",
])  # fmt: skip
_HANDLED = frozenset([
    "type", "enum", "const", "anyOf", "oneOf", "allOf", "nullable", "$ref", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength",
    "pattern", "format", "items", "prefixItems", "minItems", "maxItems", "uniqueItems",
    "additionalItems", "properties", "required", "additionalProperties",
])  # fmt: skip
_MAX_DEPTH = 64


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


_NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions"})
_VALUES = frozenset({"enum", "const", "default", "examples", "example", "required"})


def strip_annotations(schema: Any) -> Any:
    """The schema without annotation keywords, recursively (``$defs`` kept, since ``$ref``
    points into it; property names are never mistaken for keywords)."""
    if isinstance(schema, list):
        return [strip_annotations(v) for v in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k in _NAME_MAPS and isinstance(v, Mapping):
            out[k] = {name: strip_annotations(sub) for name, sub in v.items()}
        elif k in _VALUES:
            if k not in ANNOTATIONS:
                out[k] = v
        elif k not in ANNOTATIONS:
            out[k] = strip_annotations(v)
    return out


class _Doc:
    """One schema document: resolves its own local ``$ref`` pointers."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def resolve(self, node: Any) -> tuple[Any, str | None]:
        seen: set[str] = set()
        ref: str | None = None
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#"):
                return None, ref  # circular alias or remote reference: unknown
            seen.add(ref)
            target: Any = self.root
            for part in ref[1:].split("/")[1:] if ref != "#" else []:
                part = part.replace("~1", "/").replace("~0", "~")
                if isinstance(target, Mapping) and part in target:
                    target = target[part]
                elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                    target = target[int(part)]
                else:
                    return None, ref
            siblings = {k: v for k, v in node.items() if k != "$ref" and k not in ANNOTATIONS}
            if siblings and isinstance(target, Mapping):
                node = {"allOf": [target, siblings]}
            else:
                node = target
        return node, ref


def _and(values: Iterable[Tri]) -> Tri:
    result: Tri = True
    for v in values:
        if v is False:
            return False
        if v is None:
            result = None
    return result


def _or(values: Iterable[Tri]) -> Tri:
    result: Tri = False
    for v in values:
        if v is True:
            return True
        if v is None:
            result = None
    return result


def _normalise(schema: Any) -> Any:
    """Booleans and ``"type": {}`` to mappings; empty enums dropped; annotations dropped."""
    if schema is True or schema is None:
        return {}
    if schema is False:
        return {"not": {}}
    if not isinstance(schema, Mapping):
        return schema
    out = {k: v for k, v in schema.items() if k not in ANNOTATIONS}
    if isinstance(out.get("type"), Mapping) and not out["type"]:
        del out["type"]
    if out.get("enum") == []:
        del out["enum"]
    return out


def _branches(schema: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """A union schema as its branches, each with at most one ``type``; None if not a union."""
    union_key = "anyOf" if "anyOf" in schema else "oneOf" if "oneOf" in schema else None
    types = schema.get("type")
    nullable = schema.get("nullable") is True
    if union_key is None and not isinstance(types, list) and not nullable:
        return None
    base = {
        k: v for k, v in schema.items() if k not in ("anyOf", "oneOf", "nullable") and k != "type"
    }
    result: list[dict[str, Any]] = []
    if union_key is not None:
        alts = schema[union_key]
        if not isinstance(alts, list):
            return None
        for alt in alts:
            branch = dict(base)
            if "type" in schema:
                branch["type"] = schema["type"]
            result.append({"allOf": [branch, alt]} if branch else alt)
    elif isinstance(types, list):
        for t in types:
            result.append({**base, "type": t})
    else:
        result.append({**base, **({"type": types} if "type" in schema else {})})
    if nullable:
        result.append({"type": "null"})
    return result


class _Comparer:
    def __init__(self, sub_root: Any, sup_root: Any) -> None:
        self.a = _Doc(sub_root)
        self.b = _Doc(sup_root)
        self.assumed: set[tuple[int, int]] = set()

    # -- inclusion -------------------------------------------------------------------
    def sub(self, a: Any, b: Any, depth: int = 0) -> Tri:
        if depth > _MAX_DEPTH:
            return None
        a, ra = self.a.resolve(a)
        b, rb = self.b.resolve(b)
        if (a is None and ra is not None) or (b is None and rb is not None):
            return None
        file_a, file_b = is_file_schema(a), is_file_schema(b)
        if file_a and file_b:
            return True  # a file is a file, however an era writes its schema
        if file_a != file_b and not _is_union(b if file_a else a):
            return False  # a file and a value are sent and returned differently
        key = (id(a), id(b))
        if (ra or rb) and key in self.assumed:
            return True
        if ra or rb:
            self.assumed.add(key)
            try:
                return self._sub(_normalise(a), _normalise(b), depth + 1)
            finally:
                self.assumed.discard(key)
        return self._sub(_normalise(a), _normalise(b), depth + 1)

    def _sub(self, a: Any, b: Any, depth: int) -> Tri:
        if not isinstance(a, Mapping) or not isinstance(b, Mapping):
            return None
        if a.get("not") == {}:
            return True  # accepts nothing
        if not b:
            return True
        if "allOf" in a:
            return self._all_of_sub(a, b, depth)
        branches_a = _branches(a)
        if branches_a is not None:
            return _and(self.sub(x, b, depth) for x in branches_a)
        if "enum" in a or "const" in a:
            values = a["enum"] if "enum" in a else [a["const"]]
            if isinstance(values, list):
                own, sup = Acceptor(self.a), Acceptor(self.b)
                return _and(
                    sup.accepts(b, v, depth)
                    for v in values
                    if own.accepts(a, v, depth) is not False
                )
        if "allOf" in b:
            parts = b["allOf"]
            rest = {k: v for k, v in b.items() if k != "allOf"}
            if not isinstance(parts, list):
                return None
            return _and([self.sub(a, p, depth) for p in parts] + [self.sub(a, rest, depth)])
        branches_b = _branches(b)
        if branches_b is not None:
            return _or(self.sub(a, y, depth) for y in branches_b)
        if "enum" in b or "const" in b:
            finite = _finite_values(a)
            if finite is None:
                return False
            sup = Acceptor(self.b)
            return _and(sup.accepts(b, v, depth) for v in finite)
        if "not" in a or "not" in b:
            return True if canonical(a) == canonical(b) else None
        return self._same_type(a, b, depth)

    def _all_of_sub(self, a: Mapping[str, Any], b: Any, depth: int) -> Tri:
        parts = a["allOf"]
        if not isinstance(parts, list):
            return None
        rest = {k: v for k, v in a.items() if k != "allOf"}
        members = [*parts, *([rest] if rest else [])]
        if len(members) == 1:
            return self.sub(members[0], b, depth)
        # An intersection is included in b if one member is (sufficient, not necessary).
        verdict = _or(self.sub(m, b, depth) for m in members)
        return True if verdict else None

    def _same_type(self, a: Mapping[str, Any], b: Mapping[str, Any], depth: int) -> Tri:
        ta, tb = a.get("type"), b.get("type")
        if tb is not None and ta is None:
            return False if _constrains_nothing_by_type(a) else None
        if (
            ta is not None
            and tb is not None
            and ta != tb
            and not (ta == "integer" and tb == "number")
        ):
            return False
        t = ta if ta is not None else tb
        unknown_b = {k for k in b if k not in _HANDLED}
        if any(canonical(a.get(k)) != canonical(b[k]) for k in unknown_b):
            return None
        checks: list[Tri] = []
        if t in ("integer", "number"):
            checks.append(_bounds_sub(a, b))
            if "multipleOf" in b:
                ma, mb = a.get("multipleOf"), b["multipleOf"]
                checks.append(
                    isinstance(ma, int | float)
                    and isinstance(mb, int | float)
                    and mb != 0
                    and (ma / mb).is_integer()
                )
        if t == "string":
            checks.append(_min_max(a, b, "minLength", "maxLength"))
            for key in ("pattern", "format"):
                if key in b:
                    checks.append(a.get(key) == b[key])
        if t == "array":
            checks.append(self._array_sub(a, b, depth))
        if t == "object":
            checks.append(self._object_sub(a, b, depth))
        if t is None:
            # Untyped schemas with constraints: only equality is provable.
            return True if canonical(a) == canonical(b) else None
        return _and(checks)

    def _array_sub(self, a: Mapping[str, Any], b: Mapping[str, Any], depth: int) -> Tri:
        checks: list[Tri] = [_min_max(a, b, "minItems", "maxItems")]
        if b.get("uniqueItems") is True:
            checks.append(a.get("uniqueItems") is True)
        pa = _list(a.get("prefixItems"))
        pb = _list(b.get("prefixItems"))
        ia = a.get("items", {})
        ib = b.get("items", {})
        if isinstance(ia, list) or isinstance(ib, list):  # draft-07 tuple form
            return True if canonical(a) == canonical(b) else None
        for i in range(max(len(pa), len(pb))):
            x = pa[i] if i < len(pa) else ia
            y = pb[i] if i < len(pb) else ib
            checks.append(self.sub(x, y, depth))
        checks.append(self.sub(ia, ib, depth))
        return _and(checks)

    def _object_sub(self, a: Mapping[str, Any], b: Mapping[str, Any], depth: int) -> Tri:
        props_a = a.get("properties") or {}
        props_b = b.get("properties") or {}
        req_a = set(a.get("required") or [])
        req_b = set(b.get("required") or [])
        add_a = a.get("additionalProperties", "closed" if props_a else True)
        add_b = b.get("additionalProperties", "closed" if props_b else True)
        if not req_b <= req_a:
            return False
        checks: list[Tri] = []
        for name, pa in props_a.items():
            if name in props_b:
                checks.append(self.sub(pa, props_b[name], depth))
            elif add_b in ("closed", False):
                checks.append(False)
            elif isinstance(add_b, Mapping):
                checks.append(self.sub(pa, add_b, depth))
        if add_a not in ("closed", False):
            if add_b in ("closed", False):
                checks.append(False)
            else:
                extra_a = add_a if isinstance(add_a, Mapping) else {}
                extra_b = add_b if isinstance(add_b, Mapping) else {}
                checks.append(self.sub(extra_a, extra_b, depth))
                for name, pb in props_b.items():
                    if name not in props_a:
                        checks.append(self.sub(extra_a, pb, depth))
        for name in req_a - set(props_a):
            if name not in props_b and add_b in ("closed", False):
                checks.append(False)
        return _and(checks)


def _is_union(schema: Any) -> bool:
    """A node whose branches are compared one by one (file-ness is decided per branch)."""
    if not isinstance(schema, Mapping):
        return False
    return (
        any(isinstance(schema.get(k), list) for k in ("anyOf", "oneOf", "allOf"))
        or isinstance(schema.get("type"), list)
        or schema.get("nullable") is True
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _constrains_nothing_by_type(a: Mapping[str, Any]) -> bool:
    return not any(k in _HANDLED for k in a if k != "type")


def _finite_values(a: Mapping[str, Any]) -> list[Any] | None:
    t = a.get("type")
    if t == "null":
        return [None]
    if t == "boolean":
        return [True, False]
    return None


def _min_max(a: Mapping[str, Any], b: Mapping[str, Any], lo: str, hi: str) -> Tri:
    checks: list[Tri] = []
    if lo in b:
        checks.append(_num(a.get(lo, 0)) >= _num(b[lo]))
    if hi in b:
        checks.append(hi in a and _num(a[hi]) <= _num(b[hi]))
    return _and(checks)


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _lower(s: Mapping[str, Any]) -> tuple[float, bool] | None:
    """(bound, exclusive) or None."""
    lo = s.get("minimum")
    xlo = s.get("exclusiveMinimum")
    if (
        isinstance(xlo, int | float)
        and not isinstance(xlo, bool)
        and (not isinstance(lo, int | float) or xlo >= lo)
    ):
        return float(xlo), True
    if isinstance(lo, int | float) and not isinstance(lo, bool):
        return float(lo), False
    return None


def _upper(s: Mapping[str, Any]) -> tuple[float, bool] | None:
    hi = s.get("maximum")
    xhi = s.get("exclusiveMaximum")
    if (
        isinstance(xhi, int | float)
        and not isinstance(xhi, bool)
        and (not isinstance(hi, int | float) or xhi <= hi)
    ):
        return float(xhi), True
    if isinstance(hi, int | float) and not isinstance(hi, bool):
        return float(hi), False
    return None


def _bounds_sub(a: Mapping[str, Any], b: Mapping[str, Any]) -> Tri:
    checks: list[Tri] = []
    lb, la = _lower(b), _lower(a)
    if lb is not None:
        checks.append(
            la is not None and (la[0] > lb[0] or (la[0] == lb[0] and (la[1] or not lb[1])))
        )
    ub, ua = _upper(b), _upper(a)
    if ub is not None:
        checks.append(
            ua is not None and (ua[0] < ub[0] or (ua[0] == ub[0] and (ua[1] or not ub[1])))
        )
    return _and(checks)


class Acceptor:
    """Does a schema accept one JSON value? (Enough of JSON Schema for choices.)"""

    def __init__(self, doc: _Doc) -> None:
        self.doc = doc

    def accepts(self, schema: Any, value: Any, depth: int = 0) -> Tri:
        if depth > _MAX_DEPTH:
            return None
        schema, ref = self.doc.resolve(schema)
        if schema is None and ref is not None:
            return None
        s = _normalise(schema)
        if not isinstance(s, Mapping):
            return None
        if s.get("not") == {}:
            return False
        checks: list[Tri] = []
        if "allOf" in s and isinstance(s["allOf"], list):
            checks.extend(self.accepts(p, value, depth + 1) for p in s["allOf"])
        branches = _branches(s)
        if branches is not None:
            return _and([*checks, _or(self.accepts(x, value, depth + 1) for x in branches)])
        if "enum" in s and isinstance(s["enum"], list):
            checks.append(any(_json_equal(value, e) for e in s["enum"]))
        if "const" in s:
            checks.append(_json_equal(value, s["const"]))
        t = s.get("type")
        if isinstance(t, str):
            checks.append(_type_of(value, t))
        if isinstance(value, int | float) and not isinstance(value, bool):
            checks.append(_bounds_sub({"minimum": value, "maximum": value}, s))
        if isinstance(value, str):
            if "minLength" in s:
                checks.append(len(value) >= _num(s["minLength"]))
            if "maxLength" in s:
                checks.append(len(value) <= _num(s["maxLength"]))
            if isinstance(s.get("pattern"), str):
                try:
                    checks.append(re.search(s["pattern"], value) is not None)
                except re.error:
                    checks.append(None)
        if isinstance(value, list):
            prefix = _list(s.get("prefixItems"))
            items = s.get("items", {})
            for i, v in enumerate(value):
                checks.append(self.accepts(prefix[i] if i < len(prefix) else items, v, depth + 1))
        if isinstance(value, dict):
            props = s.get("properties") or {}
            checks.append(set(s.get("required") or []) <= set(value))
            extra = s.get("additionalProperties", "closed" if props else True)
            for k, v in value.items():
                if k in props:
                    checks.append(self.accepts(props[k], v, depth + 1))
                elif extra in ("closed", False):
                    checks.append(False)
                elif isinstance(extra, Mapping):
                    checks.append(self.accepts(extra, v, depth + 1))
        unknown = {k for k in s if k not in _HANDLED and k != "not"}
        if unknown:
            checks.append(None)
        return _and(checks)


def _type_of(value: Any, t: str) -> bool:
    if t == "null":
        return value is None
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if t == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if t == "string":
        return isinstance(value, str)
    if t == "array":
        return isinstance(value, list)
    if t == "object":
        return isinstance(value, dict)
    return False


def _json_equal(x: Any, y: Any) -> bool:
    if isinstance(x, bool) or isinstance(y, bool):
        return x is y
    return canonical(x) == canonical(y)


def includes(sub: Any, sup: Any) -> Tri:
    """True when every value ``sub`` accepts, ``sup`` accepts too."""
    return _Comparer(sub, sup).sub(sub, sup)


def accepts(schema: Any, value: Any) -> Tri:
    return Acceptor(_Doc(schema)).accepts(schema, value)


def relation(old: Any, new: Any) -> Relation:
    """How ``new`` relates to ``old`` as a set of accepted values."""
    if canonical(strip_annotations(old)) == canonical(strip_annotations(new)):
        return "same"
    forward = includes(old, new)  # old values still accepted: new is wider (or same)
    backward = includes(new, old)
    if forward is True and backward is True:
        return "same"
    if forward is True and backward is False:
        return "widened"
    if forward is False and backward is True:
        return "narrowed"
    if forward is False and backward is False:
        return "changed"
    return "unknown"
