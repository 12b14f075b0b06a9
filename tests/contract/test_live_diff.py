"""``gradio-gen diff`` / ``--check`` against real gradio apps: three versions of one app
(tests/apps/contract_v1.py; _v2 with one change per endpoint: endpoint added/removed,
parameter added with/without default, removed, renamed, reordered, type widened/narrowed,
choices added/removed, default changed/lost, output added/removed/retyped/widened,
generator, streaming input and queue changed; _v3 with compatible changes only), served by
one process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gradio_gen import cli
from gradio_gen import diff as diffmod

from tests.contract.conftest import HUB_TOKEN
from tests.fake_hub import FakeHub
from tests.servers import RunningApps

# What v1 -> v2 must report, in the report's (deterministic) order.
V1_TO_V2 = [
    ("/added_ep", "endpoint_added", "compatible", None),
    ("/choices", "parameter_choices_added", "compatible", "f"),
    ("/choices", "parameter_choices_removed", "breaking", "s"),
    ("/default", "default_changed", "compatible", "t"),
    ("/drop", "parameter_removed", "breaking", "n"),
    ("/live", "connection_changed", "breaking", None),
    ("/measure", "output_type_widened", "breaking", "output 1"),
    ("/needs", "parameter_now_required", "breaking", "n"),
    ("/optional", "parameter_added", "compatible", "suffix"),
    ("/outputs", "output_added", "breaking", "output 2"),
    ("/queued", "queue_changed", "compatible", None),
    ("/removed_ep", "endpoint_removed", "breaking", None),
    ("/rename", "parameter_renamed", "breaking", "amount"),
    ("/reorder", "parameters_reordered", "breaking", None),
    ("/required", "parameter_added", "breaking", "must"),
    ("/retyped", "output_type_changed", "breaking", "output 1"),
    ("/shrink", "output_removed", "breaking", "output 2"),
    ("/stream", "generator_changed", "breaking", None),
    ("/types", "parameter_type_widened", "compatible", "w"),
    ("/types", "parameter_type_narrowed", "breaking", "lv"),
]
V1_TO_V3 = [
    ("/added_ep", "endpoint_added", "compatible", None),
    ("/choices", "parameter_choices_added", "compatible", "f"),
    ("/default", "default_changed", "compatible", "t"),
    ("/optional", "parameter_added", "compatible", "suffix"),
]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows(report: dict[str, Any]) -> list[tuple[str, str, str, str | None]]:
    return [(c["endpoint"], c["kind"], c["severity"], c["target"]) for c in report["changes"]]


def test_json_report_classifies_every_change(
    contract_apps: RunningApps, capsys: pytest.CaptureFixture[str]
) -> None:
    v1, v2 = contract_apps["contract_v1"], contract_apps["contract_v2"]
    code, out, err = run(["diff", v1, v2, "--format", "json"], capsys)
    assert code == 1, err
    report = json.loads(out)
    assert rows(report) == V1_TO_V2
    assert report["breaking"] == 14 and report["compatible"] == 6
    assert report["failed"] is True and report["fail_on"] == "breaking"
    assert report["old"]["source"] == v1 and report["new"]["source"] == v2
    assert report["old"]["sha256"] != report["new"]["sha256"]
    assert all(isinstance(c["message"], str) and c["message"] for c in report["changes"])
    renamed = next(c for c in report["changes"] if c["kind"] == "parameter_renamed")
    assert (renamed["old"], renamed["new"]) == ("n", "amount")


def test_exit_codes_follow_fail_on(
    contract_apps: RunningApps, capsys: pytest.CaptureFixture[str]
) -> None:
    v1, v3 = contract_apps["contract_v1"], contract_apps["contract_v3"]
    code, out, _ = run(["diff", v1, v3], capsys)
    assert code == 0
    assert "0 breaking, 4 compatible API change(s)" in out
    assert "FAIL" not in out
    code, out, _ = run(["diff", v1, v3, "--fail-on", "any"], capsys)
    assert code == 1
    assert "FAIL: the API changed" in out
    code, out, _ = run(["diff", v1, v3, "--format", "json"], capsys)
    assert code == 0 and rows(json.loads(out)) == V1_TO_V3
    code, out, _ = run(["diff", v1, v1, "--fail-on", "any"], capsys)
    assert code == 0 and "no API changes" in out


def test_text_report_groups_by_endpoint(
    contract_apps: RunningApps, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["diff", contract_apps["contract_v1"], contract_apps["contract_v2"]], capsys)
    assert code == 1
    lines = out.splitlines()
    i = lines.index("/drop")
    assert lines[i + 1] == "  BREAKING    parameter 'n' was removed"
    assert "  compatible  optional parameter 'suffix' was added (default \"!\")" in lines
    assert lines[-2:] == ["14 breaking, 6 compatible API change(s)", "FAIL: breaking changes"]


def test_generated_module_and_snapshot_file_as_sources(
    contract_apps: RunningApps, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """OLD may be a generated module (its embedded snapshot, read with ast, never run) or a
    saved snapshot; the result is the same as diffing the live apps."""
    v1, v2 = contract_apps["contract_v1"], contract_apps["contract_v2"]
    module = tmp_path / "client_v1.py"
    saved = tmp_path / "v2.json"
    code, _, err = run([v1, "-o", str(module), "-q"], capsys)
    assert code == 0, err
    code, _, err = run(
        [v2, "-o", str(tmp_path / "client_v2.py"), "--save-schema", str(saved)], capsys
    )
    assert code == 0, err
    # a module that would fail if executed: proves it is parsed, not imported
    poisoned = tmp_path / "poisoned.py"
    poisoned.write_text("raise SystemExit('executed!')\n" + module.read_text())
    for old, new in [(module, v2), (poisoned, saved), (module, tmp_path / "client_v2.py")]:
        code, out, err = run(["diff", str(old), str(new), "--format", "json"], capsys)
        assert code == 1, err
        assert rows(json.loads(out)) == V1_TO_V2, (old, new)


def test_unreadable_sources_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_generated = tmp_path / "plain.py"
    not_generated.write_text("x = 1\n")
    code, out, err = run(["diff", str(not_generated), str(not_generated)], capsys)
    assert code == 2 and out == ""
    assert "no embedded snapshot found" in err and "Traceback" not in err
    code, _, err = run(["diff", str(tmp_path / "missing.json"), str(not_generated)], capsys)
    assert code == 2 and err.startswith("gradio-gen diff: error:")
    code, _, err = run(["diff", "only-one"], capsys)
    assert code == 2


def test_check_reports_classified_api_changes(
    contract_apps: RunningApps, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``gradio-gen SOURCE -o client.py --check``: the committed client was generated from v1;
    the app is now v2, so the check fails and says which API changes are breaking."""
    module = tmp_path / "client.py"
    code, _, err = run([contract_apps["contract_v1"], "-o", str(module), "-q"], capsys)
    assert code == 0, err
    code, _, _ = run([contract_apps["contract_v1"], "-o", str(module), "--check", "-q"], capsys)
    assert code == 0
    code, out, _ = run([contract_apps["contract_v2"], "-o", str(module), "--check"], capsys)
    assert code == 1
    assert "API: 14 breaking, 6 compatible API change(s)" in out
    assert "  BREAKING    endpoint /removed_ep was removed" in out


def test_check_lines_without_api_change() -> None:
    snapshot = json.loads(
        (Path(__file__).parents[2] / "generated_examples/multi_output/snapshot.json").read_text()
    )
    text = (Path(__file__).parents[2] / "generated_examples/multi_output/client.py").read_text()
    assert diffmod.check_lines(text, snapshot) == [
        "API: no changes (only the generated text differs)"
    ]
    assert diffmod.check_lines("x = 1", snapshot)[0].startswith("(cannot compare APIs")


def test_private_space_as_a_source(
    hub: FakeHub,
    contract_apps: RunningApps,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """NEW is a (fake) private Space serving v2: resolved through the Hub with the token."""
    space = hub.add_space("alice/contract", upstream=contract_apps["contract_v2"], private=True)
    module = tmp_path / "client.py"
    assert run([contract_apps["contract_v1"], "-o", str(module), "-q"], capsys)[0] == 0
    code, out, err = run(["diff", str(module), space.id, "--format", "json"], capsys)
    assert code == 3 and "private" in err  # no token: a clear error, not a traceback
    code, out, err = run(
        ["diff", str(module), space.id, "--hf-token", HUB_TOKEN, "--format", "json"], capsys
    )
    assert code == 1, err
    report = json.loads(out)
    assert rows(report) == V1_TO_V2
    assert report["new"]["source"] == "alice/contract"
    assert all(r.token() == HUB_TOKEN for r in hub.requests(f"space:{space.id}"))
