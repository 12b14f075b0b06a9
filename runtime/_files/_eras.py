"""Input files in each era's wire form (``Dialect.files``), and gradio 3.x inline images.

Uploads (``_upload``) produce today's FileData (``{"path", "orig_name", "meta"}``); before a
join each is rewritten for the app's gradio:

* ``filedata_meta`` (4.21+): as is (gradio 5+ requires ``meta``);
* ``filedata`` (4.0-4.20): without ``meta``;
* ``gradio3`` (3.x): ``{"name": server path, "orig_name", "data": null, "is_file": true}``.

A gradio 3.x ``gr.Image`` takes no upload: its value is the image itself as a base64 data
URL (``inline`` sources, see ``_walk.input_sources``), read here from a path, bytes, a file
object, a URL (fetched by the client) or a server file (downloaded).
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping
from typing import Any

import httpx

from .._transport._http import check, map_transport_error
from ._file import File, FileSource
from ._io import FileTransfer

FileFormat = str
"""``"gradio3"``, ``"filedata"`` or ``"filedata_meta"`` (``_protocol._dialect.FileFormat``)."""


def encode(file_data: Mapping[str, Any], fmt: FileFormat) -> dict[str, Any]:
    """A FileData made by an upload (or a server file's) -> what this era's server accepts."""
    if fmt == "gradio3":
        return {
            "name": file_data.get("path"),
            "orig_name": file_data.get("orig_name"),
            "data": None,
            "is_file": True,
        }
    if fmt == "filedata":
        return {k: v for k, v in file_data.items() if k != "meta"}
    return dict(file_data)


def _data_url(content: bytes, source: FileSource) -> str:
    mime = source.mime_type or mimetypes.guess_type(source.filename)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


def _local_bytes(source: FileSource) -> bytes | None:
    if source.kind == "bytes":
        return bytes(source.value)
    if source.kind == "path":
        with open(source.value, "rb") as fh:
            return fh.read()
    if source.kind == "stream":
        data = source.value.read()
        return bytes(data)
    return None


def data_url_sync(source: FileSource, transfer: FileTransfer) -> str:
    content = _local_bytes(source)
    if content is None and source.kind == "url":
        assert transfer.client is not None
        try:
            response = transfer.client.get(source.value, follow_redirects=True)
        except httpx.TransportError as exc:
            raise map_transport_error(exc, f"fetching {source.value}") from exc
        content = check(response, f"fetching {source.value}").content
    elif content is None:  # a file the server has
        content = File.from_data(source.value, transfer=transfer).read_bytes()
    return _data_url(content, source)


async def data_url_async(source: FileSource, transfer: FileTransfer) -> str:
    content = _local_bytes(source)
    if content is None and source.kind == "url":
        assert transfer.aclient is not None
        try:
            response = await transfer.aclient.get(source.value, follow_redirects=True)
        except httpx.TransportError as exc:
            raise map_transport_error(exc, f"fetching {source.value}") from exc
        content = check(response, f"fetching {source.value}").content
    elif content is None:
        content = await File.from_data(source.value, transfer=transfer).aread_bytes()
    return _data_url(content, source)
