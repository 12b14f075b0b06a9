"""The benchmark suite runs end to end in its tiny ``--quick`` mode and reports every column.

No timing is asserted (the machine is shared and noisy): only that every scenario ran for
every client, that the workers' correctness checks passed (a wrong echo, a lost stream token
or a short file fails a worker), and that the report has all its columns.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "benchmarks" / "run_bench.py"

SCENARIOS = ("import", "connect", "seq", "conc200", "conc1000", "stream", "file")
COLUMNS = ("floor", "gradio_client", "ours")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench")
    raw, md = out / "raw.json", out / "report.md"
    proc = subprocess.Popen(
        [sys.executable, str(RUNNER), "--quick", "--json", str(raw), "--markdown", str(md)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(ROOT),
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=150)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the quick benchmark run did not finish within 150 s")
    assert proc.returncode == 0, f"exit {proc.returncode}\n{stderr[-4000:]}"
    report = md.read_text(encoding="utf-8")
    assert report.strip() in stdout
    return report, json.loads(raw.read_text(encoding="utf-8"))


@pytest.mark.timeout(180)
def test_every_scenario_ran_for_every_client(quick_run: tuple[str, dict[str, Any]]) -> None:
    _, raw = quick_run
    results = raw["results"]
    assert not [r for r in results if "error" in r]
    for key in SCENARIOS:
        ran = {r["column"] for r in results if r["key"] == key}
        assert set(COLUMNS) <= ran, (key, ran)
    # the generator works, so our column is the generated client and generation is timed
    assert any(r["key"] == "gen_typical" and r["wall_s"] > 0 for r in results)
    meta = raw["meta"]
    assert meta["cpus"] >= 1 and meta["python"] and meta["versions"]["gradio_client"] == "2.7.2"


def _tables(report: str) -> list[list[list[str]]]:
    """Every Markdown table of the report as rows of cells (header first, rule dropped)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*report.splitlines(), ""]:
        if line.startswith("|"):
            if not line.startswith("|---"):
                current.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif current:
            tables.append(current)
            current = []
    return tables


@pytest.mark.timeout(180)
def test_report_has_all_columns_and_targets(quick_run: tuple[str, dict[str, Any]]) -> None:
    report, _ = quick_run
    assert "## Machine" in report and "## Targets" in report
    tables = _tables(report)
    targets = [t for t in tables if t[0][0].startswith("target")]
    assert len(targets) == 1
    measured = {row[0]: row[1] for row in targets[0][1:]}
    assert all(v != "not measured" for k, v in measured.items() if "2,000-endpoint" not in k)
    client_tables = [t for t in tables if t[0][:4] == ["metric", *COLUMNS]]
    assert len(client_tables) == len(SCENARIOS)
    for table in client_tables:
        head = table[0]
        assert head[-2:] == ["ours / floor", "ours / gradio_client"]
        n_clients = len(head) - 3
        for row in table[1:]:
            # every client has a value in every row (ratios may be "-" when a floor is 0)
            assert all(c not in ("", "-") for c in row[1 : 1 + n_clients]), row


@pytest.mark.timeout(300)
def test_batch_benchmark_quick_runs_every_scenario() -> None:
    """benchmarks/bench_batch.py --quick: every scenario ran and checked its results."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "bench_batch.py"), "--quick"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(ROOT),
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=280)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    assert proc.returncode == 0, stderr[-3000:]
    for scenario in ("floor", "ours_gather", "map_sync", "map_async", "batch"):
        assert f"| {scenario} |" in stdout
    assert "100 rows | 300 rows" in stdout
