"""The files of ``gradio-gen batch``: JSONL rows in, JSONL results out (resumable), and
results turned into JSON.

Input: one JSON value per line, an object (keyword arguments) or an array (positional
arguments); a row's ``index`` is its 0-based line number, so it stays the same from run to
run. Blank lines are ignored. A line that is not JSON, or not an object or array, is a
``BadLine`` (the caller skips it or stops).

Output: one line per finished row, ``{"index": i, "output": ..., "error": null}`` or
``{"index": i, "output": null, "error": "Type: message"}``, appended with one ``write()`` per
line as the row finishes (so a killed process leaves at most a partial last line, never a
torn one in the middle), flushed to the OS at once and ``fsync``-ed at most once per second
and at the end (a power cut may lose the last second; a crash of the process loses nothing
written). Reopening it for a rerun (``ResultLog.open``) drops a partial last line and
reads which indexes are done: those rows are not sent again.

Outputs become JSON as follows: a ``File`` -> its downloaded path (under ``--download-dir``,
as the directory was given), a pydantic model -> an object by field alias (extra fields
kept), a ``NamedTuple`` (several outputs of a generated client) -> an object by field name,
any other tuple (several outputs of the untyped client) -> an array, enums -> their value,
anything else JSON cannot hold -> ``str()``.
"""

from __future__ import annotations

import enum
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["BadLine", "ResultLog", "read_rows", "to_json"]

FSYNC_EVERY = 1.0
"""Seconds between two ``fsync`` of the output (it is also synced when the run ends)."""


class BadLine(Exception):
    """An input line that is not a JSON object or array."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        self.line = line
        super().__init__(f"{path}:{line}: {reason}")


@dataclass(frozen=True)
class InputRow:
    index: int
    """0-based line number."""
    args: tuple[Any, ...] | dict[str, Any]


def read_rows(handle: BinaryIO, path: str) -> Iterator[InputRow | BadLine]:
    """Every non-blank line of ``handle`` as an ``InputRow``, or the ``BadLine`` it is
    (yielded, not raised: the caller decides). Reads one line at a time."""
    for index, raw in enumerate(handle):
        text = raw.strip()
        if not text:
            continue
        try:
            value = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            yield BadLine(path, index + 1, f"not valid JSON ({reason})")
            continue
        if isinstance(value, dict):
            yield InputRow(index, value)
        elif isinstance(value, list):
            yield InputRow(index, tuple(value))
        else:
            yield BadLine(
                path,
                index + 1,
                f"a row must be a JSON object (keyword arguments) or array (positional "
                f"arguments), not {type(value).__name__}",
            )


def count_lines(path: str) -> int:
    """Lines in ``path`` (for a progress bar's total), read in 1 MiB blocks."""
    count = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
    return count


# -- outputs -> JSON ----------------------------------------------------------------------


def to_json(value: Any) -> Any:
    """A result as plain JSON data (the rules are in the module docstring)."""
    from gradio_gen_runtime._files._file import File
    from pydantic import BaseModel

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, File):
        return str(value.local_path) if value.local_path is not None else value.url or value.path
    if isinstance(value, BaseModel):
        out = {
            (info.alias or name): to_json(getattr(value, name))
            for name, info in type(value).model_fields.items()
        }
        out.update({k: to_json(v) for k, v in (value.model_extra or {}).items()})
        return out
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {name: to_json(v) for name, v in zip(value._fields, value, strict=True)}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    return str(value)


# -- the output log -------------------------------------------------------------------------


class ResultLog:
    """The output JSONL: which indexes are done, and appending finished rows."""

    def __init__(self, path: Path, fd: int, done: bytearray, counts: tuple[int, int]) -> None:
        self.path = path
        self._fd = fd
        self._done = done
        self.previous_ok, self.previous_failed = counts
        self._synced = time.monotonic()

    @classmethod
    def open(cls, path: Path, *, retry_failed: bool) -> ResultLog:
        """Open (create) ``path`` for appending, after reading the rows already in it. A
        partial last line (a write cut by a crash) is removed; any other line that is not a
        result line is an error (``ValueError`` naming it): nothing is appended after it."""
        done = bytearray()
        ok = failed = 0
        if path.exists():
            keep = 0
            with path.open("rb") as handle:
                for number, raw in enumerate(handle, 1):
                    entry = _parse_result(raw)
                    if entry is None:
                        if not raw.endswith(b"\n"):
                            break  # the partial last line of a killed run
                        raise ValueError(f"{path}:{number}: not a result line of gradio-gen batch")
                    index, has_error = entry
                    keep += len(raw)
                    if has_error and retry_failed:
                        _set(done, index, False)
                        continue
                    if not _get(done, index):
                        ok, failed = ok + (not has_error), failed + has_error
                    _set(done, index, True)
            size = path.stat().st_size
            if keep < size:
                with path.open("r+b") as handle:
                    handle.truncate(keep)
            elif keep and _last_byte(path) != b"\n":  # a complete last line, unterminated
                with path.open("ab") as handle:
                    handle.write(b"\n")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return cls(path, fd, done, (ok, failed))

    def is_done(self, index: int) -> bool:
        return _get(self._done, index)

    def write(self, index: int, output: Any, error: str | None) -> None:
        """Append one row (one ``write()``), flushed to the OS; ``fsync`` at most once a second."""
        line = json.dumps(
            {"index": index, "output": output, "error": error}, ensure_ascii=False
        ).encode("utf-8")
        data = memoryview(line + b"\n")
        while data:
            written = os.write(self._fd, data)
            data = data[written:]
        _set(self._done, index, True)
        now = time.monotonic()
        if now - self._synced >= FSYNC_EVERY:
            os.fsync(self._fd)
            self._synced = now

    def close(self) -> None:
        if self._fd >= 0:
            try:
                os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = -1


def _last_byte(path: Path) -> bytes:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)


def _parse_result(raw: bytes) -> tuple[int, bool] | None:
    """``(index, has_error)`` of a result line, ``None`` if it is not one."""
    try:
        entry = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict):
        return None
    index = entry.get("index")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0 or "error" not in entry:
        return None
    return index, entry["error"] is not None


def _get(bits: bytearray, index: int) -> bool:
    byte = index >> 3
    return byte < len(bits) and bool(bits[byte] & (1 << (index & 7)))


def _set(bits: bytearray, index: int, value: bool) -> None:
    byte = index >> 3
    if byte >= len(bits):
        if not value:
            return
        bits.extend(bytes(byte + 1 - len(bits)))
    if value:
        bits[byte] |= 1 << (index & 7)
    else:
        bits[byte] &= ~(1 << (index & 7)) & 0xFF
