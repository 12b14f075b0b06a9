"""Space ids and references, pure and cheap: what every client needs of the Hub to read its
``src`` (a URL, a Space id, a Space page or ``*.hf.space`` host), kept apart from ``_status``
and ``_space`` so that a client of a plain URL does not import them.

``parse_space_reference`` is documented with the other ways to name a Space in ``_names``
(which re-exports it).
"""

from __future__ import annotations

import os
import re
from typing import Final
from urllib.parse import urlsplit

from .._constants import HF_ENDPOINT
from .._exceptions import GradioGenError, UsageError
from .._record import Record

PAGE_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co", "www.hf.co"})
SPACE_DOMAIN = "hf.space"
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
_SPACE_ID = re.compile(rf"{_NAME}/{_NAME}")


def is_space_id(source: str) -> bool:
    """True when ``source`` looks like ``owner/name`` (and not like a URL or a file path)."""
    return _SPACE_ID.fullmatch(source) is not None and ".." not in source and "--" not in source


def hub_endpoint(explicit: str | None = None) -> str:
    """The Hub's base URL: ``explicit``, else ``$HF_ENDPOINT``, else the public Hub."""
    url = (explicit or os.environ.get("HF_ENDPOINT") or HF_ENDPOINT).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"HF_ENDPOINT must be an http(s) URL, got {url!r}.")
    return url


class SpaceRef(Record):
    """What a Space reference says: the id, or only the subdomain of the app's host."""

    __slots__ = ("space_id", "subdomain")
    space_id: Final[str | None]
    subdomain: Final[str | None]

    def __init__(self, space_id: str | None = None, subdomain: str | None = None) -> None:
        self.space_id = space_id
        self.subdomain = subdomain


def parse_space_reference(text: object, hf_endpoint: str | None = None) -> SpaceRef | None:
    """A Space id, page URL or ``*.hf.space`` URL -> ``SpaceRef``; anything else -> None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if "://" not in text:
        return SpaceRef(space_id=text) if is_space_id(text) else None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if host in PAGE_HOSTS or parts.netloc.lower() == _endpoint_netloc(hf_endpoint):
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 3 and segments[0] == "spaces":
            candidate = f"{segments[1]}/{segments[2]}"
            return SpaceRef(space_id=candidate) if is_space_id(candidate) else None
        return None
    sub, dot, domain = host.partition(".")
    if dot and domain == SPACE_DOMAIN and _SUBDOMAIN.fullmatch(sub):
        return SpaceRef(subdomain=sub)
    return None


def _endpoint_netloc(hf_endpoint: str | None) -> str | None:
    """``host[:port]`` of the Hub in use (``HF_ENDPOINT``): its Space pages count too."""
    try:
        return urlsplit(hub_endpoint(hf_endpoint)).netloc.lower() or None
    except GradioGenError:
        return None


__all__ = [
    "PAGE_HOSTS",
    "SPACE_DOMAIN",
    "SpaceRef",
    "hub_endpoint",
    "is_space_id",
    "parse_space_reference",
]
