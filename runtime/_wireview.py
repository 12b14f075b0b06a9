"""Does the live ``/config`` confirm a client's wire mapping? Pure, no I/O.

A join carries only ``fn_index``, the ``data`` array (visible values and ``null`` State
slots) and the session; gradio's ``queue/join`` resolves the function by ``fn_index`` alone
(``route_utils.get_fn``) and hands ``data[i]`` to the component ``dependency.inputs[i]``,
which preprocesses it and passes it *positionally* to the function. So a call is the same
call on the live app when, for its ``api_name``, the live ``/config`` shows the same:

- ``fn_index`` (the dependency's ``id``, or its position) and one backend dependency;
- input slots: count, State positions, and per visible slot the component (``props.name``),
  its input schema (``api_info_as_input`` or ``api_info``), its label, and its initial value
  when the snapshot has a default (``props.value``: gradio's ``/info`` takes a parameter's
  default from it; a default gained is compatible, and gradio before 4.44 lists none);
- output slots: count, State positions, component, output schema, label;
- how it runs: ``queue``, ``types.generator``, ``connection``, ``api_visibility``;
- app level: ``protocol``, ``api_prefix``, ``max_file_size``.

These are exactly the facts gradio's ``Blocks.get_api_info`` reads from the config to build
``/info``, compared the way it computes them (label fallbacks ``parameter_<id>`` /
``value_<id>`` included), so ``wire_mismatches(spec, config) == []`` means the ``/info``
the client was generated from still describes the live wire, except for what ``/info``
takes from the Python function itself: parameter names (``parameter_name``), ``None``
signature defaults, docstrings (descriptions) and ``gr.OAuthToken`` parameters. A change
confined to those leaves the call positional and identical (the values reach the same
components in the same order, as the app's own UI sends them), so it is safe to send; the
full comparison (``gradio-gen diff``, ``check_drift()``) fetches ``/info`` and sees them.

Schemas are compared as ``_legacy_info.complete_info`` leaves them (an older era's vaguer
schema completed the same way: a ``precision=0`` Number is an integer, 3.x choices listed);
gradio 3.x's ``{"info", "serialized_info": false}`` wrapper is unwrapped. A 3.x file
component (serialized) does not match, so such an app's check reads ``/info`` too.

Component ids are *not* compared (they shift whenever the UI gains a component and never
reach the wire), except through the label fallbacks. File URLs inside initial values are
ignored: ``/config`` and ``/info`` rewrite them differently per request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._legacy_info import completed_schema, config_protocol, is_v3
from ._spec import AppSpec, EndpointSpec, canonical_json, config_api_prefix

__all__ = ["wire_mismatches"]

_STATE = "state"


def wire_mismatches(
    spec: AppSpec, config: Any, names: Iterable[str] | None = None, *, limit: int = 10
) -> list[str]:
    """Why ``config`` does not confirm ``spec``'s mapping (at most ``limit`` reasons);
    ``[]``: every endpoint in ``names`` (default: all of ``spec``'s) is called exactly as
    ``spec`` says. Malformed configs give a reason, never an exception."""
    if not isinstance(config, Mapping):
        return ["/config is not a JSON object"]
    deps, components = config.get("dependencies"), config.get("components")
    if not isinstance(deps, list) or not isinstance(components, list):
        return ["/config has no 'dependencies' and 'components' lists"]
    out: list[str] = []
    for key, old, new in (
        ("protocol", spec.protocol, config_protocol(config)),
        ("api_prefix", spec.api_prefix, config_api_prefix(config)),
        ("max_file_size", spec.max_file_size, _int_or_none(config.get("max_file_size"))),
    ):
        if old != new:
            out.append(f"{key} {old!r} -> {new!r}")
    by_id = {c.get("id"): c for c in components if isinstance(c, Mapping)}
    by_name: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for i, dep in enumerate(deps):
        api_name = dep.get("api_name") if isinstance(dep, Mapping) else None
        if isinstance(api_name, str) and dep.get("backend_fn", True):
            by_name.setdefault("/" + api_name, []).append((i, dep))
    for name in spec.endpoints if names is None else names:
        if len(out) >= limit:
            break
        ep = spec.endpoints.get(name)
        if ep is None:
            continue
        found = by_name.get(name)
        if not found:
            out.append(f"{name}: no live dependency with this api_name")
            continue
        # /info describes the last one it lists (a later one overwrites an earlier one)
        listed = [f for f in found if _visibility(f[1]) == ep.visibility] or found
        position, dep = listed[-1]
        reason = _endpoint_mismatch(ep, position, dep, by_id, is_v3(config))
        if reason is not None:
            out.append(f"{name}: {reason}")
    return out[:limit]


def _endpoint_mismatch(
    ep: EndpointSpec, position: int, dep: Mapping[str, Any], by_id: Mapping[Any, Any], v3: bool
) -> str | None:
    fn_index = dep.get("id", position)
    if fn_index != ep.fn_index:
        return f"fn_index {ep.fn_index} -> {fn_index!r}"
    types = dep.get("types")
    generator = bool(types.get("generator", False)) if isinstance(types, Mapping) else False
    how = (
        ("queue", ep.queue, dep.get("queue") is not False),
        ("generator", ep.generator, generator),
        ("connection", ep.connection, "stream" if dep.get("connection") == "stream" else "sse"),
        ("api_visibility", ep.visibility, _visibility(dep)),
    )
    for key, old, new in how:
        if old != new:
            return f"{key} {old!r} -> {new!r}"
    inputs, outputs = dep.get("inputs") or [], dep.get("outputs") or []
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        return "inputs/outputs are not lists"
    problem = _slots(inputs, ep.input_slots, ep.state_inputs, by_id, "input")
    if problem is not None:
        return problem
    problem = _slots(outputs, ep.output_slots, ep.state_outputs, by_id, "output")
    if problem is not None:
        return problem
    visible_in = [cid for i, cid in enumerate(inputs) if i not in ep.state_inputs]
    if any(by_id[cid].get("skip_api") for cid in visible_in):
        return "an input component is hidden from the API (skip_api)"
    for p, cid in zip(ep.parameters, visible_in, strict=True):
        comp = by_id[cid]
        # the initial value counts where the snapshot has one: it changed, or was lost (a
        # parameter that gained one is compatible, and gradio < 4.44 sends none in /info)
        known = p.has_default and p.default is not None
        seen = (
            _component(comp),
            _schema(comp, comp.get("api_info_as_input", comp.get("api_info")), v3),
            _label(comp, f"parameter_{cid}"),
            _default(comp) if known else None,
        )
        wanted = (
            p.component,
            canonical_json(p.schema),
            p.label,
            _canonical_default(p.default) if known else None,
        )
        if seen != wanted:
            return f"parameter {p.name!r} ({_what_differs(seen, wanted)}) differs"
    # /info lists no output whose block has skip_api (State, layout blocks updated by the
    # event); the wire keeps their slots, which the State check above covers
    visible_out = [
        cid
        for i, cid in enumerate(outputs)
        if i not in ep.state_outputs and not by_id[cid].get("skip_api")
    ]
    if len(visible_out) != len(ep.outputs):
        return f"{len(ep.outputs)} -> {len(visible_out)} outputs"
    for n, (o, cid) in enumerate(zip(ep.outputs, visible_out, strict=True)):
        comp = by_id[cid]
        seen_out = (
            _component(comp),
            _schema(comp, comp.get("api_info_as_output", comp.get("api_info")), v3),
            _label(comp, f"value_{cid}"),
        )
        wanted_out = (o.component, canonical_json(o.schema), o.label)
        if seen_out != wanted_out:
            return f"output {n + 1} ({_what_differs(seen_out, wanted_out)}) differs"
    return None


def _slots(
    ids: list[Any], count: int, states: tuple[int, ...], by_id: Mapping[Any, Any], what: str
) -> str | None:
    if len(ids) != count:
        return f"{count} -> {len(ids)} {what} slots"
    comps = [by_id.get(cid) for cid in ids]
    if not all(isinstance(c, Mapping) for c in comps):
        return f"an {what} component is missing from /config"
    live_states = tuple(i for i, c in enumerate(comps) if c.get("type") == _STATE)  # type: ignore[union-attr]
    if live_states != states:
        return f"State {what} slots {list(states)} -> {list(live_states)}"
    return None


def _visibility(dep: Mapping[str, Any]) -> str:
    return str(dep.get("api_visibility") or "public")


def _component(comp: Mapping[str, Any]) -> str:
    props = comp.get("props")
    name = props.get("name") if isinstance(props, Mapping) else None
    return str(name or "").capitalize()


def _schema(comp: Mapping[str, Any], value: Any, v3: bool) -> str:
    """The schema ``/info`` gives for ``comp`` (as ``complete_info`` completes an era's)."""
    if v3 and isinstance(value, Mapping) and value.get("serialized_info") is False:
        value = value.get("info")  # 3.x: {"info": schema, "serialized_info": False}
    value = completed_schema(comp, value, v3)
    return canonical_json(value if isinstance(value, Mapping) else {})


def _label(comp: Mapping[str, Any], fallback: str) -> str | None:
    props = comp.get("props")
    label = props.get("label", fallback) if isinstance(props, Mapping) else fallback
    if not isinstance(label, str) or label.startswith("__i18n__"):
        return None  # a translated label: /config sends "__i18n__{...}", /info an object
    return label


def _default(comp: Mapping[str, Any]) -> str | None:
    props = comp.get("props")
    value = props.get("value") if isinstance(props, Mapping) else None
    return None if value is None else _canonical_default(value)


def _canonical_default(value: Any) -> str:
    return canonical_json(_without_urls(value))


def _without_urls(value: Any) -> Any:
    """File values with their ``url`` dropped (``/config`` prefixes it with the request's
    root, ``/info`` replaces it with the example's URL)."""
    if isinstance(value, Mapping):
        drop = "path" in value and "url" in value
        return {k: _without_urls(v) for k, v in value.items() if not (drop and k == "url")}
    if isinstance(value, list):
        return [_without_urls(v) for v in value]
    return value


def _what_differs(seen: tuple[Any, ...], wanted: tuple[Any, ...]) -> str:
    keys = ("component", "type", "label", "initial value")
    return ", ".join(k for k, a, b in zip(keys, seen, wanted, strict=False) if a != b)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
