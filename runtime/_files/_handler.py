"""The engine's file hooks: ``prepare_inputs`` before a join, ``process_outputs`` after results.

One ``FileHandler`` per client. Inputs: every value at a file position of the endpoint's
parameter schemas (and every ``handle_file`` marker anywhere) becomes a FileData the server
accepts, uploading what must be uploaded in as few requests as possible. Outputs: every
FileData at a file position of the output schemas becomes a ``File`` bound to the client's
transfer (same auth); with ``download_dir`` each is also downloaded there (``File.local_path``),
once per server file per client.

A call whose values hold no file imports none of the transfer modules: the client's
``FileTransfer`` (``_io``) is made on first use, uploads (``_upload``) and era forms
(``_eras``) are imported when a value holds a file (this module is on every client's
cold start).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._constants import MAX_RETRIES
from .._spec import EndpointSpec
from ._file import File, FileSource
from ._walk import (
    IMAGE_COMPONENTS,
    collect_sources,
    input_sources,
    output_files,
    replace_sources,
)

if TYPE_CHECKING:
    from ._eras import FileFormat
    from ._io import FileTransfer

T = TypeVar("T")


class FileHandler:
    def __init__(
        self,
        transfer: FileTransfer | Callable[[], FileTransfer],
        *,
        max_file_size: int | None = None,
        download_dir: str | os.PathLike[str] | None = None,
        max_retries: int = MAX_RETRIES,
        file_format: FileFormat = "filedata_meta",
    ) -> None:
        self._transfer: FileTransfer | None = None
        self._make_transfer: Callable[[], FileTransfer] | None = None
        if callable(transfer):
            self._make_transfer = transfer
        else:
            self._transfer = transfer
        self.file_format = file_format
        """How the app's gradio wants input files (``_eras``)."""
        self.max_file_size = max_file_size
        self.max_retries = max_retries
        """Retries of an ``/upload`` request (see ``_files_upload``)."""
        self.download_dir = Path(download_dir) if download_dir is not None else None
        self._downloaded: dict[tuple[str, str | None], Path] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[str, str | None], threading.Lock] = {}

    @property
    def transfer(self) -> FileTransfer:
        """The client's ``FileTransfer`` (``for_client`` passes a factory: made on first use)."""
        transfer = self._transfer
        if transfer is None:
            with self._lock:
                transfer = self._transfer
                if transfer is None:
                    assert self._make_transfer is not None
                    transfer = self._transfer = self._make_transfer()
        return transfer

    # -- inputs ---------------------------------------------------------------------

    def _walk_inputs(self, ep: EndpointSpec, values: Sequence[Any]) -> list[Any]:
        """Values -> same values with ``FileSource`` at every file position (``UsageError``
        naming the parameter for a value that cannot be a file)."""
        schemas = _aligned(
            [p.schema for p in ep.parameters], ep.input_slots, ep.state_inputs, len(values)
        )
        names = _aligned(
            [p.name for p in ep.parameters], ep.input_slots, ep.state_inputs, len(values)
        )
        images = _aligned(
            [p.component.lower() in IMAGE_COMPONENTS for p in ep.parameters],
            ep.input_slots, ep.state_inputs, len(values),
        )  # fmt: skip
        return [
            input_sources(
                schema, value, f"{ep.api_name}: parameter {name or i!r}", images=bool(image)
            )
            for i, (schema, name, image, value) in enumerate(
                zip(schemas, names, images, values, strict=True)
            )
        ]

    def check_inputs(self, ep: EndpointSpec, values: Sequence[Any]) -> None:
        """Raise the ``UsageError`` ``prepare_inputs`` would raise for a value that cannot
        be a file (no I/O: nothing is opened or uploaded)."""
        self._walk_inputs(ep, values)

    def prepare_inputs(self, ep: EndpointSpec, values: Sequence[Any]) -> list[Any]:
        walked = self._walk_inputs(ep, values)
        sources = collect_sources(walked, [])
        if not sources:
            return walked
        from ._eras import data_url_sync  # imported on first use (module docstring)
        from ._upload import upload_sync

        client = self.transfer.client
        if client is None or self.transfer.api_url is None:
            raise RuntimeError("FileHandler.prepare_inputs needs a transfer with a sync client")
        uploads = [s for s in sources if not s.inline]
        sent = upload_sync(
            client, self.transfer.api_url, uploads, self.max_file_size, self.max_retries,
            fetch_urls=self.file_format != "filedata_meta",
        )  # fmt: skip
        inline = {id(s): data_url_sync(s, self.transfer) for s in sources if s.inline}
        return self._replace(walked, sent, inline)

    async def aprepare_inputs(self, ep: EndpointSpec, values: Sequence[Any]) -> list[Any]:
        walked = self._walk_inputs(ep, values)
        sources = collect_sources(walked, [])
        if not sources:
            return walked
        from ._eras import data_url_async  # imported on first use (module docstring)
        from ._upload import upload_async

        client = self.transfer.aclient
        if client is None or self.transfer.api_url is None:
            raise RuntimeError("FileHandler.aprepare_inputs needs a transfer with an async client")
        uploads = [s for s in sources if not s.inline]
        sent = await upload_async(
            client, self.transfer.api_url, uploads, self.max_file_size, self.max_retries,
            fetch_urls=self.file_format != "filedata_meta",
        )  # fmt: skip
        inline = {id(s): await data_url_async(s, self.transfer) for s in sources if s.inline}
        return self._replace(walked, sent, inline)

    def _replace(
        self, walked: list[Any], sent: dict[int, dict[str, Any]], inline: dict[int, str]
    ) -> list[Any]:
        from ._eras import encode

        fmt = self.file_format

        def value(s: FileSource) -> Any:
            return inline[id(s)] if s.inline else encode(sent[id(s)], fmt)

        result: list[Any] = replace_sources(walked, value)
        return result

    # -- outputs ------------------------------------------------------------------------

    def wrap_outputs(self, ep: EndpointSpec, data: Sequence[Any]) -> list[Any]:
        """FileData dicts at file positions -> ``File`` objects. No I/O: safe inside the
        engine's locks and in async code. With ``download_dir`` (sync transfer) each File
        saves itself there on first use of ``local_path``."""
        if not ep.outputs_have_files:
            return list(data)  # no file position in any output schema: nothing to wrap
        schemas = _aligned(
            [o.schema for o in ep.outputs], ep.output_slots, ep.state_outputs, len(data)
        )
        auto = self._download_cached if self.download_dir is not None else None
        if self.transfer.client is None and self.transfer.aclient is not None:
            auto = None  # async: no blocking I/O behind a property; see adownload_all

        def make(d: Mapping[str, Any]) -> File:
            file = File.from_data(d, transfer=self.transfer)
            file._auto = auto
            return file

        return [
            output_files(schema, value, make) for schema, value in zip(schemas, data, strict=True)
        ]

    def _download_cached(self, file: File) -> Path:
        """Save ``file`` into ``download_dir`` once per client (threads downloading the same
        server file wait for one download; different files download in parallel)."""
        assert self.download_dir is not None
        key = (file.path, file.url)
        with self._lock:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:
            known = self._downloaded.get(key)
            if known is None or not known.exists():
                known = self.transfer.download(file, self.download_dir)
                self._downloaded[key] = known
        return known

    def download_all(self, value: T) -> T:
        """With ``download_dir``: save every ``File`` in ``value`` there now (``predict``)."""
        if self.download_dir is not None:
            for file in _files_in(value):
                if file.local_path is None:
                    file.local_path = self._download_cached(file)
        return value

    async def adownload_all(self, value: T) -> T:
        if self.download_dir is not None:
            for file in _files_in(value):
                if file.local_path is None:
                    key = (file.path, file.url)
                    known = self._downloaded.get(key)
                    if known is None or not known.exists():
                        known = await self.transfer.adownload(file, self.download_dir)
                        self._downloaded[key] = known
                    file.local_path = known
        return value

    def process_outputs(
        self, ep: EndpointSpec, data: Sequence[Any], *, final: bool = True
    ) -> list[Any]:
        """``wrap_outputs`` then ``download_all`` (live HLS streams only when ``final``: a
        playlist ends only when the job does)."""
        wrapped = self.wrap_outputs(ep, data)
        if self.download_dir is not None:
            for file in _files_in(wrapped):
                if final or not file.is_stream:
                    self.download_all(file)
        return wrapped

    async def aprocess_outputs(
        self, ep: EndpointSpec, data: Sequence[Any], *, final: bool = True
    ) -> list[Any]:
        wrapped = self.wrap_outputs(ep, data)
        if self.download_dir is not None:
            for file in _files_in(wrapped):
                if final or not file.is_stream:
                    await self.adownload_all(file)
        return wrapped


def _files_in(value: Any) -> Iterator[File]:
    """Every ``File`` in a value (lists, tuples, dicts, pydantic models, NamedTuples)."""
    if isinstance(value, File):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _files_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _files_in(v)
    elif _is_model(value):
        for name in type(value).model_fields:
            yield from _files_in(getattr(value, name))
        for v in (value.model_extra or {}).values():
            yield from _files_in(v)


def _is_model(value: Any) -> bool:
    """A pydantic model (none exists while pydantic is not imported: no import here)."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(value, pydantic.BaseModel)


def _aligned(items: list[Any], slots: int, states: Sequence[int], n: int) -> list[Any]:
    """Per-value schema/name for ``n`` values: the visible list, or the wire list (State
    slots get no schema), or nothing known."""
    if n == len(items):
        return list(items)
    if n == slots:
        it = iter(items)
        state_set = set(states)
        return [None if i in state_set else next(it, None) for i in range(slots)]
    return [None] * n


__all__ = ["FileHandler", "for_client"]


def for_client(
    http: httpx.Client | httpx.AsyncClient,
    api_url: str,
    max_file_size: int | None,
    download_dir: str | os.PathLike[str] | None,
    max_retries: int = MAX_RETRIES,
    file_format: FileFormat = "filedata_meta",
) -> FileHandler:
    """The handler of one ``Client``/``AsyncClient`` (its own httpx client: same auth)."""

    def transfer() -> FileTransfer:
        from ._io import FileTransfer  # imported on first use (module docstring)

        if isinstance(http, httpx.AsyncClient):
            return FileTransfer(aclient=http, api_url=api_url)
        return FileTransfer(http, api_url=api_url)

    return FileHandler(
        transfer, max_file_size=max_file_size, download_dir=download_dir,
        max_retries=max_retries, file_format=file_format,
    )  # fmt: skip
