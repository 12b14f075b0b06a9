"""The HF token goes only where the host rule allows (runtime/_hub/_auth.py), over real sockets:
never to an app the caller did not pass it for, never to another host through a redirect."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from gradio_gen_runtime import Client, HTTPStatusError
from gradio_gen_runtime._files._file import File

from tests.generator._util import minimal_app, param, ret

from ._health import Baseline

TOKEN = "hf_reliabilitySecret123"
TEXT = {"type": "string"}


class Recorder:
    """A real HTTP server on 127.0.0.1 that records every request's headers and answers
    with ``route(path) -> (status, headers, body)``."""

    def __init__(self, route: Callable[[str], tuple[int, dict[str, str], bytes]]) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, headers, body = route(self.path)
                self.send_response(status)
                for k, v in {**headers, "content-length": str(len(body))}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def tokens(self) -> list[str]:
        return [
            f"{path}: {name}"
            for path, headers in self.seen
            for name, value in headers.items()
            if TOKEN in value
        ]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def elsewhere() -> Iterator[Recorder]:
    """The other host: reached as ``localhost`` (a different host name than 127.0.0.1)."""
    r = Recorder(lambda path: (200, {"content-type": "application/octet-stream"}, b"payload"))
    yield r
    r.stop()


@pytest.fixture
def app(elsewhere: Recorder) -> Iterator[Recorder]:
    """The app the client connects to: every file and /config redirect to the other host."""

    def route(path: str) -> tuple[int, dict[str, str], bytes]:
        return 302, {"location": f"http://localhost:{elsewhere.port}{path}"}, b""

    r = Recorder(route)
    yield r
    r.stop()


def snapshot() -> dict[str, Any]:
    return minimal_app({"/echo": {"parameters": [param("x", TEXT)], "returns": [ret("y", TEXT)]}})


def test_env_token_is_never_sent_to_a_plain_app_url(
    app: Recorder, elsewhere: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    with pytest.raises(HTTPStatusError):
        Client(f"http://127.0.0.1:{app.port}/")  # /config answers with a redirect
    assert app.seen, "the app was not even asked"
    assert app.tokens() == [] and elsewhere.tokens() == []


def test_config_redirect_to_another_host_is_not_followed(
    app: Recorder, elsewhere: Recorder
) -> None:
    with pytest.raises(HTTPStatusError) as info:
        Client(f"http://127.0.0.1:{app.port}/", hf_token=TOKEN)
    assert info.value.status_code == 302
    assert app.tokens() == ["/config: x-hf-authorization"]  # passed explicitly for this URL
    assert elsewhere.seen == []


@pytest.mark.parametrize("kind", ["read_bytes", "download"])
def test_file_redirected_to_another_host_loses_the_token(
    app: Recorder, elsewhere: Recorder, kind: str, tmp_path: Any
) -> None:
    baseline = Baseline()
    root = f"http://127.0.0.1:{app.port}/"
    with Client(root, hf_token=TOKEN, snapshot=snapshot()) as client:
        file = File.from_data(
            {"path": "/tmp/x.bin", "url": f"{root}gradio_api/file=/tmp/x.bin"},
            transfer=client._files.transfer,
        )
        if kind == "read_bytes":
            assert file.read_bytes() == b"payload"
        else:
            assert file.download(tmp_path).read_bytes() == b"payload"
    assert app.tokens() == ["/gradio_api/file=/tmp/x.bin: x-hf-authorization"]
    assert [path for path, _ in elsewhere.seen] == ["/gradio_api/file=/tmp/x.bin"]
    assert elsewhere.tokens() == [], "the token followed the redirect to another host"
    baseline.check()


def test_no_token_without_one(app: Recorder, elsewhere: Recorder) -> None:
    root = f"http://127.0.0.1:{app.port}/"
    with Client(root, hf_token=None, snapshot=snapshot()) as client:
        file = File.from_data(
            {"path": "/x", "url": f"{root}gradio_api/file=/x"}, transfer=client._files.transfer
        )
        assert file.read_bytes() == b"payload"
    assert all("authorization" not in "".join(h) for _, h in app.seen + elsewhere.seen)


SECRET_HEADERS = {"x-api-key": "key-" + TOKEN, "authorization": "Bearer other-" + TOKEN}


def test_caller_headers_stay_on_the_app_host(app: Recorder, elsewhere: Recorder) -> None:
    root = f"http://127.0.0.1:{app.port}/"
    with Client(root, headers=SECRET_HEADERS, snapshot=snapshot()) as client:
        transfer = client._files.transfer
        redirected = File.from_data(
            {"path": "/a", "url": f"{root}gradio_api/file=/a"}, transfer=transfer
        )
        assert redirected.read_bytes() == b"payload"
        named = File.from_data({"path": f"http://localhost:{elsewhere.port}/b"}, transfer=transfer)
        assert named.read_bytes() == b"payload"  # a file URL chosen by the server
    assert sorted(app.tokens()) == [
        "/gradio_api/file=/a: authorization",
        "/gradio_api/file=/a: x-api-key",
    ]
    assert [path for path, _ in elsewhere.seen] == ["/gradio_api/file=/a", "/b"]
    assert elsewhere.tokens() == [], "caller headers reached another host"
