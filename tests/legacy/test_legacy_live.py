"""What the matrix app does not show, against real old releases: queue-full in each era's
form, a 3.x app without a queue (called through ``run/predict``; a generator there is a typed
error before any request), the untyped client's own connect (``/config`` + ``/info`` without
the ``/gradio_api`` prefix)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from gradio_gen_runtime import (
    AppError,
    AsyncClient,
    CancelledError,
    Client,
    QueueFullError,
    UnsupportedFeatureError,
)

from tests.legacy.venvs import venv_python
from tests.servers import launch

APPS = Path(__file__).resolve().parent / "apps"
pytestmark = pytest.mark.timeout(300)


@pytest.mark.parametrize("release", ["3.50.2", "4.8.0", "4.16.0"])
def test_queue_full_in_every_eras_form(release: str) -> None:
    with launch([APPS / "tiny_queue.py"], python=venv_python(release), timeout=120) as app:
        with Client(app.url) as client:
            assert client.dialect.protocol == {"3.50.2": "ws", "4.8.0": "sse"}.get(
                release, "sse_v1"
            )
            jobs = []
            with pytest.raises(QueueFullError) as caught:
                for _ in range(6):  # one runs, one waits, then the queue is full
                    jobs.append(client.submit("/hold", 1.5))
                    deadline = time.monotonic() + 10
                    while jobs[-1].status().code == "pending" and time.monotonic() < deadline:
                        time.sleep(0.02)
            assert 1 <= len(jobs) <= 3, jobs  # how many fit differs per release
            assert caught.value.status_code == 503
            assert [job.result(timeout=30) for job in jobs] == [1.5] * len(jobs)

        async def main() -> None:
            async with AsyncClient(app.url) as aclient:
                jobs = [await aclient.submit("/hold", 1.0)]
                with pytest.raises(QueueFullError):
                    for _ in range(6):
                        jobs.append(await aclient.submit("/hold", 1.0))
                        await asyncio.sleep(0.1)
                for job in jobs:
                    await job.result(timeout=30)

        asyncio.run(main())


def test_3x_app_without_a_queue_is_called_directly() -> None:
    with launch([APPS / "no_queue.py"], python=venv_python("3.50.2"), timeout=120) as app:
        config = httpx.get(app.url + "config").json()
        assert config["enable_queue"] is False and "protocol" not in config
        with Client(app.url) as client:
            assert client.dialect.transport == "direct"
            assert client.predict("/echo", "x") == "x"
            job = client.submit("/echo", "y")
            assert job.result(timeout=30) == "y" and job.status().code == "done"
            with pytest.raises(AppError) as failed:
                client.predict("/echo", "fail")
            assert failed.value.message == "no queue, still an error"
            slow = client.submit("/slow", "z")
            assert slow.cancel() is True
            with pytest.raises(CancelledError, match="cannot stop it"):
                slow.result(timeout=10)
            with pytest.raises(UnsupportedFeatureError) as caught:
                client.submit("/count", 2)  # 3.x streams only through its queue
            assert caught.value.version == "3.50.2" and "demo.queue()" in str(caught.value)

        async def main() -> list[str]:
            async with AsyncClient(app.url) as aclient:
                return list(await asyncio.gather(*(aclient.predict("/echo", t) for t in "abc")))

        assert asyncio.run(main()) == ["a", "b", "c"]


@pytest.mark.parametrize("release", ["3.50.2", "4.20.1"])
def test_untyped_client_connects_without_the_gradio_api_prefix(release: str) -> None:
    app_file = Path(__file__).resolve().parent / "apps" / "matrix_app.py"
    with (
        launch([app_file], python=venv_python(release), timeout=120) as app,
        Client(app.url) as client,
    ):
        assert client.spec.api_prefix == ""
        assert client.predict("/greet", "Ada", 1) == "Hello, Ada!"
        job = client.submit("/count", 3)
        assert [u.status.code for u in job.updates()][-1] == "done"
        assert job.outputs() == ["0", "1", "2"]
