"""Client adapters: the one thing a client implements to get a column in the benchmark.

The interface (and the floor / gradio_client adapters) follow the team's shared baseline
harness (../shared/bench/adapters.py); the adapters for our own client are new.

    import_module: str                       module whose import time is measured
    connect(url) -> None                     construct the client; ready to call afterwards
    call(endpoint, **kwargs) -> value        one blocking call, e.g. call("/add", a=1, b=2)
    stream(endpoint, **kwargs) -> iterator   every intermediate output, then the final one
    call_many(endpoint, kwargs_list) -> list all calls in flight at once; results in order,
                                             a failed call's exception object in its place
    call_file(endpoint, path) -> value       upload local `path` as the file input and return
                                             the output as a local path (downloaded to disk)
    close() -> None

Parameter names are those of bench_app.py:
    /echo(text)  /add(a, b)  /stream(n)  /file_echo(file)  /slow(text)  /state(increment)

Our client ("ours") is used the way a user would: the generated typed client when the runner
could generate one for the bench app (env ``BENCH_GENERATED_MODULE``, its schema embedded, so
constructing makes no request; the first call confirms it with one GET /config), else the untyped ``gradio_gen_runtime.Client`` given the saved
snapshot (env ``BENCH_SNAPSHOT``), else ``Client(url)``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

# Parameter order of the benchmark app, for clients that take positional arguments.
PARAMS: dict[str, tuple[str, ...]] = {
    "/echo": ("text",),
    "/add": ("a", "b"),
    "/stream": ("n",),
    "/file_echo": ("file",),
    "/slow": ("text",),
    "/state": ("increment",),
}


def positional(endpoint: str, kwargs: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(kwargs[name] for name in PARAMS[endpoint] if name in kwargs)


class Adapter:
    """Base class; documents the interface."""

    name = "base"
    import_module = ""

    def __init__(self, download_dir: str | None = None) -> None:
        self.download_dir = download_dir
        self._own_tmp: str | None = None

    def _dl_dir(self) -> str:
        """The given folder, else $BENCH_DOWNLOAD_DIR (set by the runner), else a temp
        folder that close() removes."""
        if self.download_dir:
            return self.download_dir
        if os.environ.get("BENCH_DOWNLOAD_DIR"):
            self.download_dir = os.environ["BENCH_DOWNLOAD_DIR"]
            return self.download_dir
        self._own_tmp = self.download_dir = tempfile.mkdtemp(prefix="bench-dl-")
        return self._own_tmp

    def _cleanup(self) -> None:
        if self._own_tmp:
            shutil.rmtree(self._own_tmp, ignore_errors=True)
            self._own_tmp = None

    def connect(self, url: str) -> None:
        raise NotImplementedError

    def call(self, endpoint: str, **kwargs: Any) -> Any:
        raise NotImplementedError

    def stream(self, endpoint: str, **kwargs: Any) -> Iterator[Any]:
        raise NotImplementedError

    def call_many(self, endpoint: str, kwargs_list: list[dict[str, Any]]) -> list[Any]:
        raise NotImplementedError

    def call_file(self, endpoint: str, path: str, **kwargs: Any) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        self._cleanup()


# ------------------------------------------------------------------------------ the floor
class FloorAdapter(Adapter):
    """floor_client.py: the minimal httpx client (the physical limit)."""

    name = "floor"
    import_module = "floor_client"

    def connect(self, url: str) -> None:
        from floor_client import MinimalClient

        self._dl_dir()
        self.client = MinimalClient(url)

    def call(self, endpoint: str, **kwargs: Any) -> Any:
        return self.client.predict(endpoint, *positional(endpoint, kwargs))

    def stream(self, endpoint: str, **kwargs: Any) -> Iterator[Any]:
        return self.client.stream(endpoint, *positional(endpoint, kwargs))

    def call_many(self, endpoint: str, kwargs_list: list[dict[str, Any]]) -> list[Any]:
        from floor_client import AsyncMinimalClient

        async def run() -> list[Any]:
            ac = AsyncMinimalClient.from_sync(self.client)
            try:
                return await asyncio.gather(
                    *(ac.predict(endpoint, *positional(endpoint, kw)) for kw in kwargs_list),
                    return_exceptions=True,
                )
            finally:
                await ac.aclose()

        return asyncio.run(run())

    def call_file(self, endpoint: str, path: str, **kwargs: Any) -> Any:
        kwargs["file"] = self.client.upload(path)
        out = self.client.predict(endpoint, *positional(endpoint, kwargs))
        return self.client.download(out, self._dl_dir())

    def close(self) -> None:
        if getattr(self, "client", None) is not None:
            self.client.close()
        self._cleanup()


# ------------------------------------------------------------------------- gradio_client
class GradioClientAdapter(Adapter):
    """The official client 2.7.2, used the way its documentation shows."""

    name = "gradio_client"
    import_module = "gradio_client"

    def __init__(self, download_dir: str | None = None, max_workers: int = 40) -> None:
        super().__init__(download_dir)
        self.max_workers = max_workers
        self.client: Any = None

    def connect(self, url: str) -> None:
        from gradio_client import Client

        self.client = Client(
            url,
            max_workers=self.max_workers,
            verbose=False,
            download_files=self._dl_dir(),
            analytics_enabled=False,  # ignored unless GRADIO_ANALYTICS_ENABLED is set too
        )

    def call(self, endpoint: str, **kwargs: Any) -> Any:
        return self.client.predict(api_name=endpoint, **kwargs)

    def stream(self, endpoint: str, **kwargs: Any) -> Iterator[Any]:
        yield from self.client.submit(api_name=endpoint, **kwargs)

    def call_many(self, endpoint: str, kwargs_list: list[dict[str, Any]]) -> list[Any]:
        jobs = [self.client.submit(api_name=endpoint, **kw) for kw in kwargs_list]
        out: list[Any] = []
        for job in jobs:
            try:
                out.append(job.result(timeout=600))
            except Exception as e:  # reported as a lost call
                out.append(e)
        return out

    def call_file(self, endpoint: str, path: str, **kwargs: Any) -> Any:
        from gradio_client import handle_file

        return self.client.predict(file=handle_file(path), api_name=endpoint, **kwargs)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        self._cleanup()


# ---------------------------------------------------------------------------------- ours
def _load_snapshot(snapshot: str | None) -> dict[str, Any] | None:
    path = snapshot if snapshot is not None else os.environ.get("BENCH_SNAPSHOT")
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


class OursAdapter(Adapter):
    """gradio_gen: the generated typed client when available, else the untyped runtime.

    Options (``?key=value`` on the command line):
      mode        "auto" (generated if BENCH_GENERATED_MODULE is set, else untyped with the
                  snapshot if BENCH_SNAPSHOT is set, else by URL), "generated", "snapshot",
                  or "url" (untyped ``Client(url)``: fetches the schema on connect).
      concurrency "sync" (Client.submit + Job.result, threads bounded by the runtime) or
                  "async" (AsyncClient + asyncio.gather) for call_many.
      snapshot    path to a saved snapshot (default: $BENCH_SNAPSHOT).
      generated   module name of a generated client (default: $BENCH_GENERATED_MODULE).
      on_drift    passed to a generated client ("warn" by default: before its first call it
                  reads /config once per process and app, /info too only if the app changed).
    """

    name = "ours"
    import_module = "gradio_gen_runtime"

    def __init__(
        self,
        download_dir: str | None = None,
        mode: str = "auto",
        concurrency: str = "sync",
        snapshot: str | None = None,
        generated: str | None = None,
        on_drift: str | None = None,
    ) -> None:
        super().__init__(download_dir)
        self.on_drift = on_drift
        if mode not in ("auto", "generated", "snapshot", "url"):
            raise ValueError(f"mode must be auto, generated, snapshot or url, not {mode!r}")
        if concurrency not in ("sync", "async"):
            raise ValueError(f"concurrency must be sync or async, not {concurrency!r}")
        generated = generated or os.environ.get("BENCH_GENERATED_MODULE") or None
        if mode == "auto":
            if generated:
                mode = "generated"
            elif snapshot or os.environ.get("BENCH_SNAPSHOT"):
                mode = "snapshot"
            else:
                mode = "url"
        if mode == "generated" and not generated:
            raise ValueError("mode=generated needs generated=MODULE or $BENCH_GENERATED_MODULE")
        self.mode, self.concurrency = mode, concurrency
        self.generated = generated
        if mode == "generated":  # imported before connect is timed, like the other clients
            self.import_module = generated or ""
        self.snapshot = _load_snapshot(snapshot) if mode == "snapshot" else None
        self.url = ""
        self.client: Any = None
        self.typed: Any = None

    # -- construction ---------------------------------------------------------------
    def connect(self, url: str) -> None:
        self.url = url
        if self.mode == "generated":
            self.typed = _generated_client(self.generated or "", url, self._dl_dir(), self.on_drift)
            self.client = _untyped_of(self.typed)
            return
        from gradio_gen_runtime import Client

        self.client = Client(url, snapshot=self.snapshot, download_dir=self._dl_dir())

    def _async_client(self) -> Any:
        if self.mode == "generated":
            return _generated_client(
                self.generated or "", self.url, self._dl_dir(), self.on_drift, aio=True
            )
        from gradio_gen_runtime import AsyncClient

        return AsyncClient(self.url, snapshot=self.snapshot, download_dir=self._dl_dir())

    # -- calls ----------------------------------------------------------------------
    def call(self, endpoint: str, **kwargs: Any) -> Any:
        if self.typed is not None:
            return _typed_method(self.typed, endpoint)(**kwargs)
        return self.client.predict(endpoint, *positional(endpoint, kwargs))

    def _submit(self, endpoint: str, kwargs: dict[str, Any]) -> Any:
        if self.typed is not None:
            return _typed_method(self.typed, endpoint).submit(**kwargs)
        return self.client.submit(endpoint, *positional(endpoint, kwargs))

    def stream(self, endpoint: str, **kwargs: Any) -> Iterator[Any]:
        job = self._submit(endpoint, kwargs)
        yield from job  # each intermediate output, then the final one

    def call_many(self, endpoint: str, kwargs_list: list[dict[str, Any]]) -> list[Any]:
        if self.concurrency == "async":
            return asyncio.run(self._call_many_async(endpoint, kwargs_list))
        jobs = [self._submit(endpoint, kw) for kw in kwargs_list]
        out: list[Any] = []
        for job in jobs:
            try:
                out.append(job.result(timeout=600))
            except Exception as e:  # reported as a lost call
                out.append(e)
        return out

    async def _call_many_async(self, endpoint: str, kwargs_list: list[dict[str, Any]]) -> list[Any]:
        aclient = self._async_client()
        try:
            if self.typed is not None:
                method = _typed_method(aclient, endpoint)
                coros = [method(**kw) for kw in kwargs_list]
            else:
                coros = [aclient.predict(endpoint, *positional(endpoint, kw)) for kw in kwargs_list]
            return list(await asyncio.gather(*coros, return_exceptions=True))
        finally:
            await aclient.aclose()

    def call_file(self, endpoint: str, path: str, **kwargs: Any) -> Any:
        try:
            from gradio_gen_runtime import handle_file
        except ImportError:  # not re-exported (yet)
            from gradio_gen_runtime._files._file import handle_file

        kwargs["file"] = handle_file(path)
        out = self.call(endpoint, **kwargs)
        # The client was given download_dir, so it should have saved the output already;
        # a File without local_path is a lazy handle: stream it to disk like the others do.
        local = getattr(out, "local_path", None)
        if local is None and hasattr(out, "download"):
            local = out.download(self._dl_dir())
        return str(local) if local is not None else out

    def close(self) -> None:
        for obj in (self.typed, self.client):
            if obj is not None and hasattr(obj, "close"):
                obj.close()
                break
        self._cleanup()


def _generated_client(
    module: str, url: str, download_dir: str, on_drift: str | None, aio: bool = False
) -> Any:
    """Instantiate the (async) client class of a generated module: the class that subclasses
    the runtime's AppClient / AsyncAppClient."""
    from gradio_gen_runtime import generated as _generated

    mod = importlib.import_module(module)
    base = _generated.AsyncAppClient if aio else _generated.AppClient
    classes = [
        obj
        for obj in vars(mod).values()
        if isinstance(obj, type)
        and issubclass(obj, base)
        and obj is not base
        and obj.__module__ == mod.__name__
    ]
    # the generated module also holds fakes for tests (subclasses of the real client)
    classes = [c for c in classes if not any(c is not d and issubclass(c, d) for d in classes)]
    if len(classes) != 1:
        raise RuntimeError(f"{module}: expected one {base.__name__} subclass, found {classes}")
    options: dict[str, Any] = {"download_dir": download_dir}
    if on_drift is not None:
        options["on_drift"] = on_drift
    return classes[0](url, **options)


def _untyped_of(typed: Any) -> Any:
    """The runtime engine a generated client wraps."""
    return getattr(typed, "_engine", typed)


def _typed_method(typed: Any, endpoint: str) -> Any:
    """The typed endpoint object for an api_name (the same object as ``client.echo``)."""
    if hasattr(typed, "endpoint"):
        return typed.endpoint(endpoint)
    return getattr(typed, endpoint.strip("/").replace("-", "_"))


# -------------------------------------------------------------------------------- registry
ADAPTERS: dict[str, tuple[type[Adapter], dict[str, Any]]] = {
    "floor": (FloorAdapter, {}),
    "gradio_client": (GradioClientAdapter, {}),
    "ours": (OursAdapter, {}),
    "ours_async": (OursAdapter, {"concurrency": "async"}),
    "ours_nodrift": (OursAdapter, {"on_drift": "ignore"}),
    "ours_url": (OursAdapter, {"mode": "url"}),
    "ours_untyped": (OursAdapter, {"mode": "snapshot"}),
}


def make_adapter(name: str, **kwargs: Any) -> Adapter:
    klass, defaults = ADAPTERS[name]
    adapter = klass(**{**defaults, **kwargs})
    adapter.name = name
    return adapter
