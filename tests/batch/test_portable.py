"""Clients travel: pickled to their settings, rebuilt with no I/O, reconnecting on their first
call; secrets only when asked; across a real process boundary (multiprocessing, spawn)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import pickle
import ssl
from types import ModuleType
from typing import Any

import httpx
import pytest
from gradio_gen_runtime import AsyncClient, Client

from tests.servers import RunningApps

pytestmark = pytest.mark.timeout(120)


def _no_io(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("unpickling made a request")

    monkeypatch.setattr(httpx.Client, "send", refuse)
    monkeypatch.setattr(httpx.AsyncClient, "send", refuse)


def test_sync_client_round_trip_without_io(batch_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Client(batch_url, max_retries=1, timeout=30) as client:
        assert client.predict("/square", 3, 0) == 9
        data = pickle.dumps(client)
    with monkeypatch.context() as m:
        _no_io(m)
        copy = pickle.loads(data)
    with copy:
        assert copy.spec.endpoint("/square").fn_index == client.spec.endpoint("/square").fn_index
        assert copy.session_hash != client.session_hash  # a session of its own
        assert (copy.timeout, copy._max_retries) == (client.timeout, 1)
        assert copy.predict("/square", 4, 0) == 16


def test_login_waits_for_the_first_call(
    batch_apps: RunningApps, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.servers import launch

    with launch(["rt_auth"]) as auth_app, Client(auth_app.url, auth=("user", "s3cret")) as client:
        client.pickle_secrets = True  # the password travels: asked for
        data = pickle.dumps(client)
        assert b"s3cret" in data
        with monkeypatch.context() as m:
            _no_io(m)
            copy = pickle.loads(data)  # a sync client logs in in its constructor: not here
        with copy:
            assert copy.predict("/reverse", "abc") == "cba"


def test_secrets_stay_behind_by_default(
    batch_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with Client(batch_url) as live:
        snapshot = {"config": live.config, "info": live.view_api()}
    client = Client(  # with a snapshot: no request (the proxy is not real)
        batch_url,
        hf_token="hf_secret_token",
        headers={"X-Api-Key": "key-123"},
        proxy="http://user:proxy-pass@127.0.0.1:9",
        snapshot=snapshot,
    )
    with client, caplog.at_level(logging.WARNING, logger="gradio_gen"):
        data = pickle.dumps(client)
        pickle.dumps(client)
    for secret in (b"hf_secret_token", b"key-123", b"proxy-pass"):
        assert secret not in data
    warnings = [r for r in caplog.records if "pickle_secrets" in r.getMessage()]
    assert len(warnings) == 1  # once per client
    assert "hf_token" in warnings[0].getMessage() and "headers" in warnings[0].getMessage()
    monkeypatch.setenv("HF_TOKEN", "hf_worker_token")
    copy = pickle.loads(data)
    with copy:
        assert copy._token_policy.token == "hf_worker_token"  # resolved on "that machine"
        assert copy._headers == {} and copy._proxy is None
    client2 = Client(batch_url, hf_token="hf_secret_token", headers={"X-Api-Key": "key-123"})
    client2.pickle_secrets = True
    with client2:
        copy2 = pickle.loads(pickle.dumps(client2))
    with copy2:
        assert copy2._token_policy.token == "hf_secret_token"
        assert copy2._headers == {"X-Api-Key": "key-123"} and copy2.pickle_secrets


def test_an_ssl_context_cannot_travel(batch_url: str) -> None:
    with (
        Client(batch_url, verify=ssl.create_default_context()) as client,
        pytest.raises(pickle.PicklingError, match="CA bundle"),
    ):
        pickle.dumps(client)


def test_async_client_pickled_before_connecting(
    batch_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = pickle.dumps(AsyncClient(batch_url))
    with monkeypatch.context() as m:
        _no_io(m)
        copy = pickle.loads(data)

    async def main() -> Any:
        async with copy:
            return await copy.predict("/square", 5, 0)

    assert asyncio.run(main()) == 25


def test_generated_clients_round_trip(
    batch_url: str, batch_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    with batch_module.BatchApp(batch_url, on_drift="ignore", timeout=20) as client:
        data = pickle.dumps(client)
    with monkeypatch.context() as m:
        _no_io(m)
        copy = pickle.loads(data)
        acopy = pickle.loads(pickle.dumps(batch_module.AsyncBatchApp(batch_url)))
    with copy:
        assert type(copy) is batch_module.BatchApp and copy._drift.on_drift == "ignore"
        assert copy._engine.timeout.read == 20
        assert list(copy.square.map([(2.0,), (3.0,)])) == [4.0, 9.0]

    async def main() -> float:
        async with acopy:
            return float(await acopy.square(6.0))

    assert asyncio.run(main()) == 36.0


def _in_another_process(client: Client) -> tuple[int, list[Any]]:
    import os

    with client:
        return os.getpid(), list(client.map("/square", [(2, 0), (3, 0)]))


def test_a_client_crosses_a_process_boundary(batch_url: str) -> None:
    import os

    context = multiprocessing.get_context("spawn")
    with (
        Client(batch_url) as client,
        concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool,
    ):
        pid, out = pool.submit(_in_another_process, client).result(timeout=90)
    assert pid != os.getpid() and out == [4, 9]
