"""Property tests of the inclusion test: whenever ``includes(a, b)`` says True, every value
that ``a`` accepts (generated from ``a`` by construction) is accepted by ``b``; whenever it
says False for two simple schemas, a value of ``a`` that ``b`` rejects exists among a few
candidates. Schemas come from a small grammar of what Gradio emits."""

from __future__ import annotations

import os
from typing import Any

from gradio_gen_runtime._contracts._schemacmp import accepts, includes, relation
from hypothesis import given, settings
from hypothesis import strategies as st

WORDS = st.sampled_from(["a", "b", "c", "d"])


def scalar_schemas() -> st.SearchStrategy[dict[str, Any]]:
    integer = st.builds(
        lambda lo, hi: {"type": "integer", **lo, **hi},
        st.one_of(st.just({}), st.integers(-3, 3).map(lambda v: {"minimum": v})),
        st.one_of(st.just({}), st.integers(4, 9).map(lambda v: {"maximum": v})),
    )
    number = st.builds(
        lambda lo: {"type": "number", **lo},
        st.one_of(st.just({}), st.integers(-3, 3).map(lambda v: {"minimum": v})),
    )
    string = st.one_of(
        st.just({"type": "string"}),
        st.lists(WORDS, min_size=1, max_size=4, unique=True).map(
            lambda xs: {"type": "string", "enum": xs}
        ),
        st.integers(1, 3).map(lambda n: {"type": "string", "maxLength": n}),
    )
    return st.one_of(
        st.just({"type": "null"}), st.just({"type": "boolean"}), integer, number, string
    )


def schemas() -> st.SearchStrategy[dict[str, Any]]:
    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        array = inner.map(lambda s: {"type": "array", "items": s})
        union = st.lists(inner, min_size=2, max_size=3).map(lambda xs: {"anyOf": xs})
        obj = st.builds(
            lambda x, y, req: {
                "type": "object",
                "properties": {"x": x, "y": y},
                "required": req,
            },
            inner,
            inner,
            st.sampled_from([[], ["x"], ["x", "y"]]),
        )
        return st.one_of(array, union, obj)

    return st.recursive(scalar_schemas(), extend, max_leaves=4)


def values_of(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid for ``schema`` by construction."""
    if "anyOf" in schema:
        return st.one_of([values_of(s) for s in schema["anyOf"]])
    t = schema["type"]
    if t == "null":
        return st.none()
    if t == "boolean":
        return st.booleans()
    if t == "integer":
        return st.integers(schema.get("minimum", -20), schema.get("maximum", 20))
    if t == "number":
        lo = schema.get("minimum", -20)
        return st.one_of(
            st.integers(lo, 20), st.floats(lo, 20, allow_nan=False, allow_infinity=False)
        )
    if t == "string":
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        return st.text(WORDS, max_size=schema.get("maxLength", 5))
    if t == "array":
        return st.lists(values_of(schema["items"]), max_size=3)
    props, req = schema["properties"], set(schema["required"])
    return st.fixed_dictionaries(
        {k: values_of(v) for k, v in props.items() if k in req},
        optional={k: values_of(v) for k, v in props.items() if k not in req},
    )


@settings(max_examples=int(os.environ.get("CONTRACT_EXAMPLES", "300")), deadline=None)
@given(st.data(), schemas(), schemas())
def test_inclusion_is_sound(data: st.DataObject, a: dict[str, Any], b: dict[str, Any]) -> None:
    verdict = includes(a, b)
    value = data.draw(values_of(a))
    assert accepts(a, value) is True, (a, value)  # the generator and the acceptor agree
    if verdict is True:
        assert accepts(b, value) is not False, (a, b, value)


@settings(max_examples=int(os.environ.get("CONTRACT_EXAMPLES", "300")), deadline=None)
@given(schemas())
def test_every_schema_relates_to_itself_as_same(a: dict[str, Any]) -> None:
    assert includes(a, a) is True
    assert relation(a, {"title": "x", **a}) == "same"


@settings(max_examples=int(os.environ.get("CONTRACT_EXAMPLES", "200")), deadline=None)
@given(scalar_schemas(), scalar_schemas())
def test_false_means_a_counterexample_exists(a: dict[str, Any], b: dict[str, Any]) -> None:
    if includes(a, b) is not False:
        return
    candidates: list[Any] = [
        None,
        True,
        False,
        -20,
        20,
        0.5,
        3.5,
        -3.5,
        "",
        "a",
        "ab",
        "abc",
        "abcd",
    ]
    candidates += list(range(-4, 11))
    candidates += list(a.get("enum", []))
    own = [v for v in candidates if accepts(a, v) is True]
    assert any(accepts(b, v) is False for v in own), (a, b)


MIRROR = {"same": "same", "widened": "narrowed", "narrowed": "widened", "changed": "changed"}


@settings(max_examples=int(os.environ.get("CONTRACT_EXAMPLES", "300")), deadline=None)
@given(schemas(), schemas())
def test_relation_is_antisymmetric(a: dict[str, Any], b: dict[str, Any]) -> None:
    forward, backward = relation(a, b), relation(b, a)
    assert MIRROR.get(forward, "unknown") == backward, (a, b, forward, backward)
