"""``OutputLog``: every output of one event, kept as it was received. No I/O.

A generator's ``process_generating`` messages after the first carry edits (``_diff``), not
values: output k of a token stream is the whole text so far, so keeping every output in
full costs the sum of their sizes, quadratic in the stream's length (10,000 tokens: ~280
MiB), while what was received is linear. The log keeps the edits instead, plus:

* the latest values (what a job that keeps up with the stream reads, in O(1));
* a full checkpoint at geometrically spaced entries (every ``CHECKPOINT_MIN`` entries at
  first, then every half of the entry's index), so any output is rebuilt from the nearest
  checkpoint at or before it by re-applying the stored edits (``_diff.apply_edits`` never
  mutates its inputs, so a rebuilt output equals the one first built). The checkpoints of
  a growing value sum to a few times its final size: linear in what was received;
* the last rebuilt output, so reading outputs in order (a job behind the stream, or one
  read after it ended) costs one step each.

Full values (the first yield, ``process_streaming`` answers, a final value, every yield of
a protocol without diffs) are stored as they are: they were received in full.

Not thread-safe by itself: the sync driver reads and writes it under its session lock.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from typing import Any

from ._diff import apply_edits

__all__ = ["CHECKPOINT_MIN", "OutputLog", "merge"]

CHECKPOINT_MIN = 32
"""Fewest edit entries between two checkpoints."""


def merge(values: list[Any], data: list[Any]) -> list[Any]:
    """``values`` with ``data`` (a list of edit lists, one per output) applied; ``values``
    is not modified. Raises ``ProtocolError`` for an edit that does not fit."""
    merged = list(values)
    for i, edits in enumerate(data):
        if i < len(merged):
            merged[i] = apply_edits(merged[i], edits)
        else:  # an output index appeared mid-run: edits against null
            merged.append(apply_edits(None, edits))
    return merged


class OutputLog:
    """A read-only sequence of an event's outputs (each a list of wire values), appended to
    by the session: ``append_full`` or ``append_edits``."""

    __slots__ = ("_base", "_full", "_items", "_latest", "_marks", "_memo")
    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable

    def __init__(self) -> None:
        self._items: list[Any] = []
        """Per output: its values (``_full[i]``) or the edits that made it from output i-1."""
        self._full = bytearray()
        self._marks: list[int] = []
        """Indices whose values are kept (full entries and checkpoints), ascending."""
        self._base: dict[int, list[Any]] = {}
        """The values at each of ``_marks``."""
        self._latest: list[Any] | None = None
        self._memo: tuple[int, list[Any]] | None = None
        """The last output rebuilt by ``__getitem__`` (index, values)."""

    def __len__(self) -> int:
        return len(self._items)

    @property
    def latest(self) -> list[Any] | None:
        """The last output's values (``None`` before the first)."""
        return self._latest

    def append_full(self, values: list[Any]) -> None:
        """An output received (or completed) as whole values."""
        index = len(self._items)
        self._items.append(values)
        self._full.append(1)
        self._marks.append(index)
        self._base[index] = values
        self._latest = values

    def append_edits(self, edits: list[Any], values: list[Any]) -> None:
        """An output received as ``edits`` of the last one, whose result is ``values``
        (``merge(latest, edits)``, which the session has already computed)."""
        items = self._items
        if not items:
            raise ValueError("the first output of an event must be whole values")
        index = len(items)
        last = self._marks[-1]
        if index - last >= max(CHECKPOINT_MIN, last // 2):
            self._marks.append(index)
            self._base[index] = values
        items.append(edits)
        self._full.append(0)
        self._latest = values

    def __getitem__(self, index: int) -> list[Any]:
        size = len(self._items)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("output index out of range")
        if index == size - 1:
            assert self._latest is not None
            return self._latest
        marks = self._marks
        start = marks[bisect_right(marks, index) - 1]
        if start == index:
            return self._base[index]
        memo = self._memo
        if memo is not None and start <= memo[0] <= index:
            start, values = memo  # closer than the checkpoint (or the very output)
        else:
            values = self._base[start]
        items = self._items
        for i in range(start + 1, index + 1):
            values = merge(values, items[i])
        self._memo = (index, values)
        return values

    def __iter__(self) -> Iterator[list[Any]]:
        """Every output in order, one step each (also those appended meanwhile)."""
        items, full = self._items, self._full
        values: list[Any] = []
        i = 0
        while i < len(items):
            values = items[i] if full[i] else merge(values, items[i])
            yield values
            i += 1

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OutputLog):
            return len(self) == len(other) and list(self) == list(other)
        if isinstance(other, list):
            return len(self) == len(other) and list(self) == other
        return NotImplemented

    def __repr__(self) -> str:
        return f"<OutputLog: {len(self)} outputs>"
