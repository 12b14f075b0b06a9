"""Typed bases that generated client modules subclass.

A generated module defines, per endpoint, a subclass of ``Endpoint[R]`` and of
``AsyncEndpoint[R]`` whose ``__call__``/``submit`` carry the real typed signature and hand the
arguments, in schema order, to ``self._call(values)`` / ``self._submit(values)``. The signature
is the single source of truth for validation: on first use a pydantic ``TypeAdapter`` is built
from its type hints (nothing is built at import time, so a 2000-endpoint module imports fast),
inputs are validated before any network call (``InputValidationError`` names the parameter),
and outputs are validated into the declared return type (``OutputValidationError`` keeps the
raw value). An argument left at ``NOT_GIVEN`` is sent as the app's own ``parameter_default``,
unvalidated, exactly as the official client does.

The client classes subclass ``AppClient`` / ``AsyncAppClient``, carry the embedded minimal
snapshot (so constructing one makes no request), and declare each endpoint in the class body
with ``EndpointAttribute`` (read-only: the endpoint object is made on first access, and the
fakes narrow it to their fake endpoint class, which mypy and pyright both accept). Before
each join the client's ``DriftGuard`` confirms the embedded mapping against the live app
(``_contracts._drift``: one ``GET /config`` per app and process) and routes the call.
Importing this module does not import httpx (the engine is imported on construction) nor
pydantic (imported when a value first needs it: ``_shapes``; ``GeneratedModel`` is in
``_model``).
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast, overload

from .._constants import SPACE_WAKE_TIMEOUT
from .._contracts._drift import DriftGuard, OnDrift
from .._exceptions import InputValidationError, OutputValidationError, UsageError
from .._files._file import File, FileInput
from .._spec import AppSpec, EndpointSpec
from .._threads import loop_running, off_loop
from .._types import NOT_GIVEN, ClientOptions, NotGiven
from ._map_api import AsyncMap, SyncMap
from ._shapes import MISS, _shapes_of, validation_error

if TYPE_CHECKING:  # typing_extensions costs ~10 ms at import; annotations only
    from pydantic import ValidationError
    from typing_extensions import Self, Unpack

    from .._client._clients import AsyncClient, Client
    from .._contracts._contract import ApiDiff
    from .._transport._async import AsyncJob
    from .._transport._sync_job import Job

__all__ = [
    "NOT_GIVEN",
    "AppClient",
    "AsyncAppClient",
    "AsyncEndpoint",
    "AsyncJob",
    "ClientOptions",
    "Endpoint",
    "EndpointAttribute",
    "File",
    "FileInput",
    "Job",
    "NotGiven",
    "OnDrift",
]

R = TypeVar("R")


# -- validation ---------------------------------------------------------------------------


def _prepare(owner: type, spec: EndpointSpec, values: tuple[Any, ...]) -> list[Any]:
    """Validate the arguments (all before any I/O) -> the visible wire values."""
    shapes = _shapes_of(owner)
    plain = shapes.plain_inputs(values)
    if plain is not None:  # all plain and decided by hand: nothing to dump, no adapter
        return [
            spec.parameters[i].default if v is NOT_GIVEN else values[i] for i, v in enumerate(plain)
        ]
    try:
        validated = shapes.inputs.validate_python(values)
    except validation_error() as exc:
        from ._explain import explain  # only on the error path

        errors = explain(cast("ValidationError", exc), shapes.names, shapes._input_hints, values)
        raise InputValidationError(spec.api_name, errors) from None
    dumped = shapes.inputs.dump_python(validated, by_alias=True, round_trip=True)
    out: list[Any] = []
    for i, (raw, value) in enumerate(zip(validated, dumped, strict=False)):
        given = values[i]
        if raw is NOT_GIVEN:
            out.append(spec.parameters[i].default)
        elif isinstance(given, int) and not isinstance(given, bool) and raw == given:
            out.append(given)  # an int for a float parameter is sent as given (50, not 50.0)
        elif _is_plain(raw):
            out.append(raw)
        else:
            out.append(_keep_files(raw, value))
    return out


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _keep_files(raw: Any, dumped: Any) -> Any:
    """``dump_python`` output with file markers / Files taken from the validated value."""
    from pydantic import BaseModel  # imported already: the values went through an adapter

    from .._files._file import FileSource

    if isinstance(raw, (FileSource, File)):
        return raw
    if isinstance(raw, BaseModel) and isinstance(dumped, Mapping):
        out = dict(dumped)
        for name, info in type(raw).model_fields.items():
            key = info.alias or name
            if key in out:
                out[key] = _keep_files(getattr(raw, name), out[key])
        return out
    if isinstance(raw, (list, tuple)) and isinstance(dumped, (list, tuple)):
        return [_keep_files(r, d) for r, d in zip(raw, dumped, strict=False)]
    if isinstance(raw, Mapping) and isinstance(dumped, Mapping):
        return {k: _keep_files(raw[k], v) if k in raw else v for k, v in dumped.items()}
    return dumped


_UNCHANGED = object()


def _unwrap_update(value: Any) -> Any:
    """A component update (``gr.update(...)``/a component returned by the app) -> its value;
    ``_UNCHANGED`` when it only changes properties (visible, interactive...)."""
    if isinstance(value, Mapping) and value.get("__type__") == "update":
        return value.get("value", _UNCHANGED)
    return value


def _shape_output(owner: type, spec: EndpointSpec, outputs: list[Any]) -> Any:
    """Visible outputs -> the declared return type. ``None`` stays ``None`` (an app may
    return None for any output: no image, empty gallery), and so does a property-only update
    (the app left that output's value as it was; there is no value to return)."""
    shapes = _shapes_of(owner)
    if shapes.none_output:
        return None
    shaped: list[Any] = []
    for i in range(len(shapes._output_hints)):
        raw = outputs[i] if i < len(outputs) else None
        if raw is not None and type(raw) is not str:  # a str (a streamed token) is no update
            raw = _unwrap_update(raw)
        if raw is _UNCHANGED or raw is None:
            shaped.append(None)  # left as it was / empty (an app may return None for any output)
            continue
        try:
            shaped.append(shapes.validate_output(i, raw))
        except validation_error() as exc:
            raise OutputValidationError(spec.api_name, outputs, str(exc)) from None
    return shapes.result_type(*shaped) if shapes.tuple_output else shaped[0]


def _output_shaper(owner: type, spec: EndpointSpec) -> Callable[[list[Any]], Any]:
    """What a job calls per output: ``_shape_output`` for this endpoint, with its most
    frequent case first. With one declared output whose hand check decides the value (a
    streamed ``str`` token), that check's answer is the result, as ``_shape_output`` would
    find it (such a value is never ``None`` or a component update); any other value goes
    through ``_shape_output`` itself."""
    general = functools.partial(_shape_output, owner, spec)
    shapes = _shapes_of(owner)
    check = None if shapes.none_output or shapes.tuple_output else shapes.output_check(0)
    if check is None:
        return general

    def shape(outputs: list[Any]) -> Any:
        if outputs:
            value = check(outputs[0])
            if value is not MISS and value is not None:
                return value
        return general(outputs)

    return shape


# -- endpoints ----------------------------------------------------------------------------


class _EndpointBase:
    def __init__(self, app: _AppBase, api_name: str) -> None:
        self._app = app
        self._api_name = api_name
        app._endpoints[api_name] = self

    @property
    def api_name(self) -> str:
        return self._api_name

    @property
    def spec(self) -> EndpointSpec:
        return self._app._spec().endpoint(self._api_name)

    def __repr__(self) -> str:
        return f"<endpoint {self._api_name} of {type(self._app).__name__}>"


class Endpoint(_EndpointBase, SyncMap[R], Generic[R]):
    """One endpoint of a sync generated client: call it, or ``.submit(...)`` for a ``Job``."""

    _app: AppClient

    def _call(self, values: tuple[Any, ...]) -> R:
        # Like Client.predict: the waiting thread reads the stream itself (lead), and a call
        # that fails or runs out of time (or is interrupted) is cancelled on the server.
        job = self._submit(values, lead=True)
        try:
            return job.result()
        except BaseException as exc:
            self._app._engine._suspect(exc)  # a lost stream: re-check before the next join
            job.cancel()
            raise

    def _submit(self, values: tuple[Any, ...], *, lead: bool = False) -> Job[R]:
        spec = self.spec
        wire = _prepare(type(self), spec, values)  # bad input: raised before any request
        shape = _output_shaper(type(self), spec)
        drift, engine = self._app._drift, self._app._engine
        spec, wire = drift.route(engine, spec, wire)  # confirmed (or refused) before the join
        return engine._submit(spec, wire, transform=shape, lead=lead)


class AsyncEndpoint(_EndpointBase, AsyncMap[R], Generic[R]):
    """One endpoint of an async generated client: ``await`` it, or ``await .submit(...)``."""

    _app: AsyncAppClient

    async def _call(self, values: tuple[Any, ...]) -> R:
        job = await self._submit(values)
        try:
            return await job.result()
        except BaseException as exc:  # failed, timed out or the caller's task was cancelled
            self._app._engine._suspect(exc)
            await job.cancel()
            raise

    async def _submit(self, values: tuple[Any, ...]) -> AsyncJob[R]:
        engine = await self._app._aengine()  # built off the loop on first use
        shapes = _shapes_of(type(self))
        if shapes.cold:  # pydantic validators this endpoint needs: built off the loop too
            await off_loop(shapes.warm)
        spec = self.spec
        wire = _prepare(type(self), spec, values)
        shape = _output_shaper(type(self), spec)
        spec, wire = await self._app._drift.aroute(engine, spec, wire)
        return await engine._submit(spec, wire, transform=shape)


E_co = TypeVar("E_co", bound=_EndpointBase, covariant=True)


class EndpointAttribute(Generic[E_co]):
    """One endpoint of a generated client class, declared in its class body::

        class DemoApp(AppClient):
            greet = EndpointAttribute(_GreetEndpoint, "/greet")

    ``client.greet`` is then a ``_GreetEndpoint`` bound to the client, made on first access
    and kept (in the instance's ``__dict__``: later accesses are plain attribute reads, and
    constructing a client makes no endpoint object). It is read-only for type checkers, so a
    subclass may narrow it: ``Fake<App>`` declares ``greet = EndpointAttribute(
    _GreetEndpointFake, "/greet")``, which mypy and pyright both accept (a re-declared mutable
    attribute is invariant, and pyright rejects the narrower type).

    On the class (``DemoApp.greet``) it is the declaration itself: ``endpoint_class``,
    ``api_name`` and ``name`` (the attribute's name).
    """

    __slots__ = ("api_name", "endpoint_class", "name")

    def __init__(self, endpoint_class: type[E_co], api_name: str) -> None:
        self.endpoint_class = endpoint_class
        self.api_name = api_name
        self.name = ""  # the attribute name, set when the class is created

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: _AppBase, owner: type | None = None) -> E_co: ...
    def __get__(self, obj: _AppBase | None, owner: type | None = None) -> Self | E_co:
        if obj is None:
            return self
        # two threads may race to make it: both get the one that was stored first
        made = obj.__dict__.setdefault(self.name, self.endpoint_class(obj, self.api_name))
        obj._endpoints[self.api_name] = made
        return made  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"EndpointAttribute({self.endpoint_class.__name__}, {self.api_name!r})"


def _endpoint_attributes(cls: type) -> dict[str, EndpointAttribute[Any]]:
    """``{api_name: EndpointAttribute}`` of a client class (its bases' first, in declaration
    order; a subclass's declaration replaces its base's). Built once per class."""
    table: dict[str, EndpointAttribute[Any]] | None = cls.__dict__.get("_endpoint_table")
    if table is None:
        table = {}
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                if isinstance(value, EndpointAttribute):
                    table[value.api_name] = value
        setattr(cls, "_endpoint_table", table)  # noqa: B010
    return table


# -- clients ------------------------------------------------------------------------------


class _AppBase:
    _snapshot_json: ClassVar[str] = '{"config": {}, "info": {}}'
    _schema_sha256: ClassVar[str] = ""
    _source: ClassVar[str] = ""
    _snapshot_cache: ClassVar[dict[str, Any] | None] = None

    def __init__(self) -> None:
        self._endpoints: dict[str, _EndpointBase] = {}  # the endpoint objects made so far

    @classmethod
    def snapshot(cls) -> dict[str, Any]:
        """The minimal snapshot this client was generated from (parsed once per class)."""
        cached = cls.__dict__.get("_snapshot_cache")
        if cached is None:
            cached = json.loads(cls._snapshot_json)
            cls._snapshot_cache = cached
        return dict(cached)

    def _spec(self) -> AppSpec:
        raise NotImplementedError

    @property
    def endpoints(self) -> list[str]:
        """The api_names this client has a method for."""
        return list(_endpoint_attributes(type(self)))

    def _endpoint_object(self, api_name: str) -> _EndpointBase:
        """The endpoint object of ``api_name`` (leading ``/`` optional): the same object as
        the client's attribute for it."""
        key = api_name if api_name.startswith("/") else "/" + api_name
        table = _endpoint_attributes(type(self))
        found = table.get(key)
        if found is None:
            from .._exceptions import UnknownEndpointError

            raise UnknownEndpointError(api_name, list(table))
        endpoint: _EndpointBase = getattr(self, found.name)
        return endpoint


def _duplicate_source(cls: type[_AppBase], from_space: str | None) -> str:
    source = from_space or cls._source
    if not source or "://" in source:
        raise UsageError(
            f"{cls.__name__} was not generated from a Space: pass the Space to copy, e.g. "
            f"{cls.__name__}.duplicate('owner/name')"
        )
    return source


def _check_src(src: str) -> None:
    if not isinstance(src, str) or not src:
        raise UsageError(
            "this client was generated from a bare snapshot file: pass the app's URL or "
            "Space id as the first argument, e.g. MyApp('http://127.0.0.1:7860/')"
        )


class AppClient(_AppBase):
    """Base of generated sync clients (wraps one ``gradio_gen_runtime`` ``Client``).

    ``on_drift`` (see ``_contracts._drift``): the first call checks the live app before its
    join (one ``GET /config`` per app and process, shared by every client of the app), so
    no call ever carries an unconfirmed ``fn_index``; compatible changes are routed.
    Breaking changes: ``"warn"`` (default) -> one ``DriftWarning``, calls that can still
    work go on, the others raise ``DriftError``; ``"error"`` -> every call raises
    ``DriftError``. ``"ignore"`` checks nothing: after an app change a call may run another
    function of the app, or fail on the server.
    """

    def __init__(
        self, src: str, *, on_drift: OnDrift = "warn", **options: Unpack[ClientOptions]
    ) -> None:
        super().__init__()
        _check_src(src)
        from .._client._clients import Client

        self._drift = DriftGuard(
            self.snapshot(), on_drift=on_drift, client=type(self).__name__,
            embedded_sha256=self._schema_sha256 or None,
        )  # fmt: skip
        # trust_snapshot: the engine sends what the guard confirmed and routed
        self._engine: Client = Client(src, snapshot=self.snapshot(), trust_snapshot=True, **options)

    def _spec(self) -> AppSpec:
        return self._engine.spec

    @property
    def spec(self) -> AppSpec:
        return self._engine.spec

    def endpoint(self, api_name: str) -> Endpoint[Any]:
        """The endpoint object of ``api_name`` (leading ``/`` optional): the same object as
        the client's method for it."""
        found = self._endpoint_object(api_name)
        assert isinstance(found, Endpoint)
        return found

    @classmethod
    def duplicate(
        cls,
        from_space: str | None = None,
        to_id: str | None = None,
        *,
        private: bool = True,
        hardware: str | None = None,
        secrets: Mapping[str, str] | None = None,
        sleep_timeout: int | None = None,
        on_drift: OnDrift = "warn",
        **options: Unpack[ClientOptions],
    ) -> Self:
        """Copy the Space (default: the one this client was generated from) to your account,
        or reuse your copy; wait until it runs; return a client of this class connected to it.

        ``hardware`` is a Hub flavor (``cpu-basic`` ... ``h100x8``), ``sleep_timeout`` in
        minutes; the ``space_timeout`` option (seconds) bounds the wait for the copy to run, as
        it bounds the wait when connecting. Rules: ``gradio_gen_runtime._hub._duplicate``.
        """
        from .._hub._duplicate import duplicate_space_sync

        space_id = duplicate_space_sync(
            _duplicate_source(cls, from_space), to_id,
            hf_token=options.get("hf_token", NOT_GIVEN), private=private, hardware=hardware,
            secrets=secrets, sleep_timeout=sleep_timeout,
            timeout=options.get("space_timeout", SPACE_WAKE_TIMEOUT),
            status_callback=options.get("status_callback"),
        )  # fmt: skip
        return cls(space_id, on_drift=on_drift, **options)

    def check_drift(self, timeout: float | None = None) -> ApiDiff | None:
        """The full drift check: the changes from the schema this client was generated from
        to the live app (empty: none), comparing ``/config`` and ``/info`` (the automatic
        check before calls reads ``/info`` only when ``/config`` differs). Waits at most
        ``timeout`` seconds for a check another call runs. ``on_drift="error"`` raises
        ``DriftError`` on breaking changes; ``"ignore"`` -> ``None`` (never checked)."""
        return self._drift.check(self._engine, timeout)

    @property
    def pickle_secrets(self) -> bool:
        """Whether pickling this client carries its token, password and headers (off by
        default; see docs/batch.md)."""
        return bool(self._engine.pickle_secrets)

    @pickle_secrets.setter
    def pickle_secrets(self, value: bool) -> None:
        self._engine.pickle_secrets = bool(value)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles to its class and settings; the copy reconnects on its first call."""
        from .._client._portable import client_settings, restore_app

        settings = client_settings(self._engine, with_snapshot=False)
        src = settings.pop("src")
        return restore_app, (type(self), src, self._drift.on_drift, settings, self.pickle_secrets)

    def reset_session(self) -> None:
        self._engine.reset_session()

    def close(self) -> None:
        """Close the engine; a call waiting for its drift check ends with ``CancelledError``."""
        self._engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_ENGINE_MODULE = "gradio_gen_runtime._client._clients"
_ASYNC_MODULE = "gradio_gen_runtime._transport._async"
"""The async sessions: the engine imports them on an ``AsyncClient``'s first call (so that
sync clients never import asyncio); an async generated client imports them with it."""


def _import_engine() -> None:
    importlib.import_module(_ENGINE_MODULE)
    importlib.import_module(_ASYNC_MODULE)


def _engine_imported() -> bool:
    return _ENGINE_MODULE in sys.modules and _ASYNC_MODULE in sys.modules


class AsyncAppClient(_AppBase):
    """Base of generated async clients (wraps one ``gradio_gen_runtime`` ``AsyncClient``).
    ``on_drift`` as for ``AppClient``.

    Constructed on a running event loop before the engine was ever imported (``async with
    App() as client`` in ``main()``), the client defers building its engine to its first
    ``await``, which imports it in a worker thread: the import (httpx and the rest, 0.1 s) never
    blocks the loop. Invalid options are then raised by that first ``await`` instead of the
    constructor (still before any request)."""

    def __init__(
        self, src: str, *, on_drift: OnDrift = "warn", **options: Unpack[ClientOptions]
    ) -> None:
        super().__init__()
        _check_src(src)
        self._src = src
        self._options = options
        self._drift = DriftGuard(
            self.snapshot(), on_drift=on_drift, client=type(self).__name__,
            embedded_sha256=self._schema_sha256 or None,
        )  # fmt: skip
        self._built: AsyncClient | None = None
        if _engine_imported() or not loop_running():
            self._built = self._build()

    def _build(self) -> AsyncClient:
        from .._client._clients import AsyncClient

        # trust_snapshot: the engine sends what the guard confirmed and routed
        return AsyncClient(
            self._src, snapshot=self.snapshot(), trust_snapshot=True, **self._options
        )

    @property
    def _engine(self) -> AsyncClient:
        """The engine (built here, on the calling thread, if no ``await`` built it yet)."""
        if self._built is None:
            self._built = self._build()
        return self._built

    async def _aengine(self) -> AsyncClient:
        """The engine, its first import done off the event loop."""
        if self._built is None:
            if not _engine_imported():
                await off_loop(_import_engine)
            if self._built is None:
                self._built = self._build()
        return self._built

    def _spec(self) -> AppSpec:
        return self._engine.spec

    @property
    def spec(self) -> AppSpec:
        return self._engine.spec

    def endpoint(self, api_name: str) -> AsyncEndpoint[Any]:
        """The endpoint object of ``api_name`` (leading ``/`` optional)."""
        found = self._endpoint_object(api_name)
        assert isinstance(found, AsyncEndpoint)
        return found

    async def connect(self) -> Self:
        await (await self._aengine()).connect()
        return self

    async def check_drift(self) -> ApiDiff | None:
        """The full drift check (see ``AppClient.check_drift``)."""
        return await self._drift.acheck(await self._aengine())

    @classmethod
    async def duplicate(
        cls,
        from_space: str | None = None,
        to_id: str | None = None,
        *,
        private: bool = True,
        hardware: str | None = None,
        secrets: Mapping[str, str] | None = None,
        sleep_timeout: int | None = None,
        on_drift: OnDrift = "warn",
        **options: Unpack[ClientOptions],
    ) -> Self:
        """Copy the Space (default: the one this client was generated from) to your account,
        or reuse your copy; wait until it runs; return a client of this class for it.

        ``hardware`` is a Hub flavor (``cpu-basic`` ... ``h100x8``), ``sleep_timeout`` in
        minutes; the ``space_timeout`` option (seconds) bounds the wait for the copy to run, as
        it bounds the wait when connecting. Rules: ``gradio_gen_runtime._hub._duplicate``.
        """
        from .._hub._duplicate import duplicate_space

        space_id = await duplicate_space(
            _duplicate_source(cls, from_space), to_id,
            hf_token=options.get("hf_token", NOT_GIVEN), private=private, hardware=hardware,
            secrets=secrets, sleep_timeout=sleep_timeout,
            timeout=options.get("space_timeout", SPACE_WAKE_TIMEOUT),
            status_callback=options.get("status_callback"),
        )  # fmt: skip
        return cls(space_id, on_drift=on_drift, **options)

    @property
    def pickle_secrets(self) -> bool:
        """Whether pickling this client carries its token, password and headers (off by
        default; see docs/batch.md)."""
        return bool(self._engine.pickle_secrets)

    @pickle_secrets.setter
    def pickle_secrets(self, value: bool) -> None:
        self._engine.pickle_secrets = bool(value)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles to its class and settings; the copy reconnects on its first call."""
        from .._client._portable import client_settings, restore_app

        settings = client_settings(self._engine, with_snapshot=False)
        src = settings.pop("src")
        return restore_app, (type(self), src, self._drift.on_drift, settings, self.pickle_secrets)

    def reset_session(self) -> None:
        self._engine.reset_session()

    async def aclose(self) -> None:
        if self._built is not None:  # never built: nothing to close
            await self._built.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
