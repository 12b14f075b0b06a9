"""Fixtures for batch work: the batch test app (tests/apps/batch_app.py) and its generated
client module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.generator._util import load_module
from tests.servers import RunningApps, launch


@pytest.fixture(scope="session")
def batch_apps() -> Iterator[RunningApps]:
    with launch(["batch_app", "rt_small"]) as running:
        yield running


@pytest.fixture(scope="session")
def batch_url(batch_apps: RunningApps) -> str:
    return batch_apps["batch_app"]


@pytest.fixture(scope="session")
def batch_module_path(batch_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gradio_gen import cli

    target = tmp_path_factory.mktemp("batch_client") / "batch_client.py"
    assert cli.main([batch_url, "-o", str(target), "-q", "--class-name", "BatchApp"]) == 0
    return target


@pytest.fixture(scope="session")
def batch_module(batch_module_path: Path) -> ModuleType:
    return load_module(batch_module_path, "batch_client")
