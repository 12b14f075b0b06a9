"""Files against real gradio 6.31 apps (tests/apps/files_app.py, files_small.py).

Calls go through gradio's REST route (``POST {api}/call/{name}`` then its SSE answer) with a
plain httpx client, so these tests check the file layer (``FileHandler``: uploads, wrapping,
downloads) independently of the engine; tests/runtime/test_files_client.py runs the same
through ``Client``. Each app reports the sha256 of what it received, so an upload is checked
by the server, not by us.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import io
import json
import tempfile
import threading
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_gen_runtime._exceptions import FileTooLargeError
from gradio_gen_runtime._files._file import File, handle_file
from gradio_gen_runtime._files._handler import FileHandler
from gradio_gen_runtime._files._io import FileTransfer, api_url
from gradio_gen_runtime._spec import AppSpec
from PIL import Image

from tests.servers import RunningApps, launch


class App:
    def __init__(self, root: str, client: httpx.Client) -> None:
        self.root = root
        self.client = client
        snapshot = {
            "info": client.get(root + "gradio_api/info").json(),
            "config": client.get(root + "config").json(),
        }
        self.spec = AppSpec.from_snapshot(snapshot)
        self.api = api_url(root, self.spec.api_prefix)
        self.handler = FileHandler(
            FileTransfer(client, api_url=self.api), max_file_size=self.spec.max_file_size
        )

    def raw(self, name: str, wire: list[Any]) -> tuple[str, Any]:
        """One call over the REST route: ("complete", data) or ("error", payload)."""
        route = f"{self.api}/call/{name.lstrip('/')}"
        response = self.client.post(route, json={"data": wire})
        response.raise_for_status()
        event_id = response.json()["event_id"]
        event = None
        with self.client.stream("GET", f"{route}/{event_id}", timeout=60) as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    return event, json.loads(line[5:])
        raise AssertionError("no result")

    def call(self, name: str, *values: Any) -> list[Any]:
        ep = self.spec.endpoint(name)
        prepared = self.handler.prepare_inputs(ep, list(values))
        event, data = self.raw(name, ep.to_wire(prepared))
        assert event == "complete", data
        return self.handler.process_outputs(ep, ep.from_wire(data))


@pytest.fixture(scope="module")
def apps() -> Iterator[RunningApps]:
    with launch(["files_app", "files_small"]) as running:
        yield running


@pytest.fixture(scope="module")
def http_client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def app(apps: RunningApps, http_client: httpx.Client) -> App:
    return App(apps["files_app"], http_client)


@pytest.fixture(scope="module")
def small(apps: RunningApps, http_client: httpx.Client) -> App:
    return App(apps["files_small"], http_client)


@pytest.fixture(scope="module")
def url_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A local HTTP server on 127.0.0.1 serving a temp directory."""
    root = tmp_path_factory.mktemp("served")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def png(color: str = "red", size: tuple[int, int] = (7, 5)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def wav(samples: int = 800) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x01\x00" * samples)
    return buf.getvalue()


# -- inputs of every kind --------------------------------------------------------------------


def test_upload_from_path_and_download(app: App, tmp_path: Path) -> None:
    src = tmp_path / "report 1.txt"
    src.write_bytes(b"hello files")
    out, info = app.call("/echo_file", src)
    assert info == {"name": "report 1.txt", "size": 11, "sha256": sha(b"hello files")}
    assert isinstance(out, File) and out.size == 11 and out.orig_name == "report 1.txt"
    assert out.url and out.url.startswith(app.root)
    assert out.read_bytes() == b"hello files"
    with out.open() as fh:
        assert fh.read() == b"hello files"
    target = tmp_path / "dl"
    first, second = out.download(target), out.download(target)
    assert (first.name, second.name) == ("report 1.txt", "report 1 (1).txt")
    assert first.read_bytes() == second.read_bytes() == b"hello files"


@pytest.mark.parametrize("kind", ["bytes", "file object", "BytesIO", "handle_file", "File"])
def test_upload_other_kinds(app: App, tmp_path: Path, kind: str) -> None:
    data = f"payload for {kind}".encode()
    path = tmp_path / "p.bin"
    path.write_bytes(data)
    if kind == "bytes":
        out, info = app.call("/echo_file", data)
    elif kind == "file object":
        with open(path, "rb") as fh:
            out, info = app.call("/echo_file", fh)
    elif kind == "BytesIO":
        out, info = app.call("/echo_file", handle_file(io.BytesIO(data), name="b.bin"))
        assert info["name"] == "b.bin"
    elif kind == "handle_file":
        out, info = app.call("/echo_file", handle_file(str(path)))
    else:  # an earlier output sent back: a reference, nothing uploaded again
        first, _ = app.call("/echo_file", data)
        out, info = app.call("/echo_file", first)
        assert out.path == first.path
    assert info["sha256"] == sha(data)
    assert out.read_bytes() == data


def test_unsized_stream_upload(app: App) -> None:
    """A file object that cannot seek (a pipe, a socket) is sent chunked."""

    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            n = len(self.data) if n < 0 else n
            chunk, self.data = self.data[:n], self.data[n:]
            return chunk

    payload = b"streamed " * 10_000
    _, info = app.call("/echo_file", handle_file(Pipe(payload), name="pipe.bin"))  # type: ignore[arg-type]
    assert info == {"name": "pipe.bin", "size": len(payload), "sha256": sha(payload)}


def test_file_of_another_app_is_fetched(app: App, small: App) -> None:
    (theirs,) = small.call("/echo", b"from the other app")
    assert theirs.url and not theirs.url.startswith(app.root)
    out, info = app.call("/echo_file", theirs)  # loopback URL: fetched and uploaded by us
    assert info["sha256"] == sha(b"from the other app")
    assert out.read_bytes() == b"from the other app"


def test_private_url_is_fetched_and_uploaded(app: App, url_server: tuple[str, Path]) -> None:
    base, root = url_server
    (root / "remote.txt").write_bytes(b"served over http")
    temps = set(Path(tempfile.gettempdir()).glob("gradio_gen_*"))
    out, info = app.call("/echo_file", base + "remote.txt")
    assert set(Path(tempfile.gettempdir()).glob("gradio_gen_*")) == temps  # temp file removed
    assert info == {"name": "remote.txt", "size": 16, "sha256": sha(b"served over http")}
    assert out.read_bytes() == b"served over http"


def test_loopback_url_is_refused_by_the_server(app: App, url_server: tuple[str, Path]) -> None:
    """Why private URLs are fetched by the client: the server's SSRF guard refuses them."""
    base, root = url_server
    (root / "x.txt").write_bytes(b"x")
    url = base + "x.txt"
    wire = [{"path": url, "orig_name": "x.txt", "meta": {"_type": "gradio.FileData"}}]
    event, data = app.raw("/echo_file", wire)
    assert event == "error" and "failed validation" in data["error"]


def test_public_url_is_passed_to_the_server(app: App) -> None:
    url = "https://no-such-host.invalid/pic.png"
    ep = app.spec.endpoint("/echo_file")
    (prepared,) = app.handler.prepare_inputs(ep, [url])
    assert prepared == {"path": url, "orig_name": "pic.png", "meta": {"_type": "gradio.FileData"}}
    event, data = app.raw("/echo_file", [prepared])  # the server tried to fetch it itself
    assert event == "error" and "no-such-host.invalid" in data["error"]


def test_several_files_one_upload(app: App, tmp_path: Path) -> None:
    files = []
    for i in range(3):
        p = tmp_path / f"f{i}.txt"
        p.write_bytes(b"n" * (i + 1))
        files.append(p)
    uploads: list[str] = []
    app.client.event_hooks["request"].append(
        lambda r: uploads.append(r.url.path) if r.url.path.endswith("/upload") else None
    )
    try:
        outs, infos = app.call("/echo_files", [files[0], b"mem", files[2]])
    finally:
        app.client.event_hooks["request"].pop()
    assert uploads == ["/gradio_api/upload"]
    assert [i["sha256"] for i in infos] == [sha(b"n"), sha(b"mem"), sha(b"nnn")]
    assert [o.read_bytes() for o in outs] == [b"n", b"mem", b"nnn"]


def test_nested_files_and_json_outputs(app: App) -> None:
    data, digests = app.call("/nested", [b"one", b"two"])
    assert [d["sha256"] for d in digests] == [sha(b"one"), sha(b"two")]
    # a gr.JSON output holding FileData-looking dicts stays plain JSON
    assert data["count"] == 2 and all(isinstance(f, str) for f in data["files"])
    (out,) = app.call("/json_path", "not/a/file.txt")
    assert out == {
        "path": "not/a/file.txt",
        "url": None,
        "meta": {"_type": "gradio.FileData"},
        "note": "not a file",
    }


# -- components --------------------------------------------------------------------------------


def test_image(app: App) -> None:
    out, info = app.call("/image", png(size=(7, 5)))
    assert info == {"shape": [5, 7, 3]}
    assert isinstance(out, File)
    assert Image.open(io.BytesIO(out.read_bytes())).size == (7, 5)


def test_audio(app: App) -> None:
    out, info = app.call("/audio", handle_file(wav(800), name="a.wav"))
    assert info == {"rate": 8000, "samples": 800}
    with wave.open(io.BytesIO(out.read_bytes())) as w:
        assert w.getnframes() == 800


def test_video(app: App, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)  # no ffmpeg: passed through
    out, info = app.call("/video", clip)
    assert info["sha256"] == sha(clip.read_bytes())
    assert out.read_bytes() == clip.read_bytes()


def test_model3d(app: App, tmp_path: Path) -> None:
    obj = tmp_path / "tri.obj"
    obj.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    out, info = app.call("/model3d", obj)
    assert info["sha256"] == sha(obj.read_bytes()) and out.name == "tri.obj"


def test_gallery(app: App, tmp_path: Path) -> None:
    p = tmp_path / "g.png"
    p.write_bytes(png("blue"))
    items, info = app.call(
        "/gallery", [{"image": p, "caption": "blue"}, {"image": png("green"), "caption": None}]
    )
    assert [i["digest"]["sha256"] for i in info] == [sha(png("blue")), sha(png("green"))]
    assert [i["caption"] for i in info] == ["blue", None]
    assert items[0]["caption"] == "blue" and isinstance(items[0]["image"], File)
    assert Image.open(io.BytesIO(items[1]["image"].read_bytes())).getpixel((0, 0)) == (0, 128, 0)


def test_chatbot_and_multimodal(app: App, tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_bytes(b"attached")
    history = [
        {"role": "user", "content": [{"type": "text", "text": str(doc)}]},  # text stays text
        {"role": "user", "content": [{"type": "file", "file": b"from history"}]},
    ]
    bot, seen = app.call("/chat", {"text": "look", "files": [doc]}, history)
    assert [s["sha256"] for s in seen] == [sha(b"from history"), sha(b"attached")]
    files = [
        part["file"]
        for message in bot
        for part in message["content"]
        if isinstance(part, dict) and part.get("type") == "file"
    ]
    assert files and all(isinstance(f, File) for f in files)
    assert files[-1].read_bytes() == b"attached"
    assert bot[0]["content"][0]["text"] == str(doc)


def test_image_editor(app: App) -> None:
    out, info = app.call(
        "/editor",
        {"background": png("white", (4, 3)), "layers": [png("red", (4, 3))], "composite": None},
    )
    assert info == {"background": [3, 4, 4], "layers": 1}  # the editor works in RGBA
    assert isinstance(out["background"], File)
    assert all(isinstance(layer, File) for layer in out["layers"])


# -- safety and limits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile", ["..", "CON", "..\\..\\evil.txt", " .hidden", "bad\x01name.txt"]
)
def test_hostile_server_names_are_made_safe(app: App, tmp_path: Path, hostile: str) -> None:
    if hostile == "..":
        hostile = "...."  # a directory entry cannot be named ".." itself; dots only
    (out,) = app.call("/make_named", hostile, "payload")
    assert out.orig_name == hostile
    target = tmp_path / "t"
    saved = out.download(target)
    again = out.download(target)
    assert saved.parent == target and again.parent == target and saved != again
    assert saved.read_bytes() == b"payload"
    assert {p.name for p in tmp_path.rglob("*") if p.is_file()} == {saved.name, again.name}


def test_max_file_size_checked_before_sending(small: App, tmp_path: Path) -> None:
    assert small.spec.max_file_size == 1000
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 1001)
    sent: list[str] = []
    small.client.event_hooks["request"].append(lambda r: sent.append(str(r.url)))
    try:
        with pytest.raises(FileTooLargeError) as info:
            small.call("/echo", big)
    finally:
        small.client.event_hooks["request"].pop()
    assert sent == [] and (info.value.size, info.value.limit) == (1001, 1000)
    (ok,) = small.call("/echo", b"x" * 1000)
    assert ok.size == 1000


def test_server_413_is_a_clear_error(small: App) -> None:
    unchecked = FileHandler(small.handler.transfer, max_file_size=None)
    with pytest.raises(FileTooLargeError) as info:
        unchecked.prepare_inputs(small.spec.endpoint("/echo"), [b"y" * 5000])
    assert info.value.limit == 1000 and info.value.size == 5000


def test_auto_download_dir(app: App, tmp_path: Path) -> None:
    handler = FileHandler(app.handler.transfer, download_dir=tmp_path / "auto")
    ep = app.spec.endpoint("/echo_files")
    prepared = handler.prepare_inputs(ep, [[b"a1", b"b22"]])
    event, data = app.raw("/echo_files", prepared)
    assert event == "complete"
    outs, _ = handler.process_outputs(ep, data)
    again, _ = handler.process_outputs(ep, data)  # the same server files: no second download
    assert [Path(o).read_bytes() for o in outs] == [b"a1", b"b22"]
    assert [o.local_path for o in again] == [o.local_path for o in outs]
    assert len(list((tmp_path / "auto").iterdir())) == 2


def test_async_round_trip(app: App, tmp_path: Path) -> None:
    async def main() -> tuple[bytes, Path]:
        async with httpx.AsyncClient(timeout=60) as aclient:
            handler = FileHandler(FileTransfer(aclient=aclient, api_url=app.api))
            ep = app.spec.endpoint("/echo_file")
            prepared = await handler.aprepare_inputs(ep, [b"async bytes"])
            event, data = app.raw("/echo_file", prepared)
            assert event == "complete"
            out, info = await handler.aprocess_outputs(ep, data)
            assert info["sha256"] == sha(b"async bytes")
            return await out.aread_bytes(), await out.adownload(tmp_path)

    data, path = asyncio.run(main())
    assert data == path.read_bytes() == b"async bytes"


# -- differential: gradio_client as the oracle ----------------------------------------------


def test_same_results_as_gradio_client(app: App, tmp_path: Path) -> None:
    gradio_client = pytest.importorskip("gradio_client")
    src = tmp_path / "diff.txt"
    src.write_bytes(b"same bytes either way")
    theirs = gradio_client.Client(
        app.root, verbose=False, download_files=str(tmp_path / "gc"), analytics_enabled=False
    )
    try:
        their_path, their_info = theirs.predict(
            gradio_client.handle_file(str(src)), api_name="/echo_file"
        )
        their_list, _ = theirs.predict(
            [gradio_client.handle_file(str(src))], api_name="/echo_files"
        )
    finally:
        theirs.close()
    ours, our_info = app.call("/echo_file", src)
    assert our_info == their_info
    assert ours.read_bytes() == Path(their_path).read_bytes()
    (our_list, _) = app.call("/echo_files", [src])
    assert [o.read_bytes() for o in our_list] == [Path(p).read_bytes() for p in their_list]
