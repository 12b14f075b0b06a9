"""The plan of a batch of calls (``map``): what to submit next, when to retry, what is done.

Pure: no I/O, no clock of its own (callers pass ``now``, a ``time.monotonic()`` value), no
threads. The sync and async drivers (``_map``) do the waiting and the calls; every decision
is taken here, once, for both.

Rows enter in input order and stay in the *window* until handed to the caller; the window
holds at most ``concurrency`` rows, so at most ``concurrency`` calls are in flight and, in
ordered mode, finished rows are buffered only while an earlier row is still running (memory
is bounded by ``concurrency``, whatever the number of inputs). In unordered mode a row
leaves the window as soon as it is final.

Failures (``classify``):

* **refused**: the join was turned away before the app could run anything (429, 503 "queue
  full" or any 503, a connection that could not be opened). Always retried, at most
  ``REFUSAL_RETRIES`` times per row, after ``Retry-After`` when the server sent one, else
  exponential backoff; the whole batch pauses that long (the app is saturated, not one row).
* **quota**: a ``ZeroGPUQuotaError`` that says when to try again. With ``wait_on_quota``
  (``True``, or the longest wait accepted in seconds) the batch pauses until then and the row
  is sent again; otherwise the row fails.
* **transient**: the call may have reached the app (connection lost, timeouts, 5xx, ZeroGPU
  "no GPU available"). Retried only when the caller asked (``retries``): the app may run the
  row twice.
* **final**: everything else (the app's own error, invalid input, an output that does not
  match its type): the row fails.

A failed row ends the batch unless ``return_exceptions``: nothing more is submitted, the rows
after it are cancelled, the rows before it finish (they come first, in order).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from .._constants import INITIAL_RETRY_DELAY, MAX_RETRY_DELAY, RETRY_JITTER
from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    GradioGenError,
    HTTPStatusError,
    QueueFullError,
    RateLimitError,
    TransportError,
    ZeroGPUError,
    ZeroGPUQuotaError,
)
from .._zerogpu import transient_zerogpu

__all__ = ["REFUSAL_RETRIES", "MapPlan", "MapProgress", "Row", "classify"]

REFUSAL_RETRIES = 8
"""Times one row is sent again after its join was refused (429/503/no connection)."""
MAX_REFUSAL_DELAY = 60.0
"""Cap on a refusal's wait (a ``Retry-After`` above it is cut to it)."""

Failure = Literal["refused", "quota", "transient", "final"]
RowState = Literal["waiting", "running", "ok", "failed", "cancelled"]


def classify(error: GradioGenError, *, at_join: bool) -> Failure:
    """What kind of failure ``error`` is (see the module docstring). ``at_join``: raised by
    the submission itself (the join), before the app accepted the call."""
    if isinstance(error, ZeroGPUQuotaError) and error.retry_after is not None:
        return "quota"
    if isinstance(error, ZeroGPUError):
        return "transient" if transient_zerogpu(error) else "final"
    if at_join and isinstance(
        error, (RateLimitError, QueueFullError, ConnectError, ConnectTimeout)
    ):
        return "refused"
    if at_join and isinstance(error, HTTPStatusError) and error.status_code == 503:
        return "refused"
    if isinstance(error, TransportError):
        return "transient"
    if isinstance(error, HTTPStatusError) and error.status_code in (429, 502, 503, 504):
        return "transient"
    return "final"


def _retry_after(error: GradioGenError) -> float | None:
    value = getattr(error, "retry_after", None)
    return float(value) if isinstance(value, (int, float)) and value >= 0 else None


def backoff(attempt: int, cap: float = MAX_RETRY_DELAY) -> float:
    delay = min(INITIAL_RETRY_DELAY * 2.0**attempt, cap)
    return delay * (1.0 + random.uniform(-RETRY_JITTER, RETRY_JITTER))


@dataclass(frozen=True)
class MapProgress:
    """Where a batch stands, given to ``on_progress`` each time a row finishes."""

    total: int | None
    """Number of inputs when known (``len()`` or a length hint), else ``None``."""
    done: int
    """Rows finished, successes and failures."""
    failed: int
    retried: int
    """Submissions that were retries."""
    in_flight: int
    elapsed: float
    """Seconds since the batch started."""

    @property
    def succeeded(self) -> int:
        return self.done - self.failed

    @property
    def rate(self) -> float:
        """Rows finished per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate (``None`` when unknown)."""
        if self.total is None or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)


@dataclass(eq=False)
class Row:
    """One input and its call(s)."""

    index: int
    values: Any = None
    """The prepared arguments, kept until the row is final (for retries)."""
    state: RowState = "waiting"
    retry_at: float = 0.0
    job: Any = None
    """The driver's handle of the running attempt (a ``Job``, an ``asyncio.Task``)."""
    deadline: float | None = None
    value: Any = None
    error: GradioGenError | None = None
    attempts: int = 0
    transient_retries: int = 0
    refusals: int = 0

    @property
    def final(self) -> bool:
        return self.state in ("ok", "failed", "cancelled")


@dataclass
class MapPlan:
    concurrency: int
    return_exceptions: bool = False
    retries: int = 0
    wait_on_quota: bool | float = False
    ordered: bool = True
    total: int | None = None
    started: float = 0.0
    window: deque[Row] = field(default_factory=deque)
    exhausted: bool = False
    """The inputs are all read."""
    stopped: bool = False
    """No more rows are read or sent (a failure, or the caller stopped the batch)."""
    interrupted: bool = False
    """The caller stopped the batch (``stop``): nothing waiting is sent again."""
    pause_until: float = 0.0
    """No submission before this time (the app refused, or a quota wait)."""
    failed_index: int = -1
    """The row whose failure stopped the batch (``-1``: none)."""
    done: int = 0
    failed: int = 0
    retried: int = 0
    in_flight: int = 0

    # -- reading inputs --------------------------------------------------------------------
    def wants_input(self) -> bool:
        return not self.stopped and not self.exhausted and len(self.window) < self.concurrency

    def add(self, index: int, values: Any) -> Row:
        row = Row(index, values)
        self.window.append(row)
        return row

    def reject(self, row: Row, error: GradioGenError) -> list[Row]:
        """An input that cannot be sent at all (bad shape, invalid arguments)."""
        return self._fail(row, error)

    # -- sending ------------------------------------------------------------------------
    def due(self, now: float) -> list[Row]:
        """Rows to submit now (new rows and retries whose time has come), in input order."""
        if now < self.pause_until or self.interrupted:
            return []
        return [r for r in self.window if r.state == "waiting" and r.retry_at <= now]

    def started_row(self, row: Row, job: Any, deadline: float | None) -> None:
        if row.attempts:
            self.retried += 1
        row.attempts += 1
        row.state = "running"
        row.job = job
        row.deadline = deadline
        self.in_flight += 1

    def wakeup(self) -> float | None:
        """The next time something is due without any call finishing: a retry, the end of
        a pause, a running row's deadline."""
        times: list[float] = []
        for row in self.window:
            if row.state == "waiting":
                times.append(max(row.retry_at, self.pause_until))
            elif row.state == "running" and row.deadline is not None:
                times.append(row.deadline)
        return min(times) if times else None

    def running(self) -> list[Row]:
        return [r for r in self.window if r.state == "running"]

    # -- outcomes -----------------------------------------------------------------------
    def succeeded(self, row: Row, value: Any) -> None:
        self._leave(row)
        row.state, row.value, row.values, row.job = "ok", value, None, None
        self.done += 1

    def failed_row(
        self, row: Row, error: GradioGenError, *, at_join: bool, now: float
    ) -> list[Row]:
        """A submission (``at_join``) or a run failed: schedule a retry, or fail the row.
        Returns the rows to cancel (after a failure that ends the batch)."""
        self._leave(row)
        row.job = None
        kind = classify(error, at_join=at_join)
        delay = self._retry_delay(row, error, kind)
        if delay is not None and self.interrupted:
            self.cancel(row)  # would be sent again, but the caller stopped the batch
            return []
        if delay is not None and not (self.stopped and self._after_failure(row)):
            row.state, row.retry_at = "waiting", now + delay
            if kind in ("refused", "quota"):  # the app (or the quota) is saturated: all wait
                self.pause_until = max(self.pause_until, now + delay)
            return []
        return self._fail(row, error)

    def _retry_delay(self, row: Row, error: GradioGenError, kind: Failure) -> float | None:
        """Seconds before ``row`` is sent again, or ``None``: it fails."""
        hinted = _retry_after(error)
        if kind == "refused" and row.refusals < REFUSAL_RETRIES:
            row.refusals += 1
            if hinted is not None:
                return min(hinted, MAX_REFUSAL_DELAY)
            return backoff(row.refusals - 1)
        if kind == "quota" and self.wait_on_quota is not False and hinted is not None:
            if self.wait_on_quota is True or hinted <= float(self.wait_on_quota):
                return hinted
            return None
        if kind == "transient" and row.transient_retries < self.retries:
            row.transient_retries += 1
            return hinted if hinted is not None else backoff(row.transient_retries - 1)
        return None

    def _fail(self, row: Row, error: GradioGenError) -> list[Row]:
        row.state, row.error, row.values = "failed", error, None
        self.done += 1
        self.failed += 1
        if self.return_exceptions or self.stopped:
            return []
        self.stopped = True
        self.failed_index = row.index
        cancel = [r for r in self.window if r.index > row.index and not r.final]
        for r in cancel:
            self._leave(r)
            r.state, r.values = "cancelled", None
        return cancel

    def _after_failure(self, row: Row) -> bool:
        return self.failed_index >= 0 and row.index > self.failed_index

    def _leave(self, row: Row) -> None:
        if row.state == "running":
            self.in_flight -= 1

    def stop(self) -> list[Row]:
        """The caller stops the batch: nothing more is read or sent; rows waiting to be sent
        are cancelled; returns the running rows (to cancel, or to let finish)."""
        self.stopped = self.interrupted = True
        for row in self.window:
            if row.state == "waiting":
                self.cancel(row)
        return self.running()

    def cancel(self, row: Row) -> None:
        self._leave(row)
        row.state, row.values, row.job = "cancelled", None, None

    # -- handing rows out ---------------------------------------------------------------
    def pop(self) -> Iterator[Row]:
        """Final rows to hand to the caller now (ordered: from the head only). Cancelled
        rows are dropped silently (they come after the failure that is raised)."""
        if self.ordered:
            while self.window and self.window[0].final:
                row = self.window.popleft()
                if row.state != "cancelled":
                    yield row
            return
        if any(r.final for r in self.window):
            keep: deque[Row] = deque()
            ready: list[Row] = []
            for r in self.window:
                (ready if r.final else keep).append(r)
            self.window = keep
            yield from (r for r in ready if r.state != "cancelled")

    def finished(self) -> bool:
        """Nothing left: no row in the window and no input to read (or stopped)."""
        return not self.window and (self.exhausted or self.stopped)

    def progress(self, now: float) -> MapProgress:
        return MapProgress(
            total=self.total,
            done=self.done,
            failed=self.failed,
            retried=self.retried,
            in_flight=self.in_flight,
            elapsed=max(0.0, now - self.started),
        )
