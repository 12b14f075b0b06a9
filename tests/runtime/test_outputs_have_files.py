"""``EndpointSpec.outputs_have_files``: the precomputed flag that lets text outputs skip the
file walk, and that it never hides a file (``$defs``/``$ref``, unions, nesting)."""

from __future__ import annotations

from typing import Any

import httpx
from gradio_gen_runtime._files._file import File
from gradio_gen_runtime._files._handler import for_client
from gradio_gen_runtime._spec import EndpointSpec, OutputSpec, contains_file_schema

FILE_DATA: dict[str, Any] = {
    "properties": {
        "path": {"type": "string"},
        "url": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "meta": {"default": {"_type": "gradio.FileData"}, "type": "object"},
    },
    "required": ["path"],
    "type": "object",
}


def endpoint(*schemas: dict[str, Any]) -> EndpointSpec:
    return EndpointSpec(
        api_name="/x",
        fn_index=0,
        parameters=(),
        outputs=tuple(OutputSpec(None, "c", s, "Any", "") for s in schemas),
        input_slots=0,
        state_inputs=(),
        output_slots=len(schemas),
        state_outputs=(),
        queue=True,
        generator=False,
        connection="sse",
        visibility="public",
        description="",
        oauth_token=None,
    )


def test_text_outputs_have_no_files() -> None:
    ep = endpoint({"type": "string"}, {"type": "object", "additionalProperties": {}})
    assert not ep.outputs_have_files
    assert ep.outputs_have_files is ep.outputs_have_files  # cached


def test_file_found_directly_nested_and_behind_refs() -> None:
    assert endpoint({"type": "string"}, FILE_DATA).outputs_have_files
    assert endpoint(
        {"type": "array", "items": {"anyOf": [{"type": "null"}, FILE_DATA]}}
    ).outputs_have_files
    by_ref = {
        "$defs": {"FileData": FILE_DATA},
        "type": "array",
        "items": {"$ref": "#/$defs/FileData"},
    }
    assert endpoint(by_ref).outputs_have_files
    assert not contains_file_schema({"properties": {"path": {}, "name": {}}})


def test_wrap_outputs_skips_walk_only_without_files() -> None:
    http = httpx.Client()
    handler = for_client(http, "http://127.0.0.1:1/gradio_api/", None, None)
    data = {"path": "/tmp/x.txt", "url": "http://127.0.0.1:1/file=x.txt"}
    plain = handler.wrap_outputs(endpoint({"type": "object"}), [data])
    assert plain == [data] and not isinstance(plain[0], File)
    wrapped = handler.wrap_outputs(endpoint(FILE_DATA), [data])
    assert isinstance(wrapped[0], File)
    http.close()
