"""``Shaper``: a job's outputs in the job's shape, on demand (one logic for ``Job`` and
``AsyncJob``).

A job does not keep every output shaped (a token stream's outputs sum to the square of its
length; ``_protocol._outputs``): it shapes an output when it is read, and keeps the last one
shaped (a caller reading the output it just read again, or several readers at the same
place) and the final one (``result()`` and the final update give one object).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .._protocol._events import EventRecord
from .._spec import EndpointSpec

R = TypeVar("R")


class Shaper(Generic[R]):
    __slots__ = ("_ep", "_final", "_last", "_record", "_transform")

    def __init__(
        self, ep: EndpointSpec, record: EventRecord, transform: Callable[[list[Any]], R]
    ) -> None:
        self._ep = ep
        self._record = record
        self._transform = transform
        self._last: tuple[int, R] | None = None
        self._final: tuple[int, R] | None = None

    def __call__(self, index: int, wire: list[Any] | None = None) -> R:
        """Output ``index`` shaped (``wire``: its values, when the caller has them). The sync
        job calls it under its session's lock."""
        last = self._last
        if last is None or last[0] != index:
            final = self._final
            if final is not None and final[0] == index:
                return final[1]
            if wire is None:
                wire = self._record.outputs[index]
            last = self._last = (index, self._transform(self._ep.from_wire(wire)))
        record = self._record
        if self._final is None and record.outcome is not None and index == len(record.outputs) - 1:
            self._final = last
        return last[1]
