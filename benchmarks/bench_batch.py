"""Batch work: 1,000 rows through ``map`` and ``gradio-gen batch`` beside the floor's
``asyncio.gather`` over the same calls; and memory as the number of rows grows.

    .venv/bin/python benchmarks/bench_batch.py [--rows 1000] [--concurrency 100] [--repeats 3]
    .venv/bin/python benchmarks/bench_batch.py --quick         # tiny sizes, a smoke run

Starts bench_app.py (as run_bench.py does), generates its typed client, then runs each
(scenario, repeat) in a fresh process of this file (``--worker``), scenarios interleaved:

* ``floor``: the floor client (``floor_client.AsyncMinimalClient``), ``asyncio.gather`` over
  the calls with a semaphore of ``--concurrency`` (the same bound as ``map``);
* ``ours_gather``: our generated async client, the same ``gather`` + semaphore (our engine
  without ``map``);
* ``map_sync`` / ``map_async``: ``client.slow.map(rows, concurrency=N)`` of the generated
  sync / async client;
* ``batch``: ``gradio-gen batch URL /slow in.jsonl -o out.jsonl --concurrency N`` (the whole
  command: interpreter start, imports and connecting included; its output checked).

Each row calls ``/slow`` (0.5 s on the server). Reported: wall time, client CPU, peak RSS.
Then ``--memory`` rows (default 1,000 and 10,000) of ``/echo`` through ``map_sync`` and the
floor's gather, peak RSS growth over the idle process: ``map`` holds at most ``concurrency``
rows, a gather holds one coroutine per row. Every result is checked; a wrong one fails the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SCENARIOS = ["floor", "ours_gather", "map_sync", "map_async", "batch"]


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(
    kind: str, url: str, module_dir: str, rows: int, concurrency: int, endpoint: str
) -> dict[str, Any]:
    """One scenario in this (fresh) process."""
    sys.path.insert(0, module_dir)
    texts = [f"row-{i}" for i in range(rows)]
    if kind == "batch":
        work = tempfile.mkdtemp(prefix="bench-batch-")
        inp, out = os.path.join(work, "in.jsonl"), os.path.join(work, "out.jsonl")
        with open(inp, "w") as fh:
            fh.writelines(json.dumps([t]) + "\n" for t in texts)
        started = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(
            [sys.executable, "-m", "gradio_gen", "batch", url, "/" + endpoint, inp, "-o", out,
             "--concurrency", str(concurrency), "-q"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert proc.returncode == 0, proc.stderr
        got = {}
        with open(out) as fh:
            for line in fh:
                entry = json.loads(line)
                got[entry["index"]] = entry["output"]
        assert got == dict(enumerate(texts)), "wrong batch output"
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return {
            "wall": wall,
            "cpu": cpu,
            "rss_mb": after.ru_maxrss / 1024,
            "growth_mb": float("nan"),
        }

    from bench_generated_client import AsyncBenchApp, BenchApp  # type: ignore[import-not-found]

    async def gather_floor() -> list[Any]:
        from floor_client import AsyncMinimalClient

        client = await AsyncMinimalClient(url, max_connections=10).connect()
        sem = asyncio.Semaphore(concurrency)

        async def one(t: str) -> Any:
            async with sem:
                return await client.predict("/" + endpoint, t)

        try:
            return list(await asyncio.gather(*(one(t) for t in texts)))
        finally:
            await client.aclose()

    async def gather_ours() -> list[Any]:
        async with AsyncBenchApp(url) as client:
            sem = asyncio.Semaphore(concurrency)
            ep = getattr(client, endpoint)

            async def one(t: str) -> Any:
                async with sem:
                    return await ep(t)

            return list(await asyncio.gather(*(one(t) for t in texts)))

    async def map_async() -> list[Any]:
        async with AsyncBenchApp(url) as client:
            return [
                r
                async for r in getattr(client, endpoint).map(
                    ((t,) for t in texts), concurrency=concurrency
                )
            ]

    def map_sync() -> list[Any]:
        with BenchApp(url) as client:
            return list(
                getattr(client, endpoint).map(((t,) for t in texts), concurrency=concurrency)
            )

    run = {
        "floor": lambda: asyncio.run(gather_floor()),
        "ours_gather": lambda: asyncio.run(gather_ours()),
        "map_async": lambda: asyncio.run(map_async()),
        "map_sync": map_sync,
    }[kind]
    idle = _rss_kb("VmRSS")
    _reset_peak()
    cpu0, started = _cpu(), time.perf_counter()
    out = run()
    wall, cpu = time.perf_counter() - started, _cpu() - cpu0
    assert out == texts, f"{kind}: wrong results"
    peak = _rss_kb("VmHWM")
    return {"wall": wall, "cpu": cpu, "rss_mb": peak / 1024, "growth_mb": (peak - idle) / 1024}


def run_worker(
    kind: str, url: str, module_dir: str, rows: int, concurrency: int, endpoint: str
) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--url", url, "--module-dir", module_dir,
         "--rows", str(rows), "--concurrency", str(concurrency), "--endpoint", endpoint],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    raise RuntimeError(f"{kind} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")


def _fmt(values: list[float], unit: str) -> str:
    if not values or any(v != v for v in values):
        return "-"
    return f"{statistics.median(values):.2f}{unit} [{min(values):.2f}-{max(values):.2f}]"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=100)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--memory", default="1000,10000", help="row counts for the memory table")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--worker")
    p.add_argument("--url")
    p.add_argument("--module-dir")
    p.add_argument("--endpoint", default="slow")
    args = p.parse_args()
    if args.worker:
        result = worker(
            args.worker, args.url, args.module_dir, args.rows, args.concurrency, args.endpoint
        )
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    if args.quick:
        args.rows, args.concurrency, args.repeats, args.memory = 40, 10, 1, "100,300"
    from run_bench import QUIET_ENV, Server

    env = {**os.environ, **QUIET_ENV}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as work:
        server = Server(work, env, stock=False)
        server.start()
        try:
            target = os.path.join(work, "bench_generated_client.py")
            subprocess.run(
                [sys.executable, "-m", "gradio_gen", server.url, "-o", target, "-q", "--class-name", "BenchApp"],
                check=True, timeout=120, env=env,
            )  # fmt: skip
            results: dict[str, list[dict[str, Any]]] = {k: [] for k in SCENARIOS}
            for repeat in range(args.repeats):
                order = SCENARIOS[repeat % len(SCENARIOS) :] + SCENARIOS[: repeat % len(SCENARIOS)]
                for kind in order:
                    results[kind].append(
                        run_worker(kind, server.url, work, args.rows, args.concurrency, "slow")
                    )
                    print(f"# {kind} repeat {repeat}: {results[kind][-1]}", file=sys.stderr)
            memory: dict[tuple[str, int], dict[str, Any]] = {}
            for n in (int(x) for x in args.memory.split(",")):
                for kind in ("floor", "map_sync", "map_async"):
                    memory[(kind, n)] = run_worker(kind, server.url, work, n, 32, "echo")
                    print(f"# memory {kind} {n}: {memory[(kind, n)]}", file=sys.stderr)
        finally:
            server.stop()
    floor_wall = [r["wall"] for r in results["floor"]]
    print(
        f"**{args.rows} calls of /slow (0.5 s), {args.concurrency} in flight (medians [min-max] of {args.repeats})**\n"
    )
    print("| scenario | wall (s) | wall / floor | client CPU (s) | peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    for kind in SCENARIOS:
        rows = results[kind]
        ratios = [r["wall"] / f for r, f in zip(rows, floor_wall, strict=True)]
        print(
            f"| {kind} | {_fmt([r['wall'] for r in rows], '')} | {_fmt(ratios, 'x')} | "
            f"{_fmt([r['cpu'] for r in rows], '')} | {_fmt([r['rss_mb'] for r in rows], '')} |"
        )
    print("\n**Memory: peak RSS growth over the idle process (MiB), /echo, 32 in flight**\n")
    counts = sorted({n for _, n in memory})
    print("| scenario | " + " | ".join(f"{n:,} rows" for n in counts) + " |")
    print("|---|" + "---|" * len(counts))
    for kind in ("floor", "map_sync", "map_async"):
        cells = [
            f"{memory[(kind, n)]['growth_mb']:.1f} ({memory[(kind, n)]['wall']:.1f} s)"
            for n in counts
        ]
        print(f"| {kind} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
