"""Files through the public ``Client`` / ``AsyncClient`` against real gradio 6.31 apps."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_gen_runtime import AsyncClient, Client, File, FileTooLargeError, UsageError, handle_file

from tests.servers import RunningApps, launch


class CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


@pytest.fixture(scope="module")
def apps() -> Iterator[RunningApps]:
    with launch(["files_app", "files_small", "files_auth"]) as running:
        yield running


@pytest.fixture(scope="module")
def client(apps: RunningApps) -> Iterator[Client]:
    with Client(apps["files_app"]) as c:
        yield c


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_predict_uploads_and_wraps(client: Client, tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes(b"through the client")
    out, info = client.predict("/echo_file", src)
    assert info["sha256"] == sha(b"through the client")
    assert isinstance(out, File) and out.read_bytes() == b"through the client"
    listed, infos = client.predict("/echo_files", [b"a", handle_file(io.BytesIO(b"bb"), name="b")])
    assert [i["sha256"] for i in infos] == [sha(b"a"), sha(b"bb")]
    assert [f.read_bytes() for f in listed] == [b"a", b"bb"]


def test_json_output_with_path_stays_json(client: Client) -> None:
    assert client.predict("/json_path", "x/y.txt")["path"] == "x/y.txt"


def test_chat_messages_with_files(client: Client, tmp_path: Path) -> None:
    pic = tmp_path / "note.txt"
    pic.write_bytes(b"note")
    history = [{"role": "user", "content": [{"type": "file", "file": handle_file(pic)}]}]
    bot, seen = client.predict("/chat", {"text": "hi", "files": [b"inline"]}, history)
    assert [s["sha256"] for s in seen] == [sha(b"note"), sha(b"inline")]
    assert isinstance(bot[0]["content"][0]["file"], File)


def test_download_dir(apps: RunningApps, tmp_path: Path) -> None:
    target = tmp_path / "downloads"
    with Client(apps["files_app"], download_dir=target) as c:
        out, _ = c.predict("/echo_file", b"saved for you")
        again, _ = c.predict("/echo_file", b"saved for you")
    assert out.local_path is not None and out.local_path.parent == target
    assert Path(os.fspath(out)).read_bytes() == b"saved for you"
    assert again.local_path == out.local_path  # one server file, one local copy
    assert len(list(target.iterdir())) == 1


def test_download_dir_lazy_for_jobs_and_eager_for_async(apps: RunningApps, tmp_path: Path) -> None:
    lazy = tmp_path / "lazy"
    with Client(apps["files_app"], download_dir=lazy) as c:
        out, _ = c.submit("/echo_file", b"job output").result()
        assert not lazy.exists()  # nothing fetched under the job's lock
        assert Path(os.fspath(out)).read_bytes() == b"job output"  # saved on first use
        assert out.local_path is not None and out.local_path.parent == lazy

    async def main() -> File:
        async with AsyncClient(apps["files_app"], download_dir=tmp_path / "async") as ac:
            out, _ = await ac.predict("/echo_file", b"async saved")
            return out

    saved = asyncio.run(main())
    assert saved.local_path is not None and saved.local_path.read_bytes() == b"async saved"


def test_bad_file_fails_before_any_request(apps: RunningApps, client: Client) -> None:
    transport = CountingTransport()
    snapshot = {"config": client.config, "info": client.view_api()}
    with Client(apps["files_app"], snapshot=snapshot, transport=transport) as c:
        with pytest.raises(UsageError, match="no such file"):
            c.predict("/echo_file", "/no/such/file.txt")
        with pytest.raises(UsageError, match="expected a file"):
            c.predict("/echo_file", 12)
    assert transport.paths == []


def test_max_file_size_nothing_sent(apps: RunningApps, tmp_path: Path) -> None:
    transport = CountingTransport()
    with Client(apps["files_small"], transport=transport) as c:
        before = list(transport.paths)
        with pytest.raises(FileTooLargeError):
            c.predict("/echo", b"z" * 1001)
        assert transport.paths == before  # neither /upload nor queue/join
        assert c.predict("/echo", b"z" * 1000).size == 1000


def test_files_use_the_clients_auth(apps: RunningApps, tmp_path: Path) -> None:
    with Client(apps["files_auth"], auth=("filer", "pa55word")) as c:
        out = c.predict("/echo", b"members only")
        assert out.read_bytes() == b"members only"  # the login cookie goes along
        assert out.download(tmp_path).read_bytes() == b"members only"
    assert out.url is not None
    anonymous = httpx.get(out.url)  # the same URL without the session's cookie
    assert anonymous.status_code in (401, 403)


def _png(size: tuple[int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size).save(buf, "PNG")
    return buf.getvalue()


def _wait(cond: Any, what: str) -> None:
    deadline = time.monotonic() + 20
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_streaming_input_chunks_are_uploaded(client: Client) -> None:
    job = client.submit("/frames", _png((3, 2)))
    _wait(lambda: len(job.outputs()) >= 1, "first frame")
    job.send_chunk(_png((5, 4)))  # bytes: uploaded like any other file input
    _wait(lambda: len(job.outputs()) >= 2, "second frame")
    job.close_stream()
    job.result()
    assert job.outputs()[:2] == ["3x2", "5x4"]


def test_streaming_input_chunks_are_uploaded_async(apps: RunningApps) -> None:
    async def wait(cond: Any) -> None:
        deadline = time.monotonic() + 20
        while not cond():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)

    async def main() -> list[Any]:
        async with AsyncClient(apps["files_app"]) as ac:
            job = await ac.submit("/frames", _png((2, 2)))
            await wait(lambda: len(job.outputs()) >= 1)
            await job.send_chunk(handle_file(_png((6, 1)), name="f.png"))
            await wait(lambda: len(job.outputs()) >= 2)
            await job.close_stream()
            await job.result()
            return job.outputs()

    assert asyncio.run(main())[:2] == ["2x2", "6x1"]


def test_async_client(apps: RunningApps) -> None:
    async def main() -> tuple[bytes, dict[str, str]]:
        async with AsyncClient(apps["files_app"]) as ac:
            out, info = await ac.predict("/echo_file", b"async path")
            return await out.aread_bytes(), info

    data, info = asyncio.run(main())
    assert data == b"async path" and info["sha256"] == sha(b"async path")


@pytest.fixture(scope="module")
def typed_module(apps: RunningApps, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A client generated by ``gradio-gen`` from the live files app."""
    out = tmp_path_factory.mktemp("typed") / "files_client.py"
    cli = Path(sys.executable).parent / "gradio-gen"
    done = subprocess.run(
        [str(cli), apps["files_app"], "-o", str(out)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    spec = importlib.util.spec_from_file_location("_gg_files_client", out)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_generated_client_files(apps: RunningApps, typed_module: Any, tmp_path: Path) -> None:
    src = tmp_path / "typed.txt"
    src.write_bytes(b"typed upload")
    with typed_module.FilesTestApp(apps["files_app"]) as app:
        result = app.echo_file(src)
        assert isinstance(result.file_out, File) and result.file_out.read_bytes() == b"typed upload"
        gallery = app.gallery([{"image": src.read_bytes(), "caption": "c"}])
        assert isinstance(gallery.gallery_out[0].image, File)
        chat = app.chat({"text": "hi", "files": [src]}, [])
        files = [p.file for m in chat.bot for p in m.content if getattr(p, "type", None) == "file"]
        assert [f.read_bytes() for f in files] == [b"typed upload"]
        assert app.json_path("a/b")["path"] == "a/b"  # gr.JSON stays JSON
        with pytest.raises(UsageError, match="no such file"):  # validated before any I/O
            app.echo_file(tmp_path / "missing.txt")
