"""``Job``: a submitted call of the sync client (see ``_sync.SyncSession`` for the reader
role its waits take or leave).

A job talks to its session through ``JobSession``, the part of ``_sync.SyncSession`` it uses,
declared here: ``_sync`` imports this module (it makes the jobs), so this one must not import
``_sync`` (the runtime has no import cycle, a test checks it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sized
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from .._exceptions import CancelledError, JobTimeout, UsageError
from .._protocol._session import EventRecord
from .._spec import EndpointSpec
from .._types import NOT_GIVEN, NotGiven, Status, Timeout, Update
from ._shaping import Shaper

if TYPE_CHECKING:
    import threading

R = TypeVar("R")


class JobSession(Protocol):
    """What a ``Job`` uses of its session (implemented by ``_sync.SyncSession``)."""

    timeout: Timeout
    lock: threading.Lock
    """The lock of every job condition of the session."""
    _lead_waiting: int
    """Waiters blocked while another thread holds the reader role that could read inline."""
    _sleeping: int
    """Waiters blocked in a condition wait (the reader notifies only when there are some)."""
    encode_inputs: Callable[[EndpointSpec, list[Any]], list[Any]]

    def cancel(self, event_id: str) -> bool: ...
    def post_stream(self, ep: EndpointSpec, event_id: str, data: list[Any] | None) -> None: ...
    def can_lead(self, deadline: float | None) -> bool: ...
    def try_lead(self, deadline: float | None) -> bool: ...
    def lead(self, ready: Callable[[], bool], deadline: float | None) -> None: ...


class Job(Generic[R]):
    """A submitted call. Thread-safe; every wait is bounded (default: ``Timeout.job``)."""

    def __init__(
        self,
        session: JobSession,
        ep: EndpointSpec,
        record: EventRecord,
        cond: threading.Condition,
        transform: Callable[[list[Any]], R],
    ) -> None:
        self._session = session
        self._ep = ep
        self._record = record
        self._cond = cond
        self._shape = Shaper(ep, record, transform)

    @property
    def event_id(self) -> str:
        return self._record.event_id

    @property
    def endpoint(self) -> str:
        return self._ep.api_name

    def __repr__(self) -> str:
        return f"<Job {self.endpoint} {self.event_id} {self._record.status.code}>"

    def _deadline(self, timeout: float | NotGiven | None) -> float | None:
        seconds = self._session.timeout.job if timeout is NOT_GIVEN else timeout
        return None if seconds is None else time.monotonic() + seconds

    def _wait(self, ready: Callable[[], bool], deadline: float | None) -> None:
        """Under the lock: wait until ``ready()`` or raise ``JobTimeout``. With no reader
        running, the waiting thread reads the stream itself (``SyncSession.lead``)."""
        session = self._session
        while not ready():
            if session.try_lead(deadline):
                session.lead(ready, deadline)
                continue
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise JobTimeout(f"{self.endpoint} ({self.event_id}) did not finish in time")
            capable = session.can_lead(deadline)  # woken to read inline when the role is free
            if capable:
                session._lead_waiting += 1
            session._sleeping += 1
            try:
                self._cond.wait(remaining)
            finally:
                session._sleeping -= 1
                if capable:
                    session._lead_waiting -= 1

    def _more(self, items: Sized, seen: int) -> Callable[[], bool]:
        record = self._record
        return lambda: len(items) > seen or record.done

    def done(self) -> bool:
        with self._cond:
            return self._record.done

    def status(self) -> Status:
        with self._cond:
            return self._record.status

    def outputs(self) -> list[R]:
        """Every output so far (each generator yield, then the final value)."""
        with self._cond:
            return [self._shape(i, wire) for i, wire in enumerate(self._record.outputs)]

    def result(self, timeout: float | NotGiven | None = NOT_GIVEN) -> R:
        """The final output; raises the job's error (``AppError``, ``CancelledError``...)."""
        deadline = self._deadline(timeout)
        with self._cond:
            record = self._record
            self._wait(lambda: record.done, deadline)
            if record.outcome == "success":
                return self._shape(len(record.outputs) - 1)
            assert record.error is not None
            raise record.error

    def updates(self, timeout: float | NotGiven | None = NOT_GIVEN) -> Iterator[Update]:
        """Every update (status, progress, log, output) in order, until the job ends."""
        deadline = self._deadline(timeout)
        index = 0
        record = self._record
        updates = record.updates
        while True:
            with self._cond:
                self._wait(self._more(updates, index), deadline)
                # the updates up to the next output one: outputs are shaped one at a time
                # (a job read after it ended does not hold all its outputs at once)
                batch: list[Update] = []
                end = len(updates)
                while index < end:
                    update = updates[index]
                    index += 1
                    if update.kind == "output":  # ``output``: the index of its value
                        output = self._shape(update.output)
                        batch.append(Update("output", update.status, output, update.final))
                        break
                    batch.append(update)
                finished = record.done and len(updates) == index
            yield from batch
            if finished:
                return

    def __iter__(self) -> Iterator[R]:
        """Each output as it arrives (generator yields, then the final value); raises the
        job's error at the end, except a cancellation, which just ends the iteration."""
        # Per output this costs one pass of the loop below: no wait set up, and the reader
        # role taken (``try_lead``) and given back (at the end of ``lead``) around the reads
        # that bring the output, so that a caller who stops iterating holds nothing.
        deadline = self._deadline(NOT_GIVEN)
        session = self._session
        record = self._record
        outputs = record.outputs
        lock = session.lock  # the condition's lock, without its Python-level wrapper
        index = 0

        def ready() -> bool:
            return len(outputs) > index or record.outcome is not None  # ``record.done``

        while True:
            with lock:
                if len(outputs) <= index and record.outcome is None:  # not ready()
                    if session.try_lead(deadline):  # what ``_wait`` does first, without it
                        session.lead(ready, deadline)
                    if len(outputs) <= index and record.outcome is None:
                        self._wait(ready, deadline)
                # one output a pass (one step of the log's rebuild when behind), shaped
                # under the lock, yielded outside it
                end = len(outputs)
                new = end > index
                if new:
                    item = self._shape(index)
                    index += 1
                finished = end == index and record.outcome is not None
                error = record.error if finished else None
            if new:
                yield item
            if finished:
                if error is not None and not isinstance(error, CancelledError):
                    raise error
                return

    def cancel(self) -> bool:
        """Stop the job (server-side too, without disturbing other jobs). True if it was
        still pending; ``result()`` then raises ``CancelledError``."""
        return self._session.cancel(self.event_id)

    def send_chunk(self, *values: Any) -> None:
        """Send the next input chunk to a ``connection: "stream"`` endpoint."""
        self._check_stream()
        data = self._session.encode_inputs(self._ep, list(values))
        self._session.post_stream(self._ep, self.event_id, self._ep.to_wire(data))

    def close_stream(self) -> None:
        """End a streaming-input job; its final output follows."""
        self._check_stream()
        self._session.post_stream(self._ep, self.event_id, None)

    def _check_stream(self) -> None:
        if self._ep.connection != "stream":
            raise UsageError(f"{self.endpoint} is not a streaming-input endpoint")
