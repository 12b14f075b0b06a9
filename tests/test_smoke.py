import httpx

from tests.servers import RunningApps


def test_basic_app_serves(basic_apps: RunningApps) -> None:
    r = httpx.get(basic_apps["basic"] + "config", timeout=10)
    assert r.status_code == 200
    assert r.json()["protocol"] == "sse_v3"
