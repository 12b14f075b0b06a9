"""The fault proxy itself: bounded and clean (a harness that hangs would hide client bugs)."""

from __future__ import annotations

import contextlib
import socket
import time

import httpx

from tests.faultproxy import FaultProxy, Rule
from tests.servers import RunningApps

from ._health import Baseline


def test_stop_is_prompt_with_stalled_and_idle_connections(rel_apps: RunningApps) -> None:
    baseline = Baseline()
    proxy = FaultProxy(rel_apps["rel_app"]).start()
    proxy.add(Rule(r"^/config", "stall", point="response", seconds=60, times=None))
    idle = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    stalled = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    stalled.sendall(b"GET /config HTTP/1.1\r\nhost: x\r\n\r\n")
    deadline = time.monotonic() + 5
    while proxy.open_connections < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proxy.open_connections == 2
    started = time.monotonic()
    proxy.stop()
    assert time.monotonic() - started < 3
    assert not proxy._thread.is_alive()
    for s in (idle, stalled):
        with contextlib.suppress(ConnectionResetError):  # the proxy reset it, or:
            assert s.recv(1) == b""  # it hung up
        s.close()
    baseline.check()


def test_passthrough_and_log(rel_apps: RunningApps) -> None:
    with FaultProxy(rel_apps["rel_app"]) as proxy, httpx.Client(base_url=proxy.url) as http:
        direct = httpx.get(rel_apps["rel_app"] + "config", timeout=10).json()
        relayed = http.get("/config").json()
        assert (
            relayed["dependencies"] == direct["dependencies"] and relayed["root"] != direct["root"]
        )
        proxy.add(Rule(r"^/config", "status", status=503, retry_after="7"))
        refused = http.get("/config")
        assert refused.status_code == 503 and refused.headers["retry-after"] == "7"
        assert http.get("/config").status_code == 200  # times=1: the rule is spent
        assert [(e.status, e.injected) for e in proxy.log] == [
            (200, None),
            (503, "status"),
            (200, None),
        ]
