"""Fixtures for the reliability suite: one process serving the reliability apps, a fault proxy
in front of the main one per test, and a health check around every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faultproxy import FaultProxy
from tests.servers import RunningApps, launch

from ._health import Baseline


@pytest.fixture(scope="session")
def rel_apps() -> Iterator[RunningApps]:
    with launch(["rel_app", "rel_small"]) as running:
        yield running


@pytest.fixture
def proxy(rel_apps: RunningApps) -> Iterator[FaultProxy]:
    with FaultProxy(rel_apps["rel_app"]) as p:
        yield p


@pytest.fixture
def baseline(proxy: FaultProxy) -> Baseline:
    """Taken after the proxy started: ``check()`` after closing the client proves the client
    left no thread, socket or descriptor behind."""
    return Baseline()
