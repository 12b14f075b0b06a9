"""``gradio-gen batch`` end to end against a live app: results, resume, malformed lines,
files both ways, kill -INT and kill -9 mid-run (every row exactly once and correct)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_gen_runtime import Client

from tests.servers import RunningApps

pytestmark = pytest.mark.timeout(180)

GRADIO_GEN = [sys.executable, "-m", "gradio_gen"]


def batch(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GRADIO_GEN, "batch", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def write_rows(path: Path, rows: list[Any]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_index(path: Path) -> dict[int, dict[str, Any]]:
    entries = results(path)
    indexes = [e["index"] for e in entries]
    assert len(indexes) == len(set(indexes)), "a row was written twice"
    return {e["index"]: e for e in entries}


def server(url: str, name: str) -> Any:
    with Client(url) as client:
        return client.predict(name)


def test_rows_results_and_errors_then_resume(batch_url: str, tmp_path: Path) -> None:
    server(batch_url, "/reset")
    rows: list[Any] = [{"x": i, "delay": 0.02} for i in range(10, 16)] + [[3], [4, 0]]
    write_rows(tmp_path / "in.jsonl", rows)
    done = batch(batch_url, "/square", "in.jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # one row failed (13 is unlucky)
    assert "8 row(s)" in done.stderr and "7 ok, 1 failed" in done.stderr
    found = by_index(tmp_path / "out.jsonl")
    assert sorted(found) == list(range(8))
    for i, x in enumerate([10, 11, 12, 13, 14, 15, 3, 4]):
        if x == 13:
            assert found[i]["output"] is None and "unlucky number" in found[i]["error"]
            assert found[i]["error"].startswith("AppError: ")
        else:
            assert found[i] == {"index": i, "output": x * x, "error": None}
    assert server(batch_url, "/stats")["calls"] == 8
    # the same command again: nothing is sent
    again = batch(batch_url, "/square", "in.jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert again.returncode == 0 and "8 already in out.jsonl" in again.stderr
    assert server(batch_url, "/stats")["calls"] == 8
    # --retry-failed sends only the failed row again
    retried = batch(
        batch_url, "/square", "in.jsonl", "-o", "out.jsonl", "--retry-failed", cwd=tmp_path
    )
    assert retried.returncode == 1 and "0 ok, 1 failed" in retried.stderr
    assert server(batch_url, "/stats")["calls"] == 9


def test_generated_module_source_and_several_outputs(
    batch_module_path: Path, tmp_path: Path
) -> None:
    write_rows(
        tmp_path / "in.jsonl", [[1, 2], {"a": 3, "b": 4}, {"a": "x", "b": 1}, {"a": 1}, {"zzz": 1}]
    )
    done = batch(str(batch_module_path), "pair", "in.jsonl", "-o", "out.jsonl", cwd=tmp_path)
    by_attr = batch(
        str(batch_module_path), "quota_once", "none.jsonl", "-o", "x.jsonl", cwd=tmp_path
    )
    assert "no such file" in by_attr.stderr  # the method's name was found (api_name /quota_once)
    assert done.returncode == 1, done.stderr
    found = by_index(tmp_path / "out.jsonl")
    assert found[0]["output"] == {"sum": 3.0, "product": 2.0}  # a NamedTuple -> an object
    assert found[1]["output"] == {"sum": 7.0, "product": 12.0}
    assert found[2]["error"].startswith("InputValidationError: ")
    assert " a: expected a valid number" in found[2]["error"]
    assert " b: required, no value given" in found[3]["error"]
    assert " zzz: unknown parameter" in found[4]["error"]


def test_snapshot_source_needs_and_takes_src(batch_url: str, tmp_path: Path) -> None:
    from gradio_gen import snapshot

    snap = snapshot.fetch_url(batch_url)
    snap.pop("source")
    snapshot.save(snap, str(tmp_path / "app.json"))
    write_rows(tmp_path / "in.jsonl", [[2]])
    missing = batch("app.json", "/square", "in.jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert missing.returncode == 2 and "--src" in missing.stderr
    done = batch(
        "app.json", "square", "in.jsonl", "-o", "out.jsonl", "--src", batch_url, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert results(tmp_path / "out.jsonl") == [{"index": 0, "output": 4, "error": None}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nope", "in.jsonl"], "Unknown endpoint"),
        (["/square", "missing.jsonl"], "no such file"),
        (["/square", "in.jsonl", "--concurrency", "0"], "--concurrency"),
    ],
)
def test_usage_problems_are_one_line_exit_2(
    batch_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    write_rows(tmp_path / "in.jsonl", [[1]])
    done = batch(batch_url, *args, "-o", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_malformed_lines_fail_or_are_skipped(batch_url: str, tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text(
        '[1]\n\n{"x": 2}\nnot json\n"a string"\n[5]\n', encoding="utf-8"
    )
    failed = batch(batch_url, "/square", "in.jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert failed.returncode == 2
    assert "in.jsonl:4: not valid JSON" in failed.stderr and "--bad-lines skip" in failed.stderr
    assert sorted(by_index(tmp_path / "out.jsonl")) == [0, 2]  # the rows before it are done
    skipped = batch(
        batch_url, "/square", "in.jsonl", "-o", "out.jsonl", "--bad-lines", "skip", cwd=tmp_path
    )
    assert skipped.returncode == 0, skipped.stderr
    assert "in.jsonl:4: not valid JSON" in skipped.stderr
    assert "in.jsonl:5: a row must be a JSON object" in skipped.stderr
    assert "2 bad line(s) skipped" in skipped.stderr
    found = by_index(tmp_path / "out.jsonl")
    assert {i: e["output"] for i, e in found.items()} == {0: 1, 2: 4, 5: 25}


def test_files_in_as_path_and_url_out_as_paths(
    batch_module_path: Path, batch_url: str, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("quiet one", encoding="utf-8")
    upload = httpx.post(
        batch_url + "gradio_api/upload", files=[("files", ("b.txt", b"quiet two"))], timeout=30
    )
    upload.raise_for_status()
    url = f"{batch_url}gradio_api/file={upload.json()[0]}"
    write_rows(tmp_path / "in.jsonl", [["a.txt"], {"path": url}, [url]])
    for source, out in ((str(batch_module_path), "typed.jsonl"), (batch_url, "untyped.jsonl")):
        done = batch(
            source, "/shout", "in.jsonl", "-o", out, "--download-dir", "files", cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        found = by_index(tmp_path / out)
        for i, text in enumerate([b"QUIET ONE", b"QUIET TWO", b"QUIET TWO"]):
            path = Path(found[i]["output"])
            assert path.parts[:2] == ("files", str(i))  # one folder per row
            assert (tmp_path / path).read_bytes() == text
        (tmp_path / "files").rename(tmp_path / f"files_{out}")
    # the default download folder sits next to the output
    done = batch(batch_url, "/shout", "in.jsonl", "-o", "plain.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Path(results(tmp_path / "plain.jsonl")[0]["output"]).parts[0] == "plain_files"


def test_a_quota_error_stops_the_run_unrecorded_unless_waiting(
    batch_url: str, tmp_path: Path
) -> None:
    server(batch_url, "/reset")
    write_rows(tmp_path / "in.jsonl", [[1], [2]])
    stopped = batch(
        batch_url, "/quota_once", "in.jsonl", "-o", "out.jsonl", "--concurrency", "1", cwd=tmp_path
    )
    assert stopped.returncode == 3
    assert "ZeroGPUQuotaError" in stopped.stderr and "resume" in stopped.stderr
    assert 0 not in by_index(tmp_path / "out.jsonl")  # not recorded: a rerun sends it
    server(batch_url, "/reset")
    waited = batch(
        batch_url,
        "/quota_once",
        "in.jsonl",
        "-o",
        "out.jsonl",
        "--wait-on-quota",
        "5",
        cwd=tmp_path,
    )
    assert waited.returncode == 0, waited.stderr
    assert {i: e["output"] for i, e in by_index(tmp_path / "out.jsonl").items()} == {0: 1, 1: 2}


def _start(url: str, tmp_path: Path, n: int) -> subprocess.Popen[str]:
    write_rows(tmp_path / "in.jsonl", [{"x": i + 20, "delay": 0.25} for i in range(n)])
    return subprocess.Popen(
        [*GRADIO_GEN, "batch", url, "/square", "in.jsonl", "-o", "out.jsonl", "--concurrency", "4"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_lines(path: Path, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        assert proc.poll() is None, "the batch ended too early"
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} rows written in time")


def _check_complete(path: Path, n: int) -> None:
    found = by_index(path)
    assert sorted(found) == list(range(n))
    assert all(found[i] == {"index": i, "output": (i + 20) ** 2, "error": None} for i in range(n))


def test_ctrl_c_lets_rows_in_flight_finish_then_resume_sends_each_row_once(
    batch_url: str, tmp_path: Path
) -> None:
    server(batch_url, "/reset")
    n = 40
    proc = _start(batch_url, tmp_path, n)
    try:
        _wait_for_lines(tmp_path / "out.jsonl", 8, proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "stopping" in err and "resume" in err
    written = by_index(tmp_path / "out.jsonl")
    assert 8 <= len(written) < n
    calls = server(batch_url, "/stats")["calls"]
    assert calls == len(written)  # the rows in flight finished and were recorded
    rerun = batch(
        batch_url, "/square", "in.jsonl", "-o", "out.jsonl", "--concurrency", "4", cwd=tmp_path
    )
    assert rerun.returncode == 0, rerun.stderr
    _check_complete(tmp_path / "out.jsonl", n)
    assert server(batch_url, "/stats")["calls"] == n  # every row ran exactly once


def test_kill_9_then_resume_completes_every_row_once(batch_url: str, tmp_path: Path) -> None:
    server(batch_url, "/reset")
    n = 40
    proc = _start(batch_url, tmp_path, n)
    try:
        _wait_for_lines(tmp_path / "out.jsonl", 8, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        proc.kill()
    out = tmp_path / "out.jsonl"
    with out.open("ab") as handle:  # what a write cut short by a crash leaves
        handle.write(b'{"index": 39, "outp')
    rerun = batch(
        batch_url, "/square", "in.jsonl", "-o", "out.jsonl", "--concurrency", "4", cwd=tmp_path
    )
    assert rerun.returncode == 0, rerun.stderr
    _check_complete(out, n)
    calls = server(batch_url, "/stats")["calls"]
    assert n <= calls <= n + 4  # at most the rows in flight at the kill ran twice


def test_a_foreign_output_file_is_not_appended_to(batch_url: str, tmp_path: Path) -> None:
    write_rows(tmp_path / "in.jsonl", [[1]])
    (tmp_path / "out.jsonl").write_text("my notes\nmore\n", encoding="utf-8")
    done = batch(batch_url, "/square", "in.jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 2 and "out.jsonl:1: not a result line" in done.stderr
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == "my notes\nmore\n"


def test_progress_bar_on_a_terminal(
    batch_url: str, tmp_path: Path, batch_apps: RunningApps
) -> None:
    import fcntl
    import pty
    import struct
    import termios

    write_rows(tmp_path / "in.jsonl", [[i + 20] for i in range(5)])
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    try:
        proc = subprocess.run(
            [*GRADIO_GEN, "batch", batch_url, "/square", "in.jsonl", "-o", "out.jsonl"],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=60,
        )
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    err = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "5/5" in err and "row/s" in err and "failed=0" in err  # done, rate, failed (tqdm)
