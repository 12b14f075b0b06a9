"""Validation errors of structured arguments read as one line per problem (issue 16, point 6).

``_typed._explain`` turns pydantic's union-expanded errors into ``<path>: expected ..., got ...``
lines. Unit tests use hand-written hints (independent of how the generator names its models);
the corpus tests use real app schemas (skipped where ../shared/corpus is absent).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pytest
from gradio_gen_runtime import InputValidationError
from gradio_gen_runtime._files._file import File, FileInput
from gradio_gen_runtime._typed._explain import explain, short_repr
from gradio_gen_runtime._types import NOT_GIVEN, NotGiven
from pydantic import BaseModel, TypeAdapter, ValidationError
from typing_extensions import NotRequired, TypedDict

from tests.generator._util import generate, load_module
from tests.servers import CORPUS


class Text(BaseModel):
    text: str
    type: Literal["text"] = "text"


class FilePart(BaseModel):
    file: FileInput
    alt_text: str | None = None
    type: Literal["file"] = "file"


class FilePartOut(BaseModel):
    file: File
    alt_text: str | None = None
    type: Literal["file"] = "file"


class Message(BaseModel):
    role: str
    content: list[Text | FilePart]


class MessageOut(BaseModel):
    role: str
    content: list[Text | FilePartOut]


class Box(TypedDict):
    text: str
    files: NotRequired[list[FileInput]]


class Pair(NamedTuple):
    x: int
    y: str


HISTORY = list[Message] | list[MessageOut] | NotGiven


def problems(hints: dict[str, Any], **values: Any) -> dict[str, list[str]]:
    """Validate like a generated endpoint (one tuple of all arguments) and explain."""
    names = list(hints)
    args = tuple(values.get(n, NOT_GIVEN) for n in names)
    adapter: TypeAdapter[Any] = TypeAdapter(tuple.__class_getitem__(tuple(hints.values())))
    with pytest.raises(ValidationError) as info:
        adapter.validate_python(args)
    return explain(info.value, names, list(hints.values()), args)


def test_a_wrong_chat_message_is_one_line_with_its_path() -> None:
    got = problems({"history": HISTORY}, history=[{"role": "user", "content": "hi"}])
    assert got == {"history": ["history[0].content: expected a valid list, got 'hi'"]}


def test_the_branch_whose_literal_tag_matches_explains() -> None:
    bad = {"type": "file", "file": "/no/such/file.png", "alt_text": 3}
    got = problems({"history": HISTORY}, history=[{"role": "user", "content": [bad]}])
    assert got == {
        "history": [
            "history[0].content[0].file: no such file: '/no/such/file.png'",
            "history[0].content[0].alt_text: expected a valid string, got 3",
        ]
    }  # not the Text branch (its 'type' is 'text'), not the output branch


def test_a_missing_field_shows_what_was_given_in_order() -> None:
    got = problems(
        {"history": HISTORY}, history=[{"role": "user", "content": [{"type": "text", "txt": 1}]}]
    )
    assert got == {
        "history": [
            "history[0].content[0]: missing required field 'text', got {'type': 'text', 'txt': 1}"
        ]
    }


def test_a_missing_tuple_item() -> None:
    assert problems({"pair": Pair}, pair=(1,)) == {
        "pair": ["pair: missing required item 1, got (1,)"]
    }


def test_a_value_of_no_branch_kind_says_what_would_do() -> None:
    assert problems({"history": HISTORY}, history="hello") == {
        "history": ["history: expected a valid list, got 'hello'"]
    }
    assert problems({"v": Box | Message | NotGiven}, v=3) == {
        "v": ["v: expected a valid dictionary, got 3"]  # a TypedDict and a model: one "dict"
    }
    assert problems({"v": float | str | NotGiven}, v=[1]) == {
        "v": ["v: expected a valid number or a valid string, got [1]"]
    }


def test_optional_and_plain_values() -> None:
    got = problems({"a": float, "b": int | None, "c": Literal["x", "y"]}, a="many", b=2.5, c="z")
    assert got == {
        "a": ["a: expected a valid number (unable to parse string as a number), got 'many'"],
        "b": ["b: expected a valid integer (got a number with a fractional part), got 2.5"],
        "c": ["c: expected 'x' or 'y', got 'z'"],
    }


def test_typed_dicts_dicts_tuples_and_model_instances() -> None:
    got = problems(
        {"box": Box | NotGiven, "table": dict[str, list[int]], "pair": Pair, "msg": Message},
        box={"text": "t", "files": ["/no/file"]},
        table={"a": [1], "b c": [1, "x"]},
        pair=(1, 2),
        msg={"role": "user", "content": [Text(text="a"), 5]},
    )
    assert got == {
        "box": ["box.files[0]: no such file: '/no/file'"],
        "table": [
            "table['b c'][1]: expected a valid integer (unable to parse string as an integer), got 'x'"
        ],
        "pair": ["pair[1]: expected a valid string, got 2"],
        "msg": ["msg.content[1]: expected a dict or Text, got 5"],  # one line for 2 branches
    }


def test_a_directory_passed_as_a_file_says_so(tmp_path: Path) -> None:
    assert problems({"f": FileInput}, f=str(tmp_path)) == {
        "f": [f"f: {str(tmp_path)!r} is a directory, not a file"]
    }
    got = problems({"box": Box}, box={"text": "t", "files": [str(tmp_path)]})
    assert got == {"box": [f"box.files[0]: {str(tmp_path)!r} is a directory, not a file"]}


def test_long_values_are_cut() -> None:
    text = short_repr("x" * 1000)
    assert len(text) < 80 and text.startswith("'xxx")
    assert short_repr({"a": list(range(100))}).endswith("...]}")


def test_the_exception_text_and_errors_mapping() -> None:
    one = InputValidationError(
        "/chat", {"history": ["history[0].content: expected a valid list, got 'hi'"]}
    )
    assert (
        str(one)
        == "invalid argument for /chat: history[0].content: expected a valid list, got 'hi'"
    )
    two = InputValidationError(
        "/chat", {"a": ["required, no value given"], "b": ["b.x: bad", "b: bad"]}
    )
    assert str(two) == (
        "invalid arguments for /chat (3 problems):\n"
        "  - a: required, no value given\n  - b.x: bad\n  - b: bad"
    )
    assert two.errors == {"a": ["a: required, no value given"], "b": ["b.x: bad", "b: bad"]}


# -- real app schemas ---------------------------------------------------------------------


def _corpus_client(tmp_path: Path, app: str) -> Any:
    path = CORPUS / f"{app}.json"
    if not path.is_file():
        pytest.skip("../shared/corpus is not available")
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    target = tmp_path / f"errors_{app}.py"
    target.write_text(generate(snapshot, source="http://127.0.0.1:9/"), encoding="utf-8")
    module = load_module(target)
    (cls,) = [
        v for k, v in vars(module).items()
        if isinstance(v, type) and k in module.__all__ and hasattr(v, "duplicate")
        and not k.startswith(("Async", "Fake"))
    ]  # fmt: skip
    return cls(on_drift="ignore", max_retries=0)


def _lines(error: InputValidationError) -> list[str]:
    return [line for lines in error.errors.values() for line in lines]


def test_chatbot_multimodal_history_and_message(tmp_path: Path) -> None:
    client = _corpus_client(tmp_path, "demo__chatbot_multimodal")
    with pytest.raises(InputValidationError) as info:
        client.add_message([{"role": "user", "content": "hi"}], {"text": "again", "files": []})
    assert info.value.errors == {"history": ["history[0].content: expected a valid list, got 'hi'"]}
    assert "\n" not in str(info.value) and "NOT_GIVEN" not in str(info.value)
    with pytest.raises(InputValidationError) as info:
        client.add_message([], {"text": "a", "files": [str(tmp_path)]})
    assert _lines(info.value) == [f"message.files[0]: {str(tmp_path)!r} is a directory, not a file"]
    with pytest.raises(InputValidationError) as info:
        client.add_message([], {"text": 3})
    assert _lines(info.value) == ["message.text: expected a valid string, got 3"]
    with pytest.raises(InputValidationError) as info:
        client.add_message(
            [{"role": "user", "content": [{"type": "file", "file": "/nope.png"}]}], {"text": "x"}
        )
    assert _lines(info.value) == ["history[0].content[0].file: no such file: '/nope.png'"]


def test_kitchen_sink_choices_tables_and_numbers(tmp_path: Path) -> None:
    client = _corpus_client(tmp_path, "demo__kitchen_sink")
    base = dict(
        text2="x", im1=b"i", im4=b"i", video=b"v", audio1=b"a", audio2=b"a", file=b"f", time="t"
    )
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"radio": "qux"}, ["radio: expected 'foo', 'bar' or 'baz', got 'qux'"]),
        (
            {"checkboxes": ["foo", "nope"]},
            ["checkboxes[1]: expected 'foo', 'bar' or 'baz', got 'nope'"],
        ),
        (
            {"df1": {"headers": ["a"], "data": ["x"]}},
            ["df1.data[0]: expected a valid list, got 'x'"],
        ),
        (
            {"num": "many"},
            ["num: expected a valid number (unable to parse string as a number), got 'many'"],
        ),
    ]
    for extra, expected in cases:
        with pytest.raises(InputValidationError) as info:
            client.predict(**{**base, **extra})
        assert _lines(info.value) == expected, extra
    with pytest.raises(InputValidationError) as info:
        client.predict(**{**base, "df1": [[1, 2]]})
    (line,) = _lines(info.value)
    assert re.fullmatch(r"df1: expected a (valid )?dict.*, got \[\[1, 2\]\]", line), line
