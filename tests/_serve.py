"""Serve one or more Gradio test apps from one process (used by tests/conftest.py).

    python tests/_serve.py path/to/app.py [more.py ...]

Each app module defines ``demo`` (a Blocks/Interface) and may define ``LAUNCH_KWARGS``
(a dict for ``launch()``) and ``QUEUE_KWARGS`` (for ``demo.queue()``). Every app gets a free
port on 127.0.0.1. Prints one line ``READY {"<stem>": "<url>", ...}`` once all serve, then
runs until stdin closes or the process is killed.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import socket
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"_app_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    spec.loader.exec_module(module)
    return module


def main() -> None:
    urls: dict[str, str] = {}
    for arg in sys.argv[1:]:
        path = Path(arg).resolve()
        module = load(path)
        demo = module.demo
        queue_kwargs = getattr(module, "QUEUE_KWARGS", None)
        if queue_kwargs is not None:
            demo.queue(**queue_kwargs)
        kwargs = {
            "show_error": True,
            "prevent_thread_lock": True,
            "quiet": True,
            "ssr_mode": False,
            **getattr(module, "LAUNCH_KWARGS", {}),
        }
        # older gradio releases (the version matrix) lack some options (ssr_mode < 5)
        accepted = inspect.signature(demo.launch).parameters
        kwargs = {k: v for k, v in kwargs.items() if k in accepted}
        for attempt in range(5):
            port = free_port()
            try:
                demo.launch(server_name="127.0.0.1", server_port=port, **kwargs)
                break
            except OSError:
                if attempt == 4:
                    raise
        urls[path.stem] = f"http://127.0.0.1:{port}/"
    print("READY " + json.dumps(urls), flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin (or kills us)
    finally:
        os._exit(0)


if __name__ == "__main__":
    main()
