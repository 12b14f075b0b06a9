"""Per-call protocols (``ws``, ``sse``: gradio 3.x-4.8): a fresh session lane per call.

``SyncCalls``/``AsyncCalls`` stand where a ``SyncSession``/``AsyncSession`` stands for the
later protocols (the client calls ``join``, ``close``), and give each call its own lane: a
``SyncSession``/``AsyncSession`` of the same ``session_hash`` whose wire is the call's own
socket or stream (``_wires``). The lanes share the protocol core's rules and the drivers'
reading code; State lives on the server under the shared ``session_hash``.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._exceptions import UsageError
from .._protocol._dialect import Dialect
from .._spec import EndpointSpec
from .._types import Timeout
from ._sync import SyncSession
from ._sync_job import Job

if TYPE_CHECKING:  # imported with the first async call (asyncio: not for sync clients)
    from ._async import AsyncJob, AsyncSession

R = TypeVar("R")


class SyncCalls:
    def __init__(
        self,
        http: httpx.Client,
        api_url: str,
        session_hash: str,
        timeout: Timeout,
        max_retries: int,
        dialect: Dialect,
    ) -> None:
        self._args = (http, api_url, session_hash, timeout, max_retries, dialect)
        self.session_hash = session_hash
        self.timeout = timeout
        self.encode_inputs: Callable[[EndpointSpec, list[Any]], list[Any]] = lambda ep, v: v
        self._lanes: weakref.WeakSet[SyncSession] = weakref.WeakSet()
        """Live lanes (a lane lives while its job or its reader thread holds it)."""
        self._lock = threading.Lock()
        self._closed = False

    def join(
        self,
        ep: EndpointSpec,
        data: list[Any],
        transform: Callable[[list[Any]], R],
        *,
        lead: bool = False,
    ) -> Job[R]:
        lane = SyncSession(*self._args)
        lane.encode_inputs = self.encode_inputs
        with self._lock:
            if self._closed:
                raise UsageError("this client is closed")
            self._lanes.add(lane)
        return lane.join(ep, data, transform, lead=lead)

    def close(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._closed = True
            lanes = list(self._lanes)
        for lane in lanes:
            lane.close(timeout)


async def _same(ep: EndpointSpec, values: list[Any]) -> list[Any]:
    return values


class AsyncCalls:
    def __init__(
        self,
        http: httpx.AsyncClient,
        api_url: str,
        session_hash: str,
        timeout: Timeout,
        max_retries: int,
        dialect: Dialect,
    ) -> None:
        self._args = (http, api_url, session_hash, timeout, max_retries)
        self._dialect = dialect
        self.session_hash = session_hash
        self.timeout = timeout
        self.encode_inputs: Callable[[EndpointSpec, list[Any]], Awaitable[list[Any]]] = _same
        self._lanes: weakref.WeakSet[AsyncSession] = weakref.WeakSet()
        self._closed = False

    async def join(
        self, ep: EndpointSpec, data: list[Any], transform: Callable[[list[Any]], R]
    ) -> AsyncJob[R]:
        if self._closed:
            raise UsageError("this client is closed")
        from ._async import AsyncSession

        lane = AsyncSession(*self._args, dialect=self._dialect)
        lane.encode_inputs = self.encode_inputs
        self._lanes.add(lane)
        return await lane.join(ep, data, transform)

    async def close(self) -> None:
        self._closed = True
        for lane in list(self._lanes):
            await lane.close()
