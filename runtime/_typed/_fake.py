"""Typed fakes: test code that uses a generated client without the app.

Every generated module renders (``templates/fake.py.jinja``) ``Fake<App>`` and
``AsyncFake<App>``: subclasses of the real client classes whose endpoint objects subclass
the real endpoint classes, so they have the same attributes, the same signatures and run the
same input validation (the generated signature -> ``_generated._prepare``), and raise the
same ``InputValidationError`` before anything else happens. Instead of the engine, each
endpoint answers from what the test supplied::

    fake = FakeWhisper()
    fake.transcribe.returns("hello")                       # every call
    fake.transcribe.responds(lambda audio, language: ...)  # computed from the arguments
    fake.transcribe.raises(AppError("boom"))               # the job fails
    fake.transcribe.streams("he", "hello")                 # intermediate outputs, then final
    FakeWhisper({"transcribe": "hello"})                   # the same, by attribute or api_name

    app_code(fake)                                        # a FakeWhisper *is* a Whisper
    assert fake.transcribe.calls[0].args == {"audio": "a.wav", "language": "en"}

Responders get keyword arguments named like the method's parameters, after validation
(arguments left out arrive as the app's default; file arguments arrive as the caller gave
them); they may return a generator to stream, and async fakes accept async responders.
Returned values are validated into the declared return type like real outputs
(``OutputValidationError`` on a mismatch). An endpoint with nothing stubbed raises
``NotStubbedError`` naming it. ``.submit()`` returns a finished job (``FakeJob``) with the
real job's API: ``result()``, iteration, ``outputs()``, ``updates()``, ``status()``...
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import GeneratorType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .._exceptions import CancelledError, NotStubbedError, UsageError
from .._files._file import FileSource
from .._spec import AppSpec
from .._types import NOT_GIVEN, NotGiven, Status, StatusCode, Update
from ._generated import (
    AppClient,
    AsyncAppClient,
    AsyncEndpoint,
    Endpoint,
    _AppBase,
    _endpoint_attributes,
    _EndpointBase,
    _prepare,
    _shape_output,
)
from ._shapes import _shapes_of

if TYPE_CHECKING:  # typing_extensions costs ~10 ms at import; annotations only
    from typing_extensions import Self

    from .._transport._async import AsyncJob
    from .._transport._sync_job import Job

__all__ = [
    "AsyncFakeAppClient",
    "AsyncFakeEndpoint",
    "FakeAppClient",
    "FakeCall",
    "FakeEndpoint",
    "NotStubbedError",
]

R = TypeVar("R")
_StubKind = Literal["value", "function", "error", "stream"]


@dataclass(frozen=True)
class FakeCall:
    """One recorded call: ``args`` by parameter name (validated, defaults filled in)."""

    endpoint: str
    args: dict[str, Any]
    time: float = field(default_factory=time.monotonic, compare=False, repr=False)

    def __getitem__(self, name: str) -> Any:
        return self.args[name]


@dataclass(frozen=True)
class _Stub:
    kind: _StubKind
    value: Any


@dataclass
class _Outcome:
    outputs: list[Any]
    error: BaseException | None


class _FakeBehaviour:
    """Stubbing and call recording shared by the sync and async fake endpoints."""

    def _fake_init(self) -> None:
        self.calls: list[FakeCall] = []
        """Every call of this endpoint, in order."""
        self._stub: _Stub | None = None
        self._lock = threading.Lock()

    # -- stubbing --------------------------------------------------------------------
    def returns(self, value: Any) -> Self:
        """Answer every call with ``value`` (validated into the return type)."""
        self._stub = _Stub("value", value)
        return self

    def responds(self, function: Callable[..., Any]) -> Self:
        """Answer with ``function(**arguments)``; a generator streams its values."""
        if not callable(function):
            raise TypeError("responds() takes a callable; use returns() for a value")
        self._stub = _Stub("function", function)
        return self

    def raises(self, error: BaseException) -> Self:
        """Fail every call's job with ``error`` (raised by ``result()``)."""
        self._stub = _Stub("error", error)
        return self

    def streams(self, *values: Any) -> Self:
        """Yield ``values`` as intermediate outputs; the last one is the result."""
        if not values:
            raise ValueError("streams() needs at least one value")
        self._stub = _Stub("stream", list(values))
        return self

    def reset(self) -> None:
        """Forget the stub and the recorded calls."""
        self._stub = None
        self.calls.clear()

    @property
    def called(self) -> bool:
        return bool(self.calls)

    @property
    def last_call(self) -> FakeCall:
        if not self.calls:
            raise AssertionError(f"{self._ep.api_name} was never called")
        return self.calls[-1]

    # -- answering -------------------------------------------------------------------
    @property
    def _ep(self) -> _EndpointBase:
        assert isinstance(self, _EndpointBase)
        return self

    def _owner(self) -> type:
        """The generated endpoint class (the one that declares the typed ``__call__``)."""
        for cls in type(self).__mro__:
            if "__call__" in cls.__dict__:
                return cls
        raise TypeError(f"{type(self).__name__} has no generated __call__")

    def _record(self, values: tuple[Any, ...]) -> tuple[FakeCall, _Stub]:
        owner = self._owner()
        spec = self._ep._app._spec().endpoint(self._ep.api_name)
        _prepare(owner, spec, values)  # the real validation: same errors, same order
        shapes = _shapes_of(owner)
        validated = shapes.validate_inputs(values)
        args: dict[str, Any] = {}
        for i, name in enumerate(shapes.names):
            raw, value = values[i], validated[i]
            if raw is NOT_GIVEN:
                value = spec.parameters[i].default
            elif isinstance(value, FileSource):
                value = raw
            args[name] = value
        call = FakeCall(self._ep.api_name, args)
        stub = self._stub
        if stub is None:
            raise NotStubbedError(self._ep.api_name, type(self._ep._app).__name__)
        with self._lock:
            self.calls.append(call)
        app = self._ep._app
        if isinstance(app, (FakeAppClient, AsyncFakeAppClient)):
            app._record_call(call)
        return call, stub

    def _shape(self, value: Any) -> Any:
        owner = self._owner()
        spec = self._ep._app._spec().endpoint(self._ep.api_name)
        shapes = _shapes_of(owner)
        if shapes.none_output:
            return None
        outputs = (
            list(value) if shapes.tuple_output and isinstance(value, (tuple, list)) else [value]
        )
        return _shape_output(owner, spec, outputs)

    def _finish(self, produced: Any) -> _Outcome:
        outputs: list[Any] = []
        try:
            if isinstance(produced, GeneratorType):
                for item in produced:
                    outputs.append(self._shape(item))
                if not outputs:
                    raise UsageError(f"the fake of {self._ep.api_name} streamed no value")
            else:
                outputs.append(self._shape(produced))
        except Exception as exc:  # the job fails like a real one would
            return _Outcome(outputs, exc)
        return _Outcome(outputs, None)

    def _answer_sync(self, call: FakeCall, stub: _Stub) -> _Outcome:
        if stub.kind == "error":
            return _Outcome([], stub.value)
        if stub.kind == "stream":
            return self._finish(_iter_values(stub.value))
        if stub.kind == "value":
            return self._finish(stub.value)
        try:
            produced = stub.value(**call.args)
        except Exception as exc:
            return _Outcome([], exc)
        return self._finish(produced)


def _iter_values(values: list[Any]) -> Iterator[Any]:
    yield from values


class FakeEndpoint(_FakeBehaviour, Endpoint[R]):
    """Base of generated sync fake endpoints (mixed before the real endpoint class)."""

    def __init__(self, app: _AppBase, api_name: str) -> None:
        _EndpointBase.__init__(self, app, api_name)
        self._fake_init()

    def _call(self, values: tuple[Any, ...]) -> R:
        return self._submit(values).result()

    def _submit(self, values: tuple[Any, ...], *, lead: bool = False) -> Job[R]:
        call, stub = self._record(values)
        outcome = self._answer_sync(call, stub)
        job: Job[R] = _job_classes()["FakeJob"](self._api_name, outcome)
        return job


class AsyncFakeEndpoint(_FakeBehaviour, AsyncEndpoint[R]):
    """Base of generated async fake endpoints; responders may be ``async def``."""

    def __init__(self, app: _AppBase, api_name: str) -> None:
        _EndpointBase.__init__(self, app, api_name)
        self._fake_init()

    async def _call(self, values: tuple[Any, ...]) -> R:
        job = await self._submit(values)
        return await job.result()

    async def _submit(self, values: tuple[Any, ...]) -> AsyncJob[R]:
        call, stub = self._record(values)
        if stub.kind == "function":
            try:
                produced = stub.value(**call.args)
                if inspect.isawaitable(produced):
                    produced = await produced
                if inspect.isasyncgen(produced):
                    produced = _iter_values([item async for item in produced])
            except Exception as exc:
                outcome = _Outcome([], exc)
            else:
                outcome = self._finish(produced)
        else:
            outcome = self._answer_sync(call, stub)
        job: AsyncJob[R] = _job_classes()["AsyncFakeJob"](self._api_name, outcome)
        return job


# -- clients ------------------------------------------------------------------------------


class _FakeClientMixin:
    _endpoints: dict[str, _EndpointBase]

    def _fake_client_init(self, snapshot: Mapping[str, Any]) -> None:
        self._fake_spec = AppSpec.from_snapshot(snapshot)
        self.calls: list[FakeCall] = []
        """Every call of every endpoint, in order."""
        self._calls_lock = threading.Lock()

    def _record_call(self, call: FakeCall) -> None:
        with self._calls_lock:
            self.calls.append(call)

    def _spec(self) -> AppSpec:
        return self._fake_spec

    @property
    def spec(self) -> AppSpec:
        return self._fake_spec

    def _stub_all(self, responses: Mapping[str, Any] | None) -> None:
        """``{"attr" or "/api_name": value | callable | exception}`` -> stubs."""
        if not responses:
            return
        table = _endpoint_attributes(type(self))
        by_attr = {attribute.name: attribute for attribute in table.values()}
        for key, answer in responses.items():
            found = by_attr.get(key) or table.get(key if key.startswith("/") else "/" + key)
            target = None if found is None else getattr(self, found.name)
            if not isinstance(target, _FakeBehaviour):
                raise UsageError(
                    f"{type(self).__name__} has no endpoint {key!r}; "
                    f"endpoints: {', '.join(sorted(by_attr))}"
                )
            if isinstance(answer, BaseException):
                target.raises(answer)
            elif callable(answer):
                target.responds(answer)
            else:
                target.returns(answer)

    def reset(self) -> None:
        """Forget every stub and recorded call."""
        for ep in self._endpoints.values():  # the endpoints made so far (the others are new)
            if isinstance(ep, _FakeBehaviour):
                ep.reset()
        self.calls.clear()


class FakeAppClient(_FakeClientMixin, AppClient):
    """Base of generated sync fakes: no engine, no network; ``close()`` is a no-op."""

    def __init__(self) -> None:
        _AppBase.__init__(self)
        self._fake_client_init(self.snapshot())

    def reset_session(self) -> None:
        return None

    def check_drift(self, timeout: float | None = None) -> None:
        """A fake has no live app to compare with: never checked."""
        return None

    def close(self) -> None:
        return None


class AsyncFakeAppClient(_FakeClientMixin, AsyncAppClient):
    """Base of generated async fakes: no engine, no network."""

    def __init__(self) -> None:
        _AppBase.__init__(self)
        self._fake_client_init(self.snapshot())

    async def connect(self) -> Self:
        return self

    def reset_session(self) -> None:
        return None

    async def check_drift(self) -> None:
        """A fake has no live app to compare with: never checked."""
        return None

    async def aclose(self) -> None:
        return None


# -- jobs ---------------------------------------------------------------------------------

_job_lock = threading.Lock()
_jobs: dict[str, type] = {}


def _job_classes() -> dict[str, type]:
    """``FakeJob`` / ``AsyncFakeJob``: subclasses of the real job classes (so a fake's
    ``submit()`` has the real return type), defined on first use to keep importing this
    module free of httpx."""
    with _job_lock:
        if not _jobs:
            _jobs.update(_define_jobs())
    return _jobs


def _status(outcome: _Outcome, cancelled: bool) -> Status:
    code: StatusCode = (
        "cancelled"
        if cancelled or isinstance(outcome.error, CancelledError)
        else ("error" if outcome.error is not None else "done")
    )
    return Status(code, success=outcome.error is None and not cancelled, time=time.time())


def _updates(outcome: _Outcome) -> list[Update]:
    status = _status(outcome, False)
    last = len(outcome.outputs) - 1
    return [
        Update("output", status, value, final=(i == last and outcome.error is None))
        for i, value in enumerate(outcome.outputs)
    ] + [Update("status", status)]


def _define_jobs() -> dict[str, type]:
    from .._transport._async import AsyncJob
    from .._transport._sync_job import Job

    class FakeJob(Job[R]):
        """A finished job from a fake endpoint; same API as ``Job``."""

        def __init__(self, endpoint: str, outcome: _Outcome) -> None:  # no engine state
            self._fake_endpoint = endpoint
            self._outcome = outcome
            self._fake_id = f"fake-{id(self):x}"

        @property
        def event_id(self) -> str:
            return self._fake_id

        @property
        def endpoint(self) -> str:
            return self._fake_endpoint

        def __repr__(self) -> str:
            return f"<FakeJob {self.endpoint} {self.status().code}>"

        def done(self) -> bool:
            return True

        def status(self) -> Status:
            return _status(self._outcome, False)

        def outputs(self) -> list[R]:
            return list(self._outcome.outputs)

        def result(self, timeout: float | NotGiven | None = NOT_GIVEN) -> R:
            if self._outcome.error is not None:
                raise self._outcome.error
            value: R = self._outcome.outputs[-1]
            return value

        def updates(self, timeout: float | NotGiven | None = NOT_GIVEN) -> Iterator[Update]:
            yield from _updates(self._outcome)

        def __iter__(self) -> Iterator[R]:
            yield from self._outcome.outputs
            error = self._outcome.error
            if error is not None and not isinstance(error, CancelledError):
                raise error

        def cancel(self) -> bool:
            return False

        def send_chunk(self, *values: Any) -> None:
            raise UsageError(f"{self.endpoint}: the fake job has already finished")

        def close_stream(self) -> None:
            raise UsageError(f"{self.endpoint}: the fake job has already finished")

    class AsyncFakeJob(AsyncJob[R]):
        """A finished job from an async fake endpoint; same API as ``AsyncJob``."""

        def __init__(self, endpoint: str, outcome: _Outcome) -> None:
            self._fake_endpoint = endpoint
            self._outcome = outcome
            self._fake_id = f"fake-{id(self):x}"

        @property
        def event_id(self) -> str:
            return self._fake_id

        @property
        def endpoint(self) -> str:
            return self._fake_endpoint

        def __repr__(self) -> str:
            return f"<AsyncFakeJob {self.endpoint} {self.status().code}>"

        def done(self) -> bool:
            return True

        def status(self) -> Status:
            return _status(self._outcome, False)

        def outputs(self) -> list[R]:
            return list(self._outcome.outputs)

        async def result(self, timeout: float | NotGiven | None = NOT_GIVEN) -> R:
            if self._outcome.error is not None:
                raise self._outcome.error
            value: R = self._outcome.outputs[-1]
            return value

        async def updates(
            self, timeout: float | NotGiven | None = NOT_GIVEN
        ) -> AsyncIterator[Update]:
            for update in _updates(self._outcome):
                yield update

        async def __aiter__(self) -> AsyncIterator[R]:
            for value in self._outcome.outputs:
                yield value
            error = self._outcome.error
            if error is not None and not isinstance(error, CancelledError):
                raise error

        async def cancel(self) -> bool:
            return False

        async def send_chunk(self, *values: Any) -> None:
            raise UsageError(f"{self.endpoint}: the fake job has already finished")

        async def close_stream(self) -> None:
            raise UsageError(f"{self.endpoint}: the fake job has already finished")

    return {"FakeJob": FakeJob, "AsyncFakeJob": AsyncFakeJob}
