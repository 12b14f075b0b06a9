"""The app's API as data: parsed from a snapshot (``{"info": ..., "config": ...}``). Pure, no I/O.

A *snapshot* is what ``GET {root}/config`` and ``GET {api}/info`` return, in one JSON object.
The runtime needs it to call anything (fn_index, State slots, protocol, api_prefix); the
generator builds its intermediate model on top of the same ``AppSpec`` so that the wire
mapping is computed in exactly one place.

``minimal_snapshot`` trims a snapshot to what a client needs at run time (this is what a
generated module embeds), and ``snapshot_sha256`` hashes it canonically (key order, white
space and unused keys do not change the hash).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ._constants import DEFAULT_API_PREFIX, FILE_DATA_TYPE
from ._exceptions import ProtocolError
from ._legacy_info import config_protocol, gradio_version, is_v3, snapshot_info, version_tuple

# Dependency keys a client needs at run time (the rest is UI behaviour).
_DEPENDENCY_KEYS = (
    "id",
    "api_name",
    "inputs",
    "outputs",
    "queue",
    "types",
    "connection",
    "api_visibility",
    "backend_fn",
    "time_limit",
)
_CONFIG_KEYS = (
    "version",
    "protocol",
    "api_prefix",
    "max_file_size",
    "space_id",
    "title",
    "connect_heartbeat",
    "enable_queue",
)
_STATE_TYPES = frozenset({"state"})


@dataclass(frozen=True)
class ParameterSpec:
    """One visible input of an endpoint, as ``/info`` describes it."""

    name: str
    """``parameter_name`` from the schema (may not be a valid identifier)."""
    label: str | None
    component: str
    schema: Mapping[str, Any]
    python_type: str
    description: str
    has_default: bool
    default: Any
    example: Any


@dataclass(frozen=True)
class OutputSpec:
    label: str | None
    component: str
    schema: Mapping[str, Any]
    python_type: str
    description: str


@dataclass(frozen=True)
class EndpointSpec:
    api_name: str
    """With its leading slash, e.g. ``"/predict"``."""
    fn_index: int
    parameters: tuple[ParameterSpec, ...]
    outputs: tuple[OutputSpec, ...]
    input_slots: int
    """Length of the wire ``data`` array (visible parameters plus State slots)."""
    state_inputs: tuple[int, ...]
    """Positions in the wire ``data`` array that hold State (sent as ``null``)."""
    output_slots: int
    state_outputs: tuple[int, ...]
    queue: bool
    generator: bool
    connection: Literal["sse", "stream"]
    visibility: str
    description: str
    oauth_token: str | None
    """``"optional"``/``"required"`` when the function takes a ``gr.OAuthToken``."""

    @property
    def uses_state(self) -> bool:
        return bool(self.state_inputs or self.state_outputs)

    def to_wire(self, values: list[Any]) -> list[Any]:
        """Visible parameter values (in order) -> the wire ``data`` array with State nulls."""
        if len(values) != len(self.parameters):
            raise ValueError(
                f"{self.api_name} takes {len(self.parameters)} values, got {len(values)}"
            )
        it = iter(values)
        states = set(self.state_inputs)
        return [None if i in states else next(it) for i in range(self.input_slots)]

    @functools.cached_property
    def outputs_have_files(self) -> bool:
        """Whether any output schema holds a FileData node anywhere (``$defs`` included, so
        every ``$ref`` target is covered). Computed once; when False, outputs need no file
        walk (``FileHandler.wrap_outputs`` returns them as they are)."""
        return any(contains_file_schema(o.schema) for o in self.outputs)

    def from_wire(self, data: list[Any]) -> list[Any]:
        """The wire output array -> the visible outputs (State removed)."""
        if not self.state_outputs:
            return list(data)
        states = set(self.state_outputs)
        return [v for i, v in enumerate(data) if i not in states]


@dataclass(frozen=True)
class AppSpec:
    version: str | None
    protocol: str | None
    api_prefix: str
    max_file_size: int | None
    space_id: str | None
    title: str | None
    connect_heartbeat: bool
    endpoints: Mapping[str, EndpointSpec] = field(default_factory=dict)
    """Every named, callable endpoint (public and undocumented), by api_name."""

    @property
    def public_endpoints(self) -> list[EndpointSpec]:
        return [e for e in self.endpoints.values() if e.visibility == "public"]

    def endpoint(self, name: str | int) -> EndpointSpec:
        """Look up by api_name (leading slash optional) or by fn_index."""
        from ._exceptions import UnknownEndpointError

        if not isinstance(name, str):
            for ep in self.endpoints.values():
                if ep.fn_index == name:
                    return ep
            raise UnknownEndpointError(str(name), list(self.endpoints))
        key = name if name.startswith("/") else "/" + name
        try:
            return self.endpoints[key]
        except KeyError:
            raise UnknownEndpointError(name, list(self.endpoints)) from None

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any]) -> AppSpec:
        """Build from ``{"info": ..., "config": ...}``. Raises ``ProtocolError`` naming the
        offending key when the snapshot is malformed."""
        config = _require_mapping(snapshot, "config", "snapshot")
        info = snapshot_info(config, snapshot.get("info"))
        named = info.get("named_endpoints", {})
        if not isinstance(named, Mapping):
            raise ProtocolError("snapshot['info']['named_endpoints'] must be an object")
        components = config.get("components", [])
        deps = config.get("dependencies", [])
        if not isinstance(components, list) or not isinstance(deps, list):
            raise ProtocolError("snapshot['config'] needs lists 'components' and 'dependencies'")
        hidden = _STATE_TYPES
        if is_v3(config):
            from ._legacy_v3 import SKIP_COMPONENTS  # 3.x apps only: imported on first use

            hidden = hidden | SKIP_COMPONENTS
        state_ids = {
            c.get("id") for c in components if isinstance(c, Mapping) and c.get("type") in hidden
        }
        by_name: dict[str, list[Mapping[str, Any]]] = {}
        for i, dep in enumerate(deps):
            if not isinstance(dep, Mapping):
                raise ProtocolError(f"snapshot['config']['dependencies'][{i}] must be an object")
            api_name = dep.get("api_name")
            if isinstance(api_name, str) and api_name and dep.get("backend_fn", True):
                by_name.setdefault("/" + api_name, []).append({**dep, "id": dep.get("id", i)})

        endpoints: dict[str, EndpointSpec] = {}
        for api_name, ep_info in named.items():
            if not isinstance(ep_info, Mapping):
                raise ProtocolError(
                    f"snapshot['info']['named_endpoints'][{api_name!r}] must be an object"
                )
            candidates = by_name.get(api_name)
            if not candidates:
                raise ProtocolError(
                    f"endpoint {api_name!r} is in info but has no dependency in config"
                )
            endpoints[api_name] = _match(api_name, ep_info, candidates, state_ids)
        return cls(
            version=gradio_version(config),
            protocol=config_protocol(config),
            api_prefix=config_api_prefix(config),
            max_file_size=config.get("max_file_size")
            if isinstance(config.get("max_file_size"), int)
            else None,
            space_id=_opt_str(config.get("space_id")),
            title=_opt_str(config.get("title")),
            connect_heartbeat=bool(config.get("connect_heartbeat", False)),
            endpoints=endpoints,
        )


def _match(
    api_name: str, info: Mapping[str, Any], candidates: list[Mapping[str, Any]], state_ids: set[Any]
) -> EndpointSpec:
    """Duplicate api_names happen (a gradio bug): pick the dependency that fits ``info``,
    preferring the last one, as ``/info`` itself does."""
    error: ProtocolError | None = None
    for dep in reversed(candidates):
        try:
            return _endpoint(api_name, info, dep, state_ids)
        except ProtocolError as exc:
            error = error or exc
    assert error is not None
    raise error


def config_api_prefix(config: Mapping[str, Any]) -> str:
    """The app's API prefix (``"/gradio_api"``; ``""`` for gradio 3-4, which had none)."""
    prefix = config.get("api_prefix")
    return (
        prefix if isinstance(prefix, str) else ("" if _is_gradio4(config) else DEFAULT_API_PREFIX)
    )


def _is_gradio4(config: Mapping[str, Any]) -> bool:
    """3.x and 4.x have no ``api_prefix`` (routes at the root)."""
    version = version_tuple(gradio_version(config))
    return version is not None and version[0] in (3, 4)


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _require_mapping(obj: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = obj.get(key)
    if not isinstance(value, Mapping):
        raise ProtocolError(f"{where}[{key!r}] is missing or not an object")
    return value


def _schema(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    """Labels and descriptions can be translation objects; keep only plain strings."""
    return value if isinstance(value, str) else ""


def _endpoint(
    api_name: str, info: Mapping[str, Any], dep: Mapping[str, Any], state_ids: set[Any]
) -> EndpointSpec:
    inputs = list(dep.get("inputs") or [])
    outputs = list(dep.get("outputs") or [])
    state_in = tuple(i for i, cid in enumerate(inputs) if cid in state_ids)
    state_out = tuple(i for i, cid in enumerate(outputs) if cid in state_ids)
    params = tuple(
        ParameterSpec(
            name=str(p.get("parameter_name") or p.get("label") or f"param_{n}"),
            label=p.get("label") if isinstance(p.get("label"), str) else None,
            component=str(p.get("component") or ""),
            schema=_schema(p.get("type")),
            python_type=_text((p.get("python_type") or {}).get("type")),
            description=_text((p.get("python_type") or {}).get("description")),
            has_default=bool(p.get("parameter_has_default", False)),
            default=p.get("parameter_default"),
            example=p.get("example_input"),
        )
        for n, p in enumerate(info.get("parameters") or [])
        if isinstance(p, Mapping)
    )
    rets = tuple(
        OutputSpec(
            label=r.get("label") if isinstance(r.get("label"), str) else None,
            component=str(r.get("component") or ""),
            schema=_schema(r.get("type")),
            python_type=_text((r.get("python_type") or {}).get("type")),
            description=_text((r.get("python_type") or {}).get("description")),
        )
        for r in info.get("returns") or []
        if isinstance(r, Mapping)
    )
    if len(params) != len(inputs) - len(state_in):
        raise ProtocolError(
            f"{api_name}: info lists {len(params)} parameters but the dependency has "
            f"{len(inputs) - len(state_in)} non-State inputs"
        )
    types = dep.get("types") or {}
    connection = dep.get("connection")
    return EndpointSpec(
        api_name=api_name,
        fn_index=int(dep["id"]),
        parameters=params,
        outputs=rets,
        input_slots=len(inputs),
        state_inputs=state_in,
        output_slots=len(outputs),
        state_outputs=state_out,
        queue=dep.get("queue") is not False,
        generator=bool(types.get("generator", False)) if isinstance(types, Mapping) else False,
        connection="stream" if connection == "stream" else "sse",
        visibility=str(info.get("api_visibility") or dep.get("api_visibility") or "public"),
        description=_text(info.get("description")),
        oauth_token=info.get("oauth_token")
        if info.get("oauth_token") in ("optional", "required")
        else None,
    )


GRADIO3_FILE_PATH = "filepath on your computer (or URL) of file"
"""gradio 3.x (gradio_client 0.x ``types.json``): the string branch of ``FileSerializable``."""
GRADIO3_IMAGE = "base64 representation of an image"
"""gradio 3.x ``ImgSerializable``: an image travels as a base64 data URL string."""
_FILEDATA_4 = frozenset({"path", "url", "size", "orig_name", "mime_type"})
_GRADIO3_DICT = frozenset({"name", "data", "is_file"})


def is_file_schema(schema: Any) -> bool:
    """True for a JSON schema node describing a Gradio file, as any era writes it:

    * gradio 5+/6: ``FileData`` with ``meta._type`` ``const "gradio.FileData"`` (gradio_client's
      test), directly or through ``$ref .../FileDataMeta``;
    * gradio 4.21-4.44 (and ``ImageData``): ``meta`` with ``default {"_type": "gradio.FileData"}``;
    * gradio 4.0-4.20: FileData without ``meta``: titled ``FileData``, or with all of ``path``,
      ``url``, ``size``, ``orig_name``, ``mime_type``;
    * gradio 3.x: the single-file union as a whole (``oneOf``/``anyOf`` of a file-path string,
      whose wording differs between gradio_client releases, and an ``{name, data, is_file}``
      object), such an object alone (a gallery item), the file-path string of gradio_client
      0.x's ``types.json`` (so a union that also takes a list, as ``gr.Video``'s does, is a
      file or a list of files), and ``gr.Image``'s base64 string (a file for the user: the
      runtime encodes the path/bytes/URL given; ``is_inline_file_schema`` tells it apart).
    """
    if not isinstance(schema, Mapping):
        return False
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        if schema.get("type") == "string":
            return schema.get("description") in (GRADIO3_FILE_PATH, GRADIO3_IMAGE)
        return _is_gradio3_file_union(schema)
    if "path" not in props:
        return props.keys() >= _GRADIO3_DICT
    if "meta" not in props:
        return schema.get("title") == "FileData" or props.keys() >= _FILEDATA_4
    meta = props["meta"]
    if not isinstance(meta, Mapping):
        return False
    if isinstance(meta.get("default"), Mapping) and meta["default"].get("_type") == FILE_DATA_TYPE:
        return True
    ref = meta.get("$ref")
    if isinstance(ref, str) and ref.endswith("FileDataMeta"):
        return True
    inner = meta.get("properties", {})
    return (
        isinstance(inner, Mapping)
        and isinstance(inner.get("_type"), Mapping)
        and (inner["_type"].get("const") == FILE_DATA_TYPE)
    )


def _is_gradio3_file_union(schema: Mapping[str, Any]) -> bool:
    """gradio 3.x single-file union: ``{name, data, is_file}`` objects and strings (the
    local path form, whatever the wording) only, at least one object. A union that also
    takes a list (``gr.Video``'s ``FileSerializable``) is not one file: its branches are."""
    for key in ("oneOf", "anyOf"):
        variants = schema.get(key)
        if not isinstance(variants, list) or not variants:
            continue
        has_object = False
        for v in variants:
            if not isinstance(v, Mapping):
                return False
            props = v.get("properties")
            if isinstance(props, Mapping) and props.keys() >= _GRADIO3_DICT:
                has_object = True
            elif not (v.get("type") == "string" and "enum" not in v and "const" not in v):
                return False
        return has_object
    return False


def is_inline_file_schema(schema: Any) -> bool:
    """gradio 3.x ``gr.Image``: a file sent and received inline as a base64 data URL."""
    return (
        isinstance(schema, Mapping)
        and schema.get("type") == "string"
        and schema.get("description") == GRADIO3_IMAGE
    )


def contains_file_schema(schema: Any, depth: int = 0) -> bool:
    """True if ``is_file_schema`` holds for ``schema`` or any node below it (a conservative
    scan of every value, ``$defs`` included: a ``$ref`` can only point inside them)."""
    if depth > 256:
        return True  # pathological nesting: let the schema-guided walk decide
    if isinstance(schema, Mapping):
        if is_file_schema(schema):
            return True
        return any(contains_file_schema(v, depth + 1) for v in schema.values())
    if isinstance(schema, list):
        return any(contains_file_schema(v, depth + 1) for v in schema)
    return False


def minimal_snapshot(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """What a client needs at run time: info without code snippets, completed as its era needs
    (``_legacy_info.snapshot_info``); config without UI, with the gradio ``version`` and the
    ``protocol`` always stated.

    Components are kept only as ``{"id", "type"}`` of those the kept dependencies use.
    """
    config = _require_mapping(snapshot, "config", "snapshot")
    info = snapshot_info(config, snapshot.get("info"))
    named = info.get("named_endpoints") or {}
    wanted = {name.lstrip("/") for name in named}
    deps = []
    used: set[Any] = set()
    for i, dep in enumerate(config.get("dependencies") or []):
        if (
            isinstance(dep, Mapping)
            and dep.get("api_name") in wanted
            and dep.get("backend_fn", True)
        ):
            kept = {k: dep[k] for k in _DEPENDENCY_KEYS if k in dep}
            kept.setdefault("id", i)
            deps.append(kept)
            used.update(dep.get("inputs") or [])
            used.update(dep.get("outputs") or [])
    comps = [
        {"id": c.get("id"), "type": c.get("type")}
        for c in config.get("components") or []
        if isinstance(c, Mapping) and c.get("id") in used
    ]
    new_config = {k: config[k] for k in _CONFIG_KEYS if k in config}
    # the release and its protocol, explicit (a 3.x config has no protocol: "ws")
    version, protocol = gradio_version(config), config_protocol(config)
    if version is not None:
        new_config["version"] = version
    if protocol is not None:
        new_config["protocol"] = protocol
    new_config["dependencies"] = deps
    new_config["components"] = comps
    new_info = {
        "named_endpoints": {
            name: {k: v for k, v in ep.items() if k != "code_snippets"}
            for name, ep in named.items()
            if isinstance(ep, Mapping)
        },
        "unnamed_endpoints": {},
    }
    return {"config": new_config, "info": new_info}


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def snapshot_sha256(snapshot: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the minimal snapshot (stable across key order)."""
    return hashlib.sha256(canonical_json(minimal_snapshot(snapshot)).encode()).hexdigest()
