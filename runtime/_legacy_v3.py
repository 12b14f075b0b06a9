"""Gradio 3.x ``/info`` from ``/config`` alone (pure, no I/O): a port of gradio 3.50.2
``blocks.get_api_info(config, serialize=True)`` with the serializers of gradio_client 0.6.1.

gradio_client up to 0.2.x never asked a gradio <= 3.36 server for ``/info``: it posted the
config to a helper Space that ran this function. Releases before 3.29 have no schema in their
config (``after_new_format``), so the serializer's own schema is used, chosen by component
type. Three deliberate differences, each so that the result types what the app really takes:

* examples are the serializer's *serialized* example (a URL for files) for every release, as
  3.29+ servers report them (the pre-3.29 branch used the raw base64 payload);
* a ``gr.File`` with ``file_count`` other than ``"single"`` gets the multiple-file schema
  (gradio 3.50's ``File.api_info`` does so; the serializer fallback did not);
* a component whose type has no serializer but whose config names a known one uses it
  (gradio raised ``KeyError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_FILE_STRING = {"type": "string", "description": "filepath on your computer (or URL) of file"}
_FILE_OBJECT = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "name of file"},
        "data": {"type": "string", "description": "base64 representation of file"},
        "size": {"type": "integer", "description": "size of image in bytes"},
        "is_file": {
            "type": "boolean",
            "description": "true if the file has been uploaded to the server",
        },
        "orig_name": {"type": "string", "description": "original name of the file"},
    },
    "required": ["name", "data"],
}
_MULTIPLE_FILES = {"type": "array", "items": {"anyOf": [_FILE_STRING, _FILE_OBJECT]}}
_SINGLE_FILE = {"oneOf": [_FILE_STRING, _FILE_OBJECT]}

# gradio_client 0.6.1 types.json, by serializer
TYPES: dict[str, dict[str, Any]] = {
    "SimpleSerializable": {"type": {}, "description": "any valid value"},
    "StringSerializable": {"type": "string"},
    "ListStringSerializable": {"type": "array", "items": {"type": "string"}},
    "BooleanSerializable": {"type": "boolean"},
    "NumberSerializable": {"type": "number"},
    "ImgSerializable": {"type": "string", "description": "base64 representation of an image"},
    "FileSerializable": {"oneOf": [_FILE_STRING, _FILE_OBJECT, _MULTIPLE_FILES]},
    "SingleFileSerializable": _SINGLE_FILE,
    "MultipleFileSerializable": _MULTIPLE_FILES,
    "JSONSerializable": {"type": {}, "description": "any valid json"},
    "GallerySerializable": {
        "type": "array",
        "items": {
            "type": "array",
            "items": False,
            "maxSize": 2,
            "minSize": 2,
            "prefixItems": [
                _FILE_OBJECT,
                {
                    "oneOf": [
                        {"type": "string", "description": "caption of image"},
                        {"type": "null"},
                    ]
                },
            ],
        },
    },
}

_BUS = "https://raw.githubusercontent.com/gradio-app/gradio/main/test/test_files/bus.png"
_FILES = "https://github.com/gradio-app/gradio/raw/main/test/test_files/"


def _desc(text: str) -> dict[str, Any]:
    return {"type": "string", "description": text}


# serializer -> (api_info "info" key, serialized_info flag, serialized example,
#                serialized_info() when the flag is set)
SERIALIZERS: dict[str, tuple[str, bool, Any, dict[str, Any] | None]] = {
    "SimpleSerializable": ("SimpleSerializable", False, None, None),
    "StringSerializable": ("StringSerializable", False, "Howdy!", None),
    "ListStringSerializable": ("ListStringSerializable", False, ["Howdy!", "Merhaba"], None),
    "BooleanSerializable": ("BooleanSerializable", False, True, None),
    "NumberSerializable": ("NumberSerializable", False, 5, None),
    "ImgSerializable": (
        "ImgSerializable",
        True,
        _BUS,
        _desc("filepath on your computer (or URL) of image"),
    ),
    "FileSerializable": ("SingleFileSerializable", True, _FILES + "sample_file.pdf", _FILE_STRING),
    "VideoSerializable": (
        "FileSerializable",
        True,
        _FILES + "video_sample.mp4",
        _desc("filepath on your computer (or URL) of video file"),
    ),
    "JSONSerializable": ("JSONSerializable", True, None, _desc("filepath to JSON file")),
    "GallerySerializable": (
        "GallerySerializable",
        True,
        [_BUS, _BUS],
        _desc(
            "path to directory with images and a file associating images with captions "
            "called captions.json"
        ),
    ),
}
_MULTIPLE_SERIALIZED = {
    "type": "array",
    "description": "List of filepath(s) or URL(s) to files",
    "items": _FILE_STRING,
}

# gradio_client 0.6.1 serializing.COMPONENT_MAPPING
COMPONENT_MAPPING: dict[str, str] = {
    "textbox": "StringSerializable",
    "number": "NumberSerializable",
    "slider": "NumberSerializable",
    "checkbox": "BooleanSerializable",
    "checkboxgroup": "ListStringSerializable",
    "radio": "StringSerializable",
    "dropdown": "SimpleSerializable",
    "image": "ImgSerializable",
    "video": "FileSerializable",
    "audio": "FileSerializable",
    "file": "FileSerializable",
    "dataframe": "JSONSerializable",
    "timeseries": "JSONSerializable",
    "fileexplorer": "JSONSerializable",
    "state": "SimpleSerializable",
    "button": "StringSerializable",
    "uploadbutton": "FileSerializable",
    "colorpicker": "StringSerializable",
    "label": "JSONSerializable",
    "highlightedtext": "JSONSerializable",
    "json": "JSONSerializable",
    "html": "StringSerializable",
    "gallery": "GallerySerializable",
    "chatbot": "JSONSerializable",
    "model3d": "FileSerializable",
    "plot": "JSONSerializable",
    "barplot": "JSONSerializable",
    "lineplot": "JSONSerializable",
    "scatterplot": "JSONSerializable",
    "markdown": "StringSerializable",
    "code": "StringSerializable",
    "annotatedimage": "JSONSerializable",
}
# gradio_client 0.6.1 serializing.SERIALIZER_MAPPING aliases
_ALIASES = {"Serializable": "SimpleSerializable", "File": "FileSerializable"}
SKIP_COMPONENTS = frozenset(
    [
        "state",
        "row",
        "column",
        "tabs",
        "tab",
        "tabitem",
        "box",
        "form",
        "accordion",
        "group",
        "interpretation",
        "dataset",
    ]
)
NEW_FORMAT_AFTER = (3, 28, 3)
"""Configs of later releases carry each component's schema (``api_info``)."""


def _serializer(component: Mapping[str, Any]) -> str | None:
    kind = component.get("type")
    if isinstance(kind, str) and kind in COMPONENT_MAPPING:
        return COMPONENT_MAPPING[kind]
    named = component.get("serializer")
    if isinstance(named, str):
        named = _ALIASES.get(named, named)
        return named if named in SERIALIZERS else None
    return None


def python_type(schema: Any) -> str:
    """gradio_client 0.6.1 ``json_schema_to_python_type`` (a human-readable string)."""
    if not isinstance(schema, Mapping):
        return "Any"
    if "type" in schema:
        kind = schema["type"]
    elif schema.get("oneOf"):
        kind = "oneOf"
    elif schema.get("anyOf"):
        kind = "anyOf"
    else:
        return "Any"
    if kind == {}:
        return "Dict[Any, Any]" if "json" in str(schema.get("description", "")) else "Any"
    simple = {"null": "None", "integer": "int", "string": "str", "boolean": "bool"}
    if isinstance(kind, str) and kind in simple:
        return simple[kind]
    if kind == "number":
        return "int | float"
    if kind == "array":
        items = schema.get("items")
        if isinstance(items, Mapping) and "prefixItems" in items:
            return f"Tuple[{', '.join(python_type(i) for i in items['prefixItems'])}]"
        return f"List[{python_type(items)}]"
    if kind == "object":
        props = schema.get("properties") or {}
        fields = ", ".join(
            f"{n}: {python_type(v)} ({v.get('description') if isinstance(v, Mapping) else None})"
            for n, v in props.items()
        )
        return f"Dict({fields})"
    if kind in ("oneOf", "anyOf"):
        return " | ".join(python_type(i) for i in schema[kind])
    return "Any"


def _describe(
    component: Mapping[str, Any], serializer: str, new_format: bool
) -> tuple[dict[str, Any], Any, str, str]:
    """(schema, example, python type, description) of one component."""
    info_key, serialized, example, serialized_info = SERIALIZERS[serializer]
    props = component.get("props")
    props = props if isinstance(props, Mapping) else {}
    multiple = serializer == "FileSerializable" and props.get("file_count", "single") != "single"
    api_info = component.get("api_info")
    if new_format and isinstance(api_info, Mapping) and isinstance(api_info.get("info"), Mapping):
        schema = dict(api_info["info"])
        serialized = bool(api_info.get("serialized_info"))
        examples = component.get("example_inputs")
        example = examples.get("serialized") if isinstance(examples, Mapping) else None
    else:
        schema = TYPES["MultipleFileSerializable" if multiple else info_key]
        if multiple:
            example = [example]
    python_info: Mapping[str, Any] = schema
    if serialized and serialized_info is not None:
        python_info = _MULTIPLE_SERIALIZED if multiple else serialized_info
    description = python_info.get("description", "")
    return (
        schema,
        example,
        python_type(python_info),
        description if isinstance(description, str) else "",
    )


def api_info_v3(config: Mapping[str, Any], version: tuple[int, ...] | None) -> dict[str, Any]:
    """``{"named_endpoints", "unnamed_endpoints"}`` for a gradio 3.x config (``version``: the
    release, None when unknown, read as 2.0 like gradio did)."""
    new_format = (version or (2, 0)) > NEW_FORMAT_AFTER
    mode = config.get("mode")
    comps = {c.get("id"): c for c in config.get("components") or [] if isinstance(c, Mapping)}
    named: dict[str, Any] = {}
    unnamed: dict[str, Any] = {}
    for d, dep in enumerate(config.get("dependencies") or []):
        if not isinstance(dep, Mapping):
            continue
        entry: dict[str, list[dict[str, Any]]] = {"parameters": [], "returns": []}
        skip = False
        for side, key, fallback in (
            ("inputs", "parameters", "parameter"),
            ("outputs", "returns", "value"),
        ):
            for cid in dep.get(side) or []:
                comp = comps.get(cid)
                if comp is None:
                    skip = True
                    break
                kind = comp.get("type")
                if kind in SKIP_COMPONENTS:
                    continue
                serializer = _serializer(comp)
                if serializer is None:
                    skip = True
                    break
                props = comp.get("props")
                props = props if isinstance(props, Mapping) else {}
                schema, example, ptype, description = _describe(comp, serializer, new_format)
                item: dict[str, Any] = {
                    "label": props.get("label", f"{fallback}_{cid}"),
                    "type": schema,
                    "python_type": {"type": ptype, "description": description},
                    "component": str(kind).capitalize(),
                }
                if side == "inputs":
                    item["example_input"] = example
                item["serializer"] = serializer
                entry[key].append(item)
            if skip:
                break
        if skip or not dep.get("backend_fn", True):
            continue
        api_name = dep.get("api_name")
        if api_name is not None and api_name is not False:
            named[f"/{api_name}"] = entry
        elif api_name is False or mode in ("interface", "tabbed_interface"):
            continue
        else:
            unnamed[str(d)] = entry
    return {"named_endpoints": named, "unnamed_endpoints": unnamed}
