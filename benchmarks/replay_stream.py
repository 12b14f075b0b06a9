"""Diagnosis: per-token CPU of our sync client with the network taken out (not part of the table).

Starts bench_app.py once to take its schema snapshot, stops it, then feeds a recorded-shape
stream of N generator messages (the bench's /stream: one token appended per message) to

* our untyped runtime ``Client`` (``submit()`` + iterating the ``Job``),
* a bare loop that decodes the same bytes and applies the same edits (no client at all),

both through an ``httpx.MockTransport`` (ours) or straight from memory (the bare loop), and
prints the best of several runs in microseconds per token. The difference is the runtime's
own Python work per message (protocol core, reader role, job iteration); the live benchmark
adds the socket and httpx reads on top of both.

    python benchmarks/replay_stream.py [--tokens 2000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_bench as rb  # noqa: E402

EVENT = "e" * 32


def snapshot_of_bench_app() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as work:
        server = rb.Server(work, {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}, stock=False)
        server.start()
        try:
            parts = {}
            for key, path in (("config", "config"), ("info", "gradio_api/info")):
                with urllib.request.urlopen(server.url + path, timeout=10) as response:
                    parts[key] = json.load(response)
            return parts
        finally:
            server.stop()


def stream_chunks(n: int) -> list[bytes]:
    def generating(data: list[Any]) -> dict[str, Any]:
        output = {"data": data, "is_generating": True}
        return {"msg": "process_generating", "event_id": EVENT, "output": output, "success": True}

    msgs: list[dict[str, Any]] = [
        {"msg": "estimation", "event_id": EVENT, "rank": 0, "queue_size": 1, "rank_eta": None},
        {"msg": "process_starts", "event_id": EVENT, "eta": None},
        generating(["t0 "]),
    ]
    msgs += [generating([[["append", [], f"t{i} "]]]) for i in range(1, n)]
    text = "".join(f"t{i} " for i in range(n))
    done = {"data": [text], "is_generating": False}
    msgs.append({"msg": "process_completed", "event_id": EVENT, "output": done, "success": True})
    msgs.append({"msg": "close_stream", "event_id": None})
    return [b"data: " + json.dumps(m).encode() + b"\n\n" for m in msgs]


def bare_loop(chunks: list[bytes]) -> Iterator[str]:
    value: list[Any] | None = None
    for chunk in chunks:
        for line in chunk.decode().split("\n"):
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            if msg["msg"] == "process_generating":
                data = msg["output"]["data"]
                value = (
                    list(data)
                    if value is None
                    else [v + d[0][2] for v, d in zip(value, data, strict=True)]
                )
                yield value[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--profile", action="store_true", help="cProfile one run of ours")
    ap.add_argument("--sort", default="tottime", help="profile order (tottime, ncalls, ...)")
    a = ap.parse_args()
    from gradio_gen_runtime import Client

    chunks = stream_chunks(a.tokens)
    snapshot = snapshot_of_bench_app()

    class Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            return iter(chunks)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("queue/join"):
            return httpx.Response(200, json={"event_id": EVENT})
        if request.url.path.endswith("queue/data"):
            headers = {"content-type": "text/event-stream"}
            return httpx.Response(200, headers=headers, stream=Body())
        if request.url.path.endswith("/config"):  # the client confirms its snapshot once
            return httpx.Response(200, json=snapshot["config"])
        return httpx.Response(404)

    client = Client(
        "http://127.0.0.1:9/",
        snapshot=snapshot,
        transport=httpx.MockTransport(handler),
    )

    def ours() -> int:
        client.reset_session()  # the replayed stream reuses one event id
        return sum(1 for _ in client.submit("/stream", a.tokens))

    def bare() -> int:
        return sum(1 for _ in bare_loop(chunks))

    try:
        if a.profile:
            ours()
            prof = cProfile.Profile()
            prof.runcall(ours)
            pstats.Stats(prof).sort_stats(a.sort).print_stats(25)
            return
        for name, fn in (("ours (untyped Client)", ours), ("bare decode+apply loop", bare)):
            assert fn() == a.tokens
            best = min(_cpu(fn) for _ in range(a.runs))
            print(f"{name:24s} {best / a.tokens * 1e6:6.1f} us/token")
    finally:
        client.close()


def _cpu(fn: Any) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


if __name__ == "__main__":
    main()
