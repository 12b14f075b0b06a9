"""A small fake Hugging Face Hub for tests (never call the real one).

It follows the Hub's documented REST API for what gradio-gen uses:

* ``GET /api/spaces/{id}`` (and ``/runtime``, ``/host``): ``id``, ``host``, ``subdomain``,
  ``private``, ``sdk``, ``runtime`` (``stage``, ``hardware.current/requested``, ``gcTimeout``,
  ``errorMessage``);
* ``GET /api/whoami-v2``; ``POST /api/spaces/{id}/duplicate`` (``repository``, ``visibility`` or
  ``private``, ``hardware``; 409 when the target exists); ``POST .../secrets`` (``key``,
  ``value``); ``POST .../hardware`` (``flavor``); ``POST .../sleeptime`` (``seconds``);
  ``POST .../restart``.
* Auth like the Hub: ``Authorization: Bearer <token>``; an unknown token is 401 "Invalid credentials
  in Authorization header"; a private or missing repo is 401 + ``X-Error-Code: RepoNotFound``
  without a token and 404 with a token that cannot see it; writes need the owner's token (403).

Every Space gets its own *host*: a recording reverse proxy on 127.0.0.2 (a different host name
from the Hub's 127.0.0.1, so per-host token rules can be tested) that forwards to ``upstream``
(a real local gradio app) while the Space's stage is a running one, and answers 503 otherwise.
A request to a ``SLEEPING`` Space's host wakes it (its stages continue with ``on_wake``), like the
Hub's proxy. Stages are scripted: each ``GET /api/spaces/{id}`` reports the next stage of
``stages`` (the last one repeats).

Every request to the Hub and to every Space host is appended to ``hub.log`` (server, method,
path, headers, body), so tests assert where the token went.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx

HARDWARE = frozenset(
    [
        "cpu-basic",
        "cpu-upgrade",
        "cpu-xl",
        "zero-a10g",
        "t4-small",
        "t4-medium",
        "l4x1",
        "l4x4",
        "l40sx1",
        "l40sx4",
        "l40sx8",
        "a10g-small",
        "a10g-large",
        "a10g-largex2",
        "a10g-largex4",
        "a100-large",
        "a100x4",
        "a100x8",
        "h100",
        "h100x8",
    ]
)
RUNNING_STAGES = frozenset({"RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING"})
HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}
)
SPACE_HOST_IP = "127.0.0.2"
OTHER_HOST_IP = "127.0.0.3"


@dataclass
class LoggedRequest:
    server: str
    """``"hub"``, or ``"space:<id>"`` for a Space host, or a recorder's name."""
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    time: float

    def token(self) -> str | None:
        """The bearer token this request carried (in either header), if any."""
        for name in ("authorization", "x-hf-authorization"):
            value = self.headers.get(name, "")
            if value.lower().startswith("bearer "):
                return value[7:]
        return None

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class FakeSpace:
    id: str
    upstream: str | None = None
    private: bool = False
    stages: list[str] = field(default_factory=lambda: ["RUNNING"])
    on_wake: list[str] | None = None
    on_restart: list[str] = field(default_factory=lambda: ["APP_STARTING", "RUNNING"])
    hardware: str | None = "cpu-basic"
    requested_hardware: str | None = None
    sleep_time: int | None = None
    error_message: str | None = None
    readers: set[str] = field(default_factory=set)
    """User names (besides the owner) who may see a private Space."""
    secrets: dict[str, str] = field(default_factory=dict)
    redirect_to: str | None = None
    """When set, the Space host answers every request with a 302 to ``redirect_to + path``."""
    subdomain: str | None = None
    """The Hub derives it from the id (lower case, ``/ _ .`` -> ``-``); when two ids would
    share one, the Hub gives the later Space another: set it to model that."""
    host: str = ""
    polls: int = 0

    def __post_init__(self) -> None:
        self.stage = self.stages[0]
        self._script = list(self.stages)
        self.proxy: _Server | None = None

    @property
    def owner(self) -> str:
        return self.id.split("/")[0]

    def script(self, stages: Iterable[str]) -> None:
        """From the next poll on, report these stages (the last one repeats)."""
        self._script = list(stages)

    def poll(self) -> str:
        self.polls += 1
        if self._script:
            self.stage = self._script.pop(0)
        return self.stage

    def runtime(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "stage": self.stage,
            "hardware": {"current": self.hardware, "requested": self.requested_hardware},
            "storage": None,
            "gcTimeout": self.sleep_time,
            "replicas": {"current": 1, "requested": 1},
            "devMode": False,
        }
        if self.error_message:
            data["errorMessage"] = self.error_message
        return data

    def info(self) -> dict[str, Any]:
        return {
            "_id": f"fake-{abs(hash(self.id))}",
            "id": self.id,
            "author": self.owner,
            "private": self.private,
            "sdk": "gradio",
            "subdomain": self.subdomain
            or self.id.replace("/", "-").replace("_", "-").replace(".", "-").lower(),
            "host": self.host,
            "runtime": self.runtime(),
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, handler: type[BaseHTTPRequestHandler], owner: Any) -> None:
        super().__init__((host, 0), handler)
        self.owner = owner
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(5)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self) -> None:
        body = self._read_body()
        self.server.owner.handle(self, body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _dispatch


class FakeHub:
    """The fake Hub server plus one recording host per Space. Use as a context manager."""

    def __init__(self, users: dict[str, str] | None = None) -> None:
        self.users: dict[str, str] = dict(users or {"hf_alice": "alice"})
        """token -> user name."""
        self.spaces: dict[str, FakeSpace] = {}
        self.log: list[LoggedRequest] = []
        self.copy_stages: list[str] = ["BUILDING", "APP_STARTING", "RUNNING"]
        self.renamed: dict[str, str] = {}
        """Old id -> new id (or an absolute URL): the Hub answers 307 to the new location."""
        self.fail_next: dict[str, list[int]] = {}
        """Space id -> statuses to answer its next info GETs with (e.g. 503), in order."""
        self._lock = threading.RLock()
        self._upstream = _Upstream()
        self._server = _Server("127.0.0.1", _Handler, self)

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> FakeHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.stop()
        for space in self.spaces.values():
            if space.proxy is not None:
                space.proxy.stop()
        self._upstream.close()

    # -- set-up ---------------------------------------------------------------------------

    def add_space(self, space_id: str, **kwargs: Any) -> FakeSpace:
        space = FakeSpace(space_id, **kwargs)
        space.proxy = _Server(SPACE_HOST_IP, _Handler, _SpaceHost(self, space))
        space.host = space.proxy.url
        with self._lock:
            self.spaces[space_id] = space
        return space

    def requests(self, server: str | None = None, path_prefix: str = "") -> list[LoggedRequest]:
        with self._lock:
            return [
                r
                for r in self.log
                if (server is None or r.server == server) and r.path.startswith(path_prefix)
            ]

    def _record(self, server: str, handler: _Handler, body: bytes) -> None:
        entry = LoggedRequest(
            server,
            handler.command,
            handler.path,
            {k.lower(): v for k, v in handler.headers.items()},
            body,
            time.monotonic(),
        )
        with self._lock:
            self.log.append(entry)

    # -- the Hub API ----------------------------------------------------------------------

    def handle(self, h: _Handler, body: bytes) -> None:
        self._record("hub", h, body)
        path = urlsplit(h.path).path
        auth = h.headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        if token is not None and token not in self.users:
            return h._send_json(401, {"error": "Invalid credentials in Authorization header"})
        user = self.users.get(token or "")
        with self._lock:
            if path == "/api/whoami-v2":
                if user is None:
                    return h._send_json(
                        401, {"error": "Invalid credentials in Authorization header"}
                    )
                return h._send_json(
                    200,
                    {"type": "user", "name": user, "orgs": [], "auth": {"type": "access_token"}},
                )
            parts = path.strip("/").split("/")
            if len(parts) < 4 or parts[:2] != ["api", "spaces"]:
                return h._send_json(404, {"error": "Not found"})
            space_id, action = f"{parts[2]}/{parts[3]}", "/".join(parts[4:])
            if space_id in self.renamed:  # the Hub redirects a renamed repo to its new id
                new = self.renamed[space_id]
                base = new if "://" in new else f"/api/spaces/{new}"
                location = base + (f"/{action}" if action else "")
                h.send_response(307)
                h.send_header("location", location)
                h.send_header("content-length", "0")
                h.end_headers()
                return None
            space = self.spaces.get(space_id)
            if space is None or (space.private and not self._can_read(space, user)):
                if user is None:
                    return h._send_json(
                        401, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"}
                    )
                return h._send_json(
                    404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"}
                )
            data = json.loads(body) if body else {}
            if h.command == "GET":
                return self._get(h, space, action)
            if h.command == "POST" and action == "duplicate":
                return self._duplicate(h, space, user, data)
            if h.command == "POST" and action in ("secrets", "hardware", "sleeptime", "restart"):
                if user != space.owner:
                    return h._send_json(403, {"error": "You don't have write access"})
                return self._write(h, space, action, data)
            return h._send_json(404, {"error": "Not found"})

    def _can_read(self, space: FakeSpace, user: str | None) -> bool:
        return user is not None and (user == space.owner or user in space.readers)

    def _get(self, h: _Handler, space: FakeSpace, action: str) -> None:
        failures = self.fail_next.get(space.id)
        if action in ("", "runtime") and failures:
            return h._send_json(failures.pop(0), {"error": "scripted failure"})
        if action == "":
            space.poll()
            return h._send_json(200, space.info())
        if action == "runtime":
            space.poll()
            return h._send_json(200, space.runtime())
        if action == "host":
            info = space.info()
            return h._send_json(200, {"subdomain": info["subdomain"], "host": info["host"]})
        return h._send_json(404, {"error": "Not found"})

    def _duplicate(
        self, h: _Handler, source: FakeSpace, user: str | None, data: dict[str, Any]
    ) -> None:
        if user is None:
            return h._send_json(401, {"error": "You must be authenticated"})
        repo = data.get("repository")
        if not isinstance(repo, str) or repo.count("/") != 1:
            return h._send_json(400, {"error": "Invalid repository"})
        if repo.split("/")[0] != user:
            return h._send_json(403, {"error": "You cannot create a repo in this namespace"})
        if repo in self.spaces:
            return h._send_json(
                409,
                {
                    "error": "You already created this space repo",
                    "url": f"{self.url}/spaces/{repo}",
                },
            )
        hardware = data.get("hardware", "cpu-basic")
        if hardware not in HARDWARE:
            return h._send_json(400, {"error": f"Invalid hardware {hardware}"})
        private = data.get("private", data.get("visibility", "public") == "private")
        copy = self.add_space(
            repo,
            upstream=source.upstream,
            private=bool(private),
            stages=list(self.copy_stages),
            hardware=hardware,
            requested_hardware=hardware,
        )
        for secret in data.get("secrets") or []:
            copy.secrets[secret["key"]] = secret["value"]
        h._send_json(200, {"url": f"{self.url}/spaces/{repo}"})

    def _write(self, h: _Handler, space: FakeSpace, action: str, data: dict[str, Any]) -> None:
        if action == "secrets":
            if not isinstance(data.get("key"), str) or not isinstance(data.get("value"), str):
                return h._send_json(400, {"error": "key and value are required"})
            space.secrets[data["key"]] = data["value"]
            return h._send_json(200, None)
        if action == "hardware":
            flavor = data.get("flavor")
            if flavor not in HARDWARE:
                return h._send_json(400, {"error": f"Invalid hardware flavor {flavor!r}"})
            space.requested_hardware = space.hardware = flavor
            space.script(["APP_STARTING", "RUNNING"])
        elif action == "sleeptime":
            seconds = data.get("seconds")
            if not isinstance(seconds, int):
                return h._send_json(400, {"error": "seconds must be an integer"})
            space.sleep_time = seconds
        elif action == "restart":
            space.script(space.on_restart)
        return h._send_json(200, space.runtime())


class _SpaceHost:
    """The Space's own host: records, wakes a sleeping Space, forwards while it runs."""

    def __init__(self, hub: FakeHub, space: FakeSpace) -> None:
        self.hub = hub
        self.space = space

    def handle(self, h: _Handler, body: bytes) -> None:
        hub, space = self.hub, self.space
        hub._record(f"space:{space.id}", h, body)
        with hub._lock:
            stage = space.stage
            if stage == "SLEEPING" and space.on_wake is not None:
                space.script(space.on_wake)
                space.on_wake = None
        if stage not in RUNNING_STAGES:
            return h._send_json(503, {"error": f"Space is {stage}"})
        if space.redirect_to is not None:
            h.send_response(302)
            h.send_header("location", space.redirect_to.rstrip("/") + h.path)
            h.send_header("content-length", "0")
            h.end_headers()
            return None
        if space.upstream is None:
            if urlsplit(h.path).path == "/config":  # what a gradio app on a Space says
                return h._send_json(200, {"space_id": space.id, "version": "6.31.0"})
            return h._send_json(200, {"space": space.id})
        _forward(h, hub._upstream, space.upstream, body)


class _Upstream:
    """The proxies' client to the real apps; ``close`` also cuts streams still being relayed
    (a session stream can stay open), so no relay thread outlives the fake Hub."""

    def __init__(self) -> None:
        self.client = httpx.Client(timeout=httpx.Timeout(60.0, connect=5.0), trust_env=False)
        self.active: set[httpx.Response] = set()
        self.lock = threading.Lock()

    def close(self) -> None:
        with self.lock:
            active, self.active = list(self.active), set()
        for response in active:
            response.close()
        self.client.close()


def _forward(h: _Handler, upstream_client: _Upstream, upstream: str, body: bytes) -> None:
    headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_HEADERS}
    headers["x-forwarded-host"] = h.headers.get("host", "")
    headers["x-forwarded-proto"] = "http"
    url = upstream.rstrip("/") + h.path
    try:
        with upstream_client.client.stream(h.command, url, headers=headers, content=body) as r:
            with upstream_client.lock:
                upstream_client.active.add(r)
            try:
                h.send_response(r.status_code)
                for k, v in r.headers.multi_items():
                    if k.lower() not in HOP_HEADERS:
                        h.send_header(k, v)
                h.send_header("connection", "close")
                h.end_headers()
                for chunk in r.iter_raw():
                    h.wfile.write(chunk)
                    h.wfile.flush()
            finally:
                with upstream_client.lock:
                    upstream_client.active.discard(r)
    except (httpx.HTTPError, OSError, RuntimeError):
        h.close_connection = True


class Recorder:
    """A plain HTTP server on another host (127.0.0.3) that records what reaches it.

    ``upstream`` given: it forwards there (a recording proxy in front of an app reached by URL).
    """

    def __init__(self, name: str = "other", upstream: str | None = None) -> None:
        self.name = name
        self.upstream = upstream
        self.log: list[LoggedRequest] = []
        self._lock = threading.RLock()
        self._client = _Upstream()
        self._server = _Server(OTHER_HOST_IP, _Handler, self)

    @property
    def url(self) -> str:
        return self._server.url

    def _record(self, server: str, handler: _Handler, body: bytes) -> None:
        FakeHub._record(self, server, handler, body)  # type: ignore[arg-type]

    def handle(self, h: _Handler, body: bytes) -> None:
        self._record(self.name, h, body)
        if self.upstream is None:
            return h._send_json(200, {"ok": True})
        _forward(h, self._client, self.upstream, body)

    def close(self) -> None:
        self._server.stop()
        self._client.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def tokens_seen(log: Iterable[LoggedRequest]) -> Iterator[tuple[str, str | None]]:
    """(server, token) for each logged request."""
    for entry in log:
        yield entry.server, entry.token()
