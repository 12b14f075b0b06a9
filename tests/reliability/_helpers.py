"""Helpers shared by the reliability tests."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from tests.faultproxy import FaultProxy

from ._health import Baseline

JOIN = r"queue/join"
DATA = r"queue/data"


def assert_raises_exactly(
    exc_type: type[BaseException], fn: Callable[..., Any], *args: Any
) -> BaseException:
    """``fn(*args)`` raises exactly ``exc_type`` (not a subclass, not a parent)."""
    with pytest.raises(exc_type) as info:
        fn(*args)
    assert type(info.value) is exc_type, f"{type(info.value).__name__}: {info.value}"
    return info.value


def close_and_check(client: Any, proxy: FaultProxy, baseline: Baseline) -> None:
    """Close the client: its connections end and nothing it made is left behind."""
    client.close()
    assert proxy.wait_closed(5), "the client left connections open"
    baseline.check()


def dead_url() -> str:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"
