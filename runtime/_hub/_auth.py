"""Hugging Face token resolution and the host rule for sending it.

Resolution: an explicit ``hf_token`` argument (``None`` = no token), else ``HF_TOKEN``,
else the file the Hugging Face CLI saves (``$HF_TOKEN_PATH``, else ``$HF_HOME/token``,
else ``~/.cache/huggingface/token``).

Host rule: the token is attached only to requests whose host is allowed: the Hub
(``HF_ENDPOINT``'s host), the Space host the Hub reported, any ``https://*.hf.space`` host,
and, when the caller passed the token explicitly, the host of the URL they connect to.
It is attached per request (httpx request hook, which also runs for every redirect hop)
and removed from any request to another host, so a redirect never carries it away. The
caller's extra ``headers`` follow the same rule, and always go to the app's own host.

Space hosts (the host the Hub reported for a Space id, and any ``https://*.hf.space``) also
get the end user's ``x-ip-token`` when the client runs inside a Gradio event handler
(``_iptoken``), on every request; no other host ever gets it (the Hub, an explicit URL's
host, a redirect elsewhere).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from .._constants import HF_ENDPOINT
from .._types import NOT_GIVEN, NotGiven
from ._iptoken import HEADER as IP_TOKEN_HEADER
from ._iptoken import current_ip_token

HUB_HEADER = "authorization"
SPACE_HEADER = "x-hf-authorization"


def hf_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or HF_ENDPOINT).rstrip("/")


def token_file() -> Path:
    explicit = os.environ.get("HF_TOKEN_PATH")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("HF_HOME")
    base = Path(home).expanduser() if home else Path("~/.cache/huggingface").expanduser()
    return base / "token"


def resolve_token(hf_token: str | NotGiven | None = NOT_GIVEN) -> str | None:
    """The token to use, or None. An explicit argument wins (``None`` disables)."""
    if hf_token is not NOT_GIVEN:
        return hf_token or None
    env = os.environ.get("HF_TOKEN", "").strip()
    if env:
        return env
    try:
        text = token_file().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class TokenPolicy:
    """Decides, per request URL, whether (and how) the HF token is attached."""

    def __init__(self, token: str | None, *, extra_hosts: Iterable[str] = ()) -> None:
        self.token = token
        self._hub = _host(hf_endpoint())
        self._hosts = {h.lower() for h in extra_hosts if h}
        self._space_hosts: set[str] = set()
        self._scoped: dict[str, str] = {}
        self._app_host = ""

    def scope_headers(self, headers: Mapping[str, str], app_url: str | None) -> None:
        """The caller's extra ``headers`` (client-wide defaults) may go only to the app's
        host and to hosts the token may go to; ``apply`` strips them from any other request
        (a redirect hop, a file URL named by the server)."""
        self._scoped = {k.lower(): v for k, v in headers.items()}
        self._app_host = _host(app_url) if app_url else ""

    def _trusted(self, url: httpx.URL) -> bool:
        host = (url.host or "").lower()
        return (
            host in (self._app_host, self._hub)
            or host in self._hosts
            or (url.scheme == "https" and host.endswith(".hf.space"))
        )

    def allow_url(self, url: str) -> None:
        """Allow the host of ``url`` (an explicit token's URL, or a Hub-reported Space host)."""
        host = _host(url)
        if host:
            self._hosts.add(host)

    def allow_space_url(self, url: str) -> None:
        """``allow_url`` for the host the Hub reported for a Space (it also gets the end
        user's ``x-ip-token``)."""
        self.allow_url(url)
        host = _host(url)
        if host:
            self._space_hosts.add(host)

    def is_space_host(self, url: httpx.URL) -> bool:
        host = (url.host or "").lower()
        return host in self._space_hosts or (url.scheme == "https" and host.endswith(".hf.space"))

    def header_for(self, url: httpx.URL) -> str | None:
        """The header name to carry the token for ``url``, or None (do not send)."""
        if not self.token:
            return None
        host = (url.host or "").lower()
        if host == self._hub:
            return HUB_HEADER
        if host in self._hosts or (url.scheme == "https" and host.endswith(".hf.space")):
            return SPACE_HEADER
        return None

    def apply(self, request: httpx.Request) -> None:
        header = self.header_for(request.url)
        value = f"Bearer {self.token}"
        for name in (HUB_HEADER, SPACE_HEADER):
            if name != header and request.headers.get(name) == value:
                del request.headers[name]  # carried over by a redirect: strip it
        if header is not None:
            request.headers[header] = value
        if self._scoped and not self._trusted(request.url):
            for name, scoped in self._scoped.items():
                if request.headers.get(name) == scoped:
                    del request.headers[name]
        ip_token = current_ip_token()
        if ip_token is not None:
            if self.is_space_host(request.url):
                request.headers.setdefault(IP_TOKEN_HEADER, ip_token)
            elif request.headers.get(IP_TOKEN_HEADER) == ip_token and not self._trusted(
                request.url
            ):
                del request.headers[IP_TOKEN_HEADER]  # carried over by a redirect: strip it

    def sync_hook(self, request: httpx.Request) -> None:
        self.apply(request)

    async def async_hook(self, request: httpx.Request) -> None:
        self.apply(request)
