"""Hugging Face Spaces over HTTP: Space id -> host, status, wake and wait (sync and async twins).

Only a few documented Hub REST calls, made with httpx (``huggingface_hub`` is never imported):

* ``GET {HF_ENDPOINT}/api/spaces/{id}``: ``host``, ``subdomain``, ``private``, ``runtime.stage``,
  ``runtime.hardware``, ``runtime.errorMessage``;
* ``POST {HF_ENDPOINT}/api/spaces/{id}/restart``: only for a ``STOPPED`` Space (needs write access);
* ``GET {host}/``: the wake-up visit for a ``SLEEPING`` Space (the Hub's proxy wakes it on any
  request; the answer itself is ignored).

All decisions (what a stage means, when to notify, wake, give up, how long to wait) are in the
pure ``SpaceWaiter`` of ``_hub_status.py``; the two drivers here only do the I/O, one request at a
time. The token goes to the Hub as ``Authorization: Bearer`` and to the Space's own host (the host
the Hub reported) as ``x-hf-authorization`` for the wake-up visit, and nowhere else (no redirect is
followed). A caller-supplied httpx client keeps its own token policy (``_auth.TokenPolicy``).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx

from .._constants import (
    CONNECT_TIMEOUT,
    LOGGER_NAME,
    MAX_HUB_REDIRECTS,
    READ_TIMEOUT,
    SPACE_POLL_INITIAL,
    SPACE_POLL_MAX,
    SPACE_VISIT_TIMEOUT,
    SPACE_WAKE_TIMEOUT,
    USER_AGENT_PREFIX,
)
from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    GradioGenError,
    HTTPStatusError,
    ReadTimeout,
    TransportError,
    UsageError,
)
from .._version import __version__
from ._ids import hub_endpoint
from ._status import (
    SpaceInfo,
    SpaceStatus,
    SpaceWaiter,
    WaitStep,
    WakeMethod,
    hub_error,
    is_transient,
    validate_space_id,
    validate_timeout,
)

logger = logging.getLogger(f"{LOGGER_NAME}.hub")

StatusCallback = Callable[[SpaceStatus], Any]
"""Called with each ``SpaceStatus`` worth reporting; the async driver awaits what it returns."""


# -- shared helpers (no I/O) ----------------------------------------------------------------


def hub_headers(token: str | None) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"} if token else {}


def _request_timeout() -> httpx.Timeout:
    return httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)


def _client_kwargs() -> dict[str, Any]:
    return {
        "timeout": _request_timeout(),
        "headers": {"user-agent": f"{USER_AGENT_PREFIX}/{__version__}"},
        "follow_redirects": False,
    }


def transport_error(exc: httpx.HTTPError, url: str) -> TransportError:
    """Map an httpx transport failure to the runtime's tree."""
    if isinstance(exc, httpx.ConnectTimeout):
        return ConnectTimeout(f"Timed out connecting to {url}")
    if isinstance(exc, httpx.TimeoutException):
        return ReadTimeout(f"Timed out waiting for {url}")
    if isinstance(exc, httpx.ConnectError):
        return ConnectError(f"Could not connect to {url}: {exc}")
    return TransportError(f"Request to {url} failed: {exc}")


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def check_hub_response(
    response: httpx.Response, *, space_id: str | None, token: str | None, action: str
) -> Any:
    """The JSON body of a successful Hub answer, else raise the typed error."""
    body = _json_or_text(response)
    if response.is_success:
        return body
    error = hub_error(
        response.status_code,
        url=str(response.request.url),
        body=body,
        headers=response.headers,
        space_id=space_id,
        token_given=bool(token),
        action=action,
    )
    logger.debug("hub %s -> %s", response.request.url, response.status_code)
    raise error


def is_transient_error(error: BaseException) -> bool:
    """Failures worth polling again while waiting: transport trouble, 429 and 5xx gateways."""
    if isinstance(error, HTTPStatusError):
        return is_transient(error.status_code)
    return isinstance(error, TransportError)


def hub_redirect(response: httpx.Response, method: str) -> str | None:
    """Where to go next when the Hub redirects (a renamed Space), or None.

    Only redirects within the Hub's own origin are followed (the token goes nowhere else);
    301/302/303 only for GET (they would change the method), 307/308 for any method."""
    if response.status_code not in (301, 302, 303, 307, 308) or "location" not in response.headers:
        return None
    if response.status_code in (301, 302, 303) and method != "GET":
        return None
    current = response.request.url
    target = current.join(response.headers["location"])
    if (target.scheme, target.netloc) != (current.scheme, current.netloc):
        return None
    logger.debug("hub redirect %s -> %s", current, target)
    return str(target)


def _space_url(endpoint: str, space_id: str, suffix: str = "") -> str:
    return f"{endpoint}/api/spaces/{space_id}{suffix}"


def _check_callback(status_callback: object) -> None:
    if status_callback is not None and not callable(status_callback):
        raise UsageError(f"status_callback must be callable, got {status_callback!r}.")


def _log_step(space_id: str, step: WaitStep) -> None:
    if step.notify is not None:
        logger.info("Space %s: %s (%s)", space_id, step.notify.status, step.notify.stage)


# -- sync driver ----------------------------------------------------------------------------


@contextlib.contextmanager
def _sync_client(http: httpx.Client | None) -> Iterator[httpx.Client]:
    """The caller's client (its own token policy applies) or a private one for this call.

    The private client follows no redirects and carries no token by default: each request sets
    the token header itself, so it reaches exactly the Hub and the Space's reported host."""
    if http is not None:
        yield http
        return
    with httpx.Client(**_client_kwargs()) as client:
        yield client


def hub_request_sync(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    token: str | None,
    space_id: str | None,
    action: str,
    json: Any = None,
    timeout: float | None = None,
) -> Any:
    target = url
    for _ in range(MAX_HUB_REDIRECTS + 1):
        try:
            response = client.request(
                method,
                target,
                headers=hub_headers(token),
                json=json,
                timeout=_request_timeout() if timeout is None else timeout,
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc, target) from exc
        next_url = hub_redirect(response, method)
        if next_url is None:
            break
        target = next_url
    return check_hub_response(response, space_id=space_id, token=token, action=action)


def get_space_sync(
    client: httpx.Client,
    endpoint: str,
    space_id: str,
    token: str | None,
    timeout: float | None = None,
) -> SpaceInfo:
    data = hub_request_sync(
        client,
        "GET",
        _space_url(endpoint, space_id),
        token=token,
        space_id=space_id,
        action=f"look up Space {space_id}",
        timeout=timeout,
    )
    return SpaceInfo.from_api(data, space_id)


def _wake_sync(
    client: httpx.Client, endpoint: str, info: SpaceInfo, token: str | None, how: WakeMethod
) -> None:
    if how == "restart" and token:
        try:
            hub_request_sync(
                client,
                "POST",
                _space_url(endpoint, info.id, "/restart"),
                token=token,
                space_id=info.id,
                action=f"restart Space {info.id}",
            )
            logger.info("Space %s: restart requested", info.id)
            return
        except GradioGenError as exc:
            logger.info("Space %s: restart refused (%s); visiting its host instead", info.id, exc)
    try:
        client.get(info.url, headers=_space_headers(token), timeout=SPACE_VISIT_TIMEOUT)
        logger.info("Space %s: wake-up visit sent to %s", info.id, info.host)
    except httpx.HTTPError as exc:  # the visit's answer does not matter, only that it was made
        logger.debug("Space %s: wake-up visit: %s", info.id, exc)


def _space_headers(token: str | None) -> dict[str, str]:
    return {"x-hf-authorization": f"Bearer {token}"} if token else {}


def resolve_space_sync(
    space_id: str,
    *,
    token: str | None = None,
    hf_endpoint: str | None = None,
    http: httpx.Client | None = None,
    status_callback: StatusCallback | None = None,
    timeout: float = SPACE_WAKE_TIMEOUT,
    wait: bool = True,
    poll_initial: float = SPACE_POLL_INITIAL,
    poll_max: float = SPACE_POLL_MAX,
    on_host: Callable[[str], Any] | None = None,
) -> SpaceInfo:
    """Look up a Space and, unless ``wait=False``, wake it / wait until it runs.

    Returns the Hub's info once the Space runs (``host`` is where to connect). Raises
    ``SpaceNotFoundError``, ``AuthenticationError`` (private Space, no or bad token),
    ``SpaceStateError`` (paused or an error stage, ``.stage`` says which), ``SpaceTimeoutError``
    (not running within ``timeout`` seconds) or a ``TransportError``.

    ``on_host`` is called with the Space's root URL as soon as the Hub reports it, before any
    request to that host (the engine allows the host in its token policy there).
    """
    space_id = validate_space_id(space_id)
    endpoint = hub_endpoint(hf_endpoint)
    timeout = validate_timeout(timeout, "Space timeout")
    _check_callback(status_callback)
    with _sync_client(http) as client:
        info = get_space_sync(client, endpoint, space_id, token)
        if on_host is not None:
            on_host(info.url)
        if not wait:
            return info
        waiter = SpaceWaiter(
            space_id,
            timeout=timeout,
            start=time.monotonic(),
            poll_initial=poll_initial,
            poll_max=poll_max,
        )
        step = waiter.observe(info, time.monotonic())
        while True:
            _log_step(space_id, step)
            if step.notify is not None and status_callback is not None:
                status_callback(step.notify)
            if step.error is not None:
                raise step.error
            if step.done:
                return info
            if step.wake is not None:
                _wake_sync(client, endpoint, info, token, step.wake)
            time.sleep(step.delay)
            remaining = max(waiter.deadline - time.monotonic(), 1.0)
            try:
                info = get_space_sync(
                    client, endpoint, space_id, token, min(remaining, READ_TIMEOUT)
                )
            except GradioGenError as exc:
                if not is_transient_error(exc):
                    raise
                logger.info("Space %s: poll failed, will retry: %s", space_id, exc)
                step = waiter.poll_failed(exc, time.monotonic())
                continue
            step = waiter.observe(info, time.monotonic())


# -- async driver ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _async_client(http: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    if http is not None:
        yield http
        return
    async with httpx.AsyncClient(**_client_kwargs()) as client:
        yield client


async def hub_request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    token: str | None,
    space_id: str | None,
    action: str,
    json: Any = None,
    timeout: float | None = None,
) -> Any:
    target = url
    for _ in range(MAX_HUB_REDIRECTS + 1):
        try:
            response = await client.request(
                method,
                target,
                headers=hub_headers(token),
                json=json,
                timeout=_request_timeout() if timeout is None else timeout,
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc, target) from exc
        next_url = hub_redirect(response, method)
        if next_url is None:
            break
        target = next_url
    return check_hub_response(response, space_id=space_id, token=token, action=action)


async def get_space(
    client: httpx.AsyncClient,
    endpoint: str,
    space_id: str,
    token: str | None,
    timeout: float | None = None,
) -> SpaceInfo:
    data = await hub_request(
        client,
        "GET",
        _space_url(endpoint, space_id),
        token=token,
        space_id=space_id,
        action=f"look up Space {space_id}",
        timeout=timeout,
    )
    return SpaceInfo.from_api(data, space_id)


async def _wake(
    client: httpx.AsyncClient, endpoint: str, info: SpaceInfo, token: str | None, how: WakeMethod
) -> None:
    if how == "restart" and token:
        try:
            await hub_request(
                client,
                "POST",
                _space_url(endpoint, info.id, "/restart"),
                token=token,
                space_id=info.id,
                action=f"restart Space {info.id}",
            )
            logger.info("Space %s: restart requested", info.id)
            return
        except GradioGenError as exc:
            logger.info("Space %s: restart refused (%s); visiting its host instead", info.id, exc)
    try:
        await client.get(info.url, headers=_space_headers(token), timeout=SPACE_VISIT_TIMEOUT)
        logger.info("Space %s: wake-up visit sent to %s", info.id, info.host)
    except httpx.HTTPError as exc:
        logger.debug("Space %s: wake-up visit: %s", info.id, exc)


async def _notify(status_callback: StatusCallback | None, status: SpaceStatus | None) -> None:
    if status is None or status_callback is None:
        return
    result = status_callback(status)
    if inspect.isawaitable(result):
        await result


async def resolve_space(
    space_id: str,
    *,
    token: str | None = None,
    hf_endpoint: str | None = None,
    http: httpx.AsyncClient | None = None,
    status_callback: StatusCallback | Callable[[SpaceStatus], Awaitable[Any]] | None = None,
    timeout: float = SPACE_WAKE_TIMEOUT,
    wait: bool = True,
    poll_initial: float = SPACE_POLL_INITIAL,
    poll_max: float = SPACE_POLL_MAX,
    on_host: Callable[[str], Any] | None = None,
) -> SpaceInfo:
    """Async twin of ``resolve_space_sync`` (``status_callback`` may be a coroutine function)."""
    import asyncio  # imported by the caller's event loop already, not at this module's import

    space_id = validate_space_id(space_id)
    endpoint = hub_endpoint(hf_endpoint)
    timeout = validate_timeout(timeout, "Space timeout")
    _check_callback(status_callback)
    async with _async_client(http) as client:
        info = await get_space(client, endpoint, space_id, token)
        if on_host is not None:
            on_host(info.url)
        if not wait:
            return info
        loop = asyncio.get_running_loop()
        waiter = SpaceWaiter(
            space_id,
            timeout=timeout,
            start=loop.time(),
            poll_initial=poll_initial,
            poll_max=poll_max,
        )
        step = waiter.observe(info, loop.time())
        while True:
            _log_step(space_id, step)
            await _notify(status_callback, step.notify)
            if step.error is not None:
                raise step.error
            if step.done:
                return info
            if step.wake is not None:
                await _wake(client, endpoint, info, token, step.wake)
            await asyncio.sleep(step.delay)
            remaining = max(waiter.deadline - loop.time(), 1.0)
            try:
                info = await get_space(
                    client, endpoint, space_id, token, min(remaining, READ_TIMEOUT)
                )
            except GradioGenError as exc:
                if not is_transient_error(exc):
                    raise
                logger.info("Space %s: poll failed, will retry: %s", space_id, exc)
                step = waiter.poll_failed(exc, loop.time())
                continue
            step = waiter.observe(info, loop.time())
