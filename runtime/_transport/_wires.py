"""The connections a session reads, per protocol (``Dialect.transport``), sync and async.

A *wire* is what a driver reads payloads from: ``read()`` gives the payloads completed by the
next bytes (possibly none) or ``None`` once the server ended it cleanly; ``send(obj)`` writes
one JSON message (websockets only). Three kinds, one per transport:

* ``session_stream`` (``sse_v1``...``sse_v3``): ``GET {api}/queue/data?session_hash`` after a
  ``POST queue/join``; opening it is idempotent (retried like a GET).
* ``join_stream`` (``sse``, 4.0-4.8): ``GET {api}/queue/join?fn_index&session_hash`` per call;
  opening it creates the event, so it is retried only when the request cannot have arrived.
* ``websocket`` (``ws``, 3.x): ``GET {api}/queue/join`` upgraded to a WebSocket per call
  (``_ws``, imported only for such apps); retried like ``join_stream``.
* ``direct`` (3.x without a queue): ``POST {api}/run/predict`` answers with the result, which
  the wire gives as one ``process_completed`` payload (read bounded by ``Timeout.job``).

Every wait is bounded: a stream read by ``Timeout.stream_idle``; opening by the client's
connect/read timeouts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Protocol

import httpx

from .._constants import LOGGER_NAME, RETRY_STATUS_CODES
from .._exceptions import GradioGenError, HTTPStatusError, ProtocolError, StreamLostError
from .._protocol._dialect import Dialect
from .._protocol._sse import SSEDecoder
from .._types import Timeout
from ._http import backoff, map_transport_error, retry_after, status_error, stream_timeout

JOIN_HEADERS = {"x-gradio-user": "api"}
logger = logging.getLogger(LOGGER_NAME)


def cancel_failed(exc: GradioGenError, event_id: str, dialect: Dialect) -> None:
    """Log a ``POST /cancel`` that failed (the job is cancelled locally all the same). A 404
    means a gradio 4.x release with ``sse_v3`` but before ``/cancel``: say so."""
    if isinstance(exc, HTTPStatusError) and exc.status_code == 404:
        logger.warning(
            "job %s was cancelled locally only: %s has no /cancel route, so the server "
            "still runs it",
            event_id,
            dialect.label,
        )
    else:
        logger.warning("could not cancel %s on the server: %s", event_id, exc)


def event_id_from(response: httpx.Response) -> str:
    try:
        event_id = response.json().get("event_id")
    except (ValueError, AttributeError):
        event_id = None
    if not isinstance(event_id, str) or not event_id:
        raise ProtocolError(f"queue/join answered without an event_id: {response.text[:200]!r}")
    return event_id


def shutdown_response(response: httpx.Response | None) -> None:
    """Unblock a thread reading ``response`` by shutting its socket down."""
    if response is None:
        return
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def readable(response: httpx.Response | None, timeout: float) -> bool:
    """Whether ``response`` has bytes to read within ``timeout`` (False if unknown): bytes
    its HTTP/1.1 parser already holds, or bytes arriving on its socket."""
    if response is None:
        return False
    try:  # httpx -> httpcore -> h11 internals; any mismatch just means "unknown"
        inner: Any = response.stream
        held = inner._stream._httpcore_stream._stream._connection._h11_state.trailing_data[0]
        if len(held) > 2:  # more than the CRLF that ends the last chunk read
            return True
    except (AttributeError, IndexError, TypeError):
        pass
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if not isinstance(sock, socket.socket):
        return False
    try:
        return bool(select.select([sock], [], [], timeout)[0])
    except (OSError, ValueError):
        return False


def _identity(response: httpx.Response) -> bool:
    """Whether the body is still to be read and sent as it is (no ``Content-Encoding``, the
    queue stream's case): its raw chunks are then what ``iter_bytes`` would give, without
    the decoding layer's calls per chunk."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    return not response.is_stream_consumed and encoding in ("", "identity")


class SyncWire(Protocol):
    def read(self) -> list[str] | None: ...
    def send(self, obj: Any) -> None: ...
    def readable(self, timeout: float) -> bool: ...
    def shutdown(self) -> None: ...
    def close(self) -> None: ...


class AsyncWire(Protocol):
    async def read(self) -> list[str] | None: ...
    async def send(self, obj: Any) -> None: ...
    async def aclose(self) -> None: ...


class SseWire:
    """An SSE response (sync): chunks -> ``data:`` payloads."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._chunks: Iterator[bytes] = (
            response.iter_raw() if _identity(response) else response.iter_bytes()
        )
        self._decoder = SSEDecoder()

    def read(self) -> list[str] | None:
        chunk = next(self._chunks, None)
        return None if chunk is None else self._decoder.feed(chunk)

    def send(self, obj: Any) -> None:
        raise ProtocolError("an SSE stream cannot carry messages to the server")

    def readable(self, timeout: float) -> bool:
        return readable(self.response, timeout)

    def shutdown(self) -> None:
        shutdown_response(self.response)

    def close(self) -> None:
        self.response.close()


class DirectWire:
    """A 3.x call without a queue: its one answer as a ``process_completed`` payload."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._payloads: list[str] | None = [direct_payload(response)]

    def read(self) -> list[str] | None:
        payloads, self._payloads = self._payloads, None
        return payloads

    def send(self, obj: Any) -> None:
        raise ProtocolError("a direct call takes no messages")

    def readable(self, timeout: float) -> bool:
        return self._payloads is not None

    def shutdown(self) -> None:
        pass

    def close(self) -> None:
        self.response.close()


class AsyncDirectWire(DirectWire):
    async def read(self) -> list[str] | None:  # type: ignore[override]
        return DirectWire.read(self)

    async def send(self, obj: Any) -> None:  # type: ignore[override]
        raise ProtocolError("a direct call takes no messages")

    async def aclose(self) -> None:
        await self.response.aclose()


def direct_payload(response: httpx.Response) -> str:
    """``run/predict``'s answer -> the ``process_completed`` the queue would have sent: 200
    ``{"data", ...}`` is a success, 500 ``{"error": text | null}`` the app's error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 500 and isinstance(body, dict) and "error" in body:
        return json.dumps({"msg": "process_completed", "output": body, "success": False})
    if not response.is_success:
        raise status_error(response, "calling the app (run/predict)")
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ProtocolError(f"run/predict answered {response.text[:200]!r}")
    return json.dumps({"msg": "process_completed", "output": body, "success": True})


class AsyncSseWire:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._chunks: AsyncIterator[bytes] = response.aiter_bytes()
        self._decoder = SSEDecoder()

    async def read(self) -> list[str] | None:
        try:
            chunk = await self._chunks.__anext__()
        except StopAsyncIteration:
            return None
        return self._decoder.feed(chunk)

    async def send(self, obj: Any) -> None:
        raise ProtocolError("an SSE stream cannot carry messages to the server")

    async def aclose(self) -> None:
        await self.response.aclose()


# -- opening ------------------------------------------------------------------------------


def _request(
    http: httpx.Client | httpx.AsyncClient,
    dialect: Dialect,
    api_url: str,
    params: Mapping[str, Any],
    timeout: Timeout,
) -> tuple[httpx.Request, str | None, str]:
    """The GET that opens a wire (and the websocket accept key to check, if any)."""
    accept = None
    headers: dict[str, str] = {}
    if dialect.transport == "websocket":
        from ._ws import upgrade_headers

        headers, accept = upgrade_headers()
    path = "queue/data" if dialect.transport == "session_stream" else "queue/join"
    what = "opening the session stream" if path == "queue/data" else "joining the queue"
    request = http.build_request(
        "GET", api_url + path, params=dict(params), headers=headers, timeout=stream_timeout(timeout)
    )
    return request, accept, what


def _retryable(dialect: Dialect, exc: httpx.TransportError) -> bool:
    """Opening a ``queue/data`` stream is idempotent; a join is retried only when it cannot
    have reached the app."""
    if isinstance(exc, httpx.ReadTimeout):
        return False
    return dialect.transport == "session_stream" or isinstance(
        exc, (httpx.ConnectError, httpx.ConnectTimeout)
    )


def _retry_status(dialect: Dialect, status: int) -> bool:
    return status == 429 or (dialect.transport == "session_stream" and status in RETRY_STATUS_CODES)


def _direct_request(
    http: httpx.Client | httpx.AsyncClient, api_url: str, body: Any, timeout: Timeout
) -> httpx.Request:
    bound = httpx.Timeout(
        connect=timeout.connect, read=timeout.job, write=timeout.write, pool=timeout.pool
    )
    return http.build_request("POST", api_url + "run/predict", json=body, timeout=bound)


def open_sync(
    http: httpx.Client,
    dialect: Dialect,
    api_url: str,
    params: Mapping[str, Any],
    timeout: Timeout,
    max_retries: int,
    pause: Callable[[float], None] = time.sleep,
    body: Any = None,
) -> SyncWire:
    if dialect.transport == "direct":  # not retried: the request may have run the app
        try:
            response = http.send(_direct_request(http, api_url, body, timeout))
        except httpx.TransportError as exc:
            raise map_transport_error(exc, "calling the app (run/predict)") from exc
        return DirectWire(response)
    request, accept, what = _request(http, dialect, api_url, params, timeout)
    attempt = 0
    while True:
        try:
            response = http.send(request, stream=True)
        except httpx.TransportError as exc:
            if attempt >= max_retries or not _retryable(dialect, exc):
                raise map_transport_error(exc, what) from exc
            pause(backoff(attempt))
            attempt += 1
            continue
        if accept is not None and response.status_code == 101:
            from ._ws import SyncWebSocket, check_upgrade

            check_upgrade(response, accept, what)
            return SyncWebSocket(response, timeout.stream_idle)
        if response.is_success and accept is None:
            return SseWire(response)
        response.read()
        response.close()
        if _retry_status(dialect, response.status_code) and attempt < max_retries:
            pause(backoff(attempt, retry_after(response)))
            attempt += 1
            continue
        raise status_error(response, what)


async def open_async(
    http: httpx.AsyncClient,
    dialect: Dialect,
    api_url: str,
    params: Mapping[str, Any],
    timeout: Timeout,
    max_retries: int,
    body: Any = None,
) -> AsyncWire:
    import asyncio  # imported by the caller's event loop already, not at this module's import

    if dialect.transport == "direct":  # not retried: the request may have run the app
        try:
            response = await http.send(_direct_request(http, api_url, body, timeout))
        except httpx.TransportError as exc:
            raise map_transport_error(exc, "calling the app (run/predict)") from exc
        return AsyncDirectWire(response)
    request, accept, what = _request(http, dialect, api_url, params, timeout)
    attempt = 0
    while True:
        try:
            response = await http.send(request, stream=True)
        except httpx.TransportError as exc:
            if attempt >= max_retries or not _retryable(dialect, exc):
                raise map_transport_error(exc, what) from exc
            await asyncio.sleep(backoff(attempt))
            attempt += 1
            continue
        if accept is not None and response.status_code == 101:
            from ._ws import AsyncWebSocket, check_upgrade

            check_upgrade(response, accept, what)
            return AsyncWebSocket(response, timeout.stream_idle)
        if response.is_success and accept is None:
            return AsyncSseWire(response)
        await response.aread()
        await response.aclose()
        if _retry_status(dialect, response.status_code) and attempt < max_retries:
            await asyncio.sleep(backoff(attempt, retry_after(response)))
            attempt += 1
            continue
        raise status_error(response, what)


def wire_params(dialect: Dialect, session_hash: str, fn_index: int | None) -> dict[str, Any]:
    """The query of the GET that opens a wire (the websocket sends its own in ``send_hash``)."""
    if dialect.transport == "join_stream":
        if fn_index is None:
            raise StreamLostError("a per-call stream needs its call")
        return {"fn_index": fn_index, "session_hash": session_hash}
    if dialect.transport == "session_stream":
        return {"session_hash": session_hash}
    return {}
