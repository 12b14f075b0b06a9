"""Files in async code, and an event loop the first call does not block (issue 16, point 9).

* A ``File`` from an async client: ``aread_bytes`` / ``aiter_bytes`` / ``adownload`` work; the
  blocking twins, called on the loop's thread, raise a ``UsageError`` naming the async one
  (``await f.read_bytes()`` used to download on the loop, then fail with a ``TypeError``).
* What a user's type checker sees (``mypy --strict``): the async methods type-check,
  ``await f.read_bytes()`` does not; PIL images and numpy arrays are accepted file inputs.
* The first awaited call no longer imports the engine, httpcore, h11 or anyio, nor builds
  pydantic validators, on the loop's thread (it blocked the loop ~0.3 s; ``python -X dev``
  flagged it): checked by where those imports happen, and by the loop thread's CPU time per
  callback.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_gen import cli
from gradio_gen_runtime import AsyncClient, Client, UsageError

from tests.generator._util import EXAMPLES, mypy_strict
from tests.servers import RunningApps, launch

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def apps() -> Iterator[RunningApps]:
    with launch(["files_app", "rt_main"]) as running:
        yield running


@pytest.fixture(scope="module")
def project(apps: RunningApps, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("async_files")
    for app, module, name in (
        ("files_app", "files_client", "Files"),
        ("rt_main", "main_client", "Main"),
    ):
        assert (
            cli.main([apps[app], "-o", str(root / f"{module}.py"), "--class-name", name, "-q"]) == 0
        )
    return root


def test_async_files_read_without_blocking_and_blocking_reads_are_refused(
    apps: RunningApps, tmp_path: Path
) -> None:
    note = tmp_path / "note.txt"
    note.write_bytes(b"hello")

    async def main() -> None:
        async with AsyncClient(apps["files_app"]) as client:
            out, _ = await client.predict("/echo_file", str(note))
            assert await out.aread_bytes() == b"hello"
            assert b"".join([c async for c in out.aiter_bytes()]) == b"hello"
            for blocking, twin in (
                (out.read_bytes, "await file.aread_bytes()"),
                (out.iter_bytes, "async for chunk in file.aiter_bytes()"),
                (out.open, "async for chunk in file.aiter_bytes()"),
                (lambda: out.download(tmp_path / "b"), "await file.adownload(dir)"),
            ):
                with pytest.raises(UsageError, match=re.escape(twin)):
                    blocking()
            assert not (tmp_path / "b").exists()  # refused before any request
            # off the loop's thread the blocking method is allowed
            assert await asyncio.to_thread(out.read_bytes) == b"hello"
            saved = await out.adownload(tmp_path / "a")
            assert saved.read_bytes() == b"hello"
            assert out.read_bytes() == b"hello"  # now a local copy: reading it is fine
        with Client(apps["files_app"]) as sync:  # a sync client's file: the caller's choice
            out, _ = sync.predict("/echo_file", str(note))
            assert out.read_bytes() == b"hello"

    asyncio.run(main())


def test_a_local_copy_is_read_anywhere(apps: RunningApps, tmp_path: Path) -> None:
    async def main() -> None:
        async with AsyncClient(apps["files_app"], download_dir=tmp_path) as client:
            out, _ = await client.predict("/echo_file", b"local")
            assert out.local_path is not None  # downloaded by the call (async, no blocking)
            assert out.read_bytes() == b"local"  # a local read: allowed on the loop

    asyncio.run(main())


GOOD = """
import asyncio
from pathlib import Path
from typing import assert_type

import numpy as np
from PIL import Image

from image_client import AsyncSepiaFilter, SepiaFilter

async def use(app: AsyncSepiaFilter) -> None:
    out = await app.predict("cat.png")
    assert_type(await out.aread_bytes(), bytes)
    assert_type(await out.adownload("out"), Path)
    async for chunk in out.aiter_bytes():
        assert_type(chunk, bytes)
    await app.predict(np.zeros((4, 4, 3), dtype=np.uint8))
    await app.predict(Image.new("RGB", (4, 4)))

def use_sync(app: SepiaFilter) -> bytes:
    return app.predict(Image.new("L", (2, 2))).read_bytes()

asyncio.run(use(AsyncSepiaFilter()))
"""

BAD = """
from image_client import AsyncSepiaFilter

async def use(app: AsyncSepiaFilter) -> None:
    out = await app.predict("cat.png")
    await out.read_bytes()  # BAD: the blocking method is not awaitable
    await app.predict(3)  # BAD: not a file
"""


def test_user_code_type_checks(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "image" / "client.py", tmp_path / "image_client.py")
    (tmp_path / "good_async.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad_async.py").write_text(BAD, encoding="utf-8")
    good = mypy_strict([tmp_path / "good_async.py"], tmp_path)
    assert good.returncode == 0, good.stdout
    bad = mypy_strict([tmp_path / "bad_async.py"], tmp_path)
    flagged = {int(m) for m in re.findall(r"^bad_async\.py:(\d+): error", bad.stdout, re.M)}
    expected = {i + 1 for i, line in enumerate(BAD.split("\n")) if "# BAD" in line}
    assert expected == flagged, bad.stdout


LOOP_SPY = """
import asyncio, importlib.abc, json, sys, threading, time

LOOP_THREAD = threading.get_ident()
inside = False
loop_imports = []


class Spy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if inside and threading.get_ident() == LOOP_THREAD:
            loop_imports.append(name)
        return None


sys.meta_path.insert(0, Spy())
slow = []
run = asyncio.events.Handle._run


def timed(handle):
    started = time.thread_time()  # this thread's CPU time: a busy machine does not count
    run(handle)
    spent = time.thread_time() - started
    if spent > LIMIT:
        slow.append([round(spent, 3), repr(handle)[:200]])


asyncio.events.Handle._run = timed
LIMIT = float(sys.argv[3])

from files_client import AsyncFiles  # at the top of the user's module, as usual
from main_client import AsyncMain


async def main():
    global inside
    inside = True
    async with AsyncFiles() as files:  # built on the running loop
        out, info = await files.echo_file(b"abc")
        assert await out.aread_bytes() == b"abc"
        bot, seen = await files.chat({"text": "hi", "files": [b"x"]}, [])  # pydantic models
    async with AsyncMain() as main:
        job = await main.ticker.submit(3, 0.01)
        assert [v async for v in job] == [0.0, 1.0, 2.0]
    inside = False


asyncio.run(main(), debug=True)
print(json.dumps({"imports": loop_imports, "slow": slow}))
"""

HEAVY = ("httpx", "httpcore", "h11", "anyio", "certifi", "ssl", "gradio_gen_runtime._client",
         "gradio_gen_runtime._transport", "gradio_gen_runtime._files._handler",
         "pydantic._internal._generate_schema")  # fmt: skip


def test_the_first_awaited_call_does_not_block_the_loop(project: Path, tmp_path: Path) -> None:
    script = tmp_path / "loop_spy.py"
    script.write_text(textwrap.dedent(LOOP_SPY), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(project)
    done = subprocess.run(
        [sys.executable, "-X", "dev", str(script), "", "", "0.1"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    heavy = [m for m in report["imports"] if m.startswith(HEAVY)]
    assert heavy == [], f"imported on the event loop's thread: {heavy}"
    assert report["slow"] == [], "loop callbacks over 0.1 s of CPU: " + json.dumps(report["slow"])


DEFERRED = """
import asyncio, sys
from files_client import AsyncFiles
from gradio_gen_runtime import UsageError

async def main():
    client = AsyncFiles(max_retries=-1)  # on the loop, engine never imported: nothing built yet
    assert "gradio_gen_runtime._client._clients" not in sys.modules
    try:
        await client.echo_file(b"x")
    except UsageError as exc:  # the option is checked by the first await, before any request
        assert "max_retries" in str(exc), exc
    else:
        raise AssertionError("accepted max_retries=-1")
    async with AsyncFiles(max_retries=-1 + 1) as ok:  # engine imported now: built at once
        assert ok._built is not None
        out, info = await ok.echo_file(b"x")
        assert info["size"] == 1

asyncio.run(main())
print("ok")
"""


def test_an_async_client_built_on_the_loop_defers_its_engine(project: Path, tmp_path: Path) -> None:
    script = tmp_path / "deferred.py"
    script.write_text(textwrap.dedent(DEFERRED), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(project)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n" and done.stderr == ""
