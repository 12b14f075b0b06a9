"""JSON Schema inclusion (``_schemacmp``): the relation the contract diff builds on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gradio_gen_runtime._contracts._schemacmp import accepts, includes, relation
from gradio_gen_runtime._spec import AppSpec

NULL = {"type": "null"}


@pytest.mark.parametrize(
    ("sub", "sup", "expected"),
    [
        ({"type": "integer"}, {"type": "number"}, True),
        ({"type": "number"}, {"type": "integer"}, False),
        ({"type": "string"}, {}, True),
        ({}, {"type": "string"}, False),
        ({"type": ["string", "null"]}, {"anyOf": [{"type": "string"}, NULL]}, True),
        ({"anyOf": [{"type": "string"}, NULL]}, {"type": "string"}, False),
        ({"type": "string", "nullable": True}, {"type": "string"}, False),
        ({"type": "string", "enum": ["a"]}, {"type": "string", "enum": ["a", "b"]}, True),
        ({"type": "string", "enum": ["a", "c"]}, {"type": "string", "enum": ["a", "b"]}, False),
        ({"const": 3}, {"type": "integer", "minimum": 0}, True),
        ({"type": "boolean"}, {"enum": [True, False]}, True),
        ({"type": "string"}, {"type": "string", "enum": []}, True),  # run-time choices
        ({"type": "number", "minimum": 1}, {"type": "number", "minimum": 0}, True),
        ({"type": "number", "exclusiveMinimum": 0}, {"type": "number", "minimum": 0}, True),
        ({"type": "number", "minimum": 0}, {"type": "number", "exclusiveMinimum": 0}, False),
        ({"type": "string", "maxLength": 3}, {"type": "string"}, True),
        ({"type": "string"}, {"type": "string", "maxLength": 3}, False),
        (
            {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]},
            {"type": "array", "prefixItems": [{"type": "number"}, {"type": "string"}]},
            True,
        ),
        ({"type": "object"}, {"type": "object", "additionalProperties": True}, True),
        (
            {"type": "object", "additionalProperties": {"type": "integer"}},
            {"type": "object", "additionalProperties": {"type": "number"}},
            True,
        ),
        (
            {"type": "object", "additionalProperties": True},
            {"type": "object", "properties": {"a": {"type": "string"}}},
            False,
        ),
        ({"type": "string", "x-unknown": 1}, {"type": "string", "x-unknown": 2}, None),
        ({"type": "string", "x-unknown": 1}, {"type": "string"}, True),
        ({"$ref": "#/nowhere"}, {"type": "string"}, None),
    ],
)
def test_includes(sub: dict[str, Any], sup: dict[str, Any], expected: bool | None) -> None:
    assert includes(sub, sup) is expected


def test_recursive_schemas_terminate() -> None:
    tree = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "v": {"type": "integer"},
                    "kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                },
                "required": ["v"],
            }
        },
        "$ref": "#/$defs/Node",
    }
    wider = json.loads(json.dumps(tree).replace('"integer"', '"number"'))
    assert relation(tree, tree) == "same"
    assert relation(tree, wider) == "widened"
    assert relation(wider, tree) == "narrowed"


def test_accepts_values() -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer", "maximum": 3}, "s": {"type": "string"}},
        "required": ["n"],
    }
    assert accepts(schema, {"n": 2, "s": "x"}) is True
    assert accepts(schema, {"n": 5}) is False
    assert accepts(schema, {"s": "x"}) is False
    assert accepts(schema, {"n": 1, "extra": 1}) is False  # closed object
    assert accepts({"type": "integer"}, True) is False


def test_every_corpus_schema_includes_itself(corpus_dir: Any) -> None:
    """Soundness floor on 294 real apps: a schema always relates to itself as "same", even
    through $defs, anyOf, prefixItems and open dicts, and never crashes."""
    seen = 0
    for path in sorted(corpus_dir.glob("*__*.json")):
        spec = AppSpec.from_snapshot(json.loads(path.read_text()))
        for ep in spec.endpoints.values():
            schemas = [p.schema for p in ep.parameters] + [o.schema for o in ep.outputs]
            for schema in schemas:
                seen += 1
                assert includes(schema, schema) is True, (path.name, ep.api_name)
    assert seen > 1000
