"""SOURCE -> snapshot: a Space (id, page URL or ``*.hf.space`` host, via the runtime's hub), a
URL (httpx), or a snapshot file.

A snapshot is one JSON object with ``"config"`` (``/config``) and ``"info"`` (``{api_prefix}/info``;
for releases without one, before gradio 3.29, built from the config and marked
``"info_source": "config"``); any other keys are metadata (``source``, ``gradio_version``,
``generator_version``). Apps gradio-gen cannot serve (gradio 2.x, unrecognised configs or
protocols) are refused here, naming their version. Problems a user can fix raise
``SourceError`` with a message that says what to do; nothing here prints.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gradio_gen_runtime._exceptions import ProtocolError
from gradio_gen_runtime._hub._names import parse_space_reference
from gradio_gen_runtime._legacy_info import info_from_config, info_route, unsupported_reason
from gradio_gen_runtime._spec import AppSpec
from gradio_gen_runtime._version import __version__

_SPACE_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
FETCH_TIMEOUT = 30.0


class SourceError(Exception):
    """A problem with SOURCE the user can act on (the message says how)."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        self.exit_code = exit_code
        super().__init__(message)


_HOST_PORT = re.compile(
    r"^(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|[A-Za-z0-9][\w.-]*:\d+)"
    r"(?::\d+)?(?:/.*)?$"
)


def normalize_url(url: str) -> str:
    """The app's root URL as a client stores it: scheme and host lower-cased, no user info, no
    query or fragment, a trailing slash (``http://Host:7860`` and ``http://host:7860/?x=1``
    are the same app: the same SOURCE, the same module)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    path = parts.path.rstrip("/") + "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, "", ""))


def space_of(source: str) -> str | None:
    """The Space id a Space page URL names (``https://huggingface.co/spaces/owner/name``,
    trailing paths, query and fragment allowed); None for anything else."""
    if "://" not in source:
        return None
    ref = parse_space_reference(source)
    return ref.space_id if ref is not None else None


def subdomain_of(source: str) -> str | None:
    """The subdomain of an ``https://owner-name.hf.space`` URL (any path), else None."""
    ref = parse_space_reference(source)
    return ref.subdomain if ref is not None else None


def kind_of(source: str) -> str:
    """``"url"``, ``"file"`` or ``"space"`` (a Space id, page URL or ``*.hf.space`` URL)."""
    if space_of(source) or subdomain_of(source):
        return "space"
    if re.match(r"^https?://", source, re.I):
        return "url"
    if os.path.exists(source) or source.endswith(".json"):
        return "file"
    if _SPACE_ID.match(source):
        return "space"
    return "file"


def validate(snapshot: Any, where: str) -> dict[str, Any]:
    """Check the shape (naming the offending key), that gradio-gen can serve the app (else
    ``SourceError`` with exit code 3 naming its gradio version) and that it describes at
    least one app. ``info`` may be absent only for releases without one (before 3.29)."""
    if not isinstance(snapshot, Mapping):
        raise SourceError(f"{where}: a snapshot must be a JSON object with 'info' and 'config'")
    for key in ("config", "info"):
        if key not in snapshot:
            if key == "info" and info_route(snapshot["config"]) is None:
                continue
            raise SourceError(f"{where}: the snapshot has no {key!r} key")
        if not isinstance(snapshot[key], Mapping):
            raise SourceError(f"{where}: snapshot[{key!r}] must be a JSON object")
    refused(snapshot["config"], where)
    try:
        AppSpec.from_snapshot(snapshot)
    except ProtocolError as exc:
        raise SourceError(f"{where}: malformed snapshot: {exc}") from None
    return dict(snapshot)


def refused(config: Any, where: str) -> None:
    """``SourceError`` (exit 3) when gradio-gen cannot serve this app: gradio 2.x, a config it
    does not recognise, or an unknown protocol. One line that names the gradio version."""
    reason = unsupported_reason(config)
    if reason is not None:
        raise SourceError(f"{where}: cannot generate a client: {reason}", exit_code=3)


def load_file(path: str) -> dict[str, Any]:
    p = Path(path)
    if p.is_dir():
        raise SourceError(f"{path}: is a directory, not a snapshot file")
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        if _HOST_PORT.match(path):
            raise SourceError(
                f"{path}: no such file; for the app at that address give its URL: "
                f"http://{path.rstrip('/')}/"
            ) from None
        raise SourceError(
            f"{path}: no such file (SOURCE is a Space id 'owner/name', an http(s) URL, "
            "or a snapshot .json file)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    return validate(data, path)


def auth_from(given: str | None) -> tuple[str, str] | None:
    """``--auth USER:PASSWORD`` (else the ``GRADIO_GEN_AUTH`` variable) -> (user, password).
    Never stored: snapshots and generated modules hold no credentials."""
    where = "--auth"
    if given is None:
        given, where = os.environ.get("GRADIO_GEN_AUTH") or None, "GRADIO_GEN_AUTH"
    if given is None:
        return None
    user, colon, password = given.partition(":")
    if not colon or not user:
        raise SourceError(f"{where} must be USER:PASSWORD", exit_code=2)
    return user, password


def fetch_url(
    url: str, *, hf_token: str | None = None, auth: tuple[str, str] | None = None
) -> dict[str, Any]:
    """GET ``{root}/config`` and ``{root}{api_prefix}/info`` (after ``POST {root}login`` when
    ``auth`` is given: Gradio's password login, its cookie kept for the two GETs)."""
    import httpx
    from gradio_gen_runtime._hub._auth import TokenPolicy

    parts = urlsplit(url)  # the app root: no query or fragment
    root = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/", "", ""))
    headers = {"user-agent": f"gradio-gen/{__version__}"}
    policy = TokenPolicy(hf_token)  # the token goes to this host only, never along a redirect
    policy.allow_url(root)
    hooks = {"request": [policy.sync_hook]}
    try:
        with httpx.Client(
            timeout=FETCH_TIMEOUT, headers=headers, follow_redirects=True, event_hooks=hooks
        ) as http:
            if auth is not None:
                _login(http, root, auth, url)
            config = _get_json(http, root + "config", url)
            refused(config, url)
            route = info_route(config)
            info = _get_json(http, root + route, url) if route is not None else None
    except httpx.TransportError as exc:
        raise SourceError(
            f"{url}: cannot reach the app ({type(exc).__name__}: {exc}). Is it running, and is "
            "the URL right?",
            exit_code=3,
        ) from None
    snapshot = {
        "source": normalize_url(url),
        "gradio_version": config.get("version") if isinstance(config, Mapping) else None,
        "generator_version": __version__,
        "config": config,
        "info": info if info is not None else info_from_config(config),
    }
    if info is None:
        snapshot["info_source"] = "config"  # a release without /info (before 3.29)
    return validate(snapshot, url)


def _login(http: Any, root: str, auth: tuple[str, str], source: str) -> None:
    user, password = auth
    response = http.post(root + "login", data={"username": user, "password": password})
    if response.status_code in (400, 401, 403):
        raise SourceError(
            f"{source}: login failed ({response.status_code}): incorrect username or password",
            exit_code=3,
        )
    if response.status_code >= 400:
        raise SourceError(
            f"{source}: login failed: {root}login returned HTTP {response.status_code}",
            exit_code=3,
        )


def _get_json(http: Any, url: str, source: str) -> Any:
    response = http.get(url)
    if response.status_code in (401, 403):
        raise SourceError(
            f"{source}: access denied ({response.status_code}). For a private Space pass "
            "--hf-token (or set HF_TOKEN); for a password-protected app pass --auth "
            "USER:PASSWORD (or set GRADIO_GEN_AUTH).",
            exit_code=3,
        )
    if response.status_code == 404:
        raise SourceError(
            f"{source}: {url} returned 404: this does not look like a Gradio app",
            exit_code=3,
        )
    if response.status_code >= 400:
        raise SourceError(f"{source}: {url} returned HTTP {response.status_code}", exit_code=3)
    try:
        return response.json()
    except ValueError:
        raise SourceError(
            f"{source}: {url} did not return JSON: not a Gradio app?", exit_code=3
        ) from None


def fetch_space(
    space_id: str,
    *,
    hf_token: str | None = None,
    status_callback: Any = None,
    auth: tuple[str, str] | None = None,
) -> dict[str, Any]:
    from gradio_gen_runtime import _exceptions as errors
    from gradio_gen_runtime._hub._space import resolve_space_sync

    try:
        info = resolve_space_sync(space_id, token=hf_token, status_callback=status_callback)
    except errors.SpaceNotFoundError:
        raise SourceError(
            f"Space {space_id!r} was not found. Check the id (owner/name); if it is private, "
            "pass --hf-token or set HF_TOKEN.",
            exit_code=3,
        ) from None
    except errors.AuthenticationError:
        if hf_token:
            message = (
                f"Space {space_id!r}: the token was refused or cannot see this Space (it may "
                "not exist); check the id and the token's access."
            )
        else:
            message = (
                f"Space {space_id!r} was not found, or it is private: check the id (owner/name); "
                "for a private Space pass --hf-token (or set HF_TOKEN)."
            )
        raise SourceError(message, exit_code=3) from None
    except errors.GradioGenError as exc:
        raise SourceError(f"Space {space_id!r}: {exc}", exit_code=3) from None
    host = getattr(info, "host", None)
    if not isinstance(host, str) or not host:
        raise SourceError(f"Space {space_id!r} has no host: is it a Gradio Space?", exit_code=3)
    snapshot = fetch_url(host, hf_token=hf_token, auth=auth)
    snapshot["source"] = space_id
    return snapshot


def load(
    source: str,
    *,
    hf_token: str | None = None,
    status_callback: Any = None,
    auth: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """SOURCE -> validated snapshot dict (``auth``: Gradio password login; unused for files)."""
    kind = kind_of(source)
    if kind == "url":
        return fetch_url(source, hf_token=hf_token, auth=auth)
    if kind == "space":
        from gradio_gen_runtime._hub._auth import resolve_token

        token = hf_token if hf_token is not None else resolve_token()
        return fetch_space(
            space_id_of(source, token),
            hf_token=token,
            status_callback=status_callback,
            auth=auth,
        )
    return load_file(source)


def space_id_of(source: str, token: str | None) -> str:
    """The Space id SOURCE names: an id, a page URL, or an ``*.hf.space`` URL (looked up on
    the Hub, see ``gradio_gen_runtime._hub._names``)."""
    sub = subdomain_of(source)
    if sub is None:
        return space_of(source) or source
    from gradio_gen_runtime import _exceptions as errors
    from gradio_gen_runtime._hub._names import resolve_subdomain_sync

    try:
        return resolve_subdomain_sync(sub, token=token)
    except errors.SpaceNotFoundError as exc:
        raise SourceError(f"{source}: {exc}", exit_code=3) from None
    except errors.GradioGenError as exc:
        raise SourceError(f"{source}: cannot find its Space id: {exc}", exit_code=3) from None


def default_source(snapshot: Mapping[str, Any], given: str) -> str:
    """What the generated client connects to by default: the Space id (a Space named by its
    page or its ``*.hf.space`` host: the id it was mapped to), or the app's URL normalised
    (``normalize_url``). A snapshot file gives what it was fetched from, so the URL (with or
    without its slash) and the snapshot saved from it give the same SOURCE."""
    kind = kind_of(given)
    if kind == "space":
        meta = snapshot.get("source")
        if isinstance(meta, str) and _SPACE_ID.match(meta):
            return meta
        return space_of(given) or given
    if kind == "url":
        return normalize_url(given)
    meta = snapshot.get("source")
    if isinstance(meta, str) and kind_of(meta) in ("url", "space") and not os.path.exists(meta):
        return space_of(meta) or (normalize_url(meta) if kind_of(meta) == "url" else meta)
    space = snapshot.get("config", {}).get("space_id")
    if isinstance(space, str) and _SPACE_ID.match(space):
        return space
    return ""


def save(snapshot: Mapping[str, Any], path: str) -> None:
    """Write a snapshot (sorted keys, so it diffs well and is byte-stable)."""
    data = dict(snapshot)
    data.setdefault("generator_version", __version__)
    Path(path).write_text(
        json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
