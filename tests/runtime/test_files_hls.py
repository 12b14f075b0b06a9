"""Streamed media outputs (HLS) against a local HTTP server.

There is no ffmpeg on this machine, so a real gradio app cannot produce an HLS stream here
(gradio needs ffmpeg for ``gr.Audio(streaming=True)``). The server below serves what gradio's
``/stream/{session}/{run}/{component}/`` routes serve (protocol.md 3.6): a live EVENT playlist
that grows while the job runs and ends with ``#EXT-X-ENDLIST``, plus its segments.
"""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_gen_runtime import File, HTTPStatusError, ReadTimeout
from gradio_gen_runtime._files import _io as _files_io
from gradio_gen_runtime._files._io import FileTransfer

SEGMENTS = {f"seg-{i}.aac": bytes([0xFF, 0xF1]) + bytes([i]) * 998 for i in range(4)}
MEDIA = b"".join(SEGMENTS[f"seg-{i}.aac"] for i in range(4))


class Stream:
    """State of one live stream: each playlist read reveals one more segment."""

    def __init__(self, total: int = 4, end: bool = True) -> None:
        self.total = total
        self.end = end
        self.visible = 0
        self.requests: list[str] = []

    def playlist(self) -> str:
        self.visible = min(self.visible + 1, self.total)
        lines = ["#EXTM3U", "#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-TARGETDURATION:0.05"]
        lines += ["#EXT-X-VERSION:4", "#EXT-X-MEDIA-SEQUENCE:0"]
        for i in range(self.visible):
            lines += ["#EXTINF:0.064000,", f"seg-{i}.aac"]
        if self.end and self.visible == self.total:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"


@pytest.fixture
def server() -> Iterator[tuple[str, Stream]]:
    stream = Stream()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stream.requests.append(self.path)
            name = self.path.rsplit("/", 1)[-1]
            if name == "playlist.m3u8":
                body, ctype = stream.playlist().encode(), "application/vnd.apple.mpegurl"
            elif name in SEGMENTS:
                body, ctype = SEGMENTS[name], "audio/aac"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/gradio_api", stream
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def stream_file(api: str, transfer: FileTransfer | None) -> File:
    """The FileData gradio sends for a streamed audio output (protocol.md 3.6)."""
    path = "sess/abc/48/playlist.m3u8"
    return File.from_data(
        {
            "path": path,
            "url": f"{api}/stream/{path}",
            "size": None,
            "orig_name": "audio.wav",
            "mime_type": None,
            "is_stream": True,
            "meta": {"_type": "gradio.FileData"},
        },
        transfer=transfer,
    )


def test_live_stream_gives_the_media(server: tuple[str, Stream], tmp_path: Path) -> None:
    api, stream = server
    with httpx.Client() as client:
        f = stream_file(api, FileTransfer(client, api_url=api))
        assert f.read_bytes() == MEDIA
        playlist_reads = sum(r.endswith(".m3u8") for r in stream.requests)
        assert playlist_reads >= 4  # followed the live playlist until it ended
        assert all(
            stream.requests.count(f"/gradio_api/stream/sess/abc/48/{s}") == 1 for s in SEGMENTS
        )
        saved = f.download(tmp_path)
    assert saved.name == "audio.aac"  # named after the media, not the playlist
    assert saved.read_bytes() == MEDIA


def test_live_stream_async_and_detached(server: tuple[str, Stream]) -> None:
    api, _ = server

    async def main() -> bytes:
        async with httpx.AsyncClient() as client:
            return await stream_file(api, FileTransfer(aclient=client, api_url=api)).aread_bytes()

    assert asyncio.run(main()) == MEDIA
    assert stream_file(api, None).read_bytes() == MEDIA  # no client: its own short-lived one


def test_stream_that_never_ends_is_bounded(
    server: tuple[str, Stream], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, stream = server
    stream.end = False
    monkeypatch.setattr(_files_io, "HLS_TIMEOUT", 0.5)
    with httpx.Client() as client, pytest.raises(ReadTimeout, match="did not end"):
        stream_file(api, FileTransfer(client, api_url=api)).read_bytes()


def test_missing_segment_is_an_http_error(server: tuple[str, Stream]) -> None:
    api, _ = server
    backup = SEGMENTS.pop("seg-2.aac")
    try:
        with httpx.Client() as client, pytest.raises(HTTPStatusError) as info:
            stream_file(api, FileTransfer(client, api_url=api)).read_bytes()
        assert info.value.status_code == 404
    finally:
        SEGMENTS["seg-2.aac"] = backup
