"""Gives gradio-gen a column in the team's shared baseline harness (../shared/bench/).

From the shared harness folder, with this folder on PYTHONPATH (the harness passes
PYTHONPATH on to its workers):

    cd ../shared/bench
    PYTHONPATH=/path/to/gradio-gen/benchmarks /path/to/gradio-gen/.venv/bin/python \\
        run_baseline.py --adapter ours=shared_adapter:OursAdapter \\
                        --adapter ours_async=shared_adapter:OursAsyncAdapter

`ours` uses the sync ``gradio_gen_runtime.Client`` everywhere (concurrency through
``Client.submit`` + ``Job.result``); `ours_async` is the same except that its concurrent
calls go through ``AsyncClient`` and ``asyncio.gather``. The shared harness gives no schema
snapshot, so by default both connect by URL (``Client(url)`` fetches /config and /info).
Options as the harness passes them (``NAME=shared_adapter:OursAdapter?key=value``):
``mode=snapshot&snapshot=/path/snapshot.json`` (no request on connect), or
``mode=generated&generated=MODULE`` (a generated client module on PYTHONPATH).
"""

from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_clients import OursAdapter as _OursAdapter


class OursAdapter(_OursAdapter):
    """gradio_gen_runtime.Client (sync) for every scenario."""

    name = "ours"

    def __init__(self, download_dir: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("concurrency", "sync")
        super().__init__(download_dir, **kwargs)


class OursAsyncAdapter(_OursAdapter):
    """Like OursAdapter, but concurrent calls use AsyncClient + asyncio.gather."""

    name = "ours_async"

    def __init__(self, download_dir: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("concurrency", "async")
        super().__init__(download_dir, **kwargs)
