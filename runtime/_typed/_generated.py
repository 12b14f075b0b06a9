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
snapshot (so constructing one makes no request), and attach one endpoint object per method.
Importing this module does not import httpx: the engine is imported on construction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)
from typing_extensions import Self, Unpack

from .._constants import SPACE_WAKE_TIMEOUT
from .._contracts._drift import DriftGuard, OnDrift
from .._exceptions import InputValidationError, OutputValidationError, UsageError
from .._files._file import File, FileInput
from .._spec import AppSpec, EndpointSpec
from .._types import NOT_GIVEN, ClientOptions, NotGiven
from ._map_api import AsyncMap, SyncMap
from ._shapes import MISS, _shapes_of

if TYPE_CHECKING:
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
    "File",
    "FileInput",
    "GeneratedModel",
    "Job",
    "NotGiven",
    "OnDrift",
]

R = TypeVar("R")


class GeneratedModel(BaseModel):
    """Base of every generated pydantic model: built lazily, nothing the server sends is lost.

    Dumped, a model holds what was set: a field nobody set whose value is ``None`` (the
    stand-in for "not given" of an optional field) is left out rather than sent as ``null``,
    which the app may not accept (a chat message without ``files``); the app's own default
    applies. A ``None`` that was set (by the app or by the caller) is kept."""

    model_config = ConfigDict(defer_build=True, extra="allow", populate_by_name=True)

    @model_serializer(mode="wrap")
    def _leave_out_unset_none(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            fields_set = self.model_fields_set
            for name, field in type(self).model_fields.items():
                if name not in fields_set and getattr(self, name, None) is None:
                    key = (
                        (field.serialization_alias or field.alias or name)
                        if info.by_alias
                        else name
                    )
                    if data.get(key, 0) is None:
                        del data[key]
        return data


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
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            loc = err.get("loc", ())
            index = loc[0] if loc and isinstance(loc[0], int) else None
            name = shapes.names[index] if index is not None and index < len(shapes.names) else "?"
            where = "".join(f"[{p!r}]" for p in loc[1:])
            errors.setdefault(name, []).append(f"{err.get('msg', 'invalid')}{where}")
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
        except ValidationError as exc:
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
        except BaseException:
            job.cancel()
            raise

    def _submit(self, values: tuple[Any, ...], *, lead: bool = False) -> Job[R]:
        spec = self.spec
        wire = _prepare(type(self), spec, values)
        shape = _output_shaper(type(self), spec)
        drift, engine = self._app._drift, self._app._engine
        drift.before_call(engine)  # on_drift="error": checked before the first join
        spec, wire = drift.route(spec, wire)
        try:
            return engine._submit(spec, wire, transform=shape, lead=lead)
        finally:
            if not drift.started:  # on_drift="warn": checked after the first join
                drift.after_join(engine)


class AsyncEndpoint(_EndpointBase, AsyncMap[R], Generic[R]):
    """One endpoint of an async generated client: ``await`` it, or ``await .submit(...)``."""

    _app: AsyncAppClient

    async def _call(self, values: tuple[Any, ...]) -> R:
        job = await self._submit(values)
        try:
            return await job.result()
        except BaseException:  # failed, timed out or the caller's task was cancelled
            await job.cancel()
            raise

    async def _submit(self, values: tuple[Any, ...]) -> AsyncJob[R]:
        spec = self.spec
        wire = _prepare(type(self), spec, values)
        shape = _output_shaper(type(self), spec)
        drift, engine = self._app._drift, self._app._engine
        await drift.abefore_call(engine)  # on_drift="error": checked before the first join
        spec, wire = drift.route(spec, wire)
        try:
            return await engine._submit(spec, wire, transform=shape)
        finally:
            if not drift.started:  # on_drift="warn": checked after the first join
                drift.aafter_join(engine)


# -- clients ------------------------------------------------------------------------------


class _AppBase:
    _snapshot_json: ClassVar[str] = '{"config": {}, "info": {}}'
    _schema_sha256: ClassVar[str] = ""
    _source: ClassVar[str] = ""
    _snapshot_cache: ClassVar[dict[str, Any] | None] = None

    def __init__(self) -> None:
        self._endpoints: dict[str, _EndpointBase] = {}

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
        return list(self._endpoints)


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

    ``on_drift`` (see ``_drift``): ``"warn"`` (default) sends the first call's join at once
    and checks the live app right after it, in the background (no request before the first
    call; a drift warns and later calls are routed); ``"error"`` checks before the first call
    (one round trip up front, and no call reaches a changed app); ``"ignore"`` never checks.
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
        self._engine: Client = Client(src, snapshot=self.snapshot(), **options)

    def _spec(self) -> AppSpec:
        return self._engine.spec

    @property
    def spec(self) -> AppSpec:
        return self._engine.spec

    def endpoint(self, api_name: str) -> Endpoint[Any]:
        """The endpoint object of ``api_name`` (leading ``/`` optional): the same object as
        the client's method for it."""
        key = api_name if api_name.startswith("/") else "/" + api_name
        found = self._endpoints.get(key)
        if found is None:
            from .._exceptions import UnknownEndpointError

            raise UnknownEndpointError(api_name, list(self._endpoints))
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
        """The drift verdict: the changes from the schema this client was generated from to
        the live app (empty: none). With ``on_drift="warn"`` the check runs in the background
        after the first call's join; this waits for it (at most ``timeout`` seconds), or runs
        it now if no call was made. ``on_drift="error"`` raises ``DriftError`` on breaking
        changes; ``"ignore"`` -> ``None`` (never checked)."""
        if self._drift.started:
            self._drift.wait(timeout)
        self._drift.check_client(self._engine)
        return self._drift.diff

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
        self._drift.closing()
        self._engine.close()
        self._drift.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncAppClient(_AppBase):
    """Base of generated async clients (wraps one ``gradio_gen_runtime`` ``AsyncClient``).
    ``on_drift`` as for ``AppClient`` (the background check is a task on the running loop)."""

    def __init__(
        self, src: str, *, on_drift: OnDrift = "warn", **options: Unpack[ClientOptions]
    ) -> None:
        super().__init__()
        _check_src(src)
        from .._client._clients import AsyncClient

        self._drift = DriftGuard(
            self.snapshot(), on_drift=on_drift, client=type(self).__name__,
            embedded_sha256=self._schema_sha256 or None,
        )  # fmt: skip
        self._engine: AsyncClient = AsyncClient(src, snapshot=self.snapshot(), **options)

    def _spec(self) -> AppSpec:
        return self._engine.spec

    @property
    def spec(self) -> AppSpec:
        return self._engine.spec

    def endpoint(self, api_name: str) -> AsyncEndpoint[Any]:
        """The endpoint object of ``api_name`` (leading ``/`` optional)."""
        key = api_name if api_name.startswith("/") else "/" + api_name
        found = self._endpoints.get(key)
        if found is None:
            from .._exceptions import UnknownEndpointError

            raise UnknownEndpointError(api_name, list(self._endpoints))
        assert isinstance(found, AsyncEndpoint)
        return found

    async def connect(self) -> Self:
        await self._engine.connect()
        return self

    async def check_drift(self) -> ApiDiff | None:
        """The drift verdict (see ``AppClient.check_drift``): waits for the background check
        of ``on_drift="warn"``, or runs the check now if no call was made."""
        await self._drift.await_check()
        await self._drift.acheck_client(self._engine)
        return self._drift.diff

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
        await self._drift.aclose()
        await self._engine.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
