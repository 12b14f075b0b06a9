"""How a generated endpoint validates its inputs and outputs (``_Shapes``, one per endpoint
class, built on first use from the generated signature's type hints).

Hand checks for plain values: the typed layer's fast path around pydantic.

Most endpoint parameters and outputs are plain: ``str``, ``int``, ``float``, ``bool``, a
``Literal`` of those, optionally ``| None`` or ``| NotGiven``. Building a pydantic
``TypeAdapter`` for them costs about 1 ms per endpoint, plus 10-15 ms of pydantic's own lazy
imports for the first adapter of the process, all on the first call. A ``Check`` accepts only
the values whose pydantic result is certain (the exact type, or an ``int`` for a ``float``,
converted as pydantic's lax mode does) and answers ``MISS`` for anything else; the caller then
validates with the real adapter, so every accepted value, conversion and error message stays
pydantic's own. Nothing is weakened: a value a check accepts is one pydantic accepts, with the
same result.
"""

from __future__ import annotations

import sys
import threading
import types
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ["MISS", "Check", "plain_check", "validation_error"]

MISS: Any = object()
"""A check's answer for a value it does not decide (validate it with pydantic)."""

Check = Callable[[Any], Any]


class _NotRaised(Exception):
    """Matches nothing anybody raises (see ``validation_error``)."""


def validation_error() -> type[Exception]:
    """pydantic's ``ValidationError``, for an ``except validation_error():`` clause (Python
    evaluates it only when something was raised). pydantic is imported on first need (a
    ``TypeAdapter`` built here, a generated model): until then nothing can raise its error,
    and the answer is an exception class nothing raises, so a client whose values the hand
    checks decide never imports pydantic."""
    core = sys.modules.get("pydantic_core")
    return _NotRaised if core is None else core.ValidationError  # type: ignore[no-any-return]


_EXACT_FLOAT = 2**53  # ints up to this convert to float exactly


def _exact(kind: type) -> Check:
    def check(value: Any) -> Any:
        return value if type(value) is kind else MISS

    return check


def _float(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value
    if kind is int and -_EXACT_FLOAT <= value <= _EXACT_FLOAT:
        return float(value)  # pydantic's lax int -> float
    return MISS


def _none(value: Any) -> Any:
    return None if value is None else MISS


_SCALARS = (str, int, float, bool)


def _literal(choices: tuple[Any, ...]) -> Check | None:
    import enum

    if not all(type(c) in _SCALARS or isinstance(c, enum.Enum) for c in choices):
        return None

    def check(value: Any) -> Any:
        for choice in choices:
            if type(choice) is type(value) and (choice is value or choice == value):
                return choice
        return MISS

    return check


def plain_check(hint: Any, *, in_union: bool = False) -> Check | None:
    """A check for ``hint`` if it is plain, else ``None`` (validate with pydantic).

    Inside a union only exact-type matches are decided (pydantic's smart union prefers an
    exact match; a conversion such as int -> float could be beaten by another member)."""
    if hint in (str, int, bool):
        return _exact(hint)
    if hint is float:
        return _exact(float) if in_union else _float
    if hint is None or hint is type(None):
        return _none
    origin = typing.get_origin(hint)
    if origin is Literal:
        return _literal(typing.get_args(hint))
    if origin is typing.Union or origin is types.UnionType:
        checks = [plain_check(arg, in_union=True) for arg in typing.get_args(hint)]
        if any(c is None for c in checks):
            return None
        members: list[Check] = [c for c in checks if c is not None]

        def check(value: Any) -> Any:
            for member in members:
                result = member(value)
                if result is not MISS:
                    return result
            return MISS

        return check
    return None  # Annotated (constraints), models, files, containers...: pydantic decides


class _Shapes:
    """Per endpoint class: how to validate its inputs and outputs, worked out on first use.

    Plain parameters and outputs (``_plain``) are checked by hand; pydantic ``TypeAdapter``s
    are built only when a value needs them (a non-plain type, or a value the hand check does
    not decide), so a call with plain values never builds one."""

    def __init__(self, owner: type) -> None:
        fn = owner.__dict__["__call__"]
        hints = typing.get_type_hints(fn, include_extras=True)
        names = [
            n
            for n in fn.__code__.co_varnames[
                1 : fn.__code__.co_argcount + fn.__code__.co_kwonlyargcount
            ]
        ]
        self.names: list[str] = names
        self._input_hints = tuple(hints[n] for n in names)
        checks = [plain_check(h) for h in self._input_hints]
        self._input_checks: list[Check] | None = (
            None if any(c is None for c in checks) else [c for c in checks if c is not None]
        )
        self._inputs: TypeAdapter[Any] | None = None
        ret = hints.get("return", type(None))
        self.result_type: Any = ret
        self.tuple_output = isinstance(ret, type) and issubclass(ret, tuple)
        self.none_output = ret is type(None) or ret is None
        fields = typing.get_type_hints(ret, include_extras=True) if self.tuple_output else {}
        self._output_hints: list[Any] = (
            [fields[f] for f in ret._fields] if self.tuple_output else [ret]
        )
        self._output_checks = [plain_check(h) for h in self._output_hints]
        self._outputs: list[TypeAdapter[Any] | None] = [None] * len(self._output_hints)
        self.cold = self._input_checks is None or any(c is None for c in self._output_checks)
        """Some validator is pydantic's and not built yet (``warm`` builds them all)."""

    def warm(self) -> None:
        """Build every pydantic adapter the non-plain parameters and outputs need (the async
        layer runs this off the event loop before an endpoint's first call)."""
        if self._input_checks is None:
            self.inputs  # noqa: B018 - builds it
        for i, check in enumerate(self._output_checks):
            if check is None:
                self.output_adapter(i)
        self.cold = False

    @property
    def inputs(self) -> TypeAdapter[Any]:
        """The pydantic adapter of the whole argument tuple (built on first need)."""
        if self._inputs is None:
            from pydantic import TypeAdapter  # imported on first need

            shape: Any = tuple  # tuple[(a, b)] is tuple[a, b]
            self._inputs = TypeAdapter(shape[self._input_hints])
        return self._inputs

    def plain_inputs(self, values: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """``values`` validated by hand, or ``None`` when pydantic must decide."""
        checks = self._input_checks
        if checks is None or len(values) != len(checks):
            return None
        out = tuple(check(v) for check, v in zip(checks, values, strict=True))
        return None if any(v is MISS for v in out) else out

    def validate_inputs(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """Validated arguments (raises pydantic's ``ValidationError``)."""
        plain = self.plain_inputs(values)
        if plain is not None:
            return plain
        validated: tuple[Any, ...] = self.inputs.validate_python(values)
        return validated

    @property
    def outputs(self) -> list[TypeAdapter[Any]]:
        """The pydantic adapter of each output (all built)."""
        return [self.output_adapter(i) for i in range(len(self._output_hints))]

    def output_adapter(self, i: int) -> TypeAdapter[Any]:
        adapter = self._outputs[i]
        if adapter is None:
            from pydantic import TypeAdapter  # imported on first need

            adapter = self._outputs[i] = TypeAdapter(self._output_hints[i])
        return adapter

    def output_check(self, i: int) -> Check | None:
        """The hand check of output ``i`` (``None`` when pydantic always decides)."""
        return self._output_checks[i]

    def validate_output(self, i: int, raw: Any) -> Any:
        """One output validated into its declared type (raises ``ValidationError``)."""
        check = self._output_checks[i]
        if check is not None:
            value = check(raw)
            if value is not MISS:
                return value
        return self.output_adapter(i).validate_python(raw)


_shapes_lock = threading.Lock()
_shapes: dict[type, _Shapes] = {}


def _shapes_of(owner: type) -> _Shapes:
    found = _shapes.get(owner)
    if found is None:
        with _shapes_lock:
            found = _shapes.get(owner)
            if found is None:
                found = _shapes[owner] = _Shapes(owner)
    return found
