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
    doc = Document()
    doc.reserve("InInput")
    doc.add_root(
        "InInput", {"type": "object", "properties": {"f": FILE, "n": {"type": "integer"}}}, "input"
    )
    doc.reserve("OutOutput")
    doc.add_root(
        "OutOutput",
        {"type": "array", "items": {"type": "object", "properties": {"f": FILE}}},
        "output",
    )
    block = models.build_models(doc.document(), ["InInput", "OutOutput"])
    assert not block.degraded
    assert "f: FileInput" in block.source and "list[OutOutputItem]" in block.source
    assert "f: File\n" in block.source or "f: File " in block.source
    assert "Marker" not in block.source
    wanted = {"File", "FileInput", "GeneratedModel"}
    assert block.imports["gradio_gen_runtime.generated"] >= wanted


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
    doc = Document()
    for name in ("AInput", "BInput"):
        doc.reserve(name)
        doc.add_root(
            name,
            {"type": "array", "items": {"$ref": "#/$defs/Message"}, "$defs": {"Message": message}},
            "input",
        )
    block = models.build_models(doc.document(), ["AInput", "BInput"])
    assert block.source.count("class Message(") == 1
    assert not any(name[-1].isdigit() for name in block.names)


def test_a_failing_models_step_degrades_to_any(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def boom(document: object) -> str:
        raise RuntimeError("simulated datamodel-code-generator failure")

    monkeypatch.setattr(models, "run_datamodel_codegen", boom)
    snap = minimal_app(
        {
            "/f": {
                "parameters": [
                    param("x", {"type": "object", "properties": {"a": {"type": "integer"}}})
                ],
                "returns": [ret("y", {"type": "string"})],
            }
        }
    )
    text = generate(snap)
    assert "# model generation failed: RuntimeError: these types are unconstrained." in text
    assert 'FXInput = TypeAliasType("FXInput", Any)' in text
    path = tmp_path / "degraded.py"
    path.write_text(text, encoding="utf-8")
    load_module(path)
