"""Each Gradio era's API description, made one shape (pure, no I/O).

Which release line an app runs is read from its ``/config`` (``version``, ``protocol``); the
API info a client builds on is ``{prefix}/info``, except where an era has no usable one:

* gradio 3.29 - 3.50: ``/info`` gives JSON schemas plus a ``serializer`` per parameter, but no
  ``parameter_name`` / ``parameter_has_default`` / ``parameter_default``; a Dropdown's choices
  are only in a description;
* gradio 3.0 - 3.28: ``/info`` is missing or in an older format (``type_python`` strings, no
  schema). ``info_from_config`` builds the info from ``/config`` alone, as the gradio_client of
  that era did (it sent the config to a helper Space running gradio's ``get_api_info``; this is
  a port of gradio 3.50.2 ``blocks.get_api_info`` with gradio_client 0.6.1's serializers);
* gradio 4.0 - 4.21: ``/info`` gives schemas, still no parameter names or defaults.

``complete_info`` fills what an era lacks, the same way on every side (generator, runtime,
drift check), so that one app gets one typed API whatever release serves it:

* ``parameter_name``: derived from the labels (``derive_parameter_names``: ASCII snake_case,
  validated identifiers, deterministic, collision-free);
* ``parameter_has_default`` / ``parameter_default``: the component's initial ``props.value``
  in the config (gradio 4.22+ applies the same rule; the empty string that 3.x-4.21 Textboxes
  report when they have no initial value counts as none, as 4.22+ reports it);
* gradio 3.x Dropdown / Radio / CheckboxGroup: the choices from ``props.choices`` as the
  ``enum`` schema gradio 4.x reports for the same component;
* a Number with ``precision=0``: ``{"type": "integer"}``, as gradio 6 reports it (earlier
  releases say ``number`` although the function receives an int).

What is already there is never changed, so the function is idempotent and a no-op on 4.22+.
"""

from __future__ import annotations

import functools
import keyword
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ._exceptions import ProtocolError

GRADIO_PROTOCOLS = ("ws", "sse", "sse_v1", "sse_v2", "sse_v2.1", "sse_v3")
"""Every ``config.protocol`` gradio has shipped (``ws`` is 3.x, whose config has none)."""

_DIGITS = re.compile(r"\d+")
INFO_FROM_CONFIG_BEFORE = (3, 29)
"""Releases before this one have no ``/info`` in the schema format: built from ``/config``."""

_CHOICE_COMPONENTS = frozenset(["dropdown", "radio", "checkboxgroup"])

# -- versions and eras --------------------------------------------------------------------


def gradio_version(config: Mapping[str, Any]) -> str | None:
    """``config.version`` without the stray white space some 3.x releases add."""
    version = config.get("version")
    return version.strip() or None if isinstance(version, str) else None


@functools.lru_cache(maxsize=64)
def version_tuple(version: str | None) -> tuple[int, ...] | None:
    """``"4.44.1"`` -> ``(4, 44, 1)``; leading numeric parts only (``"4.0.0b3"`` -> (4, 0, 0))."""
    if not version:
        return None
    parts: list[int] = []
    for piece in version.strip().split("."):
        match = _DIGITS.match(piece)
        if match is None:
            break
        parts.append(int(match.group()))
        if match.end() != len(piece):
            break
    return tuple(parts) or None


def config_protocol(config: Mapping[str, Any]) -> str | None:
    """The protocol an app speaks: ``config.protocol``, or ``"ws"`` when a 3.x config (or one
    without a version) has none; None when a 4+ config has none (unrecognised)."""
    protocol = config.get("protocol")
    if isinstance(protocol, str):
        return protocol
    if protocol is not None:
        return None
    major = (version_tuple(gradio_version(config)) or (3,))[0]
    return "ws" if major == 3 else None


def unsupported_reason(config: Any) -> str | None:
    """Why gradio-gen cannot serve an app with this ``/config`` (one line naming the gradio
    version), or None. Gradio 2.x, configs without a Blocks dependency list, and protocols
    gradio-gen does not know are refused."""
    if not isinstance(config, Mapping):
        return "its /config is not a JSON object: not a Gradio app"
    version = gradio_version(config)
    vt = version_tuple(version)
    if (vt is not None and vt[0] < 3) or (vt is None and "input_components" in config):
        return (
            f"it runs gradio {version or '2.x'}, which gradio-gen does not support (gradio 3.0 "
            "and later are supported; gradio 2.x has a different API)"
        )
    if not isinstance(config.get("dependencies"), list) or not isinstance(
        config.get("components"), list
    ):
        return (
            f"its /config (gradio {version or 'version unknown'}) has no 'dependencies' and "
            "'components' lists: not a Gradio app gradio-gen recognises"
        )
    protocol = config_protocol(config)
    if protocol not in GRADIO_PROTOCOLS:
        shown = config.get("protocol")
        return (
            f"it runs gradio {version or 'version unknown'} with protocol "
            f"{shown if isinstance(shown, str) else 'unset'!r}, which gradio-gen does not "
            f"know (known: {', '.join(GRADIO_PROTOCOLS)})"
        )
    return None


def is_v3(config: Mapping[str, Any]) -> bool:
    vt = version_tuple(gradio_version(config))
    return vt is not None and vt[0] == 3


def api_prefix_of(config: Mapping[str, Any]) -> str:
    """``config.api_prefix`` (``"/gradio_api"`` on 5+), ``""`` when absent (3.x, 4.x)."""
    prefix = config.get("api_prefix")
    return prefix if isinstance(prefix, str) else ""


def info_route(config: Mapping[str, Any]) -> str | None:
    """The info route relative to the app root (``"info"``, ``"gradio_api/info"``), or None
    when the release has no usable one and the info is built from the config
    (``info_from_config``)."""
    vt = version_tuple(gradio_version(config))
    if vt is not None and vt < INFO_FROM_CONFIG_BEFORE:
        return None
    prefix = api_prefix_of(config).strip("/")
    return f"{prefix}/info" if prefix else "info"


def _old_format(info: Mapping[str, Any]) -> bool:
    """gradio < 3.29 ``/info``: parameters described by ``type_python`` strings, no schema."""
    for ep in (info.get("named_endpoints") or {}).values():
        if isinstance(ep, Mapping):
            for p in [*(ep.get("parameters") or []), *(ep.get("returns") or [])]:
                if isinstance(p, Mapping) and "type" not in p and "type_python" in p:
                    return True
    return False


def snapshot_info(config: Mapping[str, Any], info: Any) -> dict[str, Any]:
    """The completed API info of a snapshot: ``info`` as given, or built from the config when
    the era has none (``info`` missing or in the pre-3.29 format); then ``complete_info``."""
    vt = version_tuple(gradio_version(config))
    maybe_old = vt is None or vt < (4,)  # only 3.x wrote the old format
    if not isinstance(info, Mapping) or (maybe_old and _old_format(info)):
        if info_route(config) is not None and isinstance(info, Mapping):
            raise ProtocolError("the app's /info is in a format gradio-gen does not know")
        if info_route(config) is not None:
            raise ProtocolError("snapshot['info'] is missing or not an object")
        info = info_from_config(config)
    return complete_info(config, info)


# -- parameter names ----------------------------------------------------------------------

_NON_IDENT = re.compile(r"[^0-9a-zA-Z_]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _snake(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _NON_IDENT.sub("_", _CAMEL.sub("_", text))
    return re.sub(r"_+", "_", text).strip("_").lower()


def derive_parameter_names(labels: Sequence[Any], taken: Sequence[str] = ()) -> list[str]:
    """Parameter names from labels, for eras whose ``/info`` has no ``parameter_name``.

    Rule: ASCII ``snake_case`` of the label (``"Input Text"`` -> ``input_text``, ``"N"`` ->
    ``n``); no usable label -> ``param_<position>`` (gradio's own fallback); a leading digit
    gets ``param_``; a Python keyword or ``self`` gets a trailing ``_``; a repeat gets
    ``_2``, ``_3``... (in order). Every result is a valid, unique identifier."""
    used = set(taken)
    names = []
    for i, label in enumerate(labels):
        base = _snake(label) if isinstance(label, str) else ""
        if not base:
            base = f"param_{i}"
        if base[0].isdigit():
            base = f"param_{base}"
        while keyword.iskeyword(base) or keyword.issoftkeyword(base) or base == "self":
            base += "_"
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        names.append(name)
    return names


# -- completing an era's info -------------------------------------------------------------


def _components(config: Mapping[str, Any]) -> dict[Any, Mapping[str, Any]]:
    return {c.get("id"): c for c in config.get("components") or [] if isinstance(c, Mapping)}


def _visible(component: Mapping[str, Any] | None, v3: bool) -> bool:
    """Whether a component is an API parameter/return (State and, on 3.x, layout blocks are
    not, though their slots stay on the wire)."""
    if component is None:
        return True
    kind = component.get("type")
    if component.get("skip_api") or kind == "state":
        return False
    if v3:
        from ._legacy_v3 import SKIP_COMPONENTS  # 3.x apps only: imported on first use

        return kind not in SKIP_COMPONENTS
    return True


def _dependencies_by_name(config: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for dep in config.get("dependencies") or []:
        if isinstance(dep, Mapping):
            out.setdefault("/" + str(dep.get("api_name")), []).append(dep)
    return out


def _dependency_ids(
    deps: list[Mapping[str, Any]],
    comps: Mapping[Any, Mapping[str, Any]],
    v3: bool,
    n_params: int,
    n_returns: int,
) -> tuple[list[Any], list[Any]] | None:
    """The visible input and output component ids of the dependency behind an api_name
    (the last one that fits, as gradio's own ``/info`` keeps the last)."""
    found = None
    for dep in deps:
        ins = [i for i in dep.get("inputs") or [] if _visible(comps.get(i), v3)]
        outs = [o for o in dep.get("outputs") or [] if _visible(comps.get(o), v3)]
        if len(ins) == n_params:
            found = (ins, outs if len(outs) == n_returns else [])
    return found


def _choices(props: Mapping[str, Any]) -> list[Any] | None:
    choices = props.get("choices")
    if not isinstance(choices, list) or not choices:
        return None
    values = [c[1] if isinstance(c, list | tuple) and len(c) == 2 else c for c in choices]
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
        return None
    return values


def _choice_schema(component: Mapping[str, Any]) -> dict[str, Any] | None:
    """The schema gradio 4.x reports for a 3.x choice component, from its config props."""
    props = component.get("props")
    if not isinstance(props, Mapping) or props.get("allow_custom_value"):
        return None
    values = _choices(props)
    if values is None:
        return None
    kind = component.get("type")
    if kind == "radio":
        return {"enum": values, "title": "Radio", "type": "string"}
    if kind == "checkboxgroup":
        return {
            "items": {"enum": values, "type": "string"},
            "title": "Checkbox Group",
            "type": "array",
        }
    if props.get("multiselect"):
        return {"type": "array", "items": {"type": "string", "enum": values}}
    return {"type": "string", "enum": values}


_NUMBER = {"type": "number"}


def _is_map(value: Any) -> bool:
    """``isinstance(value, Mapping)``, fast for the dicts JSON gives (an ABC check is not)."""
    return type(value) is dict or isinstance(value, Mapping)


def _needs_completion(config: Mapping[str, Any], named: Mapping[str, Any]) -> bool:
    """Whether anything can be filled in. Cheap where nothing can: a 4.22+ info has names and
    defaults, and an embedded snapshot's config keeps no component props."""
    vt = version_tuple(gradio_version(config))
    if vt is not None and vt[0] == 3:
        return True
    if vt is None or vt < (4, 22):
        for ep in named.values():
            for p in (ep.get("parameters") or []) if _is_map(ep) else []:
                if _is_map(p) and ("parameter_name" not in p or "parameter_has_default" not in p):
                    return True
    numbers = any(
        _is_map(p) and p.get("type") == _NUMBER
        for ep in named.values()
        if _is_map(ep)
        for p in [*(ep.get("parameters") or []), *(ep.get("returns") or [])]
    )
    return numbers and any(
        _is_map(c) and c.get("type") == "number" and "props" in c
        for c in config.get("components") or []
    )


def _schema_for(component: Mapping[str, Any] | None, schema: Any, v3: bool) -> Any:
    """The schema gradio 6 reports for a component whose era wrote a vaguer one: a Number
    with ``precision=0`` is an integer; a 3.x choice component lists its choices."""
    if component is None:
        return schema
    props = component.get("props")
    kind = component.get("type")
    if kind == "number" and schema == _NUMBER and isinstance(props, Mapping):
        precision = props.get("precision")
        if precision == 0 and not isinstance(precision, bool):
            return {"type": "integer"}
    if v3 and kind in _CHOICE_COMPONENTS:
        return _choice_schema(component) or schema
    return schema


def completed_schema(component: Mapping[str, Any] | None, schema: Any, v3: bool) -> Any:
    """``schema`` of ``component`` as ``complete_info`` leaves it (for ``_wireview``)."""
    return _schema_for(component, schema, v3)


def complete_info(config: Mapping[str, Any], info: Mapping[str, Any]) -> dict[str, Any]:
    """``info`` with what its era lacks filled in (see the module docstring). Pure."""
    named = info.get("named_endpoints")
    if not isinstance(named, Mapping) or not _needs_completion(config, named):
        return dict(info)
    comps = _components(config)
    deps = _dependencies_by_name(config)
    v3 = is_v3(config)
    new_named: dict[str, Any] = {}
    for api_name, ep in named.items():
        params = ep.get("parameters") if isinstance(ep, Mapping) else None
        returns = ep.get("returns") if isinstance(ep, Mapping) else None
        if not isinstance(params, list) or not isinstance(returns, list):
            new_named[api_name] = ep
            continue
        ids = _dependency_ids(deps.get(str(api_name), []), comps, v3, len(params), len(returns))
        in_ids, out_ids = ids if ids is not None else ([], [])
        given = [
            p["parameter_name"]
            for p in params
            if isinstance(p, Mapping) and isinstance(p.get("parameter_name"), str)
        ]
        missing = [
            p.get("label")
            for p in params
            if isinstance(p, Mapping) and not isinstance(p.get("parameter_name"), str)
        ]
        names = iter(derive_parameter_names(missing, given))
        new_params: list[Any] = []
        for k, p in enumerate(params):
            if not isinstance(p, Mapping):
                new_params.append(p)
                continue
            q = dict(p)
            comp = comps.get(in_ids[k]) if k < len(in_ids) else None
            if not isinstance(q.get("parameter_name"), str):
                q["parameter_name"] = next(names)
            if "parameter_has_default" not in q:
                props = comp.get("props") if comp is not None else None
                value = props.get("value") if isinstance(props, Mapping) else None
                has = value is not None and value != ""
                q["parameter_has_default"] = has
                q["parameter_default"] = value if has else None
            schema = _schema_for(comp, q.get("type"), v3)
            if schema is not q.get("type"):
                q["type"] = schema
            new_params.append(q)
        new_returns: list[Any] = []
        for k, r in enumerate(returns):
            comp = comps.get(out_ids[k]) if k < len(out_ids) else None
            if isinstance(r, Mapping):
                schema = _schema_for(comp, r.get("type"), v3)
                if schema is not r.get("type"):
                    r = {**r, "type": schema}
            new_returns.append(r)
        new_named[api_name] = {**ep, "parameters": new_params, "returns": new_returns}
    return {**info, "named_endpoints": new_named}


def info_from_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``/info`` of a gradio 3.x app built from its ``/config`` (see ``_legacy_v3``)."""
    from ._legacy_v3 import api_info_v3  # 3.x apps only: imported on first use

    return api_info_v3(config, version_tuple(gradio_version(config)))
