"""Reporting for run_bench.py: the machine, medians and paired ratios as Markdown, targets.

Pure functions over the result dicts the workers print; no I/O except reading /proc and
package metadata for the machine description.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

OURS = "ours"
RATIO_REFS = ("floor", "gradio_client")


@dataclass(frozen=True)
class Metric:
    label: str
    key: str
    scale: float = 1.0
    fmt: str = ".1f"


@dataclass
class Scenario:
    key: str
    title: str
    worker: str
    args: list[str]
    clients: list[tuple[str, str]]
    """(column, adapter name) pairs; the column "ours" is compared with the references."""
    repeats: int
    metrics: list[Metric]
    extra_opts: dict[str, list[str]] = field(default_factory=dict)


# ------------------------------------------------------------------------------ machine
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_gib() -> float:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def _git_rev(root: str) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return out.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine(root: str) -> dict[str, Any]:
    versions = {}
    for pkg in ("gradio-gen", "gradio", "gradio_client", "httpx", "httpcore", "pydantic"):
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = "-"
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "mem_gib": round(_mem_gib(), 1),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": versions,
        "git": _git_rev(root),
    }


def machine_md(m: dict[str, Any]) -> str:
    vers = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    load = m.get("load_avg", [])
    load_s = ", ".join(f"{x:.2f}" for x in load) if load else "-"
    return (
        f"- Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['mem_gib']} GiB RAM, {m['platform']}\n"
        f"- Python {m['python']}; {vers}; gradio-gen commit {m['git']}\n"
        f"- Load average (1/5/15 min) at start: {load_s}; at end: "
        + ", ".join(f"{x:.2f}" for x in m.get("load_avg_end", []))
        + f"\n- Started {m.get('started', '?')} UTC, took {m.get('duration_s', 0) / 60:.1f} min\n"
    )


# ------------------------------------------------------------------------------- tables
def _fmt(v: float, f: str) -> str:
    return format(v, f)


def _summ(vals: Sequence[float], f: str) -> str:
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    med = statistics.median(vals)
    if len(vals) == 1 or min(vals) == max(vals):
        return _fmt(med, f)
    return f"{_fmt(med, f)} [{_fmt(min(vals), f)}-{_fmt(max(vals), f)}]"


def paired_ratios(rows: list[dict[str, Any]], key: str, a: str, b: str) -> list[float]:
    """a/b within each repeat (clients of one repeat ran back to back)."""
    out = []
    for rep in sorted({r["rep"] for r in rows}):
        va = [r[key] for r in rows if r["column"] == a and r["rep"] == rep and key in r]
        vb = [r[key] for r in rows if r["column"] == b and r["rep"] == rep and key in r]
        if va and vb and vb[0]:
            out.append(va[0] / vb[0])
    return out


def median_of(rows: list[dict[str, Any]], column: str, key: str) -> float | None:
    vals = [r[key] for r in rows if r["column"] == column and key in r]
    return statistics.median(vals) if vals else None


def scenario_md(sc: Scenario, results: list[dict[str, Any]]) -> str:
    cols = [c for c, _ in sc.clients]
    refs = [r for r in RATIO_REFS if OURS in cols and r in cols]
    head = ["metric", *cols, *[f"{OURS} / {r}" for r in refs]]
    lines = [f"**{sc.title}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows = [r for r in results if r["key"] == sc.key and "error" not in r]
    errors = [r for r in results if r["key"] == sc.key and "error" in r]
    for m in sc.metrics:
        cells = [m.label]
        for c in cols:
            cells.append(
                _summ([r[m.key] * m.scale for r in rows if r["column"] == c and m.key in r], m.fmt)
            )
        for ref in refs:
            ratios = paired_ratios(rows, m.key, OURS, ref)
            if not ratios:
                cells.append("-")
            elif len(ratios) == 1:
                cells.append(f"{ratios[0]:.2f}x")
            else:
                med = statistics.median(ratios)
                cells.append(f"{med:.2f}x [{min(ratios):.2f}-{max(ratios):.2f}]")
        lines.append("| " + " | ".join(cells) + " |")
    if errors:
        lines.append("")
        lines.append(
            f"{len(errors)} failed run(s): "
            + "; ".join(f"{e['column']} rep {e['rep']}: {e['error']}" for e in errors)
        )
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ targets
@dataclass(frozen=True)
class Target:
    what: str
    key: str
    """scenario key"""
    measure: Callable[[list[dict[str, Any]]], float | None]
    ok: Callable[[float], bool]
    fmt: str


def _ratio(metric: str, ref: str) -> Callable[[list[dict[str, Any]]], float | None]:
    def f(rows: list[dict[str, Any]]) -> float | None:
        rs = paired_ratios(rows, metric, OURS, ref)
        return statistics.median(rs) if rs else None

    return f


def _ours(
    metric: str, agg: Callable[[list[float]], float] = statistics.median
) -> Callable[[list[dict[str, Any]]], float | None]:
    def f(rows: list[dict[str, Any]]) -> float | None:
        vals = [r[metric] for r in rows if r["column"] == OURS and metric in r]
        return agg(vals) if vals else None

    return f


def _growth_mib(rows: list[dict[str, Any]]) -> float | None:
    vals = [r["rss_growth_kb"] / 1024 for r in rows if r["column"] == OURS and "rss_growth_kb" in r]
    return max(vals) if vals else None


TARGETS = [
    Target(
        "connect: HTTP requests before the first call's join <= 1 per (process, app) "
        "(the floor needs 1 to learn the mapping; gradio_client makes 3)",
        "connect",
        _ours("requests_before_call", max),
        lambda v: v <= 1,
        "{:.0f} (max)",
    ),
    Target(
        "connect: 4 more clients of the app in the same process: 0 more requests each",
        "connect",
        _ours("requests_per_extra_client", max),
        lambda v: v == 0,
        "{:.1f} (max)",
    ),
    Target(
        "import runtime + generated client <= 0.5x import gradio_client (issue 14)",
        "import",
        _ratio("wall_s", "gradio_client"),
        lambda v: v <= 0.5,
        "{:.2f}x",
    ),
    Target(
        "cold start: import + construct + first call (drift check included), wall "
        "<= 1.5x floor (issue 14)",
        "connect",
        _ratio("cold_wall_s", "floor"),
        lambda v: v <= 1.5,
        "{:.2f}x",
    ),
    Target(
        "cold start: import + construct + first call, client CPU <= 1.5x floor (issue 14)",
        "connect",
        _ratio("cold_cpu_s", "floor"),
        lambda v: v <= 1.5,
        "{:.2f}x",
    ),
    Target(
        "sequential: median latency <= 1.3x floor",
        "seq",
        _ratio("lat_median_ms", "floor"),
        lambda v: v <= 1.3,
        "{:.2f}x",
    ),
    Target(
        "sequential: client CPU per call <= 1.3x floor",
        "seq",
        _ratio("cpu_per_call_ms", "floor"),
        lambda v: v <= 1.3,
        "{:.2f}x",
    ),
    Target(
        "1,000 concurrent: wall <= 1.2x floor",
        "conc1000",
        _ratio("wall_s", "floor"),
        lambda v: v <= 1.2,
        "{:.2f}x",
    ),
    Target(
        "1,000 concurrent: client CPU <= 1.5x floor",
        "conc1000",
        _ratio("cpu_s", "floor"),
        lambda v: v <= 1.5,
        "{:.2f}x",
    ),
    Target(
        "1,000 concurrent: peak threads <= 4 (async client)",
        "conc1000",
        _ours("peak_threads", max),
        lambda v: v <= 4,
        "{:.0f} (max)",
    ),
    Target(
        "1,000 concurrent: zero calls lost (all runs of this table)",
        "conc1000",
        _ours("failed_calls", sum),
        lambda v: v == 0,
        "{:.0f} lost",
    ),
    Target(
        "streaming: time to first token <= 1.5x floor",
        "stream",
        _ratio("ttft_ms", "floor"),
        lambda v: v <= 1.5,
        "{:.2f}x",
    ),
    Target(
        "streaming: client CPU <= 1.3x floor (issue 14)",
        "stream",
        _ratio("cpu_s", "floor"),
        lambda v: v <= 1.3,
        "{:.2f}x",
    ),
    Target(
        "file: wall <= 1.2x floor", "file", _ratio("wall_s", "floor"), lambda v: v <= 1.2, "{:.2f}x"
    ),
    Target(
        "file: peak RSS growth < 64 MiB", "file", _growth_mib, lambda v: v < 64, "{:.0f} MiB (max)"
    ),
    Target(
        "generation: typical app < 1 s",
        "gen_typical",
        _ours("wall_s"),
        lambda v: v < 1.0,
        "{:.2f} s",
    ),
    Target(
        "generation: 2,000-endpoint app < 20 s",
        "gen_large",
        _ours("wall_s"),
        lambda v: v < 20.0,
        "{:.2f} s",
    ),
]


def targets_md(results: list[dict[str, Any]]) -> str:
    lines = ["| target (issues 9, 12, 14) | measured | met |", "|---|---|---|"]
    for t in TARGETS:
        rows = [r for r in results if r["key"] == t.key and "error" not in r]
        v = t.measure(rows) if rows else None
        if v is None:
            lines.append(f"| {t.what} | not measured | - |")
        else:
            lines.append(f"| {t.what} | {t.fmt.format(v)} | {'yes' if t.ok(v) else '**no**'} |")
    return "\n".join(lines) + "\n"
