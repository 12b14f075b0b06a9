from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.fake_hub import FakeHub
from tests.servers import RunningApps, launch


@pytest.fixture(scope="package")
def contract_apps() -> Iterator[RunningApps]:
    """Three versions of one app (tests/apps/contract_v*.py), served by one process."""
    with launch(["contract_v1", "contract_v2", "contract_v3"]) as running:
        yield running


def import_module_file(path: Path) -> ModuleType:
    """Import a generated module from a file (registered under a unique name)."""
    name = f"_generated_{path.stem}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


HUB_TOKEN = "hf_alice"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """A fake Hugging Face Hub (tests/fake_hub.py); the real one is never called."""
    with FakeHub({HUB_TOKEN: "alice"}) as h:
        monkeypatch.setenv("HF_ENDPOINT", h.url)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.setenv("HF_TOKEN_PATH", "/nonexistent/token")
        yield h
