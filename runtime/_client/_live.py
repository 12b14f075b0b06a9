"""What this process knows about each live app, shared by every client of that app.

A join names its function by ``fn_index`` only, so no client sends one before this process
has read the live app's ``/config`` (``_wireview`` says what in it confirms a mapping). The
facts are kept here, once per process and per app, for every client: generated and
untyped, sync and async. Each client computes its own verdict from them (memoized in
``LiveFacts.memo`` by the layer that computes it).

Key: the app's root URL as the engine resolved it (a Space id resolves to its host) plus a
fingerprint (sha256) of the credentials the engine sends: ``auth``, the HF token, and the
extra headers. Two clients with different credentials may be routed to different apps
(a gateway that picks a backend by token or header, a private Space seen without a
token), so they do not share facts; the secrets themselves are never kept in the key.

Freshness (decided with the server's code, gradio 6.31):

- ``/config`` carries ``app_id``, a random number drawn when the app's ``Blocks`` is built:
  it changes on every restart and on every hot reload, and ``GET {api}/app_id`` returns it
  in a few bytes without a login. Facts are current for ``RECHECK_AFTER`` seconds after a
  check; the next join after that first asks ``/app_id`` and fetches ``/config`` again only
  if it changed (or the route is missing: older gradio).
- A call that fails in a way a restart causes (connection refused or reset, a lost
  stream, a 5xx or 404 answer, a 401 after logging in, an answer we cannot read) marks the
  facts suspect (``suspect()``): the next join re-checks at once.
- Residual risk, stated plainly: the server cannot tell a join that its layout changed
  (``queue/join`` accepts any valid ``fn_index``). An app replaced by a different version
  *between* two calls less than ``RECHECK_AFTER`` seconds apart, with no call failing in
  between, receives the second call with the mapping confirmed for the first. A real
  restart takes longer than that (gradio's dev-mode hot reload does not). ``/config`` and
  ``/info`` are two requests: an app replaced between them would be read half old, half
  new; the next check (its ``app_id`` changed) reads it again.

Single flight: at most one check per app runs at a time; concurrent callers (threads or
tasks, of any client) wait for it, each within its own deadline (``JobTimeout`` when it
passes). A check's failure is raised to the callers that waited for it (they would meet the
same problem), except when its owner was closed or cancelled: then a waiter runs the check
itself. A sync caller never waits for a check run by a task on its own thread's event loop
(it would block that loop): it checks by itself.

The plan of requests is one sans-I/O generator (``_refresh``); ``get`` and ``aget`` are the
thin sync and async drivers that perform its requests.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

from .._constants import LIVE_RECHECK_AFTER
from .._exceptions import (
    CancelledError,
    HTTPStatusError,
    JobTimeout,
    ProtocolError,
    QueueFullError,
    RateLimitError,
    ServerValidationError,
    TransportError,
)
from .._legacy_info import info_route, snapshot_info
from .._spec import config_api_prefix

if TYPE_CHECKING:
    import asyncio

__all__ = ["LiveApp", "LiveFacts", "forget_live_apps", "live_app", "restart_sign"]

RECHECK_AFTER = LIVE_RECHECK_AFTER
"""Read at each use (tests lower it)."""
MAX_APPS = 128
"""Apps remembered per process; the least recently used is forgotten beyond (its clients
keep their own reference)."""

Fetch = Callable[[str], Any]
"""GET ``{root}{path}`` -> its JSON (typed errors otherwise)."""
AsyncFetch = Callable[[str], Awaitable[Any]]


class LiveFacts:
    """What one ``GET /config`` of the live app said (and the ``/info`` read with it)."""

    __slots__ = ("app_id", "config", "generation", "info", "memo")

    def __init__(self, config: Mapping[str, Any], generation: int) -> None:
        self.config = config
        self.info: Mapping[str, Any] | None = None
        """Set once, by the first caller that needs it (``/info`` adds what /config lacks);
        for a release without a usable ``/info``, built from the config (no request)."""
        self.app_id = config.get("app_id")
        self.generation = generation
        self.memo: dict[Any, Any] = {}
        """Verdicts computed from these facts by the layers above (keyed by them)."""

    def path(self, route: str) -> str:
        """``route`` under the app's API prefix, relative to the root (``gradio_api/info``)."""
        prefix = config_api_prefix(self.config).strip("/")
        return f"{prefix}/{route}" if prefix else route


class _Flight:
    """One check in progress."""

    __slots__ = ("abandoned", "done", "error", "facts", "owner", "waiters")

    def __init__(self) -> None:
        self.owner = threading.get_ident()
        self.done = threading.Event()
        self.facts: LiveFacts | None = None
        self.error: BaseException | None = None
        self.abandoned = False
        """The owner was closed or cancelled: a waiter runs the check instead."""
        self.waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _abandons(exc: BaseException) -> bool:
    return not isinstance(exc, Exception) or isinstance(exc, CancelledError)


def restart_sign(exc: BaseException) -> bool:
    """Whether a failed call hints that the app restarted (re-check before the next join)."""
    if isinstance(exc, TransportError):
        return not isinstance(exc, JobTimeout)
    if isinstance(exc, (QueueFullError, RateLimitError, ServerValidationError)):
        return False
    if isinstance(exc, HTTPStatusError):
        return exc.status_code in (401, 403, 404) or exc.status_code >= 500
    return isinstance(exc, ProtocolError)


class LiveApp:
    """The live facts of one app (as one set of credentials sees it), shared per process."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._facts: LiveFacts | None = None
        self._checked_at = float("-inf")
        """When the last successful check started (its facts are at least this recent)."""
        self._suspected_at = float("-inf")
        self._generation = 0
        self._flight: _Flight | None = None

    # -- state --------------------------------------------------------------------------
    def _current(self, need_info: bool) -> LiveFacts | None:
        """The facts, if a check confirmed them recently enough (under ``_lock``, except
        for ``current``)."""
        facts = self._facts
        if facts is None or self._suspected_at >= self._checked_at:
            return None
        if time.monotonic() - self._checked_at >= RECHECK_AFTER:
            return None
        return None if need_info and facts.info is None else facts

    def current(self, need_info: bool = False) -> LiveFacts | None:
        """``_current`` without the lock (a call's fast path): a ``suspect()`` racing with
        it is seen by the next call, as if it had come a moment later."""
        return self._current(need_info)

    def suspect(self) -> None:
        """A call failed the way a restart makes calls fail: re-check before the next join."""
        with self._lock:
            self._suspected_at = time.monotonic()

    # -- the plan (no I/O) ----------------------------------------------------------------
    def _refresh(self, need_info: bool) -> Generator[str, Any, LiveFacts]:
        """Yields the paths to GET (relative to the root), receives their JSON (or has the
        request's error thrown in); returns the facts now current."""
        started = time.monotonic()
        with self._lock:
            facts = self._facts
            if facts is not None and self._current(False) is None:
                known: LiveFacts | None = facts  # too old or suspect: same app still?
            else:
                known = None
        if known is not None:
            same = False
            if known.app_id is not None:
                try:
                    answer = yield known.path("app_id")
                except HTTPStatusError as exc:
                    if exc.status_code != 404:  # 404: a gradio without the route
                        raise
                else:
                    same = isinstance(answer, Mapping) and answer.get("app_id") == known.app_id
            if not same:
                facts = None
        if facts is None:
            config = yield "config"
            if not isinstance(config, Mapping):
                raise ProtocolError("the app's /config is not a JSON object")
            with self._lock:
                self._generation += 1
                facts = LiveFacts(config, self._generation)
        if need_info and facts.info is None:
            route = info_route(facts.config)
            if route is None:  # a release without a usable /info (before 3.29)
                facts.info = snapshot_info(facts.config, None)  # built from the config
            else:
                info = yield route
                if not isinstance(info, Mapping):
                    raise ProtocolError("the app's /info is not a JSON object")
                facts.info = info
        with self._lock:
            self._facts = facts
            self._checked_at = max(self._checked_at, started)
        return facts

    def _land(self, flight: _Flight, facts: LiveFacts | None, error: BaseException | None) -> None:
        with self._lock:
            if self._flight is flight:
                self._flight = None
            flight.facts, flight.error = facts, error
            flight.abandoned = error is not None and _abandons(error)
            waiters, flight.waiters = flight.waiters, []
            flight.done.set()
        for loop, fut in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                loop.call_soon_threadsafe(_wake, fut)

    def _start(self, need_info: bool, may_wait: bool) -> LiveFacts | tuple[_Flight, bool]:
        """Under ``_lock``: the current facts, or (the check to run or wait for, whether the
        caller runs it)."""
        facts = self._current(need_info)
        if facts is not None:
            return facts
        flight = self._flight
        if flight is None or flight.done.is_set() or not may_wait:
            flight = self._flight = _Flight()
            return flight, True
        return flight, False

    def _outcome(self, flight: _Flight, need_info: bool) -> LiveFacts | None:
        """After waiting for ``flight``: its facts if they serve, None to go round again."""
        if flight.error is not None and not flight.abandoned:
            raise flight.error
        facts = flight.facts
        return None if facts is None or (need_info and facts.info is None) else facts

    # -- sync driver ------------------------------------------------------------------
    def get(self, fetch: Fetch, *, need_info: bool, deadline: float | None) -> LiveFacts:
        """The current facts, checking the live app first if needed (``fetch`` GETs)."""
        me = threading.get_ident()
        while True:
            with self._lock:
                flight = self._flight
                # never wait for a task of this thread's own event loop: we would block it
                started = self._start(need_info, flight is None or flight.owner != me)
            if isinstance(started, LiveFacts):
                return started
            flight, owner = started
            if owner:
                steps = self._refresh(need_info)
                try:
                    path = next(steps)
                    while True:
                        try:
                            answer = fetch(path)
                        except Exception as exc:  # the plan decides (a 404 on /app_id is fine)
                            path = steps.throw(exc)
                        else:
                            path = steps.send(answer)
                except StopIteration as stop:
                    self._land(flight, stop.value, None)
                    return stop.value  # type: ignore[no-any-return]
                except BaseException as exc:
                    self._land(flight, None, exc)
                    raise
            remaining = None if deadline is None else deadline - time.monotonic()
            if (remaining is not None and remaining <= 0) or not flight.done.wait(remaining):
                raise self._timeout()
            facts = self._outcome(flight, need_info)
            if facts is not None:
                return facts

    # -- async driver -----------------------------------------------------------------
    async def aget(
        self, fetch: AsyncFetch, *, need_info: bool, deadline: float | None
    ) -> LiveFacts:
        import asyncio

        loop = asyncio.get_running_loop()
        while True:
            fut: asyncio.Future[None] | None = None
            with self._lock:
                started = self._start(need_info, True)
                if isinstance(started, LiveFacts):
                    return started
                flight, owner = started
                if not owner:
                    fut = loop.create_future()
                    flight.waiters.append((loop, fut))
            if owner:
                steps = self._refresh(need_info)
                try:
                    path = next(steps)
                    while True:
                        try:
                            answer = await fetch(path)
                        except Exception as exc:
                            path = steps.throw(exc)
                        else:
                            path = steps.send(answer)
                except StopIteration as stop:
                    self._land(flight, stop.value, None)
                    return stop.value  # type: ignore[no-any-return]
                except BaseException as exc:
                    self._land(flight, None, exc)
                    raise
            assert fut is not None
            remaining = None if deadline is None else deadline - time.monotonic()
            try:
                await asyncio.wait_for(fut, remaining)
            except asyncio.TimeoutError:
                raise self._timeout() from None
            facts = self._outcome(flight, need_info)
            if facts is not None:
                return facts

    def _timeout(self) -> JobTimeout:
        return JobTimeout(
            f"the check of {self.root} that another call is running did not finish in time "
            "(the call was not sent)"
        )


_apps: dict[tuple[str, str], LiveApp] = {}
_apps_lock = threading.Lock()


def live_app(root: str, credentials: Any) -> LiveApp:
    """The process's ``LiveApp`` for ``root`` as seen with ``credentials`` (any repr-able
    value: only its sha256 is kept)."""
    digest = hashlib.sha256(repr(credentials).encode("utf-8", "backslashreplace")).hexdigest()
    key = (root, digest)
    with _apps_lock:
        app = _apps.pop(key, None) or LiveApp(root)
        _apps[key] = app  # most recently used last
        while len(_apps) > MAX_APPS:
            del _apps[next(iter(_apps))]
        return app


def forget_live_apps() -> None:
    """Forget every app's facts (tests start from a process that knows nothing)."""
    with _apps_lock:
        _apps.clear()
