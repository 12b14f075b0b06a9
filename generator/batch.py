"""``gradio-gen batch SOURCE ENDPOINT INPUT.jsonl -o OUTPUT.jsonl``: one call per input row,
resumable, on the async engine (``map`` in completion order, ``_client._map``).

SOURCE is a generated module (its typed async client; checked for drift before the first
call), a Space id, an app URL, or a snapshot file (the untyped client; ``--src`` says where
the app is when the snapshot or module does not record it). Rows and results are JSONL
(``batch_io``). A row whose call fails with the app's own answer (the app raised, invalid
arguments, an output of the wrong type) is recorded with its error; a failure of the app
or the network (unreachable, 5xx after retries, a ZeroGPU quota, a drift) is not recorded:
the run stops, and rerunning the command resumes.

Exit status: 0 every row done and none failed; 1 some rows failed (their errors are in the
output); 2 a usage problem (bad arguments, an unknown endpoint, a bad input line without
``--bad-lines skip``, an output file that is not ours); 3 the app could not be reached or
used (the rows in flight were recorded; rerun to resume); 130 interrupted (Ctrl-C: nothing
more is sent, the rows in flight get ``--grace`` seconds and are recorded); 70 a bug.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import logging
import math
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED_ROWS = 1
EXIT_USAGE = 2
EXIT_SOURCE = 3
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

log = logging.getLogger("gradio_gen.generator")


class _UserError(Exception):
    def __init__(self, message: str, code: int) -> None:
        self.code = code
        super().__init__(message)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradio-gen batch",
        description="Call an endpoint once per line of a JSONL file, concurrently; write one "
        "result line per row as it finishes. Rerunning with the same output resumes.",
        epilog="Exit status: 0 all rows done, 1 some rows failed (errors recorded), 2 usage "
        "problem, 3 app unreachable or refusing (rerun to resume), 130 interrupted.",
    )
    parser.add_argument(
        "source", metavar="SOURCE", help="generated module, Space id, URL or snapshot"
    )
    parser.add_argument("endpoint", metavar="ENDPOINT", help="api_name, e.g. /predict")
    parser.add_argument("input", metavar="INPUT.jsonl", help="one JSON object or array per line")
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT.jsonl")
    parser.add_argument(
        "--concurrency", type=int, default=8, metavar="N", help="calls in flight (8)"
    )
    parser.add_argument(
        "--download-dir", metavar="DIR", help="where output files go (default: OUTPUT_files/)"
    )
    parser.add_argument(
        "--retries", type=int, default=0, metavar="N",
        help="send a row again after a failure that may pass, e.g. a lost connection (0; the "
        "app may then run it twice). Refused calls (429/503) are always retried.",
    )  # fmt: skip
    parser.add_argument(
        "--wait-on-quota", nargs="?", const="inf", default=None, metavar="SECONDS",
        help="on a ZeroGPU quota error wait as told and go on (at most SECONDS per wait)",
    )  # fmt: skip
    parser.add_argument(
        "--bad-lines", choices=("fail", "skip"), default="fail",
        help="a line that is not a JSON object or array: stop (fail, default) or skip it",
    )  # fmt: skip
    parser.add_argument(
        "--retry-failed", action="store_true", help="resend rows recorded with an error"
    )
    parser.add_argument(
        "--grace", type=float, default=10.0, metavar="SECONDS",
        help="on Ctrl-C, how long the rows in flight may finish (10)",
    )  # fmt: skip
    parser.add_argument("--src", metavar="URL_OR_SPACE", help="the app, when SOURCE is a file")
    parser.add_argument("--hf-token", metavar="TOKEN", help="Hugging Face token")
    parser.add_argument("--auth", metavar="USER:PASSWORD", help="Gradio login (or GRADIO_GEN_AUTH)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        return asyncio.run(_run(args))
    except _UserError as exc:
        print(f"gradio-gen: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("gradio-gen: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so briefly
        log.debug("internal error", exc_info=True)
        print(f"gradio-gen: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


# -- the app ----------------------------------------------------------------------------------


@dataclass
class Target:
    """The async client and how to run rows through ``ENDPOINT``."""

    client: Any
    rows: Callable[..., AsyncIterator[Any]]
    """``rows(items, prepare, options, control)`` -> finished ``Row``s."""
    close: Callable[[], Any]


def _load_module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"_gradio_gen_batch_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise _UserError(f"{path}: not a Python module", EXIT_USAGE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves forward references through it
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise _UserError(
            f"{path}: cannot import it: {type(exc).__name__}: {exc}", EXIT_USAGE
        ) from None
    return module


def _module_client_class(module: Any, path: Path) -> Any:
    from gradio_gen_runtime.generated import AsyncAppClient

    found = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, AsyncAppClient)
        and obj.__module__ == module.__name__
        and not obj.__name__.startswith("AsyncFake")
    ]
    if len(found) != 1:
        raise _UserError(
            f"{path}: not a module generated by gradio-gen (no async client class)", EXIT_USAGE
        )
    return found[0]


def _options(args: argparse.Namespace) -> dict[str, Any]:
    from gradio_gen import snapshot

    try:
        auth = snapshot.auth_from(args.auth)
    except snapshot.SourceError as exc:
        raise _UserError(str(exc), exc.exit_code) from None
    options: dict[str, Any] = {}
    if args.hf_token is not None:
        options["hf_token"] = args.hf_token
    if auth is not None:
        options["auth"] = auth
    return options


async def _open_target(args: argparse.Namespace) -> Target:
    from gradio_gen import snapshot
    from gradio_gen_runtime import AsyncClient
    from gradio_gen_runtime._client._map_api import aclient_rows
    from gradio_gen_runtime._exceptions import GradioGenError, UnknownEndpointError

    options = _options(args)
    source = args.source
    try:
        if source.endswith(".py"):
            return await _open_module(args, Path(source), options)
        kind = snapshot.kind_of(source)
        if kind == "file":
            snap = snapshot.load_file(source)
            src = args.src or snapshot.default_source(snap, source)
            if not src:
                raise _UserError(
                    f"{source}: the snapshot does not say where the app is; pass --src", EXIT_USAGE
                )
            client = AsyncClient(src, snapshot=snap, **options)
        else:
            client = AsyncClient(args.src or snapshot.space_of(source) or source, **options)
        await client.connect()
        name = args.endpoint if args.endpoint.startswith("/") else "/" + args.endpoint
        try:
            client._endpoint(name)
        except UnknownEndpointError as exc:
            await client.aclose()
            raise _UserError(f"{args.endpoint}: {exc}", EXIT_USAGE) from None

        def rows(items: Any, options: Any, control: Any) -> AsyncIterator[Any]:
            return aclient_rows(client, name, items, options, ordered=False, control=control)

        return Target(client, rows, client.aclose)
    except snapshot.SourceError as exc:
        raise _UserError(str(exc), exc.exit_code) from None
    except GradioGenError as exc:
        raise _UserError(f"{source}: {exc}", EXIT_SOURCE) from None


async def _open_module(args: argparse.Namespace, path: Path, options: dict[str, Any]) -> Target:
    from gradio_gen_runtime._exceptions import DriftError, UnknownEndpointError
    from gradio_gen_runtime._typed._batch import async_rows

    if not path.is_file():
        raise _UserError(f"{path}: no such file", EXIT_USAGE)
    cls = _module_client_class(_load_module(path), path)
    src = args.src or getattr(cls, "_source", "")
    if not src:
        raise _UserError(
            f"{path}: the module does not say where the app is; pass --src", EXIT_USAGE
        )
    client = cls(src, on_drift="error", **options)
    try:
        found = getattr(client, args.endpoint, None)  # the method's name (text_stats) also works
        endpoint: Any = (
            found if found in client._endpoints.values() else client.endpoint(args.endpoint)
        )
        await client.check_drift()  # before the first call: never send to a changed app
    except UnknownEndpointError as exc:
        await client.aclose()
        raise _UserError(f"{args.endpoint}: {exc}", EXIT_USAGE) from None
    except DriftError as exc:
        await client.aclose()
        raise _UserError(f"{exc} (regenerate {path})", EXIT_SOURCE) from None

    def rows(items: Any, options: Any, control: Any) -> AsyncIterator[Any]:
        return async_rows(endpoint, items, options, ordered=False, control=control)

    return Target(client, rows, client.aclose)


# -- the run ----------------------------------------------------------------------------------


def _recorded(error: BaseException) -> bool:
    """Whether a failure is the row's own answer (recorded) or the app's or the network's
    (not recorded: the run stops and a rerun sends the row again)."""
    from gradio_gen_runtime._exceptions import (
        AppError,
        CancelledError,
        OutputValidationError,
        ServerValidationError,
        UsageError,
        ZeroGPUError,
    )
    from gradio_gen_runtime._zerogpu import transient_zerogpu

    if isinstance(error, ZeroGPUError):
        from gradio_gen_runtime._exceptions import ZeroGPUQuotaError

        return not isinstance(error, ZeroGPUQuotaError) and not transient_zerogpu(error)
    return isinstance(
        error, (AppError, UsageError, OutputValidationError, ServerValidationError, CancelledError)
    )


@dataclass
class _Tally:
    ok: int = 0
    failed: int = 0
    resumed: int = 0
    bad: int = 0
    started: float = field(default_factory=time.monotonic)


async def _run(args: argparse.Namespace) -> int:
    from gradio_gen.batch_io import BadLine, ResultLog, count_lines, read_rows, to_json
    from gradio_gen_runtime._client._map import BatchControl, map_options
    from gradio_gen_runtime._exceptions import UsageError

    output, input_path = Path(args.output), Path(args.input)
    if not input_path.is_file():
        raise _UserError(f"{args.input}: no such file", EXIT_USAGE)
    if output.is_dir() or not output.parent.is_dir():
        raise _UserError(f"{args.output}: give a file path in an existing directory", EXIT_USAGE)
    if args.concurrency < 1 or args.retries < 0 or args.grace < 0:
        raise _UserError("--concurrency must be >= 1, --retries and --grace >= 0", EXIT_USAGE)
    quota = _quota_wait(args.wait_on_quota)
    download_dir = (
        Path(args.download_dir) if args.download_dir else output.with_name(output.stem + "_files")
    )
    try:
        result_log = ResultLog.open(output, retry_failed=args.retry_failed)
    except (ValueError, OSError) as exc:
        raise _UserError(str(exc), EXIT_USAGE) from None
    target: Target | None = None
    tally = _Tally(resumed=result_log.previous_ok + result_log.previous_failed)
    try:
        target = await _open_target(args)
        try:
            options = map_options(
                concurrency=args.concurrency, return_exceptions=True, retries=args.retries,
                wait_on_quota=quota, on_progress=None, progress_bar=False,
                job_timeout=target.client._engine.timeout.job
                if hasattr(target.client, "_engine") else target.client.timeout.job,
            )  # fmt: skip
        except UsageError as exc:
            raise _UserError(str(exc), EXIT_USAGE) from None
        control = BatchControl(asyncio.Event(), grace=args.grace)
        lines: dict[int, int] = {}
        stop: list[BaseException] = []  # the first bad line or failure that stops the run

        def items(handle: Any) -> Iterator[Any]:
            position = 0
            for entry in read_rows(handle, args.input):
                if isinstance(entry, BadLine):
                    if args.bad_lines == "fail":
                        stop.append(entry)
                        return
                    tally.bad += 1
                    print(f"gradio-gen: skipped {entry}", file=sys.stderr)
                    continue
                if result_log.is_done(entry.index):
                    continue
                lines[position] = entry.index
                position += 1
                yield entry.args

        bar = _progress_bar(args, input_path, tally, count_lines)
        interrupted = _install_sigint(control, args.grace)
        with input_path.open("rb") as handle:
            rows = target.rows(items(handle), options, control)
            try:
                async for row in rows:
                    index = lines.pop(row.index)
                    if row.state == "ok":
                        try:
                            await _download(row.value, download_dir / str(index))
                        except Exception as exc:  # a lost download: not recorded, resumable
                            stop.append(exc)
                            control.stop.set()
                            continue
                        result_log.write(index, to_json(row.value), None)
                        tally.ok += 1
                    elif _recorded(row.error):
                        result_log.write(index, None, f"{type(row.error).__name__}: {row.error}")
                        tally.failed += 1
                    else:
                        stop.append(row.error)
                        control.stop.set()
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix(failed=tally.failed, refresh=False)
            finally:
                await rows.aclose()  # type: ignore[attr-defined]
                _restore_sigint()
                if bar is not None:
                    bar.close()
    finally:
        result_log.close()
        if target is not None:
            await target.close()
    return _finish(args, tally, stop, interrupted[0])


def _quota_wait(value: str | None) -> bool | float:
    if value is None:
        return False
    try:
        seconds = float(value)
    except ValueError:
        raise _UserError(f"--wait-on-quota {value!r}: give seconds", EXIT_USAGE) from None
    if seconds < 0:
        raise _UserError("--wait-on-quota must be >= 0", EXIT_USAGE)
    return True if math.isinf(seconds) else seconds


async def _download(value: Any, directory: Path) -> None:
    """Save every ``File`` of a result under ``directory`` (one folder per row)."""
    from gradio_gen_runtime._files._handler import _files_in

    for file in _files_in(value):
        if file.local_path is None:
            file.local_path = await file.adownload(directory)


def _progress_bar(
    args: argparse.Namespace, path: Path, tally: _Tally, count: Callable[[str], int]
) -> Any:
    if args.quiet or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None  # the summary line still comes
    total = max(0, count(str(path)) - tally.resumed)
    return tqdm(total=total, unit="row", file=sys.stderr, dynamic_ncols=True, desc="batch")


_previous_handler: list[Any] = []


def _install_sigint(control: Any, grace: float) -> list[bool]:
    """First Ctrl-C: stop sending, let the rows in flight finish (``grace``); the second
    one cancels them at once. Returns a flag set once interrupted."""
    flag = [False]
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def handle() -> None:
        if flag[0]:
            if task is not None:
                task.cancel()
            return
        flag[0] = True
        control.stop.set()
        print(
            f"\ngradio-gen: stopping: the rows in flight get {grace:g} s to finish "
            "(Ctrl-C again to stop now)",
            file=sys.stderr,
        )

    with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
        loop.add_signal_handler(signal.SIGINT, handle)
        _previous_handler.append(loop)
    return flag


def _restore_sigint() -> None:
    while _previous_handler:
        loop = _previous_handler.pop()
        with contextlib.suppress(Exception):
            loop.remove_signal_handler(signal.SIGINT)


def _finish(
    args: argparse.Namespace, tally: _Tally, stop: list[BaseException], interrupted: bool
) -> int:
    from gradio_gen.batch_io import BadLine

    elapsed = time.monotonic() - tally.started
    done = tally.ok + tally.failed
    if not args.quiet:
        extra = f", {tally.resumed} already in {args.output}" if tally.resumed else ""
        extra += f", {tally.bad} bad line(s) skipped" if tally.bad else ""
        rate = done / elapsed if elapsed > 0 else 0.0
        print(
            f"gradio-gen: batch: {done} row(s) in {elapsed:.1f} s ({rate:.1f}/s): "
            f"{tally.ok} ok, {tally.failed} failed{extra}",
            file=sys.stderr,
        )
    if interrupted:
        print("gradio-gen: interrupted; rerun the same command to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    if stop:
        first = stop[0]
        if isinstance(first, BadLine):
            print(
                f"gradio-gen: error: {first} (fix it or pass --bad-lines skip; rerun to resume)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        print(
            f"gradio-gen: error: stopped: {type(first).__name__}: {first} (rerun the same "
            "command to resume)",
            file=sys.stderr,
        )
        return EXIT_SOURCE
    return EXIT_FAILED_ROWS if tally.failed else EXIT_OK
