"""README's compatibility table is the one rendered from the committed matrix results."""

from __future__ import annotations

from tests.legacy.compat import COLUMNS, README, load, readme_table, render
from tests.legacy.venvs import RELEASES


def test_readme_table_is_rendered_from_compat_json() -> None:
    assert readme_table(README.read_text()) == render(load()), (
        "README.md's table is stale: run python scripts/compat_table.py --write"
    )


def test_compat_json_covers_every_release_and_column() -> None:
    results = load()
    assert list(results) == list(RELEASES)
    for release, row in results.items():
        assert set(row) == {key for key, _ in COLUMNS}, release
