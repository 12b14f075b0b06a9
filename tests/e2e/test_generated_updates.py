"""Component updates in outputs: a generated client returns the value, typed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.generator._util import load_module
from tests.servers import launch

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def client_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from gradio_gen import cli

    with launch(["gen_updates"]) as apps:
        target = tmp_path_factory.mktemp("updates") / "updates_client.py"
        assert cli.main([apps.url, "-o", str(target), "-q"]) == 0
        module = load_module(Path(target))
        with module.Updates() as client:  # type: ignore[attr-defined]
            yield client


def test_update_with_a_value_gives_the_value(client_module: object) -> None:
    client = client_module
    assert client.as_update("abc") == "ABC"  # type: ignore[attr-defined]
    text, length = client.as_component("abcd")  # type: ignore[attr-defined]
    assert (text, length) == ("dcba", 4)


def test_property_only_update_gives_none(client_module: object) -> None:
    assert client_module.only_props("x") is None  # type: ignore[attr-defined]


def test_empty_output_gives_none(client_module: object) -> None:
    assert client_module.nothing("x") is None  # type: ignore[attr-defined]
