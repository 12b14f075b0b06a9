"""The typed layer's hand checks for plain values agree with pydantic, value for value.

``_shapes.plain_check`` lets a generated endpoint skip building a pydantic ``TypeAdapter`` for
plain parameters and outputs. It may only decide values whose pydantic result is certain; for
everything else it answers ``MISS`` and pydantic validates (so errors stay pydantic's).
"""

from __future__ import annotations

import math
import sys
from typing import Annotated, Any, Literal

import pytest
from gradio_gen_runtime._typed._shapes import MISS, plain_check
from gradio_gen_runtime._types import NOT_GIVEN, NotGiven
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter, ValidationError

PLAIN_HINTS: list[Any] = [
    str,
    int,
    float,
    bool,
    str | None,
    float | None,
    int | float,
    float | int,
    float | str,
    bool | int,
    Literal["a", "b"],
    Literal[1, 2.5, True],
    Literal["x"] | None,
    str | NotGiven,
    float | NotGiven | None,
    Literal["friendly", "formal"] | NotGiven,
]

VALUES = st.one_of(
    st.text(max_size=5),
    st.integers(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.just(NOT_GIVEN),
    st.sampled_from(["a", "b", "x", "friendly", 1, 2.5, True, 1.0, 0, b"a", bytearray(b"a")]),
    st.lists(st.integers(), max_size=2),
)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("hint", PLAIN_HINTS, ids=repr)
@settings(max_examples=150, deadline=None)
@given(value=VALUES)
def test_a_decided_value_is_exactly_what_pydantic_gives(hint: Any, value: Any) -> None:
    check = plain_check(hint)
    assert check is not None, hint
    decided = check(value)
    if decided is MISS:
        return  # pydantic decides (and raises its own errors)
    try:
        expected = TypeAdapter(hint).validate_python(value)
    except ValidationError:
        pytest.fail(f"{hint}: hand check accepted {value!r}, pydantic rejects it")
    assert same(decided, expected), (hint, value, decided, expected)


@pytest.mark.parametrize(
    ("hint", "value"),
    [(str, "hi"), (float, 3), (float, 2.5), (int, 7), (bool, False), (str | None, None),
     (Literal["a", "b"], "b"), (str | NotGiven, NOT_GIVEN)],
)  # fmt: skip
def test_common_values_are_decided_by_hand(hint: Any, value: Any) -> None:
    check = plain_check(hint)
    assert check is not None and check(value) is not MISS


@pytest.mark.parametrize(
    ("hint", "value"),
    [(str, 1), (str, b"x"), (int, 1.0), (int, True), (bool, 1), (float, "1"),
     (float, 2**60), (Literal["a"], "c"), (int | float, 1.5 + 0j)],
)  # fmt: skip
def test_undecided_values_go_to_pydantic(hint: Any, value: Any) -> None:
    check = plain_check(hint)
    assert check is not None and check(value) is MISS


@pytest.mark.parametrize(
    "hint",
    [Annotated[float, Field(ge=0)], list[str], dict[str, int], bytes, Any, Literal[b"x"],
     str | list[int]],
)  # fmt: skip
def test_non_plain_types_are_left_to_pydantic(hint: Any) -> None:
    assert plain_check(hint) is None


def test_the_first_plain_call_builds_no_adapter(tmp_path: Any) -> None:
    """A call with plain values validates without pydantic's TypeAdapter (and a wrong value
    still raises the real InputValidationError, from pydantic)."""
    import subprocess

    code = """
import sys
sys.path.insert(0, sys.argv[1])
import client
from gradio_gen_runtime import InputValidationError
from gradio_gen_runtime._typed._generated import _prepare
from gradio_gen_runtime._typed._shapes import _shapes_of
from gradio_gen_runtime._spec import AppSpec

spec = AppSpec.from_snapshot(client.DemoApp.snapshot()).endpoint("/greet")
wire = _prepare(client._GreetEndpoint, spec, ("bob", "formal", 2))
assert wire == ["bob", "formal", 2], wire
shapes = _shapes_of(client._GreetEndpoint)
assert shapes._inputs is None
try:
    _prepare(client._GreetEndpoint, spec, ("bob", "rude", 2))
except InputValidationError as exc:
    assert "style" in str(exc), exc
else:
    raise AssertionError("not rejected")
assert shapes._inputs is not None
print("ok")
"""
    root = __file__.rsplit("/tests/", 1)[0] + "/generated_examples/demo_app"
    out = subprocess.run(
        [sys.executable, "-c", code, root], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
