"""Files without a gradio server: types, schema walk, uploads and downloads over fake transports."""

from __future__ import annotations

import asyncio
import io
import json
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest
from gradio_gen_runtime._exceptions import FileTooLargeError, ProtocolError, UsageError
from gradio_gen_runtime._files._file import File, FileInput, FileSource, handle_file
from gradio_gen_runtime._files._io import FileTransfer, create_unique, parse_playlist, safe_filename
from gradio_gen_runtime._files._upload import is_private_url, upload_async, upload_sync
from gradio_gen_runtime._files._walk import input_sources, output_files

META = {"_type": "gradio.FileData"}
DEFS = {
    "FileDataMeta": {
        "properties": {"_type": {"const": "gradio.FileData", "type": "string"}},
        "required": ["_type"],
        "type": "object",
    },
    "FileData": {
        "properties": {
            "path": {"type": "string"},
            "url": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "meta": {"$ref": "#/$defs/FileDataMeta"},
        },
        "required": ["path"],
        "type": "object",
    },
    "TextMessage": {
        "properties": {"text": {"type": "string"}, "type": {"const": "text", "type": "string"}},
        "required": ["text"],
        "type": "object",
    },
    "FileMessage": {
        "properties": {"file": {"$ref": "#/$defs/FileData"}, "type": {"const": "file"}},
        "required": ["file"],
        "type": "object",
    },
}
FILE = {"$defs": DEFS, "$ref": "#/$defs/FileData"}
FILES = {"$defs": DEFS, "type": "array", "items": {"$ref": "#/$defs/FileData"}}
CHAT = {
    "$defs": DEFS,
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "role": {"type": "string"},
            "content": {
                "type": "array",
                "items": {
                    "anyOf": [{"$ref": "#/$defs/TextMessage"}, {"$ref": "#/$defs/FileMessage"}]
                },
            },
        },
    },
}
EDITOR = {
    "$defs": DEFS,
    "type": "object",
    "properties": {
        "background": {"anyOf": [{"$ref": "#/$defs/FileData"}, {"type": "null"}]},
        "layers": {"type": "array", "items": {"$ref": "#/$defs/FileData"}},
        "id": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
}
TEXT_OR_FILE = {"$defs": DEFS, "anyOf": [{"type": "string"}, {"$ref": "#/$defs/FileData"}]}
JSON_ANY = {"type": {}, "description": "any valid json"}


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    p = tmp_path / "hello.txt"
    p.write_bytes(b"hello world")
    return p


# -- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("a\x00b.txt", "ab.txt"),
        ("tab\there.txt", "tab_here.txt"),
        ("", "file"),
        (".", "file"),
        ("..", "file"),
        ("../", "file"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT1", "_LPT1"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("what?.txt", "what_.txt"),
        (" .hidden. ", "hidden"),
        (None, "file"),
    ],
)
def test_safe_filename(given: str | None, expected: str) -> None:
    assert safe_filename(given) == expected


def test_safe_filename_caps_length_and_keeps_extension() -> None:
    name = safe_filename("é" * 300 + ".txt")
    assert name.endswith(".txt")
    assert len(name.encode()) <= 200
    name.encode().decode()  # no broken multi-byte character


def test_create_unique_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("keep me")
    path, handle = create_unique(tmp_path, "a.txt")
    handle.close()
    assert path.name == "a (1).txt"
    path2, handle2 = create_unique(tmp_path, "a.txt")
    handle2.close()
    assert path2.name == "a (2).txt"
    assert (tmp_path / "a.txt").read_text() == "keep me"


# -- handle_file / FileInput / File ----------------------------------------------------------


def test_handle_file_kinds(hello: Path) -> None:
    assert handle_file(str(hello)).kind == "path"
    assert handle_file(hello).value == str(hello)
    assert handle_file("https://example.com/a/b%20c.png").filename == "b c.png"
    assert handle_file(b"xy", name="n.bin").filename == "n.bin"
    with open(hello, "rb") as fh:
        source = handle_file(fh)
        assert source.kind == "stream"
        assert source.filename == "hello.txt"
    server = handle_file(File("/srv/x.txt", url="http://h/file=/srv/x.txt", orig_name="x.txt"))
    assert server.kind == "server"
    assert server.value["meta"] == META


def test_data_uri_is_decoded() -> None:
    source = handle_file("data:image/png;base64,iVBORw0KGgo=")
    assert (source.kind, source.value, source.filename) == (
        "bytes",
        b"\x89PNG\r\n\x1a\n",
        "file.png",
    )
    with pytest.raises(UsageError, match="base64"):
        handle_file("data:text/plain;base64,@@@")


def test_handle_file_rejects_bad_values(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        handle_file(str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError):  # parity: gradio_client raises ValueError too
        handle_file(str(tmp_path))
    with pytest.raises(UsageError, match="expected a file"):
        handle_file(42)  # type: ignore[arg-type]
    with open(tmp_path / "t.txt", "w") as fh, pytest.raises(UsageError, match="binary mode"):
        handle_file(fh)  # type: ignore[arg-type]


class _Model(pydantic.BaseModel):
    upload: FileInput
    result: File | None = None


def test_pydantic_types(hello: Path) -> None:
    m = _Model(upload=str(hello), result={"path": "/srv/a.txt", "url": "http://h/a", "size": 3})  # type: ignore[arg-type]
    assert isinstance(m.upload, FileSource) and m.upload.kind == "path"
    assert isinstance(m.result, File) and m.result.size == 3
    dumped = m.model_dump()
    assert dumped["upload"] is m.upload  # the engine finds the marker in the dump
    assert m.model_dump(mode="json")["result"]["path"] == "/srv/a.txt"
    with pytest.raises(pydantic.ValidationError, match="no such file"):
        _Model(upload="/definitely/not/here.txt")
    with pytest.raises(pydantic.ValidationError):
        _Model(upload=b"x", result=5)  # type: ignore[arg-type]
    schema = _Model.model_json_schema()
    assert schema["properties"]["result"]["anyOf"][0]["title"] == "FileData"


def test_file_properties() -> None:
    f = File.from_data(
        {"path": "/srv/dir/x.png", "url": "http://h/x", "size": 5, "is_stream": False, "meta": META}
    )
    assert f.name == "x.png"
    assert f.to_data()["meta"] == META
    with pytest.raises(UsageError, match="not been downloaded"):
        os.fspath(f)
    assert File.from_data({"url": "https://h/a/b.wav"}).name == "b.wav"
    with pytest.raises(ValueError):
        File.from_data({"size": 3})


# -- schema walk ----------------------------------------------------------------------------


def test_walk_marks_only_schema_files(hello: Path) -> None:
    assert input_sources(FILE, str(hello), "p").kind == "path"
    assert input_sources(FILE, None, "p") is None
    listed = input_sources(FILES, [str(hello), b"x"], "p")
    assert [s.kind for s in listed] == ["path", "bytes"]
    # a gr.JSON value with a path key is JSON, never a file
    value = {"path": str(hello), "meta": META}
    assert input_sources(JSON_ANY, value, "p") == value
    # but a handle_file marker is a file anywhere
    marker = handle_file(hello)
    assert input_sources(JSON_ANY, {"deep": [marker]}, "p")["deep"][0] is marker


def test_walk_unions_and_nesting(hello: Path) -> None:
    assert input_sources(TEXT_OR_FILE, "just text", "p") == "just text"
    assert input_sources(TEXT_OR_FILE, hello, "p").kind == "path"  # PathLike -> file
    chat = [
        {"role": "user", "content": [{"type": "text", "text": str(hello)}]},
        {"role": "user", "content": [{"type": "file", "file": str(hello)}]},
    ]
    walked = input_sources(CHAT, chat, "history")
    assert walked[0]["content"][0]["text"] == str(hello)  # text stays text
    assert walked[1]["content"][0]["file"].kind == "path"
    editor = input_sources(EDITOR, {"background": str(hello), "layers": [b"a"], "id": "x"}, "e")
    assert editor["background"].kind == "path"
    assert editor["layers"][0].kind == "bytes"
    assert editor["id"] == "x"


def test_walk_reports_bad_values_with_location(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"history\[0\]\['content'\]\[0\]\['file'\].*no such file"):
        input_sources(
            CHAT, [{"role": "u", "content": [{"file": str(tmp_path / "nope")}]}], "history"
        )
    with pytest.raises(UsageError, match="expected a file"):
        input_sources(FILE, 3.5, "p")


def test_file_dict_inputs(hello: Path) -> None:
    server = input_sources(FILE, {"path": "/srv/x.txt", "url": "http://h/file=/srv/x.txt"}, "p")
    assert server.kind == "server" and server.value["meta"] == META
    local = input_sources(FILE, {"path": str(hello), "meta": META}, "p")  # gradio_client style
    assert local.kind == "path"
    url = input_sources(FILE, {"path": "https://e.com/a.png", "url": "https://e.com/a.png"}, "p")
    assert url.kind == "url"


def test_output_walk() -> None:
    data = {"path": "/srv/a.txt", "url": "http://h/a", "meta": META}
    made = output_files(FILES, [data, data], File.from_data)
    assert all(isinstance(f, File) for f in made)
    assert output_files(JSON_ANY, data, File.from_data) == data  # gr.JSON stays a dict
    assert output_files(FILE, None, File.from_data) is None


# -- uploads over a fake transport ------------------------------------------------------------


class _Server(httpx.BaseTransport):
    """Consumes request bodies chunk by chunk (never buffering them) and answers /upload."""

    def __init__(self, status: int = 200, body: Any = None) -> None:
        self.requests: list[tuple[str, int, int]] = []  # (path, bytes, parts)
        self.status = status
        self.body = body

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        total = 0
        head = b""
        assert isinstance(request.stream, httpx.SyncByteStream)
        for chunk in request.stream:
            total += len(chunk)
            if len(head) < 1 << 16:
                head += chunk[:4096]
        boundary = request.headers["content-type"].split("boundary=")[1].encode()
        parts = head.count(b"--" + boundary) if total < 1 << 16 else -1
        self.requests.append((request.url.path, total, parts))
        if self.status != 200:
            return httpx.Response(self.status, text=str(self.body))
        n = len(self.body) if self.body is not None else max(parts - 1, 1)
        return httpx.Response(200, json=self.body or [f"/srv/up{i}" for i in range(n)])


def test_upload_several_files_in_one_request(hello: Path) -> None:
    server = _Server()
    sources = [handle_file(hello), handle_file(b"abc", name="b.bin"), handle_file(io.BytesIO(b"s"))]
    sources.append(handle_file("https://example.com/x.png"))
    with httpx.Client(transport=server) as client:
        sent = upload_sync(client, "http://app/gradio_api", sources, max_file_size=100)
    assert len(server.requests) == 1 and server.requests[0][0] == "/gradio_api/upload"
    assert server.requests[0][2] == 4  # 3 parts + closing boundary
    assert [sent[id(s)]["path"] for s in sources[:3]] == ["/srv/up0", "/srv/up1", "/srv/up2"]
    assert sent[id(sources[0])]["orig_name"] == "hello.txt"
    assert all(d["meta"] == META for d in sent.values())
    assert sent[id(sources[3])]["path"] == "https://example.com/x.png"  # passed as a URL


def test_upload_dedupes_paths_and_sends_foreign_files_as_urls(hello: Path) -> None:
    server = _Server(body=["/srv/only"])
    twice = [handle_file(hello), handle_file(str(hello))]
    ours = handle_file(File("/srv/mine", url="http://app/gradio_api/file=/srv/mine"))
    foreign = handle_file(File("/c/x.png", url="https://8.8.8.8/gradio_api/file=/c/x.png"))
    with httpx.Client(transport=server) as client:
        sent = upload_sync(client, "http://app/gradio_api", [*twice, ours, foreign], None)
    assert len(server.requests) == 1 and server.requests[0][2] == 2  # one part + closing
    assert sent[id(twice[0])]["path"] == sent[id(twice[1])]["path"] == "/srv/only"
    assert sent[id(ours)]["path"] == "/srv/mine"
    assert sent[id(foreign)]["path"] == "https://8.8.8.8/gradio_api/file=/c/x.png"


def test_upload_too_large_sends_nothing(hello: Path) -> None:
    server = _Server()
    with httpx.Client(transport=server) as client, pytest.raises(FileTooLargeError) as info:
        upload_sync(client, "http://app/api", [handle_file(b"ok"), handle_file(hello)], 5)
    assert server.requests == []
    assert (info.value.name, info.value.size, info.value.limit) == ("hello.txt", 11, 5)


def test_upload_unsized_stream_over_limit_is_aborted() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.left = 10_000

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def read(self, n: int = -1) -> bytes:
            n = min(self.left, 1000 if n < 0 else n)
            self.left -= n
            return b"x" * n

    server = _Server()
    with httpx.Client(transport=server) as client, pytest.raises(FileTooLargeError):
        upload_sync(client, "http://app/api", [handle_file(Pipe(), name="pipe")], 1000)  # type: ignore[arg-type]


def test_server_413_becomes_file_too_large(hello: Path) -> None:
    server = _Server(413, "File size exceeded maximum allowed size of 4 bytes.")
    with httpx.Client(transport=server) as client, pytest.raises(FileTooLargeError) as info:
        upload_sync(client, "http://app/api", [handle_file(hello)], None)
    assert info.value.limit == 4 and info.value.size == 11


def test_bad_upload_answer_is_a_protocol_error(hello: Path) -> None:
    with httpx.Client(transport=_Server(body={"oops": 1})) as client, pytest.raises(ProtocolError):
        upload_sync(client, "http://app/api", [handle_file(hello)], None)


def test_one_gigabyte_upload_is_streamed(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        fh.truncate(1 << 30)  # sparse: 1 GiB of zeros, no disk space used
    server = _Server(body=["/srv/big.bin"])
    tracemalloc.start()
    try:
        with httpx.Client(transport=server) as client:
            upload_sync(client, "http://app/api", [handle_file(big)], None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert server.requests[0][1] > 1 << 30
    assert peak < 16 << 20, f"peak Python allocation {peak >> 20} MiB while uploading 1 GiB"


def test_async_upload(hello: Path) -> None:
    seen: list[bytes] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(await request.aread())
        return httpx.Response(200, json=["/srv/a", "/srv/b"])

    async def main() -> dict[int, dict[str, Any]]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await upload_async(
                client, "http://app/api", [handle_file(hello), handle_file(b"zz")], 100
            )

    sources_sent = asyncio.run(main())
    assert sorted(d["path"] for d in sources_sent.values()) == ["/srv/a", "/srv/b"]
    assert len(seen) == 1 and b"hello world" in seen[0] and b"zz" in seen[0]


@pytest.mark.parametrize(
    ("url", "private"),
    [
        ("http://127.0.0.1:8000/a.png", True),
        ("http://localhost/a.png", True),
        ("http://10.1.2.3/a", True),
        ("http://[::1]/a", True),
        ("http://169.254.169.254/latest", True),
        ("https://8.8.8.8/a.png", False),
        ("https://no-such-host.invalid/a.png", False),
    ],
)
def test_private_url_detection(url: str, private: bool) -> None:
    assert is_private_url(url) is private


# -- downloads over a fake transport ----------------------------------------------------------


def _file_server(files: dict[str, bytes], log: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        log.append(request)
        body = files.get(request.url.path)
        if body is None:
            return httpx.Response(403, json={"detail": "File not allowed"})
        return httpx.Response(200, content=body)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    "hostile",
    ["../../escape.txt", "/etc/passwd", "..", "", "CON", "a\x00b", "..\\..\\x.txt", "sub/../../y"],
)
def test_download_hostile_names_stay_inside(tmp_path: Path, hostile: str) -> None:
    target = tmp_path / "downloads"
    log: list[httpx.Request] = []
    with httpx.Client(transport=_file_server({"/api/file=/srv/f": b"data"}, log)) as client:
        transfer = FileTransfer(client, api_url="http://app/api")
        f = File("/srv/f", orig_name=hostile, transfer=transfer)
        first = f.download(target)
        second = f.download(target)
    assert first.parent == target and second.parent == target
    assert first != second and first.read_bytes() == second.read_bytes() == b"data"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [first.name, second.name]
    )
    assert first.name not in ("", ".", "..", "CON")


def test_download_uses_client_and_maps_errors(tmp_path: Path) -> None:
    log: list[httpx.Request] = []
    transport = _file_server({"/api/file=/srv/a b.txt": b"abc"}, log)
    with httpx.Client(transport=transport, headers={"x-token": "t"}) as client:
        transfer = FileTransfer(client, api_url="http://app/api")
        f = File("/srv/a b.txt", url="http://elsewhere/ignored", transfer=transfer)
        assert f.read_bytes() == b"abc"
        with f.open() as fh:
            assert fh.read(2) == b"ab" and fh.read() == b"c"
        assert log[0].headers["x-token"] == "t"
        assert log[0].url.path == "/api/file=/srv/a b.txt"
        missing = File("/srv/missing", transfer=transfer)
        with pytest.raises(Exception, match="HTTP 403") as info:
            missing.download(tmp_path)
        assert getattr(info.value, "status_code", None) == 403
    assert list(tmp_path.iterdir()) == []  # a failed download leaves no file


def test_async_download(tmp_path: Path) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"z" * 3000)

    async def main() -> tuple[bytes, Path]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            f = File("/srv/z.bin", transfer=FileTransfer(aclient=client, api_url="http://a/api"))
            return await f.aread_bytes(), await f.adownload(tmp_path)

    data, path = asyncio.run(main())
    assert data == path.read_bytes() == b"z" * 3000


# -- HLS ----------------------------------------------------------------------------------------


PLAYLIST = """#EXTM3U
#EXT-X-PLAYLIST-TYPE:EVENT
#EXT-X-TARGETDURATION:1
#EXT-X-VERSION:4
#EXT-X-MEDIA-SEQUENCE:0
#EXTINF:0.064000,
seg-0.aac
#EXTINF:0.064000,
sub/seg-1.aac
"""


def test_parse_playlist() -> None:
    pl = parse_playlist(PLAYLIST, "http://h/stream/s/1/7/playlist.m3u8")
    assert pl.segments == ("http://h/stream/s/1/7/seg-0.aac", "http://h/stream/s/1/7/sub/seg-1.aac")
    assert not pl.ended and pl.target_duration == 1.0
    assert parse_playlist(PLAYLIST + "#EXT-X-ENDLIST\n", "http://h/p.m3u8").ended
    with pytest.raises(ProtocolError):
        parse_playlist("<html>", "http://h/p.m3u8")


def _live_hls() -> tuple[dict[str, bytes], Iterator[str]]:
    """A playlist that grows by one segment per read, then ends."""
    segments = {f"/api/stream/s/seg-{i}.aac": bytes([65 + i]) * 100 for i in range(3)}
    head = "#EXTM3U\n#EXT-X-TARGETDURATION:0.01\n"

    def versions() -> Iterator[str]:
        for n in range(1, 4):
            body = "".join(f"#EXTINF:0.1,\nseg-{i}.aac\n" for i in range(n))
            yield head + body + ("#EXT-X-ENDLIST\n" if n == 3 else "")
        while True:
            yield (
                head
                + "".join(f"#EXTINF:0.1,\nseg-{i}.aac\n" for i in range(3))
                + "#EXT-X-ENDLIST\n"
            )

    return segments, versions()


def test_hls_stream_gives_the_media(tmp_path: Path) -> None:
    segments, versions = _live_hls()
    fetched: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fetched.append(request.url.path)
        if request.url.path.endswith(".m3u8"):
            return httpx.Response(200, text=next(versions))
        return httpx.Response(200, content=segments[request.url.path])

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        transfer = FileTransfer(client, api_url="http://h/api")
        f = File.from_data(
            {
                "path": "s/playlist.m3u8",
                "url": "http://h/api/stream/s/playlist.m3u8",
                "is_stream": True,
                "orig_name": "audio.wav",
            },
            transfer=transfer,
        )
        assert f.read_bytes() == b"A" * 100 + b"B" * 100 + b"C" * 100
        path = f.download(tmp_path)
    assert path.name == "audio.aac" and path.read_bytes().startswith(b"A" * 100)
    assert fetched.count("/api/stream/s/seg-0.aac") == 2  # once per read, never twice in one read


def test_snapshot_json_serialisable() -> None:
    json.dumps(File("/a").to_data())
