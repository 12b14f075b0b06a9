"""Each Gradio era's API description made one shape (``_legacy_info``, ``_legacy_v3``,
``_spec``), checked against snapshots captured from real releases of one app
(tests/apps/legacy_app.py; tests/generator/legacy_capture.py wrote them)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from gradio_gen_runtime._exceptions import ProtocolError
from gradio_gen_runtime._legacy_info import (
    complete_info,
    config_protocol,
    derive_parameter_names,
    gradio_version,
    info_from_config,
    info_route,
    snapshot_info,
    unsupported_reason,
    version_tuple,
)
from gradio_gen_runtime._spec import (
    AppSpec,
    contains_file_schema,
    is_file_schema,
    minimal_snapshot,
    snapshot_sha256,
)

FIXTURES = Path(__file__).resolve().parents[1] / "generator" / "fixtures" / "legacy"
RELEASES = sorted((p.stem for p in FIXTURES.glob("*.json")), key=lambda v: version_tuple(v) or ())
PROTOCOLS = {"3": "ws", "4.8": "sse", "4.16": "sse_v1", "4.20": "sse_v2", "4.21": "sse_v2.1"}


@cache
def _load(version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{version}.json").read_text())
    return data


def fixture(version: str) -> dict[str, Any]:
    return copy.deepcopy(_load(version))


def test_every_release_line_was_captured() -> None:
    assert {"3.28.3", "3.36.1", "3.50.2", "4.8.0", "4.16.0", "4.20.1", "4.21.0", "4.44.1"} <= set(
        RELEASES
    )
    assert any(v.startswith("5.") for v in RELEASES) and any(v.startswith("6.") for v in RELEASES)


# -- versions, protocols, refusal ---------------------------------------------------------


def test_versions() -> None:
    assert gradio_version({"version": "3.36.1\n"}) == "3.36.1"  # 3.x releases add a newline
    assert gradio_version({"version": 3}) is None
    assert version_tuple("4.44.1") == (4, 44, 1)
    assert version_tuple("4.0.0b3") == (4, 0, 0)
    assert version_tuple("") is None and version_tuple(None) is None


@pytest.mark.parametrize("version", RELEASES)
def test_protocol_and_route_of_each_release(version: str) -> None:
    config = fixture(version)["config"]
    major_minor = ".".join(version.split(".")[:2])
    expected = PROTOCOLS.get(major_minor, PROTOCOLS.get(version[0], "sse_v3"))
    assert config_protocol(config) == expected
    assert unsupported_reason(config) is None
    route = info_route(config)
    if version_tuple(version) < (3, 29):  # type: ignore[operator]
        assert route is None  # its /info is in the old format: built from the config
    else:
        assert route == ("gradio_api/info" if version[0] in "56" else "info")
    spec = AppSpec.from_snapshot(fixture(version))
    assert spec.protocol == expected and spec.version == version
    assert spec.api_prefix == ("/gradio_api" if version[0] in "56" else "")


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"version": "2.9.4", "input_components": []}, ["gradio 2.9.4", "not support"]),
        ({"input_components": [], "output_components": []}, ["gradio 2.x"]),
        ({"version": "3.50.2", "components": []}, ["3.50.2", "'dependencies'"]),
        ({"version": "7.0.0", "protocol": "sse_v4", "components": [], "dependencies": []},
         ["gradio 7.0.0", "'sse_v4'", "does not"]),
        ({"version": "4.44.1", "components": [], "dependencies": []}, ["4.44.1", "'unset'"]),
        ([], ["not a JSON object"]),
    ],
)  # fmt: skip
def test_unrecognised_configs_are_refused_naming_the_version(config: Any, words: list[str]) -> None:
    reason = unsupported_reason(config)
    assert reason is not None and "\n" not in reason
    for word in words:
        assert word in reason


def test_a_3x_config_without_protocol_speaks_ws() -> None:
    assert config_protocol({"version": "3.0.4"}) == "ws"
    assert config_protocol({}) == "ws"  # no version either: the oldest reading
    assert config_protocol({"version": "5.0.0"}) is None
    assert config_protocol({"version": "4.44.1", "protocol": "sse_v3"}) == "sse_v3"


# -- 3.x info from the config --------------------------------------------------------------


def test_info_from_config_reproduces_the_3_50_server_exactly() -> None:
    snap = fixture("3.50.2")
    assert info_from_config(snap["config"]) == snap["info"]


def test_info_from_config_matches_3_36_up_to_its_clients_wording() -> None:
    """3.36.1 ran an older gradio_client, whose serialized descriptions differ in wording
    ("filepath or URL to file"); everything else is what the server says."""
    snap = fixture("3.36.1")
    built = info_from_config(snap["config"])

    def without_python_type(info: dict[str, Any]) -> Any:
        return {
            name: {
                side: [{k: v for k, v in p.items() if k != "python_type"} for p in ep[side]]
                for side in ("parameters", "returns")
            }
            for name, ep in info["named_endpoints"].items()
        }

    assert without_python_type(built) == without_python_type(snap["info"])


def test_pre_3_29_info_is_built_from_the_config() -> None:
    snap = fixture("3.28.3")
    assert "type" not in snap["info"]["named_endpoints"]["/greet"]["parameters"][0]
    info = snapshot_info(snap["config"], snap["info"])  # the old format is not used
    greet = info["named_endpoints"]["/greet"]
    assert [p["parameter_name"] for p in greet["parameters"]] == ["name", "n", "fruit"]
    assert greet["parameters"][2]["type"] == {
        "type": "string",
        "enum": ["apple", "banana", "cherry"],
    }
    counter = info["named_endpoints"]["/counter"]
    assert len(counter["parameters"]) == 1 and len(counter["returns"]) == 1  # no State
    assert snapshot_info(snap["config"], None) == info  # a snapshot without info at all


def test_info_is_required_where_the_release_has_one() -> None:
    with pytest.raises(ProtocolError, match="missing"):
        snapshot_info(fixture("3.50.2")["config"], None)
    with pytest.raises(ProtocolError, match="format"):
        snapshot_info(fixture("3.50.2")["config"], fixture("3.28.3")["info"])


def test_3x_serializers_by_component_type() -> None:
    config = {
        "version": "3.20.1",
        "components": [
            {"id": 1, "type": "file", "props": {"label": "Files", "file_count": "multiple"}},
            {"id": 2, "type": "gallery", "props": {}},
            {"id": 3, "type": "checkbox", "props": {"label": "Ok", "value": True}},
            {"id": 4, "type": "somecustom", "props": {}, "serializer": "Serializable"},
            {"id": 5, "type": "row", "props": {}},
            {"id": 6, "type": "nonesuch", "props": {}},
        ],
        "dependencies": [
            {"api_name": "many", "inputs": [1, 3, 5], "outputs": [2], "backend_fn": True},
            {"api_name": "custom", "inputs": [4], "outputs": [], "backend_fn": True},
            {"api_name": "skipped", "inputs": [6], "outputs": [], "backend_fn": True},
            {"api_name": None, "inputs": [3], "outputs": [], "backend_fn": True},
            {"api_name": "js", "inputs": [3], "outputs": [], "backend_fn": False},
        ],
    }
    info = info_from_config(config)
    assert sorted(info["named_endpoints"]) == ["/custom", "/many"]
    assert list(info["unnamed_endpoints"]) == ["3"]
    many = info["named_endpoints"]["/many"]
    files, ok = many["parameters"]
    assert files["type"]["type"] == "array" and is_file_schema(files["type"]["items"])
    assert files["python_type"] == {
        "type": "List[str]",
        "description": "List of filepath(s) or URL(s) to files",
    }
    assert ok["type"] == {"type": "boolean"} and ok["component"] == "Checkbox"
    gallery = many["returns"][0]
    assert gallery["label"] == "value_2" and contains_file_schema(gallery["type"])
    assert info["named_endpoints"]["/custom"]["parameters"][0]["serializer"] == "SimpleSerializable"
    completed = complete_info(config, info)["named_endpoints"]["/many"]["parameters"]
    assert [(p["parameter_name"], p["parameter_has_default"]) for p in completed] == [
        ("files", False),
        ("ok", True),
    ]


# -- completing an era's info --------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "taken", "names"),
    [
        (["Name", "N", "Fruit"], [], ["name", "n", "fruit"]),
        (["Input Text", "input_text", "Input-Text"], [], ["input_text", "input_text_2", "input_text_3"]),
        ([None, "", "!!!"], [], ["param_0", "param_1", "param_2"]),
        (["2D shape", "class", "self", "match"], [], ["param_2_d_shape", "class_", "self_", "match_"]),
        (["Café crème", "ÆON"], [], ["cafe_creme", "on"]),
        (["countUp"], ["count_up"], ["count_up_2"]),
    ],
)  # fmt: skip
def test_parameter_names_from_labels(labels: list[Any], taken: list[str], names: list[str]) -> None:
    result = derive_parameter_names(labels, taken)
    assert result == names
    assert all(n.isidentifier() and n.isascii() for n in result)
    assert derive_parameter_names(labels, taken) == result  # deterministic


@pytest.mark.parametrize("version", RELEASES)
def test_completed_info_has_the_4_44_names_and_defaults(version: str) -> None:
    reference = snapshot_info(fixture("4.44.1")["config"], fixture("4.44.1")["info"])
    snap = fixture(version)
    info = snapshot_info(snap["config"], snap.get("info"))
    for name, ep in reference["named_endpoints"].items():
        got = info["named_endpoints"][name]["parameters"]
        want = ep["parameters"]
        assert [p["parameter_name"] for p in got] == [p["parameter_name"] for p in want]
        assert [(p["parameter_has_default"], p["parameter_default"]) for p in got] == [
            (p["parameter_has_default"], p["parameter_default"]) for p in want
        ]


def test_complete_info_is_idempotent_pure_and_a_no_op_on_6x() -> None:
    for version in RELEASES:
        snap = fixture(version)
        before = copy.deepcopy(snap)
        once = snapshot_info(snap["config"], snap.get("info"))
        assert snap == before  # nothing mutated
        assert complete_info(snap["config"], once) == once
    modern = fixture("6.31.0")
    assert complete_info(modern["config"], modern["info"]) == modern["info"]


def test_3x_choice_components_get_4x_schemas() -> None:
    def dep_config(props: dict[str, Any], kind: str) -> dict[str, Any]:
        return {
            "version": "3.50.2",
            "components": [{"id": 1, "type": kind, "props": {"label": "Pick", **props}}],
            "dependencies": [{"api_name": "f", "inputs": [1], "outputs": [1], "backend_fn": True}],
        }

    cases = [
        ({"choices": [["A", "a"], ["B", "b"]]}, "dropdown", {"type": "string", "enum": ["a", "b"]}),
        ({"choices": ["a", "b"], "multiselect": True}, "dropdown",
         {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}),
        ({"choices": ["a"]}, "radio", {"enum": ["a"], "title": "Radio", "type": "string"}),
        ({"choices": ["a"]}, "checkboxgroup",
         {"items": {"enum": ["a"], "type": "string"}, "title": "Checkbox Group", "type": "array"}),
        ({"choices": ["a"], "allow_custom_value": True}, "dropdown", None),
        ({"choices": []}, "dropdown", None),
    ]  # fmt: skip
    for props, kind, expected in cases:
        config = dep_config(props, kind)
        info = snapshot_info(config, info_from_config(config))
        param = info["named_endpoints"]["/f"]["parameters"][0]
        ret = info["named_endpoints"]["/f"]["returns"][0]
        if expected is None:
            assert "enum" not in json.dumps(param["type"])
        else:
            assert param["type"] == expected and ret["type"] == expected


def test_number_with_precision_0_is_an_integer_where_the_config_says_so() -> None:
    snap = fixture("5.9.1")
    assert snap["info"]["named_endpoints"]["/greet"]["parameters"][1]["type"] == {"type": "number"}
    info = snapshot_info(snap["config"], snap["info"])
    assert info["named_endpoints"]["/greet"]["parameters"][1]["type"] == {"type": "integer"}
    old = fixture("3.36.1")  # its config has no precision: the era truly lacks it
    info = snapshot_info(old["config"], old["info"])
    assert info["named_endpoints"]["/greet"]["parameters"][1]["type"] == {"type": "number"}


# -- files of every era --------------------------------------------------------------------


@pytest.mark.parametrize("version", RELEASES)
def test_file_schemas_of_every_era(version: str) -> None:
    spec = AppSpec.from_snapshot(fixture(version))
    for name in ("/shout", "/mirror"):
        ep = spec.endpoints[name]
        assert is_file_schema(ep.parameters[0].schema), (version, name)
        assert is_file_schema(ep.outputs[0].schema), (version, name)
        assert ep.outputs_have_files
    for name in ("/greet", "/count", "/counter"):
        ep = spec.endpoints[name]
        assert not any(is_file_schema(p.schema) for p in ep.parameters), (version, name)
        assert not ep.outputs_have_files


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string"},
        {"type": "string", "description": "base64 representation of a file"},
        {"oneOf": [{"type": "string"}, {"type": "number"}]},
        {"oneOf": [{"type": "string", "enum": ["a"]}, {"type": "object", "properties": {
            "name": {}, "data": {}, "is_file": {}}}]},
        {"type": "object", "properties": {"path": {"type": "string"}}},
        {"type": "object", "properties": {"path": {}, "meta": {"default": {"_type": "x"}}}},
        {"type": {}, "description": "any valid json"},
        {"anyOf": []},
    ],
)  # fmt: skip
def test_not_files(schema: dict[str, Any]) -> None:
    assert not is_file_schema(schema)


# -- the spec and the embedded snapshot ----------------------------------------------------


@pytest.mark.parametrize("version", RELEASES)
def test_wire_layout_of_every_era(version: str) -> None:
    spec = AppSpec.from_snapshot(fixture(version))
    assert sorted(spec.endpoints) == ["/count", "/counter", "/greet", "/mirror", "/shout"]
    assert [spec.endpoints[n].fn_index for n in ("/greet", "/count", "/shout", "/mirror")] == [
        0,
        1,
        2,
        3,
    ]
    counter = spec.endpoints["/counter"]
    assert (counter.input_slots, counter.state_inputs, counter.state_outputs) == (2, (1,), (1,))
    assert counter.to_wire(["x"]) == ["x", None]
    assert spec.endpoints["/count"].generator
    assert [p.name for p in spec.endpoints["/greet"].parameters] == ["name", "n", "fruit"]


@pytest.mark.parametrize("version", RELEASES)
def test_minimal_snapshot_is_self_sufficient_and_hashes_like_the_full_one(version: str) -> None:
    """The embedded snapshot gives the same spec, and the drift check's hash of the live
    ``{config, info}`` (raw, or ``{config}`` alone before 3.29) equals the embedded one."""
    snap = fixture(version)
    minimal = minimal_snapshot(snap)
    assert AppSpec.from_snapshot(minimal) == AppSpec.from_snapshot(snap)
    assert snapshot_sha256(minimal) == snapshot_sha256(snap)
    live = {"config": snap["config"]}
    if info_route(snap["config"]) is not None:
        live["info"] = snap["info"]
    assert snapshot_sha256(live) == snapshot_sha256(minimal)
    assert json.loads(json.dumps(minimal)) == minimal
    assert minimal["config"]["version"].strip() == version
