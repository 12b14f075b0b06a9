"""Diagnosis: peak RSS growth of a client iterating a long token stream (not part of the table).

Starts bench_app.py, generates its client, then in a fresh process per client submits
``/stream`` with N tokens (each message appends one token: gradio sends an edit, the whole
text so far is output k), iterates the job to its end (dropping each output) and prints
how much the peak RSS (``ru_maxrss``) grew over the client's state just before the submit. A client that keeps every full output grows with the sum of the outputs (quadratic
in N); one that keeps what it received grows linearly. (``job.outputs()`` itself returns N
full strings, so calling it is quadratic in any client: the script does not.)

    python benchmarks/stream_memory.py [--tokens 10000] [--clients ours,gradio_client]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_bench as rb  # noqa: E402

OURS = """
import resource, sys
sys.path.insert(0, {work!r})
import client_mod
n = {n}
with client_mod.GradioApp({url!r}) as client:
    client.add(a=1, b=2)  # connect and warm up before the baseline
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    job = client.stream.submit(n=n)
    count = sum(1 for _ in job)
    assert count == n, count
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) / 1024)
"""

GRADIO_CLIENT = """
import resource
from gradio_client import Client
n = {n}
client = Client({url!r}, verbose=False)
client.predict(1, 2, api_name="/add")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
job = client.submit(n, api_name="/stream")
count = sum(1 for _ in job)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
client.close()
print((after - before) / 1024)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=10_000)
    ap.add_argument("--clients", default="ours,gradio_client")
    a = ap.parse_args()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as work:
        server = rb.Server(work, env, stock=False)
        server.start()
        try:
            gen = [sys.executable, "-m", "gradio_gen", server.url, "-o", f"{work}/client_mod.py"]
            subprocess.run(gen, check=True, env=env, capture_output=True, timeout=120)
            scripts = {"ours": OURS, "gradio_client": GRADIO_CLIENT}
            for name in a.clients.split(","):
                code = scripts[name].format(work=work, url=server.url, n=a.tokens)
                out = subprocess.run(
                    [sys.executable, "-c", code],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
                if out.returncode:
                    raise SystemExit(f"{name} failed:\n{out.stderr}")
                growth = float(out.stdout.strip().splitlines()[-1])
                print(f"{name:14s} {a.tokens} tokens: peak RSS +{growth:.1f} MiB")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
