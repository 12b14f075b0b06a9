"""Pydantic validation errors of a generated endpoint's arguments -> one readable line per problem.

Pydantic reports a failed union as the errors of *every* branch, each location prefixed with the
branch's tag (``('list[Message]', 0, 'content')``): one wrong chat message gives a line per
branch, for the output type that also accepts a previous result, and for ``NOT_GIVEN``. Here
the errors are walked along the parameter's type hint and the argument's value. At a union the
value is validated against each branch alone (only on this error path; adapters are cached), so
every branch's errors come without tags, and only the most relevant branch is kept:

* the ``NOT_GIVEN`` branch never explains anything (the argument was given);
* a branch the value is of the right kind for (its errors are inside the value) beats a branch
  whose type the value is not at all;
* then a branch whose ``Literal`` field (``"type": "text"``) the value matches, then the one
  with the fewest problems, then the first (an endpoint's own input type comes before the
  output type it also accepts);
* when the value fits no branch at all, one line says what would do: ``expected a valid list
  or a valid string, got 3``.

Each problem reads ``<where>: <what was expected>, got <value>``, where ``<where>`` is the path
inside the argument (``history[0].content[1].text``) and the value is a short ``repr``. Where
the value at a union cannot be found again (an unusual container), the errors of the first
branch pydantic reported are kept as they are.
"""

from __future__ import annotations

import dataclasses
import reprlib
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import typing_extensions
from pydantic import BaseModel, TypeAdapter, ValidationError

from .._types import NOT_GIVEN

__all__ = ["explain", "short_repr"]

Path = tuple[tuple[Literal["attr", "item"], Any], ...]
"""Where inside the argument: ``("attr", "content")`` is ``.content``, ``("item", 0)`` is ``[0]``."""


class _Repr(reprlib.Repr):
    def repr_dict(self, x: dict[Any, Any], level: int) -> str:  # keys in the caller's order
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        items = [
            f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}"
            for k, v in list(x.items())[: self.maxdict]
        ]
        return "{" + ", ".join(items) + (", ...}" if len(x) > self.maxdict else "}")


_repr = _Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 4
_repr.maxlevel = 3


def short_repr(value: Any) -> str:
    """A ``repr`` short enough for one line."""
    text = _repr.repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


@dataclasses.dataclass(frozen=True)
class _Problem:
    path: Path
    error: Mapping[str, Any]


# -- the hint walk ------------------------------------------------------------------------


def _unwrap(hint: Any) -> Any:
    """Aliases, ``Annotated`` (not a custom-validated one: that is a leaf), ``NewType``."""
    for _ in range(32):
        if type(hint).__name__ == "TypeAliasType" and hasattr(hint, "__value__"):
            hint = hint.__value__
        elif typing.get_origin(hint) is typing.Annotated:
            if any(hasattr(m, "__get_pydantic_core_schema__") for m in hint.__metadata__):
                return hint
            hint = hint.__origin__
        elif hasattr(hint, "__supertype__"):
            hint = hint.__supertype__
        else:
            return hint
    return hint


def _is_union(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    return origin is typing.Union or origin is types.UnionType


def _is_not_given(hint: Any) -> bool:
    return typing.get_origin(hint) is Literal and typing.get_args(hint) == (NOT_GIVEN,)


_MISSING: Any = object()

_adapters: dict[Any, TypeAdapter[Any] | None] = {}


def _adapter(hint: Any) -> TypeAdapter[Any] | None:
    """A cached adapter of one union branch (``None``: pydantic cannot build it alone)."""
    try:
        return _adapters[hint]
    except KeyError:
        pass
    except TypeError:  # an unhashable hint: build, do not cache
        return _build(hint)
    found = _adapters[hint] = _build(hint)
    return found


def _build(hint: Any) -> TypeAdapter[Any] | None:
    try:
        return TypeAdapter(hint)
    except Exception:
        return None


def _child(value: Any, key: Any) -> Any:
    """The value at ``key`` (a pydantic location step) of ``value``, or ``_MISSING``."""
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            if key in (name, info.alias):
                return getattr(value, name, _MISSING)
        return (value.model_extra or {}).get(key, _MISSING)
    if isinstance(value, Mapping):
        return value.get(key, _MISSING)
    if isinstance(key, int) and isinstance(value, Sequence) and not isinstance(value, str):
        return value[key] if -len(value) <= key < len(value) else _MISSING
    if isinstance(key, int) and isinstance(value, (set, frozenset)):
        return _MISSING
    return _MISSING


def _field_hint(hint: Any, key: Any) -> tuple[Any, bool]:
    """(the hint of field/item ``key`` of ``hint``, whether it is a named field)."""
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        for name, info in hint.model_fields.items():
            if key in (name, info.alias, info.validation_alias):
                return info.annotation if not info.metadata else info.rebuild_annotation(), True
        return None, True
    if typing_extensions.is_typeddict(hint):
        inner = typing_extensions.get_type_hints(hint, include_extras=True).get(key)
        while typing.get_origin(inner) in _REQUIRED:
            inner = typing.get_args(inner)[0]
        return inner, True
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = typing.get_type_hints(hint, include_extras=True)
        return hints.get(key), True
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in _SEQUENCES:
        return (args[0] if args else None), False
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0], False
        if isinstance(key, int) and key < len(args):
            return args[key], False
        return None, False
    if isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields"):
        hints = typing.get_type_hints(hint, include_extras=True)
        if isinstance(key, int) and key < len(hint._fields):
            return hints.get(hint._fields[key]), False
        return hints.get(key), True
    if origin in _MAPPINGS:
        return (args[1] if len(args) == 2 else None), False
    return None, False


_SEQUENCES: tuple[Any, ...] = (Sequence, list, set, frozenset)
_REQUIRED: tuple[Any, ...] = (typing_extensions.Required, typing_extensions.NotRequired)
_MAPPINGS: tuple[Any, ...] = (Mapping, dict)


Items = list[tuple[tuple[Any, ...], Mapping[str, Any]]]
"""(location left below the current node, the pydantic error)."""


def _walk(hint: Any, value: Any, items: Items, path: Path) -> list[_Problem]:
    """The problems of ``items`` at ``hint`` / ``value`` / ``path``."""
    hint = _unwrap(hint) if hint is not None else None
    if hint is not None and _is_union(hint):
        branches = tuple(b for b in typing.get_args(hint) if b is not type(None))
        if len(branches) == 1:  # Optional[X]: pydantic adds no tag
            return _walk(branches[0], value, items, path)
        return _union(branches, value, items, path)
    problems = [_Problem(path, err) for rest, err in items if not rest]
    groups: dict[Any, Items] = {}
    for rest, err in items:
        if rest:
            groups.setdefault(rest[0], []).append((rest[1:], err))
    for key, group in groups.items():
        if hint is None:
            inner, named = None, isinstance(key, str) and key.isidentifier()
        else:
            inner, named = _field_hint(hint, key)
        step: tuple[Literal["attr", "item"], Any] = (
            ("attr", key)
            if named and isinstance(key, str) and key.isidentifier()
            else ("item", key)
        )
        child = _child(value, key) if value is not _MISSING else _MISSING
        problems += _walk(inner, child, group, (*path, step))
    return problems


def _union(branches: tuple[Any, ...], value: Any, items: Items, path: Path) -> list[_Problem]:
    if value is _MISSING:  # cannot validate branches alone: keep pydantic's first branch
        tagged = [(rest, err) for rest, err in items if rest]
        first = tagged[0][0][0] if tagged else None
        return _walk(None, _MISSING, [(r[1:], e) for r, e in tagged if r[0] == first], path)
    candidates: list[tuple[int, list[_Problem]]] = []
    for index, branch in enumerate(branches):
        if _is_not_given(_unwrap(branch)):
            continue  # the argument was given: "should be NOT_GIVEN" explains nothing
        adapter = _adapter(branch)
        if adapter is None:
            continue
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            errors: Items = [
                (tuple(err.get("loc", ())), err) for err in exc.errors(include_url=False)
            ]
            candidates.append((index, _walk(branch, value, errors, path)))
        else:  # accepted alone (pydantic's smart union may still have refused): no opinion
            continue
    if not candidates:
        return [_Problem(path, err) for rest, err in items if not rest][:1] or [
            _Problem(path, {"type": "invalid", "msg": "invalid value", "input": value})
        ]
    if all(p.path == path for _, found in candidates for p in found):
        return [_combine([p for _, found in candidates for p in found])]
    return min(candidates, key=lambda c: _score(c, path))[1]


def _score(candidate: tuple[int, list[_Problem]], path: Path) -> tuple[bool, bool, int, int]:
    index, found = candidate
    at_root = any(p.path == path for p in found)
    depth = len(path) + 1
    other_kind = any(p.error.get("type") == "literal_error" and len(p.path) == depth for p in found)
    return at_root, other_kind, len(found), index


_DICT_KINDS: dict[Any, str] = {
    "dict_type": "dict",
    "model_type": "dict",
    "model_attributes_type": "dict",
}


def _combine(problems: list[_Problem]) -> _Problem:
    """Several branches' complaints about the same value -> one 'expected A or B'."""
    seen: dict[str, None] = {}
    kinds: set[Any] = set()
    for p in problems:
        kind = p.error.get("type")
        kind = _DICT_KINDS.get(kind, kind)  # a TypedDict and a model both want "a dict"
        if kind in kinds and kind not in ("value_error", "assertion_error"):
            continue
        kinds.add(kind)
        seen.setdefault(_expected(p.error), None)
    expected = " or ".join(seen)
    first = problems[0]
    return _Problem(
        first.path, {"type": "union", "msg": expected, "input": first.error.get("input")}
    )


# -- rendering ----------------------------------------------------------------------------


def _expected(err: Mapping[str, Any]) -> str:
    kind = err.get("type")
    msg = str(err.get("msg", "invalid"))
    if kind in ("value_error", "assertion_error"):
        ctx = err.get("ctx") or {}
        inner = ctx.get("error")
        return str(inner) if inner is not None else msg.split(", ", 1)[-1]
    if kind == "model_type":
        name = (err.get("ctx") or {}).get("class_name")
        return f"a dict or {name}" if name else "a dict"
    if kind == "union":
        return msg
    if msg.startswith("Input should be "):
        expected = msg[len("Input should be ") :]
        if kind not in ("literal_error", "enum") and ", " in expected:
            head, detail = expected.split(", ", 1)  # "a valid integer, unable to parse..."
            return f"{head} ({detail})"
        return expected
    return msg[:1].lower() + msg[1:]


def format_path(name: str, path: Path) -> str:
    parts = [name]
    for kind, key in path:
        parts.append(f".{key}" if kind == "attr" else f"[{key!r}]")
    return "".join(parts)


def _render(name: str, problem: _Problem) -> str:
    err = problem.error
    kind = err.get("type")
    where = format_path(name, problem.path)
    if kind == "missing":
        if not problem.path:
            return f"{where}: required, no value given"
        parent = format_path(name, problem.path[:-1])
        step, key = problem.path[-1]
        what = f"field {key!r}" if step == "attr" or isinstance(key, str) else f"item {key}"
        return f"{parent}: missing required {what}, got {short_repr(err.get('input'))}"
    if kind == "extra_forbidden":
        return f"{where}: unexpected field"
    expected = _expected(err)
    if kind in ("value_error", "assertion_error"):
        return f"{where}: {expected}"
    return f"{where}: expected {expected}, got {short_repr(err.get('input'))}"


def explain(
    exc: ValidationError, names: Sequence[str], hints: Sequence[Any], values: Sequence[Any]
) -> dict[str, list[str]]:
    """The errors of validating ``values`` as ``tuple[hints...]`` -> parameter name -> one line
    per problem (each starting with its location, e.g. ``history[0].content``)."""
    by_index: dict[int, list[tuple[tuple[Any, ...], Mapping[str, Any]]]] = {}
    other: list[str] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        if loc and isinstance(loc[0], int) and 0 <= loc[0] < len(names):
            by_index.setdefault(loc[0], []).append((loc[1:], err))
        else:
            other.append(str(err.get("msg", "invalid")))
    out: dict[str, list[str]] = {}
    for index, items in by_index.items():
        name = names[index]
        value = values[index] if index < len(values) else _MISSING
        problems = _walk(hints[index] if index < len(hints) else None, value, items, ())
        out[name] = list(dict.fromkeys(_render(name, p) for p in problems))
    if other:
        out.setdefault("*args", []).extend(other)
    return out
