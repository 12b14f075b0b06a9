"""The untyped client against real gradio apps, sync and async (``harness`` fixture)."""

from __future__ import annotations

import threading
import time

import pytest
from gradio_gen_runtime import (
    AppError,
    AuthenticationError,
    InputValidationError,
    QueueFullError,
    ServerValidationError,
    UnknownEndpointError,
)

from tests.servers import RunningApps

from ._bridge import Harness


def test_blocks_text_number_dropdown(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["basic"])
    assert c.predict("/greet", "World", True) == "Hello World!"
    assert c.predict("greet", name="Ann") == "Hello Ann."  # default for `excited`
    assert c.predict("/add", 2, 3.5) == 5.5
    assert c.predict("/noq", "banana") == "got banana"  # queue: false endpoint
    assert c.predict("/noq") == "got apple"  # dropdown default


def test_interface_and_multiple_outputs(harness: Harness, rt_apps: RunningApps) -> None:
    iface = harness.open(rt_apps["rt_iface"])
    assert iface.predict("/calc", 3, "mul", 4) == 12
    assert iface.predict(0, a=1, op="add", b=2) == 3  # by fn_index
    main = harness.open(rt_apps["rt_main"])
    assert main.predict("/multi", 2, "q") == (4, "2-q", [2, "q"])


def test_bad_arguments_fail_before_any_request(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["basic"])
    with pytest.raises(UnknownEndpointError):
        c.predict("/nope", 1)
    with pytest.raises(InputValidationError) as info:
        c.predict("/greet", nmae="x")
    assert "nmae" in info.value.errors and "name" in info.value.errors
    with pytest.raises(InputValidationError):
        c.predict("/add", 1, 2, 3)


def test_generator_outputs_and_updates(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["basic"])
    job = c.submit("/count", 4)
    assert job.iterate() == ["0 ", "0 1 ", "0 1 2 ", "0 1 2 3 "]  # final = last yield
    assert job.result() == "0 1 2 3 "
    assert job.outputs()[-1] == "0 1 2 3 " and job.status().code == "done"
    updates = c.submit("/count", 2).updates()
    kinds = [(u.kind, u.status.code) for u in updates]
    assert kinds[-1] == ("output", "done") and updates[-1].final
    assert ("status", "processing") in kinds
    assert [u.output for u in updates if u.kind == "output"] == ["0 ", "0 1 ", "0 1 "]


def test_chatbot_generator_edits_applied(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["rt_main"])
    job = c.submit("/chat", "hey", [])
    outs = job.iterate()
    final = job.result()
    assert final[-1]["content"] == [{"type": "text", "text": "Hi there friend"}] or (
        "Hi there friend" in str(final[-1]["content"])
    )
    # earlier outputs were not mutated by later edits
    texts = [str(o[-1]["content"]) for o in outs if len(o) == 2]
    assert any("Hi there friend" not in t for t in texts)
    assert len(outs[0]) == 1


def test_progress_and_logs(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["rt_main"])
    updates = c.submit("/progress", 3).updates()
    progress = [u.status.progress for u in updates if u.kind == "progress"]
    assert progress, "no progress update"
    unit = progress[-1][0]
    assert unit.desc == "Looping" and unit.unit == "steps" and unit.length == 3
    updates = c.submit("/logs", "hi").updates()
    logs = [u.log for u in updates if u.kind == "log"]
    assert [(log.message, log.level) for log in logs if log] == [
        ("info: hi", "info"),
        ("warning: hi", "warning"),
    ]
    assert logs[1] is not None and logs[1].title == "Careful"
    assert updates[-1].output == "HI"


def test_app_errors(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["basic"])
    with pytest.raises(AppError) as info:
        c.predict("/fail", "x")
    assert info.value.message == "bad input: x" and info.value.title == "Custom Title"
    main = harness.open(rt_apps["rt_main"])
    with pytest.raises(AppError) as info2:
        main.predict("/crash", "y")
    assert info2.value.message is not None and "plain failure y" in info2.value.message


def test_state_per_session_and_reset(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["basic"])
    assert c.predict("/counter", "a") == "a #1"
    assert c.predict("/counter", "b") == "b #2"
    other = harness.open(rt_apps["basic"])
    assert other.predict("/counter", "x") == "x #1"
    c.reset_session()
    assert c.predict("/counter", "c") == "c #1"


def test_queue_full_and_server_validation(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["rt_small"])
    running = c.submit("/hold", 1.5)
    deadline = time.monotonic() + 10
    while running.status().code != "processing" and time.monotonic() < deadline:
        time.sleep(0.02)
    waiting = [c.submit("/hold", 0.1), c.submit("/hold", 0.1)]  # fills max_size=2
    with pytest.raises(QueueFullError) as info:
        c.submit("/hold", 0.1)
    assert info.value.status_code == 503
    assert running.result() == 1.5 and [w.result() for w in waiting] == [0.1, 0.1]
    with pytest.raises(ServerValidationError) as vinfo:
        c.predict("/named", "ab")
    assert vinfo.value.errors == {"name": "Must be longer than 3 characters"}
    with pytest.raises(ServerValidationError) as vinfo:
        c.predict("/named", "ab", "")
    assert set(vinfo.value.errors) == {"name", "greeting"}
    assert c.predict("/named", "abcd") == "hi abcd"


def test_password_auth(harness: Harness, rt_apps: RunningApps) -> None:
    url = rt_apps["rt_auth"]
    with pytest.raises(AuthenticationError):
        harness.open(url)  # no credentials: /config answers 401
    with pytest.raises(AuthenticationError):
        harness.open(url, auth=("user", "wrong"))
    c = harness.open(url, auth=("user", "s3cret"))
    assert c.predict("/reverse", "abc") == "cba"


def test_streaming_input_endpoint(harness: Harness, rt_apps: RunningApps, png_file: dict) -> None:  # type: ignore[type-arg]
    c = harness.open(rt_apps["rt_main"])
    job = c.submit("/frames", png_file)

    def wait_outputs(n: int) -> None:  # the server answers one chunk at a time
        deadline = time.monotonic() + 20
        while len(job.outputs()) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(job.outputs()) >= n

    wait_outputs(1)
    for n in (2, 3):
        job.send_chunk(png_file)
        wait_outputs(n)
    assert job.status().code == "streaming"
    job.close_stream()
    assert job.result() == "3:3x2"
    assert job.outputs()[:3] == ["1:3x2", "2:3x2", "3:3x2"]


def test_many_concurrent_calls_one_client(harness: Harness, rt_apps: RunningApps) -> None:
    c = harness.open(rt_apps["basic"])
    jobs = [c.submit("/add", i, 1000) for i in range(100)]
    assert [j.result() for j in jobs] == [i + 1000 for i in range(100)]
    assert len({j.event_id for j in jobs}) == 100


def test_sync_client_threads_share_one_stream(rt_apps: RunningApps) -> None:
    from gradio_gen_runtime import Client

    before = threading.active_count()
    with Client(rt_apps["basic"]) as c:
        results: list[object] = [None] * 100
        errors: list[BaseException] = []

        def call(i: int) -> None:
            try:
                results[i] = c.predict("/greet", f"n{i}")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        assert results == [f"Hello n{i}." for i in range(100)]
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before, "a reader thread outlived close()"
