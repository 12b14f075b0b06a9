"""The intermediate model: what the templates render, with every name resolved and every
type and literal already turned into safe Python source (pure; no I/O).

Endpoints come from ``AppSpec`` (the same wire facts the runtime uses), public ones only, in
fn_index order; nothing depends on the key order of the snapshot's JSON objects.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from gradio_gen.doctext import endpoint_doc, output_doc, param_doc
from gradio_gen.models import ModelBlock, build_models
from gradio_gen.naming import (
    MODULE_RESERVED,
    ClassName,
    PythonIdentifier,
    component_class,
    endpoint_attribute_names,
    field_names,
    is_auto_label,
    parameter_names,
    pascal,
    snake,
    unique,
)
from gradio_gen.schema import Document, Names, Side
from gradio_gen_runtime._spec import (
    AppSpec,
    EndpointSpec,
    ParameterSpec,
    canonical_json,
    minimal_snapshot,
    snapshot_sha256,
)
from gradio_gen_runtime._version import __version__

DefaultKind = Literal["required", "literal", "server"]


@dataclass(frozen=True)
class Param:
    name: PythonIdentifier
    raw_name: str
    annotation: str
    """Python source of the annotation (built from validated names and repr'd literals)."""
    default: DefaultKind
    default_source: str | None
    """Python source of the default for ``literal`` (``repr`` of a JSON scalar)."""
    keyword_only: bool
    doc: str


@dataclass(frozen=True)
class Output:
    name: PythonIdentifier
    annotation: str
    doc: str


@dataclass(frozen=True)
class Endpoint:
    api_name: str
    attr: PythonIdentifier
    class_name: str
    async_class_name: str
    params: tuple[Param, ...]
    outputs: tuple[Output, ...]
    result_class: ClassName | None
    """The NamedTuple of a multi-output endpoint."""
    result_type: str
    doc: str
    generator: bool
    streaming_input: bool

    @property
    def has_keyword_only(self) -> bool:
        return any(p.keyword_only for p in self.params)


@dataclass(frozen=True)
class App:
    class_name: ClassName
    async_class_name: ClassName
    source: str
    """What the clients connect to by default (empty: generated from a bare snapshot)."""
    title: str
    schema_sha256: str
    generator_version: str
    snapshot_json: str
    endpoints: tuple[Endpoint, ...]
    models: ModelBlock
    """Pydantic models of structured outputs."""
    param_types: ModelBlock
    """TypedDicts of structured parameters (``...Param``)."""
    gradio_version: str | None


class NoEndpointsError(Exception):
    """The app has no named public endpoint to generate methods for."""


DEFAULT_CLASS_NAME = "GradioApp"


def default_class_name(spec: AppSpec, source: str, hint: str = "") -> ClassName:
    """From the app title (unless it is gradio's default), the Space's name, the last segment
    of the URL's path (an app mounted at ``/sentiment/``), a hint (the snapshot file's name,
    given only for a snapshot that does not say where it came from), else ``GradioApp``.
    A URL's host is never used. Everything here is in the snapshot (title, Space id, source),
    so a URL and the snapshot saved from it give the same name."""
    space = spec.space_id or ("" if "://" in source else source)
    space_name = space.rsplit("/", 1)[-1] if "/" in space else ""
    path_name = urlsplit(source).path.rstrip("/").rsplit("/", 1)[-1] if "://" in source else ""
    for text in (spec.title, space_name, path_name, hint):
        if text and pascal(text) and text.strip().lower() != "gradio":
            return ClassName(text, prefix="App")
    return ClassName(DEFAULT_CLASS_NAME)


def build(
    snapshot: Mapping[str, Any],
    *,
    source: str,
    class_name: str | None = None,
    name_hint: str = "",
) -> App:
    """Snapshot -> ``App``. Raises ``ProtocolError`` (malformed snapshot) or
    ``NoEndpointsError``."""
    spec = AppSpec.from_snapshot(snapshot)
    eps = sorted(spec.public_endpoints, key=lambda e: (e.fn_index, e.api_name))
    if not eps:
        raise NoEndpointsError("the app has no named public endpoints")
    cls = _client_name(
        ClassName(class_name, prefix="App")
        if class_name
        else default_class_name(spec, source, name_hint)
    )
    async_cls = ClassName("Async" + cls)
    names = Names()
    for reserved in (cls, async_cls, "Fake" + cls, "AsyncFake" + cls):
        names.reserve(reserved)
    docs: dict[Side, Document] = {
        "input": Document("input", names),
        "output": Document("output", names),
    }
    attrs = endpoint_attribute_names([e.api_name for e in eps])
    bases: set[str] = set()
    endpoints = []
    for ep in eps:
        # the private endpoint classes are _<Base>Endpoint: bases must differ (count_up_2 and
        # count_up2 both PascalCase to CountUp2)
        base = unique(pascal(attrs[ep.api_name]) or "Endpoint", bases)
        ids = _component_ids(snapshot, ep)
        endpoints.append(_endpoint(ep, attrs[ep.api_name], base, docs, names, ids))
    endpoints = _accept_outputs_as_inputs(endpoints, eps)
    models = build_models(docs["output"].document(), docs["output"].roots)
    params = build_models(docs["input"].document(), docs["input"].roots, typed_dict=True)
    minimal = minimal_snapshot(snapshot)
    return App(
        class_name=cls,
        async_class_name=async_cls,
        source=source,
        title=spec.title or "",
        schema_sha256=snapshot_sha256(snapshot),
        generator_version=__version__,
        snapshot_json=canonical_json(minimal),
        endpoints=tuple(endpoints),
        models=models,
        param_types=params,
        gradio_version=spec.version,
    )


def _client_name(name: ClassName) -> ClassName:
    """The client class name and its Async/Fake variants must not shadow a module name."""
    variants = (name, "Async" + name, "Fake" + name, "AsyncFake" + name)
    if any(v in MODULE_RESERVED for v in variants):
        return ClassName(name + "App")
    return name


def _component_ids(snapshot: Mapping[str, Any], ep: EndpointSpec) -> tuple[list[Any], list[Any]]:
    """The component ids behind the visible parameters and outputs (``None`` when unknown):
    an output shown by a component that is also a parameter is named after the parameter."""
    unknown: tuple[list[Any], list[Any]] = ([None] * len(ep.parameters), [None] * len(ep.outputs))
    config = snapshot.get("config")
    deps = config.get("dependencies") if isinstance(config, Mapping) else None
    if not isinstance(deps, list):
        return unknown
    for i, dep in enumerate(deps):
        if isinstance(dep, Mapping) and dep.get("id", i) == ep.fn_index:
            ins, outs = dep.get("inputs"), dep.get("outputs")
            if not (isinstance(ins, list) and isinstance(outs, list)):
                return unknown
            vis_in = [c for n, c in enumerate(ins) if n not in ep.state_inputs]
            vis_out = [c for n, c in enumerate(outs) if n not in ep.state_outputs]
            if len(vis_in) != len(ep.parameters) or len(vis_out) != len(ep.outputs):
                return unknown
            return vis_in, vis_out
    return unknown


def _accept_outputs_as_inputs(endpoints: list[Endpoint], eps: list[EndpointSpec]) -> list[Endpoint]:
    """A parameter whose schema some output also has (a Chatbot history, an image...) also
    accepts that output's type, so a result can be passed straight back in, type-checked."""
    outputs: dict[str, str] = {}
    for ep, spec in zip(endpoints, eps, strict=True):
        for out, ospec in zip(ep.outputs, spec.outputs, strict=True):
            outputs.setdefault(canonical_json(dict(ospec.schema)), out.annotation)
    result = []
    for ep, spec in zip(endpoints, eps, strict=True):
        params = []
        for p, pspec in zip(ep.params, spec.parameters, strict=True):
            twin = outputs.get(canonical_json(dict(pspec.schema)))
            base, rest = p.annotation, ""
            for suffix in (" | None", " | NotGiven"):
                if base.endswith(suffix):
                    base, rest = base[: -len(suffix)], suffix
            if twin is not None and twin not in ("Any", base) and base not in ("Any", "FileInput"):
                p = dataclasses.replace(p, annotation=f"{base} | {twin}{rest}")
            params.append(p)
        result.append(dataclasses.replace(ep, params=tuple(params)))
    return result


def _output_names(
    ep: EndpointSpec, param_names: list[PythonIdentifier], ids: tuple[list[Any], list[Any]]
) -> list[str]:
    """What each output's result field is named after: its label (unless gradio made it up,
    ``value_7``), else the parameter shown by the same component (a chat history in and
    out), else the component (``multimodal_textbox``)."""
    in_ids, out_ids = ids
    by_id = {cid: n for cid, n in zip(in_ids, param_names, strict=True) if cid is not None}
    texts = []
    for o, cid in zip(ep.outputs, out_ids, strict=True):
        if not is_auto_label(o.label):
            texts.append(str(o.label))
        elif cid is not None and cid in by_id:
            texts.append(by_id[cid])
        else:
            texts.append(snake(component_class(o.component)) or "output")
    return texts


def _endpoint(
    ep: EndpointSpec,
    attr: PythonIdentifier,
    base: str,
    docs: dict[Side, Document],
    module_names: Names,
    ids: tuple[list[Any], list[Any]],
) -> Endpoint:
    names = parameter_names([p.name for p in ep.parameters])
    params: list[Param] = []
    # Parameters stay positional (schema order) until a required one follows a defaulted
    # one; from there on they are keyword-only (Python allows required keyword-only ones).
    kwonly_from = len(ep.parameters)
    seen_default = False
    for i, p in enumerate(ep.parameters):
        if p.has_default:
            seen_default = True
        elif seen_default:
            kwonly_from = i
            break
    for i, (p, name) in enumerate(zip(ep.parameters, names, strict=False)):
        annotation = docs["input"].value_type(
            p.schema, component=p.component, fallback=base + pascal(name)
        )
        kind, source, annotation = _default(p, annotation)
        kwonly = i >= kwonly_from
        doc = param_doc(p, name, annotation)
        params.append(Param(name, p.name, annotation, kind, source, kwonly, doc))
    out_names = field_names(_output_names(ep, names, ids))
    outputs = []
    for o, oname in zip(ep.outputs, out_names, strict=False):
        annotation = docs["output"].value_type(
            o.schema, component=o.component, fallback=base + pascal(oname)
        )
        field = oname if len(ep.outputs) > 1 else ""
        outputs.append(Output(oname, annotation, output_doc(o, field)))
    result_class: ClassName | None = None
    if not outputs:
        result_type = "None"
    elif len(outputs) == 1:
        result_type = outputs[0].annotation
    else:
        result_class = ClassName(module_names.claim(ClassName(base + "Result")))
        result_type = result_class
    return Endpoint(
        api_name=ep.api_name,
        attr=attr,
        class_name=f"_{base}Endpoint",
        async_class_name=f"_Async{base}Endpoint",
        params=tuple(params),
        outputs=tuple(outputs),
        result_class=result_class,
        result_type=result_type,
        doc=endpoint_doc(ep),
        generator=ep.generator,
        streaming_input=ep.connection == "stream",
    )


def _fits(value: Any, schema: Any, depth: int = 0) -> bool:
    """Does a JSON scalar fit a simple schema (one ``inline_type`` accepted)?"""
    if depth > 10 or not isinstance(schema, Mapping):
        return False
    if "const" in schema:
        return bool(value == schema["const"] and type(value) is type(schema["const"]))
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return any(value == e and type(value) is type(e) for e in enum)
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            return any(_fits(value, v, depth + 1) for v in schema[key])
    typ = schema.get("type")
    if isinstance(typ, list):
        return any(_fits(value, {**schema, "type": t}, depth + 1) for t in typ)
    if typ == "string":
        return isinstance(value, str)
    if typ == "boolean":
        return isinstance(value, bool)
    if typ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "number":
        return (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        )
    return False


def _scalar_source(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return repr(value)
    return repr(value)


def _default(p: ParameterSpec, annotation: str) -> tuple[DefaultKind, str | None, str]:
    """(kind, default source, annotation) for one parameter."""
    if not p.has_default:
        return "required", None, annotation
    if p.default is None:
        if annotation in ("Any", "None") or annotation.endswith("| None"):
            return "literal", "None", annotation
        return "literal", "None", f"{annotation} | None"
    if isinstance(p.default, (str, int, float, bool)) and _fits(p.default, p.schema):
        source = _scalar_source(p.default)
        if annotation == "float" and isinstance(p.default, int):
            source = repr(float(p.default)) if abs(p.default) < 2**53 else source
        return "literal", source, annotation
    # Lists, objects, or a default that does not fit its own schema: the app's own value is
    # sent unvalidated when the argument is left out (shown in the docstring).
    return "server", None, f"{annotation} | NotGiven"
