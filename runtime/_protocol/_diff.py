"""Apply Gradio's generator edit operations (``[op, path, value]``). No I/O.

Values are never mutated in place: every container on an edited path is copied, so
outputs already handed to the caller stay as they were (persistent update, cost
proportional to the path length, not the value size). Any op that does not fit the
value (unknown op, missing key, index out of range, appending to a non-sequence) raises
``ProtocolError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._exceptions import ProtocolError


def apply_edits(value: Any, edits: Any) -> Any:
    """Return ``value`` with ``edits`` (a list of ``[op, path, value]``) applied in order."""
    if not isinstance(edits, list):
        raise ProtocolError(f"generator edits must be a list, got {type(edits).__name__}")
    for edit in edits:
        if not isinstance(edit, (list, tuple)) or len(edit) != 3:
            raise ProtocolError(f"malformed edit operation {edit!r}")
        op, path, new = edit
        if not isinstance(path, list):
            raise ProtocolError(f"edit path must be a list, got {path!r}")
        if not path and op == "append" and type(value) is str and type(new) is str:
            value = value + new  # what _apply -> _append do for a streamed token, inline
            continue
        value = _apply(value, op, path, new)
    return value


def _apply(value: Any, op: Any, path: Sequence[Any], new: Any) -> Any:
    if not path:
        if op == "replace":
            return new
        if op == "append":
            return _append(value, new, path)
        raise ProtocolError(f"edit {op!r} needs a non-empty path")
    head, rest = path[0], path[1:]
    container = _copy(value, path)
    key = _key(container, head, path, op=op if not rest else "")
    if rest:
        container[key] = _apply(container[key], op, rest, new)
        return container
    if op == "replace":
        container[key] = new
    elif op == "append":
        container[key] = _append(container[key], new, path)
    elif op == "add":
        if isinstance(container, list):
            container.insert(key, new)
        else:
            container[key] = new
    elif op == "delete":
        del container[key]
    else:
        raise ProtocolError(f"unknown edit operation {op!r}")
    return container


def _copy(value: Any, path: Sequence[Any]) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    raise ProtocolError(f"edit path {list(path)!r} goes into a {type(value).__name__}")


def _key(container: Any, key: Any, path: Sequence[Any], *, op: str) -> Any:
    """Validate ``key``; ``op`` is the operation when ``key`` is the last path element."""
    if isinstance(container, list):
        insert = op == "add"
        if isinstance(key, bool) or not isinstance(key, int):
            raise ProtocolError(f"edit path {list(path)!r}: list index {key!r} is not an integer")
        # negative indices count from the end, as in Python and JS: gradio's own differ
        # emits them for deletes nested in lists (it re-indexes them twice)
        limit = len(container) + (1 if insert else 0)
        if not -len(container) <= key < limit:
            raise ProtocolError(f"edit path {list(path)!r}: index {key} out of range")
        return key
    if not isinstance(key, str):
        raise ProtocolError(f"edit path {list(path)!r}: object key {key!r} is not a string")
    if op not in ("add", "replace") and key not in container:
        raise ProtocolError(f"edit path {list(path)!r}: no key {key!r}")
    return key


def _append(current: Any, new: Any, path: Sequence[Any]) -> Any:
    if isinstance(current, str) and isinstance(new, str):
        return current + new
    if isinstance(current, list) and isinstance(new, list):
        return current + new
    raise ProtocolError(
        f"edit path {list(path)!r}: cannot append {type(new).__name__} to {type(current).__name__}"
    )
