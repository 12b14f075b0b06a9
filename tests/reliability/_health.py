"""Process health checks: no thread, socket or file descriptor left behind."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from pathlib import Path


def open_fds() -> set[str]:
    """``fd -> target`` of every open descriptor of this process (sockets carry their inode,
    so a new socket that reuses a number is still a new entry)."""
    out = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):  # closed while listing (the listing's own)
            out.add(f"{fd.name}->{os.readlink(fd)}")
    return out


def sockets(fds: set[str]) -> set[str]:
    return {f for f in fds if "socket:" in f}


class Baseline:
    """Threads and descriptors now; ``check()`` waits (bounded) until nothing new is left."""

    def __init__(self) -> None:
        gc.collect()
        self.threads = set(threading.enumerate())
        self.fds = open_fds()

    def leftovers(self) -> tuple[list[threading.Thread], set[str]]:
        gc.collect()
        threads = [t for t in threading.enumerate() if t not in self.threads and t.is_alive()]
        return threads, open_fds() - self.fds

    def check(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            threads, fds = self.leftovers()
            if not threads and not fds:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"leaked threads {threads} / descriptors {sorted(fds)}")
            time.sleep(0.05)

    def new_threads(self) -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in self.threads and t.is_alive()]
