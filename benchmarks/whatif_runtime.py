"""Diagnosis: would a proposed runtime change close a gap to the floor? (not part of the table)

Runs one scenario for the floor, our untyped runtime ``Client`` as it is, and our runtime
with a proposed change patched in at start-up (monkeypatching private internals: a
measuring stick for a patch proposal, not a fix), each in a fresh bench_worker.py process,
interleaved; prints medians. Modelled on the shared harness's whatif_gradio_client.py.

    python benchmarks/whatif_runtime.py --scenario seq --repeats 4
    python benchmarks/whatif_runtime.py --scenario stream --repeats 4
    python benchmarks/whatif_runtime.py --scenario conc1000 --repeats 3
    python benchmarks/whatif_runtime.py --scenario file --repeats 3 --file-mb 200

Variants (a patch that no longer applies to the current runtime is reported, not run):
  nograce     sync driver: the background reader takes an unowned reader role at once
              (``_sync.GRACE = 0``) instead of leaving it ``GRACE`` to the iterating caller
  nosock      sync client without ``_transport._sockets`` on plain TCP (httpcore's own
              stream: ``settimeout`` and a ``poll`` before every read), i.e. the change undone

The earlier proposals measured with this tool have all landed and were removed from it:
inline pumping (2011ad3, completed for submit()+iterate in dd8d17f), no file walk over
outputs without files (a404efa), a pool of 10 connections (541d1db), downloads without
1 MiB re-chunking (8b03878); benchmarks/RESULTS.md records their before/after figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_bench as rb  # noqa: E402

# Each patch runs in the worker before bench_worker.main(); it must raise AttributeError /
# ImportError when the internals it relies on are gone.
PATCHES: dict[str, str] = {
    "nograce": r"""
from gradio_gen_runtime._transport import _sync
_sync.GRACE  # must exist
_sync.GRACE = 0.0
""",
    "nosock": r"""
from gradio_gen_runtime._transport import _sockets
_sockets.ENABLED  # must exist
_sockets.ENABLED = False
""",
}

SCENARIOS: dict[str, tuple[str, list[str], str, list[str]]] = {
    # key: (worker scenario, args, our adapter, applicable patches)
    "seq": ("seq", ["--n", "300"], "ours_untyped", ["nograce"]),
    "stream": ("stream", ["--n", "2000"], "ours_untyped", ["nosock"]),
    "conc1000": ("concurrent", ["--n", "1000"], "ours_untyped?concurrency=async", []),
    "file": ("file", [], "ours_untyped", []),
}
SHOW = {
    "seq": [
        ("cpu_per_call_ms", "client CPU/call (ms)"),
        ("lat_median_ms", "median latency (ms)"),
        ("connections", "TCP connections"),
    ],
    "stream": [
        ("cpu_s", "client CPU (s)"),
        ("cpu_sys_s", "  in kernel (s)"),
        ("ttft_ms", "TTFT (ms)"),
    ],
    "conc1000": [
        ("cpu_s", "client CPU (s)"),
        ("wall_s", "wall (s)"),
        ("connections", "TCP connections"),
    ],
    "file": [
        ("cpu_s", "client CPU (s)"),
        ("wall_s", "wall (s)"),
        ("rss_growth_kb", "RSS growth (KiB)"),
    ],
}


def worker_cmd(patch: str | None, args: list[str]) -> list[str]:
    prelude = "\n".join(PATCHES[p] for p in patch.split("+")) if patch else ""
    code = (
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        f"{prelude}\n"
        f"sys.argv = ['bench_worker.py', *{args!r}]\n"
        f"runpy.run_path({str(HERE / 'bench_worker.py')!r}, run_name='__main__')\n"
    )
    return [sys.executable, "-c", code]


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scenario", choices=sorted(SCENARIOS), required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--file-mb", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=240)
    cfg = ap.parse_args()
    worker_scenario, wargs, ours, patches = SCENARIOS[cfg.scenario]
    work = tempfile.mkdtemp(prefix="gradio-gen-whatif-")
    env = {**os.environ, **rb.QUIET_ENV, "PYTHONPATH": str(HERE)}
    server = rb.Server(work, env, stock=False)
    rows: dict[str, list[dict[str, Any]]] = {}
    try:
        server.start()
        snap = os.path.join(work, "bench_app.json")
        config = json.loads(rb.http_get(server.url + "config"))
        info = json.loads(rb.http_get(server.url + "gradio_api/info"))
        Path(snap).write_text(json.dumps({"config": config, "info": info}), encoding="utf-8")
        env["BENCH_SNAPSHOT"] = snap
        big = os.path.join(work, "big.bin")
        if worker_scenario == "file":
            with open(big, "wb") as f:
                for _ in range(cfg.file_mb):
                    f.write(os.urandom(1 << 20))
        variants: list[tuple[str, str, str | None]] = [
            ("floor", "floor", None),
            ("ours", ours, None),
        ]
        variants += [(f"ours+{p}", ours, p) for p in patches]
        for rep in range(cfg.repeats):
            k = rep % len(variants)
            for name, adapter, patch in variants[k:] + variants[:k]:
                adapter_name, _, opt = adapter.partition("?")
                args = [
                    "--adapter",
                    adapter_name,
                    "--scenario",
                    worker_scenario,
                    "--url",
                    server.url,
                    *wargs,
                    "--time-limit",
                    str(cfg.timeout - 5),
                ]
                if opt:
                    args += ["--opt", opt]
                if worker_scenario == "file":
                    args += ["--path", big]
                dl = tempfile.mkdtemp(dir=work)
                if worker_scenario == "file":
                    os.sync()
                    time.sleep(0.5)
                rc, out, err, _, sampler = rb.run_bounded(
                    worker_cmd(patch, args),
                    {**env, "BENCH_DOWNLOAD_DIR": dl},
                    cfg.timeout,
                    str(HERE),
                )
                shutil.rmtree(dl, ignore_errors=True)
                found = [line for line in out.splitlines() if line.startswith("RESULT ")]
                if rc != 0 or not found:
                    last = (err.strip().splitlines() or ["?"])[-1]
                    print(f"  {name:16s} rep {rep + 1}: FAILED ({last[:160]})", file=sys.stderr)
                    continue
                res = json.loads(found[-1][7:])
                res["peak_threads"] = sampler.max_threads
                rows.setdefault(name, []).append(res)
                print(
                    f"  {name:16s} rep {rep + 1}: "
                    + ", ".join(
                        f"{label.strip()} {res.get(key, float('nan')):.3g}"
                        for key, label in SHOW[cfg.scenario]
                    ),
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    cols = SHOW[cfg.scenario] + [("peak_threads", "peak threads")]
    print(
        f"\n**what-if: {cfg.scenario}** (medians of {cfg.repeats}, load average now "
        f"{os.getloadavg()[0]:.1f})\n"
    )
    print("| variant | " + " | ".join(label.strip() for _, label in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for name, results in rows.items():
        cells = [f"{statistics.median(r[key] for r in results if key in r):.3g}" for key, _ in cols]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
