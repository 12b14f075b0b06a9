"""``Endpoint.map`` / ``AsyncEndpoint.map`` of generated clients: inputs bound to the typed
signature, then the batch drivers of ``_client._map``.

An input is a ``tuple`` of positional arguments or a ``Mapping`` of keyword arguments, bound
to the endpoint's generated ``__call__`` signature exactly as a call would be (defaults,
keyword-only parameters); a bad input is that row's ``InputValidationError``. Validation of
the values themselves is the call's own (``_prepare``), at submission.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from .._client._map import (
    INPUT_KEY,
    BatchControl,
    MapOptions,
    arun_rows,
    avalues,
    run_rows,
    split_item,
    values,
)
from .._exceptions import InputValidationError

if TYPE_CHECKING:
    from .._client._batching import Row
    from .._transport._async import AsyncJob
    from .._transport._sync_job import Job

__all__ = ["async_rows", "bind_item", "map_async", "map_sync", "sync_rows"]


# What the drivers use of an endpoint (``_generated.Endpoint`` / ``AsyncEndpoint``, whose
# ``map`` comes here through ``_map_api``): declared here so this module does not import
# ``_generated``, which imports ``_map_api`` (the runtime has no import cycle, a test checks it).
class _Target(Protocol):
    @property
    def _app(self) -> object: ...
    @property
    def api_name(self) -> str: ...


class _SyncTarget(_Target, Protocol):
    def _submit(self, values: tuple[Any, ...], *, lead: bool = False) -> Job[Any]: ...


class _AsyncTarget(_Target, Protocol):
    async def _submit(self, values: tuple[Any, ...]) -> AsyncJob[Any]: ...


@functools.cache
def _signature(owner: type) -> tuple[inspect.Signature, tuple[str, ...]]:
    fn = owner.__dict__.get("__call__") or owner.__call__
    sig = inspect.signature(fn)
    names = tuple(list(sig.parameters)[1:])  # without self
    return sig, names


def bind_item(owner: type, api_name: str, item: object) -> tuple[Any, ...]:
    """One input -> the call's arguments in signature order (defaults filled in)."""
    args, kwargs = split_item(api_name, item)
    sig, names = _signature(owner)
    unknown = [k for k in kwargs if k not in names]
    if unknown:
        expected = f"unknown parameter (expected one of: {', '.join(names) or 'none'})"
        raise InputValidationError(api_name, {k: [expected] for k in unknown})
    missing = [
        n
        for n in names[len(args) :]
        if n not in kwargs and sig.parameters[n].default is inspect.Parameter.empty
    ]
    if missing:
        raise InputValidationError(api_name, {n: ["required, no value given"] for n in missing})
    try:
        bound = sig.bind(None, *args, **kwargs)
    except TypeError as exc:
        raise InputValidationError(api_name, {INPUT_KEY: [str(exc)]}) from None
    bound.apply_defaults()
    return tuple(bound.arguments[name] for name in names)


def _job_timeout(endpoint: _Target) -> float | None:
    engine = getattr(endpoint._app, "_engine", None)
    timeout = getattr(engine, "timeout", None)
    return getattr(timeout, "job", None)


def sync_rows(
    endpoint: _SyncTarget, inputs: Iterable[Any], options: MapOptions, *, ordered: bool = True
) -> Iterator[Row]:
    owner, api_name = type(endpoint), endpoint.api_name
    return run_rows(
        inputs,
        lambda item: bind_item(owner, api_name, item),
        endpoint._submit,
        lambda value: value,
        options,
        ordered=ordered,
    )


def map_sync(endpoint: _SyncTarget, inputs: Iterable[Any], options: MapOptions) -> Iterator[Any]:
    return values(sync_rows(endpoint, inputs, options), options.return_exceptions)


async def _same(value: Any) -> Any:
    return value


def async_rows(
    endpoint: _AsyncTarget,
    inputs: Iterable[Any] | AsyncIterable[Any],
    options: MapOptions,
    *,
    ordered: bool = True,
    control: BatchControl | None = None,
) -> AsyncIterator[Row]:
    owner, api_name = type(endpoint), endpoint.api_name
    return arun_rows(
        inputs,
        lambda item: bind_item(owner, api_name, item),
        endpoint._submit,
        _same,
        options,
        ordered=ordered,
        control=control,
    )


def map_async(
    endpoint: _AsyncTarget, inputs: Iterable[Any] | AsyncIterable[Any], options: MapOptions
) -> AsyncIterator[Any]:
    return avalues(async_rows(endpoint, inputs, options), options.return_exceptions)
