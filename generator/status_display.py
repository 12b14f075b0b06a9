"""Show a Space's status while the CLI waits for it (a ``status_callback`` for the runtime).

    with SpaceStatusPrinter() as printer:
        snapshot = fetch(..., status_callback=printer)

On a terminal it keeps one line with a spinner, rewritten in place; otherwise (a pipe, CI logs)
it writes one plain line per status change. Output goes to stderr so stdout stays clean for a
generated module. The spinner thread runs only while the Space is not running and is always
stopped by ``close()`` (or leaving the ``with`` block).
"""

from __future__ import annotations

import itertools
import sys
import threading
from types import TracebackType
from typing import TextIO

from gradio_gen_runtime._hub._status import SpaceStatus

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ASCII_FRAMES = "|/-\\"


def describe(status: SpaceStatus) -> str:
    """``Space owner/name: building (BUILDING). Space is building...``"""
    detail = f" {status.detail}" if status.detail else ""
    return f"Space {status.space_id}: {status.status} ({status.stage}). {status.message}{detail}"


class SpaceStatusPrinter:
    """A ``status_callback`` that prints; thread-safe; use it as a context manager."""

    def __init__(
        self, stream: TextIO | None = None, *, tty: bool | None = None, interval: float = 0.1
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        encoding = (getattr(self.stream, "encoding", None) or "ascii").lower()
        frames = FRAMES if "utf" in encoding else ASCII_FRAMES
        self._frames = itertools.cycle(frames)
        self._interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._text = ""
        self._width = 0
        self.lines: list[str] = []
        """Every status line shown (also in TTY mode), for callers that want a summary."""

    def __call__(self, status: SpaceStatus) -> None:
        text = describe(status)
        with self._lock:
            self.lines.append(text)
            self._text = text
            if not self.tty:
                self.stream.write(text + "\n")
                self.stream.flush()
                return
            if status.status == "running" or status.status in ("paused", "error"):
                self._draw(final=True)
                self._stop_spinner_locked()
                return
            self._draw()
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._spin, name="gradio-gen-status", daemon=True
                )
                self._thread.start()

    def _spin(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                if self._stop.is_set():
                    return
                self._draw()

    def _draw(self, *, final: bool = False) -> None:
        prefix = "  " if final else f"{next(self._frames)} "
        line = prefix + self._text
        pad = " " * max(self._width - len(line), 0)
        self._width = len(line)
        self.stream.write("\r" + line + pad + ("\n" if final else ""))
        if final:
            self._width = 0
        self.stream.flush()

    def _stop_spinner_locked(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            self._lock.release()
            try:
                thread.join(2)
            finally:
                self._lock.acquire()

    def close(self) -> None:
        """Stop the spinner and end its line (idempotent)."""
        with self._lock:
            if self._thread is not None:
                self._stop_spinner_locked()
                if self._width:
                    self.stream.write("\n")
                    self._width = 0
                    self.stream.flush()

    def __enter__(self) -> SpaceStatusPrinter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
