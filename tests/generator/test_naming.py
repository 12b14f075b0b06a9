from __future__ import annotations

import keyword

import pytest
from gradio_gen.naming import (
    CLIENT_RESERVED,
    MODULE_RESERVED,
    ClassName,
    PythonIdentifier,
    endpoint_attribute_names,
    field_names,
    parameter_names,
)


def test_endpoint_rule_examples() -> None:
    names = endpoint_attribute_names(
        ["/count-up", "/count_up", "/2d", "/lambda", "/close", "/countUp", "/café", "/你好", "/"]
    )
    assert names == {
        "/count-up": "count_up_2",
        "/count_up": "count_up",  # already an identifier: keeps its name
        "/2d": "api_2d",
        "/lambda": "lambda_",
        "/close": "close_",  # a method of the client class
        "/countUp": "count_up_3",
        "/café": "cafe",
        "/你好": "api",
        "/": "api_2",
    }


def test_endpoint_names_are_unique_valid_identifiers() -> None:
    raw = ["/a-b", "/a_b", "/a b", "/A-B", "/a__b", "/class", "/match", "/_x", "/x_", "/1", "/1"]
    names = list(endpoint_attribute_names(raw).values())
    assert len(set(names)) == len(names)
    for n in names:
        assert n.isidentifier() and n.isascii()
        assert not keyword.iskeyword(n) and not keyword.issoftkeyword(n)
        assert n not in CLIENT_RESERVED


def test_client_reserved_covers_the_base_classes() -> None:
    from gradio_gen_runtime._typed._fake import AsyncFakeAppClient, FakeAppClient
    from gradio_gen_runtime._typed._generated import AppClient, AsyncAppClient

    bases = (AppClient, AsyncAppClient, FakeAppClient, AsyncFakeAppClient)
    public = {n for cls in bases for n in dir(cls) if not n.startswith("_")}
    assert public <= CLIENT_RESERVED, public - CLIENT_RESERVED


def test_parameter_names() -> None:
    assert parameter_names(["self", "maxTokens", "a b", "class", "a_b", "", "1x"]) == [
        "self_",
        "maxTokens",
        "a_b",
        "class_",
        "a_b_2",
        "arg",
        "arg_1x",
    ]


def test_field_names() -> None:
    assert field_names(["Count", "count", "index", "Output 1", "_x", ""]) == [
        "count_",
        "count_2",
        "index_",
        "output_1",
        "x",
        "output",
    ]


@pytest.mark.parametrize(
    "text", ['"; import os', "a\nb", "\\", "'''", "名前", "", "0", "None", "__init__"]
)
def test_identifiers_sanitise_anything(text: str) -> None:
    ident = PythonIdentifier(text)
    assert ident.isidentifier() and ident.isascii() and not keyword.iskeyword(ident)
    cls = ClassName(text)
    assert cls.isidentifier() and cls.isascii() and not keyword.iskeyword(cls)


def test_default_class_name() -> None:
    from gradio_gen.ir import default_class_name
    from gradio_gen_runtime._spec import AppSpec

    def spec(title: str | None, space: str | None = None) -> AppSpec:
        return AppSpec(None, "sse_v3", "/gradio_api", None, space, title, False)

    assert default_class_name(spec("My Chat App"), "http://127.0.0.1:7860/") == "MyChatApp"
    assert default_class_name(spec("Gradio"), "http://127.0.0.1:7860/") == "GradioApp"
    assert default_class_name(spec("Gradio"), "abidlabs/whisper-large") == "WhisperLarge"
    assert default_class_name(spec("Gradio", "me/tts"), "http://x/") == "Tts"
    assert default_class_name(spec("Gradio"), "snap.json", hint="demo__hello") == "DemoHello"
    assert default_class_name(spec("3d viewer"), "x.json") == "App3dViewer"


def test_module_reserved_covers_the_runtime_public_module() -> None:
    """Every name a generated module may take from gradio_gen_runtime.generated is reserved,
    so no model or result class can shadow it."""
    from gradio_gen_runtime import generated

    assert set(generated.__all__) <= MODULE_RESERVED, set(generated.__all__) - MODULE_RESERVED
