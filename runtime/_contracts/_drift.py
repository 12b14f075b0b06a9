"""Run-time drift check: does the live app still match the schema a client was generated from?

A generated client embeds the minimal snapshot it was generated from. It fetches the live
``/config`` and ``/info`` once (the verdict is cached per client; later calls cost nothing)
and compares. *When* depends on ``on_drift``:

- ``"warn"`` (default): the first call does not wait for the check. Its join is sent at once
  with the embedded mapping; the check starts right after, in the background (a short-lived
  thread for the sync client, a task for the async one), so a client with default options
  sends no request before its first call's join. Calls sent before the verdict is in use the
  embedded mapping too; later calls are routed (below). ``client.check_drift()`` waits for
  the verdict (or runs the check) and returns it.
- ``"error"``: the check runs before the first call (after its arguments are validated), so
  no call reaches a changed app: strictness is opt-in and costs one round trip up front.

The verdict:

- the canonical hash of the live minimal snapshot equals the embedded one -> nothing to do;
- otherwise the two are classified with ``_contract.diff_snapshots``; compatible changes are
  logged (INFO) and never raise; breaking ones, by ``on_drift``:
  ``"warn"`` (default) -> ``warnings.warn(DriftWarning)`` + a WARNING log line, the call goes
  on; ``"error"`` -> ``DriftError`` listing them (raised by this and every later call of the
  client); ``"ignore"`` -> no request at all.

After a drift that did not raise, calls are *routed* to the live app (``DriftGuard.route``):
the live fn_index, State slots and queue/streaming kind are used, and the validated values
are re-mapped by parameter name (renamed parameters followed, parameters the client does not
know sent with the app's default). So compatible changes (a new optional parameter, an
endpoint added before this one) really are compatible for a client that was not regenerated.
With ``on_drift="ignore"`` nothing is checked, so nothing is routed.

A check that cannot run (the app is unreachable, answers garbage) is logged at WARNING and
not retried: the call itself reports the real problem.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import warnings
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from .._constants import LOGGER_NAME
from .._exceptions import DriftError, DriftWarning, GradioGenError, UsageError
from .._spec import AppSpec, EndpointSpec, snapshot_sha256

if TYPE_CHECKING:
    import asyncio

    from .._client._clients import AsyncClient, Client
    from ._contract import ApiDiff

# the comparison machinery (_contract, _schemacmp, _change) is imported on the first check,
# not when a generated module is imported


class _LazyLogger:
    """``logging.getLogger(LOGGER_NAME)``, imported on first use (not at client import)."""

    def __getattr__(self, name: str) -> Any:
        import logging

        return getattr(logging.getLogger(LOGGER_NAME), name)


logger: Any = _LazyLogger()

OnDrift = Literal["warn", "error", "ignore"]
ON_DRIFT_VALUES: tuple[OnDrift, ...] = ("warn", "error", "ignore")
__all__ = ["ON_DRIFT_VALUES", "DriftGuard", "DriftWarning", "OnDrift", "check_on_drift"]
_MAX_LISTED = 20


def check_on_drift(value: Any) -> OnDrift:
    if value not in ON_DRIFT_VALUES:
        raise UsageError(f"on_drift must be one of 'warn', 'error', 'ignore', not {value!r}")
    on_drift: OnDrift = value
    return on_drift


def describe(diff: ApiDiff, client: str) -> str:
    """The message of a drift warning / ``DriftError``: the breaking changes, one per line."""
    breaking = diff.breaking
    lines = [
        f"{client}: the live app's API changed since this client was generated "
        f"({diff.summary()}); regenerate the client. Breaking:"
    ]
    lines += [f"  - {c.endpoint or 'app'}: {c.message}" for c in breaking[:_MAX_LISTED]]
    if len(breaking) > _MAX_LISTED:
        lines.append(f"  ... and {len(breaking) - _MAX_LISTED} more")
    return "\n".join(lines)


class DriftGuard:
    """One client's drift check: runs once, remembers its verdict."""

    def __init__(
        self,
        embedded: Mapping[str, Any],
        *,
        on_drift: OnDrift = "warn",
        client: str = "client",
        embedded_sha256: str | None = None,
    ) -> None:
        self.on_drift = check_on_drift(on_drift)
        self.client = client
        self._embedded = embedded
        self._sha = embedded_sha256 or snapshot_sha256(embedded)
        self._lock = threading.Lock()
        self._alock: Any = None  # asyncio.Lock, created on the running loop
        self.done = on_drift == "ignore"
        self.diff: ApiDiff | None = None
        """The classified changes once checked (empty when nothing changed)."""
        self._error: DriftError | None = None
        self._live: AppSpec | None = None
        """The live app's spec, kept only when it differs from the embedded one."""
        self._plans: dict[str, _Plan | DriftError] = {}
        self._thread: threading.Thread | None = None
        """The background check of ``on_drift="warn"`` (sync client), once started."""
        self._task: asyncio.Task[None] | None = None
        """The background check of ``on_drift="warn"`` (async client), once started."""
        self._closing = False

    # -- verdict (pure) --------------------------------------------------------------
    def classify(self, live: Mapping[str, Any]) -> ApiDiff:
        """The changes from the embedded snapshot to ``live`` (a hash match short-circuits).
        Raises ``ProtocolError`` if ``live`` is malformed."""
        from ._contract import ApiDiff, diff_snapshots

        if snapshot_sha256(live) == self._sha:
            return ApiDiff()
        return diff_snapshots(self._embedded, live)

    def evaluate(self, live: Mapping[str, Any], site: _Site | None = None) -> ApiDiff:
        """Compare a live snapshot; warn / raise per ``on_drift``. Records the verdict.
        ``site``: where the warning points (the user's first call, for a background check);
        default: the first caller frame outside gradio-gen."""
        from ._contract import ApiDiff

        try:
            diff = self.classify(live)
            live_spec = AppSpec.from_snapshot(live) if diff else None
        except GradioGenError as exc:
            self._failed(exc)
            return ApiDiff()
        self.diff = diff
        self._live = live_spec
        self.done = True
        if not diff:
            logger.debug("%s: live app matches the generated schema", self.client)
            return diff
        if not diff.breaking:
            logger.info(
                "%s: the live app has compatible API changes: %s",
                self.client,
                "; ".join(str(c) for c in diff),
            )
            return diff
        message = describe(diff, self.client)
        if self.on_drift == "error":
            self._error = DriftError(message, diff.breaking)
            raise self._error
        logger.warning("%s", message)
        if site is None:
            warnings.warn(message, DriftWarning, stacklevel=_caller_stacklevel())
        else:
            filename, lineno, module, module_globals = site
            warnings.warn_explicit(
                message, DriftWarning, filename, lineno, module=module,
                registry=module_globals.setdefault("__warningregistry__", {}),
                module_globals=module_globals,
            )  # fmt: skip
        return diff

    # -- routing ---------------------------------------------------------------------
    def route(self, ep: EndpointSpec, values: list[Any]) -> tuple[EndpointSpec, list[Any]]:
        """What to send after a drift: the live endpoint (fn_index, State slots, queue and
        streaming kind) and the values re-mapped by parameter name (renamed ones followed,
        new parameters with a default given their default). Before any drift check, or
        without drift, -> ``ep`` and ``values`` unchanged. A call that cannot work any more
        (the endpoint is gone, or it now requires a parameter this client does not know)
        raises ``DriftError`` for that call, instead of reaching another function or
        failing on the server."""
        if self._live is None:
            return ep, values
        plan = self._plans.get(ep.api_name)
        if plan is None:
            plan = self._plans[ep.api_name] = self._plan(ep)
        if isinstance(plan, DriftError):
            raise plan
        target, sources = plan
        return target, [s.value if isinstance(s, _Default) else values[s] for s in sources]

    def _plan(self, ep: EndpointSpec) -> _Plan | DriftError:
        assert self._live is not None and self.diff is not None
        name = ep.api_name
        changes = [c for c in self.diff if c.endpoint == name]
        target = self._live.endpoints.get(name)
        if target is None:
            return DriftError(
                f"{self.client}: {name} no longer exists on the live app; regenerate the client",
                changes,
            )
        index = {p.name: i for i, p in enumerate(ep.parameters)}
        for change in changes:
            if change.kind == "parameter_renamed":
                index[str(change.new)] = index.pop(str(change.old))
        sources: list[int | _Default] = []
        for p in target.parameters:
            if p.name in index:
                sources.append(index[p.name])
            elif p.has_default:
                sources.append(_Default(p.default))
            else:
                return DriftError(
                    f"{self.client}: {name} now requires parameter {p.name!r}, which this "
                    "client does not know; regenerate the client",
                    changes,
                )
        return target, sources

    def _failed(self, exc: Exception) -> None:
        self.done = True
        if self._closing:  # the client was closed under a background check: not a problem
            logger.debug("%s: drift check abandoned (client closed): %s", self.client, exc)
        else:
            logger.warning("%s: drift check skipped: %s", self.client, exc)

    @property
    def started(self) -> bool:
        """The check ran, runs, or will never run (``"ignore"``)."""
        return self.done or self._thread is not None or self._task is not None

    # -- sync ------------------------------------------------------------------------
    def check(self, fetch: Callable[[], Mapping[str, Any]], site: _Site | None = None) -> None:
        """Run the check once (thread-safe); later calls only re-raise a ``DriftError``."""
        if self._error is not None:
            raise self._error
        if self.done:
            return
        with self._lock:
            if self._error is not None:
                raise self._error
            if self.done:
                return
            try:
                live = fetch()
            except (GradioGenError, OSError, ValueError, RuntimeError) as exc:
                self._failed(exc)
                return
            self.evaluate(live, site)

    def check_client(self, engine: Client) -> None:
        if self.done and self._error is None:
            return
        self.check(lambda: fetch_live(engine))

    def before_call(self, engine: Client) -> None:
        """Before a call's join: ``"error"`` checks now (raising ``DriftError``)."""
        if self.on_drift == "error":
            self.check_client(engine)

    def after_join(self, engine: Client) -> None:
        """After a call's join was sent: ``"warn"`` starts the check in the background."""
        if self.started or self.on_drift != "warn":
            return
        with self._lock:
            if self.started:
                return
            site = _caller_site()
            thread = threading.Thread(
                target=self._background, args=(engine, site), name="gradio-gen-drift",
                daemon=True,
            )  # fmt: skip
            self._thread = thread
        thread.start()

    def _background(self, engine: Client, site: _Site | None) -> None:
        try:
            self.check(lambda: fetch_live(engine), site)
        except Exception:  # a thread must not die with a traceback
            logger.exception("%s: drift check failed", self.client)

    def wait(self, timeout: float | None = None) -> ApiDiff | None:
        """Wait for a background check (bounded by ``timeout``); -> the verdict so far."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        return self.diff

    def closing(self) -> None:
        """The client is closing: a background check still running is abandoned quietly
        (its request fails once the engine is closed)."""
        self._closing = True

    def join(self, timeout: float = 5.0) -> None:
        """After the engine is closed: join the background thread (bounded), so nothing
        outlives the client."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # -- async -----------------------------------------------------------------------
    async def acheck(
        self, fetch: Callable[[], Awaitable[Mapping[str, Any]]], site: _Site | None = None
    ) -> None:
        if self._error is not None:
            raise self._error
        if self.done:
            return
        import asyncio

        if self._alock is None:
            self._alock = asyncio.Lock()
        async with self._alock:
            if self._error is not None:
                raise self._error
            if self.done:
                return
            try:
                live = await fetch()
            except (GradioGenError, OSError, ValueError, RuntimeError) as exc:
                self._failed(exc)
                return
            self.evaluate(live, site)

    async def acheck_client(self, engine: AsyncClient) -> None:
        if self.done and self._error is None:
            return
        await self.acheck(lambda: afetch_live(engine))

    async def abefore_call(self, engine: AsyncClient) -> None:
        if self.on_drift == "error":
            await self.acheck_client(engine)

    def aafter_join(self, engine: AsyncClient) -> None:
        """After a call's join was sent: ``"warn"`` starts the check as a task."""
        if self.started or self.on_drift != "warn":
            return
        import asyncio

        self._task = asyncio.get_running_loop().create_task(
            self._abackground(engine, _caller_site()), name="gradio-gen-drift"
        )

    async def _abackground(self, engine: AsyncClient, site: _Site | None) -> None:
        try:
            await self.acheck(lambda: afetch_live(engine), site)
        except Exception:  # nobody awaits this task's exception
            logger.exception("%s: drift check failed", self.client)

    async def await_check(self) -> ApiDiff | None:
        """Wait for the background check task, if any; -> the verdict so far."""
        task = self._task
        if task is not None and not task.done():
            import asyncio

            await asyncio.shield(task)
        return self.diff

    async def aclose(self) -> None:
        """The client is closing: cancel a background check still running."""
        self._closing = True
        task = self._task
        if task is not None and not task.done():
            import asyncio

            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


_Plan = tuple[EndpointSpec, list["int | _Default"]]


class _Default:
    """A live parameter the generated client does not know: send the app's default."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_Site = tuple[str, int, str, dict[str, Any]]
"""(filename, lineno, module name, module globals) of the user's call a warning points at."""


def _caller_site() -> _Site | None:
    """Where the user's call is (first frame outside gradio-gen and the generated module)."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        generated = "SCHEMA_SHA256" in frame.f_globals and "GENERATOR_VERSION" in frame.f_globals
        if not (
            name == "gradio_gen"
            or name.startswith(("gradio_gen.", "gradio_gen_runtime"))
            or generated
        ):
            return frame.f_code.co_filename, frame.f_lineno, name, frame.f_globals
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _caller_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside gradio-gen and the generated module, so
    the warning points at the user's call."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        generated = "SCHEMA_SHA256" in frame.f_globals and "GENERATOR_VERSION" in frame.f_globals
        if not (
            name == "gradio_gen"
            or name.startswith(("gradio_gen.", "gradio_gen_runtime"))
            or generated
        ):
            return level
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return 2


def fetch_live(engine: Client) -> dict[str, Any]:
    """The live ``{"config", "info"}`` through the engine's own HTTP client (auth, headers,
    token rules, retries and timeouts included)."""
    engine._connect()
    assert engine.root is not None
    config = engine._get_json(engine.root + "config", "drift check (/config)")
    route = _info_route(config)  # the live app's: an upgrade may have moved it
    if route is None:  # a release without /info: built from the config
        return {"config": config}
    return {"config": config, "info": engine._get_json(engine.root + route, "drift check (/info)")}


async def afetch_live(engine: AsyncClient) -> dict[str, Any]:
    await engine.connect()
    assert engine.root is not None
    config = await engine._get_json(engine.root + "config", "drift check (/config)")
    route = _info_route(config)
    if route is None:
        return {"config": config}
    info = await engine._get_json(engine.root + route, "drift check (/info)")
    return {"config": config, "info": info}


def _info_route(config: Any) -> str | None:
    from .._legacy_info import info_route

    return info_route(config) if isinstance(config, Mapping) else "info"
