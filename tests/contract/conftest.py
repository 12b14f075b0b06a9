from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

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
