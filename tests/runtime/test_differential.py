"""Same inputs through gradio_client and our Client give equal results."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gradio_gen_runtime import AppError, Client

from tests.servers import RunningApps

gradio_client = pytest.importorskip("gradio_client")

CASES: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    ("basic", "/greet", ("World", True), {}),
    ("basic", "/greet", (), {"name": "Kw"}),
    ("basic", "/add", (1.5, -4), {}),
    ("basic", "/count", (5,), {}),
    ("basic", "/noq", ("banana",), {}),
    ("basic", "/noq", (), {}),
    ("rt_iface", "/calc", (6, "mul", 7), {}),
    ("rt_main", "/multi", (3, "q"), {}),
    ("rt_main", "/chat", ("hello", []), {}),
    ("rt_main", "/ticker", (4, 0.01), {}),
    ("rt_main", "/logs", ("x y",), {}),
]


@pytest.fixture(scope="module")
def clients(rt_apps: RunningApps) -> Iterator[dict[str, tuple[Any, Client]]]:
    out: dict[str, tuple[Any, Client]] = {}
    try:
        for app in ("basic", "rt_iface", "rt_main"):
            url = rt_apps[app]
            theirs = gradio_client.Client(url, verbose=False, download_files=False)
            out[app] = (theirs, Client(url))
        yield out
    finally:
        for theirs, ours in out.values():
            ours.close()
            theirs.close()


@pytest.mark.parametrize(("app", "endpoint", "args", "kwargs"), CASES)
def test_same_result_as_gradio_client(
    clients: dict[str, tuple[Any, Client]],
    app: str,
    endpoint: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    theirs, ours = clients[app]
    expected = theirs.predict(*args, api_name=endpoint, **kwargs)
    assert ours.predict(endpoint, *args, **kwargs) == expected


def test_same_intermediate_outputs_as_gradio_client(clients: dict[str, tuple[Any, Client]]) -> None:
    theirs, ours = clients["basic"]
    job = theirs.submit(4, api_name="/count")
    job.result(timeout=30)
    mine = ours.submit("/count", 4)
    mine.result()
    assert mine.outputs() == job.outputs()


def test_same_state_behaviour_as_gradio_client(clients: dict[str, tuple[Any, Client]]) -> None:
    theirs, ours = clients["basic"]
    expected = [theirs.predict(t, api_name="/counter") for t in "abc"]
    assert [ours.predict("/counter", t) for t in "abc"] == expected


def test_same_app_error_as_gradio_client(clients: dict[str, tuple[Any, Client]]) -> None:
    theirs, ours = clients["basic"]
    with pytest.raises(Exception) as their_error:
        theirs.predict("boom", api_name="/fail")
    with pytest.raises(AppError) as our_error:
        ours.predict("/fail", "boom")
    assert our_error.value.message == str(their_error.value)
    assert our_error.value.title == getattr(their_error.value, "title", None)
