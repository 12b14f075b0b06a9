"""The clients' side of the live check (``_live``): fetching, confirming, binding a call.

``SyncChecks`` / ``AsyncChecks`` are the bases of ``Client`` / ``AsyncClient``: the methods
they share with the typed layer (``_live_facts``), the fetch the check performs through the
client's own HTTP client (its auth, headers, token rules, retries, timeouts), and the
untyped calls' confirmation (``_confirm``). What they need from the client (``_connect``,
``_get_json``, ``_login``) is declared here and defined there.

A ``close()`` while a check runs ends it at once and quietly: its request is not retried
(``stop``), the sync client shuts its sockets down (a blocked read returns), and the call
raises ``CancelledError("the client was closed")``; nothing is logged above DEBUG.
"""

from __future__ import annotations

import threading
from typing import Any

from .._exceptions import AuthenticationError, CancelledError, UsageError
from .._files._handler import FileHandler
from .._spec import EndpointSpec
from .._types import NOT_GIVEN
from ._base import _BaseClient, bind_arguments
from ._live import LiveFacts

__all__ = ["AsyncChecks", "SyncChecks"]


def _what(path: str) -> str:
    return f"fetching /{path} from the live app"


class SyncChecks(_BaseClient):
    _closed: bool
    _stop: threading.Event

    @property
    def _files(self) -> FileHandler:
        raise NotImplementedError

    def _connect(self) -> None:
        raise NotImplementedError

    def _get_json(self, url: str, what: str, stop: threading.Event | None = None) -> Any:
        raise NotImplementedError

    def _login(self) -> None:
        raise NotImplementedError

    def _load_live(self) -> None:
        """No snapshot: load the live API, read through this process's facts (``_live``)."""
        live, deadline = self._live(), self._check_deadline()
        facts = live.get(self._fetch_live, need_info=False, deadline=deadline)
        self._load(facts.config, {})  # protocol check before /info
        facts = live.get(self._fetch_live, need_info=True, deadline=deadline)
        self._load(facts.config, facts.info)
        self._confirmed = facts

    def _confirmed_endpoint(self, ep: EndpointSpec) -> EndpointSpec:
        """Right before a join: ``ep`` as the live app has it (``_same_call``; a call bound
        earlier, e.g. a ``map`` row, against a mapping since replaced). Nothing for generated
        clients' engines (their guard routes) and, but a lookup, for a current mapping."""
        if self._trust:
            return ep
        if self._needs_check():
            self._confirm()
        return self._same_call(ep)

    def _live_facts(self, need_info: bool = False, timeout: Any = NOT_GIVEN) -> LiveFacts:
        """The live app's facts, checked now unless this process has current ones (``_live``);
        waits for a check another call runs at most ``timeout`` (default: ``Timeout.job``)."""
        self._connect()
        if self._closed:
            raise UsageError("this client is closed")
        return self._live().get(
            self._fetch_live, need_info=need_info, deadline=self._check_deadline(timeout)
        )

    def _fetch_live(self, path: str) -> Any:
        """GET ``{root}{path}`` for a check. A 401 from a password-protected app (restarted:
        its logins are gone) logs in again, once."""
        assert self.root is not None
        try:
            try:
                return self._get_json(self.root + path, _what(path), stop=self._stop)
            except AuthenticationError:
                if self._auth is None:
                    raise
                self._login()
                return self._get_json(self.root + path, _what(path), stop=self._stop)
        except Exception:
            if self._closed:
                raise CancelledError("the client was closed") from None
            raise

    def _confirm(self) -> bool:
        """Before an untyped call's join: confirm the mapping against the live app. True
        when the live API replaced it (the caller binds its arguments again)."""
        self._connect()
        if not self._needs_check():
            return False
        reasons = self._adopt(self._live_facts())
        if reasons:
            self._replace(self._live_facts(need_info=True), reasons)
        return bool(reasons)

    def _prepare_call(
        self, endpoint: str | int, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[EndpointSpec, list[Any]]:
        """An untyped call's endpoint and values, bound against the confirmed mapping."""
        self._connect()
        ep = self._endpoint(endpoint)
        values = bind_arguments(ep, args, kwargs)  # bad input: raised before any check
        if self._needs_check():
            self._files.check_inputs(ep, values)  # a bad file too
        if self._confirm():
            ep = self._endpoint(endpoint)
            values = bind_arguments(ep, args, kwargs)
        return ep, values


class AsyncChecks(_BaseClient):
    _closed: bool

    @property
    def _files(self) -> FileHandler:
        raise NotImplementedError

    async def connect(self) -> Any:
        raise NotImplementedError

    async def _get_json(self, url: str, what: str, check: bool = False) -> Any:
        raise NotImplementedError

    async def _login(self) -> None:
        raise NotImplementedError

    async def _load_live(self) -> None:
        live, deadline = self._live(), self._check_deadline()
        facts = await live.aget(self._fetch_live, need_info=False, deadline=deadline)
        self._load(facts.config, {})
        facts = await live.aget(self._fetch_live, need_info=True, deadline=deadline)
        self._load(facts.config, facts.info)
        self._confirmed = facts

    async def _confirmed_endpoint(self, ep: EndpointSpec) -> EndpointSpec:
        if self._trust:
            return ep
        if self._needs_check():
            await self._confirm()
        return self._same_call(ep)

    async def _live_facts(self, need_info: bool = False, timeout: Any = NOT_GIVEN) -> LiveFacts:
        await self.connect()
        if self._closed:
            raise UsageError("this client is closed")
        return await self._live().aget(
            self._fetch_live, need_info=need_info, deadline=self._check_deadline(timeout)
        )

    async def _fetch_live(self, path: str) -> Any:
        assert self.root is not None
        try:
            try:
                return await self._get_json(self.root + path, _what(path), check=True)
            except AuthenticationError:
                if self._auth is None:
                    raise
                await self._login()
                return await self._get_json(self.root + path, _what(path), check=True)
        except Exception:
            if self._closed:
                raise CancelledError("the client was closed") from None
            raise

    async def _confirm(self) -> bool:
        await self.connect()
        if not self._needs_check():
            return False
        reasons = self._adopt(await self._live_facts())
        if reasons:
            self._replace(await self._live_facts(need_info=True), reasons)
        return bool(reasons)

    async def _prepare_call(
        self, endpoint: str | int, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[EndpointSpec, list[Any]]:
        await self.connect()
        ep = self._endpoint(endpoint)
        values = bind_arguments(ep, args, kwargs)
        if self._needs_check():
            self._files.check_inputs(ep, values)
        if await self._confirm():
            ep = self._endpoint(endpoint)
            values = bind_arguments(ep, args, kwargs)
        return ep, values
