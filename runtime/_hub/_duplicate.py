"""Duplicating a Hugging Face Space for your own use (sync and async twins).

``duplicate_space_sync(from_space, to_id=None, ...)`` / ``await duplicate_space(...)``:

1. validate everything (ids, hardware name, secrets, sleep time, timeout) and require a token,
   before any request;
2. ``GET /api/spaces/{from_space}`` (the source must be visible; its hardware is the default for a
   new copy, as in both official clients) and ``GET /api/whoami-v2`` (the user name) when ``to_id``
   has no namespace;
3. target ``<user>/<name>`` exists -> reuse it: request ``hardware`` if given and different
   (``POST /api/spaces/{id}/hardware {"flavor"}``), set the sleep time if given
   (``POST .../sleeptime {"seconds"}``), add ``secrets`` if given (``POST .../secrets``);
   else ``POST /api/spaces/{from}/duplicate {"repository", "visibility", "hardware"}`` (a 409
   means someone created it meanwhile: reuse it), then the secrets, then the sleep time (default
   ``DUPLICATE_SLEEP_TIME`` on paid hardware, so a forgotten copy stops costing money);
4. wait until the copy runs (same waiter as connecting: ``status_callback``, ``timeout``);
   return its id.

The sleep time is in **minutes** (``sleep_timeout``), like ``gradio_client.Client.duplicate``;
free ``cpu-basic`` hardware always sleeps after 48 h and cannot be configured, so a sleep time is
skipped there (with a ``UserWarning``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .._constants import (
    DUPLICATE_SLEEP_TIME,
    LOGGER_NAME,
    SPACE_POLL_INITIAL,
    SPACE_POLL_MAX,
    SPACE_WAKE_TIMEOUT,
)
from .._exceptions import HTTPStatusError, ProtocolError, SpaceNotFoundError, UsageError
from .._types import NOT_GIVEN, NotGiven
from .._warn import warn_user
from ._auth import resolve_token
from ._ids import hub_endpoint, is_space_id, parse_space_reference
from ._names import resolve_subdomain, resolve_subdomain_sync
from ._space import (
    StatusCallback,
    _async_client,
    _sync_client,
    get_space,
    get_space_sync,
    hub_request,
    hub_request_sync,
    resolve_space,
    resolve_space_sync,
)
from ._status import (
    FREE_HARDWARE,
    SpaceInfo,
    validate_hardware,
    validate_space_id,
    validate_timeout,
)

logger = logging.getLogger(f"{LOGGER_NAME}.hub")


@dataclass(frozen=True)
class DuplicatePlan:
    """The validated request (pure)."""

    from_space: str
    namespace: str | None
    name: str
    private: bool
    hardware: str | None
    secrets: dict[str, str]
    sleep_timeout: int | None
    timeout: float

    def target(self, user: str | None) -> str:
        return f"{self.namespace or user}/{self.name}"


@dataclass(frozen=True)
class HubCall:
    method: str
    suffix: str
    json: Any
    action: str


def plan_duplicate(
    from_space: object,
    to_id: object = None,
    *,
    private: object = True,
    hardware: object = None,
    secrets: object = None,
    sleep_timeout: object = None,
    timeout: object = SPACE_WAKE_TIMEOUT,
) -> DuplicatePlan:
    """Validate every argument of ``duplicate`` (``UsageError`` before any request).
    ``from_space`` is an id or a Space page URL (an ``*.hf.space`` URL is mapped to its id
    by the drivers first, which needs the Hub)."""
    ref = parse_space_reference(from_space)
    source = validate_space_id(ref.space_id if ref is not None and ref.space_id else from_space)
    namespace: str | None = None
    name = source.split("/")[1]
    if to_id is not None:
        if not isinstance(to_id, str) or not (
            is_space_id(to_id) or is_space_id(f"placeholder/{to_id}")
        ):
            raise UsageError(f"to_id must be 'name' or 'owner/name', got {to_id!r}.")
        namespace, _, name = to_id.rpartition("/")
        namespace = namespace or None
    if not isinstance(private, bool):
        raise UsageError(f"private must be True or False, got {private!r}.")
    hw = None if hardware is None else validate_hardware(hardware)
    if secrets is None:
        secret_map: dict[str, str] = {}
    elif isinstance(secrets, Mapping) and all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in secrets.items()
    ):
        secret_map = dict(secrets)
    else:
        raise UsageError("secrets must be a mapping of non-empty str names to str values.")
    if sleep_timeout is not None and (
        isinstance(sleep_timeout, bool)
        or not isinstance(sleep_timeout, int)
        or not (sleep_timeout > 0 or sleep_timeout == -1)
    ):
        raise UsageError(
            f"sleep_timeout is in minutes: a positive int (or -1: never sleep), got {sleep_timeout!r}."
        )
    return DuplicatePlan(
        from_space=source,
        namespace=namespace,
        name=name,
        private=private,
        hardware=hw,
        secrets=secret_map,
        sleep_timeout=sleep_timeout,
        timeout=validate_timeout(timeout, "timeout"),
    )


def create_payload(plan: DuplicatePlan, target: str, source: SpaceInfo) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "repository": target,
        "visibility": "private" if plan.private else "public",
    }
    hardware = plan.hardware or source.hardware
    if hardware and hardware != FREE_HARDWARE:
        payload["hardware"] = hardware
    return payload


def follow_up_calls(
    plan: DuplicatePlan, *, created: bool, source: SpaceInfo, target: SpaceInfo | None
) -> list[HubCall]:
    """The requests after creating (``created``) or finding (``target``) the copy."""
    calls: list[HubCall] = []
    if created:
        hardware = plan.hardware or source.hardware or FREE_HARDWARE
    else:
        assert target is not None
        current = target.requested_hardware or target.hardware or FREE_HARDWARE
        hardware = plan.hardware or current
        if plan.hardware is not None and plan.hardware != current:
            calls.append(
                HubCall("POST", "/hardware", {"flavor": plan.hardware}, "request hardware")
            )
    for key, value in plan.secrets.items():
        calls.append(HubCall("POST", "/secrets", {"key": key, "value": value}, "add a secret"))
    seconds: int | None
    if plan.sleep_timeout is not None:
        seconds = plan.sleep_timeout * 60 if plan.sleep_timeout > 0 else -1
    else:
        seconds = DUPLICATE_SLEEP_TIME if created else None
    if seconds is not None:
        if hardware == FREE_HARDWARE:
            if plan.sleep_timeout is not None:
                warn_user(
                    f"sleep_timeout ignored: Spaces on free {FREE_HARDWARE} hardware sleep after "
                    "48 h and the Hub does not let you change it."
                )
        else:
            calls.append(HubCall("POST", "/sleeptime", {"seconds": seconds}, "set the sleep time"))
    return calls


def _subdomain(from_space: object, to_id: object, *options: Any) -> str | None:
    """The subdomain when ``from_space`` is an ``*.hf.space`` URL (after checking every other
    argument, so a bad one fails before the Hub look-up), else None."""
    ref = parse_space_reference(from_space)
    if ref is None or ref.subdomain is None:
        return None
    private, hardware, secrets, sleep_timeout, timeout = options
    plan_duplicate(
        "owner/name", to_id, private=private, hardware=hardware, secrets=secrets,
        sleep_timeout=sleep_timeout, timeout=timeout,
    )  # fmt: skip
    return ref.subdomain


def _token(hf_token: str | NotGiven | None) -> str:
    token = resolve_token(hf_token)
    if not token:
        raise UsageError(
            "Duplicating a Space needs a Hugging Face token with write access: pass "
            "hf_token=..., set HF_TOKEN, or log in with `hf auth login`."
        )
    return token


def _user_name(whoami: Any) -> str:
    name = whoami.get("name") if isinstance(whoami, Mapping) else None
    if not isinstance(name, str) or not is_space_id(f"{name}/x"):
        raise ProtocolError(f"The Hub's whoami-v2 answer has no valid user name: {whoami!r}")
    return name


def _is_conflict(exc: HTTPStatusError) -> bool:
    return exc.status_code == 409


# -- sync -----------------------------------------------------------------------------------


def duplicate_space_sync(
    from_space: str,
    to_id: str | None = None,
    *,
    hf_token: str | NotGiven | None = NOT_GIVEN,
    private: bool = True,
    hardware: str | None = None,
    secrets: Mapping[str, str] | None = None,
    sleep_timeout: int | None = None,
    timeout: float = SPACE_WAKE_TIMEOUT,
    status_callback: StatusCallback | None = None,
    hf_endpoint: str | None = None,
    http: httpx.Client | None = None,
    poll_initial: float = SPACE_POLL_INITIAL,
    poll_max: float = SPACE_POLL_MAX,
) -> str:
    """Create (or reuse) your copy of ``from_space``, wait until it runs, return its id."""
    sub = _subdomain(from_space, to_id, private, hardware, secrets, sleep_timeout, timeout)
    if sub is not None:  # an *.hf.space URL: its id from the Hub (the rest is validated)
        from_space = resolve_subdomain_sync(
            sub, token=resolve_token(hf_token), hf_endpoint=hf_endpoint, http=http
        )
    plan = plan_duplicate(
        from_space,
        to_id,
        private=private,
        hardware=hardware,
        secrets=secrets,
        sleep_timeout=sleep_timeout,
        timeout=timeout,
    )
    token = _token(hf_token)
    endpoint = hub_endpoint(hf_endpoint)
    with _sync_client(http) as client:

        def call(
            method: str, url: str, action: str, json: Any = None, sid: str | None = None
        ) -> Any:
            return hub_request_sync(
                client, method, url, token=token, space_id=sid, action=action, json=json
            )

        source = get_space_sync(client, endpoint, plan.from_space, token)
        user: str | None = None
        if plan.namespace is None:
            user = _user_name(call("GET", f"{endpoint}/api/whoami-v2", "identify the token's user"))
        target = plan.target(user)
        try:
            existing: SpaceInfo | None = get_space_sync(client, endpoint, target, token)
        except SpaceNotFoundError:
            existing = None
        if existing is None:
            try:
                call(
                    "POST",
                    f"{endpoint}/api/spaces/{plan.from_space}/duplicate",
                    f"duplicate Space {plan.from_space}",
                    create_payload(plan, target, source),
                    plan.from_space,
                )
                logger.info("Space %s: created as a copy of %s", target, plan.from_space)
            except HTTPStatusError as exc:
                if not _is_conflict(exc):
                    raise
                existing = get_space_sync(client, endpoint, target, token)
        else:
            logger.info("Space %s: reusing your existing copy", target)
        for c in follow_up_calls(plan, created=existing is None, source=source, target=existing):
            call(c.method, f"{endpoint}/api/spaces/{target}{c.suffix}", c.action, c.json, target)
    resolve_space_sync(
        target,
        token=token,
        hf_endpoint=endpoint,
        http=http,
        status_callback=status_callback,
        timeout=plan.timeout,
        poll_initial=poll_initial,
        poll_max=poll_max,
    )
    return target


# -- async ----------------------------------------------------------------------------------


async def duplicate_space(
    from_space: str,
    to_id: str | None = None,
    *,
    hf_token: str | NotGiven | None = NOT_GIVEN,
    private: bool = True,
    hardware: str | None = None,
    secrets: Mapping[str, str] | None = None,
    sleep_timeout: int | None = None,
    timeout: float = SPACE_WAKE_TIMEOUT,
    status_callback: StatusCallback | None = None,
    hf_endpoint: str | None = None,
    http: httpx.AsyncClient | None = None,
    poll_initial: float = SPACE_POLL_INITIAL,
    poll_max: float = SPACE_POLL_MAX,
) -> str:
    """Async twin of ``duplicate_space_sync``."""
    sub = _subdomain(from_space, to_id, private, hardware, secrets, sleep_timeout, timeout)
    if sub is not None:
        from_space = await resolve_subdomain(
            sub, token=resolve_token(hf_token), hf_endpoint=hf_endpoint, http=http
        )
    plan = plan_duplicate(
        from_space,
        to_id,
        private=private,
        hardware=hardware,
        secrets=secrets,
        sleep_timeout=sleep_timeout,
        timeout=timeout,
    )
    token = _token(hf_token)
    endpoint = hub_endpoint(hf_endpoint)
    async with _async_client(http) as client:

        async def call(
            method: str, url: str, action: str, json: Any = None, sid: str | None = None
        ) -> Any:
            return await hub_request(
                client, method, url, token=token, space_id=sid, action=action, json=json
            )

        source = await get_space(client, endpoint, plan.from_space, token)
        user: str | None = None
        if plan.namespace is None:
            who = await call("GET", f"{endpoint}/api/whoami-v2", "identify the token's user")
            user = _user_name(who)
        target = plan.target(user)
        try:
            existing: SpaceInfo | None = await get_space(client, endpoint, target, token)
        except SpaceNotFoundError:
            existing = None
        if existing is None:
            try:
                await call(
                    "POST",
                    f"{endpoint}/api/spaces/{plan.from_space}/duplicate",
                    f"duplicate Space {plan.from_space}",
                    create_payload(plan, target, source),
                    plan.from_space,
                )
                logger.info("Space %s: created as a copy of %s", target, plan.from_space)
            except HTTPStatusError as exc:
                if not _is_conflict(exc):
                    raise
                existing = await get_space(client, endpoint, target, token)
        else:
            logger.info("Space %s: reusing your existing copy", target)
        for c in follow_up_calls(plan, created=existing is None, source=source, target=existing):
            await call(
                c.method, f"{endpoint}/api/spaces/{target}{c.suffix}", c.action, c.json, target
            )
    await resolve_space(
        target,
        token=token,
        hf_endpoint=endpoint,
        http=http,
        status_callback=status_callback,
        timeout=plan.timeout,
        poll_initial=poll_initial,
        poll_max=poll_max,
    )
    return target
