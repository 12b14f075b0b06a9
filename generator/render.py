"""IR -> module text: jinja2 templates, then ruff with fixed, isolated settings.

Every value from the schema reaches the template through a validated identifier
(``naming``), a type expression built from them (``schema``/``ir``), or one of the two
filters here: ``pystr`` (``repr`` of a str) and ``docstring`` (a triple-quoted literal in
which quotes, backslashes and control characters are escaped, so no text can end it).

The ruff binary is the pinned one shipped with the ``ruff`` package; it runs with
``--isolated`` (no user configuration is read), explicit options, and in a temporary
directory, so neither the user's config nor their project layout changes the bytes.
"""

from __future__ import annotations

import subprocess
import tempfile
from typing import Any

import jinja2
from gradio_gen.ir import App, Endpoint

RUFF_LINE_LENGTH = 100
RUFF_TARGET = "py310"
_SNAPSHOT_CHUNK = 4000

_BASE_IMPORTS: dict[str, set[str]] = {
    "typing": {"TYPE_CHECKING", "Any", "ClassVar", "Literal", "NamedTuple"},
    "typing_extensions": {"TypeAliasType"},  # Unpack: annotations only (TYPE_CHECKING)
}
# What a module may take from the runtime: only its public module for generated code
# (gradio_gen_runtime.generated), imported after the module's require_runtime(...) check;
# ruff's F401 fix drops the names a module does not use.
RUNTIME_MODULE = "gradio_gen_runtime.generated"
_RUNTIME_IMPORTS: set[str] = {
    "NOT_GIVEN",
    "AppClient",
    "AsyncAppClient",
    "AsyncEndpoint",
    "ClientOptions",
    "Endpoint",
    "EndpointAttribute",
    "File",
    "FileInput",
    "GeneratedModel",
    "NotGiven",
    "OnDrift",
}


class RenderError(Exception):
    """The formatter failed (a generator bug: the template produced invalid Python)."""


def pystr(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError("pystr takes a str")
    return repr(value)


def docstring(text: str, indent: int = 0) -> str:
    """A safe triple-quoted string literal holding ``text`` (lines re-indented).

    Backslashes are doubled, control characters escaped, and every ``"`` that touches
    another ``"`` (or ends the text) is escaped, so no run of quotes can close the literal.
    """
    text = text.replace("\r\n", "\n").strip()
    out = []
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            near = (i > 0 and text[i - 1] == '"') or i + 1 == len(text) or text[i + 1] == '"'
            out.append('\\"' if near else '"')
        elif ch == "\n":
            out.append("\n")
        elif not ch.isprintable() or ch in "\u2028\u2029\x85":
            code = ord(ch)
            if code < 0x100:
                out.append(f"\\x{code:02x}")
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
        else:
            out.append(ch)
    pad = " " * indent
    lines = [line.rstrip() for line in "".join(out).split("\n")]
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    joined = "\n".join((pad + line) if line else "" for line in lines[1:])
    return f'"""{lines[0]}\n{joined}\n{pad}"""'


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_template_dir()),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pystr"] = pystr
    env.filters["docstring"] = docstring
    return env


def _template_dir() -> str:
    from importlib.resources import files

    return str(files("gradio_gen.templates"))


def _call_doc(ep: Endpoint) -> str:
    lines = [ep.doc]
    if ep.params:
        lines += ["", "Args:"]
        for p in ep.params:
            raw = f" (``{p.raw_name}``)" if p.raw_name != p.name else ""
            server = " Leave out to send the app's default." if p.default == "server" else ""
            lines.append(f"    {p.name}{raw}: {p.doc}{server}")
    lines += ["", "Returns:"]
    if not ep.outputs:
        lines.append("    None (the endpoint has no visible output).")
    elif len(ep.outputs) == 1:
        lines.append(f"    {ep.outputs[0].doc}")
    else:
        lines.append(f"    ``{ep.result_class}``:")
        for o in ep.outputs:
            lines.append(f"        {o.name}: {o.doc}")
    return "\n".join(lines)


def _result_doc(ep: Endpoint) -> str:
    lines = [
        f"Outputs of ``{ep.api_name}``; unpacks in order like the official client's tuple.",
        "",
    ]
    lines += [f"{o.name}: {o.doc}" for o in ep.outputs]
    return "\n".join(lines)


def _imports(app: App) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """(the other modules' imports, the names taken from the runtime's public module)."""
    merged: dict[str, set[str]] = {k: set(v) for k, v in _BASE_IMPORTS.items()}
    runtime = set(_RUNTIME_IMPORTS)
    for block in (app.models, app.param_types):
        for module, names in block.imports.items():
            if module == RUNTIME_MODULE:
                runtime.update(names)
            else:
                merged.setdefault(module, set()).update(names)
    others = [(m, sorted(merged[m])) for m in sorted(merged) if merged[m]]
    return others, sorted(runtime)


def render_text(app: App) -> str:
    """The module before formatting."""
    template = _environment().get_template("client.py.jinja")
    title = app.title or app.class_name
    module_doc = (
        f"Typed client for {title}, generated by gradio-gen {app.generator_version}.\n\n"
        f"Source: {app.source or '(a snapshot file; pass the app URL as src)'}\n"
        "Regenerate with gradio-gen (do not edit by hand): the same API snapshot, options and\n"
        "generator version always give the same bytes.\n\n"
        f"    from this_module import {app.class_name}\n\n"
        f"    with {app.class_name}() as client:\n"
        f"        result = client.{app.endpoints[0].attr}(...)\n"
    )
    names = ", ".join(f"{e.attr} ({e.api_name})" for e in app.endpoints[:50])
    more = f", and {len(app.endpoints) - 50} more" if len(app.endpoints) > 50 else ""
    client_doc = (
        f"Sync client for {title}. Endpoints: {names}{more}.\n\n"
        "``src`` defaults to the source it was generated from; keyword options are the\n"
        "runtime's (hf_token, auth, headers, timeout, download_dir, status_callback...)."
    )
    async_doc = client_doc.replace("Sync client", "Async client", 1)
    exports = sorted(
        [
            app.class_name,
            app.async_class_name,
            f"Fake{app.class_name}",
            f"AsyncFake{app.class_name}",
        ]
        + [str(e.result_class) for e in app.endpoints if e.result_class]
        + sorted(app.models.names | app.param_types.names)
    )
    imports, runtime_imports = _imports(app)
    snap = app.snapshot_json
    chunks = [snap[i : i + _SNAPSHOT_CHUNK] for i in range(0, len(snap), _SNAPSHOT_CHUNK)] or ["{}"]
    context: dict[str, Any] = {
        "app": app,
        "module_doc": module_doc,
        "client_doc": client_doc,
        "async_client_doc": async_doc,
        "imports": imports,
        "runtime_imports": runtime_imports,
        "exports": exports,
        "docs": {e.api_name: _call_doc(e) for e in app.endpoints},
        "result_docs": {e.api_name: _result_doc(e) for e in app.endpoints if e.result_class},
        "snapshot_chunks": chunks,
    }
    return template.render(**context)


def ruff_binary() -> str:
    """The ruff executable of the pinned ``ruff`` package (never one found on PATH)."""
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    return str(find_ruff_bin())


def _ruff(args: list[str], text: str, cwd: str) -> str:
    proc = subprocess.run(
        [ruff_binary(), *args],
        input=text.encode(),
        capture_output=True,
        cwd=cwd,
        timeout=300,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise RenderError(f"ruff {args[0]} failed: {proc.stderr.decode(errors='replace')[:2000]}")
    return proc.stdout.decode()


def format_source(text: str) -> str:
    """Remove unused imports, sort them, then format, with fixed isolated settings."""
    common = [
        "--isolated",
        "--stdin-filename",
        "client.py",
        "--line-length",
        str(RUFF_LINE_LENGTH),
        "--target-version",
        RUFF_TARGET,
    ]
    with tempfile.TemporaryDirectory(prefix="gradio-gen-ruff-") as cwd:
        fixed = _ruff(
            [
                "check",
                "--fix-only",
                "--exit-zero",
                "--no-cache",
                "--select",
                "F401,I001,RUF022",
                "--config",
                "lint.isort.known-third-party = ['gradio_gen']",
                *common,
                "-",
            ],
            text,
            cwd,
        )
        return _ruff(["format", "--no-cache", *common, "-"], fixed, cwd)


def render(app: App) -> str:
    return format_source(render_text(app))
