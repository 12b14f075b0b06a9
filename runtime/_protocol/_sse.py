"""Server-sent events framing: bytes in, ``data`` payloads out. No I/O.

Follows the WHATWG event-stream rules the session stream needs: lines end in CRLF, LF or
CR (a CR at the end of one chunk and an LF at the start of the next are one line end);
``:`` lines are comments; a field without ``:`` has an empty value; one space after the
colon is dropped; several ``data:`` lines of one event are joined with ``\\n``; a blank
line dispatches the event; an event without data is dropped (so are ``event:``, ``id:``
and ``retry:``, which Gradio's queue stream never sends). A trailing event that was not
terminated by a blank line when the stream ends is discarded.
"""

from __future__ import annotations

import re

_LINE_END = re.compile(rb"\r\n|\r|\n")
_CR = 13
"""``b"\\r"`` as an int: ``_CR in chunk`` is the same test as ``b"\\r" in chunk``, which
CPython answers only after raising and clearing a ``TypeError`` (it tries the operand as a
byte value first), some 2,000 machine instructions per chunk."""


class SSEDecoder:
    """Incremental decoder: ``feed(chunk)`` returns the payloads completed by the chunk."""

    __slots__ = ("_data", "_partial", "_skip_lf")

    def __init__(self) -> None:
        self._partial: list[bytes] = []
        """Pieces of the current unfinished line (joined once, when its end arrives: a
        50 MB line fed in 64 KB chunks costs linear, not quadratic, time)."""
        self._data: list[str] | None = None
        self._skip_lf = False

    def feed(self, chunk: bytes) -> list[str]:
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not self._partial and _CR not in chunk:
            if (
                self._data is None
                and chunk[:6] == b"data: "
                and chunk.find(b"\n", 6) == len(chunk) - 2
                and chunk[-1:] == b"\n"
            ):  # exactly one whole event, ``data: PAYLOAD\n\n``: how a server sends each
                return [chunk[6:-2].decode("utf-8", errors="replace")]
            return self._feed_lf(chunk)
        out: list[str] = []
        start = 0
        for match in _LINE_END.finditer(chunk):  # only the new bytes are scanned
            end = match.start()
            if match.group() == b"\r" and match.end() == len(chunk):
                self._skip_lf = True  # the LF of a CRLF may come in the next chunk
            if self._partial:
                self._partial.append(chunk[start:end])
                line = b"".join(self._partial)
                self._partial = []
            else:
                line = chunk[start:end]
            self._line(line, out)
            start = match.end()
        if start < len(chunk):
            self._partial.append(chunk[start:])
        return out

    def _feed_lf(self, chunk: bytes) -> list[str]:
        """The common case, a chunk with LF line ends only and no unfinished line before it:
        the same rules as ``_line``, without a call per line."""
        out: list[str] = []
        *lines, rest = chunk.split(b"\n")
        data = self._data
        for line in lines:
            if not line:
                if data is not None:
                    out.append("\n".join(data))
                    data = None
                continue
            if line[:5] == b"data:":
                value = line[6:] if line[5:6] == b" " else line[5:]
            elif line == b"data":
                value = b""
            else:
                continue  # a comment, or a field the queue stream does not use
            text = value.decode("utf-8", errors="replace")
            if data is None:
                data = [text]
            else:
                data.append(text)
        self._data = data
        if rest:
            self._partial.append(rest)
        return out

    def _line(self, line: bytes, out: list[str]) -> None:
        if not line:
            if self._data is not None:
                out.append("\n".join(self._data))
                self._data = None
            return
        if line[:1] == b":":
            return
        name, colon, value = line.partition(b":")
        if name != b"data":
            return
        if colon and value[:1] == b" ":
            value = value[1:]
        text = value.decode("utf-8", errors="replace")
        if self._data is None:
            self._data = [text]
        else:
            self._data.append(text)

    @property
    def pending(self) -> bool:
        """True when bytes of an unfinished event are buffered."""
        return bool(self._partial) or self._data is not None
