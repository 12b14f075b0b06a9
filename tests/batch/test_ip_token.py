"""The end user's ``x-ip-token`` is forwarded to Space hosts, and only there.

App A (tests/apps/ip_relay.py) calls app B (tests/apps/batch_app.py ``/headers``: the
``x-ip-token`` B received) from its event handlers, through gradio-gen clients built at
import time (outside any handler: gradio_client would forward nothing then). B is a Space
of the fake Hub (its host is the Hub's recording proxy on 127.0.0.2) or a plain URL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from gradio_gen_runtime import Client

from tests.fake_hub import FakeHub
from tests.servers import RunningApps, launch

pytestmark = pytest.mark.timeout(180)
TOKEN = "ipt-visitor-123"


@pytest.fixture(scope="module")
def relay(batch_apps: RunningApps) -> Iterator[tuple[str, FakeHub]]:
    b_url = batch_apps["batch_app"]
    with FakeHub() as hub:
        hub.add_space("owner/b", upstream=b_url.rstrip("/"))
        env = {
            "HF_ENDPOINT": hub.url,
            "IPT_SPACE": "owner/b",
            "IPT_URL": b_url,
            "NO_PROXY": "127.0.0.1,127.0.0.2,localhost",
            "HF_TOKEN": "",
        }
        with launch(["ip_relay"], env=env) as a:
            yield a.url, hub


@pytest.mark.parametrize("endpoint", ["/via_space", "/via_space_async", "/via_space_map"])
def test_the_visitors_token_reaches_the_space_on_every_call(
    relay: tuple[str, FakeHub], endpoint: str
) -> None:
    a_url, _ = relay
    expected = TOKEN if endpoint != "/via_space_map" else f"{TOKEN},{TOKEN}"
    with Client(a_url, headers={"x-ip-token": TOKEN}) as visitor:
        assert visitor.predict(endpoint) == expected
        assert visitor.predict(endpoint) == expected  # every call, not only the first
    with Client(a_url, headers={"x-ip-token": "someone-else"}) as other:
        assert other.predict(endpoint).split(",")[0] == "someone-else"  # per request
    with Client(a_url) as anonymous:
        assert anonymous.predict(endpoint).split(",")[0] == ""  # none: nothing is forwarded


def test_never_to_other_hosts(relay: tuple[str, FakeHub]) -> None:
    a_url, hub = relay
    with Client(a_url, headers={"x-ip-token": TOKEN}) as visitor:
        assert visitor.predict("/via_url") == ""  # B by its plain URL: not a Space host
        visitor.predict("/via_space")
    to_space = [r for r in hub.requests("space:owner/b") if "queue/join" in r.path]
    assert to_space and any(r.headers.get("x-ip-token") == TOKEN for r in to_space)
    for request in hub.requests("hub"):
        assert "x-ip-token" not in request.headers, request.path
    assert all(TOKEN not in json.dumps(r.headers) for r in hub.requests("hub"))
