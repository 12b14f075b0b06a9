"""Benchmark gradio-gen's client against gradio_client 2.7.2 and the floor, on a local app.

    python benchmarks/run_bench.py                     # full run (8-10 min on 2 cores)
    python benchmarks/run_bench.py --quick             # smoke run with tiny sizes (< 1 min)
    python benchmarks/run_bench.py --only seq,stream --repeats 3
    python benchmarks/run_bench.py --only conc1000 --clients ours --repeats 20   # lost calls
    python benchmarks/run_bench.py --markdown benchmarks/RESULTS.md --json raw.json

What it does (method adapted from the team's shared baseline harness, ../shared/bench/):
  * starts bench_app.py in its own process group on a free 127.0.0.1 port and waits for it;
  * saves the app's schema snapshot (/config + /info) and, when the generator works,
    generates a typed client for it (`python -m gradio_gen SNAPSHOT -o ...`);
  * runs every (scenario, client, repeat) in a fresh bench_worker.py process, clients
    interleaved (the order rotates each repeat) so drifting load hits them alike; samples
    each worker's threads and RSS from /proc every 10 ms, and the server's CPU around it;
  * times the generator on a typical app and on the largest corpus app (when present);
  * prints the machine, medians [min-max] and paired ratios (ours / floor, ours /
    gradio_client) as Markdown, and the issue's targets with met / not met;
  * stops every process it started (by process group) and deletes its temp files.

Every loop is bounded in count; every worker and generator run is bounded in time and
killed with its process group when it runs over.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_report import (  # noqa: E402
    Metric,
    Scenario,
    machine,
    machine_md,
    scenario_md,
    targets_md,
)

LARGEST_CORPUS_APP = ROOT.parent / "shared" / "corpus" / "fixture__many_endpoint_demo.json"
GENERATED_MODULE = "bench_generated_client"

QUIET_ENV = {
    # no traffic leaves the machine: no analytics, telemetry or version checks
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
    "PYTHONUNBUFFERED": "1",
}
# Gradio rebuilds a pandas summary of past events after EVERY event; its cost grows during
# a run and would penalise whichever client runs later. This keeps the server's cost flat.
LEAN_SERVER_ENV = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": str(10**9)}

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def http_get(url: str, timeout: float = 10) -> bytes:
    with _OPENER.open(url, timeout=timeout) as r:
        data: bytes = r.read()
    return data


def proc_cpu_s(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """Kill a process started with start_new_session=True, and its whole group."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


class Sampler(threading.Thread):
    """Peak Threads and VmRSS of a process, read from /proc every `interval` s."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.max_threads = 0
        self.max_rss_kb = 0
        self._halt = threading.Event()

    def run(self) -> None:
        path = f"/proc/{self.pid}/status"
        while not self._halt.is_set():
            try:
                with open(path) as f:
                    for line in f:
                        if line.startswith("Threads:"):
                            self.max_threads = max(self.max_threads, int(line.split()[1]))
                        elif line.startswith("VmRSS:"):
                            self.max_rss_kb = max(self.max_rss_kb, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)


class Server:
    """bench_app.py in its own process group on a free port."""

    def __init__(self, workdir: str, env: dict[str, str], stock: bool) -> None:
        self.workdir, self.env, self.stock = workdir, env, stock
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._log = open(os.path.join(workdir, "server.log"), "wb")  # noqa: SIM115

    def start(self, timeout: float = 120) -> None:
        env = {**self.env, "GRADIO_TEMP_DIR": os.path.join(self.workdir, "server-tmp")}
        if not self.stock:
            env.update(LEAN_SERVER_ENV)
        for _attempt in range(3):
            port = free_port()
            self.url = f"http://127.0.0.1:{port}/"
            self.proc = subprocess.Popen(
                [sys.executable, str(HERE / "bench_app.py"), "--port", str(port)],
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=str(HERE),
                start_new_session=True,
            )
            end = time.monotonic() + timeout
            while time.monotonic() < end and self.proc.poll() is None:
                try:
                    http_get(self.url + "__bench/stats", timeout=2)
                    http_get(self.url + "config", timeout=5)
                    return
                except OSError:
                    time.sleep(0.3)
            kill_group(self.proc)  # port taken meanwhile, or too slow: try again
        raise RuntimeError(f"bench server did not start; see {self.workdir}/server.log")

    def cpu_s(self) -> float:
        return proc_cpu_s(self.proc.pid) if self.proc else float("nan")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            kill_group(self.proc)
        self._log.close()


def run_bounded(
    cmd: list[str], env: dict[str, str], timeout: float, cwd: str
) -> tuple[int | None, str, str, float, Sampler]:
    """Run `cmd` in a new process group; kill the group on timeout. rc None = timed out."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    sampler = Sampler(proc.pid)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
        rc: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        kill_group(proc)
        out, err = proc.communicate()
        rc = None
    finally:
        sampler.stop()
    return (
        rc,
        out.decode(errors="replace"),
        err.decode(errors="replace"),
        time.perf_counter() - t0,
        sampler,
    )


def run_worker(
    args: list[str], env: dict[str, str], timeout: float, profile: str | None = None
) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "bench_worker.py"), *args, "--time-limit", str(timeout - 5)]
    if profile:  # py-spy samples every thread of the worker during its measured section
        cmd += ["--profile", profile]
    rc, out, err, wall, sampler = run_bounded(cmd, env, timeout, str(HERE))
    if rc is None:
        return {"error": f"timeout after {timeout:.0f} s (killed)", "stderr": err[-2000:]}
    for line in reversed(out.splitlines()):
        if line.startswith("RESULT "):
            res: dict[str, Any] = json.loads(line[7:])
            res.update(
                proc_wall_s=wall,
                peak_threads=sampler.max_threads,
                sampled_peak_rss_kb=sampler.max_rss_kb,
            )
            return res
    return {"error": f"exit {rc}", "stderr": err[-3000:]}


# ------------------------------------------------------------------------------- plan
def plan(cfg: argparse.Namespace, have_generated: bool) -> list[Scenario]:
    sync_n, async_n = cfg.conc_sync, cfg.conc_async
    ours_import = GENERATED_MODULE if have_generated else "gradio_gen_runtime"
    what = "runtime + generated client" if have_generated else "runtime only (no generated client)"
    conc_metrics = [
        Metric("wall (s)", "wall_s", 1, ".2f"),
        Metric("client CPU (s)", "cpu_s", 1, ".2f"),
        Metric("  of which in the kernel (s)", "cpu_sys_s", 1, ".2f"),
        Metric("server CPU (s)", "server_cpu_s", 1, ".2f"),
        Metric("peak client RSS (MiB)", "maxrss_kb", 1 / 1024, ".0f"),
        Metric("peak client threads", "peak_threads", 1, ".0f"),
        Metric("calls lost (failed)", "failed_calls", 1, ".0f"),
        Metric("HTTP requests", "requests", 1, ".0f"),
        Metric("TCP connections", "connections", 1, ".0f"),
    ]
    out = [
        Scenario(
            "import",
            f"Import (ours: {what}, module `{ours_import}`)",
            "import",
            [],
            [
                ("floor", "floor"),
                ("gradio_client", "gradio_client"),
                ("ours", "ours"),
                ("ours_runtime", "ours"),
            ],
            cfg.repeats_light,
            [
                Metric("import time, in-process (ms)", "wall_s", 1e3, ".0f"),
                Metric("import + interpreter, whole process (ms)", "proc_wall_s", 1e3, ".0f"),
                Metric("modules loaded", "modules", 1, ".0f"),
            ],
            extra_opts={
                "floor": ["--module", "floor_client"],
                "gradio_client": ["--module", "gradio_client"],
                "ours": ["--module", ours_import],
                "ours_runtime": ["--module", "gradio_gen_runtime"],
            },
        ),
        Scenario(
            "connect",
            "Connect (ours: "
            + (
                "generated client, schema embedded, default on_drift='warn'; "
                "ours_nodrift: the same with on_drift='ignore'"
                if have_generated
                else "untyped Client with snapshot="
            )
            + "; ours_url: Client(url))",
            "connect",
            [],
            [
                ("floor", "floor"),
                ("gradio_client", "gradio_client"),
                ("ours", "ours"),
                ("ours_nodrift", "ours_nodrift"),
                ("ours_url", "ours_url"),
            ],
            cfg.repeats_light,
            [
                Metric("connect wall (ms)", "wall_s", 1e3, ".1f"),
                Metric("connect client CPU (ms)", "cpu_s", 1e3, ".1f"),
                Metric("then the first /echo call: wall (ms)", "first_call_wall_s", 1e3, ".1f"),
                Metric("connect + first call: wall (ms)", "connect_first_call_wall_s", 1e3, ".1f"),
                Metric(
                    "connect + first call client CPU (ms)", "connect_first_call_cpu_s", 1e3, ".1f"
                ),
                Metric("import + connect + first call: wall (ms)", "cold_wall_s", 1e3, ".1f"),
                Metric("import + connect + first call: client CPU (ms)", "cold_cpu_s", 1e3, ".1f"),
                Metric(
                    "HTTP requests before the first call's join (incl. lazy ones)",
                    "requests_before_call",
                    1,
                    ".0f",
                ),
                Metric(
                    "other HTTP requests until the first call returned",
                    "other_requests_through_first_call",
                    1,
                    ".0f",
                ),
                Metric(
                    "4 more clients of the app, same process: other requests per client",
                    "requests_per_extra_client",
                    1,
                    ".1f",
                ),
                Metric(
                    "... construct + first call per client: wall (ms)",
                    "extra_client_wall_s",
                    1e3,
                    ".1f",
                ),
                Metric("HTTP requests during connect + 0.5 s", "requests", 1, ".0f"),
                Metric("TCP connections (connect + 0.5 s)", "connections", 1, ".0f"),
                Metric("threads after connect", "threads_after_connect", 1, ".0f"),
            ],
        ),
        Scenario(
            "seq",
            f"{cfg.seq_calls} sequential calls of /echo",
            "seq",
            ["--n", str(cfg.seq_calls)],
            [("floor", "floor"), ("gradio_client", "gradio_client"), ("ours", "ours")],
            cfg.repeats,
            [
                Metric("median latency (ms)", "lat_median_ms", 1, ".2f"),
                Metric("p99 latency (ms)", "lat_p99_ms", 1, ".2f"),
                Metric("total wall (s)", "wall_s", 1, ".2f"),
                Metric("client CPU per call (ms)", "cpu_per_call_ms", 1, ".2f"),
                Metric("HTTP requests per call", "requests_per_call", 1, ".2f"),
                Metric("TCP connections opened", "connections", 1, ".0f"),
            ],
        ),
        Scenario(
            "conc200",
            f"{sync_n} concurrent calls of /slow (0.5 s), sync clients "
            "(ours: Client.submit + Job.result; floor: asyncio; gradio_client: submit, max_workers=40)",
            "concurrent",
            ["--n", str(sync_n)],
            [("floor", "floor"), ("gradio_client", "gradio_client"), ("ours", "ours")],
            cfg.repeats,
            conc_metrics,
        ),
        Scenario(
            "conc1000",
            f"{async_n} concurrent calls of /slow (0.5 s) (ours: AsyncClient + asyncio.gather; "
            "floor: asyncio; gradio_client: submit, max_workers=40)",
            "concurrent",
            ["--n", str(async_n)],
            [("floor", "floor"), ("gradio_client", "gradio_client"), ("ours", "ours_async")],
            cfg.repeats,
            conc_metrics,
        ),
        Scenario(
            "stream",
            f"Generator streaming {cfg.stream_tokens} tokens (/stream)",
            "stream",
            ["--n", str(cfg.stream_tokens)],
            [("floor", "floor"), ("gradio_client", "gradio_client"), ("ours", "ours")],
            cfg.repeats,
            [
                Metric("time to first token (ms)", "ttft_ms", 1, ".1f"),
                Metric("total (s)", "wall_s", 1, ".3f"),
                Metric("client CPU (s)", "cpu_s", 1, ".3f"),
                Metric("  of which in the kernel (s)", "cpu_sys_s", 1, ".3f"),
                Metric("server CPU (s)", "server_cpu_s", 1, ".3f"),
                Metric("outputs delivered", "items", 1, ".0f"),
            ],
        ),
        Scenario(
            "file",
            f"{cfg.file_mb} MB file uploaded, echoed (/file_echo) and downloaded to disk",
            "file",
            [],
            [("floor", "floor"), ("gradio_client", "gradio_client"), ("ours", "ours")],
            cfg.repeats_file,
            [
                Metric("wall (s)", "wall_s", 1, ".2f"),
                Metric("client CPU (s)", "cpu_s", 1, ".2f"),
                Metric("peak client RSS (MiB)", "maxrss_kb", 1 / 1024, ".0f"),
                Metric("peak RSS growth over idle (MiB)", "rss_growth_kb", 1 / 1024, ".0f"),
                Metric("HTTP requests", "requests", 1, ".0f"),
            ],
        ),
    ]
    for sc in out:  # diagnosis: --extra-client ours_untyped adds a column to the call scenarios
        if sc.key in ("seq", "conc200", "stream", "file"):
            sc.clients += [(c, c) for c in filter(None, cfg.extra_client.split(","))]
    clients = set(filter(None, cfg.clients.split(",")))
    if clients:
        for sc in out:
            sc.clients = [(c, a) for c, a in sc.clients if c in clients]
    only = set(filter(None, cfg.only.split(",")))
    return [s for s in out if (not only or s.key in only) and s.clients]


# --------------------------------------------------------------------------- generation
def generate(src: str, dest: str, env: dict[str, str], timeout: float) -> tuple[float | None, str]:
    """Run the CLI once; (wall seconds or None on failure, message)."""
    cmd = [sys.executable, "-m", "gradio_gen", src, "-o", dest]
    rc, out, err, wall, _ = run_bounded(cmd, env, timeout, str(ROOT))
    if rc is None:
        return None, f"timed out after {timeout:.0f} s"
    if rc != 0 or not os.path.isfile(dest):
        return None, f"exit {rc}: {(err or out).strip()[-500:]}"
    return wall, ""


def precompile(generated: str | None) -> None:
    """Write the bytecode of the code the workers import from source: this folder (the floor
    client, the adapters), the runtime and the generated module. Installed packages come with
    theirs (pip compiles on install; gradio_client and httpx here have it), and an
    application's own modules get theirs on first import, so no client is timed compiling
    source, which it would be whenever PYTHONDONTWRITEBYTECODE is set."""
    spec = importlib.util.find_spec("gradio_gen_runtime")
    roots = [str(HERE), *(spec.submodule_search_locations or [])] if spec else [str(HERE)]
    for root in roots:
        compileall.compile_dir(root, quiet=2)
    if generated:
        compileall.compile_file(generated, quiet=2)


def gen_scenarios(cfg: argparse.Namespace, snapshot: str) -> list[tuple[Scenario, str]]:
    metrics = [
        Metric("CLI wall, whole process (s)", "wall_s", 1, ".2f"),
        Metric("generated module (KiB)", "kib", 1, ".0f"),
    ]
    out = [
        (
            Scenario(
                "gen_typical",
                "Generation: the bench app (6 endpoints), `gradio-gen SNAPSHOT -o`",
                "gen",
                [],
                [("ours", "ours")],
                cfg.repeats_gen,
                metrics,
            ),
            snapshot,
        )
    ]
    if LARGEST_CORPUS_APP.is_file() and not cfg.quick:
        out.append(
            (
                Scenario(
                    "gen_large",
                    f"Generation: the largest corpus app ({LARGEST_CORPUS_APP.name}, "
                    "2,000 endpoints)",
                    "gen",
                    [],
                    [("ours", "ours")],
                    max(1, min(cfg.repeats_gen, 2)),
                    metrics,
                ),
                str(LARGEST_CORPUS_APP),
            )
        )
    only = set(filter(None, cfg.only.split(",")))
    clients = set(filter(None, cfg.clients.split(",")))
    if clients and "ours" not in clients:
        return []
    return [(s, src) for s, src in out if not only or s.key in only or "gen" in only]


# ---------------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 repeat, tiny sizes")
    ap.add_argument("--repeats", type=int, default=5, help="repeats of seq/concurrent/stream")
    ap.add_argument("--repeats-light", type=int, default=7, help="repeats of import/connect")
    ap.add_argument("--repeats-file", type=int, default=3)
    ap.add_argument("--repeats-gen", type=int, default=3)
    ap.add_argument("--seq-calls", type=int, default=300)
    ap.add_argument("--conc-sync", type=int, default=200, help="calls in flight, sync clients")
    ap.add_argument("--conc-async", type=int, default=1000, help="calls in flight, async client")
    ap.add_argument("--stream-tokens", type=int, default=2000)
    ap.add_argument("--file-mb", type=int, default=200)
    ap.add_argument(
        "--only",
        default="",
        help="subset of: import,connect,seq,conc200,conc1000,stream,file,gen_typical,gen_large",
    )
    ap.add_argument("--clients", default="", help="subset of columns, e.g. ours,floor")
    ap.add_argument(
        "--extra-client",
        default="",
        help="extra adapters for seq/conc200/stream/file, e.g. ours_untyped (diagnosis)",
    )
    ap.add_argument("--worker-timeout", type=float, default=240)
    ap.add_argument("--stock-server", action="store_true", help="keep Gradio's per-event analytics")
    ap.add_argument(
        "--profile",
        help="record the measured section of each worker of --profile-clients with py-spy "
        "into this folder (skews timings: use for diagnosis only)",
    )
    ap.add_argument("--profile-clients", default="ours")
    ap.add_argument("--json", help="write the raw results here")
    ap.add_argument("--markdown", help="also write the report here")
    cfg = ap.parse_args(argv)
    if cfg.quick:
        cfg.repeats = cfg.repeats_light = cfg.repeats_file = cfg.repeats_gen = 1
        cfg.seq_calls, cfg.conc_sync, cfg.conc_async = 20, 20, 50
        cfg.stream_tokens, cfg.file_mb = 100, 4
        cfg.worker_timeout = min(cfg.worker_timeout, 60)
    return cfg


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    t_start = time.time()
    meta = machine(str(ROOT))
    meta.update(
        argv=[Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])],
        started=time.strftime("%Y-%m-%d %H:%M", time.gmtime(t_start)),
        load_avg=list(os.getloadavg()),
        config=vars(cfg),
    )
    work = tempfile.mkdtemp(prefix="gradio-gen-bench-")
    gen_dir = os.path.join(work, "gen")
    os.makedirs(gen_dir)
    env = {**os.environ, **QUIET_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), gen_dir, env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    server = Server(work, env, cfg.stock_server)
    try:
        server.start()
        log(f"# bench server on {server.url} (pid {server.proc.pid if server.proc else '?'})")
        snapshot = os.path.join(work, "bench_app.json")
        config = json.loads(http_get(server.url + "config"))
        prefix = (config.get("api_prefix") or "/gradio_api").strip("/")
        info = json.loads(http_get(f"{server.url}{prefix}/info"))
        with open(snapshot, "w", encoding="utf-8") as f:
            json.dump({"config": config, "info": info}, f)
        env["BENCH_SNAPSHOT"] = snapshot
        gen_wall, msg = generate(
            snapshot, os.path.join(gen_dir, GENERATED_MODULE + ".py"), env, 120
        )
        precompile(
            os.path.join(gen_dir, GENERATED_MODULE + ".py") if gen_wall is not None else None
        )
        if gen_wall is not None:
            env["BENCH_GENERATED_MODULE"] = GENERATED_MODULE
            log(f"# generated a typed client for the bench app in {gen_wall:.2f} s")
        else:
            notes.append(
                "No generated client (the CLI failed: "
                + msg.splitlines()[-1][:200]
                + "); `ours` is the untyped runtime Client given the saved snapshot, "
                "and generation is not timed."
            )
            log("# " + notes[-1])
        scenarios = plan(cfg, gen_wall is not None)
        big = os.path.join(work, "payload", "big.bin")
        if any(s.key == "file" for s in scenarios):
            os.makedirs(os.path.dirname(big))
            with open(big, "wb") as f:
                for _ in range(cfg.file_mb):
                    f.write(os.urandom(1 << 20))
        for sc in scenarios:
            run_scenario(sc, cfg, server, env, work, big, results)
        for sc, src in gen_scenarios(cfg, snapshot) if gen_wall is not None else []:
            scenarios.append(sc)
            for rep in range(sc.repeats):
                dest = os.path.join(work, f"gen-{sc.key}-{rep}.py")
                wall, msg = generate(src, dest, env, cfg.worker_timeout)
                res: dict[str, Any] = {
                    "key": sc.key,
                    "rep": rep,
                    "column": "ours",
                    "adapter": "cli",
                }
                if wall is None:
                    res["error"] = msg
                else:
                    res.update(wall_s=wall, kib=os.path.getsize(dest) / 1024)
                log(f"  {sc.key:12s} ours rep {rep + 1}: " + (res.get("error") or f"{wall:.2f} s"))
                results.append(res)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    meta.update(load_avg_end=list(os.getloadavg()), duration_s=time.time() - t_start)
    report = render(meta, scenarios, results, notes)
    print(report)
    if cfg.markdown:
        Path(cfg.markdown).write_text(report, encoding="utf-8")
    if cfg.json:
        Path(cfg.json).write_text(
            json.dumps({"meta": meta, "results": results}, indent=1), encoding="utf-8"
        )
    return 1 if any("error" in r for r in results) else 0


def run_scenario(
    sc: Scenario,
    cfg: argparse.Namespace,
    server: Server,
    env: dict[str, str],
    work: str,
    big: str,
    results: list[dict[str, Any]],
) -> None:
    # import and connect get one discarded warm-up round (page cache); the heavier
    # scenarios warm up inside the worker
    warm = [-1] if sc.worker in ("import", "connect") and not cfg.quick else []
    for rep in warm + list(range(sc.repeats)):
        k = max(rep, 0) % len(sc.clients)
        order = sc.clients[k:] + sc.clients[:k]  # rotate: each client leads in turn
        for column, adapter in order:
            wargs = [
                "--adapter",
                adapter,
                "--scenario",
                sc.worker,
                "--url",
                server.url,
                *sc.args,
                *sc.extra_opts.get(column, []),
            ]
            if sc.worker == "file":
                wargs += ["--path", big]
            dl = tempfile.mkdtemp(prefix="dl-", dir=work)
            tmp = tempfile.mkdtemp(prefix="tmp-", dir=work)
            # TMPDIR too: gradio_client leaves an empty folder in the temp dir per download
            wenv = {**env, "BENCH_DOWNLOAD_DIR": dl, "TMPDIR": tmp}
            if sc.worker == "file":
                os.sync()  # flush the previous run's writes first
                time.sleep(1.0)
            s0 = server.cpu_s()
            prof = None
            if cfg.profile and column in cfg.profile_clients.split(","):
                os.makedirs(cfg.profile, exist_ok=True)
                prof = os.path.join(cfg.profile, f"{sc.key}-{column}-{max(rep, 0)}.txt")
            res = run_worker(wargs, wenv, cfg.worker_timeout, prof)
            s_cpu = server.cpu_s() - s0
            shutil.rmtree(dl, ignore_errors=True)
            shutil.rmtree(tmp, ignore_errors=True)
            if not server.alive():
                raise RuntimeError("the bench server died; see its log")
            res.update(
                key=sc.key, rep=rep, column=column, server_cpu_s=s_cpu, load_avg=os.getloadavg()[0]
            )
            if "maxrss_kb" in res and "rss_base_kb" in res and "rss_growth_kb" not in res:
                res["rss_growth_kb"] = res["maxrss_kb"] - res["rss_base_kb"]
            tag = "warm-up" if rep < 0 else f"rep {rep + 1}/{sc.repeats}"
            if "error" in res:
                log(
                    f"  {sc.key:8s} {column:14s} {tag}: ERROR {res['error']}\n{res.get('stderr', '')}"
                )
            else:
                log(
                    f"  {sc.key:8s} {column:14s} {tag}: wall {res.get('wall_s', 0):.3f}s "
                    f"cpu {res.get('cpu_s', 0):.3f}s"
                )
            if rep >= 0:
                results.append(res)


def render(
    meta: dict[str, Any], scenarios: list[Scenario], results: list[dict[str, Any]], notes: list[str]
) -> str:
    parts = [
        "# gradio-gen benchmarks: ours vs gradio_client vs the floor",
        "",
        f"Produced by `python benchmarks/{' '.join(meta.get('argv', ['run_bench.py']))}` "
        "(see README.md for the method).",
        "",
        "## Machine",
        "",
        machine_md(meta),
    ]
    if notes:
        parts += ["Notes:", "", *[f"- {n}" for n in notes], ""]
    parts += [
        "## Targets",
        "",
        targets_md(results),
        "## Results (medians [min-max]; ratios are medians of per-repeat pairs)",
        "",
    ]
    for sc in scenarios:
        parts.append(scenario_md(sc, results))
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
