"""Upload and echo a big file through gradio-gen and through gradio_client; time and peak RSS.

    .venv/bin/python benchmarks/bench_files.py [--mb 200] [--keep]

Starts one real gradio app (``gr.File -> gr.File`` echo) in a subprocess, writes a random file of
``--mb`` MiB, then for each client runs ONE worker in a fresh subprocess (so RSS is comparable)
that connects, reads its idle RSS, resets the kernel's peak-RSS mark (``/proc/self/clear_refs``),
then uploads the file, waits for the echo and downloads the output file to disk, and reports the
wall time and the peak RSS growth above idle (``VmHWM - VmRSS``). Both downloads are checked
byte-for-byte against the input. Target for gradio-gen: peak RSS growth < 64 MiB.

Everything (input, server cache via GRADIO_TEMP_DIR, downloads) lives in one temp directory that
is removed at the end. Not part of pytest.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 64.0
APP = """
import gradio as gr

def echo(f):
    return f

with gr.Blocks() as demo:
    i = gr.File()
    o = gr.File()
    gr.Button("echo").click(echo, i, o, api_name="echo")
"""


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def worker(kind: str, url: str, src: str, out_dir: str) -> dict[str, Any]:
    """One client, one upload + echo + download; runs in its own process."""
    if kind == "gradio_gen":
        from gradio_gen_runtime import Client

        client: Any = Client(url, download_dir=out_dir)

        def run() -> str:
            out = client.predict("/echo", src)
            return str(out.local_path)

    else:
        import gradio_client

        client = gradio_client.Client(url, verbose=False, download_files=out_dir)

        def run() -> str:
            return str(client.predict(gradio_client.handle_file(src), api_name="/echo"))

    idle = _status_kb("VmRSS")
    reset = _reset_peak()
    start = time.perf_counter()
    local = run()
    elapsed = time.perf_counter() - start
    peak = _status_kb("VmHWM")
    client.close()
    return {
        "client": kind,
        "seconds": round(elapsed, 2),
        "idle_rss_mb": round(idle / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "growth_mb": round((peak - idle) / 1024, 1),
        "peak_reset": reset,
        "output": local,
    }


def _write_input(path: Path, mib: int) -> None:
    with open(path, "wb") as fh:
        for _ in range(mib):
            fh.write(os.urandom(1 << 20))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--keep", action="store_true", help="keep the temp directory")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(worker(args.worker, args.url, args.src, args.out)), flush=True)
        return 0

    sys.path.insert(0, str(ROOT))
    from tests.servers import launch

    tmp = Path(tempfile.mkdtemp(prefix="bench_files_"))
    results: list[dict[str, Any]] = []
    try:
        (tmp / "bench_files_app.py").write_text(APP)
        src = tmp / "input.bin"
        _write_input(src, args.mb)
        env = {"GRADIO_TEMP_DIR": str(tmp / "server_cache")}
        with launch([tmp / "bench_files_app.py"], env=env) as apps:
            for kind in ("gradio_gen", "gradio_client"):
                out_dir = tmp / f"out_{kind}"
                proc = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--worker",
                        kind,
                        "--url",
                        apps.url,
                        "--src",
                        str(src),
                        "--out",
                        str(out_dir),
                    ],
                    capture_output=True,
                    text=True,
                    timeout=args.timeout,
                    env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
                )
                line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
                if proc.returncode != 0 or line is None:
                    print(f"{kind} failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
                    return 1
                result = json.loads(line[7:])
                result["identical"] = filecmp.cmp(src, result.pop("output"), shallow=False)
                results.append(result)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"upload + echo + download of a {args.mb} MiB file (fresh process per client)")
    print(
        f"{'client':<14}{'seconds':>9}{'idle MiB':>10}{'peak MiB':>10}{'growth MiB':>12}  same bytes"
    )
    for r in results:
        print(
            f"{r['client']:<14}{r['seconds']:>9}{r['idle_rss_mb']:>10}{r['peak_rss_mb']:>10}"
            f"{r['growth_mb']:>12}  {r['identical']}"
        )
    ours = results[0]
    ok = ours["growth_mb"] < TARGET_MB and all(r["identical"] for r in results)
    print(f"target: gradio_gen peak RSS growth < {TARGET_MB:.0f} MiB -> {'PASS' if ok else 'FAIL'}")
    if not all(r["peak_reset"] for r in results):
        print(
            "note: /proc/self/clear_refs unavailable; growth is measured against the lifetime peak"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
