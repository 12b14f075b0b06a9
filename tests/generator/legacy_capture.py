"""Capture ``{"config", "info"}`` snapshots of tests/apps/legacy_app.py served by old releases.

    python -m tests.generator.legacy_capture 3.50.2 4.8.0 ...   (default: every release below)

Each release runs in a cached virtual environment built by ``../shared/old-gradio/make-venv.sh``
(see ``venv_python``); the app is launched on a free 127.0.0.1 port and its ``/config`` and
API info (``{prefix}/info``, also ``?serialize=False`` when it differs; absent on releases
before 3.37, which have no such route) are written to
``tests/generator/fixtures/legacy/<version>.json``. Server-side temporary paths and the port
are replaced by fixed placeholders, so the fixtures are byte-stable across runs and machines.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.servers import SHARED, launch

RELEASES = (
    "3.20.1", "3.28.3", "3.36.1", "3.50.2", "4.8.0", "4.16.0", "4.20.1", "4.21.0", "4.44.1",
    "5.9.1", "6.31.0",
)  # fmt: skip
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "legacy"
MAKE_VENV = SHARED / "old-gradio" / "make-venv.sh"


def extra_pins(version: str) -> list[str]:
    """What make-venv.sh's ``3.*`` pins miss for releases before 3.37: their gradio_client
    (later ones dropped ``serializing``) and pydantic 1."""
    parts = tuple(int(p) for p in version.split(".")[:2])
    if parts >= (3, 37):
        return []
    client = "gradio_client<0.2" if parts < (3, 29) else "gradio_client<0.3"
    return [client, "pydantic<2", "fastapi<0.100"]


def venv_python(version: str, *, timeout: float = 1200.0) -> str:
    """The python of a cached venv with gradio ``version`` (built on first use; minutes)."""
    if not MAKE_VENV.exists():
        raise FileNotFoundError(f"{MAKE_VENV} is not available")
    out = subprocess.run(
        ["bash", str(MAKE_VENV), version],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"make-venv.sh {version} failed: {out.stderr.strip()}")
    python = out.stdout.strip().splitlines()[-1]
    pins = extra_pins(version)
    marker = Path(python).parent.parent / "ok-extra-pins"
    if pins and not marker.exists():
        done = subprocess.run(
            [python, "-m", "pip", "install", "-q", *pins],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pinning {pins} for gradio {version} failed: {done.stderr}")
        marker.touch()
    return python


def _scrub(value: Any, url: str) -> Any:
    """Replace the server's temporary directories and URL by placeholders."""
    text = json.dumps(value, sort_keys=True)
    text = text.replace(url.rstrip("/"), "http://127.0.0.1:7860")
    text = re.sub(r"(/tmp|/var/folders)[^\"]*?/gradio(?=[/\"])", "{cache}", text)
    return json.loads(text)


def fetch(url: str) -> dict[str, Any]:
    with httpx.Client(timeout=30, trust_env=False) as http:
        config = http.get(url + "config").raise_for_status().json()
        prefix = str(config.get("api_prefix") or "").strip("/")
        base = url + (prefix + "/" if prefix else "")
        snap: dict[str, Any] = {"config": config}
        plain = http.get(base + "info")
        if plain.status_code == 200:
            snap["info"] = plain.json()
            raw = http.get(base + "info", params={"serialize": "False"}).json()
            if raw != snap["info"]:
                snap["info_serialize_false"] = raw
        else:
            snap["info_status"] = plain.status_code
    return _scrub(snap, url)


def installed_gradio() -> str | None:
    """The gradio release of this interpreter (the reference one), if any."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("gradio")
    except PackageNotFoundError:
        return None


def capture(version: str) -> Path:
    python = sys.executable if version == installed_gradio() else venv_python(version)
    with launch(["legacy_app"], python=python, timeout=180) as apps:
        snap = fetch(apps.url)
    snap = {"source": "tests/apps/legacy_app.py", "gradio_version": version, **snap}
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / f"{version}.json"
    path.write_text(json.dumps(snap, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    for version in argv or RELEASES:
        print(capture(version))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
