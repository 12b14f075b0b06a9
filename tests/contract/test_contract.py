"""Classification of API changes on hand-made snapshots (pure, no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gradio_gen_runtime._contracts._contract import KINDS, ApiDiff, diff_snapshots
from gradio_gen_runtime._exceptions import ProtocolError

from tests.contract.snapshots import endpoint, param, ret, snapshot

S = {"type": "string"}
INT = {"type": "integer"}
N = {"type": "number"}
B = {"type": "boolean"}


def kinds(diff: ApiDiff) -> list[tuple[str, str, str | None]]:
    assert {c.kind for c in diff} <= set(KINDS)
    return [(c.kind, c.severity, c.target) for c in diff]


def one(old_ep: dict[str, Any], new_ep: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return kinds(diff_snapshots(snapshot({"f": old_ep}), snapshot({"f": new_ep})))


def test_identical_snapshots_have_no_changes() -> None:
    snap = snapshot({"f": endpoint([param("a"), param("b", INT, has_default=True, default=1)])})
    diff = diff_snapshots(snap, json.loads(json.dumps(snap)))
    assert not diff
    assert diff.summary() == "no API changes"
    assert diff.to_dict() == {"breaking": 0, "compatible": 0, "changes": []}


def test_cosmetic_schema_differences_are_not_changes() -> None:
    old = endpoint([param("a", {"type": "string"})])
    new = endpoint([param("a", {"type": "string", "title": "A", "description": "x"})])
    assert one(old, new) == []


def test_endpoint_added_and_removed() -> None:
    ep = endpoint([param("a")])
    diff = diff_snapshots(
        snapshot({"keep": ep, "gone": ep}, order=["keep", "gone"]),
        snapshot({"keep": ep, "new": ep}, order=["keep", "new"]),
    )
    assert kinds(diff) == [
        ("endpoint_removed", "breaking", None),
        ("endpoint_added", "compatible", None),
    ]
    assert [c.endpoint for c in diff] == ["/gone", "/new"]
    assert len(diff.breaking) == 1 and len(diff.compatible) == 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            [param("a")],
            [param("a"), param("b", has_default=True, default="x")],
            [("parameter_added", "compatible", "b")],
            id="added-with-default",
        ),
        pytest.param(
            [param("a")],
            [param("a"), param("b", INT)],
            [("parameter_added", "breaking", "b")],
            id="added-without-default",
        ),
        pytest.param(
            [param("a"), param("c", INT)],
            [param("a"), param("b", has_default=True), param("c", INT)],
            [("parameter_added", "breaking", "b")],
            id="inserted-with-default-shifts-positions",
        ),
        pytest.param(
            [param("a"), param("b", INT)],
            [param("a")],
            [("parameter_removed", "breaking", "b")],
            id="removed",
        ),
        pytest.param(
            [param("a"), param("b", INT)],
            [param("a"), param("count", INT)],
            [("parameter_renamed", "breaking", "count")],
            id="renamed",
        ),
        pytest.param(
            [param("a"), param("b", INT)],
            [param("a"), param("count", B)],
            [("parameter_added", "breaking", "count"), ("parameter_removed", "breaking", "b")],
            id="different-type-is-not-a-rename",
        ),
        pytest.param(
            [param("a"), param("b", INT)],
            [param("b", INT), param("a")],
            [("parameters_reordered", "breaking", None)],
            id="reordered",
        ),
        pytest.param(
            [param("a", INT)],
            [param("a", N)],
            [("parameter_type_widened", "compatible", "a")],
            id="int-to-number-widened",
        ),
        pytest.param(
            [param("a", N)],
            [param("a", INT)],
            [("parameter_type_narrowed", "breaking", "a")],
            id="number-to-int-narrowed",
        ),
        pytest.param(
            [param("a", S)],
            [param("a", {"anyOf": [S, {"type": "null"}]})],
            [("parameter_type_widened", "compatible", "a")],
            id="became-nullable",
        ),
        pytest.param(
            [param("a", S)],
            [param("a", N)],
            [("parameter_type_changed", "breaking", "a")],
            id="string-to-number-changed",
        ),
        pytest.param(
            [param("a", {"type": "string", "enum": ["x", "y"]})],
            [param("a", {"type": "string", "enum": ["x", "y", "z"]})],
            [("parameter_choices_added", "compatible", "a")],
            id="choices-added",
        ),
        pytest.param(
            [param("a", {"type": "string", "enum": ["x", "y"]})],
            [param("a", {"type": "string", "enum": ["x"]})],
            [("parameter_choices_removed", "breaking", "a")],
            id="choices-removed",
        ),
        pytest.param(
            [param("a", {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}})],
            [param("a", {"type": "array", "items": {"type": "string", "enum": ["y", "z"]}})],
            [
                ("parameter_choices_added", "compatible", "a"),
                ("parameter_choices_removed", "breaking", "a"),
            ],
            id="multiselect-choices-swapped",
        ),
        pytest.param(
            [param("a", {"type": "string", "enum": ["x"]})],
            [param("a", S)],
            [("parameter_type_widened", "compatible", "a")],
            id="choices-dropped-free-text",
        ),
        pytest.param(
            [param("a", {"type": "string", "x-custom": 1})],
            [param("a", {"type": "string", "x-custom": 2})],
            [("parameter_type_unknown", "breaking", "a")],
            id="unknown-keyword-is-conservative",
        ),
        pytest.param(
            [param("a", INT, has_default=True, default=1)],
            [param("a", INT, has_default=True, default=2)],
            [("default_changed", "compatible", "a")],
            id="default-changed",
        ),
        pytest.param(
            [param("a", INT, has_default=True, default=1)],
            [param("a", INT)],
            [("parameter_now_required", "breaking", "a")],
            id="default-lost",
        ),
        pytest.param(
            [param("a", INT)],
            [param("a", INT, has_default=True, default=3)],
            [("parameter_now_optional", "compatible", "a")],
            id="default-gained",
        ),
        pytest.param(
            [param("a", S, component="Textbox")],
            [param("a", S, component="Dropdown")],
            [("component_changed", "compatible", "a")],
            id="component-changed-same-type",
        ),
    ],
)
def test_parameter_changes(
    old: list[dict[str, Any]], new: list[dict[str, Any]], expected: list[tuple[str, str, str]]
) -> None:
    assert one(endpoint(old), endpoint(new)) == expected


PROPS: dict[str, Any] = {"x": INT, "y": S}
OBJ: dict[str, Any] = {"type": "object", "properties": PROPS, "required": ["x"]}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            OBJ,
            {**OBJ, "properties": {**PROPS, "z": B}},
            "parameter_type_widened",
            id="optional-property-added",
        ),
        pytest.param(
            OBJ,
            {**OBJ, "required": ["x", "y"]},
            "parameter_type_narrowed",
            id="property-became-required",
        ),
        pytest.param(
            {**OBJ, "required": ["x", "y"]},
            OBJ,
            "parameter_type_widened",
            id="property-became-optional",
        ),
        pytest.param(
            {"type": "array", "items": INT},
            {"type": "array", "items": N},
            "parameter_type_widened",
            id="array-items-widened",
        ),
        pytest.param(
            {"type": "number", "minimum": 0, "maximum": 10},
            {"type": "number", "minimum": 0, "maximum": 5},
            "parameter_type_narrowed",
            id="slider-range-narrowed",
        ),
        pytest.param(
            {"$defs": {"P": OBJ}, "$ref": "#/$defs/P"},
            {"$defs": {"Q": {**OBJ, "required": []}}, "$ref": "#/$defs/Q"},
            "parameter_type_widened",
            id="through-refs",
        ),
    ],
)
def test_structured_types(old: dict[str, Any], new: dict[str, Any], expected: str) -> None:
    assert [k for k, _, _ in one(endpoint([param("a", old)]), endpoint([param("a", new)]))] == [
        expected
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            [ret("o", INT)], [ret("o", N)], [("output_type_widened", "breaking")], id="widened"
        ),
        pytest.param(
            [ret("o", N)], [ret("o", INT)], [("output_type_narrowed", "compatible")], id="narrowed"
        ),
        pytest.param(
            [ret("o", S)], [ret("o", B)], [("output_type_changed", "breaking")], id="retyped"
        ),
        pytest.param(
            [ret("o", {"type": "string", "enum": ["a"]})],
            [ret("o", {"type": "string", "enum": ["a", "b"]})],
            [("output_choices_added", "breaking")],
            id="choices-added",
        ),
        pytest.param(
            [ret("o", {"type": "string", "enum": ["a", "b"]})],
            [ret("o", {"type": "string", "enum": ["a"]})],
            [("output_choices_removed", "compatible")],
            id="choices-removed",
        ),
        pytest.param([ret("o")], [ret("o"), ret("p")], [("output_added", "breaking")], id="added"),
        pytest.param(
            [ret("o"), ret("p")], [ret("o")], [("output_removed", "breaking")], id="removed"
        ),
        pytest.param([ret("o")], [ret("q")], [("output_renamed", "compatible")], id="label-single"),
        pytest.param(
            [ret("o"), ret("p")],
            [ret("o"), ret("q")],
            [("output_renamed", "breaking")],
            id="label-in-tuple",
        ),
    ],
)
def test_output_changes(
    old: list[dict[str, Any]], new: list[dict[str, Any]], expected: list[tuple[str, str]]
) -> None:
    got = one(endpoint([param("a")], old), endpoint([param("a")], new))
    assert [(k, s) for k, s, _ in got] == expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"queue": True}, {"queue": False}, ("queue_changed", "compatible")),
        ({"generator": False}, {"generator": True}, ("generator_changed", "breaking")),
        ({"generator": True}, {"generator": False}, ("generator_changed", "breaking")),
        ({"connection": "sse"}, {"connection": "stream"}, ("connection_changed", "breaking")),
        ({"state_inputs": 0}, {"state_inputs": 1}, ("state_changed", "compatible")),
    ],
)
def test_kind_changes(old: dict[str, Any], new: dict[str, Any], expected: tuple[str, str]) -> None:
    got = one(endpoint([param("a")], **old), endpoint([param("a")], **new))
    assert [(k, s) for k, s, _ in got] == [expected]


def test_fn_index_shift_is_a_compatible_wire_change() -> None:
    ep = endpoint([param("a")])
    diff = diff_snapshots(
        snapshot({"a": ep, "b": ep}, order=["a", "b"]),
        snapshot({"a": ep, "b": ep}, order=["b", "a"]),
    )
    assert kinds(diff) == [
        ("fn_index_changed", "compatible", None),
        ("fn_index_changed", "compatible", None),
    ]
    assert diff.changes[0].old == 0 and diff.changes[0].new == 1


def test_app_level_changes() -> None:
    ep = {"f": endpoint([param("a")])}
    diff = diff_snapshots(
        snapshot(ep, max_file_size=1000, api_prefix="/gradio_api"),
        snapshot(ep, max_file_size=10, api_prefix="/api"),
    )
    assert kinds(diff) == [
        ("api_prefix_changed", "compatible", None),  # the client reads the live prefix
        ("max_file_size_changed", "breaking", None),
    ]
    raised = diff_snapshots(snapshot(ep, max_file_size=10), snapshot(ep, max_file_size=None))
    assert kinds(raised) == [("max_file_size_changed", "compatible", None)]


def test_order_is_deterministic_and_json_serialisable() -> None:
    old = snapshot(
        {
            "b": endpoint([param("x", INT)]),
            "a": endpoint([param("x", {"type": "string", "enum": ["p", "q"]})]),
            "c": endpoint([param("x")]),
        }
    )
    new = snapshot(
        {
            "a": endpoint([param("x", {"type": "string", "enum": ["p"]}), param("y", INT)]),
            "b": endpoint([param("x", N)]),
            "d": endpoint([param("x")]),
        },
        order=["a", "b", "d"],
    )
    first = diff_snapshots(old, new)
    for _ in range(3):
        assert diff_snapshots(old, new) == first
    assert [c.endpoint for c in first] == ["/a", "/a", "/b", "/c", "/d"]
    report = json.loads(json.dumps(first.to_dict()))
    assert report["breaking"] == 3 and report["compatible"] == 2
    assert report["changes"][0] == {
        "endpoint": "/a",
        "kind": "parameter_choices_removed",
        "severity": "breaking",
        "target": "x",
        "message": "parameter 'x': choices removed [\"q\"]",
        "old": ["q"],
        "new": None,
    }
    assert "[breaking] /c: endpoint /c was removed" in [str(c) for c in first]


def test_malformed_snapshot_names_the_key() -> None:
    with pytest.raises(ProtocolError, match="info"):
        diff_snapshots({"config": {}}, snapshot({}))
