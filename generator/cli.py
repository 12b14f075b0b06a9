"""``gradio-gen SOURCE [-o client.py]``: the command line.

Exit codes: 0 success (``--check``: up to date), 1 ``--check`` found differences,
2 a usage problem (bad arguments, malformed snapshot, output path is a directory),
3 the app could not be reached or read (unknown Space, unreachable URL, access denied) or
cannot be served (gradio 2.x, an unrecognised config or protocol),
4 the app has nothing to generate (no named public endpoint), 70 an internal error (a bug:
please report it, with the snapshot from ``--save-schema``).
User-facing problems are printed as one ``gradio-gen: error: ...`` message; no traceback.

``gradio-gen diff OLD NEW`` is routed to ``gradio_gen.diff`` and ``gradio-gen batch ...`` to
``gradio_gen.batch`` (each with its own options and exit codes).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gradio_gen_runtime._version import __version__

log = logging.getLogger("gradio_gen.generator")

EXIT_OK = 0
EXIT_CHANGED = 1
EXIT_USAGE = 2
EXIT_SOURCE = 3
EXIT_NOTHING = 4
EXIT_INTERNAL = 70


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own usage errors -> exit 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"gradio-gen: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gradio-gen",
        usage=(
            "gradio-gen [-h] [--version] SOURCE [-o FILE] [--class-name NAME] "
            "[--hf-token TOKEN]\n"
            "                  [--auth USER:PASSWORD] [--save-schema FILE] [--check] [-q]\n"
            "       gradio-gen diff OLD NEW [--fail-on breaking|any] [--format text|json] ..."
        ),
        description="Generate a typed Python client module for a Gradio app.",
        epilog=(
            "Also: 'gradio-gen diff OLD NEW' reports API changes between two versions; "
            "'gradio-gen batch SOURCE ENDPOINT INPUT.jsonl -o OUTPUT.jsonl' calls an endpoint "
            "once per input row (resumable). "
            "SOURCE is a Hugging Face Space (owner/name, https://huggingface.co/spaces/owner/name "
            "or https://owner-name.hf.space), an app URL (http://127.0.0.1:7860/), or a snapshot "
            "file written by --save-schema (JSON with 'info' and 'config'). Gradio 3.0 and later."
        ),
    )
    parser.add_argument("source", metavar="SOURCE", help="Space id, app URL, or snapshot file")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the module here (default: stdout)"
    )
    parser.add_argument(
        "--class-name", metavar="NAME", help="name of the client class (default: from the app)"
    )
    parser.add_argument(
        "--hf-token", metavar="TOKEN", help="Hugging Face token (default: HF_TOKEN / saved login)"
    )
    parser.add_argument(
        "--auth",
        metavar="USER:PASSWORD",
        help="log in to a password-protected app (default: the GRADIO_GEN_AUTH variable, "
        "which keeps the password out of the process list)",
    )
    parser.add_argument(
        "--save-schema",
        metavar="FILE",
        help="write the API snapshot (to generate from later); without -o, only the snapshot",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 0 if --output is up to date, else 1 and show what changed",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument("--version", action="version", version=f"gradio-gen {__version__}")
    return parser


def generate(
    snapshot: dict[str, Any],
    *,
    source: str,
    class_name: str | None = None,
    name_hint: str = "",
) -> str:
    """Snapshot -> module text (the whole pipeline, no I/O)."""
    from gradio_gen import ir, render

    app = ir.build(snapshot, source=source, class_name=class_name, name_hint=name_hint)
    return render.render(app)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "diff":
        from gradio_gen import diff

        return diff.main(argv[1:])
    if argv and argv[0] == "batch":
        from gradio_gen import batch

        return batch.main(argv[1:])
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("gradio-gen: %(levelname)s: %(message)s"))
    log.addHandler(handler)
    log.propagate = False
    try:
        return _run(args)
    except _UserError as exc:
        print(f"gradio-gen: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("gradio-gen: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so briefly (the traceback is logged at debug level)
        log.debug("internal error", exc_info=True)
        print(
            f"gradio-gen: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in gradio-gen; please report it with the snapshot "
            "(--save-schema FILE) attached.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        log.removeHandler(handler)
        log.propagate = True


class _UserError(Exception):
    def __init__(self, message: str, code: int) -> None:
        self.code = code
        super().__init__(message)


def _run(args: argparse.Namespace) -> int:
    from gradio_gen import ir, snapshot
    from gradio_gen.naming import pascal

    output = Path(args.output) if args.output else None
    if output is not None and output.is_dir():
        raise _UserError(
            f"{args.output}: is a directory; give a file path like client.py", EXIT_USAGE
        )
    if output is not None and not args.check and not output.parent.exists():
        raise _UserError(
            f"{args.output}: the directory {str(output.parent)!r} does not exist", EXIT_USAGE
        )
    if args.check and output is None:
        raise _UserError("--check needs -o/--output (the file to compare)", EXIT_USAGE)
    if args.class_name is not None and not pascal(args.class_name):
        raise _UserError(f"--class-name {args.class_name!r} has no usable letters", EXIT_USAGE)
    try:
        auth = snapshot.auth_from(args.auth)
    except snapshot.SourceError as exc:
        raise _UserError(str(exc), exc.exit_code) from None

    started = time.perf_counter()
    try:
        from gradio_gen.status_display import SpaceStatusPrinter

        with SpaceStatusPrinter() as printer:  # Space status on stderr while it wakes/builds
            snap = snapshot.load(
                args.source, hf_token=args.hf_token, status_callback=printer, auth=auth
            )
    except snapshot.SourceError as exc:
        raise _UserError(str(exc), exc.exit_code) from None
    source = snapshot.default_source(snap, args.source)
    # the file's name only names a snapshot that does not say where it came from: a URL and
    # the snapshot saved from it must give the same module
    hint = Path(args.source).stem if snapshot.kind_of(args.source) == "file" and not source else ""
    try:
        text = generate(snap, source=source, class_name=args.class_name, name_hint=hint)
    except ir.NoEndpointsError:
        raise _UserError(
            f"{args.source}: the app has no named public endpoint, so there is nothing to "
            "generate (give its event listeners an api_name, and do not hide them with "
            "api_visibility='private'/'undocumented' or show_api=False)",
            EXIT_NOTHING,
        ) from None
    if args.class_name is None and not args.quiet:
        _hint_class_name(snap, source, hint)
    if args.save_schema:
        try:
            snapshot.save(snap, args.save_schema)
        except OSError as exc:
            raise _UserError(f"--save-schema {args.save_schema}: {exc}", EXIT_USAGE) from None
        if output is None:  # capturing the API: the snapshot is what was asked for
            if not args.quiet:
                print(f"gradio-gen: wrote {args.save_schema}", file=sys.stderr)
            return EXIT_OK

    if args.check:
        assert output is not None
        return _check(output, text, snap, args.quiet)
    if output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        _write_atomically(output, text)
    except OSError as exc:
        raise _UserError(f"{args.output}: cannot write: {exc}", EXIT_USAGE) from None
    if not args.quiet:
        elapsed = time.perf_counter() - started
        print(f"gradio-gen: wrote {args.output} ({elapsed:.2f} s)", file=sys.stderr)
    return EXIT_OK


def _hint_class_name(snap: dict[str, Any], source: str, hint: str) -> None:
    """One line on stderr when the app gave nothing to name the client after."""
    from gradio_gen import ir
    from gradio_gen_runtime._spec import AppSpec

    if ir.default_class_name(AppSpec.from_snapshot(snap), source, hint) == ir.DEFAULT_CLASS_NAME:
        print(
            f"gradio-gen: note: the app has no title, so the client class is "
            f"{ir.DEFAULT_CLASS_NAME}; pass --class-name NAME to name it",
            file=sys.stderr,
        )


def _write_atomically(path: Path, text: str) -> None:
    """Write next to ``path`` then rename, so an interrupted run never leaves half a module."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _check(output: Path, text: str, snap: dict[str, Any], quiet: bool) -> int:
    try:
        current = output.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = ""
    except OSError as exc:
        raise _UserError(f"{output}: cannot read: {exc}", EXIT_USAGE) from None
    if current == text:
        if not quiet:
            print(f"gradio-gen: {output} is up to date", file=sys.stderr)
        return EXIT_OK
    diff = difflib.unified_diff(
        current.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=f"{output} (current)",
        tofile=f"{output} (generated now)",
    )
    sys.stdout.writelines(diff)
    for line in api_changes(current, snap):
        print(line)
    return EXIT_CHANGED


def api_changes(current_module: str, snap: dict[str, Any]) -> list[str]:
    """One line per endpoint whose API changed between the module's embedded snapshot and
    ``snap`` (classified by the contract module, as ``gradio-gen diff`` does)."""
    from gradio_gen import diff

    return diff.check_lines(current_module, snap)
