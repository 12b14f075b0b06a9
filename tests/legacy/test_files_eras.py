"""Files per era without a server: schema detection, wire forms, 3.x inline images."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from gradio_gen_runtime import File
from gradio_gen_runtime._files._eras import encode
from gradio_gen_runtime._files._file import FileSource, to_source
from gradio_gen_runtime._files._walk import collect_sources, input_sources, output_files
from gradio_gen_runtime._spec import is_file_schema, is_inline_file_schema

GRADIO3_FILE_PATH = {"type": "string", "description": "filepath on your computer (or URL) of file"}
GRADIO3_DICT = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "name of file"},
        "data": {"type": "string", "description": "base64 representation of file"},
        "size": {"type": "integer", "description": "size of image in bytes"},
        "is_file": {"type": "boolean"},
        "orig_name": {"type": "string"},
    },
    "required": ["name", "data"],
}
GRADIO3_FILE = {  # gradio 3.50.2 gr.File, as /info gives it (FileSerializable)
    "oneOf": [
        GRADIO3_FILE_PATH,
        GRADIO3_DICT,
        {"type": "array", "items": {"anyOf": [GRADIO3_FILE_PATH, GRADIO3_DICT]}},
    ]
}
GRADIO3_IMAGE = {"type": "string", "description": "base64 representation of an image"}
FILEDATA_48 = {  # gradio 4.8.0: no meta, no $defs
    "title": "FileData",
    "type": "object",
    "required": ["path"],
    "properties": {k: {} for k in ("path", "url", "size", "orig_name", "mime_type")},
}
FILEDATA_421 = {
    "title": "FileData",
    "type": "object",
    "required": ["path"],
    "properties": {
        **FILEDATA_48["properties"],
        "is_stream": {"type": "boolean"},
        "meta": {"default": {"_type": "gradio.FileData"}, "title": "Meta", "type": "object"},
    },
}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize(
    "schema", [GRADIO3_FILE_PATH, GRADIO3_DICT, GRADIO3_IMAGE, FILEDATA_48, FILEDATA_421]
)
def test_every_eras_file_schema_is_a_file(schema: dict[str, Any]) -> None:
    assert is_file_schema(schema)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string"},
        {"type": "string", "description": "a path"},
        {"type": "object", "properties": {"path": {"type": "string"}}},  # a gr.JSON-ish dict
        {"type": "object", "properties": {"name": {}, "data": {}}},
        {"type": "object", "properties": {"path": {}, "meta": {"type": "object"}}},
    ],
)
def test_look_alikes_are_not_files(schema: dict[str, Any]) -> None:
    assert not is_file_schema(schema)


def test_only_the_3x_image_is_inline() -> None:
    assert is_inline_file_schema(GRADIO3_IMAGE)
    assert not any(map(is_inline_file_schema, [GRADIO3_FILE_PATH, GRADIO3_DICT, FILEDATA_48]))


def test_3x_file_union_takes_a_path_a_list_and_a_3x_dict(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"x")
    single = input_sources(GRADIO3_FILE, str(path), "p")
    assert isinstance(single, FileSource) and single.kind == "path" and not single.inline
    several = input_sources(GRADIO3_FILE, [str(path), str(path)], "p")
    assert [s.kind for s in several] == ["path", "path"]
    server = input_sources(GRADIO3_FILE, {"name": "/srv/a.txt", "data": None, "is_file": True}, "p")
    assert server.kind == "server" and server.value["path"] == "/srv/a.txt"


def test_3x_image_inputs_are_marked_inline(tmp_path: Path) -> None:
    path = tmp_path / "red.png"
    path.write_bytes(PNG)
    source = input_sources(GRADIO3_IMAGE, str(path), "image")
    assert source.inline and source.kind == "path"
    marker = FileSource("bytes", PNG)
    marked = input_sources(GRADIO3_IMAGE, marker, "image")
    assert marked.inline and not marker.inline  # the caller's marker is not changed
    assert collect_sources([source], []) == [source]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("gradio3", {"name": "/srv/x.txt", "orig_name": "x.txt", "data": None, "is_file": True}),
        ("filedata", {"path": "/srv/x.txt", "orig_name": "x.txt"}),
        (
            "filedata_meta",
            {"path": "/srv/x.txt", "orig_name": "x.txt", "meta": {"_type": "gradio.FileData"}},
        ),
    ],
)
def test_uploaded_file_data_in_each_eras_form(fmt: str, expected: dict[str, Any]) -> None:
    uploaded = {"path": "/srv/x.txt", "orig_name": "x.txt", "meta": {"_type": "gradio.FileData"}}
    assert encode(uploaded, fmt) == expected


def test_3x_outputs_become_files() -> None:
    out = {
        "orig_name": "x.txt.out",
        "name": "/tmp/g/x.txt.out",
        "size": 5,
        "data": None,
        "is_file": True,
    }
    files = output_files(GRADIO3_FILE, out, lambda d: File.from_data(d))
    assert isinstance(files, File) and files.path == "/tmp/g/x.txt.out"
    assert files.name == "x.txt.out" and files.size == 5
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    image = output_files(GRADIO3_IMAGE, url, lambda d: File.from_data(d))
    assert isinstance(image, File) and image.read_bytes() == PNG and image.size == len(PNG)
    assert image.mime_type == "image/png"
    again = to_source(image, "image")  # an inline file goes back as its bytes
    assert again.kind == "bytes" and again.value == PNG
    assert (
        output_files(GRADIO3_IMAGE, "not a data url", lambda d: File.from_data(d))
        == "not a data url"
    )


def test_4x_outputs_without_meta_become_files() -> None:
    out = {"path": "/tmp/g/x.out", "url": None, "size": 5, "orig_name": "x.out", "mime_type": None}
    file = output_files(FILEDATA_48, out, lambda d: File.from_data(d))
    assert isinstance(file, File) and file.path == "/tmp/g/x.out"
