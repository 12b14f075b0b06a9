"""A scripted Gradio server behind ``httpx.MockTransport`` (sync and async), for the
transport-level behaviour real servers cannot be made to show on demand (dropped
connections, retries, hosts and redirects)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

SNAPSHOT: dict[str, Any] = {
    "config": {
        "version": "6.31.0",
        "protocol": "sse_v3",
        "api_prefix": "/gradio_api",
        "components": [
            {"id": 1, "type": "textbox", "props": {"name": "textbox", "label": "text"},
             "skip_api": False, "api_info": {"type": "string"}},
            {"id": 2, "type": "textbox", "props": {"name": "textbox", "label": "out"},
             "skip_api": False, "api_info": {"type": "string"}},
        ],
        "dependencies": [
            {"id": 0, "api_name": "echo", "inputs": [1], "outputs": [2], "backend_fn": True,
             "queue": True, "types": {"generator": False}, "connection": "sse",
             "api_visibility": "public"}
        ],
    },
    "info": {
        "named_endpoints": {
            "/echo": {
                "parameters": [
                    {"label": "text", "parameter_name": "text", "parameter_has_default": False,
                     "parameter_default": None, "type": {"type": "string"},
                     "python_type": {"type": "str", "description": ""}, "component": "Textbox"}
                ],
                "returns": [{"label": "out", "type": {"type": "string"},
                             "python_type": {"type": "str", "description": ""}, "component": "Textbox"}],
                "api_visibility": "public",
            }
        },
        "unnamed_endpoints": {},
    },
}  # fmt: skip


def sse(*messages: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(m).encode() + b"\n\n" for m in messages)


def done(event_id: str, value: Any) -> dict[str, Any]:
    return {
        "msg": "process_completed",
        "event_id": event_id,
        "output": {"data": [value]},
        "success": True,
    }


@dataclass
class FakeGradio:
    """Answers /config, /info, queue/join, queue/data, /cancel, /login.

    ``streams`` are the bodies of successive ``queue/data`` responses; by default each join
    is answered on the next stream with the echo of its input then ``close_stream``.
    ``fail`` maps a path to a list of responses/exceptions returned (popped) before the
    normal answer.
    """

    host: str = "app.test"
    config: dict[str, Any] = field(default_factory=lambda: SNAPSHOT["config"])
    streams: list[bytes] = field(default_factory=list)
    fail: dict[str, list[httpx.Response | Exception]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    joined: list[dict[str, Any]] = field(default_factory=list)
    extra: Callable[[httpx.Request], httpx.Response | None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}/"

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        queued = self.fail.get(path)
        if queued:
            item = queued.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        if self.extra is not None:
            answer = self.extra(request)
            if answer is not None:
                return answer
        if path == "/config":
            return httpx.Response(200, json=self.config)
        if path == "/gradio_api/info":
            return httpx.Response(200, json=SNAPSHOT["info"])
        if path == "/login":
            form = dict(x.split("=") for x in request.content.decode().split("&"))
            if form.get("password") == "good":
                return httpx.Response(
                    200, json={"success": True}, headers={"set-cookie": "access-token-x=t; Path=/"}
                )
            return httpx.Response(400, json={"detail": "Incorrect credentials."})
        if path == "/gradio_api/queue/join":
            body = json.loads(request.content)
            self.joined.append(body)
            event_id = f"ev{len(self.joined)}"
            if not self.streams:
                self.streams.append(
                    sse(done(event_id, body["data"][0]), {"msg": "close_stream", "event_id": None})
                )
            return httpx.Response(200, json={"event_id": event_id})
        if path == "/gradio_api/queue/data":
            body = (
                self.streams.pop(0)
                if self.streams
                else sse({"msg": "close_stream", "event_id": None})
            )
            return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
        if path == "/gradio_api/cancel":
            return httpx.Response(200, json={"success": True})
        return httpx.Response(404, json={"detail": "Not Found"})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)
