"""Every schema string is untrusted: hostile schemas must never change the module's code."""

from __future__ import annotations

import ast
import os
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from gradio_gen.render import docstring
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.generator._util import generate, load_module, minimal_app, mypy_strict, param, ret

HOSTILE = [
    '"""',
    "'''",
    '"',
    "'",
    "\\",
    "\\n",
    "\n",
    "\r\n",
    "#",
    "\x00",
    "\u2028",
    "é",
    "名前",
    "🙂",
    "__import__('os').environ.__setitem__('GG_PWNED', '1')",
    '"""; import os; os.environ["GG_PWNED"] = "1"; """',
    "'); exec('x') #",
    '\\"""',
    "{{ app }}",
    "{% raw %}",
    "x\\",
    "class",
    "self",
    "lambda",
    "_x",
    "0",
    "model_config",
    "Field",
    "Any",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=4).map("".join),
    st.text(max_size=30),
)


@given(hostile_text)
@settings(max_examples=300)
def test_docstring_round_trips(text: str) -> None:
    literal = docstring(text, indent=4)
    value = ast.literal_eval(literal)
    expected = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))
    # docstring() re-indents continuation lines and keeps the content otherwise
    got = "\n".join(line[4:] if line.startswith("    ") else line for line in value.split("\n"))
    assert got.rstrip("\n ").replace("\n    ", "\n") == expected.replace("\n    ", "\n") or (
        got.split() == expected.split()
    )


def _scalar() -> st.SearchStrategy[Any]:
    return st.one_of(hostile_text, st.integers(-5, 5), st.booleans(), st.none())


@st.composite
def hostile_schema(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    kinds = ["string", "enum", "number", "object", "array", "anyof", "file", "weird"]
    kind = draw(st.sampled_from(kinds if depth < 3 else kinds[:3]))
    if kind == "string":
        return {"type": "string", "title": draw(hostile_text), "description": draw(hostile_text)}
    if kind == "enum":
        return {"type": "string", "enum": draw(st.lists(hostile_text, min_size=0, max_size=4))}
    if kind == "number":
        return {"type": draw(st.sampled_from(["number", "integer", "boolean"]))}
    if kind == "object":
        props = draw(st.dictionaries(hostile_text, hostile_schema(depth + 1), max_size=3))
        node: dict[str, Any] = {"type": "object", "properties": props, "title": draw(hostile_text)}
        if props and draw(st.booleans()):
            node["required"] = [next(iter(props))]
        if draw(st.booleans()):
            node["additionalProperties"] = True
        if draw(st.booleans()):
            name = draw(hostile_text)
            node["$defs"] = {name: {"type": "object", "properties": {"x": {"type": "string"}}}}
            node["properties"]["ref"] = {"$ref": f"#/$defs/{name}"}
        return node
    if kind == "array":
        return {"type": "array", "items": draw(hostile_schema(depth + 1))}
    if kind == "anyof":
        return {"anyOf": draw(st.lists(hostile_schema(depth + 1), min_size=1, max_size=3))}
    if kind == "file":
        return {
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "meta": {"default": {"_type": "gradio.FileData"}},
            },
        }
    return draw(
        st.sampled_from(
            [
                {"type": {}},
                {},
                {"$ref": "#/$defs/missing"},
                {"enum": []},
                {"type": ["string", "null"]},
            ]
        )
    )


@st.composite
def hostile_snapshot(draw: st.DrawFn) -> dict[str, Any]:
    endpoints: dict[str, Any] = {}
    for _ in range(draw(st.integers(1, 3))):
        api_name = "/" + draw(hostile_text.filter(bool))
        params = []
        for _ in range(draw(st.integers(0, 3))):
            extra: dict[str, Any] = {
                "label": draw(hostile_text),
                "description": draw(hostile_text),
                "example": draw(_scalar()),
            }
            if draw(st.booleans()):
                extra["default"] = draw(
                    st.one_of(
                        _scalar(),
                        st.lists(_scalar(), max_size=2),
                        st.dictionaries(hostile_text, _scalar(), max_size=2),
                    )
                )
            params.append(param(draw(hostile_text), draw(hostile_schema()), **extra))
        rets = [
            ret(draw(hostile_text), draw(hostile_schema())) for _ in range(draw(st.integers(0, 3)))
        ]
        endpoints[api_name] = {
            "parameters": params,
            "returns": rets,
            "description": draw(hostile_text),
        }
    return minimal_app(endpoints, title=draw(hostile_text))


_ALLOWED_IMPORTS = {
    "__future__",
    "typing",
    "typing_extensions",
    "pydantic",
    "gradio_gen_runtime.generated",  # the runtime's one public module for generated code
}
_ALLOWED_CALLS = {"TypeAliasType", "Field", "ConfigDict", "TypedDict", "EndpointAttribute"}


def _check_expr_calls(node: ast.AST) -> None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            assert isinstance(sub.func, ast.Name) and sub.func.id in _ALLOWED_CALLS, ast.dump(sub)
            if sub.func.id == "EndpointAttribute":  # (an endpoint class, its api_name)
                cls, api_name = sub.args
                assert isinstance(cls, ast.Name) and not sub.keywords, ast.dump(sub)
                assert isinstance(api_name, ast.Constant) and isinstance(api_name.value, str)
        assert not isinstance(sub, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield))


def _check_version_check(orelse: list[ast.stmt]) -> None:
    """``else: require_runtime("X.Y.Z")``: one call of the runtime's check, a str constant."""
    assert len(orelse) == 1, [ast.dump(s)[:100] for s in orelse]
    (stmt,) = orelse
    assert isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call), ast.dump(stmt)
    call = stmt.value
    assert isinstance(call.func, ast.Name) and call.func.id == "require_runtime"
    assert not call.keywords and len(call.args) == 1
    assert isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)


def _check_method(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    for default in fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None]:
        assert isinstance(default, (ast.Constant, ast.Name, ast.UnaryOp)), ast.dump(default)
    if fn.name == "__init__":
        for stmt in body:  # super().__init__(...), attribute assignments, stub setup of fakes
            assert isinstance(stmt, (ast.Expr, ast.Assign)), ast.dump(stmt)
            for sub in ast.walk(stmt):
                assert not isinstance(sub, ast.Constant) or isinstance(sub.value, (str, type(None)))
        return
    assert len(body) == 1 and isinstance(body[0], ast.Return), ast.dump(fn)


_FAKES_GETATTR = '''
def __getattr__(name: str) -> Any:
    """The fakes are defined on first use (``gradio_gen_runtime.generated.define_fakes``)."""
    if "Fake" in name:
        from gradio_gen_runtime.generated import define_fakes

        define_fakes(globals(), CLIENT, ASYNC_CLIENT, _FAKE_ENDPOINTS)
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
'''


def _check_fakes_definer(orelse: list[ast.stmt]) -> None:
    """The runtime side of the fakes block: a table of string constants and the fixed
    ``__getattr__`` (only the two client names, string constants, may differ)."""
    assert len(orelse) == 2, [ast.dump(s)[:100] for s in orelse]
    table, getattr_fn = orelse
    assert isinstance(table, ast.Assign) and len(table.targets) == 1
    assert isinstance(table.targets[0], ast.Name) and table.targets[0].id == "_FAKE_ENDPOINTS"
    assert isinstance(table.value, ast.Tuple)
    for row in table.value.elts:
        assert isinstance(row, ast.Tuple) and len(row.elts) == 4
        assert all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in row.elts)
    assert isinstance(getattr_fn, ast.FunctionDef)
    call = getattr_fn.body[1].body[1]  # type: ignore[attr-defined]
    names = call.value.args[1:3]
    assert all(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in names)
    shaped = ast.parse(_FAKES_GETATTR).body[0]
    shaped.body[1].body[1].value.args[1:3] = names  # type: ignore[attr-defined]
    assert ast.dump(getattr_fn) == ast.dump(shaped), ast.dump(getattr_fn)[:300]


def _check_statement(i: int, stmt: ast.stmt, *, top: bool = True) -> None:
    if isinstance(stmt, ast.Expr):
        assert isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
    elif isinstance(stmt, ast.ImportFrom):
        assert stmt.module in _ALLOWED_IMPORTS, stmt.module
    elif isinstance(stmt, ast.If) and top:
        # `if TYPE_CHECKING:` imports; or the fakes: declared for type checkers (classes,
        # checked like all classes), defined at run time by the fixed __getattr__
        assert isinstance(stmt.test, ast.Name) and stmt.test.id == "TYPE_CHECKING"
        if all(isinstance(s, ast.ImportFrom) for s in stmt.body):
            for s in stmt.body:
                _check_statement(i, s, top=False)
            if stmt.orelse:
                _check_version_check(stmt.orelse)
            return
        for s in stmt.body:
            assert isinstance(s, (ast.ImportFrom, ast.ClassDef)), ast.dump(s)[:200]
            _check_statement(i, s, top=False)
        _check_fakes_definer(stmt.orelse)
    elif isinstance(stmt, ast.Assign) and top:
        assert all(isinstance(t, ast.Name) for t in stmt.targets)
        _check_expr_calls(stmt.value)
    elif isinstance(stmt, ast.ClassDef):
        assert not stmt.decorator_list
        assert all(k.arg == "total" and isinstance(k.value, ast.Constant) for k in stmt.keywords)
        for base in stmt.bases:
            _check_expr_calls(base)
        for item in stmt.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert not item.decorator_list
                _check_method(item)
            elif isinstance(item, (ast.AnnAssign, ast.Assign)):
                if item.value is not None:
                    _check_expr_calls(item.value)
            elif isinstance(item, ast.Expr):
                assert isinstance(item.value, ast.Constant)
            elif not isinstance(item, ast.Pass):
                raise AssertionError(f"unexpected class statement {ast.dump(item)}")
    else:
        raise AssertionError(f"unexpected statement #{i}: {ast.dump(stmt)[:200]}")


def check_module_shape(text: str) -> None:
    """The module consists only of the statement kinds a generated client has."""
    tree = ast.parse(text)
    for i, stmt in enumerate(tree.body):
        _check_statement(i, stmt)


_counter = iter(range(10**9))


@pytest.mark.timeout(900)
@given(snapshot=hostile_snapshot())
@settings(
    max_examples=int(os.environ.get("GG_HOSTILE_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_hostile_schemas_never_change_the_code(
    snapshot: dict[str, Any], tmp_path_factory: Any
) -> None:
    text = generate(snapshot)
    check_module_shape(text)
    compile(text, "client.py", "exec")
    os.environ.pop("GG_PWNED", None)
    path = tmp_path_factory.mktemp("hostile") / f"hostile_{next(_counter)}.py"
    path.write_text(text, encoding="utf-8")
    module = load_module(path)
    assert "GG_PWNED" not in os.environ
    # the client classes exist and every endpoint got an attribute
    names = [n for n in module.__all__ if n.startswith("Async") and not n.startswith("AsyncFake")]
    assert names
    sys.modules.pop(module.__name__, None)


def test_hostile_strings_in_a_fixed_app_are_only_data(tmp_path: Path) -> None:
    """A deterministic worst case (every hostile string everywhere), checked for byte-level
    stability under key reordering too."""
    bad = '"""; __import__("os").environ["GG_PWNED"]="1"; """ \\ \n # {{x}}'
    schema = {
        "type": "object",
        "title": bad,
        "properties": {
            bad: {"type": "string", "enum": [bad, "'", '"']},
            "class": {"type": "integer", "default": 3},
            "nested": {
                "type": "object",
                "properties": {
                    "deep": {"type": "array", "items": {"type": "string", "description": bad}}
                },
            },
        },
        "$defs": {bad: {"type": "object", "properties": {bad: {"type": "string"}}}},
    }
    snap = minimal_app(
        {
            "/" + bad: {
                "parameters": [
                    param(
                        bad,
                        {"type": "string", "enum": [bad, "b"]},
                        default=bad,
                        label=bad,
                        example=bad,
                    ),
                    param("obj", schema, default={bad: bad}, description=bad),
                ],
                "returns": [ret(bad, schema), ret(bad, {"type": "string"})],
                "description": bad,
            }
        },
        title=bad,
    )
    text = generate(snap)
    check_module_shape(text)
    shuffled = _shuffle(snap, random.Random(1))
    assert generate(shuffled) == text
    path = tmp_path / "worst.py"
    path.write_text(text, encoding="utf-8")
    os.environ.pop("GG_PWNED", None)
    load_module(path)
    assert "GG_PWNED" not in os.environ


def _shuffle(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffle(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffle(v, rng) for v in value]
    return value


@pytest.mark.parametrize("depth", [30, 80])
def test_deep_nesting_degrades_instead_of_failing(depth: int, tmp_path: Path) -> None:
    schema: dict[str, Any] = {"type": "string"}
    for i in range(depth):
        schema = {"type": "object", "properties": {f"l{i}": schema}, "required": [f"l{i}"]}
    text = generate(
        minimal_app({"/deep": {"parameters": [param("x", schema)], "returns": [ret("y", schema)]}})
    )
    check_module_shape(text)
    path = tmp_path / "deep.py"
    path.write_text(text, encoding="utf-8")
    load_module(path)


def test_hostile_modules_pass_mypy_strict(tmp_path: Path) -> None:
    """Whatever the names and strings, the module still type-checks."""
    paths: list[Path] = []

    @given(hostile_snapshot())
    @settings(
        max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def collect(snapshot: dict[str, Any]) -> None:
        path = tmp_path / f"hostile_mypy_{len(paths)}.py"
        path.write_text(generate(snapshot), encoding="utf-8")
        paths.append(path)

    collect()
    proc = mypy_strict(paths, tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_name_collisions_are_resolved(tmp_path: Path) -> None:
    obj = {"type": "object", "properties": {"v": {"type": "integer"}}}
    other = {"type": "object", "properties": {"w": {"type": "string"}}}
    snap = minimal_app(
        {
            "/count-up": {
                "parameters": [param("aB", obj), param("a_b", other)],
                "returns": [ret("r", obj), ret("s", obj)],
            },
            "/count-up!": {"parameters": [], "returns": [ret("r", other)]},
            "/count_up2": {"parameters": [], "returns": [ret("r", obj), ret("t", other)]},
            "/predict": {
                "parameters": [],
                "returns": [ret("x", {"type": "string"}), ret("y", {"type": "string"})],
            },
        },
        title="Any",
    )
    text = generate(snap)
    path = tmp_path / "collide.py"
    path.write_text(text, encoding="utf-8")
    proc = mypy_strict([path], tmp_path)
    assert proc.returncode == 0, proc.stdout
    module = load_module(path)
    import typing

    hints = typing.get_type_hints(module._CountUpEndpoint.__call__)
    assert hints["aB"] is not hints["a_b"]
    assert "AnyApp" in module.__all__
    for title in ("Job", "Endpoint", "File", "PredictResult"):
        text = generate({**snap, "config": {**snap["config"], "title": title}})
        compile(text, "x.py", "exec")
        assert f"class {title}(AppClient)" not in text or title == "PredictResult"
        tree = ast.parse(text)
        names = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
        assert len(names) == len(set(names)), title
