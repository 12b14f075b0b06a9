"""Gradio Blocks app used as the benchmark target.

Copied from the team's shared baseline harness (../shared/bench/bench_app.py) so that this
suite stands alone; only the port check is relaxed (the runner picks a free port).

Run:  python bench_app.py --port 8150

Endpoints (api_name):
  /echo       Textbox -> Textbox           (returns its input)
  /add        Number, Number -> Number
  /stream     Number(n) -> Textbox          async generator, yields n tokens (accumulated text)
  /file_echo  File -> File                  (returns the uploaded file)
  /slow       Textbox -> Textbox            awaits 0.5 s, then echoes
  /state      Number + gr.State -> Number   per-session running total (state kept server side)

Functions are `async` so that the server does not hop to a worker thread per call
(or per token); the queue is unbounded (default_concurrency_limit=None) and
`max_threads` is raised, because Gradio's queue only runs `max_threads` events at
once (40 by default) even for async functions.

A pure-ASGI middleware counts HTTP requests, distinct TCP connections (client
ports) and response body bytes, so the harness can report them for any client:
  GET  /__bench/stats   -> {"requests": n, "connections": n, "bytes_out": n, "paths": {...}}
  POST /__bench/reset   -> zeroes the counters
Those two paths are not counted.
"""

# ruff: noqa
from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections import Counter

# Never talk to the outside world: no analytics, no version check, no telemetry.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

SLOW_SECONDS = 0.5


class _Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.bytes_out = 0
        self.paths: Counter[str] = Counter()
        self.ports: set[int] = set()
        self.order: list[str] = []  # the first paths, in arrival order (bounded)

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "connections": len(self.ports),
            "bytes_out": self.bytes_out,
            "paths": dict(self.paths),
            "order": list(self.order),
        }


STATS = _Stats()


def _norm_path(path: str) -> str:
    # Collapse per-session / per-file parts so the histogram stays small.
    for prefix in ("/gradio_api/heartbeat/", "/gradio_api/file=", "/gradio_api/call/"):
        if path.startswith(prefix):
            return prefix + "*"
    return path


class CountingMiddleware:
    """Counts every HTTP request and every distinct client port (= TCP connection)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope.get("path", "")
            if path.startswith("/__bench/"):
                if path == "/__bench/reset":
                    STATS.reset()
                body = json.dumps(STATS.as_dict()).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
            STATS.requests += 1
            STATS.paths[_norm_path(path)] += 1
            if len(STATS.order) < 64:
                STATS.order.append(_norm_path(path))
            client = scope.get("client")
            if client:
                STATS.ports.add(client[1])

            async def counting_send(message):
                if message["type"] == "http.response.body":
                    STATS.bytes_out += len(message.get("body", b""))
                await send(message)

            await self.app(scope, receive, counting_send)
            return
        await self.app(scope, receive, send)


async def echo(text: str) -> str:
    return text


async def add(a: float, b: float) -> float:
    return a + b


async def stream(n: float):
    n = int(n)
    out = ""
    for i in range(n):
        out += f"t{i} "
        yield out


async def file_echo(file: str) -> str:
    return file


async def slow(text: str) -> str:
    await asyncio.sleep(SLOW_SECONDS)
    return text


async def bump(increment: float, total: float | None):
    total = (total or 0) + increment
    return total, total


def build() -> gr.Blocks:
    with gr.Blocks(analytics_enabled=False) as demo:
        t_in = gr.Textbox(label="text")
        t_out = gr.Textbox(label="echoed")
        a = gr.Number(label="a")
        b = gr.Number(label="b")
        s = gr.Number(label="sum")
        n = gr.Number(label="n", value=10, precision=0)
        toks = gr.Textbox(label="tokens")
        f_in = gr.File(label="file")
        f_out = gr.File(label="file_out")
        st = gr.State(value=None)
        inc = gr.Number(label="increment")
        tot = gr.Number(label="total")

        btn = gr.Button()
        btn.click(echo, t_in, t_out, api_name="echo")
        btn.click(add, [a, b], s, api_name="add")
        btn.click(stream, n, toks, api_name="stream")
        btn.click(file_echo, f_in, f_out, api_name="file_echo")
        btn.click(slow, t_in, t_out, api_name="slow")
        btn.click(bump, [inc, st], [tot, st], api_name="state")
    return demo


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8150)
    p.add_argument("--max-threads", type=int, default=4096)
    args = p.parse_args()
    demo = build()
    demo.queue(default_concurrency_limit=None, max_size=None)
    demo.launch(
        server_name="127.0.0.1",
        server_port=args.port,
        max_threads=args.max_threads,
        show_error=True,
        quiet=True,
        ssr_mode=False,
        mcp_server=False,
        app_kwargs={"middleware": [Middleware(CountingMiddleware)]},
    )


if __name__ == "__main__":
    main()
