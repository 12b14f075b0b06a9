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
  inline      sync driver: the thread that waits for a job pumps the session stream itself
              when no reader runs (no reader thread, no hand-off per message, one socket)
  maxconn10   connection pool of 10 instead of 20 (async client; the joins' semaphore follows)
  rawdl       downloads take httpx chunks as they arrive instead of re-chunking to 1 MiB
  nofilewalk  outputs of endpoints whose output schemas hold no file skip the file walk
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
    "inline": r"""
import threading
from gradio_gen.runtime import _sync
from gradio_gen.runtime._exceptions import CancelledError
from gradio_gen.runtime._protocol._session import Effects
from gradio_gen.runtime._protocol._sse import SSEDecoder
_MARK = object()
_join, _result, _iter = _sync.SyncSession.join, _sync.Job.result, _sync.Job.__iter__
_sync.SyncSession._read_loop, _sync.SyncSession._open, _sync.Job._shape  # must exist
def join(self, ep, data, transform):
    with self.lock:
        if self._reader is None:
            self._reader = _MARK  # no background thread: the waiting caller pumps
    try:
        return _join(self, ep, data, transform)
    finally:
        with self.lock:
            if self._reader is _MARK:
                self._reader = None
def _claim(s):
    with s.lock:
        if s._reader is None:
            s._reader = threading.current_thread()
            return True
    return False
def result(self, timeout=_sync.NOT_GIVEN):
    if _claim(self._session):
        self._session._read_loop()  # in this thread; returns once nothing is pending
    return _result(self, timeout)
def iterate(self):
    s = self._session
    if not _claim(s):
        yield from _iter(self)
        return
    record, index = self._record, 0
    try:
        while True:
            response = s._open()
            try:
                decoder = SSEDecoder()
                for chunk in response.iter_bytes():
                    payloads = decoder.feed(chunk)
                    if not payloads:
                        continue
                    with s.lock:
                        effects = Effects()
                        for p in payloads:
                            effects.merge(s.core.receive(p))
                        s._wake(effects)
                        items = [self._shape(i, record.outputs[i])
                                 for i in range(index, len(record.outputs))]
                    index += len(items)
                    yield from items
            finally:
                response.close()
            with s.lock:
                if not s.core.pending:
                    break
    finally:
        with s.lock:
            s._reader = None
    if record.error is not None and not isinstance(record.error, CancelledError):
        raise record.error
_sync.SyncSession.join, _sync.Job.result, _sync.Job.__iter__ = join, result, iterate
""",
    "nofilewalk": r"""
from gradio_gen.runtime import _client
from gradio_gen.runtime._spec import is_file_schema
_decode, _has_files = _client.Client._decode_outputs, {}
def _contains(node):
    if is_file_schema(node):
        return True
    if isinstance(node, dict):
        return any(_contains(v) for v in node.values())
    if isinstance(node, list):
        return any(_contains(v) for v in node)
    return False
def decode(self, ep, values):
    has = _has_files.get(id(ep))
    if has is None:
        has = _has_files[id(ep)] = any(_contains(o.schema) for o in ep.outputs)
    return _decode(self, ep, values) if has else list(values)
_client.Client._decode_outputs = decode
""",
    "maxconn10": r"""
from gradio_gen.runtime import _async, _http
for f in (_async.AsyncSession.__init__, _http.build_async_client, _http.build_sync_client):
    if f.__defaults__:
        f.__defaults__ = tuple(10 if d == 20 else d for d in f.__defaults__)
    if f.__kwdefaults__:
        f.__kwdefaults__ = {k: (10 if v == 20 else v) for k, v in f.__kwdefaults__.items()}
""",
    "rawdl": r"""
import httpx
from gradio_gen.runtime import _files_io
from gradio_gen.runtime._http import map_transport_error, status_error
_files_io.FileTransfer._get  # must exist
def _get(self, client, url, chunk_size):
    try:
        with client.stream("GET", url, follow_redirects=True) as response:
            if not response.is_success:
                response.read()
                raise status_error(response, f"download {url}")
            yield from response.iter_bytes()  # chunks as they arrive
    except httpx.TransportError as exc:
        raise map_transport_error(exc, f"download {url}") from exc
_files_io.FileTransfer._get = _get
""",
}

SCENARIOS: dict[str, tuple[str, list[str], str, list[str]]] = {
    # key: (worker scenario, args, our adapter, applicable patches)
    "seq": ("seq", ["--n", "300"], "ours_untyped", ["inline", "inline+nofilewalk"]),
    "stream": (
        "stream",
        ["--n", "2000"],
        "ours_untyped",
        ["inline", "nofilewalk", "inline+nofilewalk"],
    ),
    "conc1000": ("concurrent", ["--n", "1000"], "ours_untyped?concurrency=async", ["maxconn10"]),
    "file": ("file", [], "ours_untyped", ["rawdl"]),
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
