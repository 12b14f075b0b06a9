"""After the matrix (``test_matrix.py``, collected first): what it observed is what
``compat.json`` (and so README's table) claims. ``GRADIO_GEN_UPDATE_COMPAT=1`` rewrites the
file instead (then run ``python scripts/compat_table.py --write``)."""

from __future__ import annotations

import os

import pytest

from tests.legacy.compat import COLUMNS, RESULTS, load, save
from tests.legacy.venvs import RELEASES


def test_matrix_observed_what_compat_json_claims() -> None:
    complete = {r for r in RELEASES if len(RESULTS.get(r, {})) == len(COLUMNS)}
    if complete != set(RELEASES):
        pytest.skip(f"the matrix did not run completely here (complete: {sorted(complete)})")
    observed = {r: RESULTS[r] for r in RELEASES}
    if os.environ.get("GRADIO_GEN_UPDATE_COMPAT"):
        save(observed)
    assert observed == load()
