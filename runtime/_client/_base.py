"""The I/O-free half of the clients: sources, options, the spec, argument binding.

``Client`` and ``AsyncClient`` (``_client.py``) subclass ``_BaseClient`` and add only what
does I/O. Everything here runs before any request, so bad input fails fast and typed.
"""

from __future__ import annotations

import logging
import os
import re
import ssl
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from .._constants import LOGGER_NAME, MAX_RETRIES, SPACE_WAKE_TIMEOUT
from .._exceptions import (
    AuthenticationError,
    DriftError,
    HTTPStatusError,
    InputValidationError,
    ProtocolError,
    UnsupportedFeatureError,
    UsageError,
)
from .._hub._auth import TokenPolicy, resolve_token
from .._hub._ids import parse_space_reference
from .._legacy_info import snapshot_info
from .._protocol._dialect import Dialect, dialect_for
from .._spec import AppSpec, EndpointSpec, config_api_prefix
from .._types import NOT_GIVEN, NotGiven, Timeout
from .._wireview import wire_mismatches
from ._live import LiveApp, LiveFacts, live_app, restart_sign

logger = logging.getLogger(LOGGER_NAME)

R = TypeVar("R")
_SPACE_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def default_transform(values: list[Any]) -> Any:
    """gradio_client's shape: no output -> None, one -> the value, several -> a tuple."""
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(values)


def parse_source(src: str) -> tuple[str, str]:
    """``("url", root_with_slash)``, ``("space", "owner/name")`` or ``("subdomain", sub)``
    (an ``https://sub.hf.space`` URL: the Space id is looked up on the Hub when connecting);
    ``UsageError`` otherwise. A Space page URL (``https://huggingface.co/spaces/owner/name``,
    trailing paths allowed) is the Space id (``_hub._names``)."""
    if not isinstance(src, str) or not src.strip():
        raise UsageError(f"src must be a URL or a Space id 'owner/name', not {src!r}")
    src = src.strip()
    ref = parse_space_reference(src)
    if ref is not None and ref.space_id is not None:
        return "space", ref.space_id
    if ref is not None and ref.subdomain is not None:
        return "subdomain", ref.subdomain
    parts = urlsplit(src)
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise UsageError(f"{src!r} has no host")
        if parts.query or parts.fragment:
            raise UsageError(f"{src!r}: the app URL must not have a query or fragment")
        return "url", src if src.endswith("/") else src + "/"
    if "://" not in src and _SPACE_ID.fullmatch(src) and ".." not in src:
        return "space", src
    raise UsageError(
        f"{src!r} is neither an http(s):// URL nor a Hugging Face Space id like 'owner/name'"
    )


def _dialect_of(config: Mapping[str, Any]) -> Dialect:
    protocol, version = config.get("protocol"), config.get("version")
    queue = config.get("enable_queue")
    return dialect_for(
        protocol if isinstance(protocol, str) else None,
        version if isinstance(version, str) else None,
        queue if isinstance(queue, bool) else None,
    )


def login_error(root: str, exc: HTTPStatusError) -> HTTPStatusError:
    """The error a failed ``POST /login`` raises: 400/401/403 mean wrong credentials."""
    if exc.status_code not in (400, 401, 403):
        return exc
    return AuthenticationError(
        f"login to {root} failed: incorrect username or password",
        status_code=exc.status_code,
        url=exc.url,
        body=exc.body,
    )


def bind_arguments(ep: EndpointSpec, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[Any]:
    """Positional and keyword (by ``parameter_name``) arguments -> visible values in order.

    Missing parameters take their ``parameter_default``; errors name the parameter."""
    params = ep.parameters
    errors: dict[str, list[str]] = {}
    if len(args) > len(params):
        raise InputValidationError(
            ep.api_name, {"*args": [f"takes {len(params)} argument(s), got {len(args)}"]}
        )
    values: list[Any] = list(args)
    names = [p.name for p in params]
    for key in kwargs:
        if key not in names:
            errors.setdefault(key, []).append(
                f"unknown parameter (expected one of: {', '.join(names) or 'none'})"
            )
    for i, param in enumerate(params):
        if i < len(args):
            if param.name in kwargs:
                errors.setdefault(param.name, []).append("given both by position and by keyword")
            continue
        if param.name in kwargs:
            values.append(kwargs[param.name])
        elif param.has_default:
            values.append(param.default)
        else:
            errors.setdefault(param.name, []).append("required, no value given")
            values.append(None)
    if errors:
        raise InputValidationError(ep.api_name, errors)
    return values


class _BaseClient:
    """Options, spec and argument handling shared by the sync and async clients."""

    def __init__(
        self,
        src: str,
        *,
        hf_token: str | NotGiven | None = NOT_GIVEN,
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = MAX_RETRIES,
        verify: bool | str | ssl.SSLContext = True,
        proxy: str | None = None,
        snapshot: Mapping[str, Any] | None = None,
        download_dir: str | os.PathLike[str] | None = None,
        status_callback: Callable[[Any], Any] | None = None,
        space_timeout: float = SPACE_WAKE_TIMEOUT,
        session_hash: str | None = None,
        trust_snapshot: bool = False,
    ) -> None:
        self.src = src
        self._kind, target = parse_source(src)
        self.space_id: str | None = target if self._kind == "space" else None
        self._subdomain: str | None = target if self._kind == "subdomain" else None
        """An ``*.hf.space`` host's subdomain, mapped to ``space_id`` when connecting."""
        self.root: str | None = target if self._kind == "url" else None
        if auth is not None and (
            not isinstance(auth, tuple)
            or len(auth) != 2
            or not all(isinstance(x, str) for x in auth)
        ):
            raise UsageError("auth must be a (username, password) tuple of strings")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise UsageError(f"max_retries must be a non-negative int, not {max_retries!r}")
        if session_hash is not None and (not isinstance(session_hash, str) or not session_hash):
            raise UsageError("session_hash must be a non-empty string")
        try:
            self.timeout = Timeout.coerce(timeout)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        self._auth = auth
        self._headers = dict(headers or {})
        self._max_retries = max_retries
        self._verify = verify
        self._proxy = proxy
        self.download_dir = download_dir
        self.status_callback = status_callback
        self.space_timeout = space_timeout
        self._session_hash = session_hash or uuid.uuid4().hex
        explicit = hf_token is not NOT_GIVEN
        self._explicit_token = explicit
        self.pickle_secrets = False
        """Whether pickling this client carries its secrets (``_portable``: off by default)."""
        self._token_policy = TokenPolicy(resolve_token(hf_token))
        if explicit and self.root is not None:
            self._token_policy.allow_url(self.root)  # the caller passed it for this URL
        self._token_policy.scope_headers(self._headers, self.root)
        self._config: dict[str, Any] | None = None
        self._info: dict[str, Any] | None = None
        self._spec: AppSpec | None = None
        self._dialect: Dialect = dialect_for("sse_v3", None)
        self._wire_prefix: str | None = None
        """The live app's API prefix when it differs from the spec's (``_follow``)."""
        self._trust = bool(trust_snapshot)
        self._live_app: LiveApp | None = None
        self._confirmed: LiveFacts | None = None
        """The live facts ``self._spec`` was last confirmed against (``_confirm``)."""
        if snapshot is not None:
            self._load(snapshot.get("config"), snapshot.get("info"))

    # -- spec ---------------------------------------------------------------------------
    def _load(self, config: Any, info: Any) -> None:
        if not isinstance(config, Mapping):
            raise ProtocolError("the app's /config is not a JSON object")
        dialect = _dialect_of(config)  # UnsupportedProtocolError: gradio 2.x, unknown protocols
        if info is not None and not isinstance(info, Mapping):
            raise ProtocolError("the app's /info is not a JSON object")
        # info None: a release without /info (before 3.29), built from the config
        info = snapshot_info(config, info)
        spec = AppSpec.from_snapshot({"config": config, "info": info})
        self._config, self._info, self._spec = dict(config), info, spec
        self._dialect = dialect
        self._wire_prefix = None

    def _follow(self, config: Mapping[str, Any]) -> None:
        """Speak the live app's protocol and use its routes (``config``: its live /config),
        keeping this client's spec: a generated client's guard calls it after a compatible
        upgrade of the app (``protocol_changed`` / ``api_prefix_changed``), and again when the
        app is back as generated. The session (and the files handler) built for the old
        protocol or routes are replaced."""
        dialect = _dialect_of(config)
        prefix = config_api_prefix(config)
        wire_prefix = None if prefix == self.spec.api_prefix else prefix
        if (dialect, wire_prefix) == (self._dialect, self._wire_prefix):
            return
        self._dialect, self._wire_prefix = dialect, wire_prefix
        self.__dict__.pop("_files", None)
        self.reset_session()

    @property
    def dialect(self) -> Dialect:
        """The app's queue protocol and its differences (see ``_protocol._dialect``)."""
        self.spec  # noqa: B018 - raises when not connected
        return self._dialect

    def _check_callable(self, ep: EndpointSpec) -> None:
        """Before any request: what this app's gradio cannot do raises a typed error."""
        if self._dialect.transport == "direct" and ep.generator:
            raise UnsupportedFeatureError(
                f"streaming the generator {ep.api_name} of an app without a queue",
                version=self._dialect.version,
                protocol=self._dialect.protocol,
                hint="gradio 3.x streams only through its queue; the app must call "
                "demo.queue() (Hugging Face Spaces enable it by default)",
            )

    # -- the live app (``_live``): what confirms the mapping before a join ----------------
    def _live(self) -> LiveApp:
        """This process's facts about the app, shared with every client that reaches the
        same root with the same credentials (only their hash is kept)."""
        app = self._live_app
        if app is None:
            assert self.root is not None
            credentials = (self._auth, self._token_policy.token, sorted(self._headers.items()))
            app = self._live_app = live_app(self.root, credentials)
        return app

    def _check_deadline(self, timeout: float | NotGiven | None = NOT_GIVEN) -> float | None:
        """How long a call may wait for a check another call runs: the call's own bound."""
        bound = self.timeout.job if timeout is NOT_GIVEN else timeout
        return None if bound is None else time.monotonic() + bound

    def _needs_check(self) -> bool:
        """Whether this client's mapping must be confirmed (again) before a join: the
        confirmation may need a request (``_live``)."""
        if self._trust:
            return False
        return self._live_app is None or self._live_app.current() is not self._confirmed

    def _adopt(self, facts: LiveFacts) -> list[str]:
        """``[]`` when ``facts`` confirm the mapping this client has (then remembered);
        otherwise why not: the caller loads the live ``/info`` and calls ``_replace``."""
        if facts is self._confirmed:
            return []
        reasons = wire_mismatches(self.spec, facts.config, limit=3)
        if not reasons:
            self._confirmed = facts
        return reasons

    def _replace(self, facts: LiveFacts, reasons: list[str]) -> None:
        """Take the live API (``facts`` with their ``/info``) as this client's mapping."""
        assert facts.info is not None
        if self._spec is not None:
            logger.info(
                "%s: the live app's API differs from the one this client had (%s); "
                "using the live API",
                self.src,
                "; ".join(reasons),
            )
        before = (self._spec.api_prefix if self._spec else None, self._dialect)
        self._load(facts.config, facts.info)
        self._confirmed = facts
        if before[0] is not None and before != (self.spec.api_prefix, self._dialect):
            self.__dict__.pop("_files", None)  # built for the old routes or protocol
            self.reset_session()  # the session (and its stream) too

    def _same_call(self, ep: EndpointSpec) -> EndpointSpec:
        """After a confirmation: the live endpoint that takes a call bound against ``ep``
        unchanged (same parameters by name and order, same State and output slots: a moved
        ``fn_index`` is followed); ``DriftError`` when the live app changed it otherwise."""
        live = self.spec.endpoints.get(ep.api_name)
        if live is ep:
            return ep
        if live is not None and (
            [p.name for p in live.parameters],
            live.input_slots,
            live.state_inputs,
            live.output_slots,
            live.state_outputs,
            live.connection,
        ) == (
            [p.name for p in ep.parameters],
            ep.input_slots,
            ep.state_inputs,
            ep.output_slots,
            ep.state_outputs,
            ep.connection,
        ):
            return live
        raise DriftError(
            f"{ep.api_name} changed on the live app after this call's arguments were bound "
            "(checked before sending it); call it again"
        )

    def reset_session(self) -> None:
        raise NotImplementedError

    def _suspect(self, exc: BaseException) -> None:
        """A call failed: if the way it failed hints at a restart, re-check before the next
        join (of any client of this app in this process)."""
        if self._live_app is not None and restart_sign(exc):
            self._live_app.suspect()

    @property
    def spec(self) -> AppSpec:
        if self._spec is None:
            raise UsageError("the client is not connected yet (await client.connect())")
        return self._spec

    @property
    def config(self) -> dict[str, Any]:
        """The app's ``/config`` (or the snapshot's)."""
        self.spec  # noqa: B018 - raises when not connected
        assert self._config is not None
        return self._config

    def view_api(self) -> dict[str, Any]:
        """The app's ``/info`` (or the snapshot's): named endpoints, parameters, returns."""
        self.spec  # noqa: B018
        assert self._info is not None
        return self._info

    @property
    def session_hash(self) -> str:
        return self._session_hash

    @property
    def api_url(self) -> str:
        """``{root}{api_prefix}/`` of the app."""
        assert self.root is not None
        prefix = (self.spec.api_prefix if self._wire_prefix is None else self._wire_prefix).strip(
            "/"
        )
        return self.root + prefix + "/" if prefix else self.root

    def _endpoint(self, endpoint: str | int | EndpointSpec) -> EndpointSpec:
        if isinstance(endpoint, EndpointSpec):
            return endpoint
        if isinstance(endpoint, bool) or not isinstance(endpoint, (str, int)):
            raise UsageError(f"endpoint must be an api_name or fn_index, not {endpoint!r}")
        return self.spec.endpoint(endpoint)

    def _wire(self, ep: EndpointSpec, values: list[Any]) -> list[Any]:
        if len(values) != len(ep.parameters):
            raise InputValidationError(
                ep.api_name, {"*args": [f"takes {len(ep.parameters)} value(s), got {len(values)}"]}
            )
        return ep.to_wire(values)

    def _space_token(self) -> str | None:
        return self._token_policy.token

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.src!r}>"
