"""``Client`` / ``AsyncClient``: the untyped public API every generated client builds on.

``_BaseClient`` holds everything that does no I/O (source parsing, options, the spec,
argument binding, output shaping); ``Client`` and ``AsyncClient`` differ only where they do
I/O, through the drivers in ``_sync`` / ``_async``.

Decisions: one session hash per client (``gr.State`` lives in it; ``reset_session()`` starts
a new one); ``queue: false`` endpoints go through ``queue/join`` like the others (the server
queues anything joined; one code path, progress and State work); connect fetches
``/config`` then ``/info`` unless a snapshot is given (or another client of the app in this
process just read them: ``_live``); constructing with a snapshot requests nothing (except
``/login`` for ``auth=``).

No join is sent with a mapping (fn_index, State slots, input count) this process has not
confirmed against the live app: ``predict``/``submit`` first make sure the live ``/config``
still shows this client's mapping (one ``GET /config`` per app and process, re-checked as
``_live`` says); when it does not, the live ``/info`` is read and the live API replaces the
snapshot's (logged at INFO), and the call is bound against it. ``trust_snapshot=True``
skips this (generated clients pass it: their ``on_drift`` check does the same job, typed).

More decisions:

* ``submit()`` returns once the app accepted the job (the join answered), so queue-full,
  validation and auth errors are raised by ``submit`` itself, typed; a join failure that may
  have reached the app is raised, never retried (see ``_http`` for the retry policy).
* ``predict()`` waits at most ``Timeout.job`` (600 s by default); on timeout (or any
  interruption) it cancels the job on the server before raising. ``Job.result(timeout)``
  only stops waiting: the job keeps running.
* Cancel is precise (rules in ``_protocol._session``): cancelling one job never stops
  another, even of the same function in the same session.
* No ``/heartbeat`` stream is held (it costs a connection and a thread per client). The
  server then keeps a session's ``gr.State`` until its own LRU evicts it and runs no
  ``unload`` events for it; calls, State, streaming inputs and cancel all work without it.
"""

from __future__ import annotations

import functools
import logging
import os
import ssl
import threading
import uuid
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._constants import HF_ENDPOINT, LOGGER_NAME, MAX_RETRIES, SPACE_WAKE_TIMEOUT
from .._exceptions import GradioGenError, HTTPStatusError, ProtocolError, UsageError
from .._files._handler import FileHandler, for_client
from .._spec import EndpointSpec
from .._threads import off_loop
from .._transport._http import (
    build_async_client,
    build_sync_client,
    request_async,
    request_sync,
    shutdown_pool,
    warm_async_client,
)
from .._transport._sync import SyncSession
from .._transport._sync_job import Job
from .._types import NOT_GIVEN, NotGiven, Timeout
from ._base import bind_arguments, default_transform, login_error, parse_source
from ._checks import AsyncChecks, SyncChecks
from ._map_api import AsyncClientMap, ClientMap
from ._portable import client_settings, restore_client, restoring

if TYPE_CHECKING:  # imported by an AsyncClient's first call (asyncio: not for sync clients)
    from .._transport._async import AsyncJob, AsyncSession
    from .._transport._calls import AsyncCalls, SyncCalls  # per-call protocols: on first use

logger = logging.getLogger(LOGGER_NAME)

__all__ = ["AsyncClient", "Client", "bind_arguments", "default_transform", "parse_source"]

R = TypeVar("R")


class Client(ClientMap, SyncChecks):
    """Sync client of one Gradio app. Connects in the constructor (``/config`` + ``/info``)
    unless ``snapshot`` is given. Thread-safe; one pooled HTTP client, one session.

    ``trust_snapshot=True`` uses the mapping it has (the snapshot, or what connecting read)
    without ever checking it again against the live app: a call to an app that changed
    since may then run another function, or fail. Default: checked (module docstring)."""

    def __init__(
        self,
        src: str,
        *,
        hf_token: str | NotGiven | None = NOT_GIVEN,
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = MAX_RETRIES,
        verify: bool | str | ssl.SSLContext = True,
        proxy: str | None = None,
        transport: httpx.BaseTransport | None = None,
        snapshot: Mapping[str, Any] | None = None,
        download_dir: str | os.PathLike[str] | None = None,
        status_callback: Callable[[Any], Any] | None = None,
        space_timeout: float = SPACE_WAKE_TIMEOUT,
        session_hash: str | None = None,
        trust_snapshot: bool = False,
    ) -> None:
        super().__init__(
            src, hf_token=hf_token, auth=auth, headers=headers, timeout=timeout,
            max_retries=max_retries, verify=verify, proxy=proxy, snapshot=snapshot,
            download_dir=download_dir, status_callback=status_callback,
            space_timeout=space_timeout, session_hash=session_hash,
            trust_snapshot=trust_snapshot,
        )  # fmt: skip
        self._http = build_sync_client(
            timeout=self.timeout, headers=self._headers, verify=verify, proxy=proxy,
            transport=transport, request_hook=self._token_policy.sync_hook,
        )  # fmt: skip
        self._lock = threading.Lock()
        self._connect_lock = threading.Lock()
        self._stop = threading.Event()
        """Set by ``close``: a check's request in progress is not retried."""
        self._ready = False
        self._session: SyncSession | SyncCalls | None = None
        self._old_sessions: list[SyncSession | SyncCalls] = []
        self._closed = False
        try:
            if (snapshot is None or (auth is not None and self._kind == "url")) and not restoring():
                self._connect()
        except BaseException:
            self._http.close()
            raise

    # -- connect -------------------------------------------------------------------------
    def _connect(self) -> None:
        if self._ready:
            return
        with self._connect_lock:  # not the session lock: close() must not wait for this
            if self._ready:
                return
            if self._closed:
                raise UsageError("this client is closed")
            if self.root is None:
                self.root = self._resolve_space()
            if self._auth is not None:
                self._login()
            if self._spec is None:
                self._load_live()
            self._ready = True

    def _resolve_space(self) -> str:
        if self.space_id is None:
            from .._hub._names import resolve_subdomain_sync

            assert self._subdomain is not None
            self.space_id = resolve_subdomain_sync(
                self._subdomain, token=self._space_token(), http=self._http
            )
        from .._hub._space import resolve_space_sync

        info = resolve_space_sync(
            self.space_id, token=self._space_token(), http=self._http,
            status_callback=self.status_callback, timeout=self.space_timeout,
            on_host=self._token_policy.allow_space_url,
        )  # fmt: skip
        self._token_policy.allow_space_url(info.url)
        return info.url

    def _login(self) -> None:
        assert self._auth is not None and self.root is not None
        user, password = self._auth
        try:
            request_sync(
                self._http, "POST", self.root + "login", what="logging in", policy="unsent",
                max_retries=self._max_retries, data={"username": user, "password": password},
            )  # fmt: skip
        except HTTPStatusError as exc:
            raise login_error(self.root, exc) from None

    def _get_json(self, url: str, what: str, stop: threading.Event | None = None) -> Any:
        response = request_sync(
            self._http, "GET", url, what=what, policy="idempotent",
            max_retries=self._max_retries, stop=stop,
        )  # fmt: skip
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(f"{what}: the answer is not JSON") from None

    def _current_session(self) -> SyncSession | SyncCalls:
        self._connect()
        with self._lock:
            if self._closed:
                raise UsageError("this client is closed")
            if self._session is None:
                kind: type[SyncSession | SyncCalls] = SyncSession
                if self._dialect.per_call:  # gradio 3.x-4.8: imported on first use
                    from .._transport._calls import SyncCalls

                    kind = SyncCalls
                self._session = kind(
                    self._http, self.api_url, self._session_hash, self.timeout,
                    self._max_retries, self._dialect,
                )  # fmt: skip
                self._session.encode_inputs = self._encode_inputs
            return self._session

    # -- hooks for the files layer ---------------------------------------------------------
    def _encode_inputs(self, ep: EndpointSpec, values: list[Any]) -> list[Any]:
        """Upload the files in ``values`` (visible values): see ``_files_handler``."""
        return self._files.prepare_inputs(ep, values)

    def _decode_outputs(self, ep: EndpointSpec, values: list[Any]) -> list[Any]:
        """FileData outputs -> ``File`` (no I/O: this runs under the session lock)."""
        if not ep.outputs_have_files:
            return list(values)
        return self._files.wrap_outputs(ep, values)

    def _decoding(
        self, ep: EndpointSpec, transform: Callable[[list[Any]], R]
    ) -> Callable[[list[Any]], R]:
        """A job's transform of its wire outputs: ``transform`` after ``_decode_outputs``,
        or ``transform`` itself when no output holds files (a job hands it a fresh list)."""
        if not ep.outputs_have_files:
            return transform
        return lambda outs: transform(self._decode_outputs(ep, outs))

    @functools.cached_property
    def _files(self) -> FileHandler:
        return for_client(
            self._http, self.api_url, self.spec.max_file_size, self.download_dir,
            self._max_retries, self.dialect.files,
        )  # fmt: skip

    # -- calls ---------------------------------------------------------------------------
    def _submit(
        self,
        ep: EndpointSpec,
        values: list[Any],
        *,
        transform: Callable[[list[Any]], R],
        lead: bool = False,
    ) -> Job[R]:
        """Join ``ep`` with visible ``values`` (validated, in order); the typed layer's entry.
        ``lead=True``: the caller waits on the job at once (its wait reads the stream)."""
        session = self._current_session()
        ep = self._confirmed_endpoint(ep)  # untyped calls bound before a check (map)
        self._check_callable(ep)
        data = self._wire(ep, self._encode_inputs(ep, list(values)))
        try:
            return session.join(ep, data, self._decoding(ep, transform), lead=lead)
        except GradioGenError as exc:
            self._suspect(exc)
            raise

    def submit(self, endpoint: str | int, *args: Any, **kwargs: Any) -> Job[Any]:
        """Start a call; returns once the app accepted it (``Job.event_id`` is known)."""
        ep, values = self._prepare_call(endpoint, args, kwargs)
        return self._submit(ep, values, transform=default_transform)

    def predict(self, endpoint: str | int, *args: Any, **kwargs: Any) -> Any:
        """Call and wait for the final output (bounded by ``Timeout.job``); on timeout the job
        is cancelled and ``JobTimeout`` raised."""
        ep, values = self._prepare_call(endpoint, args, kwargs)
        job = self._submit(ep, values, transform=default_transform, lead=True)
        try:
            return self._files.download_all(job.result())  # into download_dir, if set
        except BaseException as exc:
            self._suspect(exc)
            job.cancel()
            raise

    def reset_session(self) -> None:
        """Start a new session (fresh ``gr.State``); jobs in flight finish on the old one."""
        with self._lock:
            if self._session is not None:
                self._old_sessions.append(self._session)
                self._session = None
            self._session_hash = uuid.uuid4().hex

    @classmethod
    def duplicate(
        cls,
        from_space: str,
        to_id: str | None = None,
        *,
        private: bool = True,
        hardware: str | None = None,
        secrets: Mapping[str, str] | None = None,
        sleep_timeout: int | None = None,
        **options: Any,
    ) -> Client:
        """Copy a Space to your account (or reuse your copy), wait until it runs, connect.

        Like ``gradio_client.Client.duplicate``: ``sleep_timeout`` in minutes; the
        ``space_timeout`` option bounds the wait. Rules in ``_hub_duplicate``."""
        from .._hub._duplicate import duplicate_space_sync

        space_id = duplicate_space_sync(
            from_space, to_id, hf_token=options.get("hf_token", NOT_GIVEN), private=private,
            hardware=hardware, secrets=secrets, sleep_timeout=sleep_timeout,
            timeout=options.get("space_timeout", SPACE_WAKE_TIMEOUT),
            status_callback=options.get("status_callback"),
        )  # fmt: skip
        return cls(space_id, **options)

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Fail pending jobs with ``CancelledError``, stop reader threads, close sockets. A
        call waiting for its check ends at once with ``CancelledError`` (nothing logged)."""
        self._closed = True
        self._stop.set()
        with self._lock:
            sessions = [*self._old_sessions, *([self._session] if self._session else [])]
            self._session = None
            self._old_sessions = []
        for session in sessions:
            session.close()
        shutdown_pool(self._http)  # wakes a thread blocked reading a check's answer
        self._http.close()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles to its settings; the copy reconnects on its first call (``_portable``)."""
        return restore_client, (type(self), client_settings(self), self.pickle_secrets)

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(AsyncClientMap, AsyncChecks):
    """Async twin of ``Client``. The constructor does no I/O; ``await connect()`` (or the
    first call) fetches ``/config`` + ``/info`` unless a snapshot was given.
    ``trust_snapshot`` as for ``Client``."""

    def __init__(
        self,
        src: str,
        *,
        hf_token: str | NotGiven | None = NOT_GIVEN,
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = MAX_RETRIES,
        verify: bool | str | ssl.SSLContext = True,
        proxy: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        snapshot: Mapping[str, Any] | None = None,
        download_dir: str | os.PathLike[str] | None = None,
        status_callback: Callable[[Any], Any] | None = None,
        space_timeout: float = SPACE_WAKE_TIMEOUT,
        session_hash: str | None = None,
        trust_snapshot: bool = False,
    ) -> None:
        super().__init__(
            src, hf_token=hf_token, auth=auth, headers=headers, timeout=timeout,
            max_retries=max_retries, verify=verify, proxy=proxy, snapshot=snapshot,
            download_dir=download_dir, status_callback=status_callback,
            space_timeout=space_timeout, session_hash=session_hash,
            trust_snapshot=trust_snapshot,
        )  # fmt: skip
        self._http = build_async_client(
            timeout=self.timeout, headers=self._headers, verify=verify, proxy=proxy,
            transport=transport, request_hook=self._token_policy.async_hook,
        )  # fmt: skip
        self._ready = False
        self._warm = False
        self._connecting: Any = None  # asyncio.Lock, created on the loop
        # asyncio and the async sessions: imported by async clients only, and here, in the
        # constructor, not by a first call on the event loop
        from .._transport import _async  # noqa: F401

        self._session: AsyncSession | AsyncCalls | None = None
        self._old_sessions: list[AsyncSession | AsyncCalls] = []
        self._closed = False

    async def connect(self) -> AsyncClient:
        """Resolve the Space, log in, fetch ``/config`` + ``/info`` (whatever is needed)."""
        import asyncio

        if self._ready:
            return self
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._ready:
                return self
            if self._closed:
                raise UsageError("this client is closed")
            if not self._warm:  # first-request imports and TLS setup, off the event loop
                target = self.root or HF_ENDPOINT  # a Space: the Hub first
                await off_loop(functools.partial(warm_async_client, self._http, target))
                self._warm = True
            if self.root is None:
                self.root = await self._resolve_space()
            if self._auth is not None:
                await self._login()
            if self._spec is None:
                await self._load_live()
            self._ready = True
        return self

    async def _resolve_space(self) -> str:
        if self.space_id is None:
            from .._hub._names import resolve_subdomain

            assert self._subdomain is not None
            self.space_id = await resolve_subdomain(
                self._subdomain, token=self._space_token(), http=self._http
            )
        from .._hub._space import resolve_space

        info = await resolve_space(
            self.space_id, token=self._space_token(), http=self._http,
            status_callback=self.status_callback, timeout=self.space_timeout,
            on_host=self._token_policy.allow_space_url,
        )  # fmt: skip
        self._token_policy.allow_space_url(info.url)
        return info.url

    async def _login(self) -> None:
        assert self._auth is not None and self.root is not None
        user, password = self._auth
        try:
            await request_async(
                self._http, "POST", self.root + "login", what="logging in", policy="unsent",
                max_retries=self._max_retries, data={"username": user, "password": password},
            )  # fmt: skip
        except HTTPStatusError as exc:
            raise login_error(self.root, exc) from None

    async def _get_json(self, url: str, what: str, check: bool = False) -> Any:
        response = await request_async(
            self._http, "GET", url, what=what, policy="idempotent",
            max_retries=self._max_retries, stopped=(lambda: self._closed) if check else None,
        )  # fmt: skip
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(f"{what}: the answer is not JSON") from None

    async def _current_session(self) -> AsyncSession | AsyncCalls:
        await self.connect()
        if self._closed:
            raise UsageError("this client is closed")
        if self._session is None:
            if self._dialect.per_call:
                from .._transport._calls import AsyncCalls  # gradio 3.x-4.8: on first use

                self._session = AsyncCalls(
                    self._http, self.api_url, self._session_hash, self.timeout,
                    self._max_retries, self._dialect,
                )  # fmt: skip
            else:
                from .._transport._async import AsyncSession  # imported by __init__

                self._session = AsyncSession(
                    self._http, self.api_url, self._session_hash, self.timeout,
                    self._max_retries, dialect=self._dialect,
                )  # fmt: skip
            self._session.encode_inputs = self._encode_inputs
        return self._session

    async def _encode_inputs(self, ep: EndpointSpec, values: list[Any]) -> list[Any]:
        """Upload the files in ``values`` (visible values): see ``_files_handler``."""
        return await self._files.aprepare_inputs(ep, values)

    def _decode_outputs(self, ep: EndpointSpec, values: list[Any]) -> list[Any]:
        """FileData outputs -> ``File`` (no I/O here: ``await file.adownload(dir)``)."""
        if not ep.outputs_have_files:
            return list(values)
        return self._files.wrap_outputs(ep, values)

    def _decoding(
        self, ep: EndpointSpec, transform: Callable[[list[Any]], R]
    ) -> Callable[[list[Any]], R]:
        """A job's transform of its wire outputs: ``transform`` after ``_decode_outputs``,
        or ``transform`` itself when no output holds files (a job hands it a fresh list)."""
        if not ep.outputs_have_files:
            return transform
        return lambda outs: transform(self._decode_outputs(ep, outs))

    @functools.cached_property
    def _files(self) -> FileHandler:
        return for_client(
            self._http, self.api_url, self.spec.max_file_size, self.download_dir,
            self._max_retries, self.dialect.files,
        )  # fmt: skip

    async def _submit(
        self, ep: EndpointSpec, values: list[Any], *, transform: Callable[[list[Any]], R]
    ) -> AsyncJob[R]:
        session = await self._current_session()
        ep = await self._confirmed_endpoint(ep)
        self._check_callable(ep)
        data = self._wire(ep, await self._encode_inputs(ep, list(values)))
        try:
            return await session.join(ep, data, self._decoding(ep, transform))
        except GradioGenError as exc:
            self._suspect(exc)
            raise

    async def submit(self, endpoint: str | int, *args: Any, **kwargs: Any) -> AsyncJob[Any]:
        ep, values = await self._prepare_call(endpoint, args, kwargs)
        return await self._submit(ep, values, transform=default_transform)

    async def predict(self, endpoint: str | int, *args: Any, **kwargs: Any) -> Any:
        job = await self.submit(endpoint, *args, **kwargs)
        try:
            return await self._files.adownload_all(await job.result())  # into download_dir
        except BaseException as exc:
            self._suspect(exc)
            await job.cancel()
            raise

    def reset_session(self) -> None:
        if self._session is not None:
            self._old_sessions.append(self._session)
            self._session = None
        self._session_hash = uuid.uuid4().hex

    @classmethod
    async def duplicate(
        cls,
        from_space: str,
        to_id: str | None = None,
        *,
        private: bool = True,
        hardware: str | None = None,
        secrets: Mapping[str, str] | None = None,
        sleep_timeout: int | None = None,
        **options: Any,
    ) -> AsyncClient:
        """Copy a Space to your account (or reuse your copy), wait until it runs; a client for it.

        Like ``gradio_client.Client.duplicate``: ``sleep_timeout`` in minutes; the
        ``space_timeout`` option bounds the wait. Rules in ``_hub_duplicate``."""
        from .._hub._duplicate import duplicate_space

        space_id = await duplicate_space(
            from_space, to_id, hf_token=options.get("hf_token", NOT_GIVEN), private=private,
            hardware=hardware, secrets=secrets, sleep_timeout=sleep_timeout,
            timeout=options.get("space_timeout", SPACE_WAKE_TIMEOUT),
            status_callback=options.get("status_callback"),
        )  # fmt: skip
        return cls(space_id, **options)

    async def aclose(self) -> None:
        self._closed = True
        sessions = [*self._old_sessions, *([self._session] if self._session else [])]
        self._session = None
        self._old_sessions = []
        for session in sessions:
            await session.close()
        await self._http.aclose()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles to its settings; the copy reconnects on its first call (``_portable``)."""
        return restore_client, (type(self), client_settings(self), self.pickle_secrets)

    async def __aenter__(self) -> AsyncClient:
        return await self.connect()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
