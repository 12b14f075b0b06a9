"""``map`` of generated endpoints: the typed signatures (mixed into ``Endpoint`` and
``AsyncEndpoint``). Light to import: the drivers are imported on the first call."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from .._exceptions import GradioGenError

if TYPE_CHECKING:
    from .._client._batching import MapProgress

__all__ = ["Arguments", "AsyncMap", "SyncMap"]

R = TypeVar("R")
Arguments = tuple[Any, ...] | Mapping[str, Any]
"""One input of ``map``: positional arguments (a tuple) or keyword arguments (a dict)."""


class SyncMap(Generic[R]):
    @overload
    def map(
        self,
        inputs: Iterable[Arguments],
        *,
        concurrency: int = 8,
        return_exceptions: Literal[False] = False,
        retries: int = 0,
        wait_on_quota: bool | float = False,
        on_progress: Callable[[MapProgress], object] | None = None,
        progress_bar: bool = False,
    ) -> Iterator[R]: ...
    @overload
    def map(
        self,
        inputs: Iterable[Arguments],
        *,
        concurrency: int = 8,
        return_exceptions: Literal[True],
        retries: int = 0,
        wait_on_quota: bool | float = False,
        on_progress: Callable[[MapProgress], object] | None = None,
        progress_bar: bool = False,
    ) -> Iterator[R | GradioGenError]: ...
    def map(
        self,
        inputs: Iterable[Arguments],
        *,
        concurrency: int = 8,
        return_exceptions: bool = False,
        retries: int = 0,
        wait_on_quota: bool | float = False,
        on_progress: Callable[[MapProgress], object] | None = None,
        progress_bar: bool = False,
    ) -> Iterator[R] | Iterator[R | GradioGenError]:
        """Call this endpoint once per input, ``concurrency`` calls at a time; the results in
        input order. ``inputs`` (read lazily) holds tuples of positional arguments or dicts of
        keyword arguments. The first failure is raised in its place (nothing more is sent,
        later calls are cancelled) unless ``return_exceptions``, which yields it instead.
        ``retries``: times a call is sent again after a failure that may pass (a lost
        connection, a timeout); a refused join (429/503) is always retried with backoff.
        ``wait_on_quota``: on a ZeroGPU quota error, wait as told and retry (``True``, or the
        longest wait in seconds). ``on_progress`` gets a ``MapProgress`` as rows finish;
        ``progress_bar`` draws one on stderr (needs ``gradio-gen-runtime[progress]``). See docs/batch.md.
        """
        from .._client._map import map_options
        from ._batch import _job_timeout, map_sync

        options = map_options(
            concurrency=concurrency, return_exceptions=return_exceptions, retries=retries,
            wait_on_quota=wait_on_quota, on_progress=on_progress, progress_bar=progress_bar,
            job_timeout=_job_timeout(self),  # type: ignore[arg-type]
        )  # fmt: skip
        return map_sync(self, inputs, options)  # type: ignore[arg-type]


class AsyncMap(Generic[R]):
    @overload
    def map(
        self,
        inputs: Iterable[Arguments] | AsyncIterable[Arguments],
        *,
        concurrency: int = 8,
        return_exceptions: Literal[False] = False,
        retries: int = 0,
        wait_on_quota: bool | float = False,
        on_progress: Callable[[MapProgress], object] | None = None,
        progress_bar: bool = False,
    ) -> AsyncIterator[R]: ...
    @overload
    def map(
        self,
        inputs: Iterable[Arguments] | AsyncIterable[Arguments],
        *,
        concurrency: int = 8,
        return_exceptions: Literal[True],
        retries: int = 0,
        wait_on_quota: bool | float = False,
        on_progress: Callable[[MapProgress], object] | None = None,
        progress_bar: bool = False,
    ) -> AsyncIterator[R | GradioGenError]: ...
    def map(
        self,
        inputs: Iterable[Arguments] | AsyncIterable[Arguments],
        *,
        concurrency: int = 8,
        return_exceptions: bool = False,
        retries: int = 0,
        wait_on_quota: bool | float = False,
        on_progress: Callable[[MapProgress], object] | None = None,
        progress_bar: bool = False,
    ) -> AsyncIterator[R] | AsyncIterator[R | GradioGenError]:
        """``async for result in endpoint.map(inputs)``: as ``Endpoint.map``, on the event
        loop (``inputs`` may also be an async iterable). Leaving the loop early cancels the
        calls in flight (at once with ``contextlib.aclosing``)."""
        from .._client._map import map_options
        from ._batch import _job_timeout, map_async

        options = map_options(
            concurrency=concurrency, return_exceptions=return_exceptions, retries=retries,
            wait_on_quota=wait_on_quota, on_progress=on_progress, progress_bar=progress_bar,
            job_timeout=_job_timeout(self),  # type: ignore[arg-type]
        )  # fmt: skip
        return map_async(self, inputs, options)  # type: ignore[arg-type]
