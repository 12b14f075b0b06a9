"""Launch real Gradio apps for tests, in subprocesses, bounded in time, always stopped."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
SHARED = HERE.parent.parent / "shared"
CORPUS = SHARED / "corpus"

TEST_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "NO_PROXY": "127.0.0.1,localhost",
}


class RunningApps:
    """A process serving one or more apps. ``urls[stem]`` is each app's root URL."""

    def __init__(self, proc: subprocess.Popen[str], urls: dict[str, str]) -> None:
        self.proc = proc
        self.urls = urls

    def __getitem__(self, name: str) -> str:
        return self.urls[name]

    @property
    def url(self) -> str:
        """The URL when the process serves a single app."""
        (only,) = self.urls.values()
        return only

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        finally:
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()

    kill = stop

    def __enter__(self) -> RunningApps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def launch(
    apps: Iterable[str | Path],
    *,
    timeout: float = 90.0,
    env: dict[str, str] | None = None,
    python: str | None = None,
) -> RunningApps:
    """Start ``tests/_serve.py`` with the given app files (names resolve in tests/apps/).
    ``python``: the interpreter to serve them with (e.g. an older gradio's venv, see
    ``tests/legacy/venvs.py``); default this one."""
    paths = [
        str(
            p if Path(p).is_absolute() else APPS / (str(p) if str(p).endswith(".py") else f"{p}.py")
        )
        for p in apps
    ]
    proc = subprocess.Popen(
        [python or sys.executable, str(HERE / "_serve.py"), *paths],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None,
        text=True,
        env={**os.environ, **TEST_ENV, **(env or {})},
        start_new_session=True,
    )
    result: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("READY "):
                result.append(line[6:])
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not result:
        RunningApps(proc, {}).stop()
        raise RuntimeError(f"apps {paths} did not start within {timeout} s")
    return RunningApps(proc, json.loads(result[0]))
