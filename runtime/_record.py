"""``Record``: the base of the small internal value classes every client defines at import
(the protocol's messages and the session's effects). No I/O.

Equality, hash and repr by field, the way a dataclass has them, without a dataclass's cost at
class creation: ``@dataclass`` compiles ``__init__``, ``__repr__`` and ``__eq__`` (frozen:
also ``__setattr__``, ``__delattr__`` and ``__hash__``) from source for every class, ~0.4 ms a
frozen class, which every program that imports a generated client pays on its cold start. A
record names its fields in ``__slots__`` (the order of its repr) and writes its own ``__init__``; the
methods below are shared. Fields are set once, in ``__init__`` (declared ``Final`` for type
checkers: the records replace frozen dataclasses).

Public types (``Status``, ``Update``, ``Timeout``, ``File``...) stay dataclasses: users may
``dataclasses.replace`` them. A record is an internal type only.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Record:
    """Equality (same class, equal fields), hash and ``Name(field=value, ...)`` repr over the
    fields named by a direct subclass's ``__slots__``."""

    __slots__ = ()
    _hidden: ClassVar[tuple[str, ...]] = ()
    """Fields left out of the repr (a dataclass's ``field(repr=False)``)."""

    def _names(self) -> tuple[str, ...]:
        names: tuple[str, ...] = self.__slots__  # the subclass's own
        return names

    def _fields(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._names()])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._names() if name not in self._hidden
        )
        return f"{type(self).__qualname__}({shown})"
