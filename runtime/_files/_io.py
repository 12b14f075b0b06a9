"""Moving file bytes: streamed downloads (plain files and HLS streams) and safe local names.

Downloads go through the client's own httpx client, so cookies (``auth=`` login) and the token
rules (its request hook decides per host) apply to files exactly as to calls; redirects are
followed per request. A ``File`` with no client (built from a dict) uses a short-lived plain
httpx client.

Streamed media (``is_stream``: an HLS playlist) is given as the media itself: the playlist is
fetched, its segments are followed (re-reading a live EVENT playlist until ``#EXT-X-ENDLIST``,
bounded by ``HLS_TIMEOUT``) and concatenated (ADTS ``.aac`` and MPEG-TS ``.ts`` segments
concatenate into a playable file). The server's ``playlist-file`` route is not used: it needs
ffprobe on the server and only answers once the stream has ended.

The transfers know a file by ``RemoteFile`` (what they read of it), declared here: ``_file``
imports this module (a ``File`` with no client makes a default ``FileTransfer``), so this one
does not import ``_file`` (the runtime has no import cycle, a test checks it).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import posixpath
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import quote, unquote, urljoin, urlsplit

import anyio
import httpx

from .._constants import (
    DEFAULT_API_PREFIX,
    LOGGER_NAME,
    MAX_RETRIES,
    RETRY_STATUS_CODES,
)
from .._exceptions import ProtocolError, ReadTimeout, UsageError
from .._transport._http import backoff, map_transport_error, retry_after, status_error
from ._url import is_url

log = logging.getLogger(LOGGER_NAME)

HLS_TIMEOUT = 600.0
"""Upper bound for following a live HLS playlist until it ends."""
HLS_MAX_POLL = 2.0
"""Longest pause between two reads of a live playlist."""
MAX_NAME_BYTES = 200

_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$", re.I)
_BAD_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


class RemoteFile(Protocol):
    """What the transfers read of a file the server has (``_file.File`` implements it)."""

    @property
    def path(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def is_stream(self) -> bool: ...
    @property
    def name(self) -> str: ...
    @property
    def _inline(self) -> bytes | None:
        """The content, when the app sent it inline (a gradio 3.x image), else ``None``."""
        ...


def _retry(response: httpx.Response, attempt: int) -> bool:
    return response.status_code in RETRY_STATUS_CODES and attempt < MAX_RETRIES


# -- names --------------------------------------------------------------------------------


def safe_filename(name: str | None, default: str = "file") -> str:
    """A file name that is safe in any directory on any OS: only the last path segment,
    no control/reserved characters, no ``.``/``..``/empty, no Windows device names, at most
    200 bytes (extension kept)."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\x00", "").replace("\\", "/")
    text = text.rsplit("/", 1)[-1]
    text = _BAD_CHARS.sub("_", text).strip(" .")
    if not text or set(text) <= {"_", "."}:
        text = default
    if _RESERVED.match(text):
        text = "_" + text
    return _truncate(text)


def _truncate(name: str) -> str:
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, ext = os.path.splitext(name)
    ext = ext if len(ext.encode()) <= 20 else ""
    budget = MAX_NAME_BYTES - len(ext.encode())
    return stem.encode()[:budget].decode(errors="ignore") + ext


def create_unique(directory: Path, name: str) -> tuple[Path, IO[bytes]]:
    """Create (exclusively) a new file in ``directory`` named ``name`` or ``name (n)``."""
    directory.mkdir(parents=True, exist_ok=True)
    stem, ext = os.path.splitext(name)
    for n in range(10_000):
        candidate = directory / (name if n == 0 else _truncate(f"{stem} ({n}){ext}"))
        try:
            handle = open(candidate, "xb")  # noqa: SIM115 - returned to the caller
        except FileExistsError:
            continue
        if candidate.resolve().parent != directory.resolve():  # defence in depth
            handle.close()
            candidate.unlink()
            raise UsageError(f"refusing to write {name!r} outside {directory}")
        return candidate, handle
    raise UsageError(f"could not find a free name for {name!r} in {directory}")


# -- HLS ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Playlist:
    init: str | None
    """``#EXT-X-MAP`` URI (fragmented MP4 init segment), absolute."""
    segments: tuple[str, ...]
    ended: bool
    target_duration: float


def parse_playlist(text: str, base_url: str) -> Playlist:
    """An HLS media playlist -> absolute segment URLs (``ProtocolError`` if it is not one)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise ProtocolError(f"not an HLS playlist: {base_url}")
    init = None
    segments: list[str] = []
    ended = False
    target = 1.0
    for line in lines[1:]:
        if line.startswith("#EXT-X-MAP:"):
            found = re.search(r'URI="([^"]+)"', line)
            init = urljoin(base_url, found.group(1)) if found else None
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            with contextlib.suppress(ValueError):
                target = float(line.split(":", 1)[1])
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line.startswith("#EXT-X-STREAM-INF"):
            raise ProtocolError(f"master playlists are not supported: {base_url}")
        elif not line.startswith("#"):
            segments.append(urljoin(base_url, line))
    return Playlist(init, tuple(segments), ended, target)


def _stream_name(file: RemoteFile, segments: tuple[str, ...]) -> str:
    """``audio.wav`` streamed as AAC segments is saved as ``audio.aac``."""
    ext = posixpath.splitext(urlsplit(segments[0]).path)[1] if segments else ""
    stem = posixpath.splitext(file.name)[0]
    return stem + ext if ext else file.name


# -- the transfer object ------------------------------------------------------------------


class FileTransfer:
    """Fetches files for one client (the sync and/or async httpx client it owns)."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        aclient: httpx.AsyncClient | None = None,
        *,
        api_url: str | None = None,
    ) -> None:
        self.client = client
        self.aclient = aclient
        self.api_url = api_url.rstrip("/") if api_url else None
        """``{root}{api_prefix}``: files with a server path are fetched from its ``/file=``."""

    def file_url(self, file: RemoteFile) -> str:
        """Where to GET a file: a URL path as is; a stream under ``{api}/stream/{path}``; else
        ``{api}/file={path}`` on the app we talk to (the server's ``url`` may name a host we
        cannot reach, e.g. behind a proxy)."""
        if is_url(file.path):
            return file.path
        if file.is_stream:  # a relative HLS path served under {api}/stream/
            if self.api_url is not None and not file.path.startswith("/"):
                return f"{self.api_url}/stream/{quote(file.path)}"
            if file.url:
                return file.url
        if self.api_url is not None:
            return f"{self.api_url}/file={quote(file.path, safe='/:')}"
        if file.url:
            return file.url
        raise UsageError(f"{file.name!r} has no URL and no client to fetch it from")

    # -- sync -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _client(self) -> Iterator[httpx.Client]:
        if self.client is not None:
            yield self.client
            return
        headers = dict(self.aclient.headers) if self.aclient is not None else None
        cookies = self.aclient.cookies if self.aclient is not None else None
        with httpx.Client(headers=headers, cookies=cookies) as client:
            yield client

    def _get(self, client: httpx.Client, url: str, chunk_size: int | None) -> Iterator[bytes]:
        """GET ``url`` streamed (``chunk_size`` None: chunks as they arrive, no re-chunking
        copy); retried (a download is idempotent) on connect errors and
        429/502/503/504 while no byte has been given out yet."""
        for attempt in itertools.count():
            started = False
            try:
                with client.stream("GET", url, follow_redirects=True) as response:
                    if response.is_success:
                        started = True
                        yield from response.iter_bytes(chunk_size)
                        return
                    response.read()
                    if not _retry(response, attempt):
                        raise status_error(response, f"download {url}")
                    delay = backoff(attempt, retry_after(response))
            except httpx.TransportError as exc:
                if started or attempt >= MAX_RETRIES:
                    raise map_transport_error(exc, f"download {url}") from exc
                delay = backoff(attempt)
            time.sleep(delay)

    def _get_text(self, client: httpx.Client, url: str) -> str:
        return b"".join(self._get(client, url, None)).decode("utf-8", "replace")

    def iter_bytes(self, file: RemoteFile, chunk_size: int | None = None) -> Iterator[bytes]:
        if file._inline is not None:  # a gradio 3.x image: the content came inline
            yield file._inline
            return
        url = self.file_url(file)
        with self._client() as client:
            if not file.is_stream:
                yield from self._get(client, url, chunk_size)
                return
            deadline = time.monotonic() + HLS_TIMEOUT
            sent = 0
            init_sent = False
            while True:
                playlist = parse_playlist(self._get_text(client, url), url)
                if playlist.init and not init_sent:
                    yield from self._get(client, playlist.init, chunk_size)
                    init_sent = True
                for segment in playlist.segments[sent:]:
                    yield from self._get(client, segment, chunk_size)
                sent = len(playlist.segments)
                if playlist.ended:
                    return
                if time.monotonic() > deadline:
                    raise ReadTimeout(f"HLS stream {url} did not end within {HLS_TIMEOUT} s")
                time.sleep(min(playlist.target_duration, HLS_MAX_POLL))

    def stream_name(self, file: RemoteFile) -> str:
        if not file.is_stream:
            return file.name
        with self._client() as client:
            url = self.file_url(file)
            return _stream_name(file, parse_playlist(self._get_text(client, url), url).segments)

    def download(self, file: RemoteFile, directory: Path, name: str | None = None) -> Path:
        chosen = safe_filename(name or self.stream_name(file))
        path, handle = create_unique(directory, chosen)
        try:
            with handle:
                for chunk in self.iter_bytes(file):
                    handle.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        log.debug("downloaded %s -> %s", file.path, path)
        return path

    # -- async ----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _aclient(self) -> AsyncIterator[httpx.AsyncClient]:
        if self.aclient is not None:
            yield self.aclient
            return
        headers = dict(self.client.headers) if self.client is not None else None
        cookies = self.client.cookies if self.client is not None else None
        async with httpx.AsyncClient(headers=headers, cookies=cookies) as client:
            yield client

    async def _aget(
        self, client: httpx.AsyncClient, url: str, chunk_size: int | None
    ) -> AsyncIterator[bytes]:
        for attempt in itertools.count():  # retried like ``_get``
            started = False
            try:
                async with client.stream("GET", url, follow_redirects=True) as response:
                    if response.is_success:
                        started = True
                        async for chunk in response.aiter_bytes(chunk_size):
                            yield chunk
                        return
                    await response.aread()
                    if not _retry(response, attempt):
                        raise status_error(response, f"download {url}")
                    delay = backoff(attempt, retry_after(response))
            except httpx.TransportError as exc:
                if started or attempt >= MAX_RETRIES:
                    raise map_transport_error(exc, f"download {url}") from exc
                delay = backoff(attempt)
            await anyio.sleep(delay)

    async def _aget_text(self, client: httpx.AsyncClient, url: str) -> str:
        data = b"".join([c async for c in self._aget(client, url, None)])
        return data.decode("utf-8", "replace")

    async def aiter_bytes(
        self, file: RemoteFile, chunk_size: int | None = None
    ) -> AsyncIterator[bytes]:
        if file._inline is not None:
            yield file._inline
            return
        url = self.file_url(file)
        async with self._aclient() as client:
            if not file.is_stream:
                async for chunk in self._aget(client, url, chunk_size):
                    yield chunk
                return
            deadline = time.monotonic() + HLS_TIMEOUT
            sent = 0
            init_sent = False
            while True:
                playlist = parse_playlist(await self._aget_text(client, url), url)
                parts = list(playlist.segments[sent:])
                if playlist.init and not init_sent:
                    parts.insert(0, playlist.init)
                    init_sent = True
                for part in parts:
                    async for chunk in self._aget(client, part, chunk_size):
                        yield chunk
                sent = len(playlist.segments)
                if playlist.ended:
                    return
                if time.monotonic() > deadline:
                    raise ReadTimeout(f"HLS stream {url} did not end within {HLS_TIMEOUT} s")
                await anyio.sleep(min(playlist.target_duration, HLS_MAX_POLL))

    async def astream_name(self, file: RemoteFile) -> str:
        if not file.is_stream:
            return file.name
        async with self._aclient() as client:
            url = self.file_url(file)
            text = await self._aget_text(client, url)
            return _stream_name(file, parse_playlist(text, url).segments)

    async def adownload(self, file: RemoteFile, directory: Path, name: str | None = None) -> Path:
        chosen = safe_filename(name or await self.astream_name(file))
        path, handle = create_unique(directory, chosen)
        try:
            with handle:
                async for chunk in self.aiter_bytes(file):
                    handle.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        log.debug("downloaded %s -> %s", file.path, path)
        return path


def api_url(root: str, api_prefix: str = DEFAULT_API_PREFIX) -> str:
    """``{root}{api_prefix}`` without a trailing slash."""
    return (
        root.rstrip("/") + "/" + api_prefix.strip("/")
        if api_prefix.strip("/")
        else root.rstrip("/")
    )


def url_basename(url: str) -> str:
    return posixpath.basename(unquote(urlsplit(url).path))
