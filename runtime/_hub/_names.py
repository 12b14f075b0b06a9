"""A Space named any way a user has at hand -> its Space id (``owner/name``).

Accepted (``parse_space_reference``, pure, in ``_ids`` and re-exported here):

* ``owner/name``;
* a Space page: ``https://huggingface.co/spaces/owner/name`` (also ``hf.co``, ``www.``, or the
  host of ``HF_ENDPOINT``), with or without trailing paths (``/tree/main``, ``/discussions``),
  a query (``?logs=container``) or a fragment;
* the app's own host: ``https://owner-name.hf.space`` with or without a path, query or
  fragment (they are dropped: the Space's app is served at the host's root).

A host gives only the *subdomain*, and mapping it back is ambiguous: the Hub derives it from
the id by lower-casing and turning ``/``, ``_`` and ``.`` into ``-``, so ``hf-audio-whisper``
may be ``hf/audio-whisper`` or ``hf-audio/whisper``. ``resolve_subdomain_sync`` (and the async
twin) asks the Hub (``GET /api/spaces/{id}``, documented) about each split at a dash, left to
right, and takes the Space whose reported ``subdomain`` (or ``host``) is exactly this one;
the Hub's answer carries the canonical id. When no split exists (a name with ``_`` or ``.``,
or capitals the Hub does not fold), the app's own ``/config`` names its ``space_id``; that
claim is accepted only if the Hub confirms the Space has this subdomain. No token goes to
the host before that confirmation.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from .._constants import SPACE_VISIT_TIMEOUT
from .._exceptions import AuthenticationError, GradioGenError, SpaceNotFoundError
from ._ids import SPACE_DOMAIN, SpaceRef, hub_endpoint, is_space_id, parse_space_reference
from ._space import _async_client, _sync_client, get_space, get_space_sync
from ._status import SpaceInfo

MAX_CANDIDATES = 16
"""Hub look-ups tried for one subdomain (a subdomain has at most 62 dashes; real ones few)."""


def candidate_ids(subdomain: str) -> list[str]:
    """Every ``owner/name`` the subdomain can come from by one dash, left to right."""
    out = []
    for i, ch in enumerate(subdomain):
        if ch == "-":
            cand = f"{subdomain[:i]}/{subdomain[i + 1 :]}"
            if is_space_id(cand):
                out.append(cand)
    return out[:MAX_CANDIDATES]


def serves(info: SpaceInfo, subdomain: str) -> bool:
    """Is ``subdomain`` this Space's (by the Hub's ``subdomain``, else its ``host``)?"""
    host = (urlsplit(info.host).hostname or "").lower()
    return info.subdomain.lower() == subdomain or host.split(".", 1)[0] == subdomain


def _not_found(subdomain: str, tried: list[str], token: str | None) -> SpaceNotFoundError:
    hint = "" if token else " If it is private, pass a Hugging Face token."
    shown = ", ".join(tried) if tried else "no owner/name split"
    return SpaceNotFoundError(
        f"No Space found for {subdomain}.{SPACE_DOMAIN} (tried {shown}). Pass the Space id "
        f"(owner/name) instead.{hint}"
    )


def _claimed_id(response: httpx.Response | None) -> str | None:
    if response is None or response.status_code != 200:
        return None
    try:
        config = response.json()
    except ValueError:
        return None
    claimed = config.get("space_id") if isinstance(config, Mapping) else None
    return claimed if isinstance(claimed, str) and is_space_id(claimed) else None


def _skip(exc: GradioGenError, token: str | None) -> bool:
    """A candidate that is not a (visible) Space: try the next one. Without a token the Hub
    answers 401 for private and missing repos alike."""
    return isinstance(exc, SpaceNotFoundError) or (
        isinstance(exc, AuthenticationError) and not token and exc.status_code == 401
    )


def resolve_subdomain_sync(
    subdomain: str,
    *,
    token: str | None = None,
    hf_endpoint: str | None = None,
    http: httpx.Client | None = None,
    space_url: str | None = None,
) -> str:
    """The id of the Space served at ``{subdomain}.hf.space`` (rules in the module docstring).
    ``space_url``: where that host is (default ``https://{subdomain}.hf.space/``)."""
    endpoint = hub_endpoint(hf_endpoint)
    tried = candidate_ids(subdomain)
    with _sync_client(http) as client:
        for cand in tried:
            try:
                info = get_space_sync(client, endpoint, cand, token)
            except GradioGenError as exc:
                if _skip(exc, token):
                    continue
                raise
            if serves(info, subdomain):
                return info.id
        url = space_url or f"https://{subdomain}.{SPACE_DOMAIN}/"
        try:
            answer: httpx.Response | None = client.get(url + "config", timeout=SPACE_VISIT_TIMEOUT)
        except httpx.HTTPError:
            answer = None
        claimed = _claimed_id(answer)
        if claimed is not None and claimed not in tried:
            try:
                info = get_space_sync(client, endpoint, claimed, token)
            except GradioGenError as exc:
                if not _skip(exc, token):
                    raise
            else:
                if serves(info, subdomain):
                    return info.id
    raise _not_found(subdomain, tried, token)


async def resolve_subdomain(
    subdomain: str,
    *,
    token: str | None = None,
    hf_endpoint: str | None = None,
    http: httpx.AsyncClient | None = None,
    space_url: str | None = None,
) -> str:
    """Async twin of ``resolve_subdomain_sync``."""
    endpoint = hub_endpoint(hf_endpoint)
    tried = candidate_ids(subdomain)
    async with _async_client(http) as client:
        for cand in tried:
            try:
                info = await get_space(client, endpoint, cand, token)
            except GradioGenError as exc:
                if _skip(exc, token):
                    continue
                raise
            if serves(info, subdomain):
                return info.id
        url = space_url or f"https://{subdomain}.{SPACE_DOMAIN}/"
        try:
            answer: httpx.Response | None = await client.get(
                url + "config", timeout=SPACE_VISIT_TIMEOUT
            )
        except httpx.HTTPError:
            answer = None
        claimed = _claimed_id(answer)
        if claimed is not None and claimed not in tried:
            try:
                info = await get_space(client, endpoint, claimed, token)
            except GradioGenError as exc:
                if not _skip(exc, token):
                    raise
            else:
                if serves(info, subdomain):
                    return info.id
    raise _not_found(subdomain, tried, token)


__all__ = [
    "MAX_CANDIDATES",
    "SpaceRef",
    "candidate_ids",
    "parse_space_reference",
    "resolve_subdomain",
    "resolve_subdomain_sync",
    "serves",
]
