"""Files through the public ``Client`` / ``AsyncClient`` against real gradio 6.31 apps."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_gen.runtime import AsyncClient, Client, File, FileTooLargeError, UsageError, handle_file

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
    with launch(["files_app", "files_small"]) as running:
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


def test_async_client(apps: RunningApps) -> None:
    async def main() -> tuple[bytes, dict[str, str]]:
        async with AsyncClient(apps["files_app"]) as ac:
            out, info = await ac.predict("/echo_file", b"async path")
            return await out.aread_bytes(), info

    data, info = asyncio.run(main())
    assert data == b"async path" and info["sha256"] == sha(b"async path")
