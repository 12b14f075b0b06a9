"""Runs ONE scenario for ONE client in a fresh process and prints one ``RESULT {json}`` line.

Adapted from the team's shared baseline harness (../shared/bench/worker.py). Started by
run_bench.py; can be run by hand against a running bench_app.py:

    python bench_worker.py --adapter floor --scenario seq --url http://127.0.0.1:8150/ --n 50

Client CPU is this process's own getrusage (user+sys, all threads) around the measured
section only; the server runs in another process. Every loop is bounded in count and the
whole scenario in time (--time-limit); the runner also kills the worker on a timeout.
"""

from __future__ import annotations

import sys
import time

_T_START = time.perf_counter()

import filecmp  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import urllib.request  # noqa: E402
from typing import Any  # noqa: E402


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _cpu_split() -> tuple[float, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime, ru.ru_stime


def _reset_peak() -> bool:
    """Reset VmHWM (the kernel's peak RSS of this process) to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _maxrss_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _status(field: str) -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _bench(url: str, path: str) -> dict[str, Any]:
    """The bench app's request counters (not counted themselves)."""
    method = "POST" if path.endswith("reset") else "GET"
    req = urllib.request.Request(url.rstrip("/") + path, method=method)
    with _OPENER.open(req, timeout=10) as r:
        data: dict[str, Any] = json.loads(r.read())
    return data


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise TimeoutError("scenario exceeded its time bound")


class _Spy:
    """py-spy attached to this process around the measured section only (--profile)."""

    def __init__(self, out: str | None) -> None:
        self.out = out
        self.proc: Any = None

    def start(self) -> None:
        if not self.out:
            return
        import shutil
        import subprocess

        spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
        cmd = [spy, "record", "-r", "1000", "-f", "raw", "-o", self.out, "--pid", str(os.getpid())]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # let it attach

    def stop(self) -> None:
        if self.proc is None:
            return
        import signal
        import subprocess

        self.proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None


EXTRA_CLIENTS = 4
"""connect scenario: more clients of the app made in the same process after the first."""


def _parse_opts(pairs: list[str]) -> dict[str, Any]:
    import ast

    out: dict[str, Any] = {}
    for pair in pairs:
        k, _, v = pair.partition("=")
        try:
            out[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            out[k] = v
    return out


def main() -> None:  # one branch per scenario, read top to bottom
    import argparse

    p = argparse.ArgumentParser()
    p.add_argument("--adapter", required=True, help="name in bench_clients.ADAPTERS")
    p.add_argument("--opt", action="append", default=[], help="adapter option key=value")
    p.add_argument(
        "--scenario",
        required=True,
        choices=["import", "connect", "seq", "concurrent", "stream", "file"],
    )
    p.add_argument("--url", default="http://127.0.0.1:8150/")
    p.add_argument("--module", help="import scenario: the module to import")
    p.add_argument("--n", type=int, default=0, help="calls / concurrency / tokens")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--path", help="file scenario: the file to send")
    p.add_argument("--time-limit", type=float, default=300.0)
    p.add_argument("--profile", help="py-spy output for the measured section (diagnosis only)")
    a = p.parse_args()
    out: dict[str, Any] = {"adapter": a.adapter, "scenario": a.scenario, "n": a.n}

    if a.scenario == "import":
        # Nothing but the stdlib has been imported yet.
        t0, c0 = time.perf_counter(), _cpu()
        __import__(a.module)
        out.update(
            wall_s=time.perf_counter() - t0,
            cpu_s=_cpu() - c0,
            modules=len(sys.modules),
            maxrss_kb=_maxrss_kb(),
        )
        print("RESULT " + json.dumps(out), flush=True)
        return

    from bench_clients import make_adapter

    adapter = make_adapter(a.adapter, **_parse_opts(a.opt))
    t_imp, c_imp = time.perf_counter(), _cpu()
    if adapter.import_module:
        __import__(adapter.import_module)
    import_s, import_cpu_s = time.perf_counter() - t_imp, _cpu() - c_imp
    deadline = Deadline(a.time_limit)
    spy = _Spy(a.profile)
    url = a.url

    if a.scenario == "connect":
        _bench(url, "/__bench/reset")
        c0, t0 = _cpu(), time.perf_counter()
        adapter.connect(url)
        t1, c1 = time.perf_counter(), _cpu()
        threads_after = _status("Threads")
        time.sleep(0.5)  # let background requests (heartbeat, ...) land
        stats = _bench(url, "/__bench/stats")
        c2, t2 = _cpu(), time.perf_counter()
        if adapter.call("/echo", text="ok") != "ok":
            raise AssertionError("bad echo after connect")
        t3, c3 = time.perf_counter(), _cpu()
        through = _bench(url, "/__bench/stats")  # counters were not reset: since connect
        own = {"/gradio_api/queue/join", "/gradio_api/queue/data"}  # the call itself
        order = through["order"]
        join = "/gradio_api/queue/join"
        before = order.index(join) if join in order else len(order)
        # N more clients of the same app in this process, each constructed and called once:
        # the requests each makes besides its call (a client that shares what the process
        # already knows about the app makes none)
        more: list[Any] = []
        t4 = time.perf_counter()
        for _ in range(EXTRA_CLIENTS):
            other = make_adapter(a.adapter, **_parse_opts(a.opt))
            more.append(other)
            other.connect(url)
            if other.call("/echo", text="more") != "more":
                raise AssertionError("bad echo from another client")
        t5 = time.perf_counter()
        after = _bench(url, "/__bench/stats")
        for other in more:
            other.close()
        extra = sum(
            n - through["paths"].get(path, 0)
            for path, n in after["paths"].items()
            if path not in own
        )
        out.update(
            extra_clients=EXTRA_CLIENTS,
            requests_per_extra_client=extra / EXTRA_CLIENTS,
            extra_client_wall_s=(t5 - t4) / EXTRA_CLIENTS,
            connect_first_call_wall_s=(t1 - t0) + (t3 - t2),
            cold_wall_s=import_s + (t1 - t0) + (t3 - t2),
            cold_cpu_s=import_cpu_s + (c1 - c0) + (c3 - c2),
            requests_before_call=before,
            other_requests_through_first_call=sum(
                n for path, n in through["paths"].items() if path not in own
            ),
            paths_through_first_call=through["paths"],
            wall_s=t1 - t0,
            cpu_s=c1 - c0,
            first_call_wall_s=t3 - t2,
            connect_first_call_cpu_s=(c1 - c0) + (c3 - c2),
            requests=stats["requests"],
            connections=stats["connections"],
            paths=stats["paths"],
            kib_received=stats["bytes_out"] / 1024,
            threads_after_connect=threads_after,
            maxrss_kb=_maxrss_kb(),
        )
        adapter.close()
        print("RESULT " + json.dumps(out), flush=True)
        return

    adapter.connect(url)

    if a.scenario == "seq":
        for _ in range(a.warmup):
            adapter.call("/echo", text="warm")
        # correctness checks of the other small endpoints (not timed)
        if adapter.call("/add", a=1, b=2) != 3:
            raise AssertionError("bad /add")
        s1 = adapter.call("/state", increment=3)
        s2 = adapter.call("/state", increment=4)
        if s2 - s1 != 4:
            raise AssertionError(f"session state not kept: {s1!r}, {s2!r}")
        _bench(url, "/__bench/reset")
        rss0 = _status("VmRSS")
        lat: list[float] = []
        spy.start()
        (u0, k0), c0, t0 = _cpu_split(), _cpu(), time.perf_counter()
        for i in range(a.n):
            deadline.check()
            s = time.perf_counter()
            r = adapter.call("/echo", text=f"hello {i}")
            lat.append(time.perf_counter() - s)
            if r != f"hello {i}":
                raise AssertionError(f"bad echo {r!r}")
        t1, c1, (u1, k1) = time.perf_counter(), _cpu(), _cpu_split()
        spy.stop()
        out.update(cpu_user_s=u1 - u0, cpu_sys_s=k1 - k0)
        stats = _bench(url, "/__bench/stats")
        out.update(
            wall_s=t1 - t0,
            cpu_s=c1 - c0,
            lat_median_ms=_pct(lat, 0.5) * 1e3,
            lat_p99_ms=_pct(lat, 0.99) * 1e3,
            cpu_per_call_ms=(c1 - c0) / a.n * 1e3,
            requests_per_call=stats["requests"] / a.n,
            connections=stats["connections"],
            rss_base_kb=rss0,
            maxrss_kb=_maxrss_kb(),
        )

    elif a.scenario == "concurrent":
        if adapter.call("/slow", text="warm") != "warm":
            raise AssertionError("bad warm-up /slow")
        _bench(url, "/__bench/reset")
        rss0, thr0 = _status("VmRSS"), _status("Threads")
        kwargs_list = [{"text": f"r{i}"} for i in range(a.n)]
        spy.start()
        (u0, k0), c0, t0 = _cpu_split(), _cpu(), time.perf_counter()
        res = adapter.call_many("/slow", kwargs_list)
        t1, c1, (u1, k1) = time.perf_counter(), _cpu(), _cpu_split()
        spy.stop()
        out.update(cpu_user_s=u1 - u0, cpu_sys_s=k1 - k0)
        failed = [r for r in res if isinstance(r, BaseException)]
        wrong = sum(
            1 for i, r in enumerate(res) if not isinstance(r, BaseException) and r != f"r{i}"
        )
        if wrong or len(res) != a.n:
            raise AssertionError(f"{wrong} wrong results, {len(res)} of {a.n} returned")
        stats = _bench(url, "/__bench/stats")
        out.update(
            wall_s=t1 - t0,
            cpu_s=c1 - c0,
            cpu_per_call_ms=(c1 - c0) / a.n * 1e3,
            failed_calls=len(failed),
            failure_kinds=sorted({f"{type(e).__name__}: {e}"[:200] for e in failed}),
            requests=stats["requests"],
            connections=stats["connections"],
            rss_base_kb=rss0,
            threads_base=thr0,
            threads_end=_status("Threads"),
            maxrss_kb=_maxrss_kb(),
        )

    elif a.scenario == "stream":
        for _ in adapter.stream("/stream", n=10):
            pass
        _bench(url, "/__bench/reset")
        rss0 = _status("VmRSS")
        items, first, last = 0, None, None
        value: object = None
        spy.start()
        (u0, k0), c0, t0 = _cpu_split(), _cpu(), time.perf_counter()
        for value in adapter.stream("/stream", n=a.n):
            last = value
            if first is None:
                first = time.perf_counter()
            items += 1
            if items % 256 == 0:
                deadline.check()
            if items > 2 * a.n + 10:
                raise AssertionError("stream yields more outputs than tokens")
        t1, c1, (u1, k1) = time.perf_counter(), _cpu(), _cpu_split()
        spy.stop()
        out.update(cpu_user_s=u1 - u0, cpu_sys_s=k1 - k0)
        want_tail = f"t{a.n - 1} "
        if not (isinstance(last, str) and last.endswith(want_tail) and last.count(" ") == a.n):
            raise AssertionError(f"incomplete stream: {str(last)[-40:]!r}")
        stats = _bench(url, "/__bench/stats")
        out.update(
            wall_s=t1 - t0,
            ttft_ms=((first or t1) - t0) * 1e3,
            cpu_s=c1 - c0,
            items=items,
            requests=stats["requests"],
            rss_base_kb=rss0,
            maxrss_kb=_maxrss_kb(),
        )

    elif a.scenario == "file":
        if not a.path:
            raise SystemExit("--path is required for the file scenario")
        small = os.path.join(os.path.dirname(a.path), f"warm-{os.getpid()}.bin")
        with open(small, "wb") as f:
            f.write(b"x" * 1024)
        try:
            adapter.call_file("/file_echo", small)
        finally:
            os.unlink(small)
        _bench(url, "/__bench/reset")
        # Reset the kernel's peak-RSS mark so VmHWM is the peak of this section alone
        # (technique from bench_files.py); fall back to ru_maxrss where not allowed.
        hwm_reset = _reset_peak()
        rss0 = _status("VmRSS")
        size = os.path.getsize(a.path)
        spy.start()
        (u0, k0), c0, t0 = _cpu_split(), _cpu(), time.perf_counter()
        res = adapter.call_file("/file_echo", a.path)
        t1, c1, (u1, k1) = time.perf_counter(), _cpu(), _cpu_split()
        spy.stop()
        out.update(cpu_user_s=u1 - u0, cpu_sys_s=k1 - k0)
        local = isinstance(res, (str, os.PathLike)) and os.path.isfile(res)
        if not local:
            raise AssertionError(f"the output was not downloaded to disk: {res!r}")
        peak = _status("VmHWM") if hwm_reset else _maxrss_kb()
        if os.path.getsize(res) != size or not filecmp.cmp(res, a.path, shallow=False):
            raise AssertionError("the downloaded file differs from the one sent")
        stats = _bench(url, "/__bench/stats")
        out.update(
            wall_s=t1 - t0,
            cpu_s=c1 - c0,
            requests=stats["requests"],
            connections=stats["connections"],
            rss_base_kb=rss0,
            maxrss_kb=_maxrss_kb(),
            rss_growth_kb=peak - rss0,
            file_mb=size / 2**20,
        )

    adapter.close()
    out["process_s"] = time.perf_counter() - _T_START
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
