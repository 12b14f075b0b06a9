"""Docstring text from the schema (pure): what an editor shows on hover.

A parameter's line says what to pass, in this order: the component and its label (unless
gradio made the label up, ``parameter_3``), for a file what a file may be (a path, a URL,
bytes...), the app's own description (not gradio's boilerplate about its ``FileData``
class), the default and a short example, both written as Python literals. An example never
shows gradio's file dicts (a file is shown as its URL or path, what a caller passes), and a
long value is shortened between elements, never in the middle of a word or a URL; a value
that cannot be shortened that way is left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gradio_gen.naming import component_class, is_auto_label, snake
from gradio_gen_runtime._spec import EndpointSpec, OutputSpec, ParameterSpec

EXAMPLE_LIMIT = 120
"""Longest rendered default/example (characters); a longer one is shortened or left out."""

_LONG_STRING = 200
"""Longest string shown whole when it cannot be cut between words (a URL)."""

_FILE = "Pass a local path, an http(s) URL, bytes or a binary file."
_FILES = "Pass a list of files: local paths, http(s) URLs, bytes or binary files."
# gradio's descriptions that say nothing a caller can use (the file text above replaces them)
_BOILERPLATE = ("The FileData class is", "A local filepath or publicly available URL")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _heading(component: str, label: str | None, name: str) -> str:
    """``Radio 'Style'``: the label only when it says something the name does not."""
    head = component_class(component) or "value"
    if label is None or is_auto_label(label):
        return head
    text = _one_line(label)
    if snake(text) in (snake(name), snake(head)):
        return head
    return f"{head} {text!r}"


def _description(text: str) -> str:
    text = _one_line(text)
    if not text or text.startswith(_BOILERPLATE):
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _file_words(annotation: str) -> str:
    core = annotation.split(" | ")[0]
    if core == "FileInput":
        return _FILE
    if core == "list[FileInput]":
        return _FILES
    return ""


def param_doc(p: ParameterSpec, name: str, annotation: str) -> str:
    text = _heading(p.component, p.label, name)
    text += "."
    what = _file_words(annotation)
    if what:
        text += f" {what}"
    desc = _description(p.description)
    if desc:
        text += f" {desc}"
    if p.has_default:
        default = literal(p.default)
        if default is not None:
            text += f" Default: {default}."
    if p.example is not None and not (p.has_default and p.example == p.default):
        example = literal(p.example, example=True)
        if example is not None:
            text += f" Example: {example}."
    return text


def output_doc(o: OutputSpec, field: str = "") -> str:
    """``field``: the result field it is shown under (a label repeating it is left out)."""
    text = _heading(o.component, o.label, field)
    desc = _description(o.description)
    return f"{text}. {desc}" if desc else text


def endpoint_doc(ep: EndpointSpec) -> str:
    head = f"Call ``{ep.api_name}``"
    if ep.generator:
        head += " (a generator: ``submit()`` yields each intermediate output)"
    lines = [head + "."]
    if ep.description:
        lines += ["", ep.description.strip()]
    return "\n".join(lines)


# -- values as short Python literals ------------------------------------------------------


def _as_passed(value: Any, drop_none: bool, depth: int = 0) -> Any:
    """Gradio's file dicts -> the URL or path a caller would pass; with ``drop_none``, the
    ``None`` entries of dicts are dropped (an example need not show what is unset)."""
    if depth > 20:
        return value
    if isinstance(value, Mapping):
        meta = value.get("meta")
        is_file = isinstance(meta, Mapping) and meta.get("_type") == "gradio.FileData"
        if is_file or ("path" in value and "orig_name" in value):
            for key in ("url", "path"):
                found = value.get(key)
                if isinstance(found, str) and found:
                    return found
        return {
            str(k): _as_passed(v, drop_none, depth + 1)
            for k, v in sorted(value.items())
            if v is not None or not drop_none
        }
    if isinstance(value, list):
        return [_as_passed(v, drop_none, depth + 1) for v in value]
    return value


def _render(value: Any, depth: int = 0) -> str | None:
    """A Python literal (sorted keys), or ``None`` for what JSON cannot hold."""
    if depth > 20:
        return None
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, list):
        parts = [_render(v, depth + 1) for v in value]
        return None if None in parts else "[" + ", ".join(p for p in parts if p) + "]"
    if isinstance(value, Mapping):
        items = []
        for k, v in sorted(value.items()):
            rendered = _render(v, depth + 1)
            if rendered is None:
                return None
            items.append(f"{str(k)!r}: {rendered}")
        return "{" + ", ".join(items) + "}"
    return None


def literal(value: Any, limit: int = EXAMPLE_LIMIT, *, example: bool = False) -> str | None:
    """A default or example as a short Python literal, shortened between elements (never
    inside a word or a URL), or ``None`` when it cannot be shown in ``limit`` characters."""
    value = _as_passed(value, drop_none=example)
    text = _render(value)
    if text is None or len(text) <= limit:
        return text
    if isinstance(value, str):
        cut = value[:limit].rsplit(" ", 1)[0]
        if " " in value[:limit] and len(cut) > limit // 3:
            return repr(cut + "...")
        return text if len(text) <= _LONG_STRING else None
    if isinstance(value, list):
        first = literal(value[0], limit - 7, example=example) if value else None
        return f"[{first}, ...]" if first is not None else None
    if isinstance(value, Mapping):
        items: list[str] = []
        for k, v in sorted(value.items()):
            rendered = _render(v)
            if rendered is None:
                break
            item = f"{str(k)!r}: {rendered}"
            if len(", ".join([*items, item])) + 7 > limit:
                break
            items.append(item)
        return "{" + ", ".join(items) + ", ...}" if items else None
    return None
