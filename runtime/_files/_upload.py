"""Uploads: ``FileSource`` markers -> FileData dicts the server accepts as inputs.

* Local paths, bytes and binary file objects are uploaded to ``POST {api}/upload``, several
  files per multipart request (``UPLOAD_BATCH``), streamed from disk by httpx in chunks (a file
  is never read whole into memory).
* Sizes are checked against the app's ``max_file_size`` before anything is sent
  (``FileTooLargeError``); a file object whose size cannot be known is counted while it is sent
  and the upload is aborted past the limit; the server's 413 becomes ``FileTooLargeError`` too.
* A batch is sent again (at most ``max_retries`` times, with ``backoff``) after a connect
  error or a 429/502/503/504 answer, when every part of it can be read again: local files are
  reopened, bytes resent, a seekable file object is rewound to where it stood when the call
  began (file objects are sent from there). A batch holding a non-seekable stream is not
  retried, and neither is one that failed midway (reset, read timeout): the server may have
  been writing it.
* Public ``http(s)`` URLs are sent as URLs: the server fetches them. A URL whose host resolves
  to a private, loopback or link-local address is fetched by the client (streamed to a temporary
  file) and uploaded instead, because gradio's SSRF guard refuses such URLs ("Hostname
  127.0.0.1 failed validation") and a remote server could not reach them anyway.
* Files the server already has (``File`` outputs, FileData dicts) are sent as references; a
  ``File`` of another app (its URL names another host) is sent as a URL, by the rule above.
* A local path given twice in one call is uploaded once.

Every FileData sent carries ``"meta": {"_type": "gradio.FileData"}`` (the server requires it).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import mimetypes
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from .._constants import LOGGER_NAME, MAX_RETRIES, RETRY_STATUS_CODES
from .._exceptions import FileTooLargeError, ProtocolError
from .._transport._http import backoff, map_transport_error, retry_after, status_error
from ._file import FILE_META, FileSource, is_url
from ._io import url_basename

log = logging.getLogger(LOGGER_NAME)

UPLOAD_BATCH = 100
"""Files per ``/upload`` request (the server accepts up to 1000)."""


def _file_data(path: str, source: FileSource) -> dict[str, Any]:
    data: dict[str, Any] = {"path": path, "orig_name": source.filename, "meta": dict(FILE_META)}
    if source.mime_type:
        data["mime_type"] = source.mime_type
    return data


def is_private_url(url: str) -> bool:
    """Whether ``url``'s host is (or resolves to) a non-public address."""
    host = urlsplit(url).hostname or ""
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return True
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False  # unresolvable here: let the server try (and report)
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
        if not ip.is_global:
            return True
    return False


# -- planning (no I/O but stat/seek) ------------------------------------------------------


@dataclass
class _Part:
    source: FileSource
    size: int | None
    key: int
    """``id()`` of the marker this part answers (the caller's, before any rewrite)."""
    temp: str | None = None
    """A temporary file holding a fetched private URL (removed after the upload)."""
    start: int | None = None
    """Where a seekable file object stood when the call began: it is sent from there."""

    @property
    def name(self) -> str:
        return self.source.filename


def _part(source: FileSource, key: int) -> _Part:
    """A part to upload, sized (``None``: a stream of unknown size, counted while sent)."""
    if source.kind == "path":
        return _Part(source, os.path.getsize(source.value), key)
    if source.kind == "bytes":
        return _Part(source, len(source.value), key)
    stream = source.value
    with contextlib.suppress(Exception):
        if stream.seekable():
            here = int(stream.tell())
            end = int(stream.seek(0, os.SEEK_END))
            stream.seek(here)
            return _Part(source, end - here, key, start=here)
    return _Part(source, None, key)


def check_sizes(parts: Sequence[_Part], limit: int | None) -> None:
    if limit is None:
        return
    for part in parts:
        if part.size is not None and part.size > limit:
            raise FileTooLargeError(part.name, part.size, limit)


class _LimitedReader:
    """Counts bytes read from a file object of unknown size; raises past ``limit``."""

    def __init__(self, stream: Any, name: str, limit: int | None) -> None:
        self._stream = stream
        self.name = name
        self.limit = limit
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data: bytes = self._stream.read(n)
        self.count += len(data)
        if self.limit is not None and self.count > self.limit:
            raise FileTooLargeError(self.name, self.count, self.limit)
        return data


class _Window:
    """A seekable file object seen from ``start``: httpx seeks a file object to 0 before
    sending it and sizes it by seeking to its end, so it sends (and counts) the bytes from
    ``start`` on, on every attempt."""

    def __init__(self, stream: Any, start: int) -> None:
        self._stream = stream
        self._start = start

    def read(self, n: int = -1) -> bytes:
        data: bytes = self._stream.read(n)
        return data

    def tell(self) -> int:
        return int(self._stream.tell()) - self._start

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            offset += self._start
        return int(self._stream.seek(offset, whence)) - self._start


@contextlib.contextmanager
def _multipart(parts: Sequence[_Part], limit: int | None) -> Iterator[list[Any]]:
    """httpx ``files=`` entries; opens the local files and closes them afterwards."""
    with contextlib.ExitStack() as stack:
        files: list[Any] = []
        for part in parts:
            src = part.source
            mime = src.mime_type or mimetypes.guess_type(part.name)[0] or "application/octet-stream"
            if part.temp is not None or src.kind == "path":
                content: Any = stack.enter_context(open(part.temp or src.value, "rb"))
            elif src.kind == "bytes":
                content = src.value
            elif part.start is None:
                content = _LimitedReader(src.value, part.name, limit)
            else:
                content = _Window(src.value, part.start)
            files.append(("files", (part.name, content, mime)))
        yield files


def _too_large(
    response: httpx.Response, parts: Sequence[_Part], files: list[Any]
) -> FileTooLargeError:
    found = re.search(r"(\d+)\s*bytes", response.text)
    limit = int(found.group(1)) if found else -1
    sized = [(p.size, p.name) for p in parts if p.size is not None and p.size > limit >= 0]
    counted = [(f[1][1].count, f[1][1].name) for f in files if isinstance(f[1][1], _LimitedReader)]
    size, name = max(sized or counted or [(max((p.size or 0) for p in parts), parts[0].name)])
    return FileTooLargeError(name, size, limit)


def _paths(response: httpx.Response, parts: Sequence[_Part]) -> list[str]:
    try:
        paths = response.json()
    except ValueError:
        paths = None
    if (
        not isinstance(paths, list)
        or len(paths) != len(parts)
        or not all(isinstance(p, str) for p in paths)
    ):
        raise ProtocolError(
            f"/upload answered {response.text[:200]!r}; expected {len(parts)} path(s)"
        )
    return paths


@dataclass
class _Plan:
    parts: list[_Part]
    """What must be uploaded (each local file once)."""
    done: dict[int, dict[str, Any]]
    """FileData that need no upload, by ``id(source)``."""
    aliases: dict[int, int]
    """``id(source)`` -> ``id`` of an equal source uploaded in its place."""

    def finish(self) -> dict[int, dict[str, Any]]:
        for key, same in self.aliases.items():
            self.done[key] = self.done[same]
        return self.done


def _plan(sources: Sequence[FileSource], api: str, fetch_urls: bool = False) -> _Plan:
    """Split into parts to upload and FileData that need no upload. A file of another app
    (a ``File`` whose URL has another host) is sent as its URL; a local path given twice is
    uploaded once. ``fetch_urls``: every URL is fetched here and uploaded (gradio before
    4.21, whose servers do not reliably fetch a URL given as a file)."""
    plan = _Plan([], {}, {})
    host = urlsplit(api).netloc
    seen_paths: dict[str, int] = {}
    for source in sources:
        key = id(source)
        if source.kind == "server":
            url = source.value.get("url")
            if isinstance(url, str) and is_url(url) and urlsplit(url).netloc != host:
                source = FileSource("url", url, source.filename, source.mime_type)
            else:
                plan.done[key] = {**source.value, "meta": dict(FILE_META)}
                continue
        if source.kind == "url":
            if not fetch_urls and not is_private_url(source.value):
                plan.done[key] = {
                    "path": source.value,
                    "orig_name": source.filename,
                    "meta": dict(FILE_META),
                }
            else:
                plan.parts.append(_Part(source, None, key))
        elif source.kind == "path":
            real = os.path.realpath(source.value)
            if real in seen_paths and source.name is None:
                plan.aliases[key] = seen_paths[real]
                continue
            seen_paths.setdefault(real, key)
            plan.parts.append(_part(source, key))
        else:
            plan.parts.append(_part(source, key))
    return plan


def _temp_path(name: str) -> tuple[str, Any]:
    fd, path = tempfile.mkstemp(prefix="gradio_gen_", suffix="_" + os.path.basename(name)[-50:])
    return path, os.fdopen(fd, "wb")


# -- retries ---------------------------------------------------------------------------------


def _replayable(batch: Sequence[_Part]) -> bool:
    """Whether every part can be sent again: files are reopened, bytes resent, a seekable file
    object rewound (``_rewind``); a stream of unknown size can be read once only."""
    return all(part.source.kind != "stream" or part.start is not None for part in batch)


def _rewind(batch: Sequence[_Part]) -> None:
    """Seekable file objects back to where they stood when the call began."""
    for part in batch:
        if part.start is not None:
            part.source.value.seek(part.start)


def _retry_delay(
    attempt: int,
    max_retries: int,
    batch: Sequence[_Part],
    failure: httpx.Response | httpx.TransportError,
) -> float | None:
    """Seconds to wait before sending ``batch`` again, or ``None``: raise. Only a connect
    error (nothing was sent) or a 429/502/503/504 answer is retried; a transfer cut midway is
    not (the server may be writing the file)."""
    if attempt >= max_retries or not _replayable(batch):
        return None
    if isinstance(failure, httpx.Response):
        if failure.status_code not in RETRY_STATUS_CODES:
            return None
        delay = backoff(attempt, retry_after(failure))
        log.info("upload: HTTP %s; retrying in %.2f s", failure.status_code, delay)
        return delay
    if not isinstance(failure, (httpx.ConnectError, httpx.ConnectTimeout)):
        return None
    delay = backoff(attempt)
    log.info("upload: %s; retrying in %.2f s", failure, delay)
    return delay


# -- sync -----------------------------------------------------------------------------------


def upload_sync(
    client: httpx.Client,
    api: str,
    sources: Sequence[FileSource],
    max_file_size: int | None,
    max_retries: int = MAX_RETRIES,
    fetch_urls: bool = False,
) -> dict[int, dict[str, Any]]:
    """Upload what needs uploading; return ``{id(source): FileData to send}``."""
    plan = _plan(sources, api, fetch_urls)
    parts, result = plan.parts, plan.done
    try:
        for part in parts:
            if part.source.kind == "url":
                _fetch_sync(client, part)
        check_sizes(parts, max_file_size)
        for i in range(0, len(parts), UPLOAD_BATCH):
            batch = parts[i : i + UPLOAD_BATCH]
            paths = _send_sync(client, api, batch, max_file_size, max_retries)
            for part, path in zip(batch, paths, strict=True):
                result[part.key] = _file_data(path, part.source)
            log.debug("uploaded %d file(s)", len(batch))
    finally:
        for part in parts:
            if part.temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(part.temp)
    return plan.finish()


def _send_sync(
    client: httpx.Client, api: str, batch: Sequence[_Part], limit: int | None, max_retries: int
) -> list[str]:
    """One ``/upload`` request for ``batch`` (retried per ``_retry_delay``): the server paths."""
    attempt = 0
    while True:
        with _multipart(batch, limit) as files:
            try:
                response = client.post(f"{api}/upload", files=files)
            except httpx.TransportError as exc:
                if (delay := _retry_delay(attempt, max_retries, batch, exc)) is None:
                    raise map_transport_error(exc, "upload") from exc
            else:
                if response.status_code == 413:
                    raise _too_large(response, batch, files)
                if response.is_success:
                    return _paths(response, batch)
                if (delay := _retry_delay(attempt, max_retries, batch, response)) is None:
                    raise status_error(response, "upload")
        attempt += 1
        time.sleep(delay)
        _rewind(batch)


def _fetch_sync(client: httpx.Client, part: _Part) -> None:
    url = part.source.value
    log.debug("fetching private URL %s locally (the server would refuse it)", url)
    part.temp, handle = _temp_path(url_basename(url))
    with handle:
        try:
            with client.stream("GET", url, follow_redirects=True) as response:
                if not response.is_success:
                    response.read()
                    raise status_error(response, f"fetch {url}")
                for chunk in response.iter_bytes():
                    handle.write(chunk)
        except httpx.TransportError as exc:
            raise map_transport_error(exc, f"fetch {url}") from exc
    part.size = os.path.getsize(part.temp)


# -- async ----------------------------------------------------------------------------------


async def upload_async(
    client: httpx.AsyncClient,
    api: str,
    sources: Sequence[FileSource],
    max_file_size: int | None,
    max_retries: int = MAX_RETRIES,
    fetch_urls: bool = False,
) -> dict[int, dict[str, Any]]:
    """The async twin of ``upload_sync`` (URL host checks run in a worker thread)."""
    plan = await anyio.to_thread.run_sync(_plan, sources, api, fetch_urls)
    parts, result = plan.parts, plan.done
    try:
        for part in parts:
            if part.source.kind == "url":
                await _fetch_async(client, part)
        check_sizes(parts, max_file_size)
        for i in range(0, len(parts), UPLOAD_BATCH):
            batch = parts[i : i + UPLOAD_BATCH]
            paths = await _send_async(client, api, batch, max_file_size, max_retries)
            for part, path in zip(batch, paths, strict=True):
                result[part.key] = _file_data(path, part.source)
    finally:
        for part in parts:
            if part.temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(part.temp)
    return plan.finish()


async def _send_async(
    client: httpx.AsyncClient, api: str, batch: Sequence[_Part], limit: int | None, max_retries: int
) -> list[str]:
    attempt = 0
    while True:
        with _multipart(batch, limit) as files:
            try:
                response = await client.post(f"{api}/upload", files=files)
            except httpx.TransportError as exc:
                if (delay := _retry_delay(attempt, max_retries, batch, exc)) is None:
                    raise map_transport_error(exc, "upload") from exc
            else:
                if response.status_code == 413:
                    raise _too_large(response, batch, files)
                if response.is_success:
                    return _paths(response, batch)
                if (delay := _retry_delay(attempt, max_retries, batch, response)) is None:
                    raise status_error(response, "upload")
        attempt += 1
        await anyio.sleep(delay)
        _rewind(batch)


async def _fetch_async(client: httpx.AsyncClient, part: _Part) -> None:
    url = part.source.value
    part.temp, handle = _temp_path(url_basename(url))
    with handle:
        try:
            async with client.stream("GET", url, follow_redirects=True) as response:
                if not response.is_success:
                    await response.aread()
                    raise status_error(response, f"fetch {url}")
                async for chunk in response.aiter_bytes():
                    handle.write(chunk)
        except httpx.TransportError as exc:
            raise map_transport_error(exc, f"fetch {url}") from exc
    part.size = os.path.getsize(part.temp)
