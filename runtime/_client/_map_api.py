"""``map`` of the untyped clients (mixed into ``Client`` and ``AsyncClient``)."""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from typing import TYPE_CHECKING, Any

from ._base import bind_arguments, default_transform

if TYPE_CHECKING:  # the batch machinery (_map, _batching): imported by a first map
    from ._batching import MapProgress, Row
    from ._map import BatchControl, MapOptions

__all__ = ["AsyncClientMap", "ClientMap", "aclient_rows", "client_rows"]


class ClientMap:
    _endpoint: Any
    timeout: Any

    def map(
        self,
        endpoint: str | int,
        inputs: Iterable[tuple[Any, ...] | Mapping[str, Any]],
        *,
        concurrency: int = 8,
        return_exceptions: bool = False,
        retries: int = 0,
        wait_on_quota: bool | float = False,
        on_progress: Callable[[MapProgress], object] | None = None,
        progress_bar: bool = False,
    ) -> Iterator[Any]:
        """``predict(endpoint, ...)`` once per input (a tuple of positional or a dict of
        keyword arguments), ``concurrency`` at a time; results in input order. Options as for
        a generated endpoint's ``map`` (docs/batch.md)."""
        from ._map import map_options, values

        options = map_options(
            concurrency=concurrency, return_exceptions=return_exceptions, retries=retries,
            wait_on_quota=wait_on_quota, on_progress=on_progress, progress_bar=progress_bar,
            job_timeout=self.timeout.job,
        )  # fmt: skip
        self._endpoint(endpoint)  # an unknown endpoint fails now, not on iteration
        return values(client_rows(self, endpoint, inputs, options), options.return_exceptions)


class AsyncClientMap:
    _endpoint: Any
    _spec: Any
    timeout: Any

    def map(
        self,
        endpoint: str | int,
        inputs: Iterable[tuple[Any, ...] | Mapping[str, Any]]
        | AsyncIterable[tuple[Any, ...] | Mapping[str, Any]],
        *,
        concurrency: int = 8,
        return_exceptions: bool = False,
        retries: int = 0,
        wait_on_quota: bool | float = False,
        on_progress: Callable[[MapProgress], object] | None = None,
        progress_bar: bool = False,
    ) -> AsyncIterator[Any]:
        """``async for result in client.map(endpoint, inputs)``: as ``Client.map``."""
        from ._map import avalues, map_options

        options = map_options(
            concurrency=concurrency, return_exceptions=return_exceptions, retries=retries,
            wait_on_quota=wait_on_quota, on_progress=on_progress, progress_bar=progress_bar,
            job_timeout=self.timeout.job,
        )  # fmt: skip
        if self._spec is not None:
            self._endpoint(endpoint)  # an unknown endpoint fails now, not on iteration
        rows = aclient_rows(self, endpoint, inputs, options)
        return avalues(rows, options.return_exceptions)


# -- the untyped clients ---------------------------------------------------------------------


def client_rows(
    client: Any,
    endpoint: str | int,
    inputs: Iterable[Any],
    options: MapOptions,
    *,
    ordered: bool = True,
) -> Iterator[Row]:
    """``Client.map``'s rows: inputs bound as ``predict`` binds its arguments, results shaped
    and their files downloaded (``download_dir``) as ``predict`` does."""
    from ._map import run_rows, split_item

    client._connect()
    ep = client._endpoint(endpoint)

    def prepare(item: object) -> list[Any]:
        args, kwargs = split_item(ep.api_name, item)
        return bind_arguments(ep, args, kwargs)

    return run_rows(
        inputs,
        prepare,
        lambda values: client._submit(ep, values, transform=default_transform),
        client._files.download_all,
        options,
        ordered=ordered,
    )


async def aclient_rows(
    client: Any,
    endpoint: str | int,
    inputs: Iterable[Any] | AsyncIterable[Any],
    options: MapOptions,
    *,
    ordered: bool = True,
    control: BatchControl | None = None,
) -> AsyncGenerator[Row, None]:
    """``AsyncClient.map``'s rows (connects first if needed)."""
    from ._map import arun_rows, split_item

    await client.connect()
    ep = client._endpoint(endpoint)

    def prepare(item: object) -> list[Any]:
        args, kwargs = split_item(ep.api_name, item)
        return bind_arguments(ep, args, kwargs)

    async def submit(values: list[Any]) -> Any:
        return await client._submit(ep, values, transform=default_transform)

    rows = arun_rows(
        inputs,
        prepare,
        submit,
        client._files.adownload_all,
        options,
        ordered=ordered,
        control=control,
    )
    try:
        async for row in rows:
            yield row
    finally:
        await rows.aclose()
