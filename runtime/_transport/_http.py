"""HTTP plumbing: pooled httpx clients, retries with backoff, HTTP errors -> typed errors.

One httpx client per runtime client. Plain ``http://`` requests go through a transport with
a trivial TLS context: building the verified one loads the CA bundle (~25 ms of CPU), so it
is built lazily, the first time an ``https://`` URL is requested.

Retry policy (only where a retry cannot run the app twice):

* ``"idempotent"`` (config, info, cancel, opening the session stream, downloads): connect
  errors, timeouts and statuses 429/502/503/504;
* ``"unsent"`` (``queue/join``, ``/login``, stream chunks): only when the request provably
  did not reach the app: connect errors and 429 (rejected before the app). A 503 "Queue is
  full" is the app's answer and is raised as ``QueueFullError``, never retried.
* uploads (``_files_upload``, their own loop): connect errors and 429/502/503/504, when every
  file of the request can be sent again (paths, bytes, seekable file objects); a transfer
  cut midway is not retried.

Delays grow exponentially from ``INITIAL_RETRY_DELAY`` to ``MAX_RETRY_DELAY`` with
``RETRY_JITTER`` jitter, and honour ``Retry-After`` (capped at ``MAX_RETRY_DELAY``).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import random
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit

import httpx

from .._constants import (
    INITIAL_RETRY_DELAY,
    LOGGER_NAME,
    MAX_CONNECTIONS,
    MAX_KEEPALIVE_CONNECTIONS,
    MAX_RETRY_DELAY,
    RETRY_JITTER,
    RETRY_STATUS_CODES,
    USER_AGENT_PREFIX,
)
from .._exceptions import (
    AuthenticationError,
    ConnectError,
    ConnectTimeout,
    HTTPStatusError,
    QueueFullError,
    RateLimitError,
    ReadTimeout,
    ServerValidationError,
    TransportError,
)
from .._types import Timeout
from .._version import __version__
from ._sockets import install

logger = logging.getLogger(LOGGER_NAME)

RetryPolicy = Literal["idempotent", "unsent", "never"]
Verify = bool | str | ssl.SSLContext
USER_AGENT = f"{USER_AGENT_PREFIX}/{__version__}"


def httpx_timeout(timeout: Timeout) -> httpx.Timeout:
    return httpx.Timeout(
        connect=timeout.connect, read=timeout.read, write=timeout.write, pool=timeout.pool
    )


def stream_timeout(timeout: Timeout) -> httpx.Timeout:
    """For the session stream: the read bound is the idle bound."""
    return httpx.Timeout(
        connect=timeout.connect, read=timeout.stream_idle, write=timeout.write, pool=timeout.pool
    )


# -- transports -----------------------------------------------------------------------


_CLOSED = "Cannot send a request, as the client has been closed."
"""httpx's own words for a request on a closed client (a ``RuntimeError``, never retried)."""


T = TypeVar("T", httpx.HTTPTransport, httpx.AsyncHTTPTransport)


class _Schemes(Generic[T]):
    """``http://`` -> a transport without CA loading; ``https://`` -> built on first use.

    Once closed it stays closed: a request that raced ``close()`` (a background drift check
    of a client being closed) must not build a new pool whose connection nobody closes.
    ``get`` may run in any thread (the async one in ``warm_async_client``'s worker too)."""

    def __init__(self, make: Callable[[Verify], T], verify: Verify) -> None:
        self._make: Callable[[Verify], T] = make
        self._verify = verify
        self._lock = threading.Lock()
        self._closed = False
        self._plain: T | None = None
        self._tls: T | None = None

    def get(self, scheme: str) -> T:
        with self._lock:
            if self._closed:
                raise RuntimeError(_CLOSED)
            if scheme == "https":
                if self._tls is None:
                    self._tls = self._make(self._verify)
                return self._tls
            if self._plain is None:
                self._plain = self._make(False)
            return self._plain

    def built(self) -> list[T]:
        with self._lock:
            return [t for t in (self._plain, self._tls) if t is not None]

    def close(self) -> list[T]:
        """Refuse every later ``get``; returns the transports built so far, to close."""
        with self._lock:
            self._closed = True
            built = [t for t in (self._plain, self._tls) if t is not None]
            self._plain = self._tls = None
        return built


class _SyncSchemeTransport(httpx.BaseTransport):
    """A transport per scheme (``_Schemes``), sync."""

    def __init__(self, make: Callable[[Verify], httpx.HTTPTransport], verify: Verify) -> None:
        self._schemes = _Schemes(make, verify)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._schemes.get(request.url.scheme).handle_request(request)

    def close(self) -> None:
        for t in self._schemes.close():
            t.close()


class _AsyncSchemeTransport(httpx.AsyncBaseTransport):
    """The async twin of ``_SyncSchemeTransport``."""

    def __init__(self, make: Callable[[Verify], httpx.AsyncHTTPTransport], verify: Verify) -> None:
        self._schemes = _Schemes(make, verify)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._schemes.get(request.url.scheme).handle_async_request(request)

    async def aclose(self) -> None:
        for t in self._schemes.close():
            await t.aclose()


_FIRST_REQUEST_MODULES = (
    "httpcore",
    "h11",
    "certifi",
    "anyio._backends._asyncio",
    "anyio.streams.tls",
)
"""What an async client's first request imports (httpx imports httpcore lazily, httpcore
anyio's backend on first use)."""


def warm_async_client(http: httpx.AsyncClient, url: str) -> None:
    """Blocking; run it off the event loop (``_threads.off_loop``) before the first request of
    ``http`` to ``url``: the imports and the transport (its SSL context for https) that request
    would otherwise build on the loop (about 50 ms, more under ``python -X dev``)."""
    for name in _FIRST_REQUEST_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    transport = getattr(http, "_transport", None)  # httpx keeps the transport it was given
    if isinstance(transport, _AsyncSchemeTransport):
        with contextlib.suppress(RuntimeError):  # closed meanwhile: the request will say so
            transport._schemes.get(urlsplit(url).scheme or "https")


def _limits(max_connections: int) -> httpx.Limits:
    return httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=min(MAX_KEEPALIVE_CONNECTIONS, max_connections),
    )


def build_sync_client(
    *,
    timeout: Timeout,
    headers: Mapping[str, str] | None,
    verify: Verify,
    proxy: str | None,
    transport: httpx.BaseTransport | None,
    request_hook: Callable[[httpx.Request], None] | None,
    max_connections: int = MAX_CONNECTIONS,
) -> httpx.Client:
    limits = _limits(max_connections)
    if transport is None:

        def make(v: Verify) -> httpx.HTTPTransport:
            return install(httpx.HTTPTransport(verify=v, limits=limits, proxy=proxy))

        transport = _SyncSchemeTransport(make, verify)
    return httpx.Client(
        timeout=httpx_timeout(timeout),
        headers={"user-agent": USER_AGENT, **(headers or {})},
        transport=transport,
        # an explicit proxy is in the transport; env proxies (trust_env) still apply
        trust_env=proxy is None,
        follow_redirects=False,
        event_hooks={"request": [request_hook]} if request_hook else None,
    )


def build_async_client(
    *,
    timeout: Timeout,
    headers: Mapping[str, str] | None,
    verify: Verify,
    proxy: str | None,
    transport: httpx.AsyncBaseTransport | None,
    request_hook: Callable[[httpx.Request], Awaitable[None]] | None,
    max_connections: int = MAX_CONNECTIONS,
) -> httpx.AsyncClient:
    limits = _limits(max_connections)
    if transport is None:

        def make(v: Verify) -> httpx.AsyncHTTPTransport:
            return httpx.AsyncHTTPTransport(verify=v, limits=limits, proxy=proxy)

        transport = _AsyncSchemeTransport(make, verify)
    return httpx.AsyncClient(
        timeout=httpx_timeout(timeout),
        headers={"user-agent": USER_AGENT, **(headers or {})},
        transport=transport,
        trust_env=proxy is None,
        follow_redirects=False,
        event_hooks={"request": [request_hook]} if request_hook else None,
    )


# -- errors ---------------------------------------------------------------------------


def map_transport_error(exc: httpx.TransportError, what: str) -> TransportError:
    text = f"{what}: {type(exc).__name__}: {exc}".rstrip(": ")
    if isinstance(exc, httpx.ConnectTimeout):
        return ConnectTimeout(text)
    if isinstance(exc, httpx.TimeoutException):
        return ReadTimeout(text)
    if isinstance(exc, httpx.ConnectError):
        return ConnectError(text)
    return TransportError(text)


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def status_error(response: httpx.Response, what: str) -> HTTPStatusError:
    """A non-2xx response -> the typed error a caller handles."""
    status = response.status_code
    try:
        url = str(response.request.url)
    except RuntimeError:  # a response built without a request
        url = ""
    body = _body(response)
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        detail = detail.get("error") or detail
    text = f"{what} failed with HTTP {status}" + (f": {detail}" if detail else "")
    if status in (401, 403):
        return AuthenticationError(
            text + " (check hf_token for a private Space, or auth=(user, password))",
            status_code=status,
            url=url,
            body=body,
        )
    if status == 429:
        return RateLimitError(text, url=url, body=body, retry_after=retry_after(response))
    if status == 503 and isinstance(detail, str) and "queue is full" in detail.lower():
        return QueueFullError(
            f"the app's queue is full ({detail}); try again later",
            status_code=503,
            url=url,
            body=body,
            retry_after=retry_after(response),
        )
    if status == 422 and isinstance(detail, list):
        errors = {
            str(item.get("parameter_name")): str(item.get("message") or "invalid")
            for item in detail
            if isinstance(item, dict)
            and item.get("__type__") == "validate"
            and not item.get("is_valid", False)
        }
        if errors:
            lines = "\n".join(f"  - {k}: {v}" for k, v in errors.items())
            return ServerValidationError(
                f"the app rejected {len(errors)} parameter(s):\n{lines}",
                errors=errors,
                url=url,
                body=body,
            )
    return HTTPStatusError(
        text, status_code=status, url=url, body=body, retry_after=retry_after(response)
    )


def check(response: httpx.Response, what: str) -> httpx.Response:
    if response.is_success:
        return response
    raise status_error(response, what)


# -- retries --------------------------------------------------------------------------


def backoff(attempt: int, retry_after: float | None = None) -> float:
    if retry_after is not None:
        return min(retry_after, MAX_RETRY_DELAY)
    delay: float = min(INITIAL_RETRY_DELAY * 2.0**attempt, MAX_RETRY_DELAY)
    return delay * (1.0 + random.uniform(-RETRY_JITTER, RETRY_JITTER))


def _should_retry_status(policy: RetryPolicy, response: httpx.Response) -> bool:
    status = response.status_code
    if policy == "idempotent":
        return status in RETRY_STATUS_CODES
    return policy == "unsent" and status == 429


def _should_retry_error(policy: RetryPolicy, exc: httpx.TransportError) -> bool:
    if policy == "idempotent":
        return True
    return policy == "unsent" and isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))


def request_sync(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    policy: RetryPolicy,
    max_retries: int,
    stop: threading.Event | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send with retries; raises typed errors for transport failures and bad statuses.
    ``stop`` (set when the client closes): no retry once set, and the wait before a retry
    ends when it is set."""
    attempt = 0
    while True:
        try:
            response = http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            if (
                attempt >= max_retries
                or not _should_retry_error(policy, exc)
                or (stop is not None and stop.is_set())
            ):
                raise map_transport_error(exc, what) from exc
            delay = backoff(attempt)
            logger.info("%s: %s; retrying in %.2f s", what, exc, delay)
        else:
            if attempt >= max_retries or not _should_retry_status(policy, response):
                return check(response, what)
            delay = backoff(attempt, retry_after(response))
            logger.info("%s: HTTP %s; retrying in %.2f s", what, response.status_code, delay)
        attempt += 1
        if stop is None:
            time.sleep(delay)
        elif stop.wait(delay):
            raise TransportError(f"{what}: the client was closed")


async def request_async(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    what: str,
    policy: RetryPolicy,
    max_retries: int,
    stopped: Callable[[], bool] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """``request_sync``'s twin; ``stopped()`` true (the client closed): no retry."""
    import asyncio  # imported by the caller's event loop already, not at this module's import

    attempt = 0
    while True:
        try:
            response = await http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            if (
                attempt >= max_retries
                or not _should_retry_error(policy, exc)
                or (stopped is not None and stopped())
            ):
                raise map_transport_error(exc, what) from exc
            delay = backoff(attempt)
            logger.info("%s: %s; retrying in %.2f s", what, exc, delay)
        else:
            if attempt >= max_retries or not _should_retry_status(policy, response):
                return check(response, what)
            delay = backoff(attempt, retry_after(response))
            logger.info("%s: HTTP %s; retrying in %.2f s", what, response.status_code, delay)
        attempt += 1
        await asyncio.sleep(delay)
        if stopped is not None and stopped():
            raise TransportError(f"{what}: the client was closed")


def shutdown_pool(http: httpx.Client) -> None:
    """Shut down the sockets of ``http``'s pooled connections, so that a thread blocked
    reading one (a request another thread is waiting on) returns at once; closing a socket
    does not wake a ``recv`` in progress on Linux, shutting it down does. Reaches into
    httpx/httpcore internals: any mismatch (another transport, a new version) does nothing,
    and the caller's ``close()`` then waits for that read's own timeout."""
    import socket

    schemes = getattr(getattr(http, "_transport", None), "_schemes", None)
    for inner in schemes.built() if isinstance(schemes, _Schemes) else ():
        pool = getattr(inner, "_pool", None)
        for conn in list(getattr(pool, "connections", ()) or ()):
            stream = getattr(getattr(conn, "_connection", None), "_network_stream", None)
            try:
                sock = stream.get_extra_info("socket") if stream is not None else None
            except Exception:  # an internal we do not control
                sock = None
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
