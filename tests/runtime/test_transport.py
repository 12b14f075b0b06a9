"""Transport behaviour with a scripted server (``httpx.MockTransport``), sync and async:
connect, snapshots, retries, typed HTTP errors, dropped streams, the token host rule."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from gradio_gen_runtime import (
    AsyncClient,
    AuthenticationError,
    Client,
    ConnectError,
    HTTPStatusError,
    QueueFullError,
    RateLimitError,
    ServerValidationError,
    StreamLostError,
    UnsupportedProtocolError,
    UsageError,
)
from gradio_gen_runtime._transport._http import backoff as real_backoff

from ._fake import SNAPSHOT, FakeGradio, done, sse

CLOSE = {"msg": "close_stream", "event_id": None}


def predict(flavor: str, fake: FakeGradio, *calls: tuple[Any, ...], **options: Any) -> list[Any]:
    """Open a client on ``fake``, run ``predict`` for each call (exceptions are returned)."""
    options.setdefault("max_retries", 2)
    if flavor == "sync":
        out: list[Any] = []
        with Client(fake.url, transport=fake.transport(), **options) as c:
            for call in calls:
                try:
                    out.append(c.predict(*call))
                except Exception as exc:
                    out.append(exc)
        return out

    async def main() -> list[Any]:
        results: list[Any] = []
        async with AsyncClient(fake.url, transport=fake.transport(), **options) as c:
            for call in calls:
                try:
                    results.append(await c.predict(*call))
                except Exception as exc:
                    results.append(exc)
        return results

    return asyncio.run(main())


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "gradio_gen_runtime._transport._http.backoff", lambda attempt, retry_after=None: 0.0
    )
    monkeypatch.setattr(
        "gradio_gen_runtime._transport._wires.backoff", lambda attempt, retry_after=None: 0.0
    )


def test_connect_and_call(flavor: str) -> None:
    fake = FakeGradio()
    assert predict(flavor, fake, ("/echo", "hi")) == ["hi"]
    assert fake.paths() == [
        "/config",
        "/gradio_api/info",
        "/gradio_api/queue/join",
        "/gradio_api/queue/data",
    ]
    join = fake.requests[2]
    assert json.loads(join.content)["fn_index"] == 0 and join.headers["x-gradio-user"] == "api"
    assert json.loads(join.content)["session_hash"] == fake.requests[3].url.params["session_hash"]


@pytest.mark.parametrize("trust", [False, True])
def test_snapshot_means_no_request_before_the_first_call(flavor: str, trust: bool) -> None:
    """Constructing (and connecting) with a snapshot sends nothing. The first call confirms
    the snapshot's mapping with one GET /config before its join, unless trust_snapshot."""
    fake = FakeGradio()
    if flavor == "sync":
        c = Client(fake.url, transport=fake.transport(), snapshot=SNAPSHOT, trust_snapshot=trust)
        assert fake.requests == [] and c.view_api() == SNAPSHOT["info"]
        assert c.predict("/echo", "x") == "x"
        assert c.predict("/echo", "y") == "y"  # confirmed once: no second check
        c.close()
    else:

        async def main() -> None:
            c = AsyncClient(
                fake.url, transport=fake.transport(), snapshot=SNAPSHOT, trust_snapshot=trust
            )
            await c.connect()
            assert fake.requests == []
            assert await c.predict("/echo", "x") == "x"
            assert await c.predict("/echo", "y") == "y"
            await c.aclose()

        asyncio.run(main())
    call = ["/gradio_api/queue/join", "/gradio_api/queue/data"]
    assert fake.paths() == ([] if trust else ["/config"]) + call + call


def test_unsupported_protocol_names_protocol_and_version(flavor: str) -> None:
    config = {k: v for k, v in SNAPSHOT["config"].items() if k != "protocol"}
    fake = FakeGradio(config={**config, "version": "2.9.4"})
    with pytest.raises(UnsupportedProtocolError, match=r"None.*2\.9\.4"):
        if flavor == "sync":
            Client(fake.url, transport=fake.transport())
        else:
            asyncio.run(AsyncClient(fake.url, transport=fake.transport()).connect())
    assert fake.paths() == ["/config"]


def test_bad_sources_fail_before_any_request() -> None:
    for src in ["", "ftp://x/", "not a url", "http://", "owner/space/extra", "http://h/?q=1"]:
        with pytest.raises(UsageError):
            Client(src, transport=httpx.MockTransport(lambda r: pytest.fail("no request expected")))


def test_stream_dropped_without_close_fails_job_and_next_call_recovers(flavor: str) -> None:
    fake = FakeGradio()
    fake.streams = [
        sse({"msg": "process_starts", "event_id": "ev1", "eta": None}),  # ends without close
        sse(done("ev2", "second"), CLOSE),
    ]
    first, second = predict(flavor, fake, ("/echo", "a"), ("/echo", "b"))
    assert isinstance(first, StreamLostError)
    assert second == "second"


def test_messages_before_join_answer_and_unknown_kinds(flavor: str) -> None:
    fake = FakeGradio()
    fake.streams = [sse({"msg": "future_kind", "event_id": "ev1"}, {"msg": "estimation", "event_id": "ev1",
                         "rank": 0, "queue_size": 1, "rank_eta": None}, done("ev1", "ok"), CLOSE)]  # fmt: skip
    assert predict(flavor, fake, ("/echo", "x")) == ["ok"]


def test_unexpected_error_fails_the_job(flavor: str) -> None:
    fake = FakeGradio()
    fake.streams = [sse({"msg": "unexpected_error", "event_id": None, "message": "Server stopped unexpectedly.",
                         "success": False})]  # fmt: skip
    (result,) = predict(flavor, fake, ("/echo", "x"))
    assert isinstance(result, StreamLostError) and "Server stopped" in str(result)


def test_join_errors_are_typed_and_not_retried(flavor: str) -> None:
    fake = FakeGradio()
    fake.fail["/gradio_api/queue/join"] = [
        httpx.Response(503, json={"detail": "Queue is full. Max size is 2 and size is 2."}),
        httpx.Response(422, json={"detail": [{"__type__": "validate", "is_valid": False,
                                              "message": "too short", "parameter_name": "text"}]}),
        httpx.Response(502, text="bad gateway"),
        httpx.Response(401, json={"detail": {"error": "Not authenticated"}}),
    ]  # fmt: skip
    results = predict(flavor, fake, *[("/echo", "x")] * 4)
    assert isinstance(results[0], QueueFullError)
    assert isinstance(results[1], ServerValidationError) and results[1].errors == {
        "text": "too short"
    }
    assert type(results[2]) is HTTPStatusError and results[2].status_code == 502  # may have run
    assert isinstance(results[3], AuthenticationError)
    assert fake.paths().count("/gradio_api/queue/join") == 4  # none retried


def test_join_retried_when_it_provably_did_not_reach_the_app(flavor: str) -> None:
    fake = FakeGradio()
    fake.fail["/gradio_api/queue/join"] = [
        httpx.ConnectError("refused"),
        httpx.Response(429, headers={"retry-after": "0"}, json={"detail": "slow down"}),
    ]
    assert predict(flavor, fake, ("/echo", "x")) == ["x"]
    assert fake.paths().count("/gradio_api/queue/join") == 3


def test_get_retried_on_gateway_errors_then_gives_up(flavor: str) -> None:
    fake = FakeGradio()
    fake.fail["/config"] = [httpx.Response(502), httpx.Response(504)]
    assert predict(flavor, fake, ("/echo", "x")) == ["x"]
    # another app (host): this process already knows the first one's /config (``_live``)
    fake = FakeGradio(host="app2.test")
    fake.fail["/config"] = [httpx.Response(429)] * 3
    with pytest.raises(RateLimitError):
        predict(flavor, fake, ("/echo", "x"), max_retries=2)
    assert fake.paths() == ["/config"] * 3


def test_connect_error_is_typed(flavor: str) -> None:
    fake = FakeGradio()
    fake.fail["/config"] = [httpx.ConnectError("refused")] * 3
    with pytest.raises(ConnectError):
        predict(flavor, fake, max_retries=2)


def test_password_login(flavor: str) -> None:
    fake = FakeGradio()
    assert predict(flavor, fake, ("/echo", "x"), auth=("u", "good")) == ["x"]
    assert fake.paths()[0] == "/login"
    assert "access-token-x=t" in fake.requests[1].headers.get("cookie", "")
    with pytest.raises(AuthenticationError, match="incorrect"):
        predict(flavor, FakeGradio(), auth=("u", "bad"))


# -- token host rule -------------------------------------------------------------------------


def tokens_seen(fake: FakeGradio) -> list[tuple[str, str | None, str | None]]:
    return [
        (r.url.host, r.headers.get("authorization"), r.headers.get("x-hf-authorization"))
        for r in fake.requests
    ]


def test_env_token_never_sent_to_an_arbitrary_host(
    flavor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    fake = FakeGradio()
    predict(flavor, fake, ("/echo", "x"))
    assert all(a is None and x is None for _, a, x in tokens_seen(fake))


def test_explicit_token_goes_to_that_url_only(flavor: str) -> None:
    def redirect(request: httpx.Request) -> httpx.Response | None:
        if request.url.host == "app.test" and request.url.path == "/elsewhere":
            return httpx.Response(302, headers={"location": "http://evil.test/steal"})
        return None

    fake = FakeGradio(extra=redirect)
    predict(flavor, fake, ("/echo", "x"), hf_token="hf_explicit")
    assert all(x == "Bearer hf_explicit" for _, _, x in tokens_seen(fake))
    # a redirect followed by the same client never carries the token to another host
    with Client(
        fake.url, transport=fake.transport(), hf_token="hf_explicit", snapshot=SNAPSHOT
    ) as c:
        c._http.get(fake.url + "elsewhere", follow_redirects=True)
    assert tokens_seen(fake)[-1] == ("evil.test", None, None)
    assert tokens_seen(fake)[-2] == ("app.test", None, "Bearer hf_explicit")


def test_token_resolution_order(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from gradio_gen_runtime._hub._auth import resolve_token

    for var in ("HF_TOKEN", "HF_TOKEN_PATH", "HF_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_token() is None
    cli = tmp_path / ".cache" / "huggingface" / "token"
    cli.parent.mkdir(parents=True)
    cli.write_text("hf_file\n")
    assert resolve_token() == "hf_file"
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "token").write_text("hf_home")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    assert resolve_token() == "hf_home"
    (tmp_path / "explicit").write_text("hf_path")
    monkeypatch.setenv("HF_TOKEN_PATH", str(tmp_path / "explicit"))
    assert resolve_token() == "hf_path"
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    assert resolve_token() == "hf_env"
    assert resolve_token("hf_arg") == "hf_arg"
    assert resolve_token(None) is None  # explicit None disables the token


def test_hub_and_hf_space_hosts_get_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from gradio_gen_runtime._hub._auth import TokenPolicy

    monkeypatch.setenv("HF_ENDPOINT", "https://hub.example")
    policy = TokenPolicy("hf_t")
    assert policy.header_for(httpx.URL("https://hub.example/api/spaces/a/b")) == "authorization"
    assert policy.header_for(httpx.URL("https://owner-app.hf.space/config")) == "x-hf-authorization"
    assert policy.header_for(httpx.URL("http://owner-app.hf.space/config")) is None  # not over http
    assert policy.header_for(httpx.URL("https://hf.space.evil.test/")) is None
    assert policy.header_for(httpx.URL("http://127.0.0.1:7860/")) is None
    policy.allow_url("http://127.0.0.1:7860/")
    assert policy.header_for(httpx.URL("http://127.0.0.1:7860/x")) == "x-hf-authorization"
    assert TokenPolicy(None).header_for(httpx.URL("https://hub.example/")) is None


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    from gradio_gen_runtime._constants import INITIAL_RETRY_DELAY, MAX_RETRY_DELAY, RETRY_JITTER

    backoff = real_backoff  # the module attribute is patched to 0 for the other tests
    assert backoff(0, retry_after=3.0) == 3.0
    assert backoff(0, retry_after=1e6) == MAX_RETRY_DELAY
    first = [backoff(0) for _ in range(50)]
    assert all(
        INITIAL_RETRY_DELAY * (1 - RETRY_JITTER) <= d <= INITIAL_RETRY_DELAY * (1 + RETRY_JITTER)
        for d in first
    )
    assert len(set(first)) > 1  # jittered
    assert all(backoff(20) <= MAX_RETRY_DELAY * (1 + RETRY_JITTER) for _ in range(20))
    assert min(backoff(2) for _ in range(20)) > max(first)


def test_stream_open_retried_on_gateway_errors(flavor: str) -> None:
    fake = FakeGradio()
    fake.fail["/gradio_api/queue/data"] = [
        httpx.Response(503, text="busy"),
        httpx.ConnectError("x"),
    ]
    assert predict(flavor, fake, ("/echo", "x")) == ["x"]
    assert fake.paths().count("/gradio_api/queue/data") == 3
    fake = FakeGradio()
    fake.fail["/gradio_api/queue/data"] = [httpx.Response(401, json={"detail": "no"})]
    (result,) = predict(flavor, fake, ("/echo", "x"))
    assert isinstance(result, AuthenticationError)


def test_app_error_names_the_endpoint(flavor: str) -> None:
    from gradio_gen_runtime import AppError

    fake = FakeGradio()
    fake.streams = [sse({"msg": "process_completed", "event_id": "ev1", "success": False,
                         "output": {"error": "nope", "title": "Oops"}}, CLOSE)]  # fmt: skip
    (result,) = predict(flavor, fake, ("/echo", "x"))
    assert isinstance(result, AppError) and result.endpoint == "/echo"
    assert str(result) == "App error in /echo: Oops: nope"


def test_custom_headers_on_every_request(flavor: str) -> None:
    fake = FakeGradio()
    predict(flavor, fake, ("/echo", "x"), headers={"x-team": "qa"})
    assert len(fake.requests) == 4
    assert all(r.headers.get("x-team") == "qa" for r in fake.requests)
    assert all(r.headers["user-agent"].startswith("gradio-gen/") for r in fake.requests)
