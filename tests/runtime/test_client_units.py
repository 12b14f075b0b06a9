"""Pure parts of the client: sources, argument binding, output shape, timeouts."""

from __future__ import annotations

import pytest
from gradio_gen_runtime import NOT_GIVEN, AppSpec, InputValidationError, Timeout, UsageError
from gradio_gen_runtime._client._clients import bind_arguments, default_transform, parse_source
from gradio_gen_runtime._constants import JOB_TIMEOUT, STREAM_IDLE_TIMEOUT

from ._fake import SNAPSHOT


def test_parse_source() -> None:
    assert parse_source("http://127.0.0.1:7860") == ("url", "http://127.0.0.1:7860/")
    assert parse_source(" https://h.example/sub/app/ ") == ("url", "https://h.example/sub/app/")
    assert parse_source("owner/my-space_1.x") == ("space", "owner/my-space_1.x")
    for bad in ["", "owner", "a/b/c", "ftp://h/", "http:///x", "https://h/?a=1", "../x/y", 3]:
        with pytest.raises(UsageError):
            parse_source(bad)  # type: ignore[arg-type]


def test_bind_arguments_by_position_keyword_and_default() -> None:
    spec = AppSpec.from_snapshot(SNAPSHOT)
    ep = spec.endpoint("/echo")
    assert bind_arguments(ep, ("a",), {}) == ["a"]
    assert bind_arguments(ep, (), {"text": "b"}) == ["b"]
    with pytest.raises(InputValidationError, match="required"):
        bind_arguments(ep, (), {})
    with pytest.raises(InputValidationError, match="both"):
        bind_arguments(ep, ("a",), {"text": "b"})
    with pytest.raises(InputValidationError) as info:
        bind_arguments(ep, (), {"txt": "b"})
    assert set(info.value.errors) == {"txt", "text"}
    with pytest.raises(InputValidationError):
        bind_arguments(ep, ("a", "b"), {})


def test_default_transform_matches_gradio_client_shapes() -> None:
    assert default_transform([]) is None
    assert default_transform([1]) == 1
    assert default_transform([1, "a"]) == (1, "a")


def test_timeout_coercion() -> None:
    assert Timeout.coerce(NOT_GIVEN) == Timeout()
    assert Timeout().job == JOB_TIMEOUT and all(
        v is not None for v in vars(Timeout()).values()
    )  # every wait finite by default
    t = Timeout.coerce(5)
    assert (t.connect, t.read, t.write, t.pool) == (5.0, 5.0, 5.0, 5.0)
    assert t.stream_idle == STREAM_IDLE_TIMEOUT and t.job == JOB_TIMEOUT
    assert Timeout.coerce(None) == Timeout(None, None, None, None, None, None)
    custom = Timeout(job=3)
    assert Timeout.coerce(custom) is custom
    for bad in (0, -1, True, "5"):
        with pytest.raises(ValueError):
            Timeout.coerce(bad)  # type: ignore[arg-type]


def test_client_options_are_checked_before_any_request() -> None:
    import httpx
    from gradio_gen_runtime import Client

    never = httpx.MockTransport(lambda r: pytest.fail("no request expected"))
    with pytest.raises(UsageError):
        Client("http://h/", transport=never, auth=("only-user",))  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        Client("http://h/", transport=never, max_retries=-1)
    with pytest.raises(UsageError):
        Client("http://h/", transport=never, timeout=0)
    with pytest.raises(UsageError):
        Client("http://h/", transport=never, session_hash="")
