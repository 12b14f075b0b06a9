"""``is_url``: what counts as a URL where a file is expected (pure; shared by ``_file`` and
``_io``, which must not import each other both ways)."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["is_url"]


def is_url(value: str) -> bool:
    """True for an ``http://`` or ``https://`` URL with a host."""
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
