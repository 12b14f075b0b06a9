"""An app's Gradio upgrade that keeps its API is compatible, and named; what each era writes
differently about the same API (file schemas, python_type strings, examples, serializer keys,
missing parameter names and defaults) is no change. Real snapshots of one app
(tests/apps/legacy_app.py) served by each release line."""

from __future__ import annotations

import copy
import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from gradio_gen import diff as diff_cli
from gradio_gen_runtime._contracts._contract import diff_snapshots
from gradio_gen_runtime._contracts._drift import DriftGuard
from gradio_gen_runtime._legacy_info import version_tuple
from gradio_gen_runtime._spec import minimal_snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "generator" / "fixtures" / "legacy"
RELEASES = sorted((p.stem for p in FIXTURES.glob("*.json")), key=lambda v: version_tuple(v) or ())
NO_PRECISION = {"3.20.1", "3.28.3", "3.36.1"}
"""Their configs have no Number ``precision``: ``n`` stays a number there (see below)."""


@cache
def _load(version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{version}.json").read_text())
    return data


def fixture(version: str) -> dict[str, Any]:
    return copy.deepcopy(_load(version))


PAIRS = [
    (a, b)
    for a, b in itertools.permutations(RELEASES, 2)
    if (a in NO_PRECISION) == (b in NO_PRECISION)
]


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_same_app_on_another_release_is_compatible_and_named(old: str, new: str) -> None:
    diff = diff_snapshots(fixture(old), fixture(new))
    assert diff.breaking == []
    assert all(c.endpoint == "" for c in diff), [str(c) for c in diff]  # app level only
    kinds = [c.kind for c in diff]
    a, b = AppSpecs.of(old), AppSpecs.of(new)
    assert ("protocol_changed" in kinds) == (a.protocol != b.protocol)
    assert ("api_prefix_changed" in kinds) == (a.api_prefix != b.api_prefix)
    assert ("gradio_version_changed" in kinds) == (
        a.protocol == b.protocol and a.api_prefix == b.api_prefix
    )
    for change in diff:
        assert f"gradio {old} -> {new}" in change.message


def test_the_upgrade_message_names_versions_and_protocols() -> None:
    (change,) = diff_snapshots(fixture("4.16.0"), fixture("4.44.1"))
    assert str(change) == (
        "[compatible] app: gradio 4.16.0 -> 4.44.1 (protocol sse_v1 -> sse_v3): "
        "the client follows the new protocol"
    )
    assert (change.old, change.new) == ("sse_v1", "sse_v3")
    kinds = [(c.kind, c.old, c.new) for c in diff_snapshots(fixture("3.50.2"), fixture("6.31.0"))]
    assert kinds == [
        ("protocol_changed", "ws", "sse_v3"),
        ("api_prefix_changed", "", "/gradio_api"),
    ]


def test_an_unknown_protocol_is_breaking() -> None:
    new = fixture("6.31.0")
    new["config"]["protocol"] = "sse_v4"
    new["config"]["version"] = "7.0.0"
    (change,) = diff_snapshots(fixture("6.31.0"), new)
    assert change.kind == "protocol_changed" and change.breaking
    assert "gradio 6.31.0 -> 7.0.0" in change.message and "sse_v4" in change.message


def test_precision_the_oldest_configs_lack_is_the_one_reported_difference() -> None:
    """3.20-3.36 configs carry no Number ``precision``, so ``n`` is a number there and an
    integer on later releases (which report ``precision=0``): a real difference in what the
    snapshots say, reported (narrowed input), and nothing else is."""
    diff = diff_snapshots(fixture("3.36.1"), fixture("3.50.2"))
    assert sorted((c.endpoint, c.kind, c.target) for c in diff if c.endpoint) == [
        ("/count", "parameter_type_narrowed", "count"),
        ("/greet", "parameter_type_narrowed", "n"),
    ]


def test_a_real_change_across_an_upgrade_is_still_reported() -> None:
    new = fixture("4.44.1")
    shout = new["info"]["named_endpoints"]["/shout"]
    shout["returns"][0]["type"] = {"type": "string"}  # a file output became text
    greet = new["info"]["named_endpoints"]["/greet"]["parameters"]
    greet[2]["type"]["enum"] = ["apple", "banana"]  # a choice removed
    diff = diff_snapshots(fixture("3.50.2"), new)
    kinds = {(c.endpoint, c.kind, c.severity) for c in diff}
    assert ("/shout", "output_type_changed", "breaking") in kinds
    assert ("/greet", "parameter_choices_removed", "breaking") in kinds
    assert ("", "protocol_changed", "compatible") in kinds


@pytest.mark.parametrize(("old", "new"), [("4.16.0", "4.44.1"), ("3.50.2", "5.9.1")])
def test_drift_check_of_an_embedded_snapshot_sees_a_compatible_upgrade(old: str, new: str) -> None:
    from gradio_gen_runtime._contracts._drift import _Verdict
    from gradio_gen_runtime._spec import AppSpec

    guard = DriftGuard(minimal_snapshot(fixture(old)), on_drift="error", client="LegacyTestApp")
    live = fixture(new)
    diff = guard.classify({"config": live["config"], "info": live["info"]})
    assert diff and not diff.breaking  # on_drift="error" would not raise
    live_spec = AppSpec.from_snapshot(live)
    verdict = _Verdict(diff, live_spec, full=True, client="LegacyTestApp")
    target, values = verdict.route(AppSpecs.of(old).endpoints["/greet"], ["Ann", 2, "apple"])
    assert target.fn_index == live_spec.endpoints["/greet"].fn_index
    assert values == ["Ann", 2, "apple"]


def test_drift_check_of_a_release_without_info() -> None:
    """Before 3.29 the live check fetches ``/config`` alone; the info is built from it."""
    from gradio_gen_runtime._client._live import LiveApp

    snap = fixture("3.28.3")
    fetched: list[str] = []

    def fetch(path: str) -> Any:
        fetched.append(path)
        assert path == "config", path
        return snap["config"]

    facts = LiveApp("http://old.test/").get(fetch, need_info=True, deadline=None)
    assert fetched == ["config"] and facts.info is not None
    guard = DriftGuard(minimal_snapshot(snap), on_drift="error")
    assert not guard.classify({"config": facts.config, "info": facts.info})


def test_gradio_gen_diff_reports_the_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(fixture("4.8.0")))
    new.write_text(json.dumps(fixture("4.21.0")))
    assert diff_cli.main([str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "gradio 4.8.0 -> 4.21.0 (protocol sse -> sse_v2.1)" in out
    assert diff_cli.main([str(old), str(new), "--fail-on", "any"]) == 1


class AppSpecs:
    @staticmethod
    def of(version: str) -> Any:
        from gradio_gen_runtime._spec import AppSpec

        return AppSpec.from_snapshot(fixture(version))


@pytest.mark.parametrize("version", ["3.36.1", "3.50.2"])
def test_info_with_serialize_false_is_the_same_api(version: str) -> None:
    """3.x ``/info?serialize=False`` describes files by their wire dicts in ``python_type``
    (``Dict(name: str ...)``) instead of ``str``; the schemas are the same: no change."""
    snap = fixture(version)
    raw = {"config": snap["config"], "info": snap["info_serialize_false"]}
    assert raw["info"] != snap["info"]
    assert not diff_snapshots(snap, raw)
