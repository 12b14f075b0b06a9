"""Where the files are: walk a value along its JSON schema (pure, no I/O).

The schemas are the ``type`` of ``/info`` parameters and returns: ``$defs``/``$ref``,
``anyOf``/``oneOf``/``allOf``, ``properties``/``additionalProperties``, ``items``/
``prefixItems``. A position is a file position when its schema node is a FileData
(``_spec.is_file_schema``). Only those positions are touched: a ``gr.JSON`` dict with a
``path`` key stays a dict. ``FileSource`` markers (``handle_file``) are files wherever they are.

In a union, a plain ``str`` is a file only when no non-file branch accepts strings (a Chatbot
message's text stays text); a dict picks the object branch whose required keys and ``const``
properties it matches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._exceptions import UsageError
from .._spec import is_file_schema, is_inline_file_schema
from ._file import File, FileSource, to_source
from ._image import image_kind

_MAX_DEPTH = 64

Visit = Callable[[Any, str, Mapping[str, Any]], Any]
"""Called at each file position with (value, location, schema node); returns the
replacement. The node is the file node, a union holding one, or ``{}`` (a marker found where
the schema says nothing)."""

IMAGE_COMPONENTS = frozenset(
    {"image", "imageeditor", "sketchpad", "paint", "imageslider", "annotatedimage"}
)
"""Components whose every file is an image (``ParameterSpec.component``, lower-cased)."""


def map_files(schema: Mapping[str, Any] | None, value: Any, visit: Visit, where: str) -> Any:
    """A copy of ``value`` with each value at a file position (per ``schema``) replaced by
    ``visit(value, location)``; values with no schema are only searched for markers."""
    return _walk(schema or {}, value, visit, where, _defs(schema), 0)


def input_sources(
    schema: Mapping[str, Any] | None, value: Any, where: str, *, images: bool = False
) -> Any:
    """Turn every input value at a file position into a ``FileSource`` (``None`` stays); at a
    gradio 3.x image position the source is marked ``inline`` (sent as a data URL).

    A numpy array (sent as a PNG) is accepted only at an image position: ``images`` (the
    parameter's component is an image one) or an ``ImageData`` node (a Gallery's images); a
    PIL image is an image anywhere a file goes."""
    defs = _defs(schema)

    def visit(v: Any, loc: str, node: Mapping[str, Any]) -> Any:
        if v is None:
            return None
        source = to_source(v, loc)
        if source.image == "numpy array" and not (images or _is_image_node(node, defs)):
            raise UsageError(
                f"{loc}: a numpy array is sent as a PNG image only where the app expects an "
                "image (gr.Image, gr.ImageEditor, a gr.Gallery image...); here it takes any "
                "file: pass a path, bytes, or a PIL image"
            )
        if is_inline_file_schema(node):  # a gradio 3.x image: sent as a data URL
            source = FileSource(
                source.kind, source.value, source.name, source.mime_type, image=source.image
            )
            source.inline = True
        return source

    return map_files(schema, value, visit, where)


def _defs(schema: Mapping[str, Any] | None) -> Mapping[str, Any]:
    defs = schema.get("$defs", {}) if isinstance(schema, Mapping) else {}
    return defs if isinstance(defs, Mapping) else {}


def _is_image_node(node: Any, defs: Mapping[str, Any], depth: int = 0) -> bool:
    """A file node titled ``ImageData`` (Gradio's image FileData), or a union holding one."""
    node = _resolve(node, defs)
    if depth > 8:
        return False
    if is_file_schema(node):
        return bool(node.get("title") == "ImageData")
    return any(_is_image_node(b, defs, depth + 1) for b in _branches(node))


def output_files(
    schema: Mapping[str, Any] | None, value: Any, make: Callable[[Mapping[str, Any]], File]
) -> Any:
    """Wrap every FileData dict at a file position of an output into a ``File``."""

    def visit(v: Any, loc: str, node: Mapping[str, Any]) -> Any:
        if isinstance(v, Mapping) and (
            isinstance(v.get("path"), str)
            or isinstance(v.get("url"), str)
            or (isinstance(v.get("name"), str) and "is_file" in v)  # gradio 3.x
        ):
            return make(v)
        if isinstance(v, str) and v.startswith("data:") and is_inline_file_schema(node):
            return make({"name": None, "data": v, "is_file": False})  # a 3.x image
        return v

    return map_files(schema, value, visit, "output")


def replace_sources(value: Any, replace: Callable[[FileSource], Any]) -> Any:
    """Replace every ``FileSource`` anywhere in ``value`` (no schema needed)."""
    if isinstance(value, FileSource):
        return replace(value)
    if isinstance(value, list):
        return [replace_sources(v, replace) for v in value]
    if isinstance(value, tuple):
        return tuple(replace_sources(v, replace) for v in value)
    if isinstance(value, dict):
        return {k: replace_sources(v, replace) for k, v in value.items()}
    return value


def collect_sources(value: Any, into: list[FileSource]) -> list[FileSource]:
    """Every ``FileSource`` in ``value``, in order (duplicates by identity removed)."""
    if isinstance(value, FileSource):
        if not any(s is value for s in into):
            into.append(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            collect_sources(v, into)
    elif isinstance(value, dict):
        for v in value.values():
            collect_sources(v, into)
    return into


# -- the walk -----------------------------------------------------------------------------


def _resolve(node: Any, defs: Mapping[str, Any], depth: int = 0) -> Mapping[str, Any]:
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and depth < _MAX_DEPTH:
        ref: str = node["$ref"]
        target = defs.get(ref.rsplit("/", 1)[-1]) if ref.startswith("#/$defs/") else None
        if not isinstance(target, Mapping):
            return {}
        node = target
        depth += 1
    return node if isinstance(node, Mapping) else {}


def _walk(
    node: Any, value: Any, visit: Visit, where: str, defs: Mapping[str, Any], depth: int
) -> Any:
    if isinstance(value, FileSource):
        return visit(value, where, _resolve(node, defs))
    if depth > _MAX_DEPTH:
        return value
    node = _resolve(node, defs)
    if is_file_schema(node):
        return visit(value, where, node)
    branches = _branches(node)
    if branches:
        chosen = _choose(branches, value, defs)
        if chosen is None:
            return _walk({}, value, visit, where, defs, depth + 1)
        return _walk(chosen, value, visit, where, defs, depth + 1)
    if isinstance(value, Mapping):
        props = node.get("properties")
        props = props if isinstance(props, Mapping) else {}
        extra = node.get("additionalProperties")
        return {
            k: _walk(
                props.get(k, extra if isinstance(extra, Mapping) else {}),
                v,
                visit,
                f"{where}[{k!r}]",
                defs,
                depth + 1,
            )
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        prefix = node.get("prefixItems")
        prefix = prefix if isinstance(prefix, list) else []
        items = node.get("items")
        if isinstance(items, list):  # draft-04 tuple form
            prefix, items = items, node.get("additionalItems")
        out = [
            _walk(
                prefix[i] if i < len(prefix) else (items if isinstance(items, Mapping) else {}),
                v,
                visit,
                f"{where}[{i}]",
                defs,
                depth + 1,
            )
            for i, v in enumerate(value)
        ]
        return tuple(out) if isinstance(value, tuple) else out
    return value


def _branches(node: Mapping[str, Any]) -> list[Any]:
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            return list(node[key])
    all_of = node.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        return list(all_of)
    return []


def _choose(branches: list[Any], value: Any, defs: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The branch of a union that ``value`` belongs to (None: no schema-guided walk)."""
    resolved = [_resolve(b, defs) for b in branches]
    if not any(_contains_file(b, defs) for b in resolved):
        return None  # no file below: a schema-less walk still finds markers
    if value is None:
        return None
    file_like = [b for b in resolved if _is_file_like_branch(b, defs)]
    if (
        isinstance(value, (File, bytes, bytearray, memoryview))
        or _is_stream(value)
        or image_kind(value) is not None
    ):
        return file_like[0] if file_like else None
    if isinstance(value, str) or hasattr(value, "__fspath__"):
        if isinstance(value, str) and any(_accepts(b, "string", defs) for b in resolved):
            return None
        return file_like[0] if file_like else None
    return _first_structural(resolved, value, defs)


def _first_structural(
    branches: list[Mapping[str, Any]], value: Any, defs: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    for branch in branches:
        if _matches(branch, value, defs):
            return branch
    return None


def _matches(node: Mapping[str, Any], value: Any, defs: Mapping[str, Any]) -> bool:
    """A cheap structural test (type, required keys, const properties)."""
    node = _resolve(node, defs)
    if is_file_schema(node):
        return isinstance(value, Mapping) and (
            "path" in value or "url" in value or ("name" in value and "is_file" in value)
        )
    if _branches(node):
        return any(_matches(b, value, defs) for b in _branches(node))
    kind = node.get("type")
    if isinstance(value, Mapping):
        if kind not in (None, "object"):
            return False
        required = node.get("required") or []
        if any(r not in value for r in required):
            return False
        props = node.get("properties") or {}
        for key, sub in props.items():
            sub = _resolve(sub, defs)
            if "const" in sub and key in value and value[key] != sub["const"]:
                return False
        return bool(props) and (bool(required) or any(k in props for k in value))
    if isinstance(value, (list, tuple)):
        return kind in (None, "array")
    if value is None:
        return kind == "null"
    if isinstance(value, bool):
        return kind in (None, "boolean")
    if isinstance(value, (int, float)):
        return kind in (None, "number", "integer")
    if isinstance(value, str):
        return kind in (None, "string")
    return False


def _accepts(node: Mapping[str, Any], kind: str, defs: Mapping[str, Any]) -> bool:
    node = _resolve(node, defs)
    if is_file_schema(node):
        return False
    if _branches(node):
        return any(_accepts(b, kind, defs) for b in _branches(node))
    return node.get("type") == kind


def _is_file_like_branch(node: Mapping[str, Any], defs: Mapping[str, Any]) -> bool:
    node = _resolve(node, defs)
    if is_file_schema(node):
        return True
    return any(_is_file_like_branch(b, defs) for b in _branches(node))


def _contains_file(node: Any, defs: Mapping[str, Any], depth: int = 0) -> bool:
    """Whether a file position exists anywhere below ``node``."""
    node = _resolve(node, defs)
    if depth > 16:
        return False
    if is_file_schema(node):
        return True
    subs: list[Any] = list(_branches(node))
    props = node.get("properties")
    if isinstance(props, Mapping):
        subs.extend(props.values())
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), Mapping):
            subs.append(node[key])
    if isinstance(node.get("prefixItems"), list):
        subs.extend(node["prefixItems"])
    return any(_contains_file(s, defs, depth + 1) for s in subs)


def _is_stream(value: Any) -> bool:
    return hasattr(value, "read") and callable(value.read) and not isinstance(value, Mapping)
