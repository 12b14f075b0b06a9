from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.servers import CORPUS, TEST_ENV, RunningApps, launch

for _k, _v in TEST_ENV.items():
    os.environ.setdefault(_k, _v)


@pytest.fixture(scope="session")
def corpus_dir():  # type: ignore[no-untyped-def]
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not available")
    return CORPUS


@pytest.fixture(scope="session")
def basic_apps() -> Iterator[RunningApps]:
    """The shared test apps of tests/apps/ that need no special launch, in one process."""
    with launch(["basic"]) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_live_facts() -> Iterator[None]:
    """Each test starts from a process that knows no live app (``_client._live`` shares
    what one client learned with every client of the app, across tests otherwise)."""
    from gradio_gen_runtime._client._live import forget_live_apps

    forget_live_apps()
    yield
