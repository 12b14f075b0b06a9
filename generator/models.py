"""datamodel-code-generator, run once per app on the combined document, and an AST check of
what it wrote.

The generated model source is never pasted as text: it is parsed, every statement is checked
against the small set of shapes models consist of (imports from known modules, classes with
annotated fields and literal defaults, type aliases), the file marker classes are replaced by
the runtime's ``FileInput``/``File``, ``BaseModel`` becomes the runtime's ``GeneratedModel``
(``defer_build=True``), and the tree is unparsed. Anything unexpected makes the whole model
block degrade to ``Any`` aliases with a comment, never a failure.
"""

from __future__ import annotations

import ast
import json
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gradio_gen.schema import FILE_TYPE, MARKERS

log = logging.getLogger("gradio_gen.generator")

_ALLOWED_IMPORTS: dict[str, frozenset[str] | None] = {
    "__future__": frozenset({"annotations"}),
    "typing": None,
    "typing_extensions": None,
    "pydantic": None,
    "datetime": None,
    "decimal": frozenset({"Decimal"}),
    "uuid": frozenset({"UUID"}),
    "ipaddress": None,
    "pathlib": frozenset({"Path"}),
    "enum": frozenset({"Enum"}),
}
_ALLOWED_BASES = {"BaseModel", "RootModel", "Enum", "str", "TypedDict"}
_FROM_TYPING_EXTENSIONS = frozenset({"TypedDict", "NotRequired", "Required"})
_ALLOWED_CALLS = {"Field", "ConfigDict", "TypeAliasType", "constr", "conint", "confloat", "conlist"}


class UnsafeModelSource(Exception):
    """The model source contains a statement models never consist of."""


@dataclass
class ModelBlock:
    """What the module gets from the models step."""

    source: str
    """Statements (no imports) defining models and aliases, safe to embed."""
    imports: dict[str, set[str]] = field(default_factory=dict)
    """module -> names the source needs."""
    names: set[str] = field(default_factory=set)
    """Top-level names the source defines."""
    degraded: bool = False


def run_datamodel_codegen(document: Mapping[str, Any], *, typed_dict: bool = False) -> str:
    """Pydantic models (``typed_dict=False``: the output side) or TypedDicts (the input
    side) for ``document``."""
    from datamodel_code_generator import LiteralType, generate
    from datamodel_code_generator._format_types import PythonVersion
    from datamodel_code_generator.enums import DataModelType, InputFileType

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = generate(
            json.dumps(document, sort_keys=True),
            input_file_type=InputFileType.JsonSchema,
            output_model_type=(
                DataModelType.TypingTypedDict if typed_dict else DataModelType.PydanticV2BaseModel
            ),
            formatters=[],
            disable_timestamp=True,
            skip_root_model=True,
            enum_field_as_literal=LiteralType.All,
            use_default_kwarg=True,
            strict_nullable=True,
            use_one_literal_as_default=True,
            allow_remote_refs=False,
            use_type_alias=True,
            use_schema_description=False,
            use_field_description=False,
            target_python_version=PythonVersion.PY_310,
        )
    if not isinstance(out, str):
        raise UnsafeModelSource("datamodel-code-generator returned several modules")
    return out


def build_models(
    document: Mapping[str, Any], expected: list[str], *, typed_dict: bool = False
) -> ModelBlock:
    """Models (or TypedDicts) for ``document``; ``expected`` are the names the module refers
    to."""
    defs = document.get("$defs") or {}
    if not expected or not defs:
        return ModelBlock(source="")
    try:
        source = run_datamodel_codegen(document, typed_dict=typed_dict)
        block = sanitize(source)
    except Exception as exc:  # any failure degrades to Any, never to a failed generation
        log.warning("model generation failed, degrading to Any: %s", exc)
        return degraded(expected, f"model generation failed: {type(exc).__name__}")
    missing = [n for n in expected if n not in block.names]
    if missing:
        log.warning("models missing after generation: %s", missing[:5])
        return degraded(expected, "model generation lost definitions")
    return block


def degraded(names: list[str], why: str) -> ModelBlock:
    safe_why = why.replace("\n", " ")
    lines = [f"# {safe_why}: these types are unconstrained."]
    lines += [f'{n} = TypeAliasType("{n}", Any)' for n in names]
    return ModelBlock(
        source="\n".join(lines) + "\n",
        imports={"typing": {"Any"}, "typing_extensions": {"TypeAliasType"}},
        names=set(names),
        degraded=True,
    )


def sanitize(source: str) -> ModelBlock:
    """Check and rewrite datamodel-code-generator's output (see the module docstring)."""
    tree = ast.parse(source)
    markers = {MARKERS["input"]: FILE_TYPE["input"], MARKERS["output"]: FILE_TYPE["output"]}
    imports: dict[str, set[str]] = {}
    body: list[ast.stmt] = []
    defined: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            allowed = _ALLOWED_IMPORTS.get(stmt.module or "", frozenset())
            for alias in stmt.names:
                if alias.asname or (allowed is not None and alias.name not in allowed):
                    raise UnsafeModelSource(f"import {stmt.module}.{alias.name}")
                if alias.name in _FROM_TYPING_EXTENSIONS:
                    # pydantic needs typing_extensions' TypedDict before Python 3.12
                    imports.setdefault("typing_extensions", set()).add(alias.name)
                elif alias.name != "TypeAlias" and stmt.module != "__future__":
                    imports.setdefault(str(stmt.module), set()).add(alias.name)
            continue
        if isinstance(stmt, ast.AnnAssign) and _is_type_alias(stmt):
            # ``X: TypeAlias = T`` (TypedDict mode) -> ``X = TypeAliasType("X", T)``, as the
            # models side writes it: evaluated lazily, so definition order does not matter
            assert isinstance(stmt.target, ast.Name) and stmt.value is not None
            _check_annotation(stmt.value)
            name = stmt.target.id
            defined.add(name)
            body.append(
                ast.Assign(
                    targets=[ast.Name(name, ast.Store())],
                    value=ast.Call(
                        func=ast.Name("TypeAliasType", ast.Load()),
                        args=[ast.Constant(name), stmt.value],
                        keywords=[],
                    ),
                    lineno=0,
                )
            )
            imports.setdefault("typing_extensions", set()).add("TypeAliasType")
            continue
        if isinstance(stmt, ast.Assign) and _is_functional_typed_dict(stmt):
            assert isinstance(stmt.targets[0], ast.Name)
            if stmt.targets[0].id in markers:
                continue
            defined.add(stmt.targets[0].id)
            body.append(stmt)
            continue
        if isinstance(stmt, ast.ClassDef):
            if stmt.name in markers:
                continue
            _check_class(stmt)
            defined.add(stmt.name)
            body.append(stmt)
            continue
        if isinstance(stmt, ast.Assign) and _is_alias(stmt):
            assert isinstance(stmt.targets[0], ast.Name)
            defined.add(stmt.targets[0].id)
            body.append(stmt)
            continue
        if isinstance(stmt, ast.Expr) and _is_rebuild(stmt):
            continue  # pydantic resolves forward references lazily on first use
        raise UnsafeModelSource(f"unexpected statement {type(stmt).__name__}")
    module = ast.Module(body=body, type_ignores=[])
    uses_file: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Name) and node.id in markers:
            node.id = markers[node.id]
            uses_file.add(node.id)
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in markers
        ):
            node.value = markers[node.value]
            uses_file.add(node.value)
    uses_model = False
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            _wrap_mutable_defaults(stmt)
            for i, b in enumerate(stmt.bases):
                if isinstance(b, ast.Name) and b.id == "BaseModel":
                    stmt.bases[i] = ast.Name("GeneratedModel", ast.Load())
                    uses_model = True
    imports.get("pydantic", set()).discard("BaseModel")
    if "Field(" in ast.unparse(module):
        imports.setdefault("pydantic", set()).add("Field")
    if uses_file:
        imports.setdefault("gradio_gen_runtime.generated", set()).update(uses_file)
    if uses_model:
        imports.setdefault("gradio_gen_runtime.generated", set()).add("GeneratedModel")
    text = ast.unparse(ast.fix_missing_locations(module))
    return ModelBlock(source=text + "\n", imports=imports, names=defined)


def _wrap_mutable_defaults(cls: ast.ClassDef) -> None:
    """``x: list[int] = []`` -> ``x: list[int] = Field(default=[])`` (pydantic copies it;
    linters no longer mistake it for a shared class attribute)."""
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(
            stmt.value, (ast.List, ast.Dict, ast.Set)
        ):
            stmt.value = ast.Call(
                func=ast.Name("Field", ast.Load()),
                args=[],
                keywords=[ast.keyword(arg="default", value=stmt.value)],
            )


def _is_type_alias(stmt: ast.AnnAssign) -> bool:
    return (
        isinstance(stmt.target, ast.Name)
        and isinstance(stmt.annotation, ast.Name)
        and stmt.annotation.id == "TypeAlias"
        and stmt.value is not None
    )


def _is_functional_typed_dict(stmt: ast.Assign) -> bool:
    """``X = TypedDict("X", {"key": T, ...})`` (keys that are not identifiers), checked."""
    if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
        return False
    call = stmt.value
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "TypedDict"
        and len(call.args) == 2
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value == stmt.targets[0].id
        and isinstance(call.args[1], ast.Dict)
    ):
        return False
    for kw in call.keywords:
        if kw.arg != "total" or not isinstance(kw.value, ast.Constant):
            raise UnsafeModelSource("unexpected TypedDict keyword")
    for key, value in zip(call.args[1].keys, call.args[1].values, strict=True):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            raise UnsafeModelSource("TypedDict key is not a string")
        _check_annotation(value)
    return True


def _is_rebuild(stmt: ast.Expr) -> bool:
    call = stmt.value
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "model_rebuild"
        and isinstance(call.func.value, ast.Name)
        and not call.args
        and not call.keywords
    )


def _is_alias(stmt: ast.Assign) -> bool:
    if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
        return False
    call = stmt.value
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "TypeAliasType"
        and len(call.args) == 2
        and not call.keywords
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value == stmt.targets[0].id
    ):
        return False
    _check_annotation(call.args[1])
    return True


def _check_class(cls: ast.ClassDef) -> None:
    if cls.decorator_list or any(
        kw.arg != "total" or not isinstance(kw.value, ast.Constant) for kw in cls.keywords
    ):
        raise UnsafeModelSource(f"class {cls.name} has decorators or keywords")
    for base in cls.bases:
        name = base.value if isinstance(base, ast.Subscript) else base
        if not (isinstance(name, ast.Name) and name.id in _ALLOWED_BASES):
            raise UnsafeModelSource(f"class {cls.name} has an unexpected base")
        if isinstance(base, ast.Subscript):
            _check_annotation(base.slice)
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            _check_annotation(stmt.annotation)
            if stmt.value is not None:
                _check_value(stmt.value)
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            _check_value(stmt.value)
        elif isinstance(stmt, ast.Pass):
            pass
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            pass  # a docstring: unparse re-quotes it safely
        else:
            raise UnsafeModelSource(f"class {cls.name}: unexpected {type(stmt).__name__}")


def _check_annotation(node: ast.expr) -> None:
    """Names, subscripts, ``|`` unions, ``None`` and literal values inside ``Literal[...]``."""
    if isinstance(node, ast.Name):
        return
    if isinstance(node, ast.Constant) and node.value is None:
        return
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        _check_annotation(node.left)
        _check_annotation(node.right)
        return
    if isinstance(node, ast.Tuple):
        for elt in node.elts:
            _check_annotation(elt)
        return
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id == "Literal":
            _check_value(node.slice)
            return
        if node.value.id == "Annotated" and isinstance(node.slice, ast.Tuple):
            _check_annotation(node.slice.elts[0])
            for extra in node.slice.elts[1:]:
                _check_value(extra)
            return
        _check_annotation(node.slice)
        return
    if isinstance(node, ast.Call):
        _check_value(node)
        return
    raise UnsafeModelSource(f"unexpected annotation node {type(node).__name__}")


def _check_value(node: ast.expr) -> None:
    """Literal data, or calls of a few known constructors with literal arguments."""
    if isinstance(node, ast.Call):
        if not (isinstance(node.func, ast.Name) and node.func.id in _ALLOWED_CALLS):
            raise UnsafeModelSource("unexpected call")
        for arg in node.args:
            _check_value(arg)
        for kw in node.keywords:
            if kw.arg == "default_factory":
                if not (isinstance(kw.value, ast.Name) and kw.value.id in {"list", "dict"}):
                    if isinstance(kw.value, ast.Lambda) and not kw.value.args.args:
                        _check_value(kw.value.body)
                        continue
                    raise UnsafeModelSource("unexpected default_factory")
                continue
            _check_value(kw.value)
        return
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return  # e.g. an enum member or Model.model_validate in a default factory
    if isinstance(node, ast.Name):
        return  # a type or constant name (validated as identifier by the parser)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for elt in node.elts:
            _check_value(elt)
        return
    if isinstance(node, ast.Dict):
        for k, v in zip(node.keys, node.values, strict=False):
            if k is not None:
                _check_value(k)
            _check_value(v)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        _check_value(node.operand)
        return
    if isinstance(node, ast.Constant):
        return
    raise UnsafeModelSource(f"unexpected value node {type(node).__name__}")
