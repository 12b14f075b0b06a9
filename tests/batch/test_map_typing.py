"""``map`` keeps results typed for ``mypy --strict`` users of a generated client."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.generator._util import EXAMPLES, mypy_strict

pytestmark = pytest.mark.timeout(600)

USER_CODE = """
from collections.abc import AsyncIterator, Iterator

from demo_client import AsyncDemoApp, DemoApp, TextStatsResult
from gradio_gen_runtime import GradioGenError, MapProgress


def report(p: MapProgress) -> None:
    print(p.done, p.rate, p.eta)


def use(client: DemoApp, aclient: AsyncDemoApp) -> None:
    names: Iterator[str] = client.greet.map([("Ada",), {"name": "Bo"}], on_progress=report)
    stats: Iterator[TextStatsResult] = client.text_stats.map([("a b",)], concurrency=2)
    mixed: Iterator[str | GradioGenError] = client.greet.map([("Ada",)], return_exceptions=True)
    later: AsyncIterator[str] = aclient.greet.map([("Ada",)], retries=1, wait_on_quota=30.0)
    untyped: Iterator[object] = client._engine.map("/greet", [("Ada",)])
    print(names, stats, mixed, later, untyped)


def wrong(client: DemoApp) -> None:
    bad: Iterator[int] = client.greet.map([("Ada",)])  # a str iterator: mypy must say so
    print(bad)
"""


def test_map_results_are_typed(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "demo_app" / "client.py", tmp_path / "demo_client.py")
    (tmp_path / "user.py").write_text(USER_CODE, encoding="utf-8")
    result = mypy_strict([tmp_path / "user.py"], tmp_path)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout
    assert "user.py:22:" in errors[0] and "Iterator[str]" in errors[0]
