"""File values: ``File`` (a file the server has), ``FileSource`` (a file to send), ``FileInput``.

* ``File`` is what an output file becomes: it knows the server ``path``, its ``url``, ``size``,
  ``orig_name``, ``mime_type`` and ``is_stream``, and fetches its bytes through the client that
  produced it (same cookies and token rules): ``read_bytes()``, ``iter_bytes()``, ``open()``,
  ``download(dir)`` and their async twins ``aread_bytes()``, ``aiter_bytes()``, ``adownload()``
  (a blocking method on a file of an async client, called on the event loop's thread, raises
  ``UsageError`` naming its twin instead of blocking the loop).
  With a client ``download_dir`` the file is saved there: eagerly by ``Client.predict``, else
  on first use of ``local_path`` / ``os.fspath(file)`` (never inside the engine's locks). It
  validates from a FileData dict, so pydantic models can use it as a field type.
* ``FileSource`` is a marker for one file to send: a local path, an ``http(s)`` URL, bytes, a
  binary file object, or a file the server already has. ``handle_file()`` makes one (parity with
  gradio_client); the engine uploads markers wherever they appear in the inputs.
* ``FileInput`` is the annotated input type of generated models: its validator turns any accepted
  value into a ``FileSource``.

Elsewhere: ``_walk`` (where the files are, by schema; pure), ``_upload`` (uploads), ``_io``
(downloads, HLS, safe names: it knows a file by its ``RemoteFile`` protocol and does not import
this module; a ``File`` with no client imports it for a default transfer on first use),
``_handler`` (the engine's hooks).
"""

from __future__ import annotations

import base64
import binascii
import io
import mimetypes
import os
import posixpath
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, Literal, Protocol
from urllib.parse import unquote, urlsplit

from .._constants import DOWNLOAD_CHUNK_SIZE, FILE_DATA_TYPE
from .._exceptions import UsageError
from .._threads import loop_running
from ._chunks import ChunkReader, iter_local
from ._image import ImageKind, encode_png, image_kind
from ._url import is_url

if TYPE_CHECKING:  # pydantic: imported by the hooks below when pydantic first asks
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import core_schema

    from ._io import FileTransfer

__all__ = ["File", "FileInput", "FileSource", "ImageLike", "handle_file", "is_url"]

FILE_META: dict[str, str] = {"_type": FILE_DATA_TYPE}

SourceKind = Literal["path", "url", "bytes", "stream", "server"]


def is_file_data(value: Any) -> bool:
    """A dict carrying a FileData marker (``meta._type == "gradio.FileData"``)."""
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("meta"), Mapping)
        and value["meta"].get("_type") == FILE_DATA_TYPE
    )


# -- outputs ------------------------------------------------------------------------------


class File:
    """A file held by the server (an output, or a reference to send back as an input)."""

    __slots__ = (
        "_auto",
        "_inline",
        "_local",
        "_transfer",
        "is_stream",
        "meta",
        "mime_type",
        "orig_name",
        "path",
        "size",
        "url",
    )

    def __init__(
        self,
        path: str,
        *,
        url: str | None = None,
        size: int | None = None,
        orig_name: str | None = None,
        mime_type: str | None = None,
        is_stream: bool = False,
        meta: Mapping[str, Any] | None = None,
        local_path: Path | None = None,
        transfer: FileTransfer | None = None,
    ) -> None:
        self.path = path
        self.url = url
        self.size = size
        self.orig_name = orig_name
        self.mime_type = mime_type
        self.is_stream = is_stream
        self.meta: dict[str, Any] = dict(meta) if meta else dict(FILE_META)
        self._local = local_path
        self._auto: Callable[[File], Path] | None = None
        """Set by the client when it has a ``download_dir``: saves the file there."""
        self._transfer = transfer
        self._inline: bytes | None = None
        """The content, for a file that came inline (a gradio 3.x image's data URL)."""

    @property
    def local_path(self) -> Path | None:
        """The local copy (the first ``download``); with a client ``download_dir``, reading
        it saves the file there first (once per server file per client)."""
        if self._local is None and self._auto is not None:
            self._local = self._auto(self)
        return self._local

    @local_path.setter
    def local_path(self, value: Path | None) -> None:
        self._local = value

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *, transfer: FileTransfer | None = None) -> File:
        """From a FileData dict (``path`` or ``url`` required), or a gradio 3.x file dict
        (``{"name", "orig_name", "size", "data", "is_file"}``: ``name`` is the server path;
        a base64 data URL in ``data`` is the content itself)."""
        path = data.get("path")
        url = data.get("url")
        if path is None and url is None and "is_file" in data:
            return cls._from_gradio3(data, transfer)
        if not isinstance(path, str):
            if not isinstance(url, str):
                raise ValueError("a FileData needs a string 'path' or 'url'")
            path = url
        size = data.get("size")
        meta = data.get("meta")
        return cls(
            path,
            url=url if isinstance(url, str) else None,
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            orig_name=_opt_str(data.get("orig_name")),
            mime_type=_opt_str(data.get("mime_type")),
            is_stream=bool(data.get("is_stream", False)),
            meta=meta if isinstance(meta, Mapping) else None,
            transfer=transfer,
        )

    @classmethod
    def _from_gradio3(cls, data: Mapping[str, Any], transfer: FileTransfer | None) -> File:
        name = data.get("name")
        inline = data.get("data")
        orig = _opt_str(data.get("orig_name"))
        content: bytes | None = None
        mime = None
        if isinstance(inline, str) and inline.startswith("data:"):
            source = _data_uri(inline, "a gradio 3.x inline file")
            content, mime = source.value, source.mime_type
            orig = orig or (name if isinstance(name, str) else None) or source.filename
        elif not isinstance(name, str):
            raise ValueError("a gradio 3.x file needs a string 'name' or inline 'data'")
        size = data.get("size")
        file = cls(
            name if isinstance(name, str) else (orig or "file"),
            size=len(content)
            if content is not None
            else (size if isinstance(size, int) and not isinstance(size, bool) else None),
            orig_name=orig,
            mime_type=mime,
            transfer=transfer,
        )
        file._inline = content
        return file

    def to_data(self) -> dict[str, Any]:
        """The FileData dict (what the server sent, and what it accepts back as an input)."""
        return {
            "path": self.path,
            "url": self.url,
            "size": self.size,
            "orig_name": self.orig_name,
            "mime_type": self.mime_type,
            "is_stream": self.is_stream,
            "meta": dict(self.meta),
        }

    @property
    def name(self) -> str:
        """The original file name (``orig_name``), else the last segment of the path."""
        if self.orig_name:
            return self.orig_name
        tail = urlsplit(self.path).path if is_url(self.path) else self.path
        return posixpath.basename(unquote(tail).replace("\\", "/")) or "file"

    # -- fetching --------------------------------------------------------------------

    def _get_transfer(self) -> FileTransfer:
        if self._transfer is None:
            from ._io import FileTransfer

            self._transfer = FileTransfer()
        return self._transfer

    def _blocking_transfer(self, method: str, instead: str) -> FileTransfer:
        """The transfer for a blocking fetch; ``UsageError`` if this file came from an async
        client and an event loop runs in this thread (the fetch would block it)."""
        transfer = self._get_transfer()
        if (
            self._inline is None  # content in hand: no request
            and transfer.client is None
            and transfer.aclient is not None
            and loop_running()
        ):
            raise UsageError(
                f"File.{method}() would block the event loop (this file came from an async "
                f"client): use {instead}"
            )
        return transfer

    def iter_bytes(self, chunk_size: int = DOWNLOAD_CHUNK_SIZE) -> Iterator[bytes]:
        """The content in chunks, streamed (an HLS stream yields its media segments).
        Blocking; in async code: ``async for chunk in file.aiter_bytes()``."""
        if self._inline is not None:
            return iter((self._inline,))
        if self._local is not None:
            return iter_local(self._local, chunk_size)
        transfer = self._blocking_transfer("iter_bytes", "`async for chunk in file.aiter_bytes()`")
        return transfer.iter_bytes(self, chunk_size)

    def read_bytes(self) -> bytes:
        """The whole content in memory (use ``download``/``open`` for big files).
        Blocking; in async code: ``await file.aread_bytes()``."""
        if self._local is None:
            self._blocking_transfer("read_bytes", "`await file.aread_bytes()`")
        return b"".join(self.iter_bytes())

    def open(self) -> BinaryIO:
        """A streamed, read-only binary file object; use it as a context manager.
        Blocking; in async code: ``async for chunk in file.aiter_bytes()``."""
        if self._local is None:
            self._blocking_transfer("open", "`async for chunk in file.aiter_bytes()`")
        chunks = self.iter_bytes()
        return io.BufferedReader(ChunkReader(chunks), buffer_size=DOWNLOAD_CHUNK_SIZE)  # type: ignore[return-value]

    def download(
        self, dir: str | os.PathLike[str] | None = None, *, name: str | None = None
    ) -> Path:
        """Stream the file into ``dir`` (default: the current directory) and return its path.

        The name is ``name`` or the server's ``orig_name``, made safe (it cannot leave ``dir``)
        and unique (an existing file is never overwritten: ``report (1).pdf``).
        Blocking; in async code: ``await file.adownload(dir)``.
        """
        transfer = self._blocking_transfer("download", "`await file.adownload(dir)`")
        path = transfer.download(self, Path(dir or "."), name)
        self._local = self._local or path
        return path

    async def aiter_bytes(self, chunk_size: int = DOWNLOAD_CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The content in chunks, streamed without blocking the event loop."""
        if self._inline is not None:
            yield self._inline
            return
        if self._local is not None:
            for chunk in iter_local(self._local, chunk_size):
                yield chunk
            return
        async for chunk in self._get_transfer().aiter_bytes(self, chunk_size):
            yield chunk

    async def aread_bytes(self) -> bytes:
        """The whole content in memory, without blocking the event loop."""
        return b"".join([chunk async for chunk in self.aiter_bytes()])

    async def adownload(
        self, dir: str | os.PathLike[str] | None = None, *, name: str | None = None
    ) -> Path:
        """``download`` without blocking the event loop (same naming rules)."""
        path = await self._get_transfer().adownload(self, Path(dir or "."), name)
        self._local = self._local or path
        return path

    # -- dunder ----------------------------------------------------------------------

    def __fspath__(self) -> str:
        if self.local_path is None:
            raise UsageError(
                f"{self.name!r} has not been downloaded; call .download(dir) (or give the client "
                "download_dir=...) before using it as a local path"
            )
        return str(self.local_path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, File):
            return NotImplemented
        return (self.path, self.url, self.is_stream) == (other.path, other.url, other.is_stream)

    def __hash__(self) -> int:
        return hash((self.path, self.url, self.is_stream))

    def __repr__(self) -> str:
        extra = f", local_path={str(self._local)!r}" if self._local else ""
        stream = ", is_stream=True" if self.is_stream else ""
        return f"File({self.name!r}, size={self.size!r}, url={self.url!r}{stream}{extra})"

    # -- pydantic --------------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from pydantic_core import core_schema

        def validate(value: Any) -> File:
            if isinstance(value, File):
                return value
            if isinstance(value, Mapping):
                return File.from_data(value)
            raise ValueError("expected a File or a FileData object")

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda f: f.to_data(), when_used="json"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return dict(FILE_DATA_JSON_SCHEMA)


FILE_DATA_JSON_SCHEMA: dict[str, Any] = {
    "title": "FileData",
    "type": "object",
    "properties": {
        "path": {"type": "string"},
        "url": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "size": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "orig_name": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "mime_type": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "is_stream": {"type": "boolean"},
        "meta": {"type": "object", "default": FILE_META},
    },
    "required": ["path"],
}


# -- inputs -------------------------------------------------------------------------------


class ImageLike(Protocol):
    """What a PIL image and a numpy array have in common (the array interface): the static
    type of in-memory images in ``FileInput``, so neither package is a dependency."""

    @property
    def __array_interface__(self) -> Mapping[str, Any]: ...


class FileSource:
    """One file to send. Make it with ``handle_file`` (or let ``FileInput`` do it).

    ``kind`` is ``"path"`` (local file, uploaded), ``"url"`` (passed to the server, which
    fetches it; private/loopback URLs are fetched by the client and uploaded, because the
    server refuses them), ``"bytes"`` / ``"stream"`` (uploaded), ``"server"`` (a file the
    server already has: sent as a reference, nothing uploaded).
    """

    __slots__ = ("image", "inline", "kind", "mime_type", "name", "value")

    def __init__(
        self,
        kind: SourceKind,
        value: Any,
        name: str | None = None,
        mime_type: str | None = None,
        *,
        image: ImageKind | None = None,
    ) -> None:
        self.kind: SourceKind = kind
        self.value: Any = value
        self.inline = False
        """At a gradio 3.x image position: sent as a base64 data URL, not uploaded."""
        """``str`` path / URL, ``bytes``, a binary file object, or the FileData dict."""
        self.name = name
        self.mime_type = mime_type
        self.image: ImageKind | None = image
        """Set when the bytes are a PNG made from a PIL image or a numpy array (``_image``):
        an array is accepted only where the app expects an image."""

    @property
    def filename(self) -> str:
        """The name sent with an upload (the server sanitises it again)."""
        if self.name:
            return self.name
        if self.kind == "path":
            return os.path.basename(self.value) or "file"
        if self.kind == "url":
            return posixpath.basename(unquote(urlsplit(self.value).path)) or "file"
        if self.kind == "stream":
            raw = getattr(self.value, "name", None)
            if isinstance(raw, str) and raw:
                return os.path.basename(raw)
        if self.kind == "server":
            orig = self.value.get("orig_name")
            if isinstance(orig, str) and orig:
                return orig
            return posixpath.basename(str(self.value.get("path") or "")) or "file"
        return "file"

    def __repr__(self) -> str:
        shown = f"<{len(self.value)} bytes>" if self.kind == "bytes" else repr(self.value)
        if self.kind == "stream":
            shown = f"<{type(self.value).__name__}>"
        return f"FileSource({self.kind}, {shown}, name={self.filename!r})"


def handle_file(
    value: str
    | os.PathLike[str]
    | bytes
    | BinaryIO
    | File
    | FileSource
    | ImageLike
    | Mapping[str, Any],
    *,
    name: str | None = None,
    mime_type: str | None = None,
) -> FileSource:
    """Mark ``value`` as a file to send: a local path, an ``http(s)`` URL, bytes, a binary file
    object, a ``File`` from an earlier output, a FileData dict, or a PIL image / numpy array
    (encoded as PNG). Raises ``UsageError`` (a
    ``ValueError``) for a path that is not an existing file, or a value that is not a file."""
    source = to_source(value, "value")
    if name is None and mime_type is None:
        return source
    return FileSource(
        source.kind, source.value, name or source.name, mime_type or source.mime_type,
        image=source.image,
    )  # fmt: skip


def to_source(value: Any, where: str) -> FileSource:
    """Any accepted file value -> ``FileSource``; ``UsageError`` naming ``where`` otherwise."""
    if isinstance(value, FileSource):
        return value
    if isinstance(value, File):
        if value._inline is not None:
            return FileSource("bytes", value._inline, value.name, value.mime_type)
        return FileSource("server", value.to_data(), value.orig_name, value.mime_type)
    if isinstance(value, str) and is_url(value):
        return FileSource("url", value)
    if isinstance(value, str) and value.startswith("data:") and ";base64," in value[:200]:
        return _data_uri(value, where)
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if not isinstance(path, str):
            raise UsageError(f"{where}: a bytes path is not supported, use str: {path!r}")
        if not os.path.isfile(path):
            raise UsageError(f"{where}: {_not_a_file(path)}")
        return FileSource("path", path)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return FileSource("bytes", bytes(value))
    if hasattr(value, "read") and callable(value.read):
        if isinstance(value, io.TextIOBase):
            raise UsageError(f"{where}: open the file in binary mode ('rb'), not text mode")
        return FileSource("stream", value)
    if isinstance(value, Mapping):
        return _dict_source(value, where)
    image = image_kind(value)
    if image is not None:
        try:
            data, name = encode_png(value, image)
        except UsageError as exc:
            raise UsageError(f"{where}: {exc}") from None
        return FileSource("bytes", data, name, "image/png", image=image)
    raise UsageError(
        f"{where}: expected a file (path, URL, bytes, binary file object, File, or for an "
        f"image a PIL image or numpy array), got {type(value).__name__}"
    )


def _not_a_file(path: str) -> str:
    if os.path.isdir(path):
        return f"{path!r} is a directory, not a file"
    if os.path.lexists(path):
        return f"{path!r} is not a regular file (or cannot be read)"
    return f"no such file: {path!r}"


def _data_uri(value: str, where: str) -> FileSource:
    """``data:<mime>;base64,<payload>`` -> the decoded bytes, uploaded."""
    head, _, payload = value.partition(",")
    mime = head[5:].split(";", 1)[0] or None
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise UsageError(f"{where}: invalid base64 in a data: URI") from None
    ext = mimetypes.guess_extension(mime) if mime else None
    return FileSource("bytes", data, "file" + (ext or ""), mime)


def _dict_source(value: Mapping[str, Any], where: str) -> FileSource:
    """A FileData-like dict: URL -> url; local file without ``url`` -> upload (like a
    gradio_client ``handle_file`` dict); otherwise a reference to a file the server has."""
    if "path" not in value and "is_file" in value:  # a gradio 3.x file dict
        return to_source(File.from_data(value), where)
    path = value.get("path")
    url = value.get("url")
    orig = _opt_str(value.get("orig_name"))
    mime = _opt_str(value.get("mime_type"))
    if isinstance(path, str) and is_url(path):
        return FileSource("url", path, orig, mime)
    if path is None and isinstance(url, str) and is_url(url):
        return FileSource("url", url, orig, mime)
    if not isinstance(path, str):
        raise UsageError(f"{where}: a file dict needs a string 'path' (or a URL 'url')")
    if url is None and os.path.isfile(path):
        return FileSource("path", path, orig, mime)
    data = {k: v for k, v in value.items() if k != "meta"}
    data["meta"] = dict(FILE_META)
    return FileSource("server", data, orig, mime)


class _FileInputValidator:
    """Pydantic hook of ``FileInput``: any accepted value -> ``FileSource`` (kept as is by
    ``model_dump()``, so the engine finds and uploads it)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from pydantic_core import core_schema

        def validate(value: Any) -> FileSource:
            try:
                return to_source(value, "file")
            except UsageError as exc:
                raise ValueError(str(exc).removeprefix("file: ")) from None

        def serialize(value: FileSource, info: core_schema.SerializationInfo) -> Any:
            if info.mode_is_json():
                return value.value if value.kind in ("path", "url", "server") else value.filename
            return value  # python mode keeps the marker for the engine to upload

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                serialize, info_arg=True
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [
                {"type": "string", "description": "a local path or an http(s) URL"},
                dict(FILE_DATA_JSON_SCHEMA),
            ]
        }


FileInput = Annotated[
    str | os.PathLike[str] | bytes | BinaryIO | File | FileSource | ImageLike,
    _FileInputValidator(),
]
"""A file parameter: a local path, an ``http(s)`` URL, bytes, a binary file object, a ``File``
from an earlier output, a ``handle_file()`` marker, or an in-memory image: a PIL image (sent as
PNG wherever a file goes) or a numpy array (sent as PNG where the app expects an image)."""


# -- helpers ------------------------------------------------------------------------------


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
