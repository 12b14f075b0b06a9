"""The version matrix: the same app suite against one real release per protocol line.

Each release serves ``apps/matrix_app.py`` (and its login variant) from its own cached venv
(``venvs.py``); a typed client is generated from a snapshot of the live app
(``{"config": GET /config, "info": GET {api}/info}``) and used sync and async: calls,
generators, status and progress, files both ways, ``gr.Image``, State, ``gr.Error``, cancel,
auth; gradio_client of the same release is the oracle. What is observed per release goes to
``compat.RESULTS`` (checked against the committed ``compat.json`` by
``test_matrix_results.py``; the README's table is rendered from that file).
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from gradio_gen.cli import main as gradio_gen_main
from gradio_gen_runtime import AppError, AuthenticationError, CancelledError, File

from tests.legacy.compat import RESULTS
from tests.legacy.venvs import RELEASES, venv_python
from tests.servers import launch

APPS = Path(__file__).resolve().parent / "apps"

pytestmark = pytest.mark.timeout(300)


@dataclass
class Served:
    release: str
    python: str
    url: str
    auth_url: str
    module: ModuleType

    def sync(self, **options: Any) -> Any:
        return self.module.Matrix(self.url, **options)

    def aio(self, **options: Any) -> Any:
        return self.module.AsyncMatrix(self.url, **options)

    def record(self, column: str, value: str) -> None:
        RESULTS.setdefault(self.release, {})[column] = value


def capture(url: str) -> dict[str, Any]:
    """What ``--save-schema`` would write: ``/config`` and the API info beside it."""
    with httpx.Client(timeout=30) as http:
        config = http.get(url + "config").raise_for_status().json()
        prefix = config.get("api_prefix")
        if not isinstance(prefix, str):
            prefix = (
                "" if str(config.get("version", "")).split(".")[0] in ("3", "4") else "/gradio_api"
            )
        api = url + prefix.strip("/") + ("/" if prefix.strip("/") else "")
        info = http.get(api + "info").raise_for_status().json()
    return {"config": config, "info": info}


def generate(snapshot: dict[str, Any], where: Path, release: str) -> ModuleType:
    schema = where / "snapshot.json"
    schema.write_text(json.dumps(snapshot))
    out = where / "matrix_client.py"
    code = gradio_gen_main([str(schema), "-o", str(out), "--class-name", "Matrix", "-q"])
    assert code == 0, f"gradio-gen failed for gradio {release}"
    name = "matrix_client_" + release.replace(".", "_")
    spec = importlib.util.spec_from_file_location(name, out)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=RELEASES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    release: str = request.param
    python = venv_python(release)
    apps = [APPS / "matrix_app.py", APPS / "matrix_auth.py"]
    with launch(apps, python=python, timeout=120) as running:
        url = running["matrix_app"]
        module = generate(capture(url), tmp_path_factory.mktemp(f"gradio-{release}"), release)
        served = Served(release, python, url, running["matrix_auth"], module)
        with served.sync() as client:
            served.record("protocol", client._engine.dialect.protocol)
        yield served


def test_call(served: Served) -> None:
    with served.sync() as client:
        assert client.greet("Ada", 2) == "Hello, Ada!Hello, Ada!"

    async def main() -> list[str]:
        async with served.aio() as client:
            return list(await asyncio.gather(client.greet("Bo", 1), client.greet("Cy", 1)))

    assert asyncio.run(main()) == ["Hello, Bo!", "Hello, Cy!"]
    served.record("call", "yes")


def test_generator_stream(served: Served) -> None:
    with served.sync() as client:
        job = client.count.submit(3)
        assert list(job) == ["0", "1", "2"]
        assert job.result() == "2" and job.status().code == "done"
        codes = [u.status.code for u in client.count.submit(2).updates()]
        assert "generating" in codes and codes[-1] == "done"

    async def main() -> list[str]:
        async with served.aio() as client:
            return [out async for out in await client.count.submit(4)]

    assert asyncio.run(main()) == ["0", "1", "2", "3"]
    served.record("stream", "yes")


def test_status_and_progress(served: Served) -> None:
    with served.sync() as client:
        job = client.steps.submit(3)
        updates = list(job.updates())
        assert job.result() == "did 3 steps"
    kinds = {u.kind for u in updates}
    descs = {p.desc for u in updates if u.kind == "progress" for p in u.status.progress}
    codes = [u.status.code for u in updates]
    assert "progress" in kinds and descs & {"Starting", "Looping"}, updates
    assert "processing" in codes and codes[-1] == "done"
    served.record("progress", "yes")


def test_files_both_ways(served: Served, tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"quiet")
    with served.sync() as client:
        loud = client.shout(path)
        assert isinstance(loud, File) and loud.read_bytes() == b"QUIET"
        again = client.shout(loud)  # an output file sent back as an input
        assert again.read_bytes() == b"QUIET"
        saved = loud.download(tmp_path / "out")
        assert saved.read_bytes() == b"QUIET"

    async def main() -> bytes:
        async with served.aio() as client:
            out = await client.shout(b"async bytes")
            return bytes(await out.aread_bytes())

    assert asyncio.run(main()) == b"ASYNC BYTES"
    served.record("files", "yes")


def test_image_round_trip(served: Served, tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "red.png"
    Image.new("RGB", (4, 3), (255, 0, 0)).save(path)
    with served.sync() as client:
        image = client.flip(path)
        again = client.flip(image)
        images = [image.read_bytes(), again.read_bytes()]
    for data in images:
        with Image.open(io.BytesIO(data)) as im:
            assert im.size == (4, 3) and im.convert("RGB").getpixel((0, 0)) == (255, 0, 0)
    served.record("image", "yes")


def test_state(served: Served) -> None:
    with served.sync() as client:
        assert client.counter("a") == "a #1"
        assert client.counter("b") == "b #2"
        client.reset_session()
        assert client.counter("c") == "c #1"

    async def main() -> list[str]:
        async with served.aio() as client:
            return [await client.counter("x"), await client.counter("y")]

    assert asyncio.run(main()) == ["x #1", "y #2"]
    served.record("state", "yes")


def test_error_text(served: Served) -> None:
    with served.sync() as client, pytest.raises(AppError) as caught:
        client.fail("x")
    assert caught.value.message == "Custom failure message"
    assert caught.value.endpoint == "/fail"
    served.record("error", "yes")


def test_cancel(served: Served) -> None:
    with served.sync() as client:
        server_cancel = client._engine.dialect.server_cancel
        gen = client.slowgen.submit(20)
        assert next(iter(gen)) == "0"
        assert gen.cancel() is True
        with pytest.raises(CancelledError):
            gen.result(timeout=10)
        plain = client.slow.submit(3)
        deadline = time.monotonic() + 20
        while plain.status().code != "processing" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert plain.status().code == "processing"
        assert plain.cancel() is True
        with pytest.raises(CancelledError) as caught:
            plain.result(timeout=10)
        assert ("cannot stop a running function" in str(caught.value)) is not server_cancel
        assert client.greet("after", 1) == "Hello, after!"  # the session still works

    async def main() -> None:
        async with served.aio() as client:
            job = await client.slowgen.submit(20)
            async for out in job:
                assert out == "0"
                break
            assert await job.cancel() is True
            with pytest.raises(CancelledError):
                await job.result(timeout=10)
            assert await client.greet("async after", 1) == "Hello, async after!"

    asyncio.run(main())
    served.record("cancel", "server" if server_cancel else "local")


def test_auth(served: Served) -> None:
    make = served.module.Matrix
    with make(served.auth_url, auth=("u", "p")) as client:
        assert client.greet("Al", 1) == "Hello, Al!"
        assert list(client.count.submit(2)) == ["0", "1"]
    with pytest.raises(AuthenticationError):
        make(served.auth_url, auth=("u", "wrong"))
    with make(served.auth_url) as anonymous, pytest.raises(AuthenticationError):
        anonymous.greet("nobody", 1)

    async def main() -> str:
        async with served.module.AsyncMatrix(served.auth_url, auth=("u", "p")) as client:
            return str(await client.greet("Async", 1))

    assert asyncio.run(main()) == "Hello, Async!"
    served.record("auth", "yes")


ORACLE = """
import json, sys
from gradio_client import Client
client = Client(sys.argv[1], verbose=False)
job = client.submit(3, api_name="/count")
print(json.dumps({"greet": client.predict("Ada", 2, api_name="/greet"), "count": job.result()}))
"""


def test_gradio_client_of_the_same_release_agrees(served: Served) -> None:
    proc = subprocess.run(
        [served.python, "-c", ORACLE, served.url],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    oracle = json.loads(proc.stdout.strip().splitlines()[-1])
    with served.sync() as client:
        ours = {"greet": client.greet("Ada", 2), "count": client.count(3)}
    assert ours == oracle
    served.record("oracle", "yes")
