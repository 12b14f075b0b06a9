"""The floor: a minimal hand-written Gradio queue-protocol client on httpx.

Copied unchanged in behaviour from the team's shared baseline harness
(../shared/bench/minimal_client.py, "the physical limit for a Python client on httpx"),
so that this benchmark suite stands alone. It is a measuring stick, not part of the product.

It speaks the same wire protocol as gradio_client (sse_v3) and nothing more:

  connect   GET  /config                          -> api_name -> fn_index, state inputs
  call      POST /gradio_api/queue/join           -> {"event_id": ...}
            GET  /gradio_api/queue/data?session_hash=...   (SSE; one stream per
                 session, multiplexing every event of that session; the server closes
                 it with "close_stream" once no event of the session is pending)
  upload    POST /gradio_api/upload  (multipart, file streamed from disk)
  download  GET  <FileData.url>      (streamed to disk)

No /info, no heartbeat stream, no thread pools, no polling: one pooled keep-alive
httpx client per object. Two flavours:
  MinimalClient       sync  (httpx.Client)       - sequential calls, streaming, files
  AsyncMinimalClient  async (httpx.AsyncClient)  - many concurrent calls on one session

Results are the raw `output.data` list with state outputs removed, reduced to a
single value when the endpoint has one visible output (same shape as gradio_client).
"""

# ruff: noqa
from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

FILE_META = {"_type": "gradio.FileData"}


class GradioCallError(RuntimeError):
    pass


def _apply_diff(value: Any, diff: list) -> Any:
    """Apply a Gradio sse_v2+ output diff (list of [action, path, value])."""
    for action, path, v in diff:
        if not path:
            if action == "replace":
                value = v
            elif action == "append":
                value = value + v
            else:
                raise GradioCallError(f"unsupported diff action {action!r}")
            continue
        target = value
        for key in path[:-1]:
            target = target[key]
        key = path[-1]
        if action == "replace":
            target[key] = v
        elif action == "append":
            target[key] += v
        elif action == "add":
            if isinstance(target, list):
                target.insert(int(key), v)
            else:
                target[key] = v
        elif action == "delete":
            del target[int(key) if isinstance(target, list) else key]
        else:
            raise GradioCallError(f"unknown diff action {action!r}")
    return value


class _Endpoint:
    __slots__ = ("fn_index", "state_in", "state_out", "n_out")

    def __init__(self, fn_index: int, state_in: list[int], state_out: set[int], n_out: int):
        self.fn_index = fn_index
        self.state_in = state_in
        self.state_out = state_out
        self.n_out = n_out

    def build_data(self, args: tuple) -> list:
        data = list(args)
        for i in self.state_in:  # state is held by the server: send a placeholder
            data.insert(i, None)
        return data

    def shape(self, data: list) -> Any:
        if self.state_out:
            data = [d for i, d in enumerate(data) if i not in self.state_out]
        return data[0] if len(data) == 1 else data


def _parse_config(config: dict) -> tuple[str, dict[str, _Endpoint]]:
    prefix = (config.get("api_prefix") or "/gradio_api").strip("/")
    kinds = {c["id"]: c["type"] for c in config["components"]}
    eps: dict[str, _Endpoint] = {}
    for i, dep in enumerate(config["dependencies"]):
        name = dep.get("api_name")
        if not isinstance(name, str) or dep.get("api_visibility") == "private":
            continue
        state_in = [j for j, c in enumerate(dep["inputs"]) if kinds.get(c) == "state"]
        state_out = {j for j, c in enumerate(dep["outputs"]) if kinds.get(c) == "state"}
        eps["/" + name] = _Endpoint(dep.get("id", i), state_in, state_out, len(dep["outputs"]))
    return prefix, eps


def _verify(url: str) -> bool:
    # httpx builds its SSL context eagerly, and loading the CA bundle costs ~25 ms of
    # CPU; a plain-http URL never uses it, so ask for the trivial context instead.
    return not url.startswith("http://")


def _sse_data(line: str) -> dict | None:
    if line.startswith("data:"):
        return json.loads(line[5:])
    return None


def _error(msg: dict) -> GradioCallError:
    out = msg.get("output") or {}
    return GradioCallError(out.get("error") or out or "call failed")


class MinimalClient:
    """Synchronous client: one keep-alive httpx.Client, one session."""

    def __init__(self, url: str, *, timeout: float | None = 60.0):
        self.root = url.rstrip("/") + "/"
        self.http = httpx.Client(
            timeout=httpx.Timeout(timeout), trust_env=False, verify=_verify(self.root)
        )
        self.session_hash = uuid.uuid4().hex
        r = self.http.get(self.root + "config")
        r.raise_for_status()
        prefix, self.endpoints = _parse_config(r.json())
        self.api = self.root + prefix + "/"

    def close(self) -> None:
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- protocol -----------------------------------------------------------
    def _join(self, ep: _Endpoint, args: tuple) -> str:
        r = self.http.post(
            self.api + "queue/join",
            json={
                "data": ep.build_data(args),
                "fn_index": ep.fn_index,
                "session_hash": self.session_hash,
                "event_data": None,
                "trigger_id": None,
            },
        )
        r.raise_for_status()
        return r.json()["event_id"]

    def _events(self, event_id: str) -> Iterator[dict]:
        """Yield this event's messages; reads the session stream to its end so the
        connection goes back to the pool."""
        done = False
        with self.http.stream(
            "GET",
            self.api + "queue/data",
            params={"session_hash": self.session_hash},
            timeout=httpx.Timeout(self.http.timeout.connect, read=None),
        ) as resp:
            resp.raise_for_status()
            # Read to the end of the response (the server ends it right after
            # "close_stream") so the keep-alive connection can be reused.
            for line in resp.iter_lines():
                msg = _sse_data(line)
                if msg is None:
                    continue
                kind = msg["msg"]
                if kind == "close_stream":
                    continue
                if msg.get("event_id") == event_id and not done:
                    yield msg
                    done = kind == "process_completed"
                elif kind == "unexpected_error":
                    raise GradioCallError(msg.get("message"))
        if not done:
            raise GradioCallError("stream closed before process_completed")

    def _iter(self, api_name: str, args: tuple) -> Iterator[tuple[bool, Any]]:
        ep = self.endpoints[api_name]
        event_id = self._join(ep, args)
        partial: list | None = None
        for msg in self._events(event_id):
            kind = msg["msg"]
            if kind == "process_generating":
                data = msg["output"]["data"]
                if partial is None:
                    partial = list(data)
                else:
                    partial = [_apply_diff(p, d) for p, d in zip(partial, data)]
                yield False, ep.shape(partial)
            elif kind == "process_completed":
                if not msg.get("success", True):
                    raise _error(msg)
                yield True, ep.shape(msg["output"]["data"])

    # -- public API ---------------------------------------------------------
    def predict(self, api_name: str, *args: Any) -> Any:
        result = None
        for final, value in self._iter(api_name, args):  # consume to the end
            if final:
                result = value
        return result

    def stream(self, api_name: str, *args: Any) -> Iterator[Any]:
        """Yield each intermediate output of a generator endpoint, then the final one."""
        for final, value in self._iter(api_name, args):
            yield value

    def upload(self, path: str) -> dict:
        with open(path, "rb") as f:
            r = self.http.post(
                self.api + "upload",
                files=[("files", (os.path.basename(path), f))],
                timeout=httpx.Timeout(self.http.timeout.connect, read=None, write=None),
            )
        r.raise_for_status()
        return {"path": r.json()[0], "orig_name": os.path.basename(path), "meta": FILE_META}

    def download(self, file_data: dict, dest_dir: str) -> str:
        url = file_data.get("url") or self.api + "file=" + file_data["path"]
        dest = os.path.join(dest_dir, os.path.basename(file_data["path"]) or "file")
        with self.http.stream(
            "GET", url, timeout=httpx.Timeout(self.http.timeout.connect, read=None)
        ) as resp:
            resp.raise_for_status()
            with open(dest, "wb") as out:
                for chunk in resp.iter_bytes():  # no re-chunking: chunks as they arrive
                    out.write(chunk)
        return dest


class AsyncMinimalClient:
    """asyncio client: one httpx.AsyncClient, one session, one SSE reader task that
    demultiplexes messages of all in-flight events by event_id."""

    def __init__(self, url: str, *, timeout: float | None = 60.0, max_connections: int = 10):
        self.root = url.rstrip("/") + "/"
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, pool=None),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            trust_env=False,
            verify=_verify(self.root),
        )
        self.session_hash = uuid.uuid4().hex
        self.endpoints: dict[str, _Endpoint] = {}
        self.api = ""
        self._queues: dict[str, asyncio.Queue] = {}
        self._pending: set[str] = set()
        self._completed: set[str] = set()
        self._reader: asyncio.Task | None = None
        # httpcore's pool rescans every queued request on each state change, which is
        # quadratic with ~1000 waiters: queue in a semaphore instead, and keep one
        # connection free for the SSE reader.
        self._slots = asyncio.Semaphore(max(1, max_connections - 1))

    @classmethod
    def from_sync(cls, client: MinimalClient, **kw: Any) -> AsyncMinimalClient:
        """Reuse the endpoint table of a connected MinimalClient (no extra request)."""
        self = cls(client.root, **kw)
        self.endpoints, self.api = client.endpoints, client.api
        self.session_hash = client.session_hash
        return self

    async def connect(self) -> AsyncMinimalClient:
        r = await self.http.get(self.root + "config")
        r.raise_for_status()
        prefix, self.endpoints = _parse_config(r.json())
        self.api = self.root + prefix + "/"
        return self

    async def aclose(self) -> None:
        if self._reader and not self._reader.done():
            self._reader.cancel()
        await self.http.aclose()

    async def __aenter__(self):
        return await self.connect()

    async def __aexit__(self, *exc):
        await self.aclose()

    def _queue(self, event_id: str) -> asyncio.Queue:
        q = self._queues.get(event_id)
        if q is None:
            q = self._queues[event_id] = asyncio.Queue()
        return q

    async def _read(self) -> None:
        try:
            while self._pending:
                async with self.http.stream(
                    "GET",
                    self.api + "queue/data",
                    params={"session_hash": self.session_hash},
                    timeout=httpx.Timeout(self.http.timeout.connect, read=None, pool=None),
                ) as resp:
                    resp.raise_for_status()
                    async for line in resp.aiter_lines():
                        msg = _sse_data(line)
                        if msg is None:
                            continue
                        kind = msg["msg"]
                        if kind == "close_stream":
                            continue  # the server ends the response right after
                        if kind == "unexpected_error":
                            raise GradioCallError(msg.get("message"))
                        eid = msg.get("event_id")
                        if eid is None:
                            continue
                        if kind == "process_completed":
                            self._pending.discard(eid)
                            self._completed.add(eid)
                        self._queue(eid).put_nowait(msg)
        except BaseException as e:  # wake every waiter
            for eid in list(self._pending):
                self._queue(eid).put_nowait(e)
            raise

    async def _join(self, ep: _Endpoint, args: tuple) -> str:
        async with self._slots:
            r = await self.http.post(
                self.api + "queue/join",
                json={
                    "data": ep.build_data(args),
                    "fn_index": ep.fn_index,
                    "session_hash": self.session_hash,
                    "event_data": None,
                    "trigger_id": None,
                },
            )
        r.raise_for_status()
        event_id = r.json()["event_id"]
        if event_id in self._completed:  # finished before the join answer arrived
            self._completed.discard(event_id)
        else:
            self._pending.add(event_id)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read())
        return event_id

    async def stream(self, api_name: str, *args: Any) -> AsyncIterator[Any]:
        ep = self.endpoints[api_name]
        event_id = await self._join(ep, args)
        q = self._queue(event_id)
        partial: list | None = None
        try:
            while True:
                msg = await q.get()
                if isinstance(msg, BaseException):
                    raise GradioCallError("SSE reader failed") from msg
                kind = msg["msg"]
                if kind == "process_generating":
                    data = msg["output"]["data"]
                    partial = (
                        list(data)
                        if partial is None
                        else [_apply_diff(p, d) for p, d in zip(partial, data)]
                    )
                    yield ep.shape(partial)
                elif kind == "process_completed":
                    self._completed.discard(event_id)
                    if not msg.get("success", True):
                        raise _error(msg)
                    yield ep.shape(msg["output"]["data"])
                    return
        finally:
            self._queues.pop(event_id, None)

    async def predict(self, api_name: str, *args: Any) -> Any:
        value = None
        async for value in self.stream(api_name, *args):
            pass
        return value
