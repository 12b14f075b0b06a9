"""The drivers of ``map``: run a ``MapPlan`` (``_batching``) with the sync or async engine.

Sync: the caller's thread reads the inputs, joins each row's call (``Job``), and waits for
*any* running row to finish by waiting on one of them with a predicate over all of them:
that wait reads the session stream inline (``_transport._sync``), so a batch starts no thread
of its own and no thread per call; the session's one background reader runs only while the
caller is away (consuming a result). Async: one task per running row (join + result), the
caller's coroutine waits for the first to finish.

Both hand out ``Row``s; ``values()`` turns them into results (or raises the first failure).
"""

from __future__ import annotations

import contextlib
import operator
import sys
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._exceptions import GradioGenError, InputValidationError, JobTimeout, UsageError
from ._batching import MapPlan, MapProgress, Row

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "INPUT_KEY",
    "BatchControl",
    "MapOptions",
    "arun_rows",
    "avalues",
    "map_options",
    "run_rows",
    "split_item",
    "values",
]

Prepare = Callable[[Any], Any]
INPUT_KEY = "*inputs"
"""The name an input's shape problem is reported under (``InputValidationError.errors``)."""
ProgressCallback = Callable[[MapProgress], object]


@dataclass(frozen=True)
class MapOptions:
    concurrency: int = 8
    return_exceptions: bool = False
    retries: int = 0
    wait_on_quota: bool | float = False
    on_progress: ProgressCallback | None = None
    progress_bar: bool = False
    job_timeout: float | None = None
    """Bound on one call, from its submission (the client's ``Timeout.job``)."""


def map_options(
    *,
    concurrency: int,
    return_exceptions: bool,
    retries: int,
    wait_on_quota: bool | float,
    on_progress: ProgressCallback | None,
    progress_bar: bool,
    job_timeout: float | None,
) -> MapOptions:
    """Checked options (``UsageError`` before anything is read or sent)."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise UsageError(f"concurrency must be a positive int, not {concurrency!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise UsageError(f"retries must be a non-negative int, not {retries!r}")
    if not isinstance(wait_on_quota, (bool, int, float)) or (
        not isinstance(wait_on_quota, bool) and wait_on_quota < 0
    ):
        raise UsageError(
            f"wait_on_quota must be True, False or the longest wait in seconds, not {wait_on_quota!r}"
        )
    if on_progress is not None and not callable(on_progress):
        raise UsageError("on_progress must be a callable taking a MapProgress")
    if progress_bar:
        _tqdm()  # fail now, not after the first row
    return MapOptions(
        concurrency=concurrency,
        return_exceptions=bool(return_exceptions),
        retries=retries,
        wait_on_quota=wait_on_quota,
        on_progress=on_progress,
        progress_bar=bool(progress_bar),
        job_timeout=job_timeout,
    )


def split_item(api_name: str, item: object) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """One input of ``map`` -> ``(args, kwargs)``: a tuple is positional arguments, a mapping
    keyword arguments; anything else is that input's ``InputValidationError``."""
    if isinstance(item, tuple):
        return item, {}
    if isinstance(item, Mapping):
        bad = [k for k in item if not isinstance(k, str)]
        if bad:
            raise InputValidationError(
                api_name, {INPUT_KEY: [f"keyword names must be strings, not {bad[0]!r}"]}
            )
        return (), dict(item)
    raise InputValidationError(
        api_name,
        {
            INPUT_KEY: [
                "each input must be a tuple of positional arguments or a dict of keyword "
                f"arguments, not {type(item).__name__} (one argument: write (value,))"
            ]
        },
    )


def _tqdm() -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        raise UsageError(
            "progress_bar=True needs tqdm: pip install 'gradio-gen-runtime[progress]' (or pass "
            "on_progress=callback)"
        ) from None
    return tqdm


class _Reporter:
    """Tells ``on_progress`` and the progress bar each time rows finish."""

    def __init__(self, options: MapOptions, plan: MapPlan) -> None:
        self._callback = options.on_progress
        self._plan = plan
        self._shown = 0
        self._bar: Any = None
        if options.progress_bar:
            self._bar = _tqdm()(total=plan.total, unit="row", file=sys.stderr, dynamic_ncols=True)

    def update(self) -> None:
        plan = self._plan
        if plan.done == self._shown:
            return
        if self._bar is not None:
            self._bar.update(plan.done - self._shown)
            self._bar.set_postfix(failed=plan.failed, refresh=False)
        self._shown = plan.done
        if self._callback is not None:
            self._callback(plan.progress(time.monotonic()))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _plan(inputs: object, options: MapOptions, ordered: bool) -> MapPlan:
    total: int | None
    try:
        total = len(inputs)  # type: ignore[arg-type]
    except TypeError:
        hint = operator.length_hint(inputs, -1)
        total = hint if hint >= 0 else None
    return MapPlan(
        concurrency=options.concurrency,
        return_exceptions=options.return_exceptions,
        retries=options.retries,
        wait_on_quota=options.wait_on_quota,
        ordered=ordered,
        total=total,
        started=time.monotonic(),
    )


# -- sync -----------------------------------------------------------------------------------


def run_rows(
    inputs: Iterable[Any],
    prepare: Prepare,
    submit: Callable[[Any], Any],
    finish: Callable[[Any], Any],
    options: MapOptions,
    *,
    ordered: bool = True,
) -> Iterator[Row]:
    """Rows as they are handed out (``ordered``: in input order), each final. ``submit``
    returns a ``Job``; ``finish`` post-processes a result (downloads)."""
    plan = _plan(inputs, options, ordered)
    reporter = _Reporter(options, plan)
    source = iter(inputs)
    index = 0
    try:
        while True:
            while plan.wants_input():
                try:
                    item = next(source)
                except StopIteration:
                    plan.exhausted = True
                    break
                row = plan.add(index, None)
                index += 1
                try:
                    row.values = prepare(item)
                except GradioGenError as exc:
                    _cancel_sync(plan.reject(row, exc))
            now = time.monotonic()
            for row in plan.due(now):
                if row.state != "waiting":  # cancelled by a failure just before
                    continue
                try:
                    job = submit(row.values)
                except GradioGenError as exc:
                    _cancel_sync(plan.failed_row(row, exc, at_join=True, now=time.monotonic()))
                    continue
                timeout = options.job_timeout
                plan.started_row(row, job, None if timeout is None else time.monotonic() + timeout)
            harvested = _harvest_sync(plan, finish)
            reporter.update()
            yield from plan.pop()
            if plan.finished():
                return
            if not harvested:
                _wait_sync(plan)
    finally:
        _cancel_sync(plan.stop())
        reporter.close()


def _harvest_sync(plan: MapPlan, finish: Callable[[Any], Any]) -> bool:
    """Record every running row that finished (or ran out of time); True if any did."""
    now = time.monotonic()
    changed = False
    for row in plan.running():
        job = row.job
        if not job.done():
            if row.deadline is not None and now >= row.deadline:
                job.cancel()
                error = JobTimeout(f"{job.endpoint} ({job.event_id}) did not finish in time")
                _cancel_sync(plan.failed_row(row, error, at_join=False, now=now))
                changed = True
            continue
        changed = True
        try:
            value = finish(job.result(timeout=0))
        except GradioGenError as exc:
            _cancel_sync(plan.failed_row(row, exc, at_join=False, now=time.monotonic()))
        else:
            plan.succeeded(row, value)
    return changed


def _wait_sync(plan: MapPlan) -> None:
    """Block until a running row finishes or ``plan.wakeup()`` comes (no busy loop)."""
    until = plan.wakeup()
    jobs = [r.job for r in plan.running()]
    if not jobs:
        if until is not None:
            time.sleep(max(0.0, until - time.monotonic()))
        return
    first = jobs[0]
    found = [getattr(j, "_record", None) for j in jobs]
    records = [r for r in found if r is not None]
    if len(records) < len(found):
        return  # a job without engine state (a typed fake's): its answer is already there
    same = [j for j in jobs if getattr(j, "_session", None) is first._session]
    if len(same) < len(jobs):  # jobs of an older session (reset_session): check often
        soon = time.monotonic() + 0.05
        until = soon if until is None else min(until, soon)

    def ready() -> bool:  # called with the session lock held
        return any(r.done for r in records)

    with first._cond, contextlib.suppress(JobTimeout):
        first._wait(ready, until)


def _cancel_sync(rows: list[Row]) -> None:
    for row in rows:
        job = row.job
        if job is not None:
            with contextlib.suppress(GradioGenError):
                job.cancel()


def values(rows: Iterator[Row], return_exceptions: bool) -> Iterator[Any]:
    """Rows -> results; the first failure is raised (or yielded with ``return_exceptions``)."""
    try:
        for row in rows:
            if row.state == "ok":
                yield row.value
            elif return_exceptions:
                yield row.error
            else:
                assert row.error is not None
                raise row.error
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


# -- async ----------------------------------------------------------------------------------


@dataclass
class BatchControl:
    """Lets a batch runner stop an async ``map`` gracefully (``gradio-gen batch`` on Ctrl-C):
    after ``stop`` is set nothing more is sent; running rows get ``grace`` seconds to finish,
    then are cancelled (and not handed out)."""

    stop: asyncio.Event
    grace: float = 10.0


async def _anext_input(source: Any) -> tuple[bool, Any]:
    if hasattr(source, "__anext__"):
        try:
            return True, await source.__anext__()
        except StopAsyncIteration:
            return False, None
    try:
        return True, next(source)
    except StopIteration:
        return False, None


async def arun_rows(
    inputs: Iterable[Any] | AsyncIterable[Any],
    prepare: Prepare,
    submit: Callable[[Any], Awaitable[Any]],
    finish: Callable[[Any], Awaitable[Any]],
    options: MapOptions,
    *,
    ordered: bool = True,
    control: BatchControl | None = None,
) -> AsyncGenerator[Row, None]:
    """Async twin of ``run_rows``: ``submit`` returns an ``AsyncJob``."""
    import asyncio  # imported by the caller's event loop already, not at this module's import

    plan = _plan(inputs, options, ordered)
    reporter = _Reporter(options, plan)
    source: Any = inputs.__aiter__() if isinstance(inputs, AsyncIterable) else iter(inputs)
    tasks: dict[asyncio.Task[tuple[str, Any]], Row] = {}
    stop_wait: asyncio.Task[Any] | None = None
    grace_end: float | None = None
    index = 0

    async def attempt(row: Row) -> tuple[str, Any]:
        try:
            job = await submit(row.values)
        except GradioGenError as exc:
            return "join", exc
        try:
            return "ok", await finish(await job.result())
        except GradioGenError as exc:
            with contextlib.suppress(GradioGenError):
                await job.cancel()  # out of time: stop it on the server (no-op once done)
            return "run", exc
        except BaseException:  # cancelled: the batch failed or stopped
            with contextlib.suppress(GradioGenError):
                await job.cancel()
            raise

    def cancel(rows: list[Row]) -> None:
        for row in rows:
            task = row.job
            if isinstance(task, asyncio.Task):
                task.cancel()

    try:
        if control is not None:
            stop_wait = asyncio.ensure_future(control.stop.wait())
        while True:
            while plan.wants_input():
                more, item = await _anext_input(source)
                if not more:
                    plan.exhausted = True
                    break
                row = plan.add(index, None)
                index += 1
                try:
                    row.values = prepare(item)
                except GradioGenError as exc:
                    cancel(plan.reject(row, exc))
            for row in plan.due(time.monotonic()):
                if row.state == "waiting":
                    task = asyncio.ensure_future(attempt(row))
                    tasks[task] = row
                    plan.started_row(row, task, None)
            reporter.update()
            popped = False
            for row in plan.pop():
                popped = True
                yield row
            if plan.finished():
                return
            if popped:
                continue  # their places are free: read and send more before waiting
            waiters: set[asyncio.Future[Any]] = set(tasks)
            if stop_wait is not None and not stop_wait.done():
                waiters.add(stop_wait)
            until = plan.wakeup()
            if grace_end is not None:
                until = grace_end if until is None else min(until, grace_end)
            timeout = None if until is None else max(0.0, until - time.monotonic())
            if waiters:
                finished, _ = await asyncio.wait(
                    waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
            else:
                await asyncio.sleep(timeout or 0.0)
                finished = set()
            if stop_wait is not None and stop_wait.done() and grace_end is None:
                assert control is not None
                plan.stop()
                grace_end = time.monotonic() + control.grace
            for task in [t for t in finished if t in tasks]:
                row = tasks.pop(task)  # type: ignore[arg-type]
                if task.cancelled() or row.state != "running":
                    continue
                kind, value = task.result()
                if kind == "ok":
                    plan.succeeded(row, value)
                else:
                    cancel(
                        plan.failed_row(row, value, at_join=kind == "join", now=time.monotonic())
                    )
            if grace_end is not None and time.monotonic() >= grace_end:
                for row in plan.running():
                    cancel([row])  # out of grace: cancelled, not handed out
                    plan.cancel(row)
    finally:
        plan.stop()
        for task in tasks:
            task.cancel()
        if stop_wait is not None:
            stop_wait.cancel()
        if tasks:  # let the cancelled calls send their /cancel
            await asyncio.gather(*tasks, return_exceptions=True)
        reporter.close()


async def avalues(rows: AsyncIterator[Row], return_exceptions: bool) -> AsyncIterator[Any]:
    """Async twin of ``values``."""
    try:
        async for row in rows:
            if row.state == "ok":
                yield row.value
            elif return_exceptions:
                yield row.error
            else:
                assert row.error is not None
                raise row.error
    finally:
        aclose = getattr(rows, "aclose", None)
        if aclose is not None:
            await aclose()
