"""Fixtures for runtime tests: one process serving every runtime test app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import RunningApps, launch

from ._bridge import Harness, make_harness

RUNTIME_APPS = ["basic", "rt_main", "rt_iface", "rt_auth", "rt_small"]


@pytest.fixture(scope="session")
def rt_apps() -> Iterator[RunningApps]:
    with launch(RUNTIME_APPS) as running:
        yield running


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def harness(flavor: str) -> Iterator[Harness]:
    """Opens clients of the chosen flavour with one API (async driven from a loop thread)."""
    h = make_harness(flavor)
    try:
        yield h
    finally:
        h.close()


@pytest.fixture(scope="session")
def png_file(rt_apps: RunningApps) -> dict[str, object]:
    """A 3x2 PNG uploaded to rt_main (FileData for the streaming-input endpoint)."""
    import io

    import httpx
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (3, 2)).save(buf, "PNG")
    url = rt_apps["rt_main"] + "gradio_api/upload"
    response = httpx.post(url, files=[("files", ("f.png", buf.getvalue()))], timeout=30)
    response.raise_for_status()
    return {"path": response.json()[0], "meta": {"_type": "gradio.FileData"}, "orig_name": "f.png"}
