"""Fixtures for the reliability suite: one process serving the reliability apps, a fault proxy
in front of the main one per test, and a health check around every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faultproxy import FaultProxy
from tests.runtime._bridge import Harness, make_harness
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


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest, proxy: FaultProxy) -> Iterator[Harness]:
    """Drives a ``Client`` or an ``AsyncClient`` through one blocking API."""
    h = make_harness(str(request.param))
    try:
        yield h
    finally:
        h.close()


@pytest.fixture
def hbaseline(harness: Harness) -> Baseline:
    return Baseline()  # after the harness' loop thread exists
