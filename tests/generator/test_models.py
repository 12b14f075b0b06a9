"""The models step: datamodel-code-generator output is checked statement by statement, and
any failure degrades to ``Any`` instead of failing the generation."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_gen import models
from gradio_gen.schema import Document, inline_type

from tests.generator._util import generate, load_module, minimal_app, param, ret

FILE = {
    "type": "object",
    "properties": {"path": {"type": "string"}, "meta": {"default": {"_type": "gradio.FileData"}}},
}


@pytest.mark.parametrize(
    "source",
    [
        "import os\n",
        "from os import system\n",
        "from typing import Any as A\n",
        "class X(BaseModel):\n    def f(self): pass\n",
        "class X(BaseModel):\n    a: int = __import__('os').getpid()\n",
        "class X(os.Thing):\n    a: int\n",
        "X = TypeAliasType('X', Any)\nprint(1)\n",
        "class X(BaseModel):\n    a: 'os.system(1)'\n",
        "@decorator\nclass X(BaseModel):\n    a: int\n",
        "Y = TypeAliasType('X', Any)\n",
    ],
)
def test_unexpected_statements_are_rejected(source: str) -> None:
    with pytest.raises(models.UnsafeModelSource):
        models.sanitize(source)


def test_markers_become_runtime_file_types() -> None:
    inputs = Document("input")
    outputs = Document("output", inputs.names)
    schema = {"type": "object", "properties": {"f": FILE, "n": {"type": "integer"}}}
    assert inputs.value_type(schema, component="Thing", fallback="FIn") == "ThingParam"
    listed = {"type": "array", "items": {"type": "object", "properties": {"f": FILE}}}
    assert outputs.value_type(listed, component="", fallback="FOut") == "list[FOutItem]"
    params = models.build_models(inputs.document(), inputs.roots, typed_dict=True)
    block = models.build_models(outputs.document(), outputs.roots)
    assert not block.degraded and not params.degraded
    assert "class ThingParam(TypedDict):" in params.source
    assert "f: NotRequired[FileInput]" in params.source
    assert "class FOutItem(GeneratedModel):" in block.source
    assert "f: File | None = None" in block.source
    assert "Marker" not in block.source + params.source
    assert block.imports["gradio_gen_runtime.generated"] >= {"File", "GeneratedModel"}
    assert params.imports["gradio_gen_runtime.generated"] == {"FileInput"}
    assert params.imports["typing_extensions"] >= {"NotRequired", "TypedDict"}


def test_identical_shapes_are_one_class_named_after_the_component() -> None:
    table = {
        "type": "object",
        "title": "DataframeData",
        "properties": {"headers": {"type": "array"}, "data": {"type": "array"}},
        "required": ["headers", "data"],
    }
    retitled = {**table, "title": "Other", "description": "the same shape"}
    other = {**table, "required": ["headers"]}
    for side, suffix in (("output", ""), ("input", "Param")):
        doc = Document(side)  # type: ignore[arg-type]
        names = [
            doc.value_type(table, component="Dataframe", fallback="ATable"),
            doc.value_type(retitled, component="Dataframe", fallback="BTable"),
            doc.value_type(other, component="Dataframe", fallback="CTable"),
        ]
        assert names == [f"Dataframe{suffix}", f"Dataframe{suffix}", f"CTable{suffix}"]


def test_gradio_quirks_map_to_sensible_types() -> None:
    assert inline_type({"type": {}}, "input") == "Any"
    assert inline_type({"type": "string", "enum": []}, "input") == "str"
    assert inline_type({"type": "string", "enum": ["a", "b'c"]}, "input") == "Literal['a', \"b'c\"]"
    assert inline_type({"type": "array", "items": FILE}, "output") == "list[File]"
    ref = {"type": "array", "items": {"$ref": "#/$defs/FileData"}, "$defs": {"FileData": FILE}}
    assert inline_type(ref, "input") == "list[FileInput]"
    assert inline_type({"anyOf": [{"type": "number"}, {"type": "null"}]}, "input") == "float | None"
    assert inline_type({"type": "object", "properties": {"a": {}}}, "input") is None


def test_shared_definitions_appear_once_with_readable_names() -> None:
    message = {"type": "object", "properties": {"role": {"type": "string"}}, "required": ["role"]}
    history = {"type": "array", "items": {"$ref": "#/$defs/Message"}, "$defs": {"Message": message}}
    for side, typed_dict in (("input", True), ("output", False)):
        doc = Document(side)  # type: ignore[arg-type]
        types = {doc.value_type(history, component="Chatbot", fallback=n) for n in ("A", "B")}
        suffix = "Param" if typed_dict else ""
        assert types == {f"list[ChatMessage{suffix}]"}  # gradio's Message is gr.ChatMessage
        block = models.build_models(doc.document(), doc.roots, typed_dict=typed_dict)
        assert block.source.count(f"class ChatMessage{suffix}(") == 1
        assert not any(name[-1].isdigit() for name in block.names)


def test_typed_dict_keys_that_are_not_identifiers_use_the_functional_form() -> None:
    doc = Document("input")
    schema = {
        "type": "object",
        "properties": {"from": {"type": "integer"}, "my-key": {"type": "string"}},
        "required": ["from"],
    }
    assert doc.value_type(schema, component="Json", fallback="X") == "JSONParam"
    block = models.build_models(doc.document(), doc.roots, typed_dict=True)
    assert not block.degraded
    assert "JSONParam = TypedDict('JSONParam', {'from': int, 'my-key': NotRequired[str]})" in (
        block.source
    )


@pytest.mark.parametrize(
    "source",
    [
        "X = TypedDict('Y', {'a': int})\n",
        "X = TypedDict('X', {1: int})\n",
        "X = TypedDict('X', {'a': int}, extra=os)\n",
        "X = TypedDict('X', {'a': __import__('os')})\n",
        "class X(TypedDict, metaclass=M):\n    a: int\n",
        "X: TypeAlias = __import__('os')\n",
    ],
)
def test_unexpected_typed_dict_statements_are_rejected(source: str) -> None:
    with pytest.raises(models.UnsafeModelSource):
        models.sanitize(source)


def test_a_failing_models_step_degrades_to_any(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def boom(document: object, typed_dict: bool = False) -> str:
        raise RuntimeError("simulated datamodel-code-generator failure")

    monkeypatch.setattr(models, "run_datamodel_codegen", boom)
    snap = minimal_app(
        {
            "/f": {
                "parameters": [
                    param(
                        "x",
                        {"type": "object", "properties": {"a": {"type": "integer"}}},
                        component="Json",
                    )
                ],
                "returns": [ret("y", {"type": "string"})],
            }
        }
    )
    text = generate(snap)
    assert "# model generation failed: RuntimeError: these types are unconstrained." in text
    assert 'JSONParam = TypeAliasType("JSONParam", Any)' in text
    path = tmp_path / "degraded.py"
    path.write_text(text, encoding="utf-8")
    load_module(path)
