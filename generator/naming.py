"""Validated identifiers: every name that reaches generated code passes through here.

Names in a schema are untrusted text. ``PythonIdentifier`` and ``ClassName`` are ``str``
subclasses that sanitise on construction, so a value of either type is always a valid,
ASCII, non-keyword Python identifier; templates only ever receive these.

The endpoint naming rule (documented in the README):

1. Take the ``api_name`` without its leading ``/``; transliterate to ASCII (``café`` ->
   ``cafe``), split camelCase (``countUp`` -> ``count_Up``), lower-case, and replace every
   run of characters that are not letters, digits or ``_`` by one ``_`` (``/count-up`` ->
   ``count_up``). Leading/trailing ``_`` are dropped; an empty result becomes ``api``.
2. A name starting with a digit gets the prefix ``api_`` (``/2d`` -> ``api_2d``).
3. A Python keyword or soft keyword, or a name the client class already uses
   (``close``, ``endpoint``, ``spec``...), gets a ``_`` suffix (``/lambda`` -> ``lambda_``).
4. Names are assigned in fn_index order, endpoints whose api_name already is a valid
   identifier first, so ``/count_up`` keeps ``count_up`` when ``/count-up`` also exists; a
   later clash gets ``_2``, ``_3``... (``count_up_2``).
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

_NON_IDENT = re.compile(r"[^0-9a-zA-Z_]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_UNDERSCORES = re.compile(r"_+")

# Attributes of the runtime's client base classes (AppClient, AsyncAppClient); a test pins
# this set against the real classes so an endpoint can never shadow them.
CLIENT_RESERVED = frozenset(
    {
        "aclose",
        "check_drift",
        "close",
        "connect",
        "duplicate",
        "endpoint",
        "endpoints",
        "pickle_secrets",
        "reset",
        "reset_session",
        "snapshot",
        "spec",
    }
)

# Names bound at module level by the generated module itself (imports, constants).
MODULE_RESERVED = frozenset(
    {
        "annotations",
        "Annotated",
        "AnyUrl",
        "AsyncFakeAppClient",
        "AsyncFakeEndpoint",
        "AwareDatetime",
        "Decimal",
        "Enum",
        "define_fakes",
        "require_runtime",
        "FakeAppClient",
        "FakeEndpoint",
        "OnDrift",
        "Optional",
        "TYPE_CHECKING",
        "UUID",
        "Union",
        "conint",
        "confloat",
        "conlist",
        "constr",
        "date",
        "datetime",
        "time",
        "Any",
        "AppClient",
        "AsyncAppClient",
        "AsyncEndpoint",
        "AsyncJob",
        "BaseModel",
        "ClassVar",
        "ClientOptions",
        "ConfigDict",
        "Endpoint",
        "EndpointAttribute",
        "Field",
        "File",
        "FileInput",
        "GENERATOR_VERSION",
        "GeneratedModel",
        "Job",
        "Literal",
        "NamedTuple",
        "NOT_GIVEN",
        "NotGiven",
        "RootModel",
        "SCHEMA_SHA256",
        "SOURCE",
        "TypeAliasType",
        "Unpack",
        "typing",
        "pydantic",
        "typing_extensions",
        "gradio_gen",
        "gradio_gen_runtime",
        "dict",
        "list",
        "tuple",
        "str",
        "int",
        "float",
        "bool",
        "bytes",
        "object",
        "type",
        "None",
        "True",
        "False",
    }
)

# Attributes a NamedTuple field must not take.
_TUPLE_RESERVED = frozenset({"count", "index"})


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _is_keyword(name: str) -> bool:
    return keyword.iskeyword(name) or keyword.issoftkeyword(name)


def snake(text: str) -> str:
    """Any text -> ``lower_snake`` ASCII (possibly empty, possibly starting with a digit)."""
    text = _CAMEL.sub("_", _ascii(text))
    return _UNDERSCORES.sub("_", _NON_IDENT.sub("_", text)).strip("_").lower()


def pascal(text: str) -> str:
    """Any text -> ``PascalCase`` ASCII (possibly empty, possibly starting with a digit)."""
    text = _CAMEL.sub("_", _ascii(text))
    parts = [p for p in _NON_IDENT.sub("_", text).split("_") if p]
    return "".join(p[:1].upper() + p[1:] for p in parts)


def _acceptable(text: str) -> bool:
    return (
        text.isidentifier()
        and text.isascii()
        and not text.startswith("_")
        and not _is_keyword(text)
    )


class PythonIdentifier(str):
    """A valid, ASCII, non-keyword ``snake_case`` identifier built from arbitrary text."""

    __slots__ = ()

    def __new__(
        cls, text: str, *, prefix: str = "x", reserved: Iterable[str] = ()
    ) -> PythonIdentifier:
        reserved_set = frozenset(reserved)
        if _acceptable(text) and text not in reserved_set:
            return super().__new__(cls, text)  # already a good identifier: kept as written
        name = snake(text)
        if not name:
            name = prefix
        if name[0].isdigit():
            name = f"{prefix}_{name}"
        while _is_keyword(name) or name in reserved_set:
            name += "_"
        assert name.isidentifier()
        return super().__new__(cls, name)


class ClassName(str):
    """A valid, ASCII ``PascalCase`` identifier built from arbitrary text."""

    __slots__ = ()

    def __new__(
        cls, text: str, *, prefix: str = "Model", reserved: Iterable[str] = ()
    ) -> ClassName:
        name = pascal(text)
        if not name:
            name = prefix
        if name[0].isdigit():
            name = prefix + name
        reserved_set = frozenset(reserved)
        while _is_keyword(name) or name in reserved_set:
            name += "Model" if not name.endswith("Model") else "_"
        assert name.isidentifier()
        return super().__new__(cls, name)


def unique(name: str, taken: set[str]) -> str:
    """``name`` if free, else ``name_2``, ``name_3``...; records the result in ``taken``."""
    candidate = name
    n = 2
    while candidate in taken:
        candidate = f"{name.rstrip('_') or name}_{n}"
        n += 1
    taken.add(candidate)
    return candidate


def endpoint_attribute_names(api_names: list[str]) -> dict[str, PythonIdentifier]:
    """``api_name`` -> attribute name, by the rule in this module's docstring.

    ``api_names`` must be in fn_index order; the result does not depend on anything else.
    """
    taken: set[str] = set()
    result: dict[str, PythonIdentifier] = {}

    def plain(api_name: str) -> bool:
        bare = api_name[1:] if api_name.startswith("/") else api_name
        return bare.isidentifier() and bare.isascii() and bare == snake(bare)

    ordered = [n for n in api_names if plain(n)] + [n for n in api_names if not plain(n)]
    for api_name in ordered:
        bare = api_name[1:] if api_name.startswith("/") else api_name
        base = PythonIdentifier(snake(bare) or "api", prefix="api", reserved=CLIENT_RESERVED)
        result[api_name] = PythonIdentifier(unique(base, taken))
    return {n: result[n] for n in api_names}


def parameter_names(raw: list[str]) -> list[PythonIdentifier]:
    """Keyword names for an endpoint's parameters, in order; unique, never ``self``."""
    taken: set[str] = set()
    out = []
    for text in raw:
        base = PythonIdentifier(text, prefix="arg", reserved={"self"})
        out.append(PythonIdentifier(unique(base, taken)))
    return out


def field_names(raw: list[str]) -> list[PythonIdentifier]:
    """NamedTuple field names (no leading underscore, not ``count``/``index``), unique."""
    taken: set[str] = set()
    out = []
    for text in raw:
        base = PythonIdentifier(snake(text) or "output", prefix="output", reserved=_TUPLE_RESERVED)
        out.append(PythonIdentifier(unique(base, taken)))
    return out


# Gradio's component names as /info spells them (``Multimodaltextbox``) -> their class names
# (``MultimodalTextbox``); a component missing here (a custom one) is capitalised as given.
_COMPONENT_CLASSES = {
    name.lower(): name
    for name in (
        "AnnotatedImage",
        "BarPlot",
        "BrowserState",
        "CheckboxGroup",
        "ClearButton",
        "ColorPicker",
        "DateTime",
        "DeepLinkButton",
        "DownloadButton",
        "DuplicateButton",
        "FileExplorer",
        "HighlightedText",
        "HTML",
        "ImageEditor",
        "ImageSlider",
        "JSON",
        "LinePlot",
        "LoginButton",
        "Model3D",
        "MultimodalTextbox",
        "NativePlot",
        "ParamViewer",
        "ScatterPlot",
        "UploadButton",
        "WorkflowCanvas",
    )
}

_AUTO_LABEL = re.compile(r"(?:parameter|value)_\d+")


def component_class(component: str) -> str:
    """``Multimodaltextbox`` -> ``MultimodalTextbox`` (gradio's class name), else PascalCase."""
    known = _COMPONENT_CLASSES.get(component.lower())
    if known is not None:
        return known
    return pascal(component) if component else ""


def is_auto_label(label: str | None) -> bool:
    """Gradio's made-up label of an unlabelled component (``parameter_3``, ``value_7``)."""
    return label is None or not label.strip() or _AUTO_LABEL.fullmatch(label.strip()) is not None
