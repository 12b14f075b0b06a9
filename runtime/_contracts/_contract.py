"""API changes between two versions of an app, each classified breaking or compatible. Pure.

Shared by ``gradio-gen diff`` / ``--check`` (the generator) and the run-time drift check
(``_drift.py``): the runtime never imports the generator, so the classification lives here.

``diff_snapshots(old, new)`` (or ``diff_specs``) returns an ``ApiDiff``: a tuple of ``Change``
(endpoint, kind, severity, message, target, old, new), deterministic in order. "Breaking"
means "code written against OLD (or a client generated from OLD) may fail against NEW".

Rules (kinds are stable strings, listed in docs/contracts.md):

- endpoints: added -> compatible; removed -> breaking; visibility changed -> compatible.
- parameters, matched by name: added with a default after every existing one -> compatible,
  otherwise (no default, or inserted before existing ones: positional calls shift) ->
  breaking; removed -> breaking; an unmatched old and new parameter at the same position
  with the same type -> renamed (breaking for keyword callers); a different relative order
  of the kept ones -> reordered (breaking for positional callers); default gained ->
  compatible, lost -> breaking, changed -> compatible (reported).
- types (``_schemacmp.relation``): for inputs widened -> compatible, narrowed / changed ->
  breaking; for outputs the direction flips (a consumer must handle every value it may
  receive): narrowed -> compatible, widened / changed -> breaking. A pure change of choices
  (``enum``) is reported as choices added / removed with the same direction rule.
  Differences the comparison cannot analyse -> ``*_type_unknown``, breaking.
- outputs, matched by position: added / removed -> breaking (the return shape changes);
  label changed -> breaking when several outputs make a named tuple, else compatible.
- how the endpoint runs: generator flag or ``connection`` (streaming inputs) changed ->
  breaking; queue flag changed -> compatible; OAuth requirement gained -> breaking.
- wire layout (a generated client embeds it): fn_index or State slots changed -> compatible,
  because a generated client checks the live layout before its first join and routes its
  calls to it (``_drift``; not with ``on_drift="ignore"``); max_file_size lowered ->
  breaking, raised -> compatible.
- the app's Gradio release: an upgrade (or downgrade) that keeps the API is compatible and
  named, e.g. ``gradio 4.16.0 -> 4.44.1 (protocol sse_v1 -> sse_v3): the client follows the
  new protocol`` (``protocol_changed``), ``api_prefix_changed`` (4.x -> 5.x), or
  ``gradio_version_changed`` when the wire is the same; a protocol gradio-gen does not know
  -> breaking. The same API written by different eras (3.x file unions, 4.x ``FileData``
  without ``meta``, ``python_type`` strings, examples, ``serializer`` keys) is the same API:
  every era's info is completed the same way (``_legacy_info``) and file schemas compare
  equal (``_schemacmp``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .._legacy_info import GRADIO_PROTOCOLS
from .._spec import AppSpec, EndpointSpec, OutputSpec, ParameterSpec
from ._change import APP, BREAKING, COMPATIBLE, KINDS, ApiDiff, Change, Severity
from ._schemacmp import Relation, canonical, relation, strip_annotations

__all__ = [
    "APP",
    "BREAKING",
    "COMPATIBLE",
    "KINDS",
    "ApiDiff",
    "Change",
    "Severity",
    "diff_snapshots",
    "diff_specs",
]


def diff_snapshots(old: Mapping[str, Any], new: Mapping[str, Any]) -> ApiDiff:
    """Compare two snapshots (``{"info", "config"}``). Raises ``ProtocolError`` if malformed."""
    return diff_specs(AppSpec.from_snapshot(old), AppSpec.from_snapshot(new))


def diff_specs(old: AppSpec, new: AppSpec) -> ApiDiff:
    out: list[Change] = list(_app_changes(old, new))
    for name in sorted(set(old.endpoints) | set(new.endpoints)):
        if name not in new.endpoints:
            out.append(Change(name, "endpoint_removed", BREAKING, f"endpoint {name} was removed"))
        elif name not in old.endpoints:
            out.append(Change(name, "endpoint_added", COMPATIBLE, f"endpoint {name} was added"))
        else:
            out.extend(_endpoint_changes(old.endpoints[name], new.endpoints[name]))
    return ApiDiff(tuple(out))


# -- app level ----------------------------------------------------------------------------


def _gradio(old: AppSpec, new: AppSpec) -> str:
    """``gradio 4.16.0 -> 4.44.1`` (or ``gradio 4.44.1`` when the release did not change)."""
    if old.version == new.version:
        return f"gradio {new.version or 'version unknown'}"
    return f"gradio {old.version or 'unknown'} -> {new.version or 'unknown'}"


def _app_changes(old: AppSpec, new: AppSpec) -> Iterator[Change]:
    """The app's Gradio release and wire layout. An upgrade (or downgrade) that keeps the API
    is compatible: the runtime speaks every protocol gradio has shipped and reads the live
    ``api_prefix``. Only a protocol gradio-gen does not know is breaking."""
    if old.protocol != new.protocol:
        known = new.protocol in GRADIO_PROTOCOLS
        yield Change(
            APP,
            "protocol_changed",
            COMPATIBLE if known else BREAKING,
            f"{_gradio(old, new)} (protocol {old.protocol} -> {new.protocol}): "
            + (
                "the client follows the new protocol"
                if known
                else "gradio-gen does not speak this protocol; upgrade gradio-gen"
            ),
            old=old.protocol,
            new=new.protocol,
        )
    if old.api_prefix != new.api_prefix:
        yield Change(
            APP,
            "api_prefix_changed",
            COMPATIBLE,
            f"{_gradio(old, new)} (api_prefix {old.api_prefix!r} -> {new.api_prefix!r}): "
            "the client follows the new routes",
            old=old.api_prefix,
            new=new.api_prefix,
        )
    if (
        old.version != new.version
        and old.protocol == new.protocol
        and old.api_prefix == new.api_prefix
    ):
        yield Change(
            APP,
            "gradio_version_changed",
            COMPATIBLE,
            f"{_gradio(old, new)} (protocol {new.protocol} unchanged)",
            old=old.version,
            new=new.version,
        )
    if old.max_file_size != new.max_file_size:
        lowered = new.max_file_size is not None and (
            old.max_file_size is None or new.max_file_size < old.max_file_size
        )
        yield Change(
            APP,
            "max_file_size_changed",
            BREAKING if lowered else COMPATIBLE,
            f"max_file_size {'lowered' if lowered else 'raised'} from "
            f"{old.max_file_size} to {new.max_file_size}",
            old=old.max_file_size,
            new=new.max_file_size,
        )


# -- endpoint level -----------------------------------------------------------------------


def _endpoint_changes(old: EndpointSpec, new: EndpointSpec) -> Iterator[Change]:
    name = old.api_name
    yield from _kind_changes(old, new)
    yield from _parameter_changes(name, old.parameters, new.parameters)
    yield from _output_changes(name, old.outputs, new.outputs)


def _kind_changes(old: EndpointSpec, new: EndpointSpec) -> Iterator[Change]:
    name = old.api_name
    if old.visibility != new.visibility:
        yield Change(
            name,
            "visibility_changed",
            COMPATIBLE,
            f"visibility changed from {old.visibility} to {new.visibility}",
            old=old.visibility,
            new=new.visibility,
        )
    if old.generator != new.generator:
        what = (
            "now streams intermediate outputs (generator)"
            if new.generator
            else ("no longer streams intermediate outputs (not a generator)")
        )
        yield Change(
            name, "generator_changed", BREAKING, what, old=old.generator, new=new.generator
        )
    if old.connection != new.connection:
        yield Change(
            name,
            "connection_changed",
            BREAKING,
            f"input connection changed from {old.connection!r} to {new.connection!r}"
            + (" (streaming inputs)" if new.connection == "stream" else ""),
            old=old.connection,
            new=new.connection,
        )
    if old.queue != new.queue:
        yield Change(
            name,
            "queue_changed",
            COMPATIBLE,
            f"{'now' if new.queue else 'no longer'} runs through the queue",
            old=old.queue,
            new=new.queue,
        )
    if old.oauth_token != new.oauth_token:
        gained = new.oauth_token == "required"
        yield Change(
            name,
            "oauth_changed",
            BREAKING if gained else COMPATIBLE,
            f"Hugging Face login changed from {old.oauth_token or 'none'} "
            f"to {new.oauth_token or 'none'}",
            old=old.oauth_token,
            new=new.oauth_token,
        )
    if old.fn_index != new.fn_index:
        yield Change(
            name,
            "fn_index_changed",
            COMPATIBLE,
            f"wire index changed from {old.fn_index} to {new.fn_index} (generated clients "
            "re-route by name after their drift check; with on_drift='ignore' they would call "
            "the wrong function: regenerate)",
            old=old.fn_index,
            new=new.fn_index,
        )
    if (old.input_slots, old.state_inputs, old.output_slots, old.state_outputs) != (
        new.input_slots,
        new.state_inputs,
        new.output_slots,
        new.state_outputs,
    ) and (len(old.parameters), len(old.outputs)) == (len(new.parameters), len(new.outputs)):
        yield Change(
            name,
            "state_changed",
            COMPATIBLE,
            "session State slots changed (generated clients re-route after their drift "
            "check; with on_drift='ignore' they would send the old layout: regenerate)",
            old=[list(old.state_inputs), list(old.state_outputs)],
            new=[list(new.state_inputs), list(new.state_outputs)],
        )


def _parameter_changes(
    name: str, old: Sequence[ParameterSpec], new: Sequence[ParameterSpec]
) -> Iterator[Change]:
    old_names = [p.name for p in old]
    new_names = [p.name for p in new]
    common = set(old_names) & set(new_names)
    renamed: dict[str, str] = {}  # old name -> new name
    for i, p in enumerate(old):
        if p.name in common or i >= len(new):
            continue
        q = new[i]
        if (
            q.name not in common
            and q.name not in renamed.values()
            and relation(p.schema, q.schema) == "same"
        ):
            renamed[p.name] = q.name
    kept_old = [n for n in old_names if n in common]
    kept_new = [n for n in new_names if n in common]
    if kept_old != kept_new:
        moved = [n for n, m in zip(kept_old, kept_new, strict=True) if n != m]
        yield Change(
            name,
            "parameters_reordered",
            BREAKING,
            f"parameters reordered (breaks positional calls): {', '.join(moved)}; "
            f"was ({', '.join(old_names)}), now ({', '.join(new_names)})",
            old=old_names,
            new=new_names,
        )
    for old_name, new_name in renamed.items():
        yield Change(
            name,
            "parameter_renamed",
            BREAKING,
            f"parameter {old_name!r} renamed to {new_name!r} (breaks keyword calls)",
            target=new_name,
            old=old_name,
            new=new_name,
        )
    by_old = {p.name: p for p in old}
    renamed_to = {v: k for k, v in renamed.items()}
    for i, q in enumerate(new):
        if q.name in common or q.name in renamed_to:
            p = by_old[renamed_to.get(q.name, q.name)]
            yield from _compare_parameter(name, p, q)
            continue
        trailing = all(n not in common and n not in renamed_to for n in new_names[i:])
        if not q.has_default:
            yield Change(
                name,
                "parameter_added",
                BREAKING,
                f"required parameter {q.name!r} was added (no default)",
                target=q.name,
                new=_param_summary(q),
            )
        elif not trailing:
            yield Change(
                name,
                "parameter_added",
                BREAKING,
                f"parameter {q.name!r} was inserted at position {i + 1} before existing "
                "parameters (shifts positional calls)",
                target=q.name,
                new=_param_summary(q),
            )
        else:
            yield Change(
                name,
                "parameter_added",
                COMPATIBLE,
                f"optional parameter {q.name!r} was added (default {_show(q.default)})",
                target=q.name,
                new=_param_summary(q),
            )
    for p in old:
        if p.name not in common and p.name not in renamed:
            yield Change(
                name,
                "parameter_removed",
                BREAKING,
                f"parameter {p.name!r} was removed",
                target=p.name,
                old=_param_summary(p),
            )


def _compare_parameter(name: str, p: ParameterSpec, q: ParameterSpec) -> Iterator[Change]:
    yield from _type_changes(name, q.name, "parameter", p.schema, q.schema, output=False)
    if p.component != q.component and relation(p.schema, q.schema) == "same":
        yield Change(
            name,
            "component_changed",
            COMPATIBLE,
            f"parameter {q.name!r} component changed from {p.component} to {q.component}",
            target=q.name,
            old=p.component,
            new=q.component,
        )
    if p.has_default and not q.has_default:
        yield Change(
            name,
            "parameter_now_required",
            BREAKING,
            f"parameter {q.name!r} lost its default ({_show(p.default)}): it is now required",
            target=q.name,
            old=p.default,
        )
    elif q.has_default and not p.has_default:
        yield Change(
            name,
            "parameter_now_optional",
            COMPATIBLE,
            f"parameter {q.name!r} gained a default ({_show(q.default)})",
            target=q.name,
            new=q.default,
        )
    elif p.has_default and canonical(p.default) != canonical(q.default):
        yield Change(
            name,
            "default_changed",
            COMPATIBLE,
            f"default of {q.name!r} changed from {_show(p.default)} to {_show(q.default)}",
            target=q.name,
            old=p.default,
            new=q.default,
        )


def _output_changes(
    name: str, old: Sequence[OutputSpec], new: Sequence[OutputSpec]
) -> Iterator[Change]:
    for i in range(max(len(old), len(new))):
        target = f"output {i + 1}"
        if i >= len(new):
            yield Change(
                name,
                "output_removed",
                BREAKING,
                f"{target} ({_out_name(old[i])}) was removed: the return shape changed",
                target=target,
                old=_out_summary(old[i]),
            )
            continue
        if i >= len(old):
            yield Change(
                name,
                "output_added",
                BREAKING,
                f"{target} ({_out_name(new[i])}) was added: the return shape changed",
                target=target,
                new=_out_summary(new[i]),
            )
            continue
        a, b = old[i], new[i]
        label = f"{target} ({_out_name(b)})"
        yield from _type_changes(name, target, label, a.schema, b.schema, output=True)
        if (a.label or "") != (b.label or ""):
            several = len(new) > 1
            yield Change(
                name,
                "output_renamed",
                BREAKING if several else COMPATIBLE,
                f"{target} label changed from {a.label!r} to {b.label!r}"
                + (" (a field of the returned tuple)" if several else ""),
                target=target,
                old=a.label,
                new=b.label,
            )


# -- types --------------------------------------------------------------------------------


def _type_changes(
    endpoint: str,
    target: str,
    what: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    output: bool,
) -> Iterator[Change]:
    rel: Relation = relation(old, new)
    if rel == "same":
        return
    subject = what if output else f"{what} {target!r}"
    prefix = "output" if output else "parameter"
    choices = _choices_delta(old, new)
    if choices is not None:
        added, removed = choices
        if added:
            yield Change(
                endpoint,
                f"{prefix}_choices_added",
                BREAKING if output else COMPATIBLE,
                f"{subject}: choices added {_show(added)}",
                target=target,
                old=None,
                new=added,
            )
        if removed:
            yield Change(
                endpoint,
                f"{prefix}_choices_removed",
                COMPATIBLE if output else BREAKING,
                f"{subject}: choices removed {_show(removed)}",
                target=target,
                old=removed,
                new=None,
            )
        if added or removed:
            return
    old_s, new_s = _type_label(old), _type_label(new)
    if rel == "widened":
        kind, severity, text = "type_widened", BREAKING if output else COMPATIBLE, "widened"
    elif rel == "narrowed":
        kind, severity, text = "type_narrowed", COMPATIBLE if output else BREAKING, "narrowed"
    elif rel == "changed":
        kind, severity, text = "type_changed", BREAKING, "changed"
    else:
        kind, severity, text = "type_unknown", BREAKING, "changed (unknown)"
    yield Change(
        endpoint,
        f"{prefix}_{kind}",
        severity,
        f"{subject}: type {text} from {old_s} to {new_s}",
        target=target,
        old=strip_annotations(old),
        new=strip_annotations(new),
    )


def _enum_location(schema: Mapping[str, Any]) -> tuple[list[str], list[Any]] | None:
    """Where the choices of a schema sit: top level, array items, or one anyOf branch."""
    if isinstance(schema.get("enum"), list):
        return [], list(schema["enum"])
    items = schema.get("items")
    if isinstance(items, Mapping) and isinstance(items.get("enum"), list):
        return ["items"], list(items["enum"])
    for key in ("anyOf", "oneOf"):
        alts = schema.get(key)
        if isinstance(alts, list):
            found = [
                (i, loc)
                for i, alt in enumerate(alts)
                if isinstance(alt, Mapping) and (loc := _enum_location(alt)) is not None
            ]
            if len(found) == 1:
                i, (path, values) = found[0]
                return [key, str(i), *path], values
    return None


def _without(schema: Any, path: list[str]) -> Any:
    if not path:
        return {k: v for k, v in schema.items() if k != "enum"}
    head, *rest = path
    if isinstance(schema, list):
        return [_without(v, rest) if str(i) == head else v for i, v in enumerate(schema)]
    return {k: (_without(v, rest) if k == head else v) for k, v in schema.items()}


def _choices_delta(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> tuple[list[Any], list[Any]] | None:
    """(added, removed) when the two schemas differ only by their choices."""
    a, b = _enum_location(old), _enum_location(new)
    if a is None or b is None or a[0] != b[0]:
        return None
    if canonical(strip_annotations(_without(old, a[0]))) != canonical(
        strip_annotations(_without(new, b[0]))
    ):
        return None
    old_keys = {canonical(v) for v in a[1]}
    new_keys = {canonical(v) for v in b[1]}
    added = [v for v in b[1] if canonical(v) not in old_keys]
    removed = [v for v in a[1] if canonical(v) not in new_keys]
    return added, removed


def _type_label(schema: Mapping[str, Any]) -> str:
    """A short human rendering of a schema for messages."""
    s = strip_annotations(schema)
    if not s:
        return "any"
    if isinstance(s.get("enum"), list):
        return "one of " + _show(s["enum"])
    t = s.get("type")
    if isinstance(t, str):
        if t == "array" and isinstance(s.get("items"), Mapping):
            return f"array of {_type_label(s['items'])}"
        return t
    if isinstance(t, list):
        return " | ".join(str(x) for x in t)
    for key in ("anyOf", "oneOf"):
        if isinstance(s.get(key), list):
            return " | ".join(_type_label(x) if isinstance(x, Mapping) else "?" for x in s[key])
    text = canonical(s)
    return text if len(text) <= 80 else text[:77] + "..."


def _show(value: Any) -> str:
    text = canonical(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _param_summary(p: ParameterSpec) -> dict[str, Any]:
    return {
        "name": p.name,
        "type": strip_annotations(p.schema),
        "has_default": p.has_default,
        "default": p.default,
        "component": p.component,
    }


def _out_summary(o: OutputSpec) -> dict[str, Any]:
    return {"label": o.label, "type": strip_annotations(o.schema), "component": o.component}


def _out_name(o: OutputSpec) -> str:
    return o.label or o.component or "unnamed"
