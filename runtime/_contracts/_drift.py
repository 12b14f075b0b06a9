"""Run-time drift check: a generated client never sends a join the live app has not confirmed.

A generated client embeds the minimal snapshot it was generated from, including each
endpoint's ``fn_index`` and State slots. gradio's ``queue/join`` resolves the function by
``fn_index`` alone (``route_utils.get_fn``; ``api_name`` is not even read), so a join sent
with an embedded index that the app has since shifted (an event listener inserted before
the others) runs *another function*, and one sent with an outdated input count fails on
the server. Hence the rule, under every ``on_drift`` except ``"ignore"``: **the check runs
before the first join, in the caller's thread or task, and no join is sent with a mapping
this process has not confirmed.**

How (decided against gradio 6.31's ``routes.py``, ``queueing.py``, ``blocks.py``):

- *One request.* ``GET /config`` lists every dependency's ``fn_index``, ``api_name``, input
  and output components (type, props with ``label`` and ``value``, ``api_info``), queue,
  generator and connection kind; gradio builds ``/info`` from these same facts plus the
  Python signature (``Blocks.get_api_info``). ``_wireview.wire_mismatches`` compares them
  with the embedded snapshot; when they agree, every call is the call the client was
  generated for, and it is sent as embedded. Only when they differ is ``/info`` fetched
  too (a second request, in the drift case only) for the full classification below.
  gradio_client makes 3 requests before its first call; the floor client needs 1 (it must
  read ``/config`` to learn the mapping); so do we.
- *Once per process and app.* The facts are kept by ``_client._live`` (key: the resolved
  root URL and a hash of the credentials), shared by every client of the app in the
  process, generated or untyped, sync or async; concurrent first calls wait for one check.
  The verdict is computed per generated class and memoized with the facts, so N clients
  of one app pay one request and one comparison.
- *Re-checked* when a call fails the way a restart makes it fail, and before the first
  join more than ``LIVE_RECHECK_AFTER`` seconds after the last check (``GET {api}/app_id``,
  a few bytes; ``/config`` again only if the app's ``app_id`` changed). The residual risk
  (an app replaced between two calls closer together than that) is in ``_client._live``.
- *What /config cannot show* (what ``/info`` takes from the Python function): parameter
  names, ``None`` signature defaults, descriptions, ``gr.OAuthToken`` parameters. A change
  confined to those leaves the positional call identical (the same components in the same
  order, as the app's own UI sends them), so it is sent; a required OAuth login then fails
  on the server (``AppError``), never in another function. ``client.check_drift()`` and
  ``gradio-gen diff`` fetch ``/info`` and compare everything.
- *A check that cannot run* (unreachable, 401, an answer that is not an app's config)
  fails the call with that typed error (``ConnectError``, ``AuthenticationError``,
  ``ProtocolError``...): the call is never sent unconfirmed. A ``close()`` meanwhile ends
  the check at once and quietly (``CancelledError``).

The verdict, when the wire view differs: the snapshots are classified
(``_contract.diff_snapshots``). Compatible changes are logged at INFO and never raise.
Breaking ones, by ``on_drift``: ``"warn"`` (default) -> one ``DriftWarning`` per verdict
(``warnings.warn``, pointing at the user's call; the log line is INFO: one channel for the
user), calls go on; ``"error"`` -> ``DriftError`` listing them, raised by every call.

Then calls are *routed* (``_Verdict.route``): the live fn_index, State slots and
queue/streaming kind are used, and the validated values re-mapped by parameter name
(renamed parameters followed, a parameter the client does not know sent with the app's
default). So compatible changes (an optional parameter added, an endpoint added or
reordered) work from the first call on, and after a gradio upgrade with the same API the
engine speaks the live protocol and uses the live routes (``Client._follow``). A call that
cannot work any more raises ``DriftError`` for that call, before anything is sent: its
endpoint is gone, it requires a parameter the client does not know, an input or output
changed type (or an output is gone), it now takes streaming input, a value is no longer one
of the app's choices, or the app speaks a protocol gradio-gen does not know. Other
endpoints work on.

``on_drift="ignore"`` checks nothing and routes nothing: every join carries the embedded
fn_index, State slots and input count. That is safe only while the app is exactly the one
the client was generated from: after an app change a call may run *another function* of
the app (with this call's values) or fail on the server.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from .._constants import LOGGER_NAME
from .._exceptions import DriftError, DriftWarning, GradioGenError, ProtocolError, UsageError
from .._spec import AppSpec, EndpointSpec, canonical_json, snapshot_sha256
from .._types import NOT_GIVEN
from .._warn import warn_user
from .._wireview import wire_mismatches

if TYPE_CHECKING:
    from .._client._clients import AsyncClient, Client
    from .._client._live import LiveApp, LiveFacts
    from ._change import Change
    from ._contract import ApiDiff

# the comparison machinery (_contract, _schemacmp, _change) is imported when a verdict
# needs it, not when a generated module is imported


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
_APP_BREAKS = frozenset({"protocol_changed"})
"""App-level changes that, when breaking (a protocol gradio-gen does not speak), no call can
survive. A known protocol or another API prefix is compatible: the client follows it."""
_REFUSED = frozenset(
    {"connection_changed", "parameter_type_changed", "output_type_changed", "output_removed"}
)
"""Endpoint changes after which a call would fail on the server (an input of another type,
streaming input) or could not return what the method's signature promises (an output of
another type, or missing). Widened, narrowed or unanalysable types are sent: many values
still fit, and the server or the output check judges each one."""


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


class _Refusal:
    """Why calls to one endpoint are refused (a fresh ``DriftError`` per call)."""

    __slots__ = ("changes", "message")

    def __init__(self, message: str, changes: list[Change]) -> None:
        self.message, self.changes = message, changes

    def error(self) -> DriftError:
        return DriftError(self.message, self.changes)


class _Default:
    """A live parameter the generated client does not know: send the app's default."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_Choices = tuple[int, str, bool, frozenset[str], list[Any]]
"""(value position, parameter, list-valued, canonical allowed values, allowed values)."""
_Plan = tuple[EndpointSpec, list["int | _Default"], list[_Choices]]


class _Verdict:
    """One generated class's verdict against one generation of live facts, shared by
    every client of that class and app in the process (memoized with the facts)."""

    def __init__(
        self, diff: ApiDiff | None, live: AppSpec | None, *, full: bool, client: str
    ) -> None:
        self._diff = diff
        """None: the wire view of /config confirmed the embedded snapshot (no change seen;
        the classification machinery, ``_change`` included, is then not even imported)."""
        self.live = live
        """The live app's spec when calls must be routed to it, else None."""
        self.full = full
        """``/info`` was compared too (not only the wire view of ``/config``)."""
        self.client = client
        self._plans: dict[str, _Plan | _Refusal] = {}
        self._told: set[str] = set()
        self._lock = threading.Lock()
        self.breaking = diff.breaking if diff is not None else []
        app = [c for c in self.breaking if c.kind in _APP_BREAKS]
        self._app_refusal = (
            _Refusal(
                f"{client}: the live app's {', '.join(c.message for c in app)}; no call can "
                "reach it the way this client sends it: regenerate the client",
                app,
            )
            if app
            else None
        )

    @property
    def diff(self) -> ApiDiff:
        if self._diff is None:
            from ._change import ApiDiff

            self._diff = ApiDiff()
        return self._diff

    def once(self, what: str) -> bool:
        """True the first time ``what`` is asked (a warning or log line is shown once)."""
        with self._lock:
            if what in self._told:
                return False
            self._told.add(what)
            return True

    def route(self, ep: EndpointSpec, values: list[Any]) -> tuple[EndpointSpec, list[Any]]:
        """What to send: the live endpoint and the values re-mapped by parameter name
        (``ep``, ``values`` unchanged when the wire did not change); ``DriftError`` for a
        call that cannot work any more."""
        if self.live is None:
            return ep, values
        if self._app_refusal is not None:
            raise self._app_refusal.error()
        plan = self._plans.get(ep.api_name)
        if plan is None:
            plan = self._plans[ep.api_name] = self._plan(ep)
        if isinstance(plan, _Refusal):
            raise plan.error()
        target, sources, choices = plan
        out = [s.value if isinstance(s, _Default) else values[s] for s in sources]
        for position, name, many, allowed, shown in choices:
            value = out[position]
            for item in value if many and isinstance(value, list) else [value]:
                if item is not None and canonical_json(item) not in allowed:
                    raise DriftError(
                        f"{self.client}: {ep.api_name}: {item!r} is no longer one of the "
                        f"live app's choices for {name!r} ({shown}); regenerate the client",
                        [c for c in self.diff if c.endpoint == ep.api_name and c.target == name],
                    )
        return target, out

    def _plan(self, ep: EndpointSpec) -> _Plan | _Refusal:
        assert self.live is not None
        name = ep.api_name
        changes = [c for c in self.diff if c.endpoint == name]
        target = self.live.endpoints.get(name)
        if target is None:
            return _Refusal(
                f"{self.client}: {name} no longer exists on the live app; regenerate the client",
                changes,
            )
        fatal = [c for c in changes if c.kind in _REFUSED]
        if fatal:
            return _Refusal(
                f"{self.client}: {name} cannot be called the way this client was generated "
                f"any more ({'; '.join(c.message for c in fatal)}); regenerate the client",
                fatal,
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
                return _Refusal(
                    f"{self.client}: {name} now requires parameter {p.name!r}, which this "
                    "client does not know; regenerate the client",
                    changes,
                )
        removed = {c.target for c in changes if c.kind == "parameter_choices_removed"}
        choices: list[_Choices] = []
        for position, p in enumerate(target.parameters):
            found = _enum(p.schema) if p.name in removed else None
            if found is not None:
                many, values = found
                allowed = frozenset(canonical_json(v) for v in values)
                choices.append((position, p.name, many, allowed, values))
        return target, sources, choices


def _enum(schema: Mapping[str, Any]) -> tuple[bool, list[Any]] | None:
    """(list-valued, the choices) of a parameter schema with choices at its top level or in
    its array items; None otherwise (the server then judges the value)."""
    if isinstance(schema.get("enum"), list):
        return False, list(schema["enum"])
    items = schema.get("items")
    if isinstance(items, Mapping) and isinstance(items.get("enum"), list):
        return True, list(items["enum"])
    return None


class DriftGuard:
    """One generated client's drift policy; the verdicts live with the shared live facts."""

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
        self._key = ("drift", self._sha, client)
        self._told: _Verdict | None = None
        self._last: tuple[LiveApp, LiveFacts, _Verdict] | None = None
        """The last verdict and the facts it was reached from: while those facts are
        current, a call needs nothing else (the fast path of ``route``)."""

    @property
    def diff(self) -> ApiDiff | None:
        """The changes of the last verdict (empty: none seen; None: never checked)."""
        return None if self._told is None else self._told.diff

    # -- verdicts (pure) ---------------------------------------------------------------
    def classify(self, live: Mapping[str, Any]) -> ApiDiff:
        """The changes from the embedded snapshot to ``live`` (a hash match short-circuits).
        Raises ``ProtocolError`` if ``live`` is malformed."""
        from ._contract import ApiDiff, diff_snapshots

        if snapshot_sha256(live) == self._sha:
            return ApiDiff()
        return diff_snapshots(self._embedded, live)

    def _decide(self, spec: AppSpec, full: bool) -> Generator[bool, LiveFacts, _Verdict]:
        """The verdict for the live facts (sans I/O): yields whether it needs ``/info``,
        receives the facts."""
        facts = yield full
        verdict = facts.memo.get(self._key)
        if verdict is not None and (verdict.full or not full):
            return verdict  # type: ignore[no-any-return]
        if not full and not wire_mismatches(spec, facts.config, limit=1):
            return facts.memo.setdefault(  # type: ignore[no-any-return]
                self._key, _Verdict(None, None, full=False, client=self.client)
            )
        if facts.info is None:
            facts = yield True
        verdict = facts.memo.get(self._key)
        if verdict is None or not verdict.full:
            live = {"config": facts.config, "info": facts.info}
            try:
                diff = self.classify(live)
                live_spec = AppSpec.from_snapshot(live) if diff else None
            except GradioGenError as exc:
                raise ProtocolError(
                    f"{self.client}: the live app's API could not be read: {exc}"
                ) from exc
            verdict = _Verdict(diff, live_spec, full=True, client=self.client)
            facts.memo[self._key] = verdict
        return verdict  # type: ignore[no-any-return]

    def _announce(self, verdict: _Verdict) -> None:
        """Tell the user, per ``on_drift``: compatible changes at INFO (once), breaking ones
        as one ``DriftWarning`` (``"warn"``) or a ``DriftError`` per call (``"error"``)."""
        self._told = verdict
        if verdict._diff is None:
            return  # nothing changed
        diff = verdict.diff
        if not diff.breaking:
            if diff and verdict.once("compatible"):
                logger.info(
                    "%s: the live app has compatible API changes (calls are routed to it): %s",
                    self.client,
                    "; ".join(str(c) for c in diff),
                )
            return
        message = describe(diff, self.client)
        if self.on_drift == "error":
            raise DriftError(message, diff.breaking)
        if verdict.once("warning"):
            logger.info("%s", message)
            warn_user(message, DriftWarning)  # points at the user's call

    # -- sync ----------------------------------------------------------------------------
    def _verdict(self, engine: Client, full: bool, timeout: Any = NOT_GIVEN) -> _Verdict:
        steps = self._decide(engine.spec, full)
        need = next(steps)
        try:
            while True:
                facts = engine._live_facts(need_info=need, timeout=timeout)
                need = steps.send(facts)
        except StopIteration as stop:
            verdict: _Verdict = stop.value
        self._last = (engine._live(), facts, verdict)
        self._announce(verdict)
        if verdict._app_refusal is None:
            engine._follow(facts.config)  # the live protocol and routes (an upgraded gradio)
        return verdict

    def _current(self) -> _Verdict | None:
        """The last verdict, if the facts it came from are still current (no I/O)."""
        last = self._last
        if last is None or last[0].current() is not last[1]:
            return None
        if last[2].breaking and self.on_drift == "error":
            self._announce(last[2])  # raises for every call
        return last[2]

    def route(
        self, engine: Client, ep: EndpointSpec, values: list[Any]
    ) -> tuple[EndpointSpec, list[Any]]:
        """Before a join: confirm (checking the live app if this process has no current
        verdict) and route. ``"ignore"``: ``ep`` and ``values`` as they are."""
        if self.on_drift == "ignore":
            return ep, values
        verdict = self._current() or self._verdict(engine, False)
        return verdict.route(ep, values)

    def check(self, engine: Client, timeout: float | None = None) -> ApiDiff | None:
        """The full check (``/config`` and ``/info``); ``None`` with ``"ignore"``."""
        if self.on_drift == "ignore":
            return None
        return self._verdict(engine, True, NOT_GIVEN if timeout is None else timeout).diff

    # -- async ---------------------------------------------------------------------------
    async def _averdict(self, engine: AsyncClient, full: bool) -> _Verdict:
        steps = self._decide(engine.spec, full)
        need = next(steps)
        try:
            while True:
                facts = await engine._live_facts(need_info=need)
                need = steps.send(facts)
        except StopIteration as stop:
            verdict: _Verdict = stop.value
        self._last = (engine._live(), facts, verdict)
        self._announce(verdict)
        if verdict._app_refusal is None:
            engine._follow(facts.config)
        return verdict

    async def aroute(
        self, engine: AsyncClient, ep: EndpointSpec, values: list[Any]
    ) -> tuple[EndpointSpec, list[Any]]:
        if self.on_drift == "ignore":
            return ep, values
        verdict = self._current() or await self._averdict(engine, False)
        return verdict.route(ep, values)

    async def acheck(self, engine: AsyncClient) -> ApiDiff | None:
        if self.on_drift == "ignore":
            return None
        return (await self._averdict(engine, True)).diff
